import type { IPollFunctions } from 'n8n-workflow';

import type { PollBusy } from './pollLock';

/** How a trigger's log lines begin: the workflow and the node, as the user named them. */
export function pollOrigin(ctx: IPollFunctions): string {
	const workflow = ctx.getWorkflow();
	return `Workflow "${workflow.name ?? workflow.id ?? ''}", node "${ctx.getNode().name}"`;
}

/** Why a poll emitted nothing: another poll of the same trigger still works on the cursor. */
export function logBusyPoll(ctx: IPollFunctions, busy: PollBusy): void {
	const seconds = Math.round((Date.now() - busy.busySince) / 1000);
	ctx.logger.info(
		`${pollOrigin(ctx)}: skipped this poll: the previous poll of this trigger, running since ${new Date(busy.busySince).toISOString()} (${seconds} s), still works on its cursor; the next poll continues where that one ends`,
	);
}
