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

	it('simplifies events for chat and routing', async () => {
		const parameters = params({ options: { simplify: true } });
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

		it('names an unknown workspace', async () => {
			const result = await poll(
				params({ workspace: { __rl: true, mode: 'id', value: '31337' } }),
				{},
			);
			expect(result.error?.message).toMatch(/Workspace 31337: Asana 404/);
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
		it('returns the newest matching events of the last day without a cursor', async () => {
			const events = sim.generateAuditEvents(30, {
				from: Date.now() - 5 * HOUR,
				to: Date.now() - HOUR,
			});
			const staticData: IDataObject = {};
			const result = await poll(params(), staticData, undefined, 'manual');
			expect(gidsOf(result.items)).toEqual(events.slice(-5).map((e) => e.gid));
			expect(staticData).toEqual({});
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
});
