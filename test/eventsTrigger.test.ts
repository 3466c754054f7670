import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { readState } from '../nodes/shared/events/streamPoll';
import { PersistentStaticData, runPoll } from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;

beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
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
		const state = readState(first.staticData);
		expect(Object.keys(state.streams).sort()).toEqual(
			[`resource:${project.gid}`, `resource:${task.gid}`].sort(),
		);
		for (const stream of Object.values(state.streams))
			expect(stream.sync).toMatch(/^[0-9a-f]{32}:\d+$/);

		sim.renameTask(task.gid, 'Write better copy');
		const second = await poll(params, first.staticData);
		const items = jsonOf(second.items);
		// The change reaches the task's own stream and, bubbling up, the project's stream.
		expect(items).toHaveLength(2);
		expect(items.map((i) => (i.stream as IDataObject).gid).sort()).toEqual(
			[project.gid, task.gid].sort(),
		);
		for (const item of items) {
			expect(item).toMatchObject({
				action: 'changed',
				resource: { gid: task.gid, resource_type: 'task' },
				change: { field: 'name', action: 'changed' },
				user: { gid: sim.users.alice.gid, name: sim.users.alice.name },
			});
		}

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
			const params = resourceParams([project.gid], { onExpiredSyncToken });
			const staticData: IDataObject = {};
			await poll(params, staticData);
			const before = readState(staticData).streams[`resource:${project.gid}`];
			sim.renameTask(task.gid, 'lost in the gap');
			sim.expireSyncTokens();
			const result = await poll(params, staticData);
			const after = readState(result.staticData).streams[`resource:${project.gid}`];
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

			sim.renameTask(task.gid, 'after the gap');
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
		const tokenBefore = readState(staticData).streams[`resource:${project.gid}`].sync;
		sim.completeTask(task.gid);
		sim.assignTask(task.gid, sim.users.bob.gid);
		const first = await poll(params, staticData);
		expect(jsonOf(first.items)).toHaveLength(2);

		// Asana answers the same token with the same page: rewind the cursor to ask again.
		readState(staticData).streams[`resource:${project.gid}`].sync = tokenBefore;
		const again = await poll(params, staticData);
		expect(again.items).toBeNull();
	});

	it('emits both of two identical events, also when the cap falls between them, and a repeated page of them not at all', async () => {
		const project = sim.createProject('Twins');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { options: { maxEventsPerPoll: 1 } });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const tokenBefore = readState(staticData).streams[`resource:${project.gid}`].sync;
		sim.renameTask(task.gid, 'Renamed');
		sim.twinLastTaskEvent(task.gid);

		const perPoll: number[] = [];
		for (let i = 0; i < 3; i++) perPoll.push(jsonOf((await poll(params, staticData)).items).length);
		expect(perPoll).toEqual([1, 1, 0]);

		readState(staticData).streams[`resource:${project.gid}`].sync = tokenBefore;
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
		expect(items.map((i) => [i.action, (i.user as IDataObject | null)?.gid ?? null])).toEqual([
			['changed', sim.users.alice.gid],
			['changed', null],
		]);
		expect(String(eventRequests()[0].query.sync)).toContain(':');

		const fieldParams = resourceParams([project.gid], { filters: { changedFields: 'assignee' } });
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
	});

	it('drops the events of the credential’s own user when asked to', async () => {
		const project = sim.createProject('Self');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { filters: { ignoreOwnEvents: true } });
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.renameTask(task.gid, 'mine');
		sim.renameTask(task.gid, 'theirs', sim.users.bob.gid);
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
		const items = jsonOf((await poll(params, staticData)).items);
		expect(items).toHaveLength(2);
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
			/^info Asana Events Trigger: 1000 events in 10 requests, the rest next poll \(Max Events per Poll reached\)/,
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
		for (const task of tasks) sim.renameTask(task.gid, 'Renamed');
		sim.resetLog();
		const result = await poll(params, staticData);
		expect(jsonOf(result.items)).toHaveLength(50);
		expect(eventRequests()).toHaveLength(50);
	});

	it('emits an event that reaches two watched streams once per stream, also when the cap splits them over polls', async () => {
		const project = sim.createProject('Both');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const params = resourceParams([project.gid, task.gid], {
			options: { maxEventsPerPoll: 1, concurrency: 1 },
		});
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.renameTask(task.gid, 'Renamed');
		const perPoll: string[][] = [];
		for (let i = 0; i < 3; i++)
			perPoll.push(
				jsonOf((await poll(params, staticData)).items).map(
					(item) => (item.stream as IDataObject).gid as string,
				),
			);
		expect(perPoll.map((gids) => gids.length)).toEqual([1, 1, 0]);
		expect(perPoll.flat().sort()).toEqual([project.gid, task.gid].sort());
	});

	it('polls 20 resources in about ⌈20/5⌉ round trips, never more than 5 in flight', async () => {
		const gids = Array.from({ length: 20 }, (_, i) => sim.createProject(`P${i}`).gid);
		const params = resourceParams(gids);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.setLatency(50);
		sim.resetLog();
		const started = Date.now();
		const result = await poll(params, staticData);
		const elapsed = Date.now() - started;
		expect(result.error).toBeUndefined();
		expect(eventRequests()).toHaveLength(20);
		expect(sim.counters.maxInFlight).toBe(5);
		// 4 rounds of 50 ms; generous headroom for a loaded machine, far below 20 sequential trips.
		expect(elapsed).toBeLessThan(4 * 50 * 2.5);
	});

	it('keeps static data under 64 KB after 100,000 events', async () => {
		const project = sim.createProject('Big');
		sim.createTask({ name: 'Seed', projectGids: [project.gid] });
		const params = resourceParams([project.gid], { options: { maxEventsPerPoll: 25_000 } });
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

	describe('errors name the parameter and the fix', () => {
		it.each([
			['a malformed id', () => resourceParams(['12ab']), /Resources › item 1/],
			['an empty resource list', () => resourceParams([]), /Resources: the list is empty/],
			['a non-Asana URL', () => resourceParams(['https://example.com/0/1/2']), /not an Asana URL/],
			[
				'a bad user id filter',
				() => resourceParams(['1'], { filters: { ignoredUserGids: 'bob' } }),
				/Ignore Events by User IDs/,
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
			expect(result.error?.message).toMatch(/Resources › resource 999999999/);
			expect(result.error?.message).toMatch(/404/);
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
			const params = resourceParams([project.gid], { options: { testEventWaitSeconds: 10 } });
			const staticData: IDataObject = {};
			const pending = poll(params, staticData, undefined, 'manual');
			setTimeout(() => sim.renameTask(task.gid, 'now'), 300);
			const result = await pending;
			expect(jsonOf(result.items)[0]).toMatchObject({
				action: 'changed',
				resource: { gid: task.gid },
			});
			expect(staticData).toEqual({});
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
