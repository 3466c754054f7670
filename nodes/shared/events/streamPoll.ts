import type { IDataObject } from 'n8n-workflow';

import { mapWithConcurrency } from '../asana/concurrency';
import { eventIdentity, RecentKeys, shortKey } from './eventKey';
import { drainStream, startStream, type DrainBudget, type StreamCursor } from './eventStream';
import type { AsanaTransport } from '../asana/transport';
import type { AsanaEvent, StreamTarget } from '../asana/types';

/** Version of the layout below; a different version is read as "no state". */
export const STATE_VERSION = 1;
/** Keys of recently emitted events kept to drop repeated pages. */
export const RECENT_KEYS_CAPACITY = 1000;

export interface StoredStream extends StreamCursor {
	/** Epoch ms of the last poll that read this stream successfully. */
	lastPollAt: number;
}

/** What the events trigger keeps in workflow static data. */
export interface EventsTriggerState {
	version: number;
	/** Keyed by `streamKey()`, so editing the resource list keeps the cursors that stayed. */
	streams: Record<string, StoredStream>;
	recent: string[];
	/**
	 * `created_at` of the newest event emitted so far: a newer event cannot be a repeat, so
	 * only older ones need a key to be looked up in `recent`. Absent: every event is looked up.
	 */
	newestEmitted?: string;
	/** Which stream goes first next poll, so a capped backlog cannot starve the others. */
	rotation: number;
}

/** Sorts after every ISO time. */
const EVERY_TIME = '\uffff';

export function streamKey(target: StreamTarget): string {
	return `${target.kind}:${target.gid}`;
}

export function readState(staticData: IDataObject): EventsTriggerState {
	const stored = staticData.eventsTrigger as EventsTriggerState | undefined;
	if (!stored || stored.version !== STATE_VERSION || typeof stored.streams !== 'object') {
		return { version: STATE_VERSION, streams: {}, recent: [], rotation: 0 };
	}
	return stored;
}

export function writeState(staticData: IDataObject, state: EventsTriggerState): void {
	staticData.eventsTrigger = state as unknown as IDataObject;
}

/** What one stream gave in a poll, in the order Asana sent it. */
export interface StreamEvents {
	target: StreamTarget;
	events: AsanaEvent[];
}

export interface ExpiredStream {
	target: StreamTarget;
	lastPollAt?: number;
}

export interface PollResult {
	/** Per stream, so no object is made per event to say which stream it came from. */
	streams: StreamEvents[];
	/** Streams whose stored token Asana no longer accepted. */
	expired: ExpiredStream[];
	/** Events were left for the next poll (cap or time budget). */
	backlog: boolean;
	requests: number;
	deferred: string[];
	state: EventsTriggerState;
}

export interface PollOptions {
	maxEvents: number;
	deadline: number;
	concurrency: number;
	optFields?: string[];
	now?: () => number;
	/** Names a stream in errors, in the words of the node's parameters. */
	describeTarget?: (target: StreamTarget) => string;
}

/**
 * One poll over many streams: new streams get a token, known streams are drained in
 * parallel up to `concurrency` under one shared cap and deadline. Returns the next state
 * without touching the given one, so a failed poll leaves static data as it was.
 */
export async function pollStreams(
	transport: AsanaTransport,
	targets: StreamTarget[],
	previous: EventsTriggerState,
	options: PollOptions,
): Promise<PollResult> {
	const now = options.now ?? Date.now;
	const recent = new RecentKeys(previous.recent, RECENT_KEYS_CAPACITY);
	const budget: DrainBudget = { remaining: options.maxEvents, deadline: options.deadline };
	const rotation = targets.length ? previous.rotation % targets.length : 0;
	const ordered = [...targets.slice(rotation), ...targets.slice(0, rotation)];

	// State written before `newestEmitted` existed: every event is looked up.
	const newestKnown =
		previous.newestEmitted ??
		(Array.isArray(previous.recent) && previous.recent.length ? EVERY_TIME : '');
	// The stream is part of the key: an event that reaches two watched streams (a task and its
	// project) is one item per stream, whichever poll each stream reads it in.
	const keyOf = (target: StreamTarget) => {
		const prefix = `${streamKey(target)}|`;
		return (event: AsanaEvent) => shortKey(prefix + eventIdentity(event));
	};

	const outcomes = await mapWithConcurrency(ordered, options.concurrency, async (target) => {
		const subject = options.describeTarget?.(target);
		const stored = previous.streams[streamKey(target)];
		if (!stored) {
			const sync = await startStream(transport, target, { subject });
			return { target, stored, sync, requests: 1 };
		}
		const drained = await drainStream(transport, target, stored, budget, {
			optFields: options.optFields,
			subject,
			keyOf: keyOf(target),
			emittedBefore: (key) => recent.count(key),
			mayRepeat: (event) => !(event.created_at > newestKnown),
			now,
		});
		return { target, stored, drained, requests: drained.requests };
	});

	const result: PollResult = {
		streams: [],
		expired: [],
		backlog: false,
		requests: 0,
		deferred: [],
		state: { version: STATE_VERSION, streams: {}, recent: [], rotation: rotation + 1 },
	};
	const pollTime = now();
	let newest = newestKnown;
	for (const outcome of outcomes) {
		const key = streamKey(outcome.target);
		result.requests += outcome.requests;
		if (!('drained' in outcome) || !outcome.drained) {
			if (outcome.sync !== undefined) {
				result.state.streams[key] = { sync: outcome.sync, lastPollAt: pollTime };
			} else {
				result.deferred.push(`${key}: no token yet (time budget)`);
			}
			continue;
		}
		const { drained, stored } = outcome;
		if (drained.expired)
			result.expired.push({ target: outcome.target, lastPollAt: stored?.lastPollAt });
		if (drained.backlog) result.backlog = true;
		if (drained.deferred) result.deferred.push(`${key}: ${drained.deferred}`);
		// A stream that could not be read this time keeps the time of its last successful read.
		const lastPollAt =
			drained.deferred && drained.requests <= 1 && stored ? stored.lastPollAt : pollTime;
		result.state.streams[key] = { ...drained.cursor, lastPollAt };
		if (drained.events.length)
			result.streams.push({ target: outcome.target, events: drained.events });
		for (const event of drained.events) if (event.created_at > newest) newest = event.created_at;
		// Older keys would be trimmed from the window anyway: only the last ones are computed.
		const keyOfStream = keyOf(outcome.target);
		for (const event of drained.events.slice(-RECENT_KEYS_CAPACITY)) recent.add(keyOfStream(event));
	}
	result.state.recent = recent.toJSON();
	if (newest && newest !== EVERY_TIME) result.state.newestEmitted = newest;
	return result;
}
