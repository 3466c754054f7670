import './environment';
import { capturedLogs } from './logs';

import { ExecutionLifecycleHooks, PollContext, WorkflowExecute } from 'n8n-core';
import {
	NodeConnectionTypes,
	Workflow,
	createRunExecutionData,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IRun,
	type IWorkflowExecuteAdditionalData,
	type WorkflowActivateMode,
} from 'n8n-workflow';

import { nodeCredentials, TestCredentialsHelper, type HarnessCredentials } from './credentials';

export { capturedLogs, TestCredentialsHelper, type HarnessCredentials };

/** Start node of action-node workflows: emits the test's input items. */
class InputItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Input Items',
		name: 'harnessInputItems',
		group: ['input'],
		version: 1,
		description: 'Emits the items given by the test',
		defaults: { name: 'Input Items' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as IDataObject[];
		return [items.map((json) => ({ json }))];
	}
}

function nodeTypesOf(...types: INodeType[]): INodeTypes {
	const byName = new Map(types.map((t) => [t.description.name, t]));
	return {
		getByName: (name: string) => byName.get(name) as INodeType,
		getByNameAndVersion: (name: string) => byName.get(name) as INodeType,
		getKnownTypes: () => ({}),
	} as INodeTypes;
}

function additionalDataFor(helper: TestCredentialsHelper): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: helper,
		variables: {},
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		webhookBaseUrl: 'http://127.0.0.1/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1/webhook-test',
		formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
		mcpBaseUrl: 'http://127.0.0.1/mcp',
		mcpTestBaseUrl: 'http://127.0.0.1/mcp-test',
		logAiEvent: () => {},
	} as unknown as IWorkflowExecuteAdditionalData;
}

export interface PollOptions {
	nodeType: INodeType;
	parameters: INodeParameters;
	credentials: HarnessCredentials;
	/** The workflow's static data; pass the same object to keep state across polls. */
	staticData?: IDataObject;
	/** 'manual' is the editor's "Fetch Test Event": n8n throws static-data changes away. */
	mode?: 'trigger' | 'manual';
	activation?: WorkflowActivateMode;
	nodeName?: string;
}

export interface PollOutcome {
	items: INodeExecutionData[][] | null;
	staticData: IDataObject;
	error?: Error;
	logs: string[];
	credentialsHelper: TestCredentialsHelper;
}

/** Runs one poll through n8n-core's real PollContext. */
export async function runPoll(options: PollOptions): Promise<PollOutcome> {
	const nodeName = options.nodeName ?? 'Trigger';
	const mode = options.mode ?? 'trigger';
	const staticData = options.staticData ?? {};
	const node: INode = {
		id: 'node-1',
		name: nodeName,
		type: options.nodeType.description.name,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: nodeCredentials(options.credentials),
	};
	// n8n keeps static data per workflow under "node:<name>"; in manual mode it works on a
	// copy that is never saved.
	const workflowStaticData: IDataObject =
		mode === 'manual' ? structuredClone({ [`node:${nodeName}`]: staticData }) : { [`node:${nodeName}`]: staticData };
	const workflow = new Workflow({
		id: 'workflow-1',
		name: 'Test',
		nodes: [node],
		connections: {},
		active: mode !== 'manual',
		nodeTypes: nodeTypesOf(options.nodeType),
		staticData: workflowStaticData,
	});
	const credentialsHelper = new TestCredentialsHelper(options.credentials);
	const context = new PollContext(
		workflow,
		workflow.getNode(nodeName) as INode,
		additionalDataFor(credentialsHelper),
		mode,
		options.activation ?? (mode === 'manual' ? 'manual' : 'activate'),
	);
	const logStart = capturedLogs.length;
	let items: INodeExecutionData[][] | null = null;
	let error: Error | undefined;
	try {
		items = await (options.nodeType.poll as NonNullable<INodeType['poll']>).call(context);
	} catch (caught) {
		error = caught as Error;
	}
	if (mode !== 'manual') {
		// The node may have replaced the object; hand back what n8n would hold.
		const current = workflow.staticData[`node:${nodeName}`] as IDataObject;
		if (current !== staticData) Object.assign(staticData, current);
	}
	return { items, staticData, error, logs: capturedLogs.slice(logStart), credentialsHelper };
}

/**
 * n8n's persistence rule for pollers: the database copy of static data is written at
 * activation and when a poll emits items; a poll that returns nothing (or fails) changes
 * only the in-memory copy, which a restart throws away.
 */
export class PersistentStaticData {
	private database: IDataObject = {};

	/** What the running n8n holds in memory. */
	working: IDataObject = {};

	afterPoll(items: INodeExecutionData[][] | null, activation: boolean): void {
		const emitted = !!items && items.some((output) => output.length > 0);
		if (activation || emitted) this.database = structuredClone(this.working);
	}

	restart(): void {
		this.working = structuredClone(this.database);
	}
}

export interface WorkflowRunOptions {
	nodeType: INodeType;
	parameters: INodeParameters;
	credentials: HarnessCredentials;
	inputItems: IDataObject[];
	continueOnFail?: boolean;
}

export interface WorkflowRunOutcome {
	items: INodeExecutionData[];
	error?: Error;
	run: IRun;
	logs: string[];
	credentialsHelper: TestCredentialsHelper;
}

/** Runs Input Items → node under test through n8n-core's real WorkflowExecute (manual mode). */
export async function runWorkflow(options: WorkflowRunOptions): Promise<WorkflowRunOutcome> {
	const input: INode = {
		id: 'input',
		name: 'Input',
		type: 'harnessInputItems',
		typeVersion: 1,
		position: [0, 0],
		parameters: { items: JSON.stringify(options.inputItems) },
	};
	const underTest: INode = {
		id: 'under-test',
		name: 'Node',
		type: options.nodeType.description.name,
		typeVersion: 1,
		position: [200, 0],
		parameters: options.parameters,
		credentials: nodeCredentials(options.credentials),
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
	const workflow = new Workflow({
		id: 'workflow-1',
		name: 'Test',
		nodes: [input, underTest],
		connections: { Input: { main: [[{ node: 'Node', type: NodeConnectionTypes.Main, index: 0 }]] } },
		active: false,
		nodeTypes: nodeTypesOf(new InputItems(), options.nodeType),
		staticData: {},
	});
	const credentialsHelper = new TestCredentialsHelper(options.credentials);
	const additionalData = additionalDataFor(credentialsHelper);
	additionalData.hooks = new ExecutionLifecycleHooks('manual', 'execution-1', workflow as never);
	const logStart = capturedLogs.length;
	const execute = new WorkflowExecute(additionalData, 'manual', createRunExecutionData());
	const run = await execute.run({ workflow, startNode: input } as never);
	const nodeRun = run.data.resultData.runData.Node?.[0];
	return {
		items: nodeRun?.data?.main?.[0] ?? [],
		error: (nodeRun?.error ?? run.data.resultData.error) as Error | undefined,
		run,
		logs: capturedLogs.slice(logStart),
		credentialsHelper,
	};
}

/** Runs a credential type's own `test` request the way n8n's credential test does: authenticate, then request. */
export async function testCredential(
	typeName: string,
	data: IDataObject,
): Promise<{ status: 'OK' | 'Error'; message: string }> {
	const { credentialTypes } = await import('./credentials');
	const request = credentialTypes[typeName]?.test?.request;
	if (!request) throw new Error(`${typeName} has no test request`);
	const resolvedBase = String(request.baseURL ?? '').replace(/^=\{\{\s*\$credentials\.([A-Za-z0-9_]+)\s*\}\}$/, (_m, name: string) =>
		String(data[name] ?? ''),
	);
	class CredentialTest implements INodeType {
		description: INodeTypeDescription = {
			displayName: 'Credential Test',
			name: 'harnessCredentialTest',
			group: ['transform'],
			version: 1,
			description: 'Sends the credential test request',
			defaults: { name: 'Credential Test' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: typeName, required: true }],
			properties: [],
		};

		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			await this.helpers.httpRequestWithAuthentication.call(this, typeName, {
				method: request?.method ?? 'GET',
				url: `${resolvedBase}${request?.url ?? ''}`,
				json: true,
			});
			return [[{ json: {} }]];
		}
	}
	const outcome = await runWorkflow({
		nodeType: new CredentialTest(),
		parameters: {},
		credentials: { [typeName]: data as HarnessCredentials[string] },
		inputItems: [{}],
	});
	if (!outcome.error) return { status: 'OK', message: 'Connection tested successfully' };
	const description = (outcome.error as { description?: string }).description;
	return { status: 'Error', message: [outcome.error.message, description].filter(Boolean).join(' — ') };
}
