/**
 * Get Events › Recover Changes on Expired Token: what changed on the stream since a given
 * time, read from Asana's state endpoints when the token Asana was given had expired.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { AsanaTransport } from '../../../shared/asana/transport';
import type { StreamTarget } from '../../../shared/asana/types';
import { invalidParameter } from '../../../shared/asana/errors';
import { recoverChanges, RequestBudget, startRecovery } from '../../../shared/events/changedSince';

const showOnlyForGetEvents = { resource: ['event'], operation: ['getEvents'] };
/** How long Asana keeps a sync token: the earliest a gap can have begun. */
const TOKEN_LIFE_MS = 24 * 3600 * 1000;
/** One run reads at most this many pages of changes; more is said in the output. */
const RECOVERY_REQUESTS_PER_RUN = 200;

export const recoverChangesProperties: INodeProperties[] = [
	{
		displayName: 'Recover Changes on Expired Token',
		name: 'recoverChanges',
		type: 'boolean',
		default: false,
		description:
			'Whether to add, when the sync token has expired, one item per task, story, project or goal that changed since "Changed Since", read from Asana’s current state and marked "recovered"',
		displayOptions: { show: showOnlyForGetEvents },
	},
	{
		displayName: 'Changed Since',
		name: 'recoverSince',
		type: 'dateTime',
		default: '',
		description:
			'When the token was last used (keep that time beside the token and pass both). Empty: 24 hours ago, the longest Asana keeps a token.',
		displayOptions: { show: { ...showOnlyForGetEvents, recoverChanges: [true] } },
	},
];

function readSince(ctx: IExecuteFunctions, itemIndex: number, now: number): number {
	const raw = ctx.getNodeParameter('recoverSince', itemIndex, '') as unknown;
	if (raw === '' || raw === undefined || raw === null) return now - TOKEN_LIFE_MS;
	const text =
		typeof raw === 'object' && typeof (raw as { toISO?: unknown }).toISO === 'function'
			? String((raw as { toISO: () => string }).toISO())
			: String(raw);
	const since = Date.parse(text);
	if (Number.isNaN(since) || since > now) {
		throw invalidParameter(
			ctx,
			`Changed Since: "${text}" is not a past date`,
			'Enter when the sync token was last used, e.g. 2026-11-01T09:00:00Z, or leave it empty for 24 hours ago.',
			itemIndex,
		);
	}
	return since;
}

export interface RecoveredOutput {
	recovered: IDataObject[];
	/** Set when one run could not read everything. */
	recovery_incomplete?: string;
}

/** Reads every change since Changed Since, within one run's allowance of requests. */
export async function recoverForExpiredToken(
	ctx: IExecuteFunctions,
	itemIndex: number,
	transport: AsanaTransport,
	target: StreamTarget,
	subject: string,
): Promise<RecoveredOutput> {
	const now = Date.now();
	const progress = startRecovery(target, readSince(ctx, itemIndex, now), now);
	const round = await recoverChanges(
		transport,
		target,
		progress,
		new RequestBudget(RECOVERY_REQUESTS_PER_RUN),
		{ subject },
	);
	const gap = { from: progress.since, to: progress.until };
	const incomplete =
		round.unavailable ??
		(round.progress ? `more than ${RECOVERY_REQUESTS_PER_RUN} requests were needed` : undefined);
	return {
		recovered: round.changes.map((change) => ({ recovered: true, ...change, gap })),
		...(incomplete ? { recovery_incomplete: incomplete } : {}),
	};
}
