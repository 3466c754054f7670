/**
 * Which streams a poll reads: the trigger's allowance of its credential's request rate, spent
 * on busy streams first without letting a quiet one go unread past Max Staleness; and, for
 * each, what it reads from (its cursor, and a replay's cursor while one is under way).
 */
import type { IPollFunctions } from 'n8n-workflow';

import type { RequestGate } from '../shared/asana/transport';
import type { StreamCursor } from '../shared/events/eventStream';
import { joinCredentialRate, type PollDemand } from '../shared/polling/credentialRate';
import type { StreamRead } from './read';
import type { StreamReplay } from './replay';
import type { EventsTriggerSettings, WatchedTarget } from './settings';

/** What the scheduler keeps per stream, in the trigger's state. */
export interface ReadSchedule {
	/** The last read brought events: the stream is read every poll. */
	busy: boolean;
	/** How long a quiet stream may go unread; grows with each quiet read, up to Max Staleness. */
	backoffMs: number;
	/** Epoch ms of the last read that brought events: a stream busy lately is likelier to be again. */
	busyAt?: number;
}

export interface SchedulePolicy {
	pollGapMs: number;
	maxStalenessMs: number;
}

export interface Schedulable<T> {
	stream: T;
	/** The stream has a cursor: it is listened to. */
	started: boolean;
	/** Epoch ms of its last read. */
	lastReadAt?: number;
	schedule?: ReadSchedule;
}

/**
 * The streams to read now, at most the allowance given for what is due (`allowanceFor`), in
 * this order: streams not listened to yet (a new project listens from when it is found);
 * a slice of the quiet streams that would pass Max Staleness before the next poll, oldest
 * first; busy streams, least lately read first; the other quiet streams about to pass Max
 * Staleness; quiet streams whose backoff is over, the latest busy first; then, while the
 * allowance lasts, the other quiet streams in the same order, so a budget that covers every
 * stream reads every stream every poll.
 *
 * The slice is what quiet streams need in steady state, each read once per Max Staleness,
 * and never more than half the allowance. When the allowance covers the busy streams and that
 * need, this reads the same streams as busy first; when it is short (after a 429, or a budget
 * sized too small) neither class takes it all: quiet streams bunched at the edge (after polls
 * that read nothing) do not keep the busy ones waiting poll after poll, and busy streams do
 * not leave quiet ones unread for good. Busy streams left out take their turn next poll.
 */
export function planReads<T>(
	streams: Array<Schedulable<T>>,
	allowanceFor: (demand: PollDemand) => number,
	now: number,
	policy: SchedulePolicy,
): T[] {
	type Entry = { stream: T; order: number; then: number };
	const [fresh, stale, busy, due, later]: Entry[][] = [[], [], [], [], []];
	for (const candidate of streams) {
		const { stream, schedule } = candidate;
		const readAt = candidate.lastReadAt ?? 0;
		if (!candidate.started) fresh.push({ stream, order: 0, then: 0 });
		else if (now + policy.pollGapMs - readAt > policy.maxStalenessMs)
			stale.push({ stream, order: readAt, then: 0 });
		// Busy streams the budget did not cover last time go first: no busy stream waits twice.
		else if (!schedule || schedule.busy) busy.push({ stream, order: readAt, then: 0 });
		else {
			// The latest busy first: likeliest to have events again. Then the longest due.
			const dueAt = readAt + schedule.backoffMs;
			(dueAt <= now ? due : later).push({ stream, order: -(schedule.busyAt ?? 0), then: dueAt });
		}
	}
	// Sorts are stable: streams of one order keep the order given (the trigger's rotation).
	for (const tier of [stale, busy, due, later])
		tier.sort((a, b) => a.order - b.order || a.then - b.then);
	const allowance = Math.max(
		0,
		allowanceFor({
			due: fresh.length + stale.length + busy.length + due.length,
			all: streams.length,
		}),
	);
	const quiet = streams.filter((s) => s.started && s.schedule && !s.schedule.busy).length;
	const readsPerStaleness = Math.max(1, Math.floor(policy.maxStalenessMs / policy.pollGapMs));
	const slice = Math.min(Math.ceil(quiet / readsPerStaleness), Math.floor(allowance / 2));
	return [...fresh, ...stale.slice(0, slice), ...busy, ...stale.slice(slice), ...due, ...later]
		.slice(0, allowance)
		.map((entry) => entry.stream);
}

/** The schedule after a read at `at`: busy when it brought events; otherwise the backoff doubles, from one poll gap up to Max Staleness. */
export function scheduleAfterRead(
	before: ReadSchedule | undefined,
	hadEvents: boolean,
	at: number,
	policy: SchedulePolicy,
): ReadSchedule {
	if (hadEvents) return { busy: true, backoffMs: 0, busyAt: at };
	const busyAt = before?.busyAt !== undefined ? { busyAt: before.busyAt } : {};
	// A stream just started has nothing to show yet: read it next poll.
	if (!before) return { busy: false, backoffMs: 0 };
	const doubled = Math.max(policy.pollGapMs, 2 * before.backoffMs);
	return { busy: false, backoffMs: Math.min(policy.maxStalenessMs, doubled), ...busyAt };
}

/** The trigger's part in its credential's request rate, for one poll. */
export interface TriggerRate {
	/** For the transport: every request of the poll counts. */
	gate: RequestGate;
	policy: SchedulePolicy;
	/** How many streams the trigger may read at `now`, of those it would read. */
	allowance(demand: PollDemand, now: number): number;
}

/** Joins the credential's rate with this trigger's Max Requests per Minute and Max Staleness. */
export async function joinTriggerRate(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
): Promise<TriggerRate> {
	const { rate, consumer, pollGapMs, gate } = await joinCredentialRate(
		ctx,
		settings.authentication,
		settings.scheduler.maxRequestsPerMinute,
	);
	const policy = { pollGapMs, maxStalenessMs: settings.scheduler.maxStalenessMs };
	return { gate, policy, allowance: (demand, now) => rate.allowance(consumer, demand, now) };
}

/** What the plan needs of a stream's record. */
interface Scheduled {
	cursor: StreamCursor;
	lastPollAt: number;
	schedule?: ReadSchedule;
	/** Epoch ms up to which a stream with a backlog has been read. */
	backlogAt?: number;
	replay?: StreamReplay;
	/** The watched object's type and name, as Asana gave them. */
	resourceType?: string;
	name?: string;
}

/** The target with the type and name Asana gave it, for its items' summaries and links. */
function known(target: WatchedTarget, record: Scheduled | undefined): WatchedTarget {
	if (target.kind === 'workspace' || !record) return target;
	const resourceType = record.resourceType ?? target.resourceType;
	const listedName = record.name ?? target.listedName;
	return {
		...target,
		...(resourceType ? { resourceType } : {}),
		...(listedName ? { listedName } : {}),
	};
}

/** The rotation the next poll starts with: the stream after the one this poll started with. */
export function nextRotation(rotation: number, streams: number): number {
	return (streams ? rotation % streams : 0) + 1;
}

/** The reads of one poll, and the watched streams left for a later one. */
export interface ReadPlan {
	reads: StreamRead[];
	/** Left for the credential's rate. */
	skipped: WatchedTarget[];
	/** Left while the oldest backlog catches up. */
	waiting: WatchedTarget[];
}

export interface PollPlanInput {
	targets: WatchedTarget[];
	recordOf: (target: WatchedTarget) => Scheduled | undefined;
	/** Whose turn it is among streams of equal need. */
	rotation: number;
	/** How many streams the credential's rate allows, of those the poll would read. */
	allowance: (demand: PollDemand) => number;
	now: number;
	policy: SchedulePolicy;
	subjectOf: (target: WatchedTarget) => string;
	/** The changes kept to recognise run short (SeenChanges.isCrowded). */
	seenCrowded: boolean;
}

/**
 * Streams with a backlog ahead of the oldest one, which wait for it while the changes kept to
 * recognise run short: a change a leading stream emits must still be known when the stream
 * behind brings it too (a task's stream and its project's), or it would go out twice.
 */
function aheadOfOldestBacklog(
	targets: WatchedTarget[],
	recordOf: PollPlanInput['recordOf'],
): Set<WatchedTarget> {
	const backlogs = targets.flatMap((target) => {
		const at = recordOf(target)?.backlogAt;
		return at === undefined ? [] : [{ target, at }];
	});
	const oldest = Math.min(...backlogs.map((backlog) => backlog.at));
	return new Set(backlogs.filter((backlog) => backlog.at > oldest).map(({ target }) => target));
}

/**
 * The reads of this poll. Among streams of equal need the one whose turn it is (`rotation`)
 * goes first; every replay under way is read too.
 */
export function planPoll(input: PollPlanInput): ReadPlan {
	const { targets, recordOf, rotation, allowance, now, policy, subjectOf } = input;
	const waiting = input.seenCrowded ? aheadOfOldestBacklog(targets, recordOf) : new Set();
	const turn = targets.length ? rotation % targets.length : 0;
	const rotated = [...targets.slice(turn), ...targets.slice(0, turn)];
	const chosen = new Set(
		planReads(
			rotated
				.filter((target) => !waiting.has(target))
				.map((target) => {
					const record = recordOf(target);
					return {
						stream: target,
						started: record !== undefined,
						lastReadAt: record?.lastPollAt,
						schedule: record?.schedule,
					};
				}),
			allowance,
			now,
			policy,
		),
	);
	const reads: StreamRead[] = rotated
		.filter((target) => chosen.has(target))
		.map((target) => {
			const record = recordOf(target);
			return {
				target: known(target, record),
				...(record ? { cursor: record.cursor } : {}),
				subject: subjectOf(target),
			};
		});
	for (const target of rotated) {
		const record = recordOf(target);
		if (record?.replay)
			reads.push({
				target: known(target, record),
				cursor: record.replay.cursor,
				subject: `${subjectOf(target)} (replay)`,
				replay: { from: record.replay.from, until: record.replay.until },
			});
	}
	return {
		reads,
		skipped: rotated.filter((target) => !chosen.has(target) && !waiting.has(target)),
		waiting: rotated.filter((target) => waiting.has(target)),
	};
}
