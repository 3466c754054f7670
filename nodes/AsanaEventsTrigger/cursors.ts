/**
 * Where each watched stream stands after a poll whose items go out: its cursor (before the
 * first event that waits, if one does), when it was read, what it is called, its checkpoints,
 * its schedule, and its replay. A stream no longer watched is dropped with its record.
 */
import type { Hold } from './changes';
import { addCheckpoint, CHECKPOINTS_PER_TRIGGER } from './checkpoints';
import type { ReadOutcome, ReadResult } from './read';
import { scheduleAfterRead, type SchedulePolicy } from './schedule';
import { recordKey, type WatchedTarget } from './settings';
import type { StreamRecord } from './state';

export interface PollOutcome {
	read: ReadResult;
	/** Where reads that wait stand, by index in `read.outcomes`. */
	holds: Map<number, Hold>;
	pollTime: number;
	policy: SchedulePolicy;
}

/** A live read's record after the poll. */
function afterLiveRead(
	watched: WatchedTarget,
	before: StreamRecord | undefined,
	outcome: ReadOutcome,
	hold: Hold | undefined,
	poll: PollOutcome,
	maxCheckpoints: number,
): StreamRecord | undefined {
	const { pollTime, policy } = poll;
	if (outcome.started !== undefined)
		return {
			cursor: { sync: outcome.started },
			lastPollAt: pollTime,
			checkpoints: [[pollTime, outcome.started]],
			schedule: scheduleAfterRead(undefined, false, pollTime, policy),
		};
	const drained = outcome.drained;
	if (!drained || !before || outcome.unread) return before;
	const cursor = hold?.cursor ?? drained.cursor;
	// What the events told of the watched object (see read.ts), kept where the settings do not say it.
	const learned = outcome.read.target;
	const typeOf = (target: WatchedTarget) =>
		target.kind === 'resource' ? target.resourceType : undefined;
	const resourceType = typeOf(learned) !== typeOf(watched) ? typeOf(learned) : before.resourceType;
	const name = learned.listedName !== watched.listedName ? learned.listedName : before.name;
	// Not read to its end: read up to the event that waits (its instant may hold more), else up
	// to the newest event taken, else where it stood.
	const upTo = hold
		? drained.events[hold.taken].created_at
		: drained.backlog
			? drained.events.at(-1)?.created_at
			: undefined;
	const backlogAt =
		hold || drained.backlog
			? upTo
				? Date.parse(upTo)
				: (before.backlogAt ?? before.lastPollAt)
			: undefined;
	let checkpoints = before.checkpoints;
	if (!cursor.handled?.length) {
		const time = backlogAt !== undefined ? Math.min(pollTime, backlogAt + 1) : pollTime;
		checkpoints = addCheckpoint(checkpoints, [time, cursor.sync], pollTime, maxCheckpoints);
	}
	const {
		backlogAt: _previous,
		checkpoints: _before,
		schedule: _schedule,
		resourceType: _type,
		name: _name,
		...kept
	} = before;
	return {
		...kept,
		cursor,
		lastPollAt: pollTime,
		...(backlogAt !== undefined ? { backlogAt } : {}),
		...(resourceType ? { resourceType } : {}),
		...(name ? { name } : {}),
		...(checkpoints?.length ? { checkpoints } : {}),
		schedule: scheduleAfterRead(before.schedule, drained.events.length > 0, pollTime, policy),
	};
}

/** A replay's record after the poll: gone once read past its window, to the end, or refused. */
function afterReplayRead(
	record: StreamRecord,
	outcome: ReadOutcome,
	hold: Hold | undefined,
): StreamRecord {
	const drained = outcome.drained;
	const replay = record.replay;
	if (!replay || outcome.unread || !drained) return record;
	const over = drained.expired || drained.stopped || (!drained.backlog && !hold);
	const { replay: _done, ...rest } = record;
	return over ? rest : { ...rest, replay: { ...replay, cursor: hold?.cursor ?? drained.cursor } };
}

/**
 * The records of the watched streams after a poll: a stream read gets its new record, one left
 * for later keeps its own.
 */
export function advanceStreams(
	targets: WatchedTarget[],
	records: Readonly<Record<string, StreamRecord>>,
	poll: PollOutcome,
): Record<string, StreamRecord> {
	// The trigger's share of checkpoints, split between its streams.
	const maxCheckpoints = Math.floor(CHECKPOINTS_PER_TRIGGER / Math.max(1, targets.length));
	const next: Record<string, StreamRecord> = {};
	for (const target of targets) {
		const record = records[recordKey(target)];
		if (record) next[recordKey(target)] = record;
	}
	const watchedBy = new Map(targets.map((target) => [recordKey(target), target]));
	poll.read.outcomes.forEach((outcome, index) => {
		const key = recordKey(outcome.read.target);
		const watched = watchedBy.get(key);
		if (!watched || (!(key in next) && outcome.started === undefined)) return;
		const hold = poll.holds.get(index);
		const record = outcome.read.replay
			? afterReplayRead(next[key], outcome, hold)
			: afterLiveRead(watched, next[key], outcome, hold, poll, maxCheckpoints);
		if (record) next[key] = record;
	});
	return next;
}

/** The oldest position the streams were read up to: a change before it comes by no stream again. */
export function oldestPosition(
	streams: Readonly<Record<string, StreamRecord>>,
	now: number,
): number {
	let oldest = now;
	for (const record of Object.values(streams))
		oldest = Math.min(oldest, record.backlogAt ?? record.lastPollAt);
	return oldest;
}
