import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import {
	addCheckpoint,
	replayStart,
	type Checkpoint,
} from '../nodes/AsanaEventsTrigger/checkpoints';
import { advanceStreams } from '../nodes/AsanaEventsTrigger/cursors';
import type { ReadResult } from '../nodes/AsanaEventsTrigger/read';
import { SEEN_CAPACITY, SeenChanges } from '../nodes/AsanaEventsTrigger/seen';
import { EventsTriggerState, readStoredState } from '../nodes/AsanaEventsTrigger/state';
import { runPoll, runWorkflow } from './harness';
import { AsanaSimulator } from './simulator';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let sim: AsanaSimulator;

beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

function resourceParams(gids: string[], options: IDataObject = {}, extra: INodeParameters = {}) {
	return {
		authentication: 'accessToken',
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: { __rl: true, mode: 'id', value: gid } })) },
		options,
		...extra,
	} as INodeParameters;
}

async function poll(
	parameters: INodeParameters,
	staticData: IDataObject,
	token = sim.tokens.alice,
) {
	return await runPoll({
		nodeType: new AsanaEventsTrigger(),
		parameters,
		credentials: { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } },
		staticData,
	});
}

function jsonOf(items: INodeExecutionData[][] | null): IDataObject[] {
	return (items?.[0] ?? []).map((item) => item.json);
}

const pause = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/** The names renames gave, in order. */
const names = (items: IDataObject[]) =>
	items
		.filter((i) => (i.change as IDataObject | undefined)?.field === 'name')
		.map((i) => (i.resource as IDataObject).name);

describe('checkpoints', () => {
	it('keeps every one-minute poll of the last 15 minutes (one per 30 seconds of faster ones), one per 5 minutes to 2 hours, one per 15 minutes to 24 hours', () => {
		let history: Checkpoint[] = [];
		const start = Date.parse('2026-11-01T00:00:00Z');
		const end = start + 30 * HOUR;
		for (let time = start; time <= end; time += MINUTE)
			history = addCheckpoint(history, [time, `token:${time}`], time);
		const ages = history.map(([time]) => end - time);
		expect(Math.max(...ages)).toBeLessThanOrEqual(24 * HOUR);
		expect(Math.max(...ages)).toBeGreaterThan(23.5 * HOUR);
		expect(ages.filter((age) => age <= 15 * MINUTE)).toHaveLength(16);
		// Polls every second keep one checkpoint per 30 seconds lately.
		let burst: Checkpoint[] = [];
		for (let time = start; time <= start + 10 * MINUTE; time += 1000)
			burst = addCheckpoint(burst, [time, `token:${time}`], time);
		expect(burst.length).toBeLessThanOrEqual(21);
		const gaps = history.slice(1).map(([time], i) => time - history[i][0]);
		for (let i = 0; i < gaps.length; i++) {
			const age = end - history[i][0];
			expect(gaps[i]).toBeLessThanOrEqual(
				age <= 15 * MINUTE ? MINUTE : age <= 2 * HOUR ? 6 * MINUTE : 16 * MINUTE,
			);
		}
		expect(history.length).toBeLessThan(140);
	});

	it('a replay starts at the newest checkpoint at or before its time, else at the oldest', () => {
		const now = Date.parse('2026-11-01T12:00:00Z');
		const history: Checkpoint[] = [
			[now - 3 * HOUR, 'a'],
			[now - 2 * HOUR, 'b'],
			[now - HOUR, 'c'],
		];
		expect(replayStart(history, now - 90 * MINUTE, now)).toEqual({
			checkpoint: history[1],
			reachableFrom: now - 90 * MINUTE,
		});
		expect(replayStart(history, now - 5 * HOUR, now)).toEqual({
			checkpoint: history[0],
			reachableFrom: now - 3 * HOUR,
		});
		expect(replayStart(history, now, now + 22 * HOUR).checkpoint).toEqual(history[2]);
		expect(replayStart([], now, now)).toEqual({});
	});

	it.each([
		[5, MINUTE],
		[50, MINUTE],
	])(
		'static data of %i streams after 24 hours of polls every %i ms, its window of changes full, stays under 100 KB',
		(count, every) => {
			const staticData: IDataObject = {};
			const targets = Array.from({ length: count }, (_, i) => ({
				kind: 'resource' as const,
				gid: `120000000000${1000 + i}`,
			}));
			const start = Date.parse('2026-11-01T00:00:00Z');
			let serial = 0;
			// Asana's tokens are 32 hex digits and a serial.
			const token = () => `${'f'.repeat(32)}:${++serial}`;
			const seen = new SeenChanges(undefined);
			for (let time = start; time <= start + 24 * HOUR; time += every) {
				const state = EventsTriggerState.read(staticData);
				const read: ReadResult = {
					outcomes: targets.map((target) =>
						time === start
							? { read: { target, subject: '' }, unread: false, started: token() }
							: {
									read: { target, cursor: { sync: 'x' }, subject: '' },
									unread: false,
									drained: {
										events: [],
										keys: [],
										pages: [],
										evidence: [],
										newestRead: '',
										cursor: { sync: token() },
										backlog: false,
										expired: false,
										requests: 1,
									},
								},
					),
					requests: count,
					backlog: false,
				};
				const streams = advanceStreams(targets, state.stored.streams, {
					read,
					holds: new Map(),
					pollTime: time,
					policy: { pollGapMs: every, maxStalenessMs: 10 * MINUTE },
				});
				// A busy trigger: the window holds all it may.
				for (let i = 0; i < SEEN_CAPACITY / 10; i++)
					seen.add(`k${String(serial * 1000 + i).padStart(11, '0')}`, time);
				seen.prune(time - 20 * MINUTE);
				state.update({ streams, seen: seen.toStored() });
				state.save();
			}
			const stored = readStoredState(staticData);
			for (const record of Object.values(stored.streams))
				expect(record.checkpoints?.length).toBeGreaterThanOrEqual(Math.min(100, 700 / count));
			const bytes = Buffer.byteLength(JSON.stringify(staticData));
			expect(bytes).toBeLessThanOrEqual(100 * 1024);
		},
	);
});

describe('Replay From (events trigger)', () => {
	async function history() {
		const project = sim.seeded.projects[0];
		const [a, b, c] = sim.seeded.tasks;
		const staticData: IDataObject = {};
		const params = (options: IDataObject = {}) => resourceParams([project.gid], options);
		await poll(params(), staticData);
		sim.renameTask(a.gid, 'A');
		expect(names(jsonOf((await poll(params(), staticData)).items))).toEqual(['A']);
		await pause(30);
		const replayFrom = new Date().toISOString();
		await pause(30);
		sim.renameTask(b.gid, 'B');
		expect(names(jsonOf((await poll(params(), staticData)).items))).toEqual(['B']);
		sim.renameTask(c.gid, 'C');
		expect(names(jsonOf((await poll(params(), staticData)).items))).toEqual(['C']);
		return { project, a, b, c, staticData, params, replayFrom };
	}

	it('emits again exactly the events since the time, marked, once; then goes on live with nothing twice', async () => {
		const { a, staticData, params, replayFrom } = await history();
		const replayed = jsonOf((await poll(params({ replayFrom }), staticData)).items);
		expect(names(replayed)).toEqual(['B', 'C']);
		for (const item of replayed) expect(item.replayed).toBe(true);

		sim.renameTask(a.gid, 'D');
		const live = jsonOf((await poll(params({ replayFrom }), staticData)).items);
		expect(names(live)).toEqual(['D']);
		expect(live[0].replayed).toBeUndefined();
		// The same value again does nothing, nor does clearing it.
		expect((await poll(params({ replayFrom }), staticData)).items).toBeNull();
		expect((await poll(params(), staticData)).items).toBeNull();
		sim.renameTask(a.gid, 'E');
		expect(names(jsonOf((await poll(params(), staticData)).items))).toEqual(['E']);
	});

	it('keeps the newest checkpoint without a second copy of the cursor’s token, and replays from it', async () => {
		const { project, staticData, params } = await history();
		const key = `resource:${project.gid}`;
		const stored = (staticData.eventsTrigger as { streams: Record<string, IDataObject> }).streams[
			key
		];
		const sync = (stored.cursor as IDataObject).sync as string;
		const written = stored.checkpoints as unknown[][];
		expect(written.at(-1)).toHaveLength(1);
		expect(JSON.stringify(stored).split(sync)).toHaveLength(2);
		expect(readStoredState(staticData).streams[key].checkpoints?.at(-1)).toEqual([
			written.at(-1)?.[0],
			sync,
		]);
		// A replay from after the newest checkpoint reads from its token: nothing since, no notice.
		await pause(30);
		const replayFrom = new Date().toISOString();
		expect((await poll(params({ replayFrom }), staticData)).items).toBeNull();
		expect(readStoredState(staticData).streams[key].replay).toBeUndefined();
	});

	it('gives an event the same event_id live, read again after a restart, and replayed after a restart', async () => {
		const project = sim.seeded.projects[0];
		const params = (options: IDataObject = {}) => resourceParams([project.gid], options);
		const staticData: IDataObject = {};
		await poll(params(), staticData);
		await pause(30);
		const replayFrom = new Date().toISOString();
		await pause(30);
		sim.generateActivity(30, { projectGid: project.gid });
		// A restart: n8n reads the static data back from its database into a new node; one
		// before the live poll is what a crash after emitting leaves.
		const restart = (saved: string) => JSON.parse(saved) as IDataObject;
		const beforeLive = JSON.stringify(staticData);
		const live = jsonOf((await poll(params(), staticData)).items);
		expect(live.length).toBeGreaterThan(20);
		const reread = jsonOf((await poll(params(), restart(beforeLive))).items);
		const stored = restart(JSON.stringify(staticData));
		const replayed = jsonOf((await poll(params({ replayFrom }), stored)).items);

		const ids = (items: IDataObject[]) => items.map((i) => [i.event_id, i.created_at, i.action]);
		expect(new Set(live.map((i) => i.event_id)).size).toBe(live.length);
		expect(ids(reread)).toEqual(ids(live));
		expect(ids(replayed)).toEqual(ids(live));
		for (const item of replayed) expect(item.replayed).toBe(true);
		expect((await poll(params({ replayFrom }), stored)).items).toBeNull();
	});

	it('passes over the events between the checkpoint it starts from and the time', async () => {
		const project = sim.seeded.projects[0];
		const [a, b] = sim.seeded.tasks;
		const staticData: IDataObject = {};
		const params = (options: IDataObject = {}) => resourceParams([project.gid], options);
		await poll(params(), staticData);
		sim.renameTask(a.gid, 'A');
		await pause(30);
		const replayFrom = new Date().toISOString();
		await pause(30);
		sim.renameTask(b.gid, 'B');
		expect(names(jsonOf((await poll(params(), staticData)).items))).toEqual(['A', 'B']);
		const replayed = jsonOf((await poll(params({ replayFrom }), staticData)).items);
		expect(names(replayed)).toEqual(['B']);
		expect(replayed[0].replayed).toBe(true);
	});

	it('stays within Max Events per Poll, and the rest of the window follows next poll', async () => {
		const { staticData, params, replayFrom } = await history();
		// Each rename and the story Asana wrote with it: four events, one a poll.
		const replayed: IDataObject[] = [];
		for (let i = 0; i < 4; i++) {
			const items = jsonOf(
				(await poll(params({ replayFrom, maxEventsPerPoll: 1 }), staticData)).items,
			);
			expect(items).toHaveLength(1);
			expect(items[0].replayed).toBe(true);
			replayed.push(...items);
		}
		expect(names(replayed)).toEqual(['B', 'C']);
		expect((await poll(params({ replayFrom, maxEventsPerPoll: 1 }), staticData)).items).toBeNull();
	});

	it('a time before the oldest checkpoint: what is reachable, and one notice saying what is not', async () => {
		const { project, staticData, params } = await history();
		const replayFrom = new Date(Date.now() - HOUR).toISOString();
		const items = jsonOf((await poll(params({ replayFrom }), staticData)).items);
		expect(items[0]).toMatchObject({
			replay_notice: true,
			reason: 'beyond_reach',
			stream: { type: 'resource', gid: project.gid },
			replay_from: replayFrom,
		});
		expect(String(items[0].message)).toMatch(/cannot be replayed/);
		expect(items.filter((item) => item.replay_notice)).toHaveLength(1);
		expect(names(items)).toEqual(['A', 'B', 'C']);
		for (const item of items)
			expect(item).toMatchObject({ summary: expect.any(String), event_id: expect.any(String) });
	});

	it('a start token Asana refuses: one notice says what was not replayed, and live events go on untouched', async () => {
		// Tokens live 30 minutes here: the replay's checkpoint expires, the live cursor does not.
		await sim.stop();
		sim = await AsanaSimulator.start({ syncTokenMaxAgeMs: 30 * MINUTE });
		const project = sim.seeded.projects[0];
		const [a, b] = sim.seeded.tasks;
		const staticData: IDataObject = {};
		const params = (options: IDataObject = {}) => resourceParams([project.gid], options);
		await poll(params(), staticData);
		await pause(30);
		const replayFrom = new Date().toISOString();
		await pause(30);
		sim.renameTask(a.gid, 'A');
		expect(names(jsonOf((await poll(params(), staticData)).items))).toEqual(['A']);
		sim.advanceClock(20 * MINUTE);
		sim.renameTask(b.gid, 'B');
		expect(names(jsonOf((await poll(params(), staticData)).items))).toEqual(['B']);
		sim.advanceClock(20 * MINUTE);
		// Made while the replay begins: the live cursor, 20 minutes old, still reads them.
		sim.renameTask(a.gid, 'live 1');
		sim.renameTask(b.gid, 'live 2');
		const items = jsonOf((await poll(params({ replayFrom }), staticData)).items);
		expect(items.filter((item) => item.replay_notice)).toEqual([
			expect.objectContaining({
				reason: 'refused',
				stream: { type: 'resource', gid: project.gid },
				summary: expect.stringContaining('were not replayed'),
				event_id: expect.any(String),
			}),
		]);
		expect(items.filter((item) => item.gap_notice)).toEqual([]);
		expect(names(items)).toEqual(['live 1', 'live 2']);
		for (const item of items.filter((i) => i.change)) expect(item.replayed).toBeUndefined();
		expect(readStoredState(staticData).streams[`resource:${project.gid}`].replay).toBeUndefined();
		expect((await poll(params({ replayFrom }), staticData)).items).toBeNull();
	});
});

describe('Recover Changes (events trigger)', () => {
	it('a 412 on a project stream: one recovered item per task changed in the gap, with its current state; nothing from before; then each change once', async () => {
		const project = sim.createProject('Recovering');
		const params = resourceParams([project.gid]);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const before = sim.createTask({ name: 'Before the gap', projectGids: [project.gid] });
		const tasks = [1, 2, 3].map((i) =>
			sim.createTask({ name: `Task ${i}`, projectGids: [project.gid] }),
		);
		await pause(20);
		expect(jsonOf((await poll(params, staticData)).items)).toHaveLength(4);
		await pause(20);
		sim.renameTask(tasks[0].gid, 'Renamed in the gap');
		sim.completeTask(tasks[1].gid);
		sim.addComment(tasks[2].gid, 'Commented in the gap');
		sim.advanceClock(25 * HOUR);

		const gap = jsonOf((await poll(params, staticData)).items);
		expect(gap[0]).toMatchObject({ gap_notice: true, recovery: 'recovering' });
		expect(String(gap[0].message)).toMatch(/cannot see deleted tasks/);
		const recovered = gap.slice(1);
		for (const item of recovered) {
			expect(item).toMatchObject({ recovered: true, resource_type: 'task' });
			expect(item.gap).toEqual({ from: gap[0].last_successful_poll_at, to: expect.any(String) });
		}
		expect(recovered.map((i) => i.gid).sort()).toEqual(tasks.map((t) => t.gid).sort());
		expect(recovered.map((i) => i.gid)).not.toContain(before.gid);
		const byGid = new Map(recovered.map((i) => [i.gid, i.current as IDataObject]));
		expect(byGid.get(tasks[0].gid)?.name).toBe('Renamed in the gap');
		expect(byGid.get(tasks[1].gid)?.completed).toBe(true);

		expect((await poll(params, staticData)).items).toBeNull();
		sim.renameTask(tasks[0].gid, 'After the gap');
		const next = jsonOf((await poll(params, staticData)).items);
		expect(names(next)).toEqual(['After the gap']);
		expect((await poll(params, staticData)).items).toBeNull();
	});

	it('a recovery larger than the request budget goes on across polls, each task once', async () => {
		const project = sim.createProject('Big');
		const params = resourceParams([project.gid], { recoveryRequestsPerPoll: 1 });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		await pause(20);
		const created = Array.from({ length: 250 }, (_, i) =>
			sim.createTask({ name: `Bulk ${i}`, projectGids: [project.gid] }),
		);
		sim.expireSyncTokens();
		const recovered: string[] = [];
		let polls = 0;
		for (; polls < 10; polls++) {
			sim.resetLog();
			const items = jsonOf((await poll(params, staticData)).items);
			const recoveryRequests = sim.requestLog.filter((r) => !r.path.endsWith('/events'));
			expect(recoveryRequests.length).toBeLessThanOrEqual(1);
			recovered.push(...items.filter((i) => i.recovered).map((i) => String(i.gid)));
			if (!readStoredState(staticData).streams[`resource:${project.gid}`].recovery) break;
		}
		// Identifying the project, three pages of tasks, the project itself.
		expect(polls).toBe(4);
		expect(recovered.sort()).toEqual(created.map((t) => t.gid).sort());
	});

	it('a task stream: the task, its changed subtasks and its stories since the gap began', async () => {
		const [task, other] = sim.seeded.tasks;
		const oldSub = sim.createTask({ name: 'Old subtask', parentGid: task.gid });
		sim.addComment(task.gid, 'Before');
		// The simulator dates events a millisecond apart, ahead of the clock when they come fast.
		await pause(20);
		const params = resourceParams([task.gid]);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		await pause(20);
		const newSub = sim.createTask({ name: 'New subtask', parentGid: task.gid });
		const story = sim.addComment(task.gid, 'In the gap');
		sim.renameTask(other.gid, 'Not watched');
		sim.expireSyncTokens();
		const items = jsonOf((await poll(params, staticData)).items).filter((i) => i.recovered);
		expect(items.map((i) => [i.resource_type, i.gid])).toEqual([
			['task', task.gid],
			['task', newSub.gid],
			['story', story.gid],
		]);
		expect(items.map((i) => i.gid)).not.toContain(oldSub.gid);
	});

	it('a workspace stream: the task search by modified_at, paged by it', async () => {
		const params = {
			authentication: 'accessToken',
			source: 'workspace',
			workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
		} as INodeParameters;
		const staticData: IDataObject = {};
		await pause(20);
		await poll(params, staticData, sim.tokens.serviceAccount);
		await pause(20);
		const project = sim.seeded.projects[1];
		const created = Array.from({ length: 130 }, (_, i) =>
			sim.createTask({ name: `Search ${i}`, projectGids: [project.gid] }),
		);
		sim.expireSyncTokens();
		sim.resetLog();
		const items = jsonOf((await poll(params, staticData, sim.tokens.serviceAccount)).items);
		const searches = sim.requestLog.filter((r) => r.path.endsWith('/tasks/search'));
		expect(searches.length).toBe(2);
		expect(searches[0].query).toMatchObject({ sort_by: 'modified_at', sort_ascending: 'true' });
		const gids = items.filter((i) => i.recovered).map((i) => i.gid);
		expect(new Set(gids).size).toBe(gids.length);
		expect([...gids].sort()).toEqual(created.map((t) => t.gid).sort());
	});
});

describe('Replay From (audit trigger)', () => {
	const auditParams = (options: IDataObject = {}) =>
		({
			workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
			start: 'lookBack',
			lookBackDays: 1,
			options,
		}) as INodeParameters;
	async function pollAudit(parameters: INodeParameters, staticData: IDataObject) {
		return await runPoll({
			nodeType: new AsanaAuditLogTrigger(),
			parameters,
			credentials: {
				asanaEventsApi: { accessToken: sim.tokens.serviceAccount, baseUrl: sim.baseUrl },
			},
			staticData,
		});
	}
	const gids = (items: IDataObject[]) => items.filter((i) => i.gid).map((i) => i.gid);

	it('re-reads the log from the time: each event since then once more, marked, within the cap; then live, nothing twice', async () => {
		const old = sim.generateAuditEvents(3, {
			from: Date.now() - 5 * HOUR,
			to: Date.now() - 4 * HOUR,
		});
		const recent = sim.generateAuditEvents(4, {
			from: Date.now() - 2 * HOUR,
			to: Date.now() - HOUR,
		});
		const staticData: IDataObject = {};
		expect(gids(jsonOf((await pollAudit(auditParams(), staticData)).items))).toEqual(
			[...old, ...recent].map((e) => e.gid),
		);
		const replayFrom = new Date(Date.now() - 3 * HOUR).toISOString();
		const options = { replayFrom, maxEventsPerPoll: 3 };
		const first = jsonOf((await pollAudit(auditParams(options), staticData)).items);
		expect(gids(first)).toEqual(recent.slice(0, 3).map((e) => e.gid));
		for (const item of first) expect(item.replayed).toBe(true);
		const live = sim.addAuditEvent();
		const second = jsonOf((await pollAudit(auditParams(options), staticData)).items);
		expect(gids(second)).toEqual([recent[3].gid, live.gid]);
		expect(second.map((i) => i.replayed)).toEqual([true, undefined]);
		// The replay is over: only the value acted on is kept, and a poll asks for the live stream alone.
		expect((staticData.auditTrigger as IDataObject).replay).toEqual({ from: replayFrom });
		sim.resetLog();
		expect((await pollAudit(auditParams(options), staticData)).items).toBeNull();
		expect(sim.requestLog).toHaveLength(1);
		expect((await pollAudit(auditParams({ maxEventsPerPoll: 3 }), staticData)).items).toBeNull();
	});

	it('a time beyond the 90 days Asana keeps: one notice, and the rest replayed', async () => {
		const staticData: IDataObject = {};
		const event = sim.generateAuditEvents(1, {
			from: Date.now() - 2 * HOUR,
			to: Date.now() - HOUR,
		});
		await pollAudit(auditParams(), staticData);
		const replayFrom = new Date(Date.now() - 100 * 24 * HOUR).toISOString();
		const items = jsonOf((await pollAudit(auditParams({ replayFrom }), staticData)).items);
		expect(items[0]).toMatchObject({
			replay_notice: true,
			reason: 'beyond_reach',
			replay_from: replayFrom,
		});
		expect(gids(items)).toEqual([event[0].gid]);
	});
});

describe('Asana Events › Get Events: Recover Changes on Expired Token', () => {
	it('with an expired token, returns one recovered item per task changed since the given time, and a fresh token', async () => {
		const project = sim.createProject('Own token');
		const unchanged = sim.createTask({ name: 'Unchanged', projectGids: [project.gid] });
		await pause(20);
		const parameters = (extra: IDataObject = {}) =>
			({
				authentication: 'accessToken',
				resource: 'event',
				operation: 'getEvents',
				source: 'resource',
				asanaObject: { __rl: true, mode: 'id', value: project.gid },
				sync: '={{ $json.sync }}',
				...extra,
			}) as INodeParameters;
		const runNode = async (extra: IDataObject, sync: string) =>
			await runWorkflow({
				nodeType: new AsanaEvents(),
				parameters: parameters(extra),
				credentials: { asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl } },
				inputItems: [{ sync }],
			});
		const started = await runNode({}, '');
		const lastUsed = new Date().toISOString();
		await pause(20);
		const changed = sim.createTask({ name: 'Changed', projectGids: [project.gid] });
		sim.expireSyncTokens();
		const sync = String(started.items[0].json.sync);

		const plain = await runNode({}, sync);
		expect(plain.items[0].json.recovered).toBeUndefined();
		const recovered = await runNode({ recoverChanges: true, recoverSince: lastUsed }, sync);
		expect(recovered.error).toBeUndefined();
		expect(recovered.items.map((i) => i.json)).toEqual([
			expect.objectContaining({
				recovered: true,
				resource_type: 'task',
				gid: changed.gid,
				sync_token_expired: true,
				sync: expect.any(String),
				gap: { from: lastUsed, to: expect.any(String) },
			}),
		]);
		expect(recovered.items.map((i) => i.json.gid)).not.toContain(unchanged.gid);
		const all = await runNode(
			{ recoverChanges: true, recoverSince: lastUsed, options: { splitIntoItems: false } },
			sync,
		);
		expect(all.items[0].json).toMatchObject({
			events: [],
			sync_token_expired: true,
			recovered: [
				expect.objectContaining({
					gid: changed.gid,
					current: expect.objectContaining({ name: 'Changed' }),
				}),
			],
		});
	});
});

describe('Recover Changes under Trigger On (events trigger)', () => {
	it('Task Completed: the completions of the gap, as the live items would have said them; a task only reassigned is not one', async () => {
		const project = sim.createProject('Recovering');
		const [done, reassigned, doneTwice, earlier] = ['Done', 'Reassigned', 'Twice', 'Earlier'].map(
			(name) => sim.createTask({ name, projectGids: [project.gid] }),
		);
		const params = resourceParams([project.gid], {}, { triggerOn: ['taskCompleted'] });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.completeTask(earlier.gid);
		// A task added to the project names it, though Task Completed emits nothing for it.
		sim.createTask({ name: 'Added', projectGids: [project.gid] });
		expect(jsonOf((await poll(params, staticData)).items)).toHaveLength(1);
		await pause(20);
		sim.completeTask(done.gid, sim.users.bob.gid);
		sim.assignTask(reassigned.gid, sim.users.bob.gid);
		sim.completeTask(doneTwice.gid);
		sim.reopenTask(doneTwice.gid);
		sim.completeTask(doneTwice.gid);
		sim.expireSyncTokens();

		const items = jsonOf((await poll(params, staticData)).items);
		expect(items[0]).toMatchObject({ gap_notice: true, recovery: 'recovering' });
		expect(items[0]).toMatchObject({
			summary: expect.stringContaining('project “Recovering”'),
			url: `https://app.asana.com/0/${project.gid}`,
			event_id: expect.any(String),
		});
		const recovered = items.slice(1);
		expect(recovered.map((i) => [i.trigger_on, i.summary])).toEqual([
			['taskCompleted', 'Bob Builder completed “Done”'],
			['taskCompleted', 'Alice Admin completed “Twice”'],
			['taskCompleted', 'Alice Admin completed “Twice”'],
		]);
		for (const item of recovered) {
			expect(item).toMatchObject({ recovered: true, event_id: expect.any(String) });
			expect(String(item.url)).toMatch(/^https:\/\/app\.asana\.com\/0\/\d+\/\d+$/);
		}
		expect(new Set(recovered.map((i) => i.event_id)).size).toBe(3);
		expect((await poll(params, staticData)).items).toBeNull();
	});

	it('Comment Added: the comments of the gap, each once, though two watched projects report them', async () => {
		const [one, two] = [sim.createProject('One'), sim.createProject('Two')];
		const task = sim.createTask({ name: 'Shared', projectGids: [one.gid, two.gid] });
		const params = resourceParams([one.gid, two.gid], {}, { triggerOn: ['commentAdded'] });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		await pause(20);
		const comments = [sim.addComment(task.gid, 'First'), sim.addComment(task.gid, 'Second')];
		sim.changeTask(task.gid, 'notes', 'Not a comment');
		sim.expireSyncTokens();
		const items = jsonOf((await poll(params, staticData)).items).filter((i) => i.recovered);
		expect(items.map((i) => (i.resource as IDataObject).gid)).toEqual(comments.map((c) => c.gid));
		expect(items.map((i) => i.summary)).toEqual([
			'Alice Admin commented on “Shared”: “First”',
			'Alice Admin commented on “Shared”: “Second”',
		]);
	});
});
