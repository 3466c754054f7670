/**
 * Bad inputs across the four nodes: each yields an error that names the parameter and the
 * fix, leaves the trigger's stored cursors as they were, and loses nothing (the next good
 * poll emits exactly what was pending). Items, errors and log lines never contain a token.
 */
import {
	NodeHelpers,
	nodeIssuesToString,
	type IDataObject,
	type INode,
	type INodeParameters,
	type INodeType,
} from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { readAsanaObject } from '../nodes/shared/editor/parameters';
import { countSecretOccurrences, runPoll, runWorkflow } from './harness';
import { AsanaSimulator } from './simulator';

const HOUR = 3_600_000;
/** A credential value that must never be echoed back. */
const WRONG_TOKEN = '2/1209999999999999/1209999999999998:wrongtokenthatmustnotleak42';

type NodeName = 'Events Trigger' | 'Audit Log Trigger' | 'Asana Events' | 'Asana Audit Log';

interface BadInput {
	node: NodeName;
	input: string;
	/** Parameters on top of the node's good ones. */
	parameters: () => INodeParameters;
	/** Which token the credential holds; the node's usual one when absent. */
	token?: () => string;
	/** What the message must say: the parameter (and the item, for action nodes). */
	field: RegExp;
	/** What the message or description must say: the fix; the message itself for Asana's answers. */
	fix: RegExp;
	/** The node can tell before asking Asana. */
	local: boolean;
}

let sim: AsanaSimulator;
beforeAll(async () => {
	sim = await AsanaSimulator.start();
});
afterAll(async () => {
	await sim.stop();
});

const id = (value: string) => ({ __rl: true, mode: 'id', value });
/** A value an expression produced ($fromAI, an earlier node): n8n cannot check it before the run. */
const fromExpression = (value: string) => ({
	__rl: true,
	mode: 'id',
	value: `={{ ${JSON.stringify(value)} }}`,
});
const project = () => sim.seeded.projects[0].gid;
const unknownGid = '1209000000999999';
const userGid = () => sim.users.bob.gid;

const NODES: Record<
	NodeName,
	{ nodeType: () => INodeType; good: () => INodeParameters; token: () => string; trigger: boolean }
> = {
	'Events Trigger': {
		nodeType: () => new AsanaEventsTrigger(),
		good: () => ({
			authentication: 'accessToken',
			source: 'resources',
			resources: { items: [{ resource: id(project()) }] },
			// The harness names every token's credential alike, so all rows here share one rate.
			options: { maxRequestsPerMinute: 100_000 },
		}),
		token: () => sim.tokens.alice,
		trigger: true,
	},
	'Audit Log Trigger': {
		nodeType: () => new AsanaAuditLogTrigger(),
		good: () => ({ workspace: id(sim.workspaceGid), start: 'now' }),
		token: () => sim.tokens.serviceAccount,
		trigger: true,
	},
	'Asana Events': {
		nodeType: () => new AsanaEvents(),
		good: () => ({
			authentication: 'accessToken',
			resource: 'event',
			operation: 'getEvents',
			source: 'resource',
			asanaObject: id(project()),
			sync: '',
		}),
		token: () => sim.tokens.alice,
		trigger: false,
	},
	'Asana Audit Log': {
		nodeType: () => new AsanaAuditLog(),
		good: () => ({
			resource: 'auditLogEvent',
			operation: 'getAll',
			workspace: id(sim.workspaceGid),
			limit: 10,
		}),
		token: () => sim.tokens.serviceAccount,
		trigger: false,
	},
};

const resources = (...values: string[]) => ({
	resources: { items: values.map((value) => ({ resource: id(value) })) },
});
const SERVICE_ACCOUNT_FIX = /Use a service account token of an Enterprise\+ domain/;

const BAD_INPUTS: BadInput[] = [
	// ---- Asana Events Trigger -------------------------------------------------------------
	{
		node: 'Events Trigger',
		input: 'a malformed id',
		parameters: () => resources(project(), '12ab'),
		field: /^Projects, Tasks or Goals › item 2: "12ab" is neither an Asana ID/,
		fix: /enter its ID \(digits only\)/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'a URL outside Asana',
		parameters: () => resources('https://example.com/0/1/2'),
		field: /^Projects, Tasks or Goals › item 1: .*is not an Asana URL/,
		fix: /paste the URL of a task, project or goal/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'an Asana URL of no task, project or goal',
		parameters: () => resources('https://app.asana.com/0/inbox/123'),
		field:
			/^Projects, Tasks or Goals › item 1: the URL .* does not point at a task, project or goal/,
		fix: /paste the URL of a task, project or goal/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'Authentication OAuth2 with only a token credential',
		parameters: () => ({ authentication: 'oAuth2' }),
		field: /^Authentication is "OAuth2" but no OAuth2 credential is selected/,
		fix: /or set Authentication to "Access Token"/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'an empty resource list',
		parameters: () => resources(),
		field: /^Projects, Tasks or Goals: the list is empty/,
		fix: /Add at least one project, task or goal/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'an unknown id',
		parameters: () => resources(project(), unknownGid),
		field: new RegExp(`^Projects, Tasks or Goals › resource ${unknownGid}: Asana 404`),
		fix: /check the ID or URL/,
		local: false,
	},
	{
		node: 'Events Trigger',
		input: 'an unsupported resource type (a user)',
		parameters: () => resources(userGid()),
		field:
			/^Projects, Tasks or Goals › resource \d+: Asana 400 .*only be requested for a task, project or goal/,
		fix: /Check the IDs/,
		local: false,
	},
	{
		node: 'Events Trigger',
		input: 'a malformed workspace id',
		parameters: () => ({ source: 'workspace', workspace: id('acme') }),
		field: /^Workspace: "acme" is not a workspace ID/,
		fix: /enter its ID \(digits only/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'an unknown workspace',
		parameters: () => ({ source: 'workspace', workspace: id(unknownGid) }),
		token: () => sim.tokens.serviceAccount,
		field: new RegExp(`^Workspace ${unknownGid}: Asana 404`),
		fix: /check the ID or URL/,
		local: false,
	},
	{
		node: 'Events Trigger',
		input: 'workspace events with a personal token',
		parameters: () => ({ source: 'workspace', workspace: id(sim.workspaceGid) }),
		field: /^Workspace \d+: Asana 403/,
		fix: SERVICE_ACCOUNT_FIX,
		local: false,
	},
	{
		node: 'Events Trigger',
		input: 'an unsupported source',
		parameters: () => ({ source: 'everything' }),
		field: /^Source: "everything" is not supported/,
		fix: /Choose "Specific Projects, Tasks or Goals", "All Projects of a Team"/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'Max Events per Poll 0',
		parameters: () => ({ options: { maxEventsPerPoll: 0 } }),
		field: /^Options › Max Events per Poll: 0 is out of range/,
		fix: /whole number from 1/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'Concurrency 80',
		parameters: () => ({ options: { concurrency: 80 } }),
		field: /^Options › Concurrency: 80 is out of range/,
		fix: /whole number from 1 to 50/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'a user id that is a name',
		parameters: () => ({ filters: { ignoredUserGids: 'bob' } }),
		field: /^Filters › Ignore Events by User Names or IDs: "bob" is not a user ID/,
		fix: /digits only/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'an action Asana does not have',
		parameters: () => ({ filters: { actions: ['completed'] } }),
		field: /^Filters › Actions: "completed" is not an event action/,
		fix: /added, changed, deleted, removed or undeleted/,
		local: true,
	},
	{
		node: 'Events Trigger',
		input: 'a wrong token',
		parameters: () => ({}),
		token: () => WRONG_TOKEN,
		field: /Asana 401/,
		fix: /paste a valid personal access token or service account token/,
		local: false,
	},

	// ---- Asana Audit Log Trigger ----------------------------------------------------------
	{
		node: 'Audit Log Trigger',
		input: 'a malformed workspace id',
		parameters: () => ({ workspace: id('acme corp') }),
		field: /^Workspace: "acme corp" is not a workspace ID/,
		fix: /enter its ID \(digits only/,
		local: true,
	},
	{
		node: 'Audit Log Trigger',
		input: 'an unknown workspace',
		parameters: () => ({ workspace: id(unknownGid) }),
		field: new RegExp(`^Workspace ${unknownGid}: Asana 404`),
		fix: /check the ID or URL/,
		local: false,
	},
	{
		node: 'Audit Log Trigger',
		input: 'a personal token instead of a service account token',
		parameters: () => ({}),
		token: () => sim.tokens.alice,
		field: /^Workspace \d+: Asana 403/,
		fix: /Admin console → Apps → Service accounts/,
		local: false,
	},
	{
		node: 'Audit Log Trigger',
		input: 'an OAuth app’s access token instead of a service account token',
		parameters: () => ({}),
		token: () => sim.issueOAuthTokens(sim.users.alice.gid, 'reporting-connector').access_token,
		field: /^Workspace \d+: Asana 403/,
		fix: SERVICE_ACCOUNT_FIX,
		local: false,
	},
	{
		node: 'Audit Log Trigger',
		input: 'a look-back beyond the 90-day retention',
		parameters: () => ({ start: 'lookBack', lookBackDays: 120 }),
		field: /^Look Back \(Days\): 120 is out of range/,
		fix: /from 0\.01 to 90 \(Asana deletes audit events after 90 days\)/,
		local: true,
	},
	{
		node: 'Audit Log Trigger',
		input: 'a look-back of 0 days',
		parameters: () => ({ start: 'lookBack', lookBackDays: 0 }),
		field: /^Look Back \(Days\): 0 is out of range/,
		fix: /Enter a number from 0\.01 to 90/,
		local: true,
	},
	{
		node: 'Audit Log Trigger',
		input: 'a start date that is no date',
		parameters: () => ({ start: 'fromDate', fromDate: 'yesterday' }),
		field: /^From Date: "yesterday" is not a date/,
		fix: /e\.g\. 2026-11-01T00:00:00Z/,
		local: true,
	},
	{
		node: 'Audit Log Trigger',
		input: 'a start date in the future',
		parameters: () => ({
			start: 'fromDate',
			fromDate: new Date(Date.now() + 48 * HOUR).toISOString(),
		}),
		field: /^From Date: .* is in the future/,
		fix: /Pick a date in the past/,
		local: true,
	},
	{
		node: 'Audit Log Trigger',
		input: 'an actor id that is a name',
		parameters: () => ({ filters: { actorGid: 'bob' } }),
		field: /^Filters › Actor ID: "bob" is not an Asana ID/,
		fix: /digits only/,
		local: true,
	},
	{
		node: 'Audit Log Trigger',
		input: 'an event type in words',
		parameters: () => ({ filters: { otherEventTypes: 'User Login Failed' } }),
		field: /^Filters › Other Event Types: "User" is not an event type/,
		fix: /user_login_failed/,
		local: true,
	},
	{
		node: 'Audit Log Trigger',
		input: 'an actor type Asana rejects',
		parameters: () => ({ filters: { actorType: 'robot' } }),
		field: /^Workspace \d+: Asana 400 .*actor_type/,
		fix: /Correct Filters › Actor Type on this node, or clear it/,
		local: false,
	},
	{
		node: 'Audit Log Trigger',
		input: 'Max Events per Poll 0',
		parameters: () => ({ options: { maxEventsPerPoll: 0 } }),
		field: /^Options › Max Events per Poll: 0 is out of range/,
		fix: /whole number from 1 to 1000000/,
		local: true,
	},

	// ---- Asana Events (action) ------------------------------------------------------------
	{
		node: 'Asana Events',
		input: 'a malformed id',
		parameters: () => ({ asanaObject: fromExpression('abc') }),
		field: /^Item 0: Task, Project or Goal: "abc" is neither an Asana ID/,
		fix: /enter its ID \(digits only\)/,
		local: true,
	},
	{
		node: 'Asana Events',
		input: 'an Asana URL of no task, project or goal',
		parameters: () => ({
			asanaObject: { __rl: true, mode: 'url', value: 'https://app.asana.com/0/search/123' },
		}),
		field: /^Item 0: Task, Project or Goal: the URL .* does not point/,
		fix: /paste the URL of a task, project or goal/,
		local: true,
	},
	{
		node: 'Asana Events',
		input: 'an unknown id',
		parameters: () => ({ asanaObject: id(unknownGid) }),
		field: new RegExp(`^Item 0: Task, Project or Goal ${unknownGid}: Asana 404`),
		fix: /check the ID or URL/,
		local: false,
	},
	{
		node: 'Asana Events',
		input: 'an unsupported resource type (a user)',
		parameters: () => ({ asanaObject: id(userGid()) }),
		field:
			/^Item 0: Task, Project or Goal \d+: Asana 400 .*only be requested for a task, project or goal/,
		fix: /Check the IDs/,
		local: false,
	},
	{
		node: 'Asana Events',
		input: 'Authentication OAuth2 with only a token credential',
		parameters: () => ({ authentication: 'oAuth2' }),
		field: /^Item 0: Authentication is "OAuth2" but no OAuth2 credential is selected/,
		fix: /or set Authentication to "Access Token"/,
		local: true,
	},
	{
		node: 'Asana Events',
		input: 'a malformed workspace id',
		parameters: () => ({ source: 'workspace', workspace: fromExpression('acme') }),
		field: /^Item 0: Workspace: "acme" is not a workspace ID/,
		fix: /enter its ID \(digits only/,
		local: true,
	},
	{
		node: 'Asana Events',
		input: 'workspace events with a personal token',
		parameters: () => ({ source: 'workspace', workspace: id(sim.workspaceGid) }),
		field: /^Item 0: Workspace \d+: Asana 403/,
		fix: SERVICE_ACCOUNT_FIX,
		local: false,
	},
	{
		node: 'Asana Events',
		input: 'Limit 0',
		parameters: () => ({ sync: 'de4774f6915eae04714ca93bb2f5ee81:3', limit: 0 }),
		field: /^Item 0: Limit: 0 is out of range/,
		fix: /whole number of at least 1, or turn on Return All/,
		local: true,
	},
	{
		node: 'Asana Events',
		input: 'a sync token typed as text, not as an expression',
		parameters: () => ({ sync: '{{ $json.sync }}' }),
		field: /^Item 0: Sync Token: this is not a sync token/,
		fix: /as an expression, e\.g\. \{\{ \$json\.sync \}\}/,
		local: true,
	},
	{
		node: 'Asana Events',
		input: 'a sync token that is an object',
		parameters: () => ({ sync: '[object Object]' }),
		field: /^Item 0: Sync Token: this is not a sync token/,
		fix: /leave Sync Token empty to start listening now/,
		local: true,
	},
	{
		node: 'Asana Events',
		input: 'an unsupported Events Of',
		parameters: () => ({ source: 'portfolio' }),
		field: /^Item 0: Events Of: "portfolio" is not supported/,
		fix: /Choose "Task, Project or Goal" or "Workspace"/,
		local: true,
	},

	// ---- Asana Audit Log (action) ---------------------------------------------------------
	{
		node: 'Asana Audit Log',
		input: 'Limit 0',
		parameters: () => ({ limit: 0 }),
		field: /^Item 0: Limit: 0 is out of range/,
		fix: /turn on Return All/,
		local: true,
	},
	{
		node: 'Asana Audit Log',
		input: 'Limit 2.5',
		parameters: () => ({ limit: 2.5 }),
		field: /^Item 0: Limit: 2\.5 is out of range/,
		fix: /whole number of at least 1/,
		local: true,
	},
	{
		node: 'Asana Audit Log',
		input: 'End Time before Start Time',
		parameters: () => ({
			filters: { startAt: '2026-11-10T00:00:00Z', endAt: '2026-11-01T00:00:00Z' },
		}),
		field: /^Item 0: Filters › End Time: .* is not after Start Time/,
		fix: /Set End Time later than Start Time/,
		local: true,
	},
	{
		node: 'Asana Audit Log',
		input: 'a Start Time that is no date',
		parameters: () => ({ filters: { startAt: 'last tuesday' } }),
		field: /^Item 0: Filters › Start Time: "last tuesday" is not a date/,
		fix: /Enter a date and time/,
		local: true,
	},
	{
		node: 'Asana Audit Log',
		input: 'a malformed workspace id',
		parameters: () => ({ workspace: fromExpression('acme') }),
		field: /^Item 0: Workspace: "acme" is not a workspace ID/,
		fix: /enter its ID \(digits only/,
		local: true,
	},
	{
		node: 'Asana Audit Log',
		input: 'an unknown workspace',
		parameters: () => ({ workspace: id(unknownGid) }),
		field: new RegExp(`^Item 0: Workspace ${unknownGid}: Asana 404`),
		fix: /check the ID or URL/,
		local: false,
	},
	{
		node: 'Asana Audit Log',
		input: 'a personal token instead of a service account token',
		parameters: () => ({}),
		token: () => sim.tokens.alice,
		field: /^Item 0: Workspace \d+: Asana 403/,
		fix: /Admin console → Apps → Service accounts/,
		local: false,
	},
	{
		node: 'Asana Audit Log',
		input: 'an offset Asana never issued',
		parameters: () => ({ options: { offset: 'not-an-offset' } }),
		field: /^Item 0: Options › Starting Offset: Asana no longer accepts this offset/,
		fix: /Clear Starting Offset and set Filters › Start Time/,
		local: false,
	},
	{
		node: 'Asana Audit Log',
		input: 'an actor id that is a name',
		parameters: () => ({ filters: { actorGid: 'alice' } }),
		field: /^Item 0: Filters › Actor ID: "alice" is not an Asana ID/,
		fix: /digits only/,
		local: true,
	},
	{
		node: 'Asana Audit Log',
		input: 'an event type in words',
		parameters: () => ({ filters: { otherEventTypes: 'Project Exported' } }),
		field: /^Item 0: Filters › Other Event Types: "Project" is not an event type/,
		fix: /lowercase words joined by underscores/,
		local: true,
	},
];

/** A trigger with stored cursors and events pending behind them. */
async function triggerWithPendingEvents(
	node: NodeName,
): Promise<{ staticData: IDataObject; pending: number }> {
	const { nodeType, good, token } = NODES[node];
	const staticData: IDataObject = {};
	const poll = async () =>
		await runPoll({
			nodeType: nodeType(),
			parameters: good(),
			credentials: credentials(token()),
			staticData,
		});
	expect((await poll()).error).toBeUndefined();
	if (node === 'Events Trigger') {
		sim.generateActivity(5, { projectGid: project() });
		expect((await poll()).items).not.toBeNull();
		const before = sim.eventsEmitted(project());
		sim.generateActivity(7, { projectGid: project() });
		return { staticData, pending: sim.eventsEmitted(project()) - before };
	}
	sim.addAuditEvent();
	expect((await poll()).items).not.toBeNull();
	sim.recentAuditEvents(3);
	return { staticData, pending: 3 };
}

function credentials(token: string) {
	return { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } };
}

describe.each(BAD_INPUTS.map((row) => [`${row.node}: ${row.input}`, row] as const))(
	'%s',
	(_title, row) => {
		it(`names the parameter and the fix${NODES[row.node].trigger ? ', keeps the stored cursors and loses nothing' : ''}`, async () => {
			const { nodeType, good, token, trigger } = NODES[row.node];
			const parameters = { ...good(), ...row.parameters() };
			const tokenUsed = row.token?.() ?? token();
			let error: Error | undefined;
			/** Items, errors and log lines of every run, scanned for tokens. */
			const produced: unknown[] = [];
			if (trigger) {
				const { staticData, pending } = await triggerWithPendingEvents(row.node);
				const stored = JSON.stringify(staticData);
				const requestsBefore = sim.requestLog.length;
				const bad = await runPoll({
					nodeType: nodeType(),
					parameters,
					credentials: credentials(tokenUsed),
					staticData,
				});
				produced.push(bad.items, bad.error, bad.logs);
				error = bad.error;
				expect(bad.items).toBeNull();
				if (row.local) expect(sim.requestLog.length).toBe(requestsBefore);
				// Cursors as they were; a resource Asana refuses is remembered, to be told once an hour.
				const after = JSON.parse(JSON.stringify(staticData)) as {
					eventsTrigger?: { failures?: unknown };
				};
				delete after.eventsTrigger?.failures;
				expect(after).toEqual(JSON.parse(stored));
				// Corrected, the trigger emits exactly what was pending when the bad poll ran.
				const next = await runPoll({
					nodeType: nodeType(),
					parameters: good(),
					credentials: credentials(token()),
					staticData,
				});
				produced.push(next.items, next.logs);
				expect(next.error).toBeUndefined();
				expect(next.items?.[0]).toHaveLength(pending);
			} else {
				const requestsBefore = sim.requestLog.length;
				const run = await runWorkflow({
					nodeType: nodeType(),
					parameters,
					credentials: credentials(tokenUsed),
					inputItems: [{}],
				});
				produced.push(run.items, run.error, run.logs);
				error = run.error;
				// No output, so no sync token or offset that could skip past anything.
				expect(run.items).toEqual([]);
				if (row.local) expect(sim.requestLog.length).toBe(requestsBefore);
			}
			expect(error).toBeDefined();
			expect(error?.message).toMatch(row.field);
			// Where a trigger fails to activate, n8n shows the message only: it carries the fix.
			expect(error?.message).toMatch(row.fix);
			for (const secret of [sim.tokens.alice, sim.tokens.serviceAccount, WRONG_TOKEN]) {
				expect(countSecretOccurrences(secret, produced)).toBe(0);
			}
			// The row's own token as well: an OAuth app's token is none of those above.
			expect(countSecretOccurrences(tokenUsed, produced)).toBe(0);
		});
	},
);

it('covers at least 20 bad inputs, on each of the four nodes', () => {
	expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(20);
	expect(new Set(BAD_INPUTS.map((row) => row.node)).size).toBe(Object.keys(NODES).length);
});

/**
 * A By ID value typed in the editor is checked by n8n itself before the node runs (the
 * editor's issue list, a manual run, activation): the message must name the field, since
 * n8n lists it without one ("The 'Asana Events' node has issues: - …").
 */
describe('n8n’s own check of the By ID fields', () => {
	const FIX = 'enter an ID with digits only, or pick from the list';

	function issuesOf(nodeType: INodeType, parameters: INodeParameters): string[] {
		const node: INode = {
			id: 'node',
			name: 'Node',
			type: nodeType.description.name,
			typeVersion: 1,
			position: [0, 0],
			parameters: NodeHelpers.getNodeParameters(
				nodeType.description.properties,
				parameters,
				true,
				false,
				null,
				nodeType.description,
			) as INodeParameters,
		};
		const issues = NodeHelpers.getNodeParametersIssues(
			nodeType.description.properties,
			node,
			nodeType.description,
		);
		return issues ? nodeIssuesToString(issues, node) : [];
	}

	const BY_ID_ROWS: Array<[NodeName, string, () => INodeParameters]> = [
		['Events Trigger', 'Project, Task or Goal', () => resources('12ab')],
		['Events Trigger', 'Workspace', () => ({ source: 'workspace', workspace: id('acme') })],
		['Audit Log Trigger', 'Workspace', () => ({ workspace: id('acme') })],
		['Asana Events', 'Task, Project or Goal', () => ({ asanaObject: id('abc') })],
		['Asana Events', 'Workspace', () => ({ source: 'workspace', workspace: id('acme') })],
		['Asana Audit Log', 'Workspace', () => ({ workspace: id('acme') })],
	];
	it.each(BY_ID_ROWS)('%s: names %s', (node, field, bad) => {
		const { nodeType, good } = NODES[node];
		expect(issuesOf(nodeType(), { ...good(), ...bad() })).toEqual([`${field}: ${FIX}`]);
		// A good ID has no issue.
		expect(issuesOf(nodeType(), good())).toEqual([]);
	});

	it('a manual run stops at n8n’s check with a message that names the field', async () => {
		const requestsBefore = sim.requestLog.length;
		// n8n-core's WorkflowExecute throws before running any node.
		await expect(
			runWorkflow({
				nodeType: new AsanaEvents(),
				parameters: { ...NODES['Asana Events'].good(), asanaObject: id('abc') },
				credentials: credentials(sim.tokens.alice),
				inputItems: [{}],
			}),
		).rejects.toThrow(`The 'Asana Events' node has issues:\n- Task, Project or Goal: ${FIX}`);
		expect(sim.requestLog.length).toBe(requestsBefore);
	});
});

/** The events trigger and the action node read a task, project or goal with one reader. */
describe('task, project or goal locators', () => {
	it.each([
		['abc', /: "abc" is neither an Asana ID \(digits only\) nor a URL\. /],
		['https://example.com/0/1/2', /: "https:\/\/example\.com\/0\/1\/2" is not an Asana URL/],
		[
			'https://app.asana.com/0/inbox/123',
			/: the URL .* does not point at a task, project or goal\. /,
		],
	])('the trigger and the action node reject %s in the same words', async (value, reason) => {
		const trigger = await runPoll({
			nodeType: new AsanaEventsTrigger(),
			parameters: { ...NODES['Events Trigger'].good(), ...resources(value) },
			credentials: credentials(sim.tokens.alice),
		});
		const action = await runWorkflow({
			nodeType: new AsanaEvents(),
			parameters: { ...NODES['Asana Events'].good(), asanaObject: fromExpression(value) },
			credentials: credentials(sim.tokens.alice),
			inputItems: [{}],
		});
		expect(trigger.error?.message).toMatch(/^Projects, Tasks or Goals › item 1: /);
		expect(action.error?.message).toMatch(/^Item 0: Task, Project or Goal: /);
		const fix =
			'Pick a project or goal from the list, paste the URL of a task, project or goal, or enter its ID (digits only).';
		for (const error of [trigger.error, action.error]) {
			expect(error?.message).toMatch(reason);
			expect(error?.message.endsWith(`. ${fix}`)).toBe(true);
		}
	});

	it('an entry picked from the list carries its type and name; an ID or URL carries what it says', () => {
		const ctx = { getNode: () => ({}) as INode };
		const gid = '1200000000000005';
		const picked = {
			__rl: true,
			mode: 'list',
			value: gid,
			cachedResultName: 'Project: Website relaunch',
			cachedResultUrl: `https://app.asana.com/1/1200000000000001/project/${gid}`,
		};
		expect(readAsanaObject(ctx, picked, 'Resource')).toEqual({
			gid,
			type: 'project',
			name: 'Website relaunch',
		});
		expect(
			readAsanaObject(ctx, { ...picked, cachedResultName: 'Goal: Grow (Acme)' }, 'Resource'),
		).toEqual({ gid, type: 'goal', name: 'Grow (Acme)' });
		// A name left over from the list does not follow the value into another mode.
		expect(readAsanaObject(ctx, { ...picked, mode: 'id' }, 'Resource')).toEqual({ gid });
		expect(
			readAsanaObject(
				ctx,
				{ __rl: true, mode: 'url', value: `https://app.asana.com/0/${gid}/list` },
				'Resource',
			),
		).toEqual({ gid, type: 'project' });
		// n8n hands over the bare value where the locator was extracted.
		expect(readAsanaObject(ctx, gid, 'Resource')).toEqual({ gid });
	});
});
