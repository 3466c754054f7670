import { capturedLogs } from './logs';

import { Container } from '@n8n/di';
import { ActiveWorkflowTriggers, PollContext } from 'n8n-core';
import { commonPollingParameters } from 'n8n-core/dist/nodes-loader/constants';
import {
	UnexpectedError,
	Workflow,
	type IDataObject,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
} from 'n8n-workflow';

import { additionalDataFor } from './additionalData';
import { nodeCredentials, TestCredentialsHelper, type HarnessCredentials } from './credentials';
import { nodeTypesOf } from './nodeTypes';
import { latestVersion } from './poll';

export interface ActivationOptions {
	nodeType: INodeType;
	/** Node parameters; Poll Times default to n8n's "Every Minute", as in the editor. */
	parameters: INodeParameters;
	credentials: HarnessCredentials;
	/** The node's static data, changed in place. */
	staticData?: IDataObject;
}

export interface ActivationOutcome {
	/**
	 * What failed the activation: n8n-core's WorkflowActivationError around the poll's throw.
	 * Its `message` is all the editor shows; `description` (the poll's) is not shown.
	 */
	error?: Error & { description?: string | null };
	/** What the poll at activation emitted. */
	items: INodeExecutionData[][] | null;
	staticData: IDataObject;
	logs: string[];
}

/** The node type as n8n loads it: a poller gets n8n's Poll Times parameter (default: every minute). */
function asLoadedByN8n(nodeType: INodeType): INodeType {
	const { description } = nodeType;
	return Object.assign(
		Object.create(Object.getPrototypeOf(nodeType) as object) as INodeType,
		nodeType,
		{
			description: {
				...description,
				properties: [...commonPollingParameters, ...description.properties],
			},
		},
	);
}

/**
 * Activates a one-trigger workflow as n8n does: n8n-core's ActiveWorkflowTriggers runs the
 * poll at activation (PollTriggerExecutor with its "testing trigger" flag, so a throw fails
 * the activation) and registers the schedule. The schedule is removed again at once: only
 * the poll at activation runs.
 */
export async function activateWorkflow(options: ActivationOptions): Promise<ActivationOutcome> {
	const staticData = options.staticData ?? {};
	const nodeName = options.nodeType.description.defaults.name ?? 'Trigger';
	const workflowId = 'harness-activation';
	const nodeType = asLoadedByN8n(options.nodeType);
	const workflow = new Workflow({
		id: workflowId,
		name: 'Harness',
		nodes: [
			{
				id: 'node-under-test',
				name: nodeName,
				type: nodeType.description.name,
				typeVersion: latestVersion(nodeType),
				position: [0, 0],
				parameters: options.parameters,
				credentials: nodeCredentials(options.credentials),
			},
		],
		connections: {},
		active: true,
		nodeTypes: nodeTypesOf(nodeType),
		staticData: { [`node:${nodeName}`]: staticData },
	});
	const credentialsHelper = new TestCredentialsHelper(options.credentials);
	const triggers = Container.get(ActiveWorkflowTriggers);
	let items: INodeExecutionData[][] | null = null;
	let error: ActivationOutcome['error'];
	const logStart = capturedLogs.length;
	try {
		await triggers.addAllTriggers(
			workflowId,
			workflow,
			additionalDataFor(credentialsHelper),
			'trigger',
			'activate',
			() => {
				throw new UnexpectedError('The harness activates poll triggers only');
			},
			(pollWorkflow, node, additionalData, mode, activation) =>
				new PollContext(
					pollWorkflow,
					node,
					additionalData,
					mode,
					activation,
					(data) => {
						items = data;
					},
					// Only scheduled polls report here, and the schedule is removed before any runs.
					(reported) => {
						error = reported;
					},
				),
		);
	} catch (caught) {
		error = caught as ActivationOutcome['error'];
	} finally {
		await triggers.remove(workflowId);
	}
	return { error, items, staticData, logs: capturedLogs.slice(logStart) };
}
