import { eventIdentity, eventKey, RecentKeys, shortKey } from '../nodes/shared/events/eventKey';
import { matchesFilters, splitList, type EventFilters } from '../nodes/shared/events/eventFilters';
import { parseAsanaReference } from '../nodes/shared/editor/resourceRef';
import {
	backoffDelay,
	buildQueryString,
	DEFAULT_RETRY_POLICY,
	retryAfterMs,
} from '../nodes/shared/asana/transport';
import { mapWithConcurrency } from '../nodes/shared/asana/concurrency';
import type { AsanaEvent, StreamTarget } from '../nodes/shared/asana/types';
import { eventItems } from '../nodes/AsanaEventsTrigger/output';

describe('parseAsanaReference', () => {
	it.each([
		['1201234567890123', { gid: '1201234567890123' }],
		[' 42 ', { gid: '42' }],
		['https://app.asana.com/1/111/project/222/list', { gid: '222', type: 'project' }],
		['https://app.asana.com/1/111/project/222/task/333', { gid: '333', type: 'task' }],
		['https://app.asana.com/1/111/task/333?focus=true', { gid: '333', type: 'task' }],
		['https://app.asana.com/1/111/goal/444', { gid: '444', type: 'goal' }],
		['https://app.asana.com/0/222/list', { gid: '222', type: 'project' }],
		['https://app.asana.com/0/222/board', { gid: '222', type: 'project' }],
		['https://app.asana.com/0/222/333', { gid: '333', type: 'task' }],
		['https://app.asana.com/0/222/333/f', { gid: '333', type: 'task' }],
		['https://app.asana.com/0/0/333', { gid: '333', type: 'task' }],
	])('reads %s', (input, expected) => {
		expect(parseAsanaReference(input)).toEqual(expected);
	});

	it.each([
		['', /empty/],
		['abc', /neither an Asana ID/],
		['12ab', /neither an Asana ID/],
		['https://example.com/0/1/2', /not an Asana URL/],
		['https://app.asana.com/1/111/portfolio/555', /does not point at a task, project or goal/],
		['https://app.asana.com/0/inbox/123', /does not point/],
	])('explains what is wrong with %p', (input, message) => {
		const parsed = parseAsanaReference(input);
		expect(parsed).toHaveProperty('error');
		expect((parsed as { error: string }).error).toMatch(message);
	});
});

describe('buildQueryString', () => {
	it('percent-encodes sync tokens, which contain ":"', () => {
		expect(buildQueryString({ resource: '1', sync: 'de47:0' })).toBe('?resource=1&sync=de47%3A0');
	});
	it('joins arrays with commas and drops empty values', () => {
		expect(buildQueryString({ opt_fields: ['a', 'b.c'], sync: undefined, x: '', y: null })).toBe(
			'?opt_fields=a%2Cb.c',
		);
		expect(buildQueryString({})).toBe('');
	});
});

describe('retry timing', () => {
	it('reads Retry-After in seconds and as an HTTP date', () => {
		expect(retryAfterMs('2', 0)).toBe(2000);
		expect(retryAfterMs(['0.5'], 0)).toBe(500);
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
		expect(retryAfterMs(undefined, now)).toBeUndefined();
		expect(retryAfterMs('soon', now)).toBeUndefined();
	});

	it('backs off exponentially with jitter inside [50 %, 100 %] and a cap', () => {
		const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
		expect(backoffDelay(1, policy, () => 0)).toBe(50);
		expect(backoffDelay(1, policy, () => 1)).toBe(100);
		expect(backoffDelay(3, policy, () => 1)).toBe(400);
		expect(backoffDelay(10, policy, () => 1)).toBe(1000);
	});
});

const baseEvent: AsanaEvent = {
	user: { gid: '1', resource_type: 'user' },
	resource: { gid: '10', resource_type: 'task', resource_subtype: 'default_task' },
	action: 'changed',
	parent: null,
	created_at: '2026-01-01T00:00:00.000Z',
	change: { field: 'assignee', action: 'changed', new_value: { gid: '2', resource_type: 'user' } },
};

describe('event identity', () => {
	it('tells apart events that differ only in value, field, actor or parent', () => {
		const variants: AsanaEvent[] = [
			baseEvent,
			{ ...baseEvent, change: { ...baseEvent.change, new_value: { gid: '3' } } },
			{ ...baseEvent, change: { field: 'name', action: 'changed' } },
			{ ...baseEvent, user: null },
			{ ...baseEvent, action: 'added', change: null, parent: { gid: '99' } },
			{ ...baseEvent, action: 'added', change: null, parent: { gid: '98' } },
		];
		expect(new Set(variants.map(eventIdentity)).size).toBe(variants.length);
		expect(new Set(variants.map(eventKey)).size).toBe(variants.length);
	});

	it('gives the same key to the same event seen twice', () => {
		expect(eventKey(structuredClone(baseEvent))).toBe(eventKey(baseEvent));
	});

	it('keeps the digest that keys already in static data were made with', () => {
		// The first 12 base64url characters of SHA-256: a different digest would not recognise
		// the keys stored by earlier polls, and their events would be emitted again.
		const identity =
			'2026-01-01T00:00:00.000Z|1200000000000015|changed|notes|changed||1200000000000002|';
		expect(shortKey(identity)).toBe('38jYS1oQi-3q');
		expect(shortKey(`resource:1200000000000015|${identity}`)).toBe('uAGmkAV-Sndr');
	});
});

describe('eventItems', () => {
	const project: StreamTarget = { kind: 'resource', gid: '20', resourceType: 'project' };
	const task: StreamTarget = { kind: 'resource', gid: '10', resourceType: 'task' };
	const at = (second: number) => ({
		...structuredClone(baseEvent),
		created_at: `2026-01-01T00:00:0${second}.000Z`,
	});

	const matched = (...events: AsanaEvent[]) => events.map((event) => ({ event }));
	const raw = { attachCurrent: false, format: 'raw' } as const;

	it('orders the events of several streams by time', () => {
		const items = eventItems(
			[
				{ target: project, matched: matched(at(1), at(4)) },
				{ target: task, matched: matched(at(2), at(3)) },
			],
			raw,
		);
		expect(items.map((i) => [i.json.created_at, (i.json.stream as { gid: string }).gid])).toEqual([
			['2026-01-01T00:00:01.000Z', '20'],
			['2026-01-01T00:00:02.000Z', '10'],
			['2026-01-01T00:00:03.000Z', '10'],
			['2026-01-01T00:00:04.000Z', '20'],
		]);
	});

	it('keeps events already in order as they are, ties included', () => {
		const streams = [
			{ target: task, matched: matched(at(1)) },
			{ target: project, matched: matched(at(1), at(2)) },
		];
		const events = streams.flatMap((s) => s.matched.map((m) => m.event));
		expect(eventItems(streams, raw).map((i) => i.json)).toEqual(events);
	});
});

describe('RecentKeys', () => {
	it('forgets the oldest keys beyond its capacity', () => {
		const recent = new RecentKeys([], 3);
		for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) recent.add(key);
		expect(recent.toJSON()).toEqual(['e', 'f', 'g']);
		const reloaded = new RecentKeys(recent.toJSON(), 3);
		expect(reloaded.has('g')).toBe(true);
		expect(reloaded.has('a')).toBe(false);
	});
	it('counts a key held twice, also after trimming and reloading', () => {
		const recent = new RecentKeys([], 3);
		for (const key of ['a', 'b', 'b', 'c', 'd', 'b', 'b']) recent.add(key);
		expect(recent.toJSON()).toEqual(['d', 'b', 'b']);
		expect(recent.count('b')).toBe(2);
		expect(new RecentKeys(recent.toJSON(), 3).count('b')).toBe(2);
		expect(recent.count('a')).toBe(0);
	});
});

describe('matchesFilters', () => {
	const none: EventFilters = {
		actions: [],
		resourceTypes: [],
		resourceSubtypes: [],
		changedFields: [],
		ignoredUserGids: [],
	};
	it('lets everything through without filters, including system events', () => {
		expect(matchesFilters(baseEvent, none)).toBe(true);
		expect(matchesFilters({ ...baseEvent, user: null }, { ...none, ignoredUserGids: ['1'] })).toBe(
			true,
		);
	});
	it('applies each filter', () => {
		expect(matchesFilters(baseEvent, { ...none, actions: ['added'] })).toBe(false);
		expect(matchesFilters(baseEvent, { ...none, resourceTypes: ['story'] })).toBe(false);
		expect(matchesFilters(baseEvent, { ...none, resourceSubtypes: ['milestone'] })).toBe(false);
		expect(matchesFilters(baseEvent, { ...none, changedFields: ['name'] })).toBe(false);
		expect(matchesFilters(baseEvent, { ...none, changedFields: ['assignee'] })).toBe(true);
		expect(matchesFilters(baseEvent, { ...none, ignoredUserGids: ['1'] })).toBe(false);
	});
	it('splits comma and space separated lists', () => {
		expect(splitList(' a, b ,,c d')).toEqual(['a', 'b', 'c', 'd']);
		expect(splitList(['x', ' y '])).toEqual(['x', 'y']);
		expect(splitList(undefined)).toEqual([]);
	});
});

describe('mapWithConcurrency', () => {
	it('keeps order and never runs more than the limit at once', async () => {
		let running = 0;
		let peak = 0;
		const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (n) => {
			running++;
			peak = Math.max(peak, running);
			await new Promise((resolve) => setTimeout(resolve, n));
			running--;
			return n * 10;
		});
		expect(results).toEqual([50, 10, 40, 20, 30, 0]);
		expect(peak).toBe(2);
	});

	it('after a failure starts nothing new and rejects only when the tasks in flight have settled', async () => {
		const started: number[] = [];
		const settled: number[] = [];
		const run = mapWithConcurrency([0, 1, 2, 3, 4], 2, async (n) => {
			started.push(n);
			await new Promise((resolve) => setTimeout(resolve, n === 0 ? 5 : 40));
			settled.push(n);
			if (n === 0) throw new Error('stream 0 failed');
			return n;
		});
		await expect(run).rejects.toThrow('stream 0 failed');
		expect(started).toEqual([0, 1]);
		expect(settled.sort()).toEqual([0, 1]);
	});
});
