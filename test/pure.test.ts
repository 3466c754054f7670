import { eventIdentity, eventKey, shortKey } from '../nodes/shared/events/eventKey';
import { matchesFilters, splitList, type EventFilters } from '../nodes/shared/events/eventFilters';
import { parseAsanaReference } from '../nodes/shared/editor/resourceRef';
import {
	backoffDelay,
	buildQueryString,
	DEFAULT_RETRY_POLICY,
	retryAfterMs,
} from '../nodes/shared/asana/transport';
import { mapWithConcurrency } from '../nodes/shared/asana/concurrency';
import type { AsanaEvent } from '../nodes/shared/asana/types';
import { SEEN_CAPACITY, SeenChanges } from '../nodes/AsanaEventsTrigger/seen';

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
	});
});

describe('SeenChanges', () => {
	const MINUTE = 60_000;
	const key = (n: number) => `key-${String(n).padStart(8, '0')}`;

	it('keeps what was seen across a reload, by minute of the change', () => {
		const seen = new SeenChanges(undefined);
		seen.add(key(1), 5 * MINUTE);
		seen.add(key(2), 5 * MINUTE + 1);
		seen.add(key(3), 7 * MINUTE);
		const stored = seen.toStored();
		expect(stored).toEqual({
			minutes: [
				[5, `${key(1)}${key(2)}`],
				[7, key(3)],
			],
			newest: 7 * MINUTE,
		});
		const reloaded = new SeenChanges(JSON.parse(JSON.stringify(stored)));
		expect([1, 2, 3, 4].map((n) => reloaded.has(key(n)))).toEqual([true, true, true, false]);
	});

	it('forgets the minutes before a time, then the oldest beyond its capacity', () => {
		const seen = new SeenChanges(undefined);
		const total = SEEN_CAPACITY + 110;
		for (let n = 0; n < total; n++) seen.add(key(n), (10 + Math.floor(n / 100)) * MINUTE);
		// Minute 10 goes by time; of the rest, the 10 oldest go by capacity.
		seen.prune(11 * MINUTE);
		expect([99, 100, 109, 110, total - 1].map((n) => seen.has(key(n)))).toEqual([
			false,
			false,
			false,
			true,
			true,
		]);
		const kept = seen.toStored().minutes.reduce((sum, [, keys]) => sum + keys.length / 12, 0);
		expect(kept).toBe(SEEN_CAPACITY);
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
