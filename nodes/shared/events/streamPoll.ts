import { mapWithConcurrency } from '../asana/concurrency';
import { RecentKeys, streamEventKey } from './eventKey';
import { drainStream, startStream, type StreamCursor } from './eventStream';
import type { DrainBudget } from '../polling/drainBudget';
import type { AsanaTransport } from '../asana/transport';
import type { AsanaEvent, StreamTarget } from '../asana/types';

/** Keys of recently emitted events kept to drop repeated pages. */
export const RECENT_KEYS_CAPACITY = 1000;

/** Sorts after every ISO time. */
const EVERY_TIME = '\uffff';

/** A stream's identity, the same in every poll: part of each event key. */
export function streamKey(target: StreamTarget): string {
	return `${target.kind}:${target.gid}`;
}

/** One stream to read in a poll. */
export interface StreamToPoll {
	target: StreamTarget;
	/** Where the stream stands; absent for a stream not listened to yet. */
	cursor?: StreamCursor;
	/** Names the stream in errors, in the words of the node's parameters. */
	subject?: string;
	/**
	 * A replay under way: events created before `from` are passed over, and those up to
	 * `until` (ISO) go out again even when the recent window holds them.
	 */
	replay?: { from: string; until: string };
}

/** The events emitted lately, across streams, so that a repeated page is not emitted again. */
export interface RecentWindow {
	/** Keys of the last emitted events, oldest first, at most `RECENT_KEYS_CAPACITY`. */
	keys: string[];
	/**
	 * `created_at` of the newest event emitted so far: a newer event cannot be a repeat, so
	 * only older ones need a key to be looked up in `keys`. Absent: every event is looked up.
	 */
	newestEmitted?: string;
}

/** Where one stream of the poll got to. */
export interface PolledStream {
	target: StreamTarget;
	/** Where it stands now; absent when a new stream got no token within the time budget. */
	cursor?: StreamCursor;
	/** What it emitted, oldest page first. */
	events: AsanaEvent[];
	/** Its stored token was no longer accepted: `cursor` is Asana's fresh one. */
	expired: boolean;
	/** Its first request waited past the time budget: nothing was read from it. */
	unread: boolean;
	/** Why it stopped early without an error. */
	deferred?: string;
	/** Events may be left in it for the next poll. */
	backlog?: boolean;
}

export interface PollResult {
	/** One per stream polled, in the order given. */
	streams: PolledStream[];
	/** How many events the streams emitted. */
	emitted: number;
	/** Events were left for the next poll (cap, read bound or time budget). */
	backlog: boolean;
	requests: number;
	/** The window after this poll's events. */
	recent: RecentWindow;
}

export interface PollOptions {
	/** Shared by every stream of the poll. */
	budget: DrainBudget;
	concurrency: number;
	optFields?: string[];
	/** False drops an event on purpose: the cursor passes it, it is not emitted. */
	wanted?: (event: AsanaEvent) => boolean;
}

/**
 * One poll over many streams: a stream without cursor gets a token, the others are drained
 * in parallel up to `concurrency`, in the order given, under one shared budget. Returns each
 * stream's new cursor and the new window without touching the given ones.
 */
export async function pollStreams(
	transport: AsanaTransport,
	streams: StreamToPoll[],
	recentWindow: RecentWindow,
	options: PollOptions,
): Promise<PollResult> {
	const recent = new RecentKeys(recentWindow.keys, RECENT_KEYS_CAPACITY);
	// A window written before `newestEmitted` existed: every event is looked up.
	const newestKnown =
		recentWindow.newestEmitted ??
		(Array.isArray(recentWindow.keys) && recentWindow.keys.length ? EVERY_TIME : '');
	// The stream is part of the key: an event that reaches two watched streams (a task and its
	// project) is one item per stream, whichever poll each stream reads it in.
	const keyOf = (target: StreamTarget) => (event: AsanaEvent) =>
		streamEventKey(streamKey(target), event);

	const outcomes = await mapWithConcurrency(
		streams,
		options.concurrency,
		async ({ target, cursor, subject, replay }) => {
			if (!cursor) {
				const sync = await startStream(transport, target, { subject });
				return { target, sync, requests: 1 };
			}
			const drained = await drainStream(transport, target, cursor, options.budget, {
				optFields: options.optFields,
				subject,
				wanted: replay
					? (event) => event.created_at >= replay.from && (options.wanted?.(event) ?? true)
					: options.wanted,
				keyOf: keyOf(target),
				emittedBefore: (key) => recent.count(key),
				mayRepeat: replay
					? (event) => event.created_at > replay.until && !(event.created_at > newestKnown)
					: (event) => !(event.created_at > newestKnown),
			});
			return { target, drained, requests: drained.requests };
		},
	);

	const result: PollResult = {
		streams: [],
		emitted: 0,
		backlog: false,
		requests: 0,
		recent: { keys: [] },
	};
	let newest = newestKnown;
	for (const outcome of outcomes) {
		const { target, drained } = outcome;
		result.requests += outcome.requests;
		if (!drained) {
			result.streams.push(
				outcome.sync !== undefined
					? { target, cursor: { sync: outcome.sync }, events: [], expired: false, unread: false }
					: {
							target,
							events: [],
							expired: false,
							unread: true,
							deferred: 'no token yet (time budget)',
						},
			);
			continue;
		}
		if (drained.backlog) result.backlog = true;
		result.streams.push({
			target,
			cursor: drained.cursor,
			events: drained.events,
			expired: drained.expired,
			unread: drained.deferred !== undefined && drained.requests <= 1,
			deferred: drained.deferred,
			backlog: drained.backlog,
		});
		result.emitted += drained.events.length;
		for (const event of drained.events) if (event.created_at > newest) newest = event.created_at;
		// Older keys would be trimmed from the window anyway: only the last ones are computed.
		const keyOfStream = keyOf(target);
		for (const event of drained.events.slice(-RECENT_KEYS_CAPACITY)) recent.add(keyOfStream(event));
	}
	result.recent.keys = recent.toJSON();
	if (newest && newest !== EVERY_TIME) result.recent.newestEmitted = newest;
	return result;
}
