/**
 * "Options › Replay From": a new value sends each watched stream back to its checkpoint at
 * or before that time; the events from then to the stream's last read go out again, marked
 * `replayed`, and the stream carries on live from there.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { replayStart } from '../shared/events/checkpoints';
import type { PollResult } from '../shared/events/streamPoll';
import type { ReplayFrom } from '../shared/replay/replayFrom';
import { describeStream } from './output';
import type { WatchedTarget } from './parameters';
import type { EventsTriggerState, StreamReplay } from './state';

/**
 * Starts the replay of a Replay From value not acted on yet; the same value again does
 * nothing, and neither does clearing it. Returns one notice per stream that cannot replay
 * the whole window.
 */
export function beginReplay(
	state: EventsTriggerState,
	targets: WatchedTarget[],
	replayFrom: ReplayFrom | undefined,
	now: number,
): INodeExecutionData[] {
	if (!replayFrom || replayFrom.value === state.replayFrom) return [];
	const from = new Date(replayFrom.at).toISOString();
	const starts = state.beginReplay(replayFrom.value, targets, (record) =>
		replayStart(record.checkpoints, replayFrom.at, now),
	);
	return starts
		.filter((start) => start.reachableFrom === undefined || start.reachableFrom > replayFrom.at)
		.map(({ target, label, reachableFrom }) => {
			const reachable = reachableFrom === undefined ? null : new Date(reachableFrom).toISOString();
			return {
				json: {
					replay_notice: true,
					reason: 'beyond_reach',
					stream: describeStream(target),
					replay_from: from,
					reachable_from: reachable,
					message: reachable
						? `Events of ${label} between ${from} and ${reachable} cannot be replayed: Asana keeps sync tokens for at most 24 hours and the trigger has none older for this stream. The events from ${reachable} on are replayed.`
						: `Events of ${label} since ${from} cannot be replayed: the trigger holds no sync token of this stream from then (it had not read it yet, or the tokens are older than 24 hours).`,
				},
			};
		});
}

/** Marks the events a replay sends again: those created up to the stream's last read before it. */
export function markReplayed(
	result: PollResult,
	replayOf: (target: WatchedTarget) => StreamReplay | undefined,
): void {
	for (const stream of result.streams) {
		const replay = replayOf(stream.target);
		if (!replay) continue;
		for (const event of stream.events)
			if (event.created_at <= replay.until) (event as unknown as IDataObject).replayed = true;
	}
}
