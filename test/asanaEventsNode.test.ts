import type { DynamicStructuredTool } from '@langchain/core/tools';
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	NodeConnectionTypes,
	Workflow,
	createRunExecutionData,
	deepCopy,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypeDescription,
	type IWorkflowBase,
} from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { eventIdentity } from '../nodes/shared/events/eventKey';
import type { AsanaEvent } from '../nodes/shared/asana/types';
import {
	InputItems,
	nodeTypesOf,
	runWorkflow,
	TestCredentialsHelper,
	type HarnessCredentials,
} from './harness';
import { additionalDataFor } from './harness/additionalData';
import { nodeCredentials } from './harness/credentials';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

const credentials = (token = sim.tokens.alice): HarnessCredentials => ({
	asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl },
});

/** Parameters of a run over input items that carry `project` (and `sync` from an earlier run). */
function params(
	operation: 'getEvents' | 'getSyncToken',
	extra: INodeParameters = {},
): INodeParameters {
	return {
		authentication: 'accessToken',
		resource: 'event',
		operation,
		source: 'resource',
		asanaObject: { __rl: true, mode: 'id', value: '={{ $json.project }}' },
		...(operation === 'getEvents' ? { sync: '={{ $json.sync }}' } : {}),
		...extra,
	};
}

async function run(
	parameters: INodeParameters,
	inputItems: IDataObject[],
	continueOnFail = false,
	token?: string,
) {
	return await runWorkflow({
		nodeType: new AsanaEvents(),
		parameters,
		credentials: credentials(token),
		inputItems,
		continueOnFail,
	});
}

/** Asana's events as they came, all in one item: what most tests compare with the simulator's streams. */
const rawInOne = { options: { format: 'raw', splitIntoItems: false } };

const identities = (events: unknown) => (events as AsanaEvent[]).map(eventIdentity);
const streamSince = (gid: string, from: number) =>
	identities((sim.domain.streams.get(gid) ?? []).slice(from));
const eventRequests = () => sim.requestLog.filter((r) => r.path.endsWith('/events'));
const pairedOf = (items: INodeExecutionData[]) =>
	items.map((i) => (i.pairedItem as { item: number }).item);

describe('Asana Events node', () => {
	it('hands tokens out and back in across executions, per item, returning exactly the events in between', async () => {
		const launch = sim.createProject('Launch');
		const ops = sim.createProject('Ops');
		sim.generateActivity(15, { projectGid: launch.gid });
		sim.generateActivity(5, { projectGid: ops.gid });

		const started = await run(params('getSyncToken'), [
			{ project: launch.gid },
			{ project: ops.gid },
		]);
		expect(started.error).toBeUndefined();
		expect(pairedOf(started.items)).toEqual([0, 1]);
		expect(started.items.map((i) => Object.keys(i.json))).toEqual([['sync'], ['sync']]);
		const before = { launch: sim.eventsEmitted(launch.gid), ops: sim.eventsEmitted(ops.gid) };

		sim.generateActivity(12, { projectGid: launch.gid });
		sim.generateActivity(7, { projectGid: ops.gid });
		const second = await run(params('getEvents', rawInOne), [
			{ project: launch.gid, sync: started.items[0].json.sync },
			{ project: ops.gid, sync: started.items[1].json.sync },
		]);
		expect(second.error).toBeUndefined();
		expect(pairedOf(second.items)).toEqual([0, 1]);
		const [launchOut, opsOut] = second.items.map((i) => i.json);
		expect(identities(launchOut.events)).toEqual(streamSince(launch.gid, before.launch));
		expect(identities(opsOut.events)).toEqual(streamSince(ops.gid, before.ops));
		expect(identities(launchOut.events)).toHaveLength(
			sim.eventsEmitted(launch.gid) - before.launch,
		);
		expect(launchOut).toMatchObject({ has_more: false, sync_token_expired: false });
		expect(launchOut.sync).not.toBe(started.items[0].json.sync);

		// One item per event: each carries the next token; nothing new means one item with an empty list.
		const middle = sim.eventsEmitted(launch.gid);
		sim.generateActivity(3, { projectGid: launch.gid });
		const third = await run(params('getEvents', { options: { format: 'raw' } }), [
			{ project: launch.gid, sync: launchOut.sync },
			{ project: ops.gid, sync: opsOut.sync },
		]);
		expect(third.error).toBeUndefined();
		const launchItems = third.items.filter((i) => (i.pairedItem as { item: number }).item === 0);
		expect(identities(launchItems.map((i) => i.json))).toEqual(streamSince(launch.gid, middle));
		expect(new Set(launchItems.map((i) => i.json.sync)).size).toBe(1);
		expect(pairedOf(third.items)).toEqual([...launchItems.map(() => 0), 1]);
		expect(third.items.at(-1)?.json).toMatchObject({
			events: [],
			sync: expect.any(String),
			has_more: false,
		});
	});

	it('stops at Limit inside a page, and the token continues with the first event not returned', async () => {
		const project = sim.createProject('Backlog');
		const started = await run(params('getSyncToken'), [{ project: project.gid }]);
		const before = sim.eventsEmitted(project.gid);
		sim.bulkTaskEvents(project.gid, 250);
		const all = streamSince(project.gid, before);
		expect(all.length).toBeGreaterThanOrEqual(250);

		sim.resetLog();
		const capped = await run(params('getEvents', { ...rawInOne, limit: 130 }), [
			{ project: project.gid, sync: started.items[0].json.sync },
		]);
		expect(capped.error).toBeUndefined();
		expect(eventRequests()).toHaveLength(2);
		expect(capped.items[0].json).toMatchObject({ has_more: true, sync_token_expired: false });
		expect(capped.items[0].json.note).toMatch(/^Limit reached with more events waiting/);
		expect(identities(capped.items[0].json.events)).toEqual(all.slice(0, 130));

		sim.resetLog();
		const rest = await run(params('getEvents', { ...rawInOne, returnAll: true }), [
			{ project: project.gid, sync: capped.items[0].json.sync },
		]);
		expect(rest.error).toBeUndefined();
		expect(identities(rest.items[0].json.events)).toEqual(all.slice(130));
		expect(rest.items[0].json.has_more).toBe(false);
		expect(rest.items[0].json.note).toBeUndefined();
		// The node's suffix stays with the node: Asana gets back exactly the tokens it issued.
		for (const request of eventRequests())
			expect(sim.domain.syncTokenPosition(request.query.sync)).toBeDefined();
	});

	it('with the defaults (Limit 50, one item per event), runs chained by "sync" return every event once, in order', async () => {
		const project = sim.createProject('Chained');
		const started = await run(params('getSyncToken'), [{ project: project.gid }]);
		const before = sim.eventsEmitted(project.gid);
		sim.bulkTaskEvents(project.gid, 230);
		const all = streamSince(project.gid, before);

		const got: string[] = [];
		let sync = started.items[0].json.sync;
		for (let runs = 0; runs < 10; runs++) {
			const next = await run(params('getEvents', { options: { format: 'raw' } }), [
				{ project: project.gid, sync },
			]);
			expect(next.error).toBeUndefined();
			const items = next.items.map((i) => i.json);
			// Every item of a run carries the same next token and whether more is waiting.
			expect(new Set(items.map((i) => i.sync)).size).toBe(1);
			expect(new Set(items.map((i) => i.has_more)).size).toBe(1);
			sync = items[0].sync;
			if (items[0].events) break;
			expect(items.length).toBeLessThanOrEqual(50);
			got.push(...identities(items));
			if (!items[0].has_more) break;
		}
		expect(got).toEqual(all);
	});

	it('answers an expired token with a fresh one marked sync_token_expired, and no token with a token and a note', async () => {
		const project = sim.createProject('Old');
		const started = await run(params('getSyncToken'), [{ project: project.gid }]);
		sim.generateActivity(4, { projectGid: project.gid });
		sim.expireSyncTokens();

		const expired = await run(params('getEvents'), [
			{ project: project.gid, sync: started.items[0].json.sync },
		]);
		expect(expired.error).toBeUndefined();
		expect(expired.items).toHaveLength(1);
		const out = expired.items[0].json;
		expect(out).toMatchObject({ events: [], has_more: false, sync_token_expired: true });
		expect(out.sync).toEqual(expect.any(String));
		expect(out.note).toMatch(/expired/);

		const before = sim.eventsEmitted(project.gid);
		sim.generateActivity(2, { projectGid: project.gid });
		const resumed = await run(params('getEvents', rawInOne), [
			{ project: project.gid, sync: out.sync },
		]);
		expect(identities(resumed.items[0].json.events)).toEqual(streamSince(project.gid, before));

		const fresh = await run(params('getEvents'), [{ project: project.gid }]);
		expect(fresh.items[0].json).toMatchObject({
			events: [],
			has_more: false,
			sync_token_expired: false,
		});
		expect(fresh.items[0].json.note).toMatch(/started listening now/);
	});

	it('reads tasks by URL and whole workspaces', async () => {
		const project = sim.createProject('Site');
		const task = sim.createTask({ name: 'Hero image', projectGids: [project.gid] });
		const byUrl = (value: string) => ({ asanaObject: { __rl: true, mode: 'url', value } });
		const url = `https://app.asana.com/1/${sim.workspaceGid}/project/${project.gid}/task/${task.gid}`;
		const started = await run(params('getSyncToken', byUrl(url)), [{}]);
		sim.changeTask(task.gid, 'notes', 'Hero image v2');
		const got = await run(params('getEvents', { ...byUrl(url), ...rawInOne }), [
			{ sync: started.items[0].json.sync },
		]);
		expect((got.items[0].json.events as AsanaEvent[]).map((e) => e.resource.gid)).toEqual([
			task.gid,
		]);
		expect(
			sim.requestLog
				.filter((r) => r.path === '/api/1.0/events')
				.every((r) => r.query.resource === task.gid),
		).toBe(true);

		const workspace = {
			source: 'workspace',
			workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
		};
		const wsStart = await run(
			params('getSyncToken', workspace),
			[{}],
			false,
			sim.tokens.serviceAccount,
		);
		expect(wsStart.error).toBeUndefined();
		sim.completeTask(task.gid);
		const wsEvents = await run(
			params('getEvents', { ...workspace, ...rawInOne }),
			[{ sync: wsStart.items[0].json.sync }],
			false,
			sim.tokens.serviceAccount,
		);
		// A completion, as Asana reports it: the field, its time and the story, at one instant.
		expect(
			(wsEvents.items[0].json.events as AsanaEvent[]).map(
				(e) => e.change?.field ?? e.resource.resource_subtype,
			),
		).toEqual(['completed', 'completed_at', 'marked_complete']);
	});

	it('with "continue on fail" turns a bad item into an error item and runs the others', async () => {
		const project = sim.createProject('Good');
		const inputItems = [
			{ project: project.gid },
			{ project: 'not-an-id' },
			{ project: '1999999999999' },
			{ project: project.gid },
		];
		const result = await run(params('getSyncToken'), inputItems, true);
		expect(result.error).toBeUndefined();
		expect(pairedOf(result.items)).toEqual([0, 1, 2, 3]);
		expect(result.items[0].json.sync).toEqual(expect.any(String));
		expect(result.items[3].json.sync).toEqual(expect.any(String));
		expect(result.items[1].json.error).toMatch(
			/^Item 1: Task, Project or Goal: "not-an-id" is neither an Asana ID/,
		);
		expect(result.items[2].json.error).toMatch(
			/^Item 2: Task, Project or Goal 1999999999999: Asana 404/,
		);
		expect(JSON.stringify(result.items)).not.toContain(sim.tokens.alice);

		const failing = await run(params('getSyncToken'), inputItems);
		expect(failing.error?.message).toMatch(/^Item 1: Task, Project or Goal/);
		expect(failing.error?.message).toMatch(/enter its ID \(digits only\)/);
		expect(JSON.stringify(failing.run.data)).not.toContain(sim.tokens.alice);
	});
});

// ---- AI agent tools ---------------------------------------------------------------------

/**
 * n8n's loader turns each `usableAsTool` node into a "<name>Tool" node type (convertNodeToAiTool
 * in n8n's node loader): AI tool output, no inputs, and a tool description parameter.
 */
function asToolNodeType(nodeType: INodeType): INodeType {
	const description = deepCopy(nodeType.description) as INodeTypeDescription;
	expect(description.usableAsTool).toBe(true);
	description.name += 'Tool';
	description.displayName += ' Tool';
	description.inputs = [];
	description.outputs = [NodeConnectionTypes.AiTool];
	delete description.usableAsTool;
	description.properties.unshift(
		{
			displayName: 'Tool Description',
			name: 'descriptionType',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Set Automatically', value: 'auto' },
				{ name: 'Set Manually', value: 'manual' },
			],
			default: 'auto',
		},
		{
			displayName: 'Description',
			name: 'toolDescription',
			type: 'string',
			default: description.description,
			displayOptions: { show: { descriptionType: ['manual'] } },
		},
	);
	return { description, methods: nodeType.methods, execute: nodeType.execute };
}

/** An agent stand-in: takes the connected tool the way n8n's AI Agent does and calls it once. */
class ToolCaller implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Tool Caller',
		name: 'testToolCaller',
		group: ['transform'],
		version: 1,
		description: 'Calls its connected tool with fixed arguments',
		defaults: { name: 'Tool Caller' },
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, required: true }],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Arguments', name: 'args', type: 'json', default: '{}' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const tools = (await this.getInputConnectionData(
			NodeConnectionTypes.AiTool,
			0,
		)) as DynamicStructuredTool[];
		const tool = tools[0];
		const args = JSON.parse(this.getNodeParameter('args', 0) as string) as IDataObject;
		const answer = (await tool.invoke(args)) as string;
		return [
			[
				{
					json: {
						name: tool.name,
						description: tool.description,
						argumentNames: Object.keys((tool.schema as unknown as { shape: object }).shape).sort(),
						answer: JSON.parse(answer) as IDataObject,
					},
				},
			],
		];
	}
}

async function callAsTool(
	nodeType: INodeType,
	parameters: INodeParameters,
	args: IDataObject,
	token: string,
) {
	const tool = asToolNodeType(nodeType);
	const input = new InputItems();
	const node = (
		name: string,
		type: string,
		nodeParameters: INodeParameters,
		extra: Partial<INode> = {},
	): INode => ({
		id: name,
		name,
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters: nodeParameters,
		...extra,
	});
	const workflowData: IWorkflowBase = {
		id: 'tool-workflow',
		name: 'Tool',
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes: [
			node('Input', input.description.name, { items: '[{}]' }),
			node('Agent', 'testToolCaller', { args: JSON.stringify(args) }),
			node(
				'Asana',
				tool.description.name,
				{ descriptionType: 'auto', ...parameters },
				{ credentials: nodeCredentials(credentials(token)) },
			),
		],
		connections: {
			Input: { main: [[{ node: 'Agent', type: NodeConnectionTypes.Main, index: 0 }]] },
			Asana: { ai_tool: [[{ node: 'Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		staticData: {},
	};
	const workflow = new Workflow({
		...workflowData,
		nodeTypes: nodeTypesOf(input, new ToolCaller(), tool),
	});
	const additionalData = additionalDataFor(
		new TestCredentialsHelper(credentials(token)),
		'tool-execution',
	);
	additionalData.hooks = new ExecutionLifecycleHooks('manual', 'tool-execution', workflowData);
	const execute = new WorkflowExecute(additionalData, 'manual', createRunExecutionData());
	const runData = await execute.run({ workflow, startNode: workflow.getNode('Input') as INode });
	const agentRun = runData.data.resultData.runData.Agent?.[0];
	return {
		output: agentRun?.data?.main?.[0]?.[0]?.json,
		error: agentRun?.error ?? runData.data.resultData.error,
	};
}

describe('usable as AI agent tools', () => {
	it('Asana Events loads as a tool: the agent fills $fromAI() arguments and gets events back', async () => {
		const project = sim.createProject('Agent project');
		const start = await run(params('getSyncToken'), [{ project: project.gid }]);
		const before = sim.eventsEmitted(project.gid);
		sim.generateActivity(6, { projectGid: project.gid });

		const { output, error } = await callAsTool(
			new AsanaEvents(),
			params('getEvents', {
				asanaObject: {
					__rl: true,
					mode: 'id',
					value: "={{ $fromAI('project_id', 'Asana project ID', 'string') }}",
				},
				sync: "={{ $fromAI('sync_token', 'Sync token from an earlier call', 'string') }}",
				options: { splitIntoItems: false },
			}),
			{ project_id: project.gid, sync_token: start.items[0].json.sync },
			sim.tokens.alice,
		);
		expect(error).toBeUndefined();
		expect(output?.name).toBe('Asana');
		expect(output?.description).toBe('Get events since a sync token in Asana Events');
		expect(output?.argumentNames).toEqual(['project_id', 'sync_token']);
		const answer = (output?.answer as unknown as IDataObject[])[0];
		// The default Output Format: flat events, each with its summary, as an agent reads them best.
		const events = answer.events as IDataObject[];
		expect(events).toHaveLength(sim.eventsEmitted(project.gid) - before);
		for (const event of events) {
			expect(event.summary).toEqual(expect.any(String));
			expect(event.resource).toBeUndefined();
			expect(event.resource_gid).toEqual(expect.any(String));
		}
		expect(answer.sync).toEqual(expect.any(String));
	});

	it('Asana Audit Log loads as a tool and answers with events', async () => {
		sim.generateAuditEvents(12, { eventTypes: ['user_login_failed', 'project_exported'] });
		const { output, error } = await callAsTool(
			new AsanaAuditLog(),
			{
				resource: 'auditLogEvent',
				operation: 'getAll',
				workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
				limit: "={{ $fromAI('limit', 'How many events', 'number') }}",
				filters: { eventTypes: ['user_login_failed'] },
				options: { splitIntoItems: false },
			},
			{ limit: 4 },
			sim.tokens.serviceAccount,
		);
		expect(error).toBeUndefined();
		expect(output?.description).toBe('Get many audit log events in Asana Audit Log');
		const answer = (output?.answer as unknown as IDataObject[])[0];
		expect((answer.events as IDataObject[]).map((e) => e.event_type)).toEqual(
			Array(4).fill('user_login_failed'),
		);
		expect(answer.next_offset).toEqual(expect.any(String));
	});
});
