/**
 * "On Expired Sync Token › Recover Changes": after a 412, the gap notice, then what changed
 * in the gap as Asana's state endpoints show it now, within a request budget per poll.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { AsanaTransport } from '../shared/asana/transport';
import {
	recoverChanges,
	RequestBudget,
	startRecovery,
	type RecoveredChange,
	type RecoveryProgress,
} from '../shared/events/gapRecovery';
import { describeStream, gapNoticeItem } from './output';
import type { EventsTriggerSettings, WatchedTarget } from './parameters';
import type { EventsTriggerState, StreamGap } from './state';

/** What reading the current state can never show: said in every notice of a recovery. */
export const RECOVERY_BLIND_SPOTS =
	'Recovery reads the current state, so it cannot see deleted tasks, changes that do not touch a task’s modified_at (a subtask’s change does not count as its parent’s), or the steps between the gap’s start and now.';

function recoveryNotice(gap: StreamGap, detectedAt: number): INodeExecutionData {
	const notice = gapNoticeItem(gap, detectedAt);
	const recovering = gap.lastPollAt !== undefined;
	notice.json.recovery = recovering ? 'recovering' : 'not_possible';
	notice.json.message = `${String(notice.json.message)} ${
		recovering
			? `What changed since then follows as items marked "recovered". ${RECOVERY_BLIND_SPOTS}`
			: 'Nothing can be recovered: the trigger never read this stream before.'
	}`;
	return notice;
}

function recoveredItem(
	target: WatchedTarget,
	progress: RecoveryProgress,
	change: RecoveredChange,
): INodeExecutionData {
	return {
		json: {
			recovered: true,
			resource_type: change.resource_type,
			gid: change.gid,
			current: change.current,
			stream: describeStream(target),
			gap: { from: progress.since, to: progress.until },
		},
	};
}

/**
 * Starts a recovery for each new gap and goes on with every recovery under way, stream by
 * stream, until the poll's request budget is spent. Returns the notices of the new gaps, then
 * the recovered changes; where a recovery stands is kept in `state`.
 */
export async function recoverGaps(
	transport: AsanaTransport,
	state: EventsTriggerState,
	settings: EventsTriggerSettings,
	watched: WatchedTarget[],
	gaps: StreamGap[],
	now: number,
): Promise<INodeExecutionData[]> {
	const items = gaps.map((gap) => recoveryNotice(gap, now));
	for (const gap of gaps) {
		if (gap.lastPollAt === undefined) continue;
		const target = gap.target as WatchedTarget;
		const resourceType =
			target.kind === 'resource'
				? (state.resourceTypeOf(target) ?? target.resourceType)
				: undefined;
		state.setRecovery(target, startRecovery({ ...target, resourceType }, gap.lastPollAt, now));
	}
	const budget = new RequestBudget(settings.recoveryRequestsPerPoll);
	for (const { target, progress } of state.recoveries(watched)) {
		if (budget.remaining <= 0) break;
		const round = await recoverChanges(transport, target, progress, budget, {
			subject: state.label(target),
		});
		state.setRecovery(target, round.progress);
		for (const change of round.changes) items.push(recoveredItem(target, progress, change));
		if (round.unavailable) {
			items.push({
				json: {
					gap_notice: true,
					reason: 'recovery_incomplete',
					stream: describeStream(target),
					gap: { from: progress.since, to: progress.until },
					message: `Changes of ${state.label(target)} between ${progress.since} and ${progress.until} could not all be recovered: ${round.unavailable}.`,
				},
			});
		}
	}
	return items;
}
