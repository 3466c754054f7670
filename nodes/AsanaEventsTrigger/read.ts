/**
 * Reads the pages of the streams a poll reads, in parallel up to its concurrency, under one
 * budget: each stream from its cursor, each replay under way from its own cursor. A stream
 * not listened to yet gets its first token.
 */
import { mapWithConcurrency } from '../shared/asana/concurrency';
import type { AsanaTransport } from '../shared/asana/transport';
import type { AsanaEvent } from '../shared/asana/types';
import { EVENT_OPT_FIELDS, matchesFilters, type EventFilters } from '../shared/events/eventFilters';
import { namedIn } from '../shared/events/eventShape';
import {
	decidingStory,
	joinsProject,
	mayMatch,
	needsEvidence,
	type TriggerOnRules,
} from '../shared/events/intent';
import {
	drainStream,
	startStream,
	type DrainResult,
	type StreamCursor,
} from '../shared/events/eventStream';
import type { DrainBudget } from '../shared/polling/drainBudget';
import type { WatchedTarget } from './settings';

/** One read of a poll: a stream from its cursor, or a replay under way from the replay's. */
export interface StreamRead {
	target: WatchedTarget;
	/** Absent for a stream not listened to yet: it gets a token. */
	cursor?: StreamCursor;
	/** Names the stream in errors, in the words of the node's parameters. */
	subject: string;
	/** A replay: events from `from` up to `until` (ISO) are taken, none after. */
	replay?: { from: string; until: string };
}

/** What one read got. */
export interface ReadOutcome {
	/** The read, its target with the type and name its events gave the watched object. */
	read: StreamRead;
	/** The pages read; absent for a new stream. */
	drained?: DrainResult;
	/** A new stream's first token: it listens from now. */
	started?: string;
	/** Its first request waited past the time budget, or it failed: nothing was read. */
	unread: boolean;
	/** The read failed (see failures.ts): this stream's cursor stays, the others go on. */
	error?: Error;
}

export interface ReadResult {
	outcomes: ReadOutcome[];
	requests: number;
	/** Events were left for the next poll (cap, read bound or time budget). */
	backlog: boolean;
}

/** Which events a poll's reads hand back, under its Trigger On choices and Filters. */
export interface ReadSelection {
	/** False passes an event over on purpose: the cursor moves past it. */
	wanted: (event: AsanaEvent) => boolean;
	/** Events that may decide others: handed back whether taken or not. */
	evidence: (event: AsanaEvent) => boolean;
	/** Read on past the last event taken, for what Asana wrote at its instant (see drainStream). */
	lookAhead: boolean;
}

export function selectionFor(triggerOn: TriggerOnRules, filters: EventFilters): ReadSelection {
	return {
		wanted: (event) => mayMatch(event, triggerOn) && matchesFilters(event, filters),
		evidence: (event) => joinsProject(event) || decidingStory(event) !== undefined,
		lookAhead: needsEvidence(triggerOn),
	};
}

export interface ReadOptions extends ReadSelection {
	/** Shared by every read of the poll. */
	budget: DrainBudget;
	concurrency: number;
}

async function readOne(
	transport: AsanaTransport,
	read: StreamRead,
	options: ReadOptions,
): Promise<{ outcome: ReadOutcome; requests: number }> {
	const { target, cursor, subject, replay } = read;
	if (!cursor) {
		const sync = await startStream(transport, target, { subject });
		return {
			outcome: {
				read,
				...(sync !== undefined ? { started: sync } : {}),
				unread: sync === undefined,
			},
			requests: 1,
		};
	}
	const drained = await drainStream(transport, target, cursor, options.budget, {
		optFields: EVENT_OPT_FIELDS,
		subject,
		wanted: replay
			? (event) => event.created_at >= replay.from && options.wanted(event)
			: options.wanted,
		evidence: options.evidence,
		lookAhead: options.lookAhead,
		...(replay ? { stopAfter: replay.until } : {}),
	});
	// Nothing asked (the budget was spent), or the first request waited past the time budget.
	const unread =
		drained.requests === 0 || (drained.deferred !== undefined && drained.requests <= 1);
	// Under a Trigger On choice the events that name the stream (a task added to it) are evidence.
	const names = { ...namedIn(target, drained.evidence), ...namedIn(target, drained.events) };
	const named = { ...read, target: { ...target, ...names } };
	return {
		outcome: { read: named, drained, unread },
		requests: drained.requests,
	};
}

/** A stream's error stays with its outcome: the poll decides what it means (failures.ts). */
async function readOrFail(
	transport: AsanaTransport,
	read: StreamRead,
	options: ReadOptions,
): Promise<{ outcome: ReadOutcome; requests: number }> {
	try {
		return await readOne(transport, read, options);
	} catch (error) {
		const failure = error instanceof Error ? error : new Error(String(error));
		return { outcome: { read, unread: true, error: failure }, requests: 1 };
	}
}

export async function readStreams(
	transport: AsanaTransport,
	reads: StreamRead[],
	options: ReadOptions,
): Promise<ReadResult> {
	const done = await mapWithConcurrency(reads, options.concurrency, (read) =>
		readOrFail(transport, read, options),
	);
	return {
		outcomes: done.map((one) => one.outcome),
		requests: done.reduce((sum, one) => sum + one.requests, 0),
		backlog: done.some(
			(one) =>
				(one.outcome.unread && !one.outcome.error) || (one.outcome.drained?.backlog ?? false),
		),
	};
}
