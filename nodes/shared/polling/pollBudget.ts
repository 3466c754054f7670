import { toCronExpression, type IDataObject, type IPollFunctions } from 'n8n-workflow';

/** Used when the schedule cannot be read (an expression n8n's scheduler takes but this reader does not). */
export const DEFAULT_POLL_GAP_MS = 60_000;
/** A poll of a rare schedule (hourly, daily) still stops fetching after this long. */
export const MAX_POLL_BUDGET_MS = 5 * 60_000;
/** Share of the gap to the next poll spent fetching; the rest is left for emitting and requests in flight. */
const BUDGET_SHARE = 0.6;
const MIN_BUDGET_MS = 1_000;
const DAY_S = 24 * 3600;

type PollTimeItem = Parameters<typeof toCronExpression>[0];
type PollFunctionsWithBudget = IPollFunctions & { getPollBudgetMs?: () => number };

/** The values a cron field allows, from `*`, `n`, `a-b`, `*\/n`, `a-b/n` and lists of them; undefined when unreadable. */
function fieldValues(field: string, min: number, max: number): number[] | undefined {
	const values = new Set<number>();
	for (const part of field.split(',')) {
		const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part.trim());
		if (!match) return undefined;
		const [, start, end, step] = match;
		const from = start === '*' ? min : Number(start);
		const to = start === '*' ? max : end !== undefined ? Number(end) : step ? max : from;
		const by = step ? Number(step) : 1;
		if (from < min || to > max || from > to || by < 1) return undefined;
		for (let value = from; value <= to; value += by) values.add(value);
	}
	return [...values].sort((a, b) => a - b);
}

/**
 * The shortest time in seconds between two fire times of a cron expression (5 fields, or 6
 * with seconds first), read as if it fired every day: day, month and weekday fields only
 * ever widen the real gaps, so this never overestimates.
 */
export function shortestCronGapSeconds(expression: string): number | undefined {
	const fields = expression.trim().split(/\s+/);
	if (fields.length === 5) fields.unshift('0');
	if (fields.length !== 6) return undefined;
	const seconds = fieldValues(fields[0], 0, 59);
	const minutes = fieldValues(fields[1], 0, 59);
	const hours = fieldValues(fields[2], 0, 23);
	if (!seconds || !minutes || !hours) return undefined;
	let first: number | undefined;
	let previous: number | undefined;
	let shortest = DAY_S;
	for (const hour of hours) {
		for (const minute of minutes) {
			for (const second of seconds) {
				const time = hour * 3600 + minute * 60 + second;
				if (previous !== undefined) shortest = Math.min(shortest, time - previous);
				first ??= time;
				previous = time;
			}
		}
	}
	// Around midnight: from the day's last fire time to the next day's first.
	if (first !== undefined && previous !== undefined)
		shortest = Math.min(shortest, first + DAY_S - previous);
	return shortest;
}

/**
 * The shortest gap between two polls of the trigger's Poll Times. n8n schedules each entry
 * on its own cron with a random second, so entries can fall close together: with several,
 * the shortest of their gaps is shared among them.
 */
export function shortestPollGapMs(pollTimes: unknown): number {
	const items = ((pollTimes as IDataObject | undefined)?.item ?? []) as PollTimeItem[];
	if (!Array.isArray(items) || items.length === 0) return DEFAULT_POLL_GAP_MS;
	let shortest = Number.POSITIVE_INFINITY;
	for (const item of items) {
		let gap: number | undefined;
		try {
			gap = shortestCronGapSeconds(toCronExpression(item));
		} catch {
			gap = undefined;
		}
		shortest = Math.min(shortest, (gap ?? DEFAULT_POLL_GAP_MS / 1000) * 1000);
	}
	return shortest / items.length;
}

/**
 * How long a poll may fetch: a share of the gap to the next scheduled poll (so a poll ends
 * before the next begins), within what the host allows where it says (`getPollBudgetMs`,
 * newer n8n only).
 */
export function pollBudgetMs(ctx: IPollFunctions): number {
	let pollTimes: unknown;
	try {
		pollTimes = ctx.getNodeParameter('pollTimes', {});
	} catch {
		pollTimes = undefined;
	}
	const host = ctx as PollFunctionsWithBudget;
	const hostBudget =
		typeof host.getPollBudgetMs === 'function' ? host.getPollBudgetMs() : Number.POSITIVE_INFINITY;
	const fromSchedule = shortestPollGapMs(pollTimes) * BUDGET_SHARE;
	return Math.max(
		MIN_BUDGET_MS,
		Math.min(MAX_POLL_BUDGET_MS, hostBudget * BUDGET_SHARE, fromSchedule),
	);
}

/** Epoch ms by which a poll stops fetching. */
export function pollDeadline(ctx: IPollFunctions): number {
	return Date.now() + pollBudgetMs(ctx);
}
