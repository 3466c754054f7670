import * as n8nWorkflow from 'n8n-workflow';
import { toCronExpression, type IDataObject, type IPollFunctions } from 'n8n-workflow';

/** Used for an entry whose schedule cannot be read (an expression n8n's scheduler takes but this reader does not). */
export const DEFAULT_POLL_GAP_MS = 60_000;
/** A poll of a rare schedule (hourly, daily) still stops fetching after this long. */
export const MAX_POLL_BUDGET_MS = 5 * 60_000;
/** Share of the gap to the next poll spent fetching; the rest is left for emitting and requests in flight. */
const BUDGET_SHARE = 0.6;
const MIN_BUDGET_MS = 1_000;
const DAY_S = 24 * 3600;
/** The presets of n8n's scheduler (the `cron` package), as the expressions they stand for. */
const CRON_PRESETS: Record<string, string> = {
	'@secondly': '* * * * * *',
	'@minutely': '0 * * * * *',
	'@hourly': '0 0 * * * *',
	'@daily': '0 0 0 * * *',
	'@weekly': '0 0 0 * * 0',
	'@weekdays': '0 0 0 * * 1-5',
	'@weekends': '0 0 0 * * 0,6',
	'@monthly': '0 0 0 1 * *',
	'@yearly': '0 0 0 1 1 *',
};

/** n8n's floor for one Poll Times entry: it refuses any entry that fires more often. */
const MINUTE_FLOOR_S = 60;

type PollTimeItem = Parameters<typeof toCronExpression>[0];
/** Whether n8n refuses a Poll Times entry's cron expression at activation. */
export type CronRefusal = (expression: string) => boolean;

/**
 * What n8n before 2.41 (1.x, 2.30) refuses: a six-field cron with `*` in its seconds field.
 * A list or range of explicit seconds (`0,10,20,30,40,50 * * * * *`) passes: polls every 10 s.
 */
export const refusedBeforeN8n241: CronRefusal = (expression) => {
	const fields = expression.trim().split(/\s+/);
	return fields.length === 6 && fields[0].includes('*');
};

/**
 * The check of the n8n the pack runs in. From 2.41, n8n-workflow exports it as
 * `isSubMinuteCron` (a six-field cron whose seconds field is anything but one number): every
 * entry polls at most once a minute. Older n8n have no such export and refuse less.
 */
export function hostCronRefusal(host: object = n8nWorkflow): CronRefusal {
	const check = (host as { isSubMinuteCron?: unknown }).isSubMinuteCron;
	return typeof check === 'function'
		? (expression) => Boolean((check as CronRefusal)(expression))
		: refusedBeforeN8n241;
}
type PollFunctionsWithBudget = IPollFunctions & { getPollBudgetMs?: () => number };

/** The values a cron field allows, from `*`, `n`, `a-b`, `*\/n`, `n/s`, `a-b/n` and lists of them; undefined when unreadable. */
function fieldValues(field: string, min: number, max: number): number[] | undefined {
	const values = new Set<number>();
	for (const part of field.split(',')) {
		const match = /^(?:\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
		if (!match) return undefined;
		const [, start, end, step] = match;
		const from = start === undefined ? min : Number(start);
		const to = start === undefined || (end === undefined && step) ? max : Number(end ?? start);
		const by = step ? Number(step) : 1;
		if (from < min || to > max || from > to || by < 1) return undefined;
		for (let value = from; value <= to; value += by) values.add(value);
	}
	return [...values].sort((a, b) => a - b);
}

/** How often a cron expression fires, read as if it fired every day. */
interface CronRate {
	/** The shortest time between two fire times, in seconds. */
	shortestGapS: number;
	firesPerDay: number;
}

/**
 * Reads a cron expression (5 fields, or 6 with seconds first) as if it fired every day:
 * day, month and weekday fields only ever remove fire times, so the real gaps are never
 * shorter than these.
 */
function readCronRate(expression: string): CronRate | undefined {
	const trimmed = expression.trim();
	const fields = (CRON_PRESETS[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
	if (fields.length === 5) fields.unshift('0');
	if (fields.length !== 6) return undefined;
	const seconds = fieldValues(fields[0], 0, 59);
	const minutes = fieldValues(fields[1], 0, 59);
	const hours = fieldValues(fields[2], 0, 23);
	if (!seconds || !minutes || !hours) return undefined;
	let first: number | undefined;
	let previous: number | undefined;
	let shortestGapS = DAY_S;
	for (const hour of hours) {
		for (const minute of minutes) {
			for (const second of seconds) {
				const time = hour * 3600 + minute * 60 + second;
				if (previous !== undefined) shortestGapS = Math.min(shortestGapS, time - previous);
				first ??= time;
				previous = time;
			}
		}
	}
	// Around midnight: from the day's last fire time to the next day's first.
	if (first !== undefined && previous !== undefined)
		shortestGapS = Math.min(shortestGapS, first + DAY_S - previous);
	return { shortestGapS, firesPerDay: seconds.length * minutes.length * hours.length };
}

function entryRate(item: PollTimeItem, refuses: CronRefusal): CronRate {
	let expression: string | undefined;
	let rate: CronRate | undefined;
	try {
		expression = toCronExpression(item);
		rate = readCronRate(expression);
	} catch {
		// An entry without its fields (e.g. Custom without a Cron Expression).
		rate = undefined;
	}
	rate ??= { shortestGapS: DEFAULT_POLL_GAP_MS / 1000, firesPerDay: DAY_S / 60 };
	// An entry n8n refuses never runs at its own pace: where it runs at all, it is as often
	// as n8n allows, once a minute.
	if (expression !== undefined && refuses(expression))
		return {
			shortestGapS: Math.max(rate.shortestGapS, MINUTE_FLOOR_S),
			firesPerDay: Math.min(rate.firesPerDay, DAY_S / MINUTE_FLOOR_S),
		};
	return rate;
}

/**
 * The shortest gap between two polls of the trigger's Poll Times, as the n8n it runs in
 * accepts them (`refuses`: its check, see `hostCronRefusal`). n8n runs each entry on its own
 * cron, with a random second for the preset modes, so where entries fall relative to each
 * other is unknown: with several, a poll is given no more than the average gap of all their
 * fire times together, nor more than the shortest gap of any one of them.
 */
export function shortestPollGapMs(
	pollTimes: unknown,
	refuses: CronRefusal = hostCronRefusal(),
): number {
	const items = (pollTimes as IDataObject | undefined)?.item;
	if (!Array.isArray(items) || items.length === 0) return DEFAULT_POLL_GAP_MS;
	const rates = (items as PollTimeItem[]).map((item) => entryRate(item, refuses));
	const shortestS = Math.min(...rates.map((rate) => rate.shortestGapS));
	const firesPerDay = rates.reduce((sum, rate) => sum + rate.firesPerDay, 0);
	return Math.min(shortestS, rates.length > 1 ? DAY_S / firesPerDay : shortestS) * 1000;
}

/**
 * How long a poll may fetch: a share of the gap to the next scheduled poll (so a poll ends
 * before the next begins), between one second and five minutes, and a share of what the
 * host allows where it says (`getPollBudgetMs`: n8n 2.41 gives 5 minutes, and 36 s to a
 * poll of its durable scheduler, which abandons a poll after 45 s).
 */
export function pollBudgetMs(
	pollTimes: unknown,
	hostBudgetMs?: number,
	refuses: CronRefusal = hostCronRefusal(),
): number {
	const fromSchedule = Math.max(
		MIN_BUDGET_MS,
		Math.min(MAX_POLL_BUDGET_MS, shortestPollGapMs(pollTimes, refuses) * BUDGET_SHARE),
	);
	return hostBudgetMs === undefined
		? fromSchedule
		: Math.min(fromSchedule, hostBudgetMs * BUDGET_SHARE);
}

/** Epoch ms by which a poll stops fetching. */
export function pollDeadline(ctx: IPollFunctions): number {
	const host = ctx as PollFunctionsWithBudget;
	const hostBudgetMs =
		typeof host.getPollBudgetMs === 'function' ? host.getPollBudgetMs() : undefined;
	return Date.now() + pollBudgetMs(ctx.getNodeParameter('pollTimes', {}), hostBudgetMs);
}
