/**
 * "Options › Replay From": a new value sends a replay through each watched stream with a
 * checkpoint at or before that time (else its oldest). The replay reads with a cursor of its
 * own: the events from the time to the stream's last read go out again, marked `replayed`,
 * while the stream's own cursor goes on with what is new.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { ReplayFrom } from '../shared/editor/replayFromOption';
import type { StreamCursor } from '../shared/events/eventStream';
import { replayStart, type Checkpoint } from './checkpoints';
import { describeStream, noticeFields, streamUrl } from './items';
import { recordKey, type WatchedTarget } from './settings';

/** A replay under way: its cursor reads the stream again; events from `from` to `until` (ISO) go out again. */
export interface StreamReplay {
	cursor: StreamCursor;
	from: string;
	until: string;
}

/** What a replay needs of a stream's record. */
interface Replayable {
	lastPollAt: number;
	checkpoints?: Checkpoint[];
	resourceType?: string;
	replay?: StreamReplay;
}

export interface ReplayStart<R> {
	/** The records with the replays begun. */
	streams: Record<string, R>;
	/** One notice per stream that cannot replay the whole window. */
	notices: INodeExecutionData[];
}

function replayNotice(
	target: WatchedTarget,
	record: Replayable | undefined,
	reason: 'beyond_reach' | 'refused',
	fields: IDataObject,
	message: string,
): INodeExecutionData {
	return {
		json: {
			replay_notice: true,
			reason,
			stream: describeStream(target),
			...fields,
			message,
			...noticeFields(
				`replay|${reason}|${recordKey(target)}|${String(fields.replay_from)}`,
				message,
				streamUrl(target, record?.resourceType),
			),
		},
	};
}

/**
 * Begins the replay of a Replay From value not acted on yet (`actedOn` is the last one); the
 * same value again does nothing, and neither does clearing it.
 */
export function beginReplay<R extends Replayable>(
	targets: WatchedTarget[],
	records: Readonly<Record<string, R>>,
	replayFrom: ReplayFrom,
	now: number,
	newestEmitted: number,
	labelOf: (target: WatchedTarget) => string,
): ReplayStart<R> {
	const streams = { ...records };
	const notices: INodeExecutionData[] = [];
	const from = new Date(replayFrom.at).toISOString();
	for (const target of targets) {
		const key = recordKey(target);
		const record = streams[key];
		const start = replayStart(record?.checkpoints, replayFrom.at, now);
		if (record && start.checkpoint) {
			// Asana's clock may run ahead of this one: the newest event emitted counts as read too.
			const until = Math.max(record.lastPollAt, newestEmitted);
			streams[key] = {
				...record,
				replay: {
					cursor: { sync: start.checkpoint[1] },
					from: new Date(start.reachableFrom).toISOString(),
					until: new Date(until).toISOString(),
				},
			};
		}
		if (start.reachableFrom !== undefined && start.reachableFrom <= replayFrom.at) continue;
		const reachable =
			start.reachableFrom === undefined ? null : new Date(start.reachableFrom).toISOString();
		const label = labelOf(target);
		notices.push(
			replayNotice(
				target,
				record,
				'beyond_reach',
				{ replay_from: from, reachable_from: reachable },
				reachable
					? `Events of ${label} between ${from} and ${reachable} cannot be replayed: Asana keeps sync tokens for at most 24 hours and the trigger has none older for this stream. The events from ${reachable} on are replayed.`
					: `Events of ${label} since ${from} cannot be replayed: the trigger holds no sync token of this stream from then (it had not read it yet, or the tokens are older than 24 hours).`,
			),
		);
	}
	return { streams, notices };
}

/**
 * Asana refused the token a replay read with: what it could not send again, from `since` (the
 * last event it did send, else the replay's start).
 */
export function refusedReplayNotice(
	target: WatchedTarget,
	record: Replayable,
	label: string,
	since: string | undefined,
): INodeExecutionData | undefined {
	const replay = record.replay;
	if (!replay) return undefined;
	const from = since ?? replay.from;
	return replayNotice(
		target,
		record,
		'refused',
		{ replay_from: replay.from, not_replayed_from: from, replay_until: replay.until },
		`Events of ${label} between ${from} and ${replay.until} were not replayed: Asana no longer accepts the sync token the replay read with (tokens last at most 24 hours). New events go on as before.`,
	);
}
