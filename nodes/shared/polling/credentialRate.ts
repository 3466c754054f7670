/**
 * How many requests the triggers of this pack send to Asana with one credential. Asana counts
 * requests per token per minute, shared with every other app of the token's user; this module
 * keeps the pack's share under the lowest Max Requests per Minute of the triggers using the
 * credential, and lowers it after a 429.
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
/** A trigger that has not polled for this long (or two of its poll gaps) takes no share any more. */
const CONSUMER_TTL_MS = 10 * 60_000;

interface Consumer {
	/** Absent for a trigger that has no such option: it counts, but sets no limit and plans no share. */
	maxPerMinute?: number;
	expiresAt: number;
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

	/** Until then, a 429 belongs to the burst that already lowered the rate. */
	private burstUntil = 0;

	/** A trigger polls with this credential; it takes part in the rate until it stops polling. */
	join(consumer: string, maxPerMinute: number | undefined, pollGapMs: number, now: number): void {
		this.consumers.set(consumer, {
			...(maxPerMinute !== undefined ? { maxPerMinute } : {}),
			expiresAt: now + Math.max(CONSUMER_TTL_MS, 2 * pollGapMs),
		});
	}

	/** The triggers that set a Max Requests per Minute, and so plan their polls by a share. */
	private planners(now: number): number[] {
		const limits: number[] = [];
		for (const [key, consumer] of this.consumers) {
			if (consumer.expiresAt <= now) this.consumers.delete(key);
			else if (consumer.maxPerMinute !== undefined) limits.push(consumer.maxPerMinute);
		}
		return limits;
	}

	/**
	 * Requests per minute allowed now: the lowest Max Requests per Minute of the triggers,
	 * lowered after a 429; no limit while none of the triggers sets one.
	 */
	limit(now: number): number {
		if (now >= this.loweredUntil) this.share = 1;
		const limits = this.planners(now);
		if (!limits.length) return Number.POSITIVE_INFINITY;
		return Math.max(1, Math.floor(Math.min(...limits) * this.share));
	}

	private inWindow(now: number): Array<{ at: number; consumer: string }> {
		let expired = 0;
		while (expired < this.sent.length && this.sent[expired].at <= now - RATE_WINDOW_MS) expired++;
		if (expired) this.sent.splice(0, expired);
		return this.sent;
	}

	/**
	 * How many requests `consumer` may plan for the poll it starts now: an equal share of the
	 * limit among the triggers using the credential, paced over the minute by its poll gap,
	 * less what it sent in the last minute, and never more than the credential has left.
	 */
	allowance(consumer: string, pollGapMs: number, now: number): number {
		const limit = this.limit(now);
		const sent = this.inWindow(now);
		const shareOfLimit = Math.ceil(limit / Math.max(1, this.planners(now).length));
		const perPoll = Math.ceil(
			(shareOfLimit * Math.min(RATE_WINDOW_MS, pollGapMs)) / RATE_WINDOW_MS,
		);
		const ownSent = sent.filter((request) => request.consumer === consumer).length;
		return Math.max(0, Math.min(limit - sent.length, shareOfLimit - ownSent, perPoll));
	}

	/** Counts one request if the credential may send it now; false when it must wait. */
	take(consumer: string, now: number): boolean {
		const sent = this.inWindow(now);
		if (sent.length >= this.limit(now)) return false;
		sent.push({ at: now, consumer });
		return true;
	}

	/** When `take` may succeed next. */
	nextSlotAt(now: number): number {
		const limit = this.limit(now);
		if (!Number.isFinite(limit)) return now;
		const sent = this.inWindow(now);
		return sent.length >= limit ? sent[sent.length - limit].at + RATE_WINDOW_MS : now;
	}

	/**
	 * Asana answered 429: the rate is halved for a while (the request itself waits its
	 * Retry-After in the transport). The 429s of requests that were in flight together lower
	 * it once.
	 */
	rateLimited(now: number, retryAfterMs = 0): void {
		if (now >= this.burstUntil) this.share = Math.max(MIN_RATE_SHARE, this.share / 2);
		this.burstUntil = Math.max(this.burstUntil, now + Math.max(RATE_LIMIT_BURST_MS, retryAfterMs));
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
