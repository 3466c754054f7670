import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { readStoredState } from '../nodes/AsanaEventsTrigger/state';
import { PersistentStaticData, runPoll, simulateDate } from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;

beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	jest.useRealTimers();
	await sim.stop();
});

function tokenCredentials(token = sim.tokens.alice) {
	return { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } };
}

function resourceParams(gids: string[], extra: INodeParameters = {}): INodeParameters {
	return {
		authentication: 'accessToken',
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: { __rl: true, mode: 'id', value: gid } })) },
		...extra,
	};
}

async function poll(
	parameters: INodeParameters,
	staticData: IDataObject,
	token?: string,
	mode: 'trigger' | 'manual' = 'trigger',
) {
	return await runPoll({
		nodeType: new AsanaEventsTrigger(),
		parameters,
		credentials: tokenCredentials(token),
		staticData,
		mode,
		// n8n's proxies write a manual run's changes through to the object it loaded: so here.
		manualWritesThrough: mode === 'manual',
	});
}

function jsonOf(items: INodeExecutionData[][] | null): IDataObject[] {
	return (items?.[0] ?? []).map((item) => item.json);
}

function eventRequests() {
	return sim.requestLog.filter((r) => r.path.endsWith('/events'));
}

describe('Asana Events Trigger', () => {
	it('obtains a token per stream on the first poll and emits nothing, then emits each change once', async () => {
		const project = sim.createProject('Launch');
		const task = sim.createTask({ name: 'Write copy', projectGids: [project.gid] });
		const staticData: IDataObject = {};
		const params = resourceParams([project.gid, task.gid]);

		const first = await poll(params, staticData);
		expect(first.error).toBeUndefined();
		expect(first.items).toBeNull();
		const state = readStoredState(first.staticData);
		expect(Object.keys(state.streams).sort()).toEqual(
			[`resource:${project.gid}`, `resource:${task.gid}`].sort(),
		);
		for (const stream of Object.values(state.streams))
			expect(stream.cursor.sync).toMatch(/^[0-9a-f]{32}:\d+$/);

		sim.changeTask(task.gid, 'notes', 'Better copy');
		const second = await poll(params, first.staticData);
		const items = jsonOf(second.items);
		// The change reaches the task's own stream and, bubbling up, the project's stream: one item.
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({
			action: 'changed',
			resource: { gid: task.gid, resource_type: 'task' },
			change: { field: 'notes', action: 'changed' },
			user: { gid: sim.users.alice.gid, name: sim.users.alice.name },
		});

		const third = await poll(params, second.staticData);
		expect(third.items).toBeNull();
	});

	it('drains 2,500 events in one poll with exactly 25 requests, and in three polls under a cap of 1000', async () => {
		const project = sim.createProject('Backlog');
		sim.createTask({ name: 'Seed', projectGids: [project.gid] });
		const uncapped = resourceParams([project.gid], { options: { maxEventsPerPoll: 5000 } });
		const staticData: IDataObject = {};
		await poll(uncapped, staticData);
		sim.bulkTaskEvents(project.gid, 2500);
		sim.resetLog();
		const drained = await poll(uncapped, staticData);
		expect(jsonOf(drained.items)).toHaveLength(2500);
		expect(eventRequests()).toHaveLength(25);

		const capped = resourceParams([project.gid], { options: { maxEventsPerPoll: 1000 } });
		sim.bulkTaskEvents(project.gid, 2500);
		const seen = new Set<string>();
		const perPoll: number[] = [];
		for (let i = 0; i < 4; i++) {
			const result = await poll(capped, staticData);
			const items = jsonOf(result.items);
			perPoll.push(items.length);
			for (const item of items)
				seen.add(
					JSON.stringify([item.created_at, (item.resource as IDataObject).gid, item.change]),
				);
		}
		expect(perPoll).toEqual([1000, 1000, 500, 0]);
		expect(seen.size).toBe(2500);
	});

	it('drains a workspace stream 1000 events per page with a service account', async () => {
		const project = sim.createProject('Everything');
		sim.createTask({ name: 'Seed', projectGids: [project.gid] });
		const params: INodeParameters = {
			authentication: 'accessToken',
			source: 'workspace',
			workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
			options: { maxEventsPerPoll: 10_000 },
		};
		const staticData: IDataObject = {};
		await poll(params, staticData, sim.tokens.serviceAccount);
		sim.bulkTaskEvents(project.gid, 2500);
		sim.resetLog();
		const result = await poll(params, staticData, sim.tokens.serviceAccount);
		// Each task event reaches the workspace stream once.
		expect(jsonOf(result.items)).toHaveLength(2500);
		expect(eventRequests()).toHaveLength(3);
	});

	describe('expired sync token', () => {
		async function expiredSetup(onExpiredSyncToken: string) {
			const project = sim.createProject('Expiring');
			const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
			const params = resourceParams([project.gid], { options: { onExpiredSyncToken } });
			const staticData: IDataObject = {};
			await poll(params, staticData);
			const before = readStoredState(staticData).streams[`resource:${project.gid}`].cursor;
			sim.changeTask(task.gid, 'notes', 'lost in the gap');
			sim.expireSyncTokens();
			const result = await poll(params, staticData);
			const after = readStoredState(result.staticData).streams[`resource:${project.gid}`].cursor;
			return { project, task, params, staticData: result.staticData, result, before, after };
		}

		it('emits one gap notice by default, and the fresh token is used next', async () => {
			const { project, task, params, staticData, result, before, after } =
				await expiredSetup('notify');
			const items = jsonOf(result.items);
			expect(items).toHaveLength(1);
			expect(items[0]).toMatchObject({
				gap_notice: true,
				reason: 'sync_token_expired',
				stream: { type: 'resource', gid: project.gid },
			});
			expect(items[0].last_successful_poll_at).toEqual(expect.any(String));
			expect(String(items[0].message)).toMatch(/may be missing/);
			expect(after.sync).not.toBe(before.sync);

			sim.changeTask(task.gid, 'notes', 'after the gap');
			sim.resetLog();
			const next = await poll(params, staticData);
			expect(jsonOf(next.items)).toHaveLength(1);
			expect(eventRequests()[0].query.sync).toBe(after.sync);
		});

		it('fails the poll but keeps the fresh token when asked to', async () => {
			const { result, before, after } = await expiredSetup('fail');
			expect(result.error?.message).toMatch(/sync token expired/);
			expect(after.sync).not.toBe(before.sync);
		});

		it('continues silently when asked to ignore', async () => {
			const { result, before, after } = await expiredSetup('ignore');
			expect(result.error).toBeUndefined();
			expect(result.items).toBeNull();
			expect(after.sync).not.toBe(before.sync);
		});
	});

	it('does not emit a repeated page twice', async () => {
		const project = sim.createProject('Repeat');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid]);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const tokenBefore = readStoredState(staticData).streams[`resource:${project.gid}`].cursor.sync;
		sim.changeTask(task.gid, 'notes', 'n');
		sim.changeTask(task.gid, 'followers', sim.users.bob.gid);
		const first = await poll(params, staticData);
		expect(jsonOf(first.items)).toHaveLength(2);

		// Asana answers the same token with the same page: rewind the cursor to ask again.
		readStoredState(staticData).streams[`resource:${project.gid}`].cursor.sync = tokenBefore;
		const again = await poll(params, staticData);
		expect(again.items).toBeNull();
	});

	it('emits both of two identical events, also when the cap falls between them, and a repeated page of them not at all', async () => {
		const project = sim.createProject('Twins');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { options: { maxEventsPerPoll: 1 } });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const tokenBefore = readStoredState(staticData).streams[`resource:${project.gid}`].cursor.sync;
		sim.changeTask(task.gid, 'notes', 'Twice');
		sim.twinLastTaskEvent(task.gid);

		const perPoll: number[] = [];
		for (let i = 0; i < 3; i++) perPoll.push(jsonOf((await poll(params, staticData)).items).length);
		expect(perPoll).toEqual([1, 1, 0]);

		readStoredState(staticData).streams[`resource:${project.gid}`].cursor.sync = tokenBefore;
		expect((await poll(resourceParams([project.gid]), staticData)).items).toBeNull();
	});

	it('applies filters, ignores chosen users, and keeps system events and tokens with ":"', async () => {
		const project = sim.createProject('Filters');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid], {
			filters: { actions: ['changed', 'added'], ignoredUserGids: sim.users.bob.gid },
		});
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.renameTask(task.gid, 'by alice');
		sim.renameTask(task.gid, 'by bob', sim.users.bob.gid);
		sim.changeTask(task.gid, 'due_on', undefined, null);
		sim.deleteTask(task.gid);
		sim.resetLog();
		const result = await poll(params, staticData);
		const items = jsonOf(result.items);
		// Each rename and due date change comes with the story Asana writes for it.
		expect(items.map((i) => [i.action, (i.user as IDataObject | null)?.gid ?? null])).toEqual([
			['changed', sim.users.alice.gid],
			['added', sim.users.alice.gid],
			['changed', null],
			['added', null],
		]);
		expect(String(eventRequests()[0].query.sync)).toContain(':');

		// Picked from the list, or as comma-separated text (an expression, or a workflow saved before the list).
		for (const changedFields of [['assignee'], 'assignee']) {
			const fieldParams = resourceParams([project.gid], { filters: { changedFields } });
			const fieldData: IDataObject = {};
			await poll(fieldParams, fieldData);
			const other = sim.createTask({ name: 'U', projectGids: [project.gid] });
			sim.renameTask(other.gid, 'renamed');
			sim.assignTask(other.gid, sim.users.bob.gid);
			const fieldResult = jsonOf((await poll(fieldParams, fieldData)).items);
			expect(fieldResult).toHaveLength(1);
			expect(fieldResult[0]).toMatchObject({
				change: { field: 'assignee', new_value: { gid: sim.users.bob.gid } },
			});
		}
	});

	it('counts Max Events per Poll in emitted items: a filter that keeps 1 of 3 events still fills each poll', async () => {
		const project = sim.createProject('Filtered cap');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid], {
			filters: { changedFields: 'assignee' },
			options: { maxEventsPerPoll: 4 },
		});
		const staticData: IDataObject = {};
		await poll(params, staticData);
		for (let i = 0; i < 10; i++) {
			sim.renameTask(task.gid, `v${i}`);
			sim.assignTask(task.gid, i % 2 ? sim.users.alice.gid : sim.users.bob.gid);
			sim.completeTask(task.gid);
		}
		const perPoll: number[] = [];
		const fields = new Set<unknown>();
		const times: unknown[] = [];
		for (let i = 0; i < 4; i++) {
			const items = jsonOf((await poll(params, staticData)).items);
			perPoll.push(items.length);
			for (const item of items) {
				fields.add((item.change as IDataObject).field);
				times.push(item.created_at);
			}
		}
		expect(perPoll).toEqual([4, 4, 2, 0]);
		expect([...fields]).toEqual(['assignee']);
		expect(new Set(times).size).toBe(10);
	});

	it('reads a bounded number of events per poll when the filters keep none, and moves the cursor past them', async () => {
		const project = sim.createProject('Filtered away');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		// At most ten times the cap is read per poll: 100 here, one page.
		const params = resourceParams([project.gid], {
			filters: { changedFields: 'assignee' },
			options: { maxEventsPerPoll: 10 },
		});
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.bulkTaskEvents(project.gid, 300);
		sim.resetLog();
		for (let i = 0; i < 3; i++) expect((await poll(params, staticData)).items).toBeNull();
		expect(eventRequests()).toHaveLength(3);
		sim.assignTask(task.gid, sim.users.bob.gid);
		sim.resetLog();
		expect(jsonOf((await poll(params, staticData)).items)).toMatchObject([
			{ change: { field: 'assignee' } },
		]);
		expect(eventRequests()).toHaveLength(1);
	});

	it('drops the events of the credential’s own user when asked to', async () => {
		const project = sim.createProject('Self');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { filters: { ignoreOwnEvents: true } });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.changeTask(task.gid, 'notes', 'mine');
		sim.changeTask(task.gid, 'notes', 'theirs', sim.users.bob.gid);
		const items = jsonOf((await poll(params, staticData)).items);
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ user: { gid: sim.users.bob.gid } });
	});

	it('adds the current resource to changed events without a value, one request per resource', async () => {
		const project = sim.createProject('Current');
		const task = sim.createTask({ name: 'Before', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { options: { fetchCurrentResource: true } });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.renameTask(task.gid, 'After');
		sim.completeTask(task.gid);
		sim.resetLog();
		// Changes of plain fields: the name, the completion and its time; stories carry none.
		const items = jsonOf((await poll(params, staticData)).items).filter((item) => item.change);
		expect(items).toHaveLength(3);
		for (const item of items) expect(item.current).toMatchObject({ gid: task.gid, name: 'After' });
		expect(sim.requestLog.filter((r) => r.path.includes(`/tasks/${task.gid}`))).toHaveLength(1);
	});

	it('still emits the events of a resource that was deleted or made private since, with current: null', async () => {
		const project = sim.createProject('Gone');
		const deleted = sim.createTask({ name: 'Deleted', projectGids: [project.gid] });
		const restricted = sim.createTask({ name: 'Private', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { options: { fetchCurrentResource: true } });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.renameTask(deleted.gid, 'Renamed, then deleted');
		sim.deleteTask(deleted.gid);
		sim.renameTask(restricted.gid, 'Renamed, then private');
		sim.restrictTask(restricted.gid);
		const result = await poll(params, staticData);
		expect(result.error).toBeUndefined();
		const renames = jsonOf(result.items).filter((item) => item.action === 'changed');
		expect(renames.map((item) => [(item.resource as IDataObject).gid, item.current])).toEqual([
			[deleted.gid, null],
			[restricted.gid, null],
		]);
		expect(
			sim.requestLog
				.filter((r) => r.path.includes('/tasks/'))
				.map((r) => r.status)
				.sort(),
		).toEqual([403, 404]);
		expect((await poll(params, staticData)).items).toBeNull();
	});

	it('asks for the next page while reading one, but never for a page past the cap', async () => {
		const project = sim.createProject('Capped');
		sim.createTask({ name: 'Seed', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { options: { maxEventsPerPoll: 1000 } });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.bulkTaskEvents(project.gid, 2500);
		const requestsPerPoll: number[] = [];
		const backlogLines: string[][] = [];
		for (let i = 0; i < 3; i++) {
			sim.resetLog();
			const { logs } = await poll(params, staticData);
			requestsPerPoll.push(eventRequests().length);
			backlogLines.push(logs.filter((line) => line.includes('the rest next poll')));
		}
		expect(requestsPerPoll).toEqual([10, 10, 5]);
		// Why a poll stopped early is logged; the last poll drained the backlog.
		expect(backlogLines.map((lines) => lines.length)).toEqual([1, 1, 0]);
		expect(backlogLines[0][0]).toMatch(
			/^info Workflow "Harness", node "Asana Events Trigger": 1000 events in 10 requests, the rest next poll \(Max Events per Poll reached\)/,
		);
	});

	it('reads all of 50 streams polled in parallel, although the cap holds only 10 pages', async () => {
		const project = sim.createProject('Fifty');
		const tasks = Array.from({ length: 50 }, (_, i) =>
			sim.createTask({ name: `T${i}`, projectGids: [project.gid] }),
		);
		const params = resourceParams(
			tasks.map((t) => t.gid),
			{ options: { concurrency: 50, maxEventsPerPoll: 1000 } },
		);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		for (const task of tasks) sim.changeTask(task.gid, 'notes', 'Changed');
		sim.resetLog();
		const result = await poll(params, staticData);
		expect(jsonOf(result.items)).toHaveLength(50);
		expect(eventRequests()).toHaveLength(50);
	});

	it('emits an event that reaches two watched streams once, also when the cap splits them over polls', async () => {
		const project = sim.createProject('Both');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid, task.gid], {
			options: { maxEventsPerPoll: 1, concurrency: 1 },
		});
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.changeTask(task.gid, 'notes', 'Changed');
		sim.changeTask(task.gid, 'notes', 'Changed again');
		const perPoll: string[][] = [];
		for (let i = 0; i < 4; i++)
			perPoll.push(
				jsonOf((await poll(params, staticData)).items).map((item) => String(item.event_id)),
			);
		expect(perPoll.flat()).toHaveLength(2);
		expect(new Set(perPoll.flat()).size).toBe(2);
	});

	it('polls 20 resources five at a time, never more than 5 in flight', async () => {
		const gids = Array.from({ length: 20 }, (_, i) => sim.createProject(`P${i}`).gid);
		const params = resourceParams(gids);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.setLatency(50);
		sim.resetLog();
		const result = await poll(params, staticData);
		expect(result.error).toBeUndefined();
		expect(eventRequests()).toHaveLength(20);
		// Five at a time from the first to the last: the bench measures what that saves.
		expect(sim.counters.maxInFlight).toBe(5);
	});

	describe('overlapping polls of one trigger', () => {
		/** Runs `start` once, as soon as the `n`-th request whose path ends with `pathEnd` reaches the simulator. */
		function onRequest(pathEnd: string, n: number, start: () => void): void {
			const log = sim.requestLog;
			const push = log.push;
			let seen = 0;
			log.push = function (this: typeof log, ...entries: typeof log): number {
				const length = push.apply(this, entries);
				for (const entry of entries) if (entry.path.endsWith(pathEnd) && ++seen === n) start();
				return length;
			};
		}

		it('a poll that starts while another still waits out a 429 emits nothing and says why; every event arrives once', async () => {
			const project = sim.createProject('Overlap');
			const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
			const params = resourceParams([project.gid]);
			const staticData: IDataObject = {};
			await poll(params, staticData);
			const start = sim.eventsEmitted(project.gid);
			sim.bulkTaskEvents(project.gid, 150);
			const expected = (sim.domain.streams.get(project.gid) ?? []).slice(start);

			// A slow, rate-limiting Asana: the first poll waits out a Retry-After while the next tick comes.
			sim.setLatency(30);
			sim.injectFault({ kind: '429', path: '/events', retryAfterSec: 0.5 });
			sim.resetLog();
			let second: ReturnType<typeof poll> | undefined;
			let secondStartedAt = 0;
			onRequest('/events', 1, () => {
				secondStartedAt = Date.now();
				second = poll(params, staticData);
			});
			const firstStartedAt = Date.now();
			const first = await poll(params, staticData);
			expect(second).toBeDefined();
			const overlapping = await (second as ReturnType<typeof poll>);

			expect(first.error).toBeUndefined();
			expect(overlapping.error).toBeUndefined();
			expect(overlapping.items).toBeNull();
			const why = overlapping.logs.filter((line) => line.includes('skipped this poll'));
			expect(why).toHaveLength(1);
			expect(why[0]).toMatch(
				/^info Workflow "Harness", node "Asana Events Trigger": skipped this poll: the previous poll of this trigger, running since (\S+Z)/,
			);
			const since = Date.parse(/since (\S+Z)/.exec(why[0])?.[1] ?? '');
			expect(since).toBeGreaterThanOrEqual(firstStartedAt);
			expect(since).toBeLessThanOrEqual(secondStartedAt);
			// Only the first poll asked Asana: the 429, its retry and the second page.
			expect(eventRequests().map((r) => r.status)).toEqual([429, 200, 200]);

			const emitted = [...jsonOf(first.items), ...jsonOf(overlapping.items)];
			const identity = (e: IDataObject) =>
				JSON.stringify([e.created_at, (e.resource as IDataObject).gid, e.change]);
			expect(emitted.map(identity)).toEqual(
				expected.map((e) => identity(e as unknown as IDataObject)),
			);

			// Once the first poll has finished, the next one runs as usual.
			sim.setLatency(0);
			sim.changeTask(task.gid, 'notes', 'after the overlap');
			const next = await poll(params, staticData);
			expect(jsonOf(next.items)).toMatchObject([{ change: { field: 'notes' } }]);
		});

		it('a poll that failed does not keep the next one from running', async () => {
			const project = sim.createProject('Failing');
			const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
			const params = resourceParams([project.gid]);
			const staticData: IDataObject = {};
			await poll(params, staticData);
			sim.changeTask(task.gid, 'notes', 'pending');
			expect((await poll(params, staticData, 'not-a-real-token-123')).error?.message).toMatch(
				/401/,
			);
			expect(jsonOf((await poll(params, staticData)).items)).toHaveLength(1);
		});
	});

	it('keeps static data under 64 KB after 100,000 events', async () => {
		const project = sim.createProject('Big');
		sim.createTask({ name: 'Seed', projectGids: [project.gid] });
		// 1,000 pages in a few seconds: far more than Asana's rate, which this test is not about.
		const params = resourceParams([project.gid], {
			options: { maxEventsPerPoll: 25_000, maxRequestsPerMinute: 100_000 },
		});
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.bulkTaskEvents(project.gid, 100_000);
		let total = 0;
		for (let i = 0; i < 4; i++) total += jsonOf((await poll(params, staticData)).items).length;
		expect(total).toBe(100_000);
		expect(Buffer.byteLength(JSON.stringify(staticData))).toBeLessThan(64 * 1024);
	}, 120_000);

	it('loses no event across a restart when static data is saved only as n8n saves it', async () => {
		const project = sim.createProject('Restart');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { filters: { actions: ['changed'] } });
		const store = new PersistentStaticData();
		const emitted: IDataObject[] = [];
		const pollOnce = async (activation = false) => {
			const result = await runPoll({
				nodeType: new AsanaEventsTrigger(),
				parameters: params,
				credentials: tokenCredentials(),
				staticData: store.working,
				activation: activation ? 'activate' : 'init',
			});
			store.afterPoll(result.items, activation);
			emitted.push(...jsonOf(result.items));
			return result;
		};
		await pollOnce(true);
		sim.renameTask(task.gid, 'one');
		await pollOnce();
		// A quiet poll and a poll whose events are all filtered out: neither is saved.
		await pollOnce();
		sim.addTaskToProject(sim.createTask({ name: 'X' }).gid, project.gid);
		await pollOnce();
		sim.renameTask(task.gid, 'two');
		store.restart();
		sim.renameTask(task.gid, 'three');
		await pollOnce();
		await pollOnce();
		const names = emitted.filter((e) => e.resource).map((e) => (e.change as IDataObject).field);
		expect(names).toEqual(['name', 'name', 'name']);
		expect(emitted).toHaveLength(3);
	});

	describe('names the watched resources as Asana calls them', () => {
		it('learns a project’s type and name from its events, for gap notices and log lines', async () => {
			const project = sim.seeded.projects[0];
			const params = resourceParams([project.gid], { options: { onExpiredSyncToken: 'notify' } });
			const staticData: IDataObject = {};
			await poll(params, staticData);
			sim.addTaskToProject(sim.createTask({ name: 'New task' }).gid, project.gid);
			// The task's arrival, and the story Asana writes for it.
			expect(jsonOf((await poll(params, staticData)).items)).toHaveLength(2);
			const label = `project “Website relaunch” (${project.gid})`;

			sim.expireSyncTokens();
			const gap = jsonOf((await poll(params, staticData)).items);
			expect(gap).toHaveLength(1);
			expect(String(gap[0].message)).toContain(`sync token of ${label} `);

			// Last: the credential asks Asana nothing more until the Retry-After has passed.
			sim.injectFault({ kind: '429', path: '/events', retryAfterSec: 120 });
			const deferred = await poll(params, staticData);
			expect(deferred.logs.filter((line) => line.includes('the rest next poll'))).toEqual([
				expect.stringMatching(
					new RegExp(
						`^info Workflow "Harness", node "Asana Events Trigger": 0 events in 1 requests, the rest next poll: ${label.replace(/[()]/g, '\\$&')}: `,
					),
				),
			]);
		});

		it('names a resource picked from the list by its name before any event', async () => {
			const picked = {
				__rl: true,
				mode: 'list',
				value: '999999999',
				cachedResultName: 'Project: Old plans',
				cachedResultUrl: `https://app.asana.com/1/${sim.workspaceGid}/project/999999999`,
			};
			const params: INodeParameters = {
				authentication: 'accessToken',
				source: 'resources',
				resources: { items: [{ resource: picked }] },
			};
			const result = await poll(params, {});
			expect(result.error?.message).toMatch(
				/^Projects, Tasks or Goals › project “Old plans” \(999999999\): Asana 404/,
			);
		});
	});

	describe('errors name the parameter and the fix', () => {
		it.each([
			['a malformed id', () => resourceParams(['12ab']), /Projects, Tasks or Goals › item 1/],
			[
				'an empty resource list',
				() => resourceParams([]),
				/Projects, Tasks or Goals: the list is empty/,
			],
			['a non-Asana URL', () => resourceParams(['https://example.com/0/1/2']), /not an Asana URL/],
			[
				'a bad user id filter',
				() => resourceParams(['1'], { filters: { ignoredUserGids: 'bob' } }),
				/Ignore Events by User Names or IDs/,
			],
			[
				'concurrency over 50',
				() => resourceParams(['1'], { options: { concurrency: 80 } }),
				/Concurrency/,
			],
		])('refuses %s before any request', async (_label, params, message) => {
			const staticData: IDataObject = {};
			const result = await poll(params(), staticData);
			expect(result.error?.message).toMatch(message);
			expect(sim.requestLog).toHaveLength(0);
			expect(staticData).toEqual({});
		});

		it('reports an unknown resource with its place in the list', async () => {
			const project = sim.createProject('Known');
			const result = await poll(resourceParams([project.gid, '999999999']), {});
			expect(result.error?.message).toMatch(/Projects, Tasks or Goals › resource 999999999/);
			expect(result.error?.message).toMatch(/404/);
		});

		it('reads the other resources while one fails, telling of it at once and then once an hour', async () => {
			simulateDate(Date.parse('2026-03-02T09:00:00.000Z'));
			const project = sim.createProject('Known');
			const task = sim.createTask({ name: 'Flowing', projectGids: [project.gid] });
			const params = resourceParams([project.gid, '999999999']);
			const staticData: IDataObject = {};
			expect((await poll(params, staticData)).error?.message).toMatch(
				/Projects, Tasks or Goals › resource 999999999: Asana 404/,
			);
			const flowing: string[] = [];
			for (let minute = 1; minute < 60; minute++) {
				simulateDate(Date.now() + 60_000);
				sim.changeTask(task.gid, 'name', `Minute ${minute}`);
				const next = await poll(params, staticData);
				expect(next.error).toBeUndefined();
				for (const item of next.items?.[0] ?? [])
					if ((item.json.resource as IDataObject).resource_type === 'task')
						flowing.push(String(item.json.summary));
			}
			expect(flowing).toHaveLength(59);
			simulateDate(Date.now() + 60_000);
			const hourly = await poll(params, staticData);
			expect(hourly.error?.message).toMatch(
				/Projects, Tasks or Goals › resource 999999999: Asana 404/,
			);
			expect(String((hourly.error as { description?: string }).description)).toMatch(
				/The other 1 stream\(s\) are read and emitted as usual/,
			);
			sim.changeTask(task.gid, 'name', 'After the report');
			simulateDate(Date.now() + 60_000);
			const after = await poll(params, staticData);
			expect(after.error).toBeUndefined();
			expect(JSON.stringify(after.items)).toContain('After the report');
		});

		it('reports a resource type Asana has no events for', async () => {
			const result = await poll(resourceParams([sim.users.bob.gid]), {});
			expect(result.error?.message).toMatch(/400/);
		});

		it('refuses workspace events without a service account, saying what is needed', async () => {
			const result = await poll(
				{
					authentication: 'accessToken',
					source: 'workspace',
					workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
				},
				{},
			);
			expect(result.error?.message).toMatch(/403/);
			expect(String((result.error as { description?: string }).description)).toMatch(
				/service account/,
			);
		});

		it('refuses a revoked token without leaking it', async () => {
			const result = await poll(resourceParams(['1']), {}, 'not-a-real-token-123');
			expect(result.error?.message).toMatch(/401/);
			expect(JSON.stringify({ ...result.error, message: result.error?.message })).not.toContain(
				'not-a-real-token-123',
			);
		});
	});

	describe('Fetch Test Event', () => {
		it('returns real events that happen while it waits, without touching stored cursors', async () => {
			const project = sim.createProject('Manual');
			const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
			const params = resourceParams([project.gid], {
				filters: { ignoreOwnEvents: true },
				options: { testEventWaitSeconds: 10 },
			});
			const staticData: IDataObject = {};
			const quiet = { ...params, options: { testEventWaitSeconds: 1 } };
			const untouched = await poll(quiet, staticData, undefined, 'manual');
			expect(untouched.error?.message).toMatch(/No new Asana events/);
			expect(staticData).toEqual({});

			await poll(params, staticData);
			const before = JSON.stringify(staticData);
			const pending = poll(params, staticData, undefined, 'manual');
			setTimeout(() => sim.renameTask(task.gid, 'now', sim.users.bob.gid), 300);
			const result = await pending;
			expect(jsonOf(result.items)[0]).toMatchObject({
				action: 'changed',
				resource: { gid: task.gid },
			});
			expect(JSON.stringify(staticData)).toBe(before);
		});

		it('explains what to do when nothing happens', async () => {
			const project = sim.createProject('Quiet');
			const params = resourceParams([project.gid], { options: { testEventWaitSeconds: 1 } });
			const result = await poll(params, {}, undefined, 'manual');
			expect(result.error?.message).toMatch(/No new Asana events/);
			expect(String((result.error as { description?: string }).description)).toMatch(
				/make a change in Asana/,
			);
		});
	});
});
