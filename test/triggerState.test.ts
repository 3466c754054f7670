/**
 * What the two triggers keep in static data across polls, and when they must not touch it:
 * editing the watched resources, "Fetch Test Event", the audit log's start and filters, and
 * a poll whose time budget runs out in the middle of a backlog.
 */
import { runPoll, type HarnessCredentials } from './harness';

import { PollContext } from 'n8n-core';
import type { IDataObject, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';

import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { readState as readAuditState } from '../nodes/AsanaAuditLogTrigger/state';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { AUDIT_LOG_EPOCH, AUDIT_LOG_RETENTION_DAYS } from '../nodes/shared/asana/constants';
import { readStoredState } from '../nodes/AsanaEventsTrigger/state';
import { AsanaSimulator, type FaultSpec, type RequestRecord, type SimEvent } from './simulator';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RETENTION_MS = AUDIT_LOG_RETENTION_DAYS * DAY;

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	jest.restoreAllMocks();
	await sim.stop();
});

// ---- helpers --------------------------------------------------------------------------

const id = (value: string) => ({ __rl: true, mode: 'id', value });

function eventsParams(gids: string[], extra: INodeParameters = {}): INodeParameters {
	return {
		authentication: 'accessToken',
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: id(gid) })) },
		...extra,
	};
}

function auditParams(extra: INodeParameters = {}): INodeParameters {
	return { workspace: id(sim.workspaceGid), start: 'now', ...extra };
}

const tokenCredentials = (token: string): HarnessCredentials => ({
	asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl },
});

async function pollEvents(parameters: INodeParameters, staticData: IDataObject) {
	return await runPoll({
		nodeType: new AsanaEventsTrigger(),
		parameters,
		credentials: tokenCredentials(sim.tokens.alice),
		staticData,
	});
}

async function pollAudit(parameters: INodeParameters, staticData: IDataObject) {
	return await runPoll({
		nodeType: new AsanaAuditLogTrigger(),
		parameters,
		credentials: tokenCredentials(sim.tokens.serviceAccount),
		staticData,
	});
}

const jsonOf = (items: INodeExecutionData[][] | null): IDataObject[] =>
	(items?.[0] ?? []).map((item) => item.json);
const gidsOf = (items: INodeExecutionData[][] | null) =>
	jsonOf(items).map((json) => json.gid as string);
const eventRequests = () => sim.requestLog.filter((r) => r.path.endsWith('/events'));
const auditRequests = () => sim.requestLog.filter((r) => r.path.endsWith('/audit_log_events'));
/** Static data as n8n's database column holds it. */
const snapshot = (data: IDataObject): unknown => JSON.parse(JSON.stringify(data));

/** What tells two events of a stream apart (the simulator's bulk events differ in time). */
function identity(event: IDataObject | SimEvent): string {
	const e = event as IDataObject;
	return JSON.stringify([
		e.created_at,
		(e.resource as IDataObject).gid,
		e.action,
		(e.change as IDataObject | null)?.field ?? null,
	]);
}

/** An ISO time within [from, to] (epoch ms), for values the node computes from its clock. */
function expectIsoWithin(value: string | undefined, from: number, to: number): void {
	expect(value).toEqual(expect.any(String));
	const at = Date.parse(value as string);
	expect(at).toBeGreaterThanOrEqual(from);
	expect(at).toBeLessThanOrEqual(to);
}

/**
 * "Fetch Test Event" on the given static data object itself, as n8n loads it from its
 * database: every write of the node lands there, and the test goes on polling with it.
 */
async function manualPollInPlace(
	nodeType: INodeType,
	parameters: INodeParameters,
	credentials: HarnessCredentials,
	staticData: IDataObject,
) {
	return await runPoll({
		nodeType,
		parameters,
		credentials,
		staticData,
		mode: 'manual',
		manualWritesThrough: true,
	});
}

/** Newer n8n hosts tell a poll its time budget; n8n-core 2.30 has no such method yet. */
function withPollBudget(ms: number): void {
	Object.defineProperty(PollContext.prototype, 'getPollBudgetMs', {
		value: () => ms,
		configurable: true,
		writable: true,
	});
}
afterEach(() => {
	delete (PollContext.prototype as unknown as { getPollBudgetMs?: unknown }).getPollBudgetMs;
});

/**
 * Injects `fault` for exactly the `n`-th request whose path ends with `pathEnd`: the
 * simulator logs a request before it looks for faults, so the fault is in place in time.
 */
function faultOnNthRequest(pathEnd: string, n: number, fault: FaultSpec): void {
	const log = sim.requestLog;
	const push = log.push;
	let seen = 0;
	log.push = function (this: RequestRecord[], ...entries: RequestRecord[]): number {
		for (const entry of entries)
			if (entry.path.endsWith(pathEnd) && ++seen === n) sim.injectFault({ ...fault, times: 1 });
		return push.apply(this, entries);
	};
}

// ---- 1. editing the resource list -----------------------------------------------------

describe('Events trigger: editing the resource list', () => {
	it('keeps the cursor of a resource that stayed, starts an added one at now, and drops a removed one', async () => {
		const [a, b, c] = ['A', 'B', 'C'].map((name) => sim.createProject(name));
		const [taskA, taskB, taskC] = [a, b, c].map((project) =>
			sim.createTask({ name: `Task of ${project.name}`, projectGids: [project.gid] }),
		);
		const staticData: IDataObject = {};

		expect((await pollEvents(eventsParams([a.gid, b.gid]), staticData)).items).toBeNull();
		expect(Object.keys(readStoredState(staticData).streams).sort()).toEqual(
			[`resource:${a.gid}`, `resource:${b.gid}`].sort(),
		);
		const tokenOfB = readStoredState(staticData).streams[`resource:${b.gid}`].cursor.sync;

		sim.changeTask(taskA.gid, 'notes', 'A1');
		sim.changeTask(taskA.gid, 'notes', 'A2');
		sim.changeTask(taskB.gid, 'notes', 'B1');
		sim.changeTask(taskB.gid, 'followers', sim.users.bob.gid);
		sim.changeTask(taskB.gid, 'due_at');
		// Before C is watched: its stream starts after this, so this is never emitted.
		sim.changeTask(taskC.gid, 'notes', 'C before watching');

		sim.resetLog();
		const edited = await pollEvents(eventsParams([b.gid, c.gid]), staticData);
		expect(edited.error).toBeUndefined();
		const items = jsonOf(edited.items);
		// B's three changes since its stored token: not lost, not restarted from now.
		expect(
			items
				.filter((item) => item.change)
				.map((item) => [
					(item.stream as IDataObject).gid,
					(item.resource as IDataObject).gid,
					(item.change as IDataObject).field,
				]),
		).toEqual([
			[b.gid, taskB.gid, 'notes'],
			[b.gid, taskB.gid, 'followers'],
			[b.gid, taskB.gid, 'due_at'],
		]);
		const byResource = (gid: string) => eventRequests().filter((r) => r.query.resource === gid);
		expect(byResource(b.gid).map((r) => r.query.sync)).toEqual([tokenOfB]);
		// C only gets its first token; A is no longer asked.
		expect(byResource(c.gid)).toHaveLength(1);
		expect(byResource(c.gid)[0].query.sync).toBeUndefined();
		expect(byResource(a.gid)).toHaveLength(0);
		expect(Object.keys(readStoredState(staticData).streams).sort()).toEqual(
			[`resource:${b.gid}`, `resource:${c.gid}`].sort(),
		);

		sim.changeTask(taskC.gid, 'notes', 'C after watching');
		sim.changeTask(taskA.gid, 'notes', 'A while unwatched');
		const next = jsonOf((await pollEvents(eventsParams([b.gid, c.gid]), staticData)).items);
		expect(
			next.map((item) => [(item.stream as IDataObject).gid, (item.resource as IDataObject).gid]),
		).toEqual([[c.gid, taskC.gid]]);

		// A's cursor was dropped: watched again, it starts at now and emits nothing of the gap.
		sim.resetLog();
		const readded = await pollEvents(eventsParams([a.gid, b.gid, c.gid]), staticData);
		expect(readded.error).toBeUndefined();
		expect(readded.items).toBeNull();
		const requestsOfA = eventRequests().filter((r) => r.query.resource === a.gid);
		expect(requestsOfA).toHaveLength(1);
		expect(requestsOfA[0].query.sync).toBeUndefined();
	});
});

describe('Events trigger: a workflow upgraded from 0.1', () => {
	/**
	 * Static data as 0.1 left it: the first poll took `firstToken`, the second emitted three of
	 * five changes by bob under a cap of 3 and stayed on that page with the keys it emitted
	 * (keys of 0.1 name the stream too); "Ignore Events by the Credential’s User" had cached
	 * alice beside the state.
	 */
	const storedBy01 = (firstToken: string): IDataObject => ({
		credentialUser: { credentialId: 'cred-asanaEventsApi', gid: '1200000000000002' },
		eventsTrigger: {
			version: 1,
			streams: {
				'resource:1200000000000014': {
					sync: firstToken,
					emitted: ['VVyWnqHZnkHK', 'NF7GGGAGEftP', 'FA_O6SX7Comn'],
					lastPollAt: 1796117565286,
				},
			},
			recent: ['VVyWnqHZnkHK', 'NF7GGGAGEftP', 'FA_O6SX7Comn'],
			rotation: 1,
			newestEmitted: '2026-11-20T09:00:00.009Z',
		},
	});

	it('continues from 0.1’s cursor: no event lost, the half-taken page read again from its start, the cached user kept', async () => {
		const project = sim.createProject('Website relaunch 0.1');
		const task = sim.createTask({ name: 'Migrate me', projectGids: [project.gid] });
		expect([project.gid, sim.users.alice.gid]).toEqual(['1200000000000014', '1200000000000002']);
		const firstToken = sim.domain.eventsPage(project.gid, undefined, 100).sync;
		for (let i = 1; i <= 5; i++) sim.changeTask(task.gid, 'notes', `v${i}`, sim.users.bob.gid);
		const staticData = storedBy01(firstToken);
		const parameters = eventsParams([project.gid], {
			filters: { ignoreOwnEvents: true },
			options: { maxEventsPerPoll: 10 },
		});
		const pollOld = async () =>
			await runPoll({
				nodeType: new AsanaEventsTrigger(),
				parameters,
				credentials: { asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl } },
				staticData,
			});
		const notes = (items: INodeExecutionData[][] | null) =>
			jsonOf(items).map((item) => (item.resource as IDataObject).gid);

		const upgraded = await pollOld();
		expect(upgraded.error).toBeUndefined();
		// 0.1's keys name the stream, a change's keys do not: the page is read from its start.
		expect(notes(upgraded.items)).toHaveLength(5);
		// The credential's user came from the cache 0.1 kept.
		expect(sim.requestLog.filter((r) => r.path.endsWith('/users/me'))).toHaveLength(0);
		const state = readStoredState(staticData);
		expect(state).toMatchObject({
			version: 4,
			credentialUser: { credentialId: 'cred-asanaEventsApi', gid: sim.users.alice.gid },
		});
		expect(staticData.credentialUser).toBeUndefined();

		sim.changeTask(task.gid, 'notes', 'by alice');
		sim.changeTask(task.gid, 'notes', 'by bob', sim.users.bob.gid);
		expect(notes((await pollOld()).items)).toHaveLength(1);
		expect((await pollOld()).items).toBeNull();

		// Asana repeats the page of 0.1's token: the changes are known now, none goes out again.
		const stored = staticData.eventsTrigger as { streams: Record<string, IDataObject> };
		stored.streams[`resource:${project.gid}`].cursor = { sync: firstToken };
		sim.resetLog();
		expect((await pollOld()).items).toBeNull();
		expect(sim.requestLog.map((r) => r.query.sync)).toEqual([firstToken]);
	});
});

// ---- 2. Fetch Test Event leaves the cursors alone -------------------------------------

describe('Audit Log trigger: Fetch Test Event', () => {
	it('leaves stored cursors as they were, and the active poll emits what was pending exactly once', async () => {
		const backfill = sim.generateAuditEvents(10, {
			from: Date.now() - 2 * HOUR,
			to: Date.now() - HOUR,
		});
		const parameters = auditParams({
			start: 'lookBack',
			lookBackDays: 1,
			options: { maxEventsPerPoll: 6 },
		});
		const staticData: IDataObject = {};
		expect(gidsOf((await pollAudit(parameters, staticData)).items)).toEqual(
			backfill.slice(0, 6).map((e) => e.gid),
		);
		expect(gidsOf((await pollAudit(parameters, staticData)).items)).toEqual(
			backfill.slice(6).map((e) => e.gid),
		);
		const cursor = readAuditState(staticData)!.stream.cursor;
		expect(cursor.offset).toEqual(expect.any(String));
		expect(cursor.recent).toHaveLength(10);

		const pending = sim.recentAuditEvents(3);
		// What n8n hands a manual run: static data as loaded from the database. From here on
		// the manual run and the active polls share this one object.
		const stored = snapshot(staticData) as IDataObject;
		const before = snapshot(stored);
		const manual = await manualPollInPlace(
			new AsanaAuditLogTrigger(),
			parameters,
			tokenCredentials(sim.tokens.serviceAccount),
			stored,
		);
		expect(manual.error).toBeUndefined();
		// A sample of the newest events of the last day, pending ones included.
		expect(gidsOf(manual.items)).toEqual([...backfill, ...pending].slice(-5).map((e) => e.gid));
		expect(snapshot(stored)).toEqual(before);

		expect(gidsOf((await pollAudit(parameters, stored)).items)).toEqual(pending.map((e) => e.gid));
		expect((await pollAudit(parameters, stored)).items).toBeNull();
	});
});

// ---- 3. From Date ---------------------------------------------------------------------

describe('Events trigger: Fetch Test Event', () => {
	it('leaves stored cursors as they were, and the active poll emits what was pending exactly once', async () => {
		const project = sim.createProject('Manual');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const added = sim.createProject('Added in the editor');
		const active = eventsParams([project.gid], { options: { maxEventsPerPoll: 3 } });
		const staticData: IDataObject = {};
		await pollEvents(active, staticData);
		for (let i = 0; i < 5; i++) sim.changeTask(task.gid, 'notes', `v${i}`, sim.users.bob.gid);
		const expected = (sim.domain.streams.get(project.gid) ?? []).slice(-5).map(identity);
		// The cap of 3 ends inside the page: the cursor holds the page's token and the keys taken from it.
		expect(jsonOf((await pollEvents(active, staticData)).items).map(identity)).toEqual(
			expected.slice(0, 3),
		);
		expect(
			readStoredState(staticData).streams[`resource:${project.gid}`].cursor.handled,
		).toHaveLength(3);
		sim.changeTask(task.gid, 'notes', 'v5', sim.users.bob.gid);
		const pending = [
			...expected.slice(3),
			identity((sim.domain.streams.get(project.gid) ?? []).slice(-1)[0]),
		];

		// What n8n hands a manual run: static data as loaded from the database. From here on
		// the manual run and the active polls share this one object.
		const stored = snapshot(staticData) as IDataObject;
		const before = snapshot(stored);
		// The editor's copy of the node: one more resource, and a filter that looks the credential's user up.
		const edited = eventsParams([project.gid, added.gid], {
			filters: { ignoreOwnEvents: true },
			options: { testEventWaitSeconds: 1 },
		});
		const manual = await manualPollInPlace(
			new AsanaEventsTrigger(),
			edited,
			tokenCredentials(sim.tokens.alice),
			stored,
		);
		expect(manual.error).toBeUndefined();
		expect(jsonOf(manual.items).map(identity)).toEqual(pending);
		expect(snapshot(stored)).toEqual(before);

		expect(jsonOf((await pollEvents(active, stored)).items).map(identity)).toEqual(pending);
		expect((await pollEvents(active, stored)).items).toBeNull();
	});
});

describe('Audit Log trigger: From Date', () => {
	/** The first poll of a new From Date stream: the start_at it sent, and what it emitted. */
	async function firstStartAt(fromDate: string) {
		const staticData: IDataObject = {};
		sim.resetLog();
		const from = Date.now();
		const result = await pollAudit(auditParams({ start: 'fromDate', fromDate }), staticData);
		const to = Date.now();
		expect(result.error).toBeUndefined();
		return { startAt: auditRequests()[0]?.query.start_at, from, to, emitted: gidsOf(result.items) };
	}

	it('starts a date older than the 90-day retention at the retention', async () => {
		const old = sim.generateAuditEvents(2, {
			from: Date.now() - 80 * DAY,
			to: Date.now() - 79 * DAY,
		});
		const { startAt, from, to, emitted } = await firstStartAt(
			new Date(Date.now() - 120 * DAY).toISOString(),
		);
		expectIsoWithin(startAt, from - RETENTION_MS, to - RETENTION_MS);
		expect(emitted).toEqual(old.map((e) => e.gid));
		// A date inside the retention is sent as it is.
		const within = new Date(Date.now() - 30 * DAY).toISOString();
		const later = await firstStartAt(within);
		expect(later.startAt).toBe(within);
		expect(later.emitted).toEqual([]);
	});

	it('starts a date before 2021-10-08 at the retention, since that is later', async () => {
		const { startAt, from, to } = await firstStartAt('2020-06-01T00:00:00Z');
		expectIsoWithin(startAt, from - RETENTION_MS, to - RETENTION_MS);
	});

	it('starts a date before 2021-10-08 at 2021-10-08 while the retention reaches further back', async () => {
		// The node's clock on 2021-11-20: its 90 days reach back to August 2021, before the audit log existed.
		const shift = Date.now() - Date.parse('2021-11-20T00:00:00Z');
		const realNow = Date.now.bind(Date);
		jest.spyOn(Date, 'now').mockImplementation(() => realNow() - shift);
		expect((await firstStartAt('2020-06-01T00:00:00Z')).startAt).toBe(AUDIT_LOG_EPOCH);
		expect((await firstStartAt('2021-10-20T00:00:00.000Z')).startAt).toBe(
			'2021-10-20T00:00:00.000Z',
		);
	});

	it('refuses a date in the future, naming the parameter, before any request and without touching the cursor', async () => {
		const staticData: IDataObject = {};
		expect((await pollAudit(auditParams(), staticData)).error).toBeUndefined();
		const before = snapshot(staticData);
		sim.resetLog();
		const future = new Date(Date.now() + 48 * HOUR).toISOString();
		const result = await pollAudit(
			auditParams({ start: 'fromDate', fromDate: future }),
			staticData,
		);
		expect(result.items).toBeNull();
		expect(result.error?.message).toBe(
			`From Date: ${future} is in the future. Pick a date in the past, or choose Start "From Now".`,
		);
		expect(sim.requestLog).toHaveLength(0);
		expect(snapshot(staticData)).toEqual(before);
	});
});

// ---- 4. a filter change starts a new stream -------------------------------------------

describe('Audit Log trigger: changing a filter', () => {
	it('starts a new stream from the start setting without the old offset; switching back emits nothing twice', async () => {
		const X = 'user_login_failed';
		const Y = 'project_exported';
		const events = sim.generateAuditEvents(30, {
			from: Date.now() - 3 * HOUR,
			to: Date.now() - HOUR,
			eventTypes: [X, Y, 'task_deleted'],
		});
		const ofType = (type: string) => events.filter((e) => e.event_type === type).map((e) => e.gid);
		const withType = (type: string) =>
			auditParams({
				start: 'lookBack',
				lookBackDays: 1,
				filters: { eventTypes: [type] },
				options: { maxEventsPerPoll: 6 },
			});
		const staticData: IDataObject = {};

		const emittedX: string[] = [];
		for (let i = 0; i < 3; i++)
			emittedX.push(...gidsOf((await pollAudit(withType(X), staticData)).items));
		expect(emittedX).toEqual(ofType(X));
		const cursorX = readAuditState(staticData)!.stream.cursor;
		expect(cursorX.offset).toEqual(expect.any(String));

		sim.resetLog();
		const from = Date.now();
		const switched = await pollAudit(withType(Y), staticData);
		const to = Date.now();
		expect(switched.error).toBeUndefined();
		const [first] = auditRequests();
		expect(first.query.offset).toBeUndefined();
		expect(first.query.event_type).toBe(Y);
		// From the look-back start, not from where the X stream had got to.
		expectIsoWithin(first.query.start_at, from - DAY, to - DAY);
		expect(auditRequests().filter((r) => r.status !== 200)).toEqual([]);
		const emittedY = gidsOf(switched.items);
		emittedY.push(...gidsOf((await pollAudit(withType(Y), staticData)).items));
		expect(emittedY).toEqual(ofType(Y));
		expect((await pollAudit(withType(Y), staticData)).items).toBeNull();

		// Back on X, the X stream starts over from its look back, but the gids emitted before
		// are kept across filter changes: the X events are not emitted again, a new one is.
		sim.resetLog();
		expect((await pollAudit(withType(X), staticData)).items).toBeNull();
		expect(auditRequests()[0].query.offset).toBeUndefined();
		expect(auditRequests()[0].query.event_type).toBe(X);
		const fresh = sim.addAuditEvent({ event_type: X });
		expect(gidsOf((await pollAudit(withType(X), staticData)).items)).toEqual([fresh.gid]);
	});
});

// ---- 6. time budget -------------------------------------------------------------------

describe('a poll whose time runs out mid-drain', () => {
	async function drainEvents(params: INodeParameters, staticData: IDataObject, maxPolls: number) {
		const perPoll: string[][] = [];
		for (let i = 0; i < maxPolls; i++) {
			const result = await pollEvents(params, staticData);
			expect(result.error).toBeUndefined();
			if (!result.items) break;
			perPoll.push(jsonOf(result.items).map(identity));
		}
		return perPoll;
	}

	async function drainAudit(params: INodeParameters, staticData: IDataObject, maxPolls: number) {
		const perPoll: string[][] = [];
		for (let i = 0; i < maxPolls; i++) {
			const result = await pollAudit(params, staticData);
			expect(result.error).toBeUndefined();
			if (!result.items) break;
			perPoll.push(gidsOf(result.items));
		}
		return perPoll;
	}

	it('events trigger: the host’s budget ends the first poll early; the next polls emit the rest, none skipped or repeated', async () => {
		const project = sim.createProject('Slow backlog');
		sim.createTask({ name: 'Seed', projectGids: [project.gid] });
		const params = eventsParams([project.gid], { options: { maxEventsPerPoll: 100_000 } });
		const staticData: IDataObject = {};
		withPollBudget(1_000);
		await pollEvents(params, staticData);
		const start = sim.eventsEmitted(project.gid);
		sim.bulkTaskEvents(project.gid, 2000);
		const expected = (sim.domain.streams.get(project.gid) ?? []).slice(start).map(identity);
		expect(expected).toHaveLength(2000);
		// 20 pages at 100 ms each cannot fit in a 1 s budget.
		sim.setLatency(100);
		const perPoll = await drainEvents(params, staticData, 10);
		expect(perPoll.length).toBeGreaterThanOrEqual(2);
		expect(perPoll[0].length).toBeGreaterThan(0);
		expect(perPoll[0].length).toBeLessThan(2000);
		expect(perPoll.flat()).toEqual(expected);
	});

	it('events trigger: a 429 on the second page with a Retry-After past the budget leaves the rest for the next poll', async () => {
		const project = sim.createProject('Rate limited');
		sim.createTask({ name: 'Seed', projectGids: [project.gid] });
		const params = eventsParams([project.gid]);
		const staticData: IDataObject = {};
		await pollEvents(params, staticData);
		const start = sim.eventsEmitted(project.gid);
		sim.bulkTaskEvents(project.gid, 250);
		const expected = (sim.domain.streams.get(project.gid) ?? []).slice(start).map(identity);

		sim.resetLog();
		faultOnNthRequest('/events', 2, { kind: '429', path: '/events', retryAfterSec: 120 });
		const started = Date.now();
		const first = await pollEvents(params, staticData);
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(first.error).toBeUndefined();
		expect(jsonOf(first.items).map(identity)).toEqual(expected.slice(0, 100));
		expect(eventRequests().map((r) => r.status)).toEqual([200, 429]);
		const resumeFrom = readStoredState(staticData).streams[`resource:${project.gid}`].cursor.sync;
		// The refused page is asked again next poll, with the token it was refused with.
		expect(resumeFrom).toBe(eventRequests()[1].query.sync);

		sim.resetLog();
		const rest = await drainEvents(params, staticData, 5);
		expect(eventRequests()[0].query.sync).toBe(resumeFrom);
		expect([jsonOf(first.items).map(identity), ...rest].flat()).toEqual(expected);
	});

	it('audit trigger: the host’s budget ends the first poll early; the next polls emit the rest, none skipped or repeated', async () => {
		const events = sim.generateAuditEvents(2000, {
			from: Date.now() - 10 * HOUR,
			to: Date.now() - HOUR,
		});
		const params = auditParams({
			start: 'lookBack',
			lookBackDays: 1,
			options: { maxEventsPerPoll: 100_000 },
		});
		const staticData: IDataObject = {};
		withPollBudget(1_000);
		sim.setLatency(100);
		const perPoll = await drainAudit(params, staticData, 10);
		expect(perPoll.length).toBeGreaterThanOrEqual(2);
		expect(perPoll[0].length).toBeGreaterThan(0);
		expect(perPoll[0].length).toBeLessThan(2000);
		expect(perPoll.flat()).toEqual(events.map((e) => e.gid));
	});

	it('audit trigger: a 429 on the second page with a Retry-After past the budget leaves the rest for the next poll', async () => {
		const events = sim.generateAuditEvents(250, {
			from: Date.now() - 3 * HOUR,
			to: Date.now() - HOUR,
		});
		const params = auditParams({ start: 'lookBack', lookBackDays: 1 });
		const staticData: IDataObject = {};
		faultOnNthRequest('/audit_log_events', 2, {
			kind: '429',
			path: '/audit_log_events',
			retryAfterSec: 120,
		});
		const started = Date.now();
		const first = await pollAudit(params, staticData);
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(first.error).toBeUndefined();
		expect(gidsOf(first.items)).toEqual(events.slice(0, 100).map((e) => e.gid));
		expect(auditRequests().map((r) => r.status)).toEqual([200, 429]);
		const refused = auditRequests()[1];
		const cursor = readAuditState(staticData)!.stream.cursor;
		expect(cursor.offset).toBe(refused.query.offset);

		sim.resetLog();
		const rest = await drainAudit(params, staticData, 5);
		// Resumed with the refused request's offset and the query that issued it.
		expect(auditRequests()[0].query).toMatchObject({
			offset: refused.query.offset,
			start_at: refused.query.start_at,
		});
		expect([gidsOf(first.items), ...rest].flat()).toEqual(events.map((e) => e.gid));
	});
});
