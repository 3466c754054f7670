import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { readStoredState, STATE_VERSION } from '../nodes/AsanaEventsTrigger/state';
import { runPoll, simulateDate } from './harness';
import { AsanaSimulator, type Project } from './simulator';

let sim: AsanaSimulator;

beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	jest.useRealTimers();
	await sim.stop();
});

const MINUTE = 60_000;

function sourceParams(
	source: 'teamProjects' | 'portfolioProjects' | 'workspaceProjects',
	gid: string,
	options: INodeParameters = {},
): INodeParameters {
	const parameter = {
		teamProjects: 'team',
		portfolioProjects: 'portfolio',
		workspaceProjects: 'workspace',
	}[source];
	return {
		authentication: 'accessToken',
		source,
		[parameter]: { __rl: true, mode: 'id', value: gid },
		options,
	};
}

function resourceParams(gids: string[], options: INodeParameters = {}): INodeParameters {
	return {
		authentication: 'accessToken',
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: { __rl: true, mode: 'id', value: gid } })) },
		options,
	};
}

async function poll(parameters: INodeParameters, staticData: IDataObject, nodeName?: string) {
	return await runPoll({
		nodeType: new AsanaEventsTrigger(),
		parameters,
		credentials: { asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl } },
		staticData,
		...(nodeName ? { nodeName } : {}),
	});
}

function jsonOf(items: INodeExecutionData[][] | null): IDataObject[] {
	return (items?.[0] ?? []).map((item) => item.json);
}

/** As if the project list had been read `ms` earlier: the refresh falls due. */
function ageProjectList(staticData: IDataObject, ms: number): void {
	const list = (staticData.eventsTrigger as { projectList: { listedAt: number } }).projectList;
	list.listedAt -= ms;
}

const eventsOf = (gid: string) =>
	sim.requestLog.filter((r) => r.path.endsWith('/events') && r.query.resource === gid);
const streamKeys = (staticData: IDataObject) =>
	Object.keys(readStoredState(staticData).streams).sort();

describe('Events Trigger: all projects of a team, portfolio or workspace', () => {
	it('watches a project created in the team after activation from when it is found, and says so', async () => {
		const team = sim.createTeam('Platform');
		const [first, second] = ['API', 'Billing'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid }),
		);
		sim.createProject('Elsewhere');
		const params = sourceParams('teamProjects', team.gid, { emitWatchChanges: true });
		const staticData: IDataObject = {};

		const activation = await poll(params, staticData);
		expect(activation.error).toBeUndefined();
		// The first list is where the watch starts: no change items for it.
		expect(activation.items).toBeNull();
		expect(streamKeys(staticData)).toEqual(
			[`resource:${first.gid}`, `resource:${second.gid}`].sort(),
		);

		const later = sim.createProject('Checkout', sim.workspaceGid, { teamGid: team.gid });
		// Before the list is due again, the new project is not known yet.
		expect((await poll(params, staticData)).items).toBeNull();
		expect(eventsOf(later.gid)).toHaveLength(0);

		ageProjectList(staticData, 10 * MINUTE);
		const found = await poll(params, staticData);
		expect(jsonOf(found.items)).toEqual([
			expect.objectContaining({
				type: 'watch_change',
				change: 'added',
				project: { gid: later.gid, resource_type: 'project', name: 'Checkout' },
				source: { type: 'team', gid: team.gid },
			}),
		]);
		expect(eventsOf(later.gid)).toHaveLength(1);

		const task = sim.createTask({ name: 'Pay button', projectGids: [later.gid] });
		sim.changeTask(task.gid, 'notes', 'Pay now');
		const items = jsonOf((await poll(params, staticData)).items);
		expect(items.map((item) => [item.action, (item.stream as IDataObject).gid])).toEqual([
			['added', later.gid],
			['changed', later.gid],
		]);
		expect((await poll(params, staticData)).items).toBeNull();
	});

	it('stops reading a project that is archived or deleted, drops its cursor, and says so once', async () => {
		const team = sim.createTeam('Ops');
		const [kept, archived, deleted] = ['Kept', 'Archived', 'Deleted'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid }),
		);
		const params = sourceParams('teamProjects', team.gid, { emitWatchChanges: true });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		expect(streamKeys(staticData)).toHaveLength(3);

		sim.archiveProject(archived.gid);
		sim.deleteProject(deleted.gid);
		ageProjectList(staticData, 10 * MINUTE);
		sim.resetLog();
		const changed = await poll(params, staticData);
		expect(changed.error).toBeUndefined();
		expect(
			jsonOf(changed.items).map((item) => [item.change, (item.project as IDataObject).gid]),
		).toEqual([
			['removed', archived.gid],
			['removed', deleted.gid],
		]);
		expect(streamKeys(staticData)).toEqual([`resource:${kept.gid}`]);

		for (let i = 0; i < 3; i++) expect((await poll(params, staticData)).items).toBeNull();
		expect(eventsOf(archived.gid)).toHaveLength(0);
		expect(eventsOf(deleted.gid)).toHaveLength(0);
		expect(eventsOf(kept.gid)).toHaveLength(4);
	});

	it('lets a project the token can no longer read leave the watch at that poll, the others’ events going out, and takes it back from its cursor', async () => {
		simulateDate(Date.parse('2026-03-02T09:00:00.000Z'));
		const team = sim.createTeam('Data');
		const [kept, lost] = ['Kept', 'Lost'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid }),
		);
		const [keptTask, lostTask] = [kept, lost].map((project) =>
			sim.createTask({ name: `In ${project.name}`, projectGids: [project.gid] }),
		);
		const params = sourceParams('teamProjects', team.gid, { emitWatchChanges: true });
		const staticData: IDataObject = {};
		await poll(params, staticData);

		sim.changeTask(lostTask.gid, 'name', 'Before the sharing changed');
		sim.restrictProject(lost.gid);
		sim.changeTask(keptTask.gid, 'name', 'Renamed while the other is refused');
		const refused = await poll(params, staticData);
		expect(refused.error).toBeUndefined();
		const items = jsonOf(refused.items);
		expect(items.filter((item) => item.type === 'watch_change')).toEqual([
			expect.objectContaining({
				change: 'removed',
				reason: 'refused',
				status: 403,
				project: expect.objectContaining({ gid: lost.gid }),
			}),
		]);
		const taskItems = (list: IDataObject[]) =>
			list.filter((item) => (item.resource as IDataObject | undefined)?.resource_type === 'task');
		expect(taskItems(items).map((item) => (item.resource as IDataObject).gid)).toEqual([
			keptTask.gid,
		]);
		expect(refused.logs.filter((line) => line.includes(lost.gid))).toEqual([
			expect.stringMatching(/leaves the watch .*403/),
		]);

		// Not listed any more, not read; its cursor is kept for when it comes back.
		sim.resetLog();
		for (let i = 0; i < 3; i++) expect((await poll(params, staticData)).error).toBeUndefined();
		expect(eventsOf(lost.gid)).toHaveLength(0);
		expect(eventsOf(kept.gid)).toHaveLength(3);

		sim.changeTask(lostTask.gid, 'name', 'While it was refused');
		sim.restrictProject(lost.gid, false);
		ageProjectList(staticData, 10 * MINUTE);
		simulateDate(Date.now() + 2 * MINUTE);
		const back = jsonOf((await poll(params, staticData)).items);
		expect(back.filter((item) => item.type === 'watch_change')).toEqual([
			expect.objectContaining({ change: 'added', reason: 'readable' }),
		]);
		expect(taskItems(back).map((item) => item.summary)).toEqual([
			expect.stringContaining('Before the sharing changed'),
			expect.stringContaining('While it was refused'),
		]);
	});

	it('lets a deleted project leave the watch at the poll that finds it gone, with no failed poll', async () => {
		const team = sim.createTeam('Cleanup');
		const [kept, gone] = ['Kept', 'Gone'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid }),
		);
		const params = sourceParams('teamProjects', team.gid, { emitWatchChanges: true });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.deleteProject(gone.gid);
		const next = await poll(params, staticData);
		expect(next.error).toBeUndefined();
		expect(jsonOf(next.items).map((item) => [item.change, item.reason, item.status])).toEqual([
			['removed', 'refused', 404],
		]);
		sim.resetLog();
		for (let i = 0; i < 3; i++) expect((await poll(params, staticData)).error).toBeUndefined();
		expect(eventsOf(gone.gid)).toHaveLength(0);
		expect(eventsOf(kept.gid)).toHaveLength(3);
	});

	it('keeps a listed project it cannot read out of the reads, trying it again after a while, and names the source in the log', async () => {
		simulateDate(Date.parse('2026-03-02T09:00:00.000Z'));
		const team = sim.createTeam('Shared');
		const [open, closed] = ['Open', 'Closed'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid }),
		);
		const params = sourceParams('teamProjects', team.gid, { emitWatchChanges: true });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.restrictProject(closed.gid, true, { listed: true });
		const refused = await poll(params, staticData);
		expect(refused.error).toBeUndefined();
		expect(refused.logs.find((line) => line.includes(closed.gid))).toContain(
			`Team ${team.gid} › project “Closed” (${closed.gid}): Asana 403`,
		);
		sim.resetLog();
		await poll(params, staticData);
		expect(eventsOf(closed.gid)).toHaveLength(0);
		expect(eventsOf(open.gid)).toHaveLength(1);
		simulateDate(Date.now() + 2 * MINUTE);
		await poll(params, staticData);
		expect(eventsOf(closed.gid)).toHaveLength(1);
	});

	it('reads the other projects in the same poll when one fails with another status, and tries that one again', async () => {
		simulateDate(Date.parse('2026-03-02T09:00:00.000Z'));
		const team = sim.createTeam('Regions');
		const [here, there] = ['Here', 'There'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid }),
		);
		const task = sim.createTask({ name: 'Here task', projectGids: [here.gid] });
		const params = sourceParams('teamProjects', team.gid, { emitWatchChanges: true });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.injectFault({ kind: '451', path: '/events', resource: there.gid, times: 1 });
		sim.changeTask(task.gid, 'name', 'Renamed');
		const result = await poll(params, staticData);
		expect(result.error).toBeUndefined();
		// Still watched: no watch change; its cursor kept for the next try.
		expect(jsonOf(result.items).map((item) => item.type)).not.toContain('watch_change');
		expect(JSON.stringify(result.items)).toContain('Renamed');
		expect(result.logs.find((line) => line.includes(there.gid))).toMatch(/cannot be read .*451/);
		sim.resetLog();
		await poll(params, staticData);
		expect(eventsOf(there.gid)).toHaveLength(0);
		simulateDate(Date.now() + MINUTE);
		await poll(params, staticData);
		expect(eventsOf(there.gid).map((request) => request.status)).toEqual([200]);
	});

	it('fails the poll at once when the credential is refused, though the streams it did not read answered before', async () => {
		simulateDate(Date.parse('2026-03-02T09:00:00.000Z'));
		const team = sim.createTeam('Revoked');
		for (const name of ['One', 'Two'])
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid });
		// One request a minute: each poll reads one of the two streams.
		const params = sourceParams('teamProjects', team.gid, { maxRequestsPerMinute: 1 });
		const staticData: IDataObject = {};
		for (let minute = 0; minute < 4; minute++) {
			expect((await poll(params, staticData)).error).toBeUndefined();
			simulateDate(Date.now() + MINUTE);
		}
		expect(streamKeys(staticData)).toHaveLength(2);
		sim.resetLog();
		const refused = await runPoll({
			nodeType: new AsanaEventsTrigger(),
			parameters: params,
			credentials: { asanaEventsApi: { accessToken: 'revoked-token', baseUrl: sim.baseUrl } },
			staticData,
		});
		expect(new Set(sim.requestLog.map((request) => request.query.resource)).size).toBe(1);
		expect(refused.error?.message).toMatch(/401/);
	});

	it('tells of a change found by a poll that then failed at the next poll', async () => {
		const team = sim.createTeam('Retry');
		sim.createProject('First', sim.workspaceGid, { teamGid: team.gid });
		const params = sourceParams('teamProjects', team.gid, { emitWatchChanges: true });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const later = sim.createProject('Later', sim.workspaceGid, { teamGid: team.gid });
		ageProjectList(staticData, 10 * MINUTE);
		sim.injectFault({ kind: '402', path: '/events', times: 10 });
		expect((await poll(params, staticData)).error?.message).toMatch(/402/);
		sim.clearFaults();
		const next = await poll(params, staticData);
		expect(
			jsonOf(next.items).map((item) => [item.change, (item.project as IDataObject).gid]),
		).toEqual([['added', later.gid]]);
	});

	it('lists a portfolio’s projects and a workspace’s, archived ones only when asked', async () => {
		const portfolio = sim.createPortfolio('Bets');
		const projects: Project[] = ['Alpha', 'Beta', 'Gamma'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { portfolioGid: portfolio.gid }),
		);
		sim.addToPortfolio(portfolio.gid, sim.createPortfolio('Nested').gid);
		sim.archiveProject(projects[1].gid);

		const active: IDataObject = {};
		await poll(sourceParams('portfolioProjects', portfolio.gid), active);
		expect(streamKeys(active)).toEqual(
			[`resource:${projects[0].gid}`, `resource:${projects[2].gid}`].sort(),
		);
		const all: IDataObject = {};
		await poll(sourceParams('portfolioProjects', portfolio.gid, { includeArchived: true }), all);
		expect(streamKeys(all)).toEqual(projects.map((p) => `resource:${p.gid}`).sort());

		// A workspace of more projects than one page of the listing holds.
		for (let i = 0; i < 120; i++) sim.createProject(`Bulk ${i}`);
		const workspace: IDataObject = {};
		await poll(
			sourceParams('workspaceProjects', sim.workspaceGid, { maxRequestsPerMinute: 1000 }),
			workspace,
		);
		const unarchived = [...sim.domain.projects.values()].filter((p) => !p.archived);
		expect(streamKeys(workspace)).toEqual(unarchived.map((p) => `resource:${p.gid}`).sort());
		expect(
			sim.requestLog.filter((r) => r.path.endsWith('/projects')).map((r) => r.query.archived),
		).toEqual(['false', 'false']);
	});

	it('names the team and the fix when the team ID is not one', async () => {
		const result = await poll(
			{ ...sourceParams('teamProjects', 'x1'), team: { __rl: true, mode: 'id', value: 'x1' } },
			{},
		);
		expect(result.error?.message).toBe(
			'Team: "x1" is not a team ID. Pick the team from the list, or enter its ID (digits only; it is the number in the team\'s URL).',
		);
		expect(sim.requestLog).toHaveLength(0);
	});
});

describe('Events Trigger: the request scheduler', () => {
	it('keeps two triggers on one credential together under its Max Requests per Minute', async () => {
		sim.setRateLimit(20);
		const gids = (prefix: string) =>
			Array.from({ length: 15 }, (_, i) => sim.createProject(`${prefix} ${i}`).gid);
		const a = resourceParams(gids('A'), { maxRequestsPerMinute: 20 });
		const b = resourceParams(gids('B'), { maxRequestsPerMinute: 20 });
		const dataA: IDataObject = {};
		const dataB: IDataObject = {};
		for (let round = 0; round < 3; round++) {
			expect((await poll(a, dataA, 'Trigger A')).error).toBeUndefined();
			expect((await poll(b, dataB, 'Trigger B')).error).toBeUndefined();
		}
		const events = sim.requestLog.filter((r) => r.path.endsWith('/events'));
		expect(events.length).toBeLessThanOrEqual(20);
		expect(events.filter((r) => r.status === 429)).toEqual([]);
		// Both got a share; the streams left over wait for a later minute, none half-started.
		expect(streamKeys(dataA).length).toBeGreaterThan(0);
		expect(streamKeys(dataB).length).toBeGreaterThan(0);
		expect(streamKeys(dataA).length + streamKeys(dataB).length).toBe(events.length);
	});

	it('gives a large trigger what a small one on the same credential does not use, at every poll', async () => {
		// Polls every 20 s, each a moment late as n8n's are, on a simulated clock that runs
		// during a poll: a request may wait for the one of a minute ago to leave the window.
		const GAP = 20_000;
		const LATE_MS = [300, 0, 150, 50];
		const start = Date.parse('2026-06-01T09:00:00Z');
		const team = sim.createTeam('Large');
		const large = Array.from({ length: 60 }, (_, i) =>
			sim.createProject(`Team ${i}`, sim.workspaceGid, { teamGid: team.gid }),
		);
		const small = Array.from({ length: 3 }, (_, i) => sim.createProject(`Small ${i}`));
		// Busy: 3 of the large one's projects, and the small one's.
		const busy = [...large.slice(0, 3), ...small].map((project) =>
			sim.createTask({ name: `In ${project.name}`, projectGids: [project.gid] }),
		);
		const options = { maxRequestsPerMinute: 60 };
		const pollTimes = { item: [{ mode: 'custom', cronExpression: '0,20,40 * * * * *' }] };
		const triggers = [
			{
				name: 'Small',
				params: {
					...resourceParams(
						small.map((p) => p.gid),
						options,
					),
					pollTimes,
				},
			},
			{ name: 'Large', params: { ...sourceParams('teamProjects', team.gid, options), pollTimes } },
		].map((trigger) => ({ ...trigger, staticData: {} as IDataObject }));
		const POLLS = 30;
		const SETTLED = 6;
		const streamsRead = { Small: [] as number[], Large: [] as number[] };
		const pollsAt: number[] = [];
		const requestsAt: number[] = [];
		for (let i = 0; i < POLLS; i++) {
			const at = start + i * GAP + LATE_MS[i % LATE_MS.length];
			simulateDate(at, true);
			pollsAt.push(at);
			busy.forEach((task) => sim.changeTask(task.gid, 'notes', `poll ${i}`));
			for (const trigger of triggers) {
				sim.resetLog();
				expect(
					(await poll(trigger.params, trigger.staticData, trigger.name)).error,
				).toBeUndefined();
				streamsRead[trigger.name as 'Small' | 'Large'].push(
					sim.requestLog.filter((r) => r.path.endsWith('/events')).length,
				);
				requestsAt.push(...sim.requestLog.map((r) => r.startedAt));
				expect(sim.requestLog.filter((r) => r.status === 429)).toEqual([]);
			}
		}
		// The small one reads its 3 streams every poll; the large one, with streams waiting, reads
		// at every poll what is left, about 17.
		expect(streamsRead.Small.slice(SETTLED)).toEqual(Array(POLLS - SETTLED).fill(3));
		expect(Math.min(...streamsRead.Large.slice(SETTLED))).toBeGreaterThanOrEqual(15);
		// The credential's 60 a minute: never more in any 60 s, and 90 % used or more. The
		// simulator sees a request the tens of ms after the credential let it go that it takes
		// through n8n's request path.
		const inMinuteTo = (end: number, lagMs = 0) =>
			requestsAt.filter((t) => t > end - 60_000 + lagMs && t <= end).length;
		for (const at of requestsAt) expect(inMinuteTo(at, 100)).toBeLessThanOrEqual(60);
		for (const at of pollsAt.slice(SETTLED + 3)) expect(inMinuteTo(at)).toBeGreaterThanOrEqual(54);
	});

	it('counts every request of the trigger: the project list and Fetch Current Resource too', async () => {
		const team = sim.createTeam('Counted');
		const project = sim.createProject('Only', sim.workspaceGid, { teamGid: team.gid });
		const task = sim.createTask({ name: 'Renamed', projectGids: [project.gid] });
		const params = sourceParams('teamProjects', team.gid, {
			maxRequestsPerMinute: 4,
			fetchCurrentResource: true,
		});
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.changeTask(task.gid, 'notes', 'Changed');
		const second = await poll(params, staticData);
		expect(jsonOf(second.items)).toEqual([
			expect.objectContaining({ current: expect.objectContaining({ notes: 'Changed' }) }),
		]);
		// The listing, the first token, the page and the task: the minute's 4 requests.
		expect(sim.requestLog.map((r) => r.path.replace(/\/\d{6,}/g, '/…'))).toEqual([
			'/api/1.0/teams/…/projects',
			'/api/1.0/events',
			'/api/1.0/events',
			'/api/1.0/tasks/…',
		]);
		sim.changeTask(task.gid, 'notes', 'And again');
		expect((await poll(params, staticData)).items).toBeNull();
		expect(sim.requestLog).toHaveLength(4);
	});

	it('counts the audit log trigger’s requests on the same credential against the events trigger’s budget', async () => {
		const token = sim.tokens.serviceAccount;
		const credentials = { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } };
		for (let i = 0; i < 3; i++) {
			const audit = await runPoll({
				nodeType: new AsanaAuditLogTrigger(),
				parameters: {
					workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
					start: 'now',
				},
				credentials,
				staticData: {},
				nodeName: 'Audit',
			});
			expect(audit.error).toBeUndefined();
		}
		const auditRequests = sim.requestLog.length;
		expect(auditRequests).toBeGreaterThanOrEqual(3);
		const staticData: IDataObject = {};
		const events = await runPoll({
			nodeType: new AsanaEventsTrigger(),
			parameters: resourceParams(
				Array.from({ length: 8 }, (_, i) => sim.createProject(`E ${i}`).gid),
				{ maxRequestsPerMinute: 8 },
			),
			credentials,
			staticData,
		});
		expect(events.error).toBeUndefined();
		expect(streamKeys(staticData)).toHaveLength(8 - auditRequests);
		expect(sim.requestLog).toHaveLength(8);
	});

	it('lowers the credential’s rate after a 429: the next poll asks Asana nothing', async () => {
		sim.setRateLimit(8);
		const params = resourceParams(
			Array.from({ length: 12 }, (_, i) => sim.createProject(`P ${i}`).gid),
			{ maxRequestsPerMinute: 20 },
		);
		const staticData: IDataObject = {};
		const first = await poll(params, staticData);
		expect(first.error).toBeUndefined();
		const statuses = sim.requestLog.map((r) => r.status);
		// A stream starts with Asana's 412 that brings its first token.
		expect(statuses.filter((s) => s === 412)).toHaveLength(8);
		expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
		expect(streamKeys(staticData)).toHaveLength(8);

		// 20 a minute would leave room for the 4 streams not started; halved to 10, none.
		sim.resetLog();
		expect((await poll(params, staticData)).error).toBeUndefined();
		expect(sim.requestLog).toHaveLength(0);
		expect(streamKeys(staticData)).toHaveLength(8);
	});

	it('reads the busy projects at every poll after a 429, and the quiet ones within Max Staleness', async () => {
		// Polls every 20 s on a simulated clock; sockets and timers are real.
		const GAP = 20_000;
		let now = Date.parse('2026-06-01T09:00:00Z');
		simulateDate(now);
		const busy = Array.from({ length: 3 }, (_, i) => sim.createProject(`Busy ${i}`));
		const quiet = Array.from({ length: 24 }, (_, i) => sim.createProject(`Quiet ${i}`));
		const tasks = busy.map((project) =>
			sim.createTask({ name: `Work in ${project.name}`, projectGids: [project.gid] }),
		);
		// 16 reads a poll, 8 once halved: the 3 busy projects and the quiet ones' need (24 / 6 polls).
		const params = {
			...resourceParams(
				[...busy, ...quiet].map((p) => p.gid),
				{ maxRequestsPerMinute: 48, maxStalenessMinutes: 2 },
			),
			pollTimes: { item: [{ mode: 'custom', cronExpression: '0,20,40 * * * * *' }] },
		};
		const staticData: IDataObject = {};
		const STALENESS_POLLS = 6;
		const RATE_LIMITED_AT = 15;
		const POLLS = RATE_LIMITED_AT + 20;
		const readsOf = new Map<string, number[]>();
		const requestsAt: number[] = [];
		const delays: number[] = [];
		for (let i = 0; i < POLLS; i++) {
			if (i >= 3) tasks.forEach((task, k) => sim.changeTask(task.gid, 'notes', `poll ${i} ${k}`));
			if (i === RATE_LIMITED_AT)
				sim.injectFault({ kind: '429', path: '/events', resource: busy[0].gid, retryAfterSec: 1 });
			sim.resetLog();
			const result = await poll(params, staticData);
			expect(result.error).toBeUndefined();
			for (const item of jsonOf(result.items))
				delays.push(now - Date.parse(String(item.created_at)));
			requestsAt.push(sim.requestLog.length);
			for (const r of sim.requestLog)
				if (r.path.endsWith('/events') && r.query.sync && r.status === 200)
					readsOf.set(r.query.resource, [...(readsOf.get(r.query.resource) ?? []), i]);
			if (i === RATE_LIMITED_AT)
				expect(sim.requestLog.filter((r) => r.status === 429)).toEqual([
					expect.objectContaining({ query: expect.objectContaining({ resource: busy[0].gid }) }),
				]);
			now += GAP;
			jest.setSystemTime(now);
		}
		const after = Array.from(
			{ length: POLLS - RATE_LIMITED_AT - 1 },
			(_, k) => RATE_LIMITED_AT + 1 + k,
		);
		// Busy projects: read at every poll after the 429, their changes out within 2 polls.
		for (const project of busy)
			expect(readsOf.get(project.gid)).toEqual(expect.arrayContaining(after));
		expect(delays.length).toBeGreaterThan(80);
		expect(Math.max(...delays)).toBeLessThanOrEqual(2 * GAP);
		// Quiet projects: never longer than Max Staleness unread.
		for (const project of quiet) {
			const reads = (readsOf.get(project.gid) ?? []).filter((i) => i >= RATE_LIMITED_AT - 1);
			for (let k = 1; k < reads.length; k++)
				expect(reads[k] - reads[k - 1]).toBeLessThanOrEqual(STALENESS_POLLS);
			expect(POLLS - 1 - reads[reads.length - 1]).toBeLessThan(STALENESS_POLLS);
		}
		// The rate is halved for 5 minutes (15 polls): 24 requests in any minute after the 429.
		for (let i = RATE_LIMITED_AT + 1; i + 2 < RATE_LIMITED_AT + 15; i++)
			expect(requestsAt[i] + requestsAt[i + 1] + requestsAt[i + 2]).toBeLessThanOrEqual(24);
	});

	it('backs a quiet stream off when the budget is short, and reads it every poll again once it has events', async () => {
		// Only the clock is simulated (a minute per poll); sockets and timers are real.
		let now = Date.parse('2026-06-01T09:00:00Z');
		simulateDate(now);
		const projects = Array.from({ length: 8 }, (_, i) => sim.createProject(`Q ${i}`));
		const waking = projects[0];
		const task = sim.createTask({ name: 'Wakes up', projectGids: [waking.gid] });
		const params = resourceParams(
			projects.map((p) => p.gid),
			{ maxRequestsPerMinute: 5, maxStalenessMinutes: 4 },
		);
		const staticData: IDataObject = {};
		const readsOf = new Map<string, number[]>();
		const emitted: IDataObject[] = [];
		const renames: string[] = [];
		const POLLS = 30;
		const WAKE_AT = 15;
		for (let i = 0; i < POLLS; i++) {
			if (i >= WAKE_AT) {
				renames.push(`change ${i}`);
				sim.changeTask(task.gid, 'notes', `change ${i}`);
			}
			sim.resetLog();
			const result = await poll(params, staticData);
			expect(result.error).toBeUndefined();
			emitted.push(...jsonOf(result.items));
			for (const r of sim.requestLog)
				if (r.path.endsWith('/events') && r.query.sync)
					readsOf.set(r.query.resource, [...(readsOf.get(r.query.resource) ?? []), i]);
			expect(sim.requestLog.length).toBeLessThanOrEqual(5);
			now += MINUTE;
			jest.setSystemTime(now);
		}
		const wakingReads = readsOf.get(waking.gid) ?? [];
		const quietPolls = Array.from({ length: WAKE_AT - 5 }, (_, i) => i + 5);
		// While quiet, it was not read every poll...
		expect(quietPolls.every((i) => wakingReads.includes(i))).toBe(false);
		// ...and from its first read with events on, it was read at every poll.
		const woke = wakingReads.find((i) => i >= WAKE_AT)!;
		expect(woke - WAKE_AT).toBeLessThan(4);
		expect(wakingReads.filter((i) => i >= woke)).toEqual(
			Array.from({ length: POLLS - woke }, (_, i) => woke + i),
		);
		// Every rename came out once, in order.
		expect(emitted.filter((item) => (item.stream as IDataObject).gid === waking.gid).length).toBe(
			renames.length,
		);
		// No stream went unread for longer than Max Staleness once all were listening.
		for (const project of projects) {
			const reads = readsOf.get(project.gid) ?? [];
			expect(reads.length).toBeGreaterThan(0);
			for (let k = 1; k < reads.length; k++) expect(reads[k] - reads[k - 1]).toBeLessThanOrEqual(4);
			expect(POLLS - 1 - reads[reads.length - 1]).toBeLessThanOrEqual(4);
		}
	});
});

describe('Events Trigger state: layout 4', () => {
	it('migrates layout 2: cursors, names and user carry over; keys of events per stream do not', () => {
		const v2 = {
			version: 2,
			streams: {
				'resource:1200000000000005': {
					cursor: { sync: 'abc:1', emitted: ['k1'] },
					lastPollAt: 1_700_000_000_000,
					resourceType: 'project',
					name: 'Website relaunch',
				},
			},
			recent: ['k1', 'k2'],
			newestEmitted: '2026-01-01T00:00:00.000Z',
			rotation: 3,
			credentialUser: { credentialId: 'c1', gid: '1200000000000002' },
		};
		const migrated = readStoredState({ eventsTrigger: v2 });
		expect(STATE_VERSION).toBe(4);
		expect(migrated).toEqual({
			version: 4,
			streams: {
				'resource:1200000000000005': {
					cursor: { sync: 'abc:1' },
					lastPollAt: 1_700_000_000_000,
					resourceType: 'project',
					name: 'Website relaunch',
				},
			},
			seen: { minutes: [] },
			rotation: 3,
			credentialUser: { credentialId: 'c1', gid: '1200000000000002' },
		});
	});
});
