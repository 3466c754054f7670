import { createHash } from 'crypto';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { runPoll } from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function params(extra: INodeParameters = {}): INodeParameters {
	return { workspace: { __rl: true, mode: 'id', value: sim.workspaceGid }, start: 'now', ...extra };
}

async function poll(
	parameters: INodeParameters,
	staticData: IDataObject,
	token = sim.tokens.serviceAccount,
	mode: 'trigger' | 'manual' = 'trigger',
) {
	return await runPoll({
		nodeType: new AsanaAuditLogTrigger(),
		parameters,
		credentials: { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } },
		staticData,
		mode,
		// A manual run sees static data itself: whatever it writes shows, as it would in n8n's memory.
		manualWritesThrough: true,
	});
}

const gidsOf = (items: INodeExecutionData[][] | null) =>
	(items?.[0] ?? []).map((i) => i.json.gid as string);
const auditRequests = () => sim.requestLog.filter((r) => r.path.endsWith('/audit_log_events'));

describe('Asana Audit Log Trigger', () => {
	it('"From now" emits nothing at first, then each later event exactly once', async () => {
		sim.generateAuditEvents(20, { from: Date.now() - HOUR, to: Date.now() - 1000 });
		const staticData: IDataObject = {};
		const first = await poll(params(), staticData);
		expect(first.error).toBeUndefined();
		expect(first.items).toBeNull();
		const a = sim.addAuditEvent({ event_type: 'user_login_failed' });
		const b = sim.addAuditEvent({ event_type: 'project_exported' });
		expect(gidsOf((await poll(params(), staticData)).items)).toEqual([a.gid, b.gid]);
		expect((await poll(params(), staticData)).items).toBeNull();
		const c = sim.addAuditEvent();
		expect(gidsOf((await poll(params(), staticData)).items)).toEqual([c.gid]);
		for (const request of auditRequests()) expect(request.query.limit).toBe('100');
	});

	it('"Look back" emits the backfill oldest first across polls within the cap, with pages + 1 requests', async () => {
		const events = sim.generateAuditEvents(250, {
			from: Date.now() - 10 * HOUR,
			to: Date.now() - HOUR,
		});
		sim.generateAuditEvents(5, { from: Date.now() - 30 * HOUR, to: Date.now() - 25 * HOUR });
		const parameters = params({
			start: 'lookBack',
			lookBackDays: 1,
			options: { maxEventsPerPoll: 100 },
		});
		const staticData: IDataObject = {};
		const emitted: string[] = [];
		const perPoll: number[] = [];
		const requestsPerPoll: number[] = [];
		const backlogLogged: boolean[] = [];
		for (let i = 0; i < 4; i++) {
			sim.resetLog();
			const result = await poll(parameters, staticData);
			emitted.push(...gidsOf(result.items));
			perPoll.push(gidsOf(result.items).length);
			requestsPerPoll.push(auditRequests().length);
			backlogLogged.push(
				result.logs.some((line) =>
					/100 audit events in 1 requests, the rest next poll \(Max Events per Poll reached\)/.test(
						line,
					),
				),
			);
		}
		expect(perPoll).toEqual([100, 100, 50, 0]);
		expect(backlogLogged).toEqual([true, true, false, false]);
		expect(emitted).toEqual(events.map((e) => e.gid));
		// Polls 1-2 stop at the cap after one page; poll 3 reads a page then the empty page that ends the drain.
		expect(requestsPerPoll).toEqual([1, 1, 2, 1]);
	});

	it('ends a drain on empty data although next_page stays, and resumes from that offset', async () => {
		sim.generateAuditEvents(3, { from: Date.now() - HOUR, to: Date.now() - 1000 });
		const parameters = params({ start: 'lookBack', lookBackDays: 1 });
		const staticData: IDataObject = {};
		sim.resetLog();
		expect(gidsOf((await poll(parameters, staticData)).items)).toHaveLength(3);
		const requests = auditRequests();
		expect(requests).toHaveLength(2);
		sim.resetLog();
		const later = sim.addAuditEvent();
		expect(gidsOf((await poll(parameters, staticData)).items)).toEqual([later.gid]);
		// The offset is only valid with the query that produced it, start_at included.
		expect(auditRequests()[0].query.offset).toEqual(expect.any(String));
		expect(auditRequests()[0].query.start_at).toBe(requests[0].query.start_at);
	});

	it('resumes from the last created_at when the offset expired, losing and repeating nothing', async () => {
		// The first poll stops mid-page at the cap, holding the offset of the page before.
		const first = sim.generateAuditEvents(220, {
			from: Date.now() - 2 * HOUR,
			to: Date.now() - HOUR,
		});
		const parameters = params({
			start: 'lookBack',
			lookBackDays: 1,
			options: { maxEventsPerPoll: 150 },
		});
		const staticData: IDataObject = {};
		const emitted = gidsOf((await poll(parameters, staticData)).items);
		expect(emitted).toHaveLength(150);
		sim.expireAuditOffsets();
		const more = sim.generateAuditEvents(10, { from: Date.now() - 1000, to: Date.now() });
		sim.resetLog();
		for (let i = 0; i < 2; i++) emitted.push(...gidsOf((await poll(parameters, staticData)).items));
		expect(emitted).toEqual([...first, ...more].map((e) => e.gid));
		const [refused, restart] = auditRequests();
		expect(refused.status).toBe(400);
		expect(restart.query.offset).toBeUndefined();
		expect(restart.query.start_at).toBe(first[149].created_at);
	});

	it('starts a new stream when a filter changes, and sends server-side filters as query parameters', async () => {
		const staticData: IDataObject = {};
		await poll(params(), staticData);
		const before = JSON.stringify(staticData);
		const filtered = params({
			filters: {
				eventTypes: ['user_login_failed'],
				actorGid: sim.users.bob.gid,
				resourceGid: '1200000000000123',
			},
		});
		sim.resetLog();
		await poll(filtered, staticData);
		expect(JSON.stringify(staticData)).not.toBe(before);
		expect(auditRequests()[0].query).toMatchObject({
			event_type: 'user_login_failed',
			actor_gid: sim.users.bob.gid,
			resource_gid: '1200000000000123',
			limit: '100',
		});
		const byType = params({
			filters: {
				actorType: 'user',
				eventTypes: ['user_login_failed', 'task_deleted'],
				categories: ['logins'],
			},
		});
		sim.resetLog();
		await poll(byType, {});
		expect(auditRequests()[0].query.actor_type).toBe('user');
		expect(auditRequests()[0].query.event_type).toBeUndefined();
	});

	it('applies several event types and categories in the node', async () => {
		const parameters = params({
			filters: { eventTypes: ['user_login_failed', 'task_deleted'], categories: ['deletion'] },
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.addAuditEvent({ event_type: 'user_login_failed' });
		const deleted = sim.addAuditEvent({ event_type: 'task_deleted' });
		sim.addAuditEvent({ event_type: 'project_exported' });
		expect(gidsOf((await poll(parameters, staticData)).items)).toEqual([deleted.gid]);
	});

	it('Max Events per Poll counts the items a poll emits, after the node’s filters', async () => {
		const parameters = params({
			filters: { categories: ['logins'] },
			options: { maxEventsPerPoll: 4 },
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		const events = Array.from({ length: 30 }, (_, i) =>
			sim.addAuditEvent({ event_type: i % 2 ? 'user_login_succeeded' : 'project_exported' }),
		);
		const logins = events.filter((event) => event.event_category === 'logins');
		expect(logins).toHaveLength(15);
		const perPoll: string[][] = [];
		for (let i = 0; i < 5; i++) perPoll.push(gidsOf((await poll(parameters, staticData)).items));
		expect(perPoll.map((gids) => gids.length)).toEqual([4, 4, 4, 3, 0]);
		expect(perPoll.flat()).toEqual(logins.map((e) => e.gid));
	});

	it('simplifies events for chat and routing by default', async () => {
		const parameters = params();
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.addAuditEvent({
			event_type: 'file_downloaded',
			resource: { resource_type: 'attachment', gid: '77', name: 'Q3.pdf' },
		});
		const [item] = (await poll(parameters, staticData)).items?.[0] ?? [];
		expect(item.json).toMatchObject({
			event_type: 'file_downloaded',
			category: 'content_export',
			actor: { type: 'user', name: 'Alice Admin', email: 'alice@acme.test' },
			resource: { type: 'attachment', name: 'Q3.pdf', gid: '77' },
			ip: '10.0.0.1',
		});
		expect(item.json.summary).toBe(
			'Alice Admin (alice@acme.test): file downloaded — attachment "Q3.pdf" from 10.0.0.1',
		);
	});

	it('backfills 50,000 events with a cap of 1000: every gid exactly once, static data under 64 KB', async () => {
		const events = sim.generateAuditEvents(50_000, {
			from: Date.now() - 80 * 24 * HOUR,
			to: Date.now() - HOUR,
		});
		const parameters = params({ start: 'lookBack', lookBackDays: 90 });
		const staticData: IDataObject = {};
		const seen = new Map<string, number>();
		let polls = 0;
		let largest = 0;
		for (;;) {
			const result = await poll(parameters, staticData);
			polls++;
			const gids = gidsOf(result.items);
			expect(gids.length).toBeLessThanOrEqual(1000);
			for (const gid of gids) seen.set(gid, (seen.get(gid) ?? 0) + 1);
			largest = Math.max(largest, Buffer.byteLength(JSON.stringify(staticData)));
			if (!gids.length) break;
		}
		expect(polls).toBe(51);
		expect(seen.size).toBe(events.length);
		expect([...seen.values()].every((count) => count === 1)).toBe(true);
		expect(largest).toBeLessThan(64 * 1024);
	}, 120_000);

	describe('errors name the parameter and the fix', () => {
		it('refuses a personal token with the service-account explanation', async () => {
			const result = await poll(params(), {}, sim.tokens.alice);
			expect(result.error?.message).toMatch(/403/);
			expect((result.error as { description?: string }).description).toMatch(
				/service account token of an Enterprise\+/,
			);
			expect((result.error as { description?: string }).description).toMatch(
				/Admin console → Apps → Service accounts/,
			);
		});

		it('names an unknown workspace, by the name it had in the list where picked from it', async () => {
			const byId = await poll(
				params({ workspace: { __rl: true, mode: 'id', value: '31337' } }),
				{},
			);
			expect(byId.error?.message).toMatch(/^Workspace 31337: Asana 404/);
			const picked = await poll(
				params({
					workspace: { __rl: true, mode: 'list', value: '31337', cachedResultName: 'Globex' },
				}),
				{},
			);
			expect(picked.error?.message).toMatch(/^Workspace “Globex” \(31337\): Asana 404/);
		});

		it('names the filter Asana rejects', async () => {
			// An expression can put any text into Actor Type; Asana answers 400 on it.
			const result = await poll(params({ filters: { actorType: 'robot' } }), {});
			expect(result.error?.message).toMatch(/Asana 400 .*actor_type: Must be one of/);
			expect((result.error as { description?: string }).description).toMatch(
				/Asana rejected Filters › Actor Type \(sent as actor_type\)\. Correct Filters › Actor Type on this node, or clear it\./,
			);
		});

		it('checks dates, ids and ranges before asking Asana', async () => {
			const result = await poll(
				params({
					filters: { otherEventTypes: 'user_login_failed' },
					start: 'fromDate',
					fromDate: 'yesterday',
				}),
				{},
			);
			expect(result.error?.message).toMatch(/From Date: "yesterday" is not a date/);
			const badActor = await poll(params({ filters: { actorGid: 'bob' } }), {});
			expect(badActor.error?.message).toMatch(/Filters › Actor ID: "bob" is not an Asana ID/);
			const badLook = await poll(params({ start: 'lookBack', lookBackDays: 120 }), {});
			expect(badLook.error?.message).toMatch(/Look Back \(Days\): 120 is out of range/);
			expect(sim.requestLog).toHaveLength(0);
		});
	});

	describe('Fetch Test Event', () => {
		it('returns the newest matching events of the last day and leaves the active stream as it was', async () => {
			const events = sim.generateAuditEvents(30, {
				from: Date.now() - 5 * HOUR,
				to: Date.now() - HOUR,
			});
			const parameters = params({
				start: 'lookBack',
				lookBackDays: 1,
				options: { maxEventsPerPoll: 10 },
			});
			const staticData: IDataObject = {};
			expect(gidsOf((await poll(parameters, staticData)).items)).toEqual(
				events.slice(0, 10).map((e) => e.gid),
			);
			const stored = JSON.stringify(staticData);
			sim.resetLog();
			const result = await poll(parameters, staticData, undefined, 'manual');
			expect(gidsOf(result.items)).toEqual(events.slice(-5).map((e) => e.gid));
			expect(auditRequests()[0].query.offset).toBeUndefined();
			expect(JSON.stringify(staticData)).toBe(stored);
			// The active stream goes on where it was.
			expect(gidsOf((await poll(parameters, staticData)).items)).toEqual(
				events.slice(10, 20).map((e) => e.gid),
			);
		});

		it('says so and suggests widening the filters when nothing matches', async () => {
			const result = await poll(
				params({ filters: { eventTypes: ['team_deleted'] } }),
				{},
				undefined,
				'manual',
			);
			expect(result.error?.message).toMatch(/No audit log events in the last 24 hours/);
			expect((result.error as { description?: string }).description).toMatch(
				/Widen or clear the filters/,
			);
		});
	});
	describe('polls that overlap', () => {
		/** Resolves once `condition` holds, checking every 20 ms. */
		async function until(condition: () => boolean): Promise<void> {
			while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
		}

		it('a poll that starts while another of the same trigger runs emits nothing, writes nothing and says why', async () => {
			const events = sim.generateAuditEvents(250, {
				from: Date.now() - 3 * HOUR,
				to: Date.now() - HOUR,
			});
			const parameters = params({
				workspace: {
					__rl: true,
					mode: 'list',
					value: sim.workspaceGid,
					cachedResultName: 'Acme Corp',
				},
				start: 'lookBack',
				lookBackDays: 1,
			});
			const staticData: IDataObject = {};
			// Asana rate-limits the first request for 2 s and then answers slowly: the first poll
			// is still at work when the schedule starts the next one.
			sim.injectFault({ kind: '429', path: '/audit_log_events', retryAfterSec: 2 });
			sim.injectFault({ kind: 'slow', path: '/audit_log_events', delayMs: 300, times: 3 });
			const started = Date.now();
			const first = poll(parameters, staticData);
			await until(() => auditRequests().some((request) => request.status === 429));

			const stored = JSON.stringify(staticData);
			const second = await poll(parameters, staticData);
			expect(second.error).toBeUndefined();
			expect(second.items).toBeNull();
			expect(JSON.stringify(staticData)).toBe(stored);
			const skipped = second.logs.filter((line) => /skipped/.test(line));
			expect(skipped).toHaveLength(1);
			expect(skipped[0]).toMatch(
				/^info Workflow "Harness", node "Asana Audit Log Trigger": skipped this poll: the previous poll of this trigger, running since (\S+) \(\d+ s\), still works on its cursor; the next poll continues where that one ends/,
			);
			const since = Date.parse(/running since (\S+) /.exec(skipped[0])?.[1] ?? '');
			expect(since).toBeGreaterThanOrEqual(started - 1000);
			expect(since).toBeLessThanOrEqual(Date.now());

			const emitted = gidsOf((await first).items);
			expect(emitted).toEqual(events.map((e) => e.gid));
			// The lock is gone with the poll that held it: the next poll runs as usual.
			expect((await poll(parameters, staticData)).items).toBeNull();
			const later = sim.addAuditEvent();
			const next = await poll(parameters, staticData);
			expect(gidsOf(next.items)).toEqual([later.gid]);
			expect(next.logs.filter((line) => /skipped/.test(line))).toEqual([]);
		});

		it('a poll that fails releases the lock', async () => {
			const parameters = params({ start: 'lookBack', lookBackDays: 1 });
			const staticData: IDataObject = {};
			const failed = await poll(parameters, staticData, sim.tokens.alice);
			expect(failed.error?.message).toMatch(/Asana 403/);
			const event = sim.addAuditEvent();
			expect(gidsOf((await poll(parameters, staticData)).items)).toEqual([event.gid]);
		});
	});

	describe('the time budget follows Poll Times', () => {
		it('a 10-second schedule stops fetching after about 6 s and leaves the backlog to the next polls', async () => {
			const events = sim.generateAuditEvents(3000, {
				from: Date.now() - 10 * HOUR,
				to: Date.now() - HOUR,
			});
			const parameters = params({
				pollTimes: { item: [{ mode: 'custom', cronExpression: '0,10,20,30,40,50 * * * * *' }] },
				start: 'lookBack',
				lookBackDays: 1,
				options: { maxEventsPerPoll: 100_000 },
			});
			const staticData: IDataObject = {};
			// 30 pages at 400 ms each: 12 s, longer than the 10 s to the next poll.
			sim.setLatency(400);
			const started = Date.now();
			const first = await poll(parameters, staticData);
			const took = Date.now() - started;
			expect(first.error).toBeUndefined();
			const lastRequest = Math.max(...auditRequests().map((request) => request.startedAt));
			expect(lastRequest - started).toBeLessThan(6_000);
			expect(took).toBeGreaterThan(5_000);
			// Done before the next tick, 10 s after this one (the margin is for a loaded machine).
			expect(took).toBeLessThan(9_000);
			const emitted = gidsOf(first.items);
			expect(emitted.length).toBeGreaterThan(0);
			expect(emitted.length).toBeLessThan(events.length);
			expect(first.logs.some((line) => /the rest next poll/.test(line))).toBe(true);

			sim.setLatency(0);
			for (let i = 0; i < 5; i++) {
				const items = gidsOf((await poll(parameters, staticData)).items);
				if (!items.length) break;
				emitted.push(...items);
			}
			expect(emitted).toEqual(events.map((e) => e.gid));
		}, 30_000);
	});

	describe('upgrading from 0.1', () => {
		/** The stream fingerprint as 0.1 computed it: workflows store it, so it must not change. */
		const key01 = (start: string, startConfig: unknown) =>
			createHash('sha256')
				.update(
					JSON.stringify([
						sim.workspaceGid,
						{},
						{ eventTypes: [], categories: [] },
						start,
						startConfig,
					]),
				)
				.digest('base64url')
				.slice(0, 16);

		it('a From Now stream goes on from where 0.1 left it', async () => {
			const before = sim.generateAuditEvents(5, {
				from: Date.now() - 2 * HOUR,
				to: Date.now() - HOUR,
			});
			// 0.1 activated half an hour ago: its first poll stored where the stream starts.
			const activatedAt = new Date(Date.now() - HOUR / 2).toISOString();
			const staticData: IDataObject = {
				auditTrigger: {
					version: 1,
					key: key01('now', ''),
					cursor: { resumeAt: activatedAt, recent: [] },
				},
			};
			const since = sim.generateAuditEvents(3, { from: Date.now() - HOUR / 4, to: Date.now() });
			const upgraded = await poll(params(), staticData);
			expect(upgraded.error).toBeUndefined();
			expect(gidsOf(upgraded.items)).toEqual(since.map((e) => e.gid));
			expect(gidsOf(upgraded.items)).not.toContain(before[4].gid);
			expect(staticData.auditTrigger).toMatchObject({
				version: 2,
				stream: { key: key01('now', '') },
			});
			expect((await poll(params(), staticData)).items).toBeNull();
		});

		it('a backfill 0.1 cut at Max Events per Poll goes on with the next event, none repeated', async () => {
			const events = sim.generateAuditEvents(250, {
				from: Date.now() - 3 * HOUR,
				to: Date.now() - HOUR,
			});
			// What 0.1 stored after a poll capped at 150: the offset after the first page, with
			// the query that produced it, and the gids it emitted.
			const startAt = new Date(Date.now() - DAY).toISOString();
			const response = await fetch(
				`${sim.baseUrl}/workspaces/${sim.workspaceGid}/audit_log_events?start_at=${encodeURIComponent(startAt)}&limit=100`,
				{ headers: { Authorization: `Bearer ${sim.tokens.serviceAccount}` } },
			);
			const page = (await response.json()) as { next_page: { offset: string } };
			const staticData: IDataObject = {
				auditTrigger: {
					version: 1,
					key: key01('lookBack', 1),
					cursor: {
						offset: page.next_page.offset,
						offsetStartAt: startAt,
						resumeAt: events[149].created_at,
						recent: events.slice(0, 150).map((e) => e.gid),
					},
				},
			};
			const parameters = params({ start: 'lookBack', lookBackDays: 1 });
			sim.resetLog();
			const upgraded = await poll(parameters, staticData);
			expect(upgraded.error).toBeUndefined();
			expect(gidsOf(upgraded.items)).toEqual(events.slice(150).map((e) => e.gid));
			expect(auditRequests()[0].query).toMatchObject({
				offset: page.next_page.offset,
				start_at: startAt,
			});
			expect((await poll(parameters, staticData)).items).toBeNull();
		});

		it('a state of an unknown version starts a new stream', async () => {
			sim.generateAuditEvents(3, { from: Date.now() - HOUR, to: Date.now() - 1000 });
			const staticData: IDataObject = {
				auditTrigger: { version: 99, stream: { key: key01('now', ''), cursor: {} } },
			};
			expect((await poll(params(), staticData)).items).toBeNull();
			expect(staticData.auditTrigger).toMatchObject({ version: 2 });
			const event = sim.addAuditEvent();
			expect(gidsOf((await poll(params(), staticData)).items)).toEqual([event.gid]);
		});
	});
});
