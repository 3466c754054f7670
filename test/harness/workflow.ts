import { capturedLogs } from './logs';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	NodeConnectionTypes,
	Workflow,
	createRunExecutionData,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IRun,
	type IWorkflowBase,
} from 'n8n-workflow';

import { additionalDataFor } from './additionalData';
import { nodeCredentials, TestCredentialsHelper, type HarnessCredentials } from './credentials';
import { InputItems, nodeTypesOf } from './nodeTypes';
import { latestVersion } from './poll';

export interface WorkflowRunOptions {
	nodeType: INodeType;
	/** Node parameters; expressions such as '={{ $json.token }}' resolve per input item. */
	parameters: INodeParameters;
	credentials: HarnessCredentials;
	/** Handed to the node as one input item each. */
	inputItems: IDataObject[];
	/** The node's "On Error: Continue" setting. */
	continueOnFail?: boolean;
	nodeName?: string;
	typeVersion?: number;
}

export interface WorkflowRunOutcome {
	/** The node's first output. */
	items: INodeExecutionData[];
	/**
	 * The node's error as n8n stores it in the run data: a copy of the thrown error's own
	 * fields (message, description, httpCode, context, ...), not the thrown instance.
	 */
	error?: Error;
	run: IRun;
	logs: string[];
	credentialsHelper: TestCredentialsHelper;
}

function asError(stored: object & { message?: string }): Error {
	return stored instanceof Error ? stored : Object.assign(new Error(stored.message), stored);
}

/** Runs "Input Items → node under test" through n8n-core's WorkflowExecute in manual mode. */
export async function runWorkflow(options: WorkflowRunOptions): Promise<WorkflowRunOutcome> {
	const nodeName = options.nodeName ?? options.nodeType.description.defaults.name ?? 'Node';
	const inputItems = new InputItems();
	const nodes: INode[] = [
		{
			id: 'input',
			name: 'Input',
			type: inputItems.description.name,
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(options.inputItems) },
		},
		{
			id: 'node-under-test',
			name: nodeName,
			type: options.nodeType.description.name,
			typeVersion: options.typeVersion ?? latestVersion(options.nodeType),
			position: [200, 0],
			parameters: options.parameters,
			credentials: nodeCredentials(options.credentials),
			...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		},
	];
	const workflowData: IWorkflowBase = {
		id: 'harness-workflow',
		name: 'Harness',
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes,
		connections: {
			Input: { main: [[{ node: nodeName, type: NodeConnectionTypes.Main, index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		staticData: {},
	};
	const workflow = new Workflow({
		...workflowData,
		nodeTypes: nodeTypesOf(inputItems, options.nodeType),
	});
	const credentialsHelper = new TestCredentialsHelper(options.credentials);
	const executionId = 'harness-execution';
	const additionalData = additionalDataFor(credentialsHelper, executionId);
	additionalData.hooks = new ExecutionLifecycleHooks('manual', executionId, workflowData);
	const logStart = capturedLogs.length;
	const run = await new WorkflowExecute(additionalData, 'manual', createRunExecutionData()).run({
		workflow,
		startNode: workflow.getNode('Input') as INode,
	});
	const nodeRun = run.data.resultData.runData[nodeName]?.[0];
	const stored = nodeRun?.error ?? run.data.resultData.error;
	return {
		items: nodeRun?.data?.main?.[0] ?? [],
		error: stored ? asError(stored) : undefined,
		run,
		logs: capturedLogs.slice(logStart),
		credentialsHelper,
	};
}
