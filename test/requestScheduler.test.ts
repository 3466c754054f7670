import {
	planReads,
	scheduleAfterRead,
	type Schedulable,
} from '../nodes/AsanaEventsTrigger/schedule';
import {
	CredentialRate,
	RATE_PENALTY_MS,
	RATE_WINDOW_MS,
} from '../nodes/shared/polling/credentialRate';

const MINUTE = 60_000;
const policy = { pollGapMs: MINUTE, maxStalenessMs: 10 * MINUTE };

describe('request scheduler: the credential’s rate', () => {
	it('allows the lowest Max Requests per Minute of its triggers within any minute, shared between them', () => {
		const rate = new CredentialRate();
		rate.join('a', 30, MINUTE, 0);
		rate.join('b', 20, MINUTE, 0);
		expect(rate.limit(0)).toBe(20);
		expect(rate.allowance('a', MINUTE, 0)).toBe(10);
		let taken = 0;
		while (rate.take('a', 1000)) taken++;
		expect(taken).toBe(20);
		// A's share is spent (and more); B waits for the window, as does A.
		expect(rate.allowance('a', MINUTE, 2000)).toBe(0);
		expect(rate.allowance('b', MINUTE, 2000)).toBe(0);
		expect(rate.nextSlotAt(2000)).toBe(1000 + RATE_WINDOW_MS);
		expect(rate.take('b', 1000 + RATE_WINDOW_MS)).toBe(true);
	});

	it('paces a trigger that polls more often than once a minute', () => {
		const rate = new CredentialRate();
		rate.join('a', 60, 10_000, 0);
		expect(rate.allowance('a', 10_000, 0)).toBe(10);
	});

	it('halves the rate on a 429, once per burst, and restores it after a while', () => {
		const rate = new CredentialRate();
		rate.join('a', 100, MINUTE, 0);
		rate.rateLimited(0, 30_000);
		rate.rateLimited(10, 30_000);
		expect(rate.limit(20)).toBe(50);
		rate.rateLimited(40_000, 1000);
		expect(rate.limit(40_001)).toBe(25);
		expect(rate.limit(40_000 + RATE_PENALTY_MS - 1)).toBe(25);
		rate.join('a', 100, MINUTE, 40_000 + RATE_PENALTY_MS);
		expect(rate.limit(40_000 + RATE_PENALTY_MS)).toBe(100);
		// Burst after burst: an eighth at the least.
		for (let burst = 1; burst <= 6; burst++) rate.rateLimited(burst * 60_000 + 500_000, 1000);
		expect(rate.limit(900_000)).toBe(12);
	});

	it('lets a trigger that stopped polling give its share back', () => {
		const rate = new CredentialRate();
		rate.join('a', 100, MINUTE, 0);
		rate.join('b', 40, MINUTE, 0);
		expect(rate.limit(0)).toBe(40);
		rate.join('a', 100, MINUTE, 11 * MINUTE);
		expect(rate.limit(11 * MINUTE)).toBe(100);
		expect(rate.allowance('a', MINUTE, 11 * MINUTE)).toBe(100);
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

	it('reads new streams, then those about to pass Max Staleness, busy ones, due ones, and the rest while the budget lasts', () => {
		expect(planReads(candidates, 10, now, policy)).toEqual([
			'new',
			'nearly stale',
			'busy',
			'quiet, due',
			'quiet, not due',
		]);
		expect(planReads(candidates, 3, now, policy)).toEqual(['new', 'nearly stale', 'busy']);
		expect(planReads(candidates, 0, now, policy)).toEqual([]);
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
			const read = planReads(rotated, 3, at, policy);
			for (const name of read) readAt.set(name, at);
			turns.push(read);
		}
		// No stream is left out of two polls in a row, and each is read 6 times in 10 polls.
		for (let poll = 1; poll < turns.length; poll++)
			for (const name of names)
				expect(turns[poll].includes(name) || turns[poll - 1].includes(name)).toBe(true);
		for (const name of names) expect(turns.filter((read) => read.includes(name))).toHaveLength(6);
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
