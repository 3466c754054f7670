/**
 * The cursor logic shared by triggers and action nodes, run directly over a scripted
 * transport: the exact requests made and the cursor after each outcome, without n8n or
 * HTTP. (The same logic runs over real HTTP through n8n-core in the node suites.)
 */
import { drainAuditLog, type AuditCursor } from '../nodes/shared/audit/auditStream';
import { eventKey } from '../nodes/shared/events/eventKey';
import { drainStream } from '../nodes/shared/events/eventStream';
import { DrainBudget } from '../nodes/shared/polling/drainBudget';
import type {
	AsanaReply,
	AsanaTransport,
	Query,
	RequestOptions,
} from '../nodes/shared/asana/transport';
import type { AsanaEvent, AuditLogEvent, StreamTarget } from '../nodes/shared/asana/types';

type Answer = { status: number; body: unknown } | { deferred: string };

/** Answers each request from `script`; refuses statuses the caller did not accept, as the transport does. */
class ScriptedAsana implements AsanaTransport {
	readonly requests: Array<{ path: string; query: Query }> = [];
	constructor(private readonly script: (path: string, query: Query) => Answer) {}

	async get<T>(
		path: string,
		query: Query = {},
		options: RequestOptions = {},
	): Promise<AsanaReply<T>> {
		this.requests.push({ path, query: { ...query } });
		const answer = this.script(path, query);
		if ('deferred' in answer) return { kind: 'deferred', reason: answer.deferred };
		if (answer.status >= 300 && !options.accept?.(answer.status, answer.body)) {
			throw new Error(`Asana ${answer.status}`);
		}
		return { kind: 'ok', status: answer.status, body: answer.body as T };
	}
}

const openBudget = () => new DrainBudget(1000, Number.POSITIVE_INFINITY);

describe('drainAuditLog', () => {
	const log: AuditLogEvent[] = Array.from({ length: 250 }, (_, i) => ({
		gid: String(5000 + i),
		created_at: new Date(Date.UTC(2026, 10, 20, 0, 0, i)).toISOString(),
		event_type: i % 2 ? 'user_login_succeeded' : 'project_exported',
		event_category: i % 2 ? 'logins' : 'exports',
		actor: { actor_type: 'user', gid: '42' },
		resource: { gid: '7' },
	}));
	const noFilters = { server: {}, client: { eventTypes: [], categories: [] } };
	const begin: AuditCursor = { resumeAt: log[0].created_at, recent: [] };

	/** Offsets are positions in `log`; an offset is refused while `refuse` says so. */
	function auditLog(refuse: (offset: string) => boolean = () => false) {
		return new ScriptedAsana((_path, query) => {
			if (query.offset !== undefined && refuse(String(query.offset))) {
				return {
					status: 400,
					body: { errors: [{ message: 'offset: The offset is invalid or has expired.' }] },
				};
			}
			const from =
				query.offset !== undefined
					? Number(query.offset)
					: log.findIndex((e) => e.created_at >= String(query.start_at));
			const data = log.slice(from, from + Number(query.limit));
			return { status: 200, body: { data, next_page: { offset: String(from + data.length) } } };
		});
	}

	it('follows offsets until an empty page and keeps the query the offset belongs to', async () => {
		const asana = auditLog();
		const result = await drainAuditLog(asana, '1', begin, openBudget(), noFilters);
		expect(result.events.map((e) => e.gid)).toEqual(log.map((e) => e.gid));
		expect(asana.requests.map((r) => r.query.offset)).toEqual([undefined, '100', '200', '250']);
		expect(
			asana.requests.every((r) => r.query.limit === 100 && r.query.start_at === log[0].created_at),
		).toBe(true);
		expect(result.cursor).toMatchObject({
			offset: '250',
			offsetStartAt: log[0].created_at,
			resumeAt: log[249].created_at,
		});
		expect(result.backlog).toBe(false);
	});

	it('stops inside a page at the cap, stays on that page and skips what it emitted', async () => {
		const asana = auditLog();
		const first = await drainAuditLog(asana, '1', begin, new DrainBudget(130, Infinity), noFilters);
		expect(first.events).toHaveLength(130);
		expect(first.backlog).toBe(true);
		expect(first.cursor.offset).toBe('100');
		const rest = await drainAuditLog(asana, '1', first.cursor, openBudget(), noFilters);
		expect([...first.events, ...rest.events].map((e) => e.gid)).toEqual(log.map((e) => e.gid));
	});

	it('restarts a refused offset from the last emitted time once, dropping repeats', async () => {
		const asana = auditLog((offset) => offset === '100');
		const first = await drainAuditLog(asana, '1', begin, new DrainBudget(100, Infinity), noFilters);
		asana.requests.length = 0;
		const rest = await drainAuditLog(asana, '1', first.cursor, openBudget(), noFilters);
		expect(rest.offsetRejected).toBe(true);
		expect(asana.requests[1].query).toMatchObject({
			offset: undefined,
			start_at: log[99].created_at,
		});
		expect([...first.events, ...rest.events].map((e) => e.gid)).toEqual(log.map((e) => e.gid));
	});

	it('fails instead of looping when Asana refuses the restarted stream too', async () => {
		const asana = auditLog(() => true);
		const cursor: AuditCursor = {
			offset: '10',
			offsetStartAt: log[0].created_at,
			resumeAt: log[9].created_at,
			recent: [],
		};
		await expect(drainAuditLog(asana, '1', cursor, openBudget(), noFilters)).rejects.toThrow(
			'Asana 400',
		);
		expect(asana.requests).toHaveLength(3);
	});

	it('applies node-side filters but advances past what they drop', async () => {
		const asana = auditLog();
		// The log ends with a login: the last event read is one the filter drops.
		const exports = { server: {}, client: { eventTypes: [], categories: ['exports'] } };
		const result = await drainAuditLog(asana, '1', begin, openBudget(), exports);
		expect(result.events.map((e) => e.gid)).toEqual(
			log.filter((e) => e.event_category === 'exports').map((e) => e.gid),
		);
		expect(result.events.at(-1)?.gid).toBe(log[248].gid);
		expect(result.cursor.resumeAt).toBe(log[249].created_at);
	});

	it('leaves the cursor alone when the budget is spent or the transport defers', async () => {
		// Compared with a copy: a cursor the drain changed in place would still match itself.
		const cursor: AuditCursor = {
			offset: '100',
			offsetStartAt: log[0].created_at,
			resumeAt: log[99].created_at,
			recent: [log[99].gid],
		};
		const asGiven = structuredClone(cursor);
		const spent = await drainAuditLog(auditLog(), '1', cursor, new DrainBudget(10, 0), noFilters);
		expect(spent).toMatchObject({ requests: 0, backlog: true, cursor: asGiven });
		const deferred = await drainAuditLog(
			new ScriptedAsana(() => ({ deferred: 'Retry-After beyond budget' })),
			'1',
			cursor,
			openBudget(),
			noFilters,
		);
		expect(deferred).toMatchObject({
			events: [],
			backlog: true,
			deferred: 'Retry-After beyond budget',
			cursor: asGiven,
		});
		expect(cursor).toEqual(asGiven);
	});
});

describe('drainStream', () => {
	const target: StreamTarget = { kind: 'resource', gid: '9', resourceType: 'project' };
	const change = (i: number, field = 'name'): AsanaEvent => ({
		user: { gid: '42' },
		resource: { gid: String(100 + i), resource_type: 'task' },
		action: 'changed',
		created_at: new Date(Date.UTC(2026, 10, 20, 0, 0, i)).toISOString(),
		change: { field, action: 'changed' },
	});
	/** Pages of `events`, 100 per page; token `t<n>` means "after event n". A token in `expired` answers 412. */
	function eventsApi(events: AsanaEvent[], expired: Set<string> = new Set()) {
		return new ScriptedAsana((_path, query) => {
			const sync = String(query.sync ?? '');
			if (expired.has(sync) || !sync) return { status: 412, body: { sync: `t${events.length}` } };
			const from = Number(sync.slice(1));
			const data = events.slice(from, from + 100);
			return {
				status: 200,
				body: {
					data,
					sync: `t${from + data.length}`,
					has_more: from + data.length < events.length,
				},
			};
		});
	}

	it('drains has_more with one request per page', async () => {
		const events = Array.from({ length: 250 }, (_, i) => change(i));
		const asana = eventsApi(events);
		const result = await drainStream(asana, target, { sync: 't0' }, openBudget());
		expect(result.events).toEqual(events);
		expect(asana.requests.map((r) => r.query.sync)).toEqual(['t0', 't100', 't200']);
		expect(result.cursor).toEqual({ sync: 't250' });
	});

	it('adopts the fresh token of an expired one and reports the gap', async () => {
		const result = await drainStream(
			eventsApi([change(1)], new Set(['t0'])),
			target,
			{ sync: 't0' },
			openBudget(),
		);
		expect(result).toMatchObject({
			events: [],
			expired: true,
			cursor: { sync: 't1' },
			backlog: false,
		});
	});

	it('keeps the token of a page the cap cut, with the keys it took, and skips them next time', async () => {
		const events = Array.from({ length: 150 }, (_, i) => change(i));
		const asana = eventsApi(events);
		const budget = new DrainBudget(120, Infinity);
		const first = await drainStream(asana, target, { sync: 't0' }, budget);
		expect(first.events).toHaveLength(120);
		expect(first.cursor.sync).toBe('t100');
		expect(first.cursor.handled).toEqual(first.keys.slice(100));
		expect(budget.remaining).toBe(0);
		const rest = await drainStream(asana, target, first.cursor, openBudget());
		expect([...first.events, ...rest.events]).toEqual(events);
		expect(rest.cursor).toEqual({ sync: 't150' });
	});

	it('takes two identical events of one page, which are two real changes, each with its own key', async () => {
		const twice = [change(1), change(1)];
		const result = await drainStream(eventsApi(twice), target, { sync: 't0' }, openBudget());
		expect(result.events).toHaveLength(2);
		expect(result.keys[0]).toBe(eventKey(twice[0]));
		expect(result.keys[1]).not.toBe(result.keys[0]);
	});

	it('skips the events its cursor lists as handled, the second of two twins included, and charges only the rest', async () => {
		const events = [change(1), change(2), change(2), change(3)];
		const whole = await drainStream(eventsApi(events), target, { sync: 't0' }, openBudget());
		const budget = openBudget();
		const result = await drainStream(
			eventsApi(events),
			target,
			{ sync: 't0', handled: [whole.keys[1], whole.keys[2]] },
			budget,
		);
		expect(result.events).toEqual([events[0], events[3]]);
		expect(result.keys).toEqual([whole.keys[0], whole.keys[3]]);
		expect(budget.remaining).toBe(998);
	});

	it('hands back the evidence asked for past the cap, and stops after a time for a replay', async () => {
		const story = (i: number): AsanaEvent => ({
			...change(i),
			action: 'added',
			resource: { gid: `s${i}`, resource_type: 'story', resource_subtype: 'marked_complete' },
			parent: { gid: '100', resource_type: 'task' },
			change: undefined,
		});
		const events = [change(1), change(2), story(3), change(4)];
		const isStory = (event: AsanaEvent) => event.resource.resource_type === 'story';
		const capped = await drainStream(
			eventsApi(events),
			target,
			{ sync: 't0' },
			new DrainBudget(1, Infinity),
			{ wanted: (event) => !isStory(event), evidence: isStory },
		);
		expect(capped.events).toEqual([events[0]]);
		expect(capped.evidence).toEqual([events[2]]);
		const replay = await drainStream(eventsApi(events), target, { sync: 't0' }, openBudget(), {
			stopAfter: events[1].created_at,
		});
		expect(replay.events).toEqual([events[0], events[1]]);
		expect(replay.stopped).toBe(true);
	});

	it('passes over what `wanted` refuses without charging the budget, and stops at the read bound', async () => {
		const events = Array.from({ length: 300 }, (_, i) => change(i, i % 3 ? 'name' : 'assignee'));
		const asana = eventsApi(events);
		const wanted = (event: AsanaEvent) => event.change?.field === 'assignee';
		const budget = new DrainBudget(1000, Infinity, 150);
		const first = await drainStream(asana, target, { sync: 't0' }, budget, { wanted });
		// The bound is checked before each page: the second page is read, a third is not asked for.
		expect(asana.requests.map((r) => r.query.sync)).toEqual(['t0', 't100']);
		expect(first.events).toEqual(events.slice(0, 200).filter(wanted));
		expect(first).toMatchObject({ cursor: { sync: 't200' }, backlog: true });
		expect(budget.remaining).toBe(1000 - first.events.length);
		expect(budget.limitReached()).toBe('the most events one poll reads (150) reached');
		const rest = await drainStream(asana, target, first.cursor, openBudget(), { wanted });
		expect([...first.events, ...rest.events]).toEqual(events.filter(wanted));
	});

	it('leaves the cursor and the budget alone when the transport defers', async () => {
		const budget = openBudget();
		const result = await drainStream(
			new ScriptedAsana(() => ({ deferred: 'rate limited' })),
			target,
			{ sync: 't7' },
			budget,
		);
		expect(result).toMatchObject({
			events: [],
			cursor: { sync: 't7' },
			backlog: true,
			deferred: 'rate limited',
		});
		expect(budget.remaining).toBe(1000);
	});
});
