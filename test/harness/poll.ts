import { capturedLogs } from './logs';

import { Container } from '@n8n/di';
import { PollContext, PollTriggerExecutor } from 'n8n-core';
import {
	UnexpectedError,
	Workflow,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type WorkflowActivateMode,
} from 'n8n-workflow';

import { additionalDataFor } from './additionalData';
import { nodeCredentials, TestCredentialsHelper, type HarnessCredentials } from './credentials';
import { nodeTypesOf } from './nodeTypes';

export interface PollOptions {
	nodeType: INodeType;
	/** Node parameters; expressions are resolved by n8n. */
	parameters: INodeParameters;
	/** Keyed by credential type name; also becomes `node.credentials`. */
	credentials: HarnessCredentials;
	/**
	 * The node's static data: what `this.getWorkflowStaticData('node')` returns (n8n stores
	 * it in the workflow's static data under `node:<node name>`). Changed in place; pass
	 * the same object to keep state across polls.
	 */
	staticData?: IDataObject;
	/** 'manual' is the editor's "Fetch Test Event": n8n throws static-data changes away. */
	mode?: 'trigger' | 'manual';
	/**
	 * What `getActivationMode()` answers. n8n builds a poller's context once, when the
	 * workflow is activated, and reuses it for every scheduled poll: all polls of one
	 * activation see the same value ('activate', 'init' after a restart, 'update', ...).
	 * Defaults to 'activate', or 'manual' in manual mode.
	 */
	activation?: WorkflowActivateMode;
	nodeName?: string;
	typeVersion?: number;
	/**
	 * Manual mode only: run on `staticData` itself instead of a copy (n8n's change-tracking
	 * proxies write through), so a test sees whatever the node writes where n8n would
	 * silently drop it.
	 */
	manualWritesThrough?: boolean;
}

export interface PollOutcome {
	items: INodeExecutionData[][] | null;
	/** The static data n8n holds after the poll: `options.staticData` itself, unchanged in manual mode. */
	staticData: IDataObject;
	/** What `poll()` threw; n8n reports it through the workflow's error handling. */
	error?: Error;
	/** Everything logged through n8n's logger during the poll. */
	logs: string[];
	credentialsHelper: TestCredentialsHelper;
}

export function latestVersion(nodeType: INodeType): number {
	const { version } = nodeType.description;
	return Array.isArray(version) ? Math.max(...version) : version;
}

/** Static data as n8n's database column holds it: JSON. */
function jsonCopy(data: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(data)) as IDataObject;
}

/** Runs one poll through n8n-core: a real PollContext, run by n8n-core's PollTriggerExecutor (or, in manual mode, as WorkflowExecute runs it). */
export async function runPoll(options: PollOptions): Promise<PollOutcome> {
	const mode = options.mode ?? 'trigger';
	const staticData = options.staticData ?? {};
	const nodeName = options.nodeName ?? options.nodeType.description.defaults.name ?? 'Trigger';
	const workflow = new Workflow({
		id: 'harness-workflow',
		name: 'Harness',
		nodes: [
			{
				id: 'node-under-test',
				name: nodeName,
				type: options.nodeType.description.name,
				typeVersion: options.typeVersion ?? latestVersion(options.nodeType),
				position: [0, 0],
				parameters: options.parameters,
				credentials: nodeCredentials(options.credentials),
			},
		],
		connections: {},
		active: mode !== 'manual',
		nodeTypes: nodeTypesOf(options.nodeType),
		// n8n wraps these objects to notice changes; in manual mode the poll works on a
		// copy that nobody saves.
		staticData: {
			[`node:${nodeName}`]:
				mode === 'manual' && !options.manualWritesThrough ? jsonCopy(staticData) : staticData,
		},
	});
	const node = workflow.getNode(nodeName) as INode;
	const credentialsHelper = new TestCredentialsHelper(options.credentials);
	let items: INodeExecutionData[][] | null = null;
	let error: Error | undefined;
	const context = new PollContext(
		workflow,
		node,
		additionalDataFor(credentialsHelper),
		mode,
		options.activation ?? (mode === 'manual' ? 'manual' : 'activate'),
		(data) => {
			items = data;
		},
		(reported) => {
			error = reported;
		},
	);
	const logStart = capturedLogs.length;
	if (mode === 'manual') {
		// Fetch Test Event: n8n-core's WorkflowExecute calls poll() directly.
		const poll = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion).poll;
		if (!poll) throw new UnexpectedError(`${node.type} has no poll()`);
		try {
			items = await poll.call(context);
		} catch (caught) {
			error = caught as Error;
		}
	} else {
		// A scheduled poll: n8n-core's executor decides whether to emit (any non-null
		// result) and hands a throw to __emitError.
		await Container.get(PollTriggerExecutor).create(workflow, node, context, () => true)();
	}
	return { items, staticData, error, logs: capturedLogs.slice(logStart), credentialsHelper };
}

/**
 * n8n's persistence of a poller's static data, for restart tests.
 *
 * The rule, read in n8n 2.x:
 * - n8n-core `PollTriggerExecutor.create` (dist/execution-engine/poll-trigger-executor.js):
 *   after `poll()` returns, `if (pollResponse !== null) pollFunctions.__emit(pollResponse)`.
 *   Any non-null return emits, even `[]` or `[[]]`. A throw goes to `__emitError`, or is
 *   rethrown for the poll at activation (`testingTrigger`), which fails the activation.
 * - n8n-core `ActiveWorkflowTriggers.activatePollTrigger`: one poll at activation, then cron.
 * - n8n cli `getExecutePollFunctions` (workflow-trigger-activation.service.ts, formerly
 *   active-workflow-manager.ts): `__emit` calls `workflowStaticDataService.saveStaticData(workflow)`
 *   before starting the execution; `__emitError` only records an error execution.
 *   After the triggers of a workflow are added (activation, restart, update) n8n calls
 *   `saveStaticData(workflow)` once more; not when activation threw.
 * - `saveStaticData` writes only when `staticData.__dataChanged` is set, which n8n-workflow's
 *   ObservableObject does on any write; so "saved" below means "database = memory".
 * - Manual executions ("Fetch Test Event") never save static data.
 * So a poll that returns null, or throws, changes memory only: a restart loses it.
 */
export class PersistentStaticData {
	private saved = '{}';

	/** What the running n8n holds in memory: pass it as `staticData` to `runPoll`. */
	working: IDataObject = {};

	/** What n8n's database holds. */
	get database(): IDataObject {
		return JSON.parse(this.saved) as IDataObject;
	}

	/** Applies n8n's rule after a poll; `activation` marks the poll n8n runs when it activates the workflow. */
	afterPoll(items: INodeExecutionData[][] | null, activation: boolean, error?: Error): void {
		if (error) return;
		if (activation || items !== null) this.saved = JSON.stringify(this.working);
	}

	/** n8n restarts: memory is reloaded from the database. */
	restart(): void {
		this.working = this.database;
	}
}
