import {
	planReads,
	scheduleAfterRead,
	type ReadSchedule,
	type Schedulable,
} from '../nodes/AsanaEventsTrigger/schedule';
import {
	CredentialRate,
	RATE_PENALTY_MS,
	RATE_WINDOW_MS,
	type PollDemand,
} from '../nodes/shared/polling/credentialRate';

const MINUTE = 60_000;
const policy = { pollGapMs: MINUTE, maxStalenessMs: 10 * MINUTE };

/** A poll that would read `streams` streams, all of them due. */
const wants = (streams: number) => ({ due: streams, all: streams });

describe('request scheduler: the credential’s rate', () => {
	it('allows the lowest Max Requests per Minute of its triggers within any minute', () => {
		const rate = new CredentialRate();
		rate.join('a', 30, MINUTE, 0);
		rate.join('b', 20, MINUTE, 0);
		expect(rate.limit(0)).toBe(20);
		expect(rate.allowance('a', wants(50), 0)).toBe(20);
		let taken = 0;
		while (rate.take('a', 1000)) taken++;
		expect(taken).toBe(20);
		// The credential's minute is spent; B waits for the window, as does A.
		expect(rate.allowance('a', wants(50), 2000)).toBe(0);
		expect(rate.allowance('b', wants(50), 2000)).toBe(0);
		expect(rate.nextSlotAt(2000)).toBe(1000 + RATE_WINDOW_MS);
		expect(rate.take('b', 1000 + RATE_WINDOW_MS)).toBe(true);
	});

	it('paces a trigger that polls more often than once a minute', () => {
		const rate = new CredentialRate();
		rate.join('a', 60, 10_000, 0);
		expect(rate.allowance('a', wants(100), 0)).toBe(10);
		expect(rate.allowance('a', wants(4), 0)).toBe(4);
	});

	it('halves the rate on a 429, once per burst, and restores it after a while', () => {
		const rate = new CredentialRate();
		// The trigger polls every minute all along.
		const limitAt = (now: number) => {
			rate.join('a', 100, MINUTE, now);
			return rate.limit(now);
		};
		rate.join('a', 100, MINUTE, 0);
		rate.rateLimited(0, 30_000);
		rate.rateLimited(10, 30_000);
		expect(limitAt(20)).toBe(50);
		rate.rateLimited(40_000, 1000);
		expect(limitAt(40_001)).toBe(25);
		expect(limitAt(40_000 + RATE_PENALTY_MS - 1)).toBe(25);
		expect(limitAt(40_000 + RATE_PENALTY_MS)).toBe(100);
		// Burst after burst: an eighth at the least.
		for (let burst = 1; burst <= 6; burst++) rate.rateLimited(burst * 60_000 + 500_000, 1000);
		expect(limitAt(900_000)).toBe(12);
	});

	it('gives a large trigger what a small one does not use, in every poll, and never more than the limit in any minute', () => {
		const rate = new CredentialRate();
		const GAP = 20_000;
		const sent: number[] = [];
		const reads = { small: [] as number[], large: [] as number[] };
		for (let poll = 0; poll < 30; poll++) {
			// The poll's requests go out over a second or two after it starts, as in n8n.
			const start = poll * GAP;
			let at = start;
			for (const [trigger, streams] of [
				['small', 3],
				['large', 150],
			] as const) {
				rate.join(trigger, 140, GAP, start);
				// The large one lists its 150 projects every 10 polls: requests it plans no stream for.
				const listing = trigger === 'large' && poll % 10 === 0 ? 2 : 0;
				for (let i = 0; i < listing; i++) expect(rate.take(trigger, (at += 30))).toBe(true);
				const allowed = rate.allowance(trigger, wants(streams), start);
				reads[trigger].push(allowed);
				for (let i = 0; i < allowed; i++) if (rate.take(trigger, (at += 30))) sent.push(at);
			}
		}
		expect(reads.small.every((n) => n === 3)).toBe(true);
		// Equal shares gave the large one 70 a minute, and a poll of every minute nothing.
		expect(Math.min(...reads.large)).toBeGreaterThan(35);
		const steadyMinute = reads.large.slice(9, 12).reduce((sum, n) => sum + n, 0);
		expect(steadyMinute).toBeGreaterThanOrEqual(0.9 * (140 - 9));
		for (const at of sent)
			expect(
				sent.filter((other) => other > at - RATE_WINDOW_MS && other <= at).length,
			).toBeLessThanOrEqual(140);
	});

	it('shares the limit max-min fair on what is due before what could be read early', () => {
		const rate = new CredentialRate();
		for (const trigger of ['a', 'b', 'c']) rate.join(trigger, 100, MINUTE, 0);
		// A needs little, B much; C has 500 streams of which 10 are due.
		rate.allowance('a', wants(5), 0);
		rate.allowance('c', { due: 10, all: 500 }, 0);
		// Due: A 5, C 10, B the other 85; nothing is left to read early.
		expect(rate.allowance('b', wants(200), 0)).toBe(85);
		expect(rate.allowance('c', { due: 10, all: 500 }, 0)).toBe(10);
		// With little due elsewhere, C reads early what B leaves.
		rate.allowance('b', wants(30), 0);
		expect(rate.allowance('c', { due: 10, all: 500 }, 0)).toBe(65);
	});

	it('frees the share of a trigger that stops polling after about its poll gap', () => {
		const rate = new CredentialRate();
		rate.join('gone', 100, MINUTE, 0);
		rate.allowance('gone', wants(60), 0);
		const largeAt = (now: number) => {
			rate.join('large', 100, MINUTE, now);
			return rate.allowance('large', wants(500), now);
		};
		expect(largeAt(0)).toBe(50);
		// Its next poll may come a moment late: its demand still counts.
		expect(largeAt(MINUTE)).toBe(50);
		expect(largeAt(2 * MINUTE)).toBe(100);
	});

	it('lets the lowest Max Requests per Minute go with the trigger that set it', () => {
		const rate = new CredentialRate();
		rate.join('a', 100, MINUTE, 0);
		rate.join('b', 40, MINUTE, 0);
		expect(rate.limit(0)).toBe(40);
		rate.join('a', 100, MINUTE, 2 * MINUTE);
		expect(rate.limit(2 * MINUTE)).toBe(100);
		expect(rate.allowance('a', wants(500), 2 * MINUTE)).toBe(100);
	});

	it('takes the requests of a trigger that plans no share (the audit log trigger) off before sharing the rest', () => {
		const rate = new CredentialRate();
		for (const trigger of ['a', 'b']) rate.join(trigger, 30, MINUTE, 0);
		rate.join('audit', undefined, MINUTE, 0);
		for (let i = 0; i < 10; i++) expect(rate.take('audit', 0)).toBe(true);
		expect(rate.limit(1000)).toBe(30);
		rate.allowance('b', wants(50), 1000);
		expect(rate.allowance('a', wants(50), 1000)).toBe(10);
		expect(rate.allowance('b', wants(50), 1000)).toBe(10);
	});

	it('after a 429 halves the rate: the minute before counts until its Retry-After is over, then only what was sent after it', () => {
		const rate = new CredentialRate();
		const GAP = 20_000;
		const pollAt = (now: number) => {
			rate.join('a', 60, GAP, now);
			const allowed = rate.allowance('a', wants(100), now);
			for (let i = 0; i < allowed; i++) expect(rate.take('a', now)).toBe(true);
			return allowed;
		};
		expect([0, GAP].map(pollAt)).toEqual([20, 20]);
		// The last request of the second poll is answered 429, Retry-After 5 s: until then the
		// 40 of the minute are over the 30 it allows now.
		rate.rateLimited(GAP, 5_000);
		expect(pollAt(GAP + 1_000)).toBe(0);
		// 30 a minute from the 429 on, 10 a poll; the minute before counts against the 60 only,
		// so the next poll does not wait for it to pass.
		expect([2, 3, 4, 5, 6].map((poll) => pollAt(poll * GAP))).toEqual([10, 10, 10, 10, 10]);
	});
});

describe('request scheduler: which streams a poll reads', () => {
	const now = 100 * MINUTE;
	const stream = (name: string, fields: Omit<Schedulable<string>, 'stream'>) => ({
		stream: name,
		...fields,
	});
	const candidates: Array<Schedulable<string>> = [
		stream('quiet, not due', {
			started: true,
			lastReadAt: now - MINUTE,
			schedule: { busy: false, backoffMs: 4 * MINUTE },
		}),
		stream('busy', {
			started: true,
			lastReadAt: now - MINUTE,
			schedule: { busy: true, backoffMs: 0 },
		}),
		stream('quiet, due', {
			started: true,
			lastReadAt: now - 3 * MINUTE,
			schedule: { busy: false, backoffMs: 2 * MINUTE },
		}),
		stream('nearly stale', {
			started: true,
			lastReadAt: now - 9.5 * MINUTE,
			schedule: { busy: false, backoffMs: 10 * MINUTE },
		}),
		stream('new', { started: false }),
	];

	/** The allowance, whatever the poll would read. */
	const allow = (reads: number) => () => reads;

	it('reads new streams, then those about to pass Max Staleness, busy ones, due ones, and the rest while the budget lasts', () => {
		const asked: PollDemand[] = [];
		const plan = planReads(
			candidates,
			(demand) => {
				asked.push(demand);
				return 10;
			},
			now,
			policy,
		);
		// Due: the new, the nearly stale, the busy and the due quiet stream; the fifth only early.
		expect(asked).toEqual([{ due: 4, all: 5 }]);
		expect(plan).toEqual(['new', 'nearly stale', 'busy', 'quiet, due', 'quiet, not due']);
		expect(planReads(candidates, allow(3), now, policy)).toEqual(['new', 'nearly stale', 'busy']);
		expect(planReads(candidates, allow(0), now, policy)).toEqual([]);
	});

	it('takes turns among busy streams the budget cannot all cover', () => {
		const names = ['a', 'b', 'c', 'd', 'e'];
		const readAt = new Map(names.map((name) => [name, now - MINUTE]));
		const turns: string[][] = [];
		for (let poll = 0; poll < 10; poll++) {
			const at = now + poll * MINUTE;
			// The trigger hands the streams over rotated by one each poll.
			const given = names.map((name) =>
				stream(name, {
					started: true,
					lastReadAt: readAt.get(name),
					schedule: { busy: true, backoffMs: 0 },
				}),
			);
			const rotated = [...given.slice(poll % 5), ...given.slice(0, poll % 5)];
			const read = planReads(rotated, allow(3), at, policy);
			for (const name of read) readAt.set(name, at);
			turns.push(read);
		}
		// No stream is left out of two polls in a row, and each is read 6 times in 10 polls.
		for (let poll = 1; poll < turns.length; poll++)
			for (const name of names)
				expect(turns[poll].includes(name) || turns[poll - 1].includes(name)).toBe(true);
		for (const name of names) expect(turns.filter((read) => read.includes(name))).toHaveLength(6);
	});

	it('under a short allowance reads the busy streams first, and keeps a slice for quiet ones at the edge of Max Staleness', () => {
		// After polls that read nothing, 30 quiet streams reach the edge together.
		const busy = Array.from({ length: 6 }, (_, i) =>
			stream(`busy ${i}`, {
				started: true,
				lastReadAt: now - 3 * MINUTE,
				schedule: { busy: true, backoffMs: 0 },
			}),
		);
		const quiet = Array.from({ length: 30 }, (_, i) =>
			stream(`quiet ${i}`, {
				started: true,
				lastReadAt: now - 9.5 * MINUTE - i,
				schedule: { busy: false, backoffMs: 10 * MINUTE },
			}),
		);
		// 30 quiet streams, each due once per 10 polls: a slice of 3, the oldest.
		expect(planReads([...busy, ...quiet], allow(9), now, policy)).toEqual([
			'quiet 29',
			'quiet 28',
			'quiet 27',
			...busy.map((b) => b.stream),
		]);
		// Never more than half the allowance: the busy streams are not left out.
		expect(planReads([...busy, ...quiet], allow(4), now, policy)).toEqual([
			'quiet 29',
			'quiet 28',
			'busy 0',
			'busy 1',
		]);
	});

	it('under a short allowance reads busy streams every poll and every quiet one again within reach', () => {
		const POLLS = 40;
		const busy = Array.from({ length: 5 }, (_, i) => `busy ${i}`);
		const quiet = Array.from({ length: 40 }, (_, i) => `quiet ${i}`);
		// As after a stall: every quiet stream last read together, at the edge of Max Staleness.
		const readAt = new Map<string, number>([
			...busy.map((name): [string, number] => [name, now - MINUTE]),
			...quiet.map((name): [string, number] => [name, now - 9 * MINUTE]),
		]);
		const schedules = new Map([
			...busy.map((name): [string, ReadSchedule] => [name, { busy: true, backoffMs: 0 }]),
			...quiet.map((name): [string, ReadSchedule] => [
				name,
				{ busy: false, backoffMs: 10 * MINUTE },
			]),
		]);
		const readsOf = new Map<string, number[]>();
		for (let poll = 0; poll < POLLS; poll++) {
			const at = now + poll * MINUTE;
			// Busy streams, and quiet streams' need (40 / 10), and one more.
			const read = planReads(
				[...busy, ...quiet].map((name) =>
					stream(name, {
						started: true,
						lastReadAt: readAt.get(name),
						schedule: schedules.get(name),
					}),
				),
				allow(10),
				at,
				policy,
			);
			for (const name of read) {
				readAt.set(name, at);
				readsOf.set(name, [...(readsOf.get(name) ?? []), poll]);
				schedules.set(
					name,
					scheduleAfterRead(schedules.get(name), busy.includes(name), at, policy),
				);
			}
		}
		for (const name of busy) expect(readsOf.get(name)).toHaveLength(POLLS);
		// The bunch is read 5 a poll, oldest first: within 8 polls; then each within Max Staleness.
		for (const name of quiet) {
			const polls = readsOf.get(name) ?? [];
			expect(polls[0]).toBeLessThan(8);
			for (let k = 1; k < polls.length; k++)
				expect(polls[k] - polls[k - 1]).toBeLessThanOrEqual(10);
			expect(POLLS - 1 - polls[polls.length - 1]).toBeLessThan(10);
		}
	});

	it('backs a quiet stream off from one poll gap, doubling up to Max Staleness; events bring it back to every poll', () => {
		const started = scheduleAfterRead(undefined, false, 0, policy);
		expect(started).toEqual({ busy: false, backoffMs: 0 });
		const backoffs: number[] = [];
		let schedule = started;
		for (let i = 0; i < 6; i++) {
			schedule = scheduleAfterRead(schedule, false, i * MINUTE, policy);
			backoffs.push(schedule.backoffMs / MINUTE);
		}
		expect(backoffs).toEqual([1, 2, 4, 8, 10, 10]);
		const busy = scheduleAfterRead(schedule, true, 7 * MINUTE, policy);
		expect(busy).toEqual({ busy: true, backoffMs: 0, busyAt: 7 * MINUTE });
		// Quiet again: it backs off anew, and remembers when it was busy.
		expect(scheduleAfterRead(busy, false, 8 * MINUTE, policy)).toEqual({
			busy: false,
			backoffMs: MINUTE,
			busyAt: 7 * MINUTE,
		});
	});
});
