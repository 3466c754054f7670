/**
 * The resource locators' "From List" searches, run as n8n's editor runs them: n8n's
 * dynamic-parameters service builds a one-node workflow from the node's current parameters
 * and calls the node's `methods.listSearch[name]` on an n8n-core LoadOptionsContext, with
 * the typed filter and the previous page's token. Here the same, over real HTTP to the
 * loopback simulator.
 */
import {
	UnexpectedError,
	type IDataObject,
	type INodeListSearchResult,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
} from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import * as listSearchModule from '../nodes/shared/editor/listSearch';
import {
	countSecretOccurrences,
	editorContext,
	runPoll,
	runWorkflow,
	type HarnessCredentials,
} from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

const allNodes = (): INodeType[] => [
	new AsanaEventsTrigger(),
	new AsanaEvents(),
	new AsanaAuditLogTrigger(),
	new AsanaAuditLog(),
];

/** Every resource-locator list mode of a description: where it sits and which method it names. */
function listModes(
	properties: INodeProperties[],
	prefix = 'parameters',
): Array<{ path: string; method: string }> {
	const found: Array<{ path: string; method: string }> = [];
	for (const property of properties) {
		const path = `${prefix}.${property.name}`;
		for (const mode of property.modes ?? []) {
			const method = mode.typeOptions?.searchListMethod;
			if (method) found.push({ path, method });
		}
		for (const option of property.options ?? []) {
			if ('values' in option) found.push(...listModes(option.values, `${path}.${option.name}[0]`));
			else if ('type' in option) found.push(...listModes([option as INodeProperties], path));
		}
	}
	return found;
}

const namedMethods = (nodeType: INodeType) =>
	new Set(listModes(nodeType.description.properties).map((m) => m.method));
const registeredMethods = (nodeType: INodeType) =>
	new Set(Object.keys(nodeType.methods?.listSearch ?? {}));
const tokenCredentials = (token = sim.tokens.alice): HarnessCredentials => ({
	asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl },
});

interface SearchOptions {
	filter?: string;
	paginationToken?: string;
	credentials?: HarnessCredentials;
	parameters?: INodeParameters;
}

/** What n8n's DynamicNodeParametersService.getResourceLocatorResults does for the editor. */
async function listSearch(
	nodeType: INodeType,
	method: string,
	options: SearchOptions = {},
): Promise<INodeListSearchResult> {
	const mode = listModes(nodeType.description.properties).find((m) => m.method === method);
	if (!mode)
		throw new UnexpectedError(`${nodeType.description.name} names no list search "${method}"`);
	const credentials = options.credentials ?? tokenCredentials();
	const parameters: INodeParameters = { authentication: 'accessToken', ...options.parameters };
	const { context, workflow, node } = editorContext(nodeType, parameters, credentials, mode.path);
	const registered = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion).methods
		?.listSearch?.[method];
	if (!registered) throw new UnexpectedError(`${node.type} registers no list search "${method}"`);
	return await registered.call(context, options.filter, options.paginationToken);
}

const names = (result: INodeListSearchResult) => result.results.map((r) => r.name);
const apiCalls = (suffix: string) => sim.requestLog.filter((r) => r.path.endsWith(suffix));

describe('list searches: registration', () => {
	it('every searchListMethod named in a node description is registered on that node, and no registered method goes unnamed', () => {
		for (const nodeType of allNodes()) {
			const named = namedMethods(nodeType);
			expect({
				node: nodeType.description.name,
				methods: [...registeredMethods(nodeType)].sort(),
			}).toEqual({
				node: nodeType.description.name,
				methods: [...named].sort(),
			});
			for (const method of named)
				expect(typeof nodeType.methods?.listSearch?.[method]).toBe('function');
		}
	});

	it('every exported list search is used by some node, and the object locator lists projects and goals', () => {
		// The module's option lists (loadOptions) count as used where a node registers them.
		const used = new Set(
			allNodes().flatMap((nodeType) => [
				...namedMethods(nodeType),
				...Object.keys(nodeType.methods?.loadOptions ?? {}).filter((name) =>
					Object.hasOwn(listSearchModule, name),
				),
			]),
		);
		expect(Object.keys(listSearchModule).sort()).toEqual([...used].sort());
		expect(namedMethods(new AsanaEvents())).toEqual(
			new Set(['searchProjectsAndGoals', 'searchWorkspaces']),
		);
		// The events trigger also picks the team or portfolio of its project sources.
		expect(namedMethods(new AsanaEventsTrigger())).toEqual(
			new Set(['searchProjectsAndGoals', 'searchWorkspaces', 'searchTeams', 'searchPortfolios']),
		);
		for (const nodeType of [new AsanaAuditLogTrigger(), new AsanaAuditLog()]) {
			expect(namedMethods(nodeType)).toEqual(new Set(['searchWorkspaces']));
		}
	});
});

describe('list searches: workspaces', () => {
	it('lists the token user’s workspaces on every node that offers them, filtered by the typed name', async () => {
		const beta = sim.addWorkspace('Beta Labs');
		for (const nodeType of allNodes()) {
			const all = await listSearch(nodeType, 'searchWorkspaces');
			expect(all).toEqual({
				results: [
					{ name: 'Acme Corp', value: sim.workspaceGid },
					{ name: 'Beta Labs', value: beta.gid },
				],
				paginationToken: undefined,
			});
			expect((await listSearch(nodeType, 'searchWorkspaces', { filter: 'bETA' })).results).toEqual([
				{ name: 'Beta Labs', value: beta.gid },
			]);
			expect(
				(await listSearch(nodeType, 'searchWorkspaces', { filter: 'nothing like it' })).results,
			).toEqual([]);
		}
		// The request carried alice's token: the simulator knew who asked.
		expect(
			apiCalls('/api/1.0/workspaces').every(
				(r) => r.status === 200 && r.userGid === sim.users.alice.gid,
			),
		).toBe(true);
	});

	it('follows Asana’s pages: a pagination token while more workspaces exist, none on the last page', async () => {
		const extra = Array.from({ length: 104 }, (_, i) =>
			sim.addWorkspace(`Team ${String(i + 1).padStart(3, '0')}`),
		);
		const expected = [sim.workspaceGid, ...extra.map((w) => w.gid)];

		const first = await listSearch(new AsanaAuditLog(), 'searchWorkspaces');
		expect(first.results).toHaveLength(100);
		expect(first.paginationToken).toEqual(expect.any(String));
		const second = await listSearch(new AsanaAuditLog(), 'searchWorkspaces', {
			paginationToken: first.paginationToken,
		});
		expect(second.results).toHaveLength(5);
		expect(second.paginationToken).toBeUndefined();
		expect([...first.results, ...second.results].map((r) => r.value)).toEqual(expected);

		const sent = apiCalls('/api/1.0/workspaces').map((r) => r.query);
		expect(sent).toEqual([{ limit: '100' }, { limit: '100', offset: first.paginationToken }]);

		// A filter applies to each page; the token still says where the next page starts.
		const filtered = await listSearch(new AsanaAuditLog(), 'searchWorkspaces', {
			filter: 'team 10',
			paginationToken: first.paginationToken,
		});
		expect(names(filtered)).toEqual(['Team 100', 'Team 101', 'Team 102', 'Team 103', 'Team 104']);
	});
});

describe('list searches: projects and goals', () => {
	const [projectA, projectB] = [0, 1];

	it('lists projects and goals as "Project: …" / "Goal: …", filtered by the typed name through Asana’s typeahead', async () => {
		const [relaunch, onboarding] = [sim.seeded.projects[projectA], sim.seeded.projects[projectB]];
		const [goal] = sim.seeded.goals;
		for (const nodeType of [new AsanaEventsTrigger(), new AsanaEvents()]) {
			const all = await listSearch(nodeType, 'searchProjectsAndGoals');
			expect(all).toEqual({
				results: [
					{
						name: 'Project: Website relaunch',
						value: relaunch.gid,
						url: `https://app.asana.com/1/${sim.workspaceGid}/project/${relaunch.gid}`,
					},
					{
						name: 'Project: Customer onboarding',
						value: onboarding.gid,
						url: `https://app.asana.com/1/${sim.workspaceGid}/project/${onboarding.gid}`,
					},
					{
						name: 'Goal: Grow active customers',
						value: goal.gid,
						url: `https://app.asana.com/1/${sim.workspaceGid}/goal/${goal.gid}`,
					},
				],
				paginationToken: undefined,
			});

			const customers = await listSearch(nodeType, 'searchProjectsAndGoals', {
				filter: 'Customer',
			});
			expect(customers.results.map((r) => [r.name, r.value])).toEqual([
				['Project: Customer onboarding', onboarding.gid],
				['Goal: Grow active customers', goal.gid],
			]);
			expect(
				names(await listSearch(nodeType, 'searchProjectsAndGoals', { filter: 'relaunch' })),
			).toEqual(['Project: Website relaunch']);
			expect(
				names(await listSearch(nodeType, 'searchProjectsAndGoals', { filter: 'grow' })),
			).toEqual(['Goal: Grow active customers']);
			expect(
				(await listSearch(nodeType, 'searchProjectsAndGoals', { filter: 'zzz' })).results,
			).toEqual([]);
		}
		// The typed name went to Asana for both object types.
		const searched = apiCalls('/typeahead').filter((r) => r.query.query === 'Customer');
		expect(searched.map((r) => r.query.resource_type).sort()).toEqual([
			'goal',
			'goal',
			'project',
			'project',
		]);
		expect(searched.every((r) => r.status === 200)).toBe(true);
	});

	it('the URL of each entry is one the locator’s URL mode reads back to the same object', async () => {
		const { parseAsanaReference } = await import('../nodes/shared/editor/resourceRef');
		const result = await listSearch(new AsanaEventsTrigger(), 'searchProjectsAndGoals');
		expect(result.results.map((r) => parseAsanaReference(r.url))).toEqual([
			{ gid: sim.seeded.projects[projectA].gid, type: 'project' },
			{ gid: sim.seeded.projects[projectB].gid, type: 'project' },
			{ gid: sim.seeded.goals[0].gid, type: 'goal' },
		]);
	});

	it('a goal picked from the list is watched by the trigger and read by the Asana Events node', async () => {
		const goalEntry = (
			await listSearch(new AsanaEventsTrigger(), 'searchProjectsAndGoals', { filter: 'grow' })
		).results[0];
		const goalGid = sim.seeded.goals[0].gid;
		expect(goalEntry.value).toBe(goalGid);
		const picked = {
			__rl: true,
			mode: 'list',
			value: goalEntry.value,
			cachedResultName: goalEntry.name,
		};

		// Trigger: the first poll takes a token for the goal's stream, the next emits its change.
		const staticData: IDataObject = {};
		const triggerParams: INodeParameters = {
			authentication: 'accessToken',
			source: 'resources',
			resources: { items: [{ resource: picked }] },
		};
		const first = await runPoll({
			nodeType: new AsanaEventsTrigger(),
			parameters: triggerParams,
			credentials: tokenCredentials(),
			staticData,
		});
		expect(first.error).toBeUndefined();
		expect(first.items).toBeNull();
		sim.changeGoal(goalGid, 'status');
		const second = await runPoll({
			nodeType: new AsanaEventsTrigger(),
			parameters: triggerParams,
			credentials: tokenCredentials(),
			staticData,
		});
		expect(second.error).toBeUndefined();
		expect(second.items?.[0].map((i) => i.json)).toEqual([
			expect.objectContaining({
				action: 'changed',
				resource: expect.objectContaining({ gid: goalGid, resource_type: 'goal' }),
				change: { field: 'status', action: 'changed' },
			}),
		]);

		// Action node: a sync token for the picked goal, then the goal's events since it.
		const nodeParams = (operation: string): INodeParameters => ({
			authentication: 'accessToken',
			resource: 'event',
			operation,
			source: 'resource',
			asanaObject: picked,
			...(operation === 'getEvents'
				? { sync: '={{ $json.sync }}', options: { format: 'raw', splitIntoItems: false } }
				: {}),
		});
		const started = await runWorkflow({
			nodeType: new AsanaEvents(),
			parameters: nodeParams('getSyncToken'),
			credentials: tokenCredentials(),
			inputItems: [{}],
		});
		expect(started.error).toBeUndefined();
		sim.changeGoal(goalGid, 'due_on');
		const read = await runWorkflow({
			nodeType: new AsanaEvents(),
			parameters: nodeParams('getEvents'),
			credentials: tokenCredentials(),
			inputItems: [{ sync: started.items[0].json.sync }],
		});
		expect(read.error).toBeUndefined();
		expect(read.items[0].json.events).toEqual([
			expect.objectContaining({
				resource: expect.objectContaining({ gid: goalGid }),
				change: { field: 'due_on', action: 'changed' },
			}),
		]);

		// Every events request named the goal as Asana's `resource`.
		const resources = apiCalls('/api/1.0/events').map((r) => r.query.resource);
		expect(resources.length).toBeGreaterThanOrEqual(4);
		expect(new Set(resources)).toEqual(new Set([goalGid]));
	});

	it('with many workspaces: names the workspace, searches them in batches, and hands a token for the next batch', async () => {
		const workspaces = [
			sim.workspaceGid,
			...Array.from({ length: 11 }, (_, i) => sim.addWorkspace(`WS ${i + 2}`).gid),
		];
		sim.createGoal('Roadmap goal', workspaces[1]);
		sim.createProject('Roadmap', workspaces[11]);
		sim.createProject('Zeta launch', workspaces[11]);

		const first = await listSearch(new AsanaEvents(), 'searchProjectsAndGoals', {
			filter: 'roadmap',
		});
		expect(names(first)).toEqual(['Goal: Roadmap goal (WS 2)']);
		expect(first.paginationToken).toEqual(expect.any(String));
		expect(apiCalls('/typeahead')).toHaveLength(20);
		const second = await listSearch(new AsanaEvents(), 'searchProjectsAndGoals', {
			filter: 'roadmap',
			paginationToken: first.paginationToken,
		});
		expect(names(second)).toEqual(['Project: Roadmap (WS 12)']);
		expect(second.paginationToken).toBeUndefined();

		// A batch without any match does not end the list: the same call searches on.
		sim.resetLog();
		const zeta = await listSearch(new AsanaEvents(), 'searchProjectsAndGoals', { filter: 'zeta' });
		expect(names(zeta)).toEqual(['Project: Zeta launch (WS 12)']);
		expect(zeta.paginationToken).toBeUndefined();
		expect(apiCalls('/api/1.0/workspaces')).toHaveLength(2);
		expect(apiCalls('/typeahead')).toHaveLength(24);

		// Seeded objects carry their workspace's name as well.
		expect(
			names(await listSearch(new AsanaEvents(), 'searchProjectsAndGoals', { filter: 'customer' })),
		).toEqual([
			'Project: Customer onboarding (Acme Corp)',
			'Goal: Grow active customers (Acme Corp)',
		]);
	});
});

describe('list searches: credentials', () => {
	it('use the OAuth2 credential when the node is set to OAuth2; n8n refreshes an expired access token', async () => {
		sim.registerOAuthClient('client-1', 'client-secret-1');
		const tokens = sim.issueOAuthTokens(sim.users.bob.gid, 'client-1');
		sim.expireAccessToken(tokens.access_token);
		const credentials: HarnessCredentials = sim.oauth2Credentials(
			tokens.access_token,
			tokens.refresh_token,
		);

		const result = await listSearch(new AsanaEventsTrigger(), 'searchProjectsAndGoals', {
			credentials,
			parameters: { authentication: 'oAuth2' },
			filter: 'relaunch',
		});
		expect(names(result)).toEqual(['Project: Website relaunch']);
		const workspaceCalls = apiCalls('/api/1.0/workspaces');
		expect(workspaceCalls.map((r) => r.status)).toEqual([401, 200]);
		expect(workspaceCalls[1].userGid).toBe(sim.users.bob.gid);
	});

	it('a rejected token gives a clear 401 error that names the list and the fix, and carries no token', async () => {
		const badToken = '2/1209999999999999/1209999999999998:revokedtokenvalue000000000000000';
		for (const [nodeType, method, subject] of [
			[new AsanaAuditLogTrigger(), 'searchWorkspaces', 'Workspace list'],
			[new AsanaEventsTrigger(), 'searchProjectsAndGoals', 'Project and goal list'],
		] as const) {
			sim.resetLog();
			const error = await listSearch(nodeType, method, {
				credentials: tokenCredentials(badToken),
			}).then(
				() => undefined,
				(caught: unknown) => caught as Error & { description?: string; httpCode?: string },
			);
			expect(error?.name).toBe('NodeApiError');
			// n8n keeps only the status of a 401 it could not recover from; the hint says what to do.
			expect(error?.message).toBe(
				`${subject}: Asana 401 on /workspaces: The token is invalid, expired or revoked: paste a valid personal access token or service account token into the credential.`,
			);
			expect(error?.httpCode).toBe('401');
			expect(error?.description).toMatch(
				/Asana refused the token: it is wrong, revoked or expired\. Open the Asana credential/,
			);
			expect(countSecretOccurrences(badToken, [error])).toBe(0);
			// The pack does not retry a 401 (n8n-core itself re-sends it once after re-authenticating),
			// and no search starts without the workspace list.
			expect(sim.requestLog.map((r) => [r.path, r.status])).toEqual([
				['/api/1.0/workspaces', 401],
				['/api/1.0/workspaces', 401],
			]);
		}
	});
});

describe('list searches: teams and portfolios', () => {
	it('lists the teams of the user’s workspaces, and the portfolios the user owns, filtered by the typed name', async () => {
		const trigger = new AsanaEventsTrigger();
		const platform = sim.createTeam('Platform');
		const sales = sim.createTeam('Sales');
		const beta = sim.addWorkspace('Beta Labs');
		const design = sim.createTeam('Design', beta.gid);
		expect((await listSearch(trigger, 'searchTeams')).results).toEqual([
			{ name: 'Platform (Acme Corp)', value: platform.gid },
			{ name: 'Sales (Acme Corp)', value: sales.gid },
			{ name: 'Design (Beta Labs)', value: design.gid },
		]);
		expect((await listSearch(trigger, 'searchTeams', { filter: 'PLAT' })).results).toEqual([
			{ name: 'Platform (Acme Corp)', value: platform.gid },
		]);

		const bets = sim.createPortfolio('Bets');
		sim.createPortfolio('Roadmap');
		expect((await listSearch(trigger, 'searchPortfolios', { filter: 'bet' })).results).toEqual([
			{ name: 'Bets (Acme Corp)', value: bets.gid },
		]);
		// Asana lists a user only the portfolios that user owns: bob owns none.
		expect(
			(
				await listSearch(trigger, 'searchPortfolios', {
					credentials: tokenCredentials(sim.tokens.bob),
				})
			).results,
		).toEqual([]);
		// A service account owns none, and is listed every portfolio of the workspace.
		expect(
			(
				await listSearch(trigger, 'searchPortfolios', {
					credentials: tokenCredentials(sim.tokens.serviceAccount),
				})
			).results.map((result) => result.name),
		).toEqual(['Bets (Acme Corp)', 'Roadmap (Acme Corp)']);
	});
});

/** The users of Filters › Ignore Events by User Names or IDs, as the editor loads them. */
async function workspaceUsers(credentials = tokenCredentials()) {
	const trigger = new AsanaEventsTrigger();
	const { context, workflow, node } = editorContext(
		trigger,
		{ authentication: 'accessToken', source: 'resources' },
		credentials,
		'parameters.filters.ignoredUserGids',
	);
	const method = 'getWorkspaceUsers';
	const registered = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion).methods
		?.loadOptions?.[method];
	if (!registered) throw new UnexpectedError(`${node.type} registers no loadOptions "${method}"`);
	return await registered.call(context);
}

describe('option lists: users to ignore', () => {
	it('lists the users of the user’s workspaces by name, each once, and the trigger drops their events', async () => {
		sim.addWorkspace('Beta Labs');
		const users = await workspaceUsers();
		expect(users).toEqual([
			{ name: 'Alice Admin', value: sim.users.alice.gid },
			{ name: 'Audit Bot', value: sim.users.serviceAccount.gid },
			{ name: 'Bob Builder', value: sim.users.bob.gid },
		]);
		// One list per workspace: the user shares both with everyone.
		expect(apiCalls('/users')).toHaveLength(2);

		// The picked users' events are dropped; an ID given as comma-separated text too.
		const project = sim.seeded.projects[0];
		const parameters = (ignoredUserGids: string | string[]): INodeParameters => ({
			authentication: 'accessToken',
			source: 'resources',
			resources: { items: [{ resource: { __rl: true, mode: 'id', value: project.gid } }] },
			filters: { ignoredUserGids },
		});
		for (const ignored of [[sim.users.bob.gid], `${sim.users.bob.gid}, 1209000000000001`]) {
			const staticData: IDataObject = {};
			const poll = async () =>
				await runPoll({
					nodeType: new AsanaEventsTrigger(),
					parameters: parameters(ignored),
					credentials: tokenCredentials(),
					staticData,
				});
			expect((await poll()).error).toBeUndefined();
			const task = sim.createTask({
				name: `Ignored ${String(ignored)}`,
				projectGids: [project.gid],
			});
			sim.changeTask(task.gid, 'name', 'by bob', sim.users.bob.gid);
			sim.changeTask(task.gid, 'notes', 'by alice', sim.users.alice.gid);
			const emitted = (await poll()).items?.[0] ?? [];
			const authors = emitted.map((item) => (item.json.user as IDataObject | null)?.gid);
			expect(authors).toContain(sim.users.alice.gid);
			expect(authors).not.toContain(sim.users.bob.gid);
		}
	});

	it('a rejected token gives an error that names the list, and carries no token', async () => {
		const wrong = '2/1209999999999999/1209999999999998:wrongtokenthatmustnotleak99';
		const error = await workspaceUsers(tokenCredentials(wrong)).catch((e: Error) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/User list/);
		expect(countSecretOccurrences(wrong, [error])).toBe(0);
	});
});
