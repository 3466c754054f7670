/**
 * A stream's history of sync tokens, for replaying a time window: Asana answers a token it
 * still accepts with the same events every time, so a token kept from a past poll reads the
 * stream again from there. Kept thinned with age, so a day of polls fits in static data.
 */

/** A time (epoch ms) and a token from which every event created at or after it can be read. */
export type Checkpoint = [time: number, sync: string];

/** Asana keeps a sync token for up to 24 hours: older ones are of no use. */
const CHECKPOINT_MAX_AGE_MS = 24 * 3600 * 1000;

const MINUTE = 60_000;

/**
 * Checkpoints one trigger keeps over all its streams: about 40 KB of static data, so that
 * with the window of recent keys the whole stays under 64 KB.
 */
export const CHECKPOINTS_PER_TRIGGER = 700;

/** How far apart kept checkpoints are, by age: every poll lately, sparser further back. */
const SPACING_BY_AGE: Array<{ upTo: number; spacing: number }> = [
	{ upTo: 15 * MINUTE, spacing: 30_000 },
	{ upTo: 2 * 60 * MINUTE, spacing: 5 * MINUTE },
	{ upTo: CHECKPOINT_MAX_AGE_MS, spacing: 15 * MINUTE },
];

function spacingAt(age: number): number | undefined {
	return SPACING_BY_AGE.find((tier) => age <= tier.upTo)?.spacing;
}

/**
 * The history with `checkpoint` added (at its end: times only grow) and thinned: oldest
 * first, a checkpoint stays when it is young enough and far enough from the one kept before
 * it for its age; then, beyond `maxCount`, evenly chosen ones go, the oldest and the newest
 * staying (many streams: each keeps fewer).
 */
export function addCheckpoint(
	history: readonly Checkpoint[] | undefined,
	checkpoint: Checkpoint,
	now: number,
	maxCount = CHECKPOINTS_PER_TRIGGER,
): Checkpoint[] {
	const all = [...(history ?? []).filter((entry) => entry[0] < checkpoint[0]), checkpoint];
	const kept: Checkpoint[] = [];
	for (const entry of all) {
		const spacing = spacingAt(now - entry[0]);
		if (spacing === undefined) continue;
		const previous = kept.at(-1);
		if (previous && entry !== checkpoint && entry[0] - previous[0] < spacing) continue;
		kept.push(entry);
	}
	if (kept.length <= maxCount) return kept;
	if (maxCount <= 1) return [checkpoint];
	const step = (kept.length - 1) / (maxCount - 1);
	return Array.from({ length: maxCount }, (_, i) => kept[Math.round(i * step)]);
}

export type ReplayStart =
	| { checkpoint: Checkpoint; reachableFrom: number }
	| { checkpoint?: undefined; reachableFrom?: undefined };

/**
 * Where a replay from `from` starts: the newest checkpoint at or before it, else the oldest
 * one there is (and `reachableFrom` says what the replay can cover), else nowhere.
 */
export function replayStart(
	history: readonly Checkpoint[] | undefined,
	from: number,
	now: number,
): ReplayStart {
	const usable = (history ?? []).filter((entry) => now - entry[0] <= CHECKPOINT_MAX_AGE_MS);
	if (!usable.length) return {};
	let start = usable[0];
	for (const entry of usable) if (entry[0] <= from) start = entry;
	return { checkpoint: start, reachableFrom: Math.max(from, start[0]) };
}
