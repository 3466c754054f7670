/**
 * How many requests the triggers of this pack send to Asana with one credential. Asana counts
 * requests per token per minute, shared with every other app of the token's user; this module
 * keeps the pack's share under the lowest Max Requests per Minute of the triggers using the
 * credential, splits it between them by what each would read, and lowers it after a 429.
 *
 * Per process: the registry is module state, like the poll lock. In queue mode only the main
 * process polls, so that is the whole instance.
 */
import { sleep, type IPollFunctions } from 'n8n-workflow';

import type { AuthenticationMethod } from '../asana/constants';
import { asanaBaseUrl, type RequestGate } from '../asana/transport';
import { shortestPollGapMs } from './pollBudget';

/** Two thirds of a free plan's 150 requests a minute: the rest is left to the user's other apps. */
export const DEFAULT_MAX_REQUESTS_PER_MINUTE = 100;
/** Asana's rate window. */
export const RATE_WINDOW_MS = 60_000;
/** How long a 429 keeps the credential's rate lowered. */
export const RATE_PENALTY_MS = 5 * 60_000;
/** A 429 halves the rate; further ones halve it again, down to this share. */
const MIN_RATE_SHARE = 1 / 8;
/** 429s within this long of one that lowered the rate (or its Retry-After, if longer) do not lower it again. */
const RATE_LIMIT_BURST_MS = 1_000;
/**
 * n8n tells a poll trigger nothing when its workflow is deactivated: a trigger that has not
 * polled for this many of its poll gaps is gone, and its demand and limit stop counting. Half
 * a gap more than one, so that a poll a moment late (n8n busy, the other trigger of the same
 * second asking first) still counts.
 */
const IDLE_POLL_GAPS = 1.5;
/** Below this, a fraction of a request is rounding noise. */
const EPSILON = 1e-9;

/** How many reads a poll would make: those due now, and all it could make. */
export interface PollDemand {
	/** Streams due this poll: new, busy, or quiet ones whose wait is over. */
	due: number;
	/** Every stream it could read: the quiet ones not due yet are read early while the rate allows. */
	all: number;
}

interface Consumer {
	/** Absent for a trigger that has no such option: it counts, but sets no limit and plans no share. */
	maxPerMinute?: number;
	pollGapMs: number;
	/** Epoch ms of its last poll. */
	seenAt: number;
	/** What its last poll asked for. */
	demand?: PollDemand;
}

/** Polls of a trigger in one rate window: one for a trigger that polls once a minute or less often. */
function pollsPerMinute(pollGapMs: number): number {
	return RATE_WINDOW_MS / Math.min(pollGapMs, RATE_WINDOW_MS);
}

/**
 * Max-min fair: demands up to an equal part of the capacity are met in full, and what they
 * leave is split equally among the larger ones.
 */
function fairShares(capacity: number, demands: Map<string, number>): Map<string, number> {
	const shares = new Map<string, number>();
	let left = Math.max(0, capacity);
	const smallestFirst = [...demands].sort((a, b) => a[1] - b[1]);
	smallestFirst.forEach(([consumer, demand], index) => {
		const share = Math.min(demand, left / (smallestFirst.length - index));
		shares.set(consumer, share);
		left -= share;
	});
	return shares;
}

/**
 * The request rate of one credential: the requests sent in the last minute, the triggers
 * that share it, and the lowering a 429 brought. Every method takes the time, so the same
 * code runs on the wall clock in n8n and on a simulated one in the bench.
 */
export class CredentialRate {
	/** Requests of the last minute, oldest first, with the trigger that sent each. */
	private sent: Array<{ at: number; consumer: string }> = [];

	private readonly consumers = new Map<string, Consumer>();

	private share = 1;

	private loweredUntil = 0;

	/** When a 429 last lowered the rate. */
	private loweredAt = Number.NEGATIVE_INFINITY;

	/** Until then, a 429 belongs to the burst that already lowered the rate. */
	private burstUntil = 0;

	/** When the Retry-After of the last 429 is over. */
	private retryAt = 0;

	/** A trigger polls with this credential; it takes part in the rate until it stops polling. */
	join(consumer: string, maxPerMinute: number | undefined, pollGapMs: number, now: number): void {
		const { demand } = this.consumers.get(consumer) ?? {};
		this.consumers.set(consumer, {
			...(maxPerMinute !== undefined ? { maxPerMinute } : {}),
			pollGapMs,
			seenAt: now,
			...(demand ? { demand } : {}),
		});
	}

	/** The triggers still polling. */
	private live(now: number): Map<string, Consumer> {
		for (const [key, consumer] of this.consumers)
			if (consumer.seenAt + IDLE_POLL_GAPS * consumer.pollGapMs <= now) this.consumers.delete(key);
		return this.consumers;
	}

	/** The lowest Max Requests per Minute of the triggers; no limit while none of them sets one. */
	private ceiling(now: number): number {
		const limits = [...this.live(now).values()].flatMap((c) => c.maxPerMinute ?? []);
		return limits.length ? Math.min(...limits) : Number.POSITIVE_INFINITY;
	}

	/** Requests per minute allowed now: the lowest Max Requests per Minute, lowered after a 429. */
	limit(now: number): number {
		if (now >= this.loweredUntil) {
			this.share = 1;
			this.loweredAt = Number.NEGATIVE_INFINITY;
		}
		const ceiling = this.ceiling(now);
		return Number.isFinite(ceiling) ? Math.max(1, Math.floor(ceiling * this.share)) : ceiling;
	}

	private inWindow(now: number): Array<{ at: number; consumer: string }> {
		let expired = 0;
		while (expired < this.sent.length && this.sent[expired].at <= now - RATE_WINDOW_MS) expired++;
		if (expired) this.sent.splice(0, expired);
		return this.sent;
	}

	/**
	 * The requests of the last minute that count against `limit`. Once the Retry-After of the
	 * 429 that lowered it is over, those sent after that 429 (the Max Requests per Minute
	 * still counts every one): Asana has room again, and counting the minute before would
	 * leave the next polls with nothing, busy streams unread for up to a minute.
	 */
	private counted(now: number): Array<{ at: number; consumer: string }> {
		return this.inWindow(now).filter((request) => this.countsAgainstLimit(request.at, now));
	}

	private countsAgainstLimit(sentAt: number, now: number): boolean {
		return now < this.retryAt || sentAt > this.loweredAt;
	}

	/**
	 * Each asking trigger's part of the limit, per minute: max-min fair on the streams due,
	 * then the rest max-min fair on the streams they could read early, so that what one
	 * trigger does not need goes to the others. Requests of the triggers that ask nothing
	 * (the audit log trigger) in the last minute are taken off first. `unbounded`: as if that
	 * trigger needed every request.
	 */
	private shares(limit: number, now: number, unbounded?: string): Map<string, number> {
		const askers = [...this.live(now)].flatMap(([key, { demand, pollGapMs }]) =>
			demand ? [{ key, demand, pollsPerMinute: pollsPerMinute(pollGapMs) }] : [],
		);
		const asking = new Set(askers.map((asker) => asker.key));
		const others = this.counted(now).filter((request) => !asking.has(request.consumer)).length;
		const perMinute = (reads: (demand: PollDemand) => number) =>
			new Map(
				askers.map((a) => [
					a.key,
					a.key === unbounded ? Number.POSITIVE_INFINITY : reads(a.demand) * a.pollsPerMinute,
				]),
			);
		const due = fairShares(
			limit - others,
			perMinute((demand) => demand.due),
		);
		const left = limit - others - [...due.values()].reduce((sum, share) => sum + share, 0);
		const early = fairShares(
			left,
			perMinute((demand) => demand.all - demand.due),
		);
		return new Map(askers.map(({ key }) => [key, (due.get(key) ?? 0) + (early.get(key) ?? 0)]));
	}

	/**
	 * How many streams `consumer` may read in the poll it starts now, given what it would
	 * read: its part of the limit (`shares`), paced over the minute by its poll gap. What it
	 * sent in the last minute, its requests besides stream reads and its earlier polls,
	 * counts against what it could take were it to need every request, so that it leaves the
	 * others theirs; and never more than the credential has left. Both look at the minute
	 * less half a poll gap: the requests of the poll a whole minute ago are still in the
	 * window for the seconds that poll ran, and counting them would leave a poll of every
	 * minute with nothing. A trigger whose part falls because another one needs more may read
	 * nothing until its earlier requests leave the window.
	 */
	allowance(consumer: string, demand: PollDemand, now: number): number {
		const self = this.consumers.get(consumer);
		if (!self) return 0;
		self.demand = demand;
		const limit = this.limit(now);
		if (!Number.isFinite(limit)) return demand.all;
		const share = this.shares(limit, now).get(consumer) ?? 0;
		const entitled = this.shares(limit, now, consumer).get(consumer) ?? 0;
		const since = now - RATE_WINDOW_MS + Math.min(self.pollGapMs, RATE_WINDOW_MS) / 2;
		const recent = this.inWindow(now).filter((request) => request.at > since);
		const counted = recent.filter((request) => this.countsAgainstLimit(request.at, now));
		const ownCounted = counted.filter((request) => request.consumer === consumer).length;
		const perPoll = Math.ceil(share / pollsPerMinute(self.pollGapMs) - EPSILON);
		const unspent = Math.floor(entitled - ownCounted + EPSILON);
		const left = Math.min(limit - counted.length, this.ceiling(now) - recent.length);
		return Math.max(0, Math.min(demand.all, perPoll, unspent, left));
	}

	/** Counts one request if the credential may send it now; false when it must wait. */
	take(consumer: string, now: number): boolean {
		const limit = this.limit(now);
		const sent = this.inWindow(now);
		if (sent.length >= this.ceiling(now) || this.counted(now).length >= limit) return false;
		sent.push({ at: now, consumer });
		return true;
	}

	/** When `take` may succeed next. */
	nextSlotAt(now: number): number {
		const limit = this.limit(now);
		const freedAt = (requests: Array<{ at: number }>, most: number) =>
			requests.length >= most ? requests[requests.length - most].at + RATE_WINDOW_MS : now;
		return Math.max(
			freedAt(this.inWindow(now), this.ceiling(now)),
			freedAt(this.counted(now), limit),
		);
	}

	/**
	 * Asana answered 429: the rate is halved for a while (the request itself waits its
	 * Retry-After in the transport). The 429s of requests that were in flight together lower
	 * it once.
	 */
	rateLimited(now: number, retryAfterMs = 0): void {
		if (now >= this.burstUntil) {
			this.share = Math.max(MIN_RATE_SHARE, this.share / 2);
			this.loweredAt = now;
		}
		this.burstUntil = Math.max(this.burstUntil, now + Math.max(RATE_LIMIT_BURST_MS, retryAfterMs));
		this.retryAt = Math.max(this.retryAt, now + retryAfterMs);
		this.loweredUntil = now + RATE_PENALTY_MS;
	}
}

/** Every credential's rate in this process, by credential and the Asana it goes to. */
const rates = new Map<string, CredentialRate>();

function credentialRate(credentialKey: string): CredentialRate {
	let rate = rates.get(credentialKey);
	if (!rate) rates.set(credentialKey, (rate = new CredentialRate()));
	return rate;
}

/**
 * What the transport asks before each request: waits for a free slot of the credential's
 * rate until the deadline (false: the request is not sent), and reports the 429s.
 */
function requestGate(rate: CredentialRate, consumer: string): RequestGate {
	return {
		async take(deadline) {
			for (;;) {
				const now = Date.now();
				if (rate.take(consumer, now)) return true;
				const at = rate.nextSlotAt(now);
				if (at > (deadline ?? now + RATE_WINDOW_MS)) return false;
				await sleep(Math.max(1, at - now));
			}
		},
		rateLimited(retryAfterMs) {
			rate.rateLimited(Date.now(), retryAfterMs);
		},
	};
}

/** A trigger's part in its credential's rate, for one poll. */
export interface JoinedRate {
	rate: CredentialRate;
	/** The trigger, by workflow and node. */
	consumer: string;
	pollGapMs: number;
	/** For the transport: every request of the poll counts. */
	gate: RequestGate;
}

/**
 * Joins the rate of the trigger's credential (by its id and the Asana it points at), shared
 * by every trigger of this pack in this process that uses it. `maxPerMinute` absent: the
 * trigger's requests count against the others' limit, and it sets none.
 */
export async function joinCredentialRate(
	ctx: IPollFunctions,
	authentication: AuthenticationMethod,
	maxPerMinute?: number,
): Promise<JoinedRate> {
	const credentialId = Object.values(ctx.getNode().credentials ?? {})[0]?.id ?? '';
	const baseUrl = await asanaBaseUrl(ctx, { authentication });
	const rate = credentialRate(`${credentialId}\u0000${baseUrl}`);
	const consumer = `${ctx.getWorkflow().id ?? ''}\u0000${ctx.getNode().name}`;
	const pollGapMs = shortestPollGapMs(ctx.getNodeParameter('pollTimes', {}));
	rate.join(consumer, maxPerMinute, pollGapMs, Date.now());
	return { rate, consumer, pollGapMs, gate: requestGate(rate, consumer) };
}
