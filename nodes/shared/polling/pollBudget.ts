import type { IPollFunctions } from 'n8n-workflow';

/** Used when the host does not say how long a poll may take (n8n before durable polling). */
export const DEFAULT_POLL_BUDGET_MS = 45_000;
/** Share of the host's budget spent on fetching; the rest is left for emitting. */
const BUDGET_SHARE = 0.8;

type PollFunctionsWithBudget = IPollFunctions & { getPollBudgetMs?: () => number };

/** Epoch ms by which a poll stops fetching; `getPollBudgetMs` exists on newer n8n only. */
export function pollDeadline(ctx: IPollFunctions): number {
	const host = ctx as PollFunctionsWithBudget;
	const budget =
		typeof host.getPollBudgetMs === 'function' ? host.getPollBudgetMs() : DEFAULT_POLL_BUDGET_MS;
	return Date.now() + Math.max(1_000, budget * BUDGET_SHARE);
}
