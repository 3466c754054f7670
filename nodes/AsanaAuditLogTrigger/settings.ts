import { createHash } from 'crypto';
import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { readAuditOutputFormat, type AuditOutputFormat } from '../shared/audit/auditOutput';
import { readAuditFilters } from '../shared/audit/auditParameters';
import type { AuditClientFilters, AuditServerFilters } from '../shared/audit/auditStream';
import { AUDIT_LOG_EPOCH, AUDIT_LOG_RETENTION_DAYS } from '../shared/asana/constants';
import { invalidParameter } from '../shared/asana/errors';
import { choiceOption, numberOption, readDeclared } from '../shared/editor/declaredOptions';
import { MAX_EVENTS_PER_POLL } from '../shared/editor/descriptions';
import { readWorkspace } from '../shared/editor/parameters';
import { objectLabel } from '../shared/editor/resourceRef';
import { readReplayFrom, type ReplayFrom } from '../shared/editor/replayFromOption';

const DAY_MS = 24 * 3600 * 1000;

type AuditStart = 'now' | 'lookBack' | 'fromDate';

/** Where a new stream starts, declared once: the panel's field and its reader. */
export const AUDIT_START = choiceOption<AuditStart>({
	name: 'start',
	displayName: 'Start',
	options: [
		{ name: 'From Now', value: 'now', description: 'Emit events that happen after activation' },
		{
			name: 'Look Back',
			value: 'lookBack',
			description: 'Also emit the events of a recent period, oldest first',
		},
		{
			name: 'From Date',
			value: 'fromDate',
			description: 'Also emit every event since a date, oldest first',
		},
	],
	default: 'now',
	description: 'Where a new stream starts. Changing the filters starts a new stream.',
});

export const LOOK_BACK_DAYS = numberOption({
	name: 'lookBackDays',
	displayName: 'Look Back (Days)',
	default: 1,
	min: 0.01,
	max: AUDIT_LOG_RETENTION_DAYS,
	decimals: 2,
	rangeReason: `Asana deletes audit events after ${AUDIT_LOG_RETENTION_DAYS} days`,
	displayOptions: { show: { start: ['lookBack'] } },
	description: `How far back to start, up to ${AUDIT_LOG_RETENTION_DAYS} days (Asana deletes older events)`,
});

export interface AuditTriggerSettings {
	workspaceGid: string;
	/** Names the workspace in errors and logs: by its name where the locator knows it. */
	workspaceLabel: string;
	start: AuditStart;
	/** Where a new stream starts (ISO), for look back and from date. */
	startAt?: string;
	server: AuditServerFilters;
	client: AuditClientFilters;
	maxEventsPerPoll: number;
	outputFormat: AuditOutputFormat;
	replayFrom?: ReplayFrom;
	/** Fingerprint of workspace, filters and start: another fingerprint is another stream. */
	streamKey: string;
}

function readStartAt(ctx: IPollFunctions, start: AuditStart): string | undefined {
	const oldest = Math.max(
		Date.parse(AUDIT_LOG_EPOCH),
		Date.now() - AUDIT_LOG_RETENTION_DAYS * DAY_MS,
	);
	if (start === 'lookBack') {
		const days = LOOK_BACK_DAYS.read(
			ctx,
			ctx.getNodeParameter(LOOK_BACK_DAYS.property.name, undefined),
		);
		return new Date(Math.max(oldest, Date.now() - days * DAY_MS)).toISOString();
	}
	if (start === 'fromDate') {
		const raw = ctx.getNodeParameter('fromDate', '') as string;
		const date = Date.parse(raw);
		if (!raw || Number.isNaN(date)) {
			throw invalidParameter(
				ctx,
				`From Date: "${raw}" is not a date`,
				'Pick a date and time, e.g. 2026-11-01T00:00:00Z.',
			);
		}
		if (date > Date.now()) {
			throw invalidParameter(
				ctx,
				`From Date: ${raw} is in the future`,
				'Pick a date in the past, or choose Start "From Now".',
			);
		}
		return new Date(Math.max(oldest, date)).toISOString();
	}
	return undefined;
}

/**
 * The stream's fingerprint. Workflows store it: what goes in, and how, must stay as it is,
 * or every stored cursor is taken for another stream's and the trigger starts over.
 */
function streamKey(
	workspaceGid: string,
	filters: { server: AuditServerFilters; client: AuditClientFilters },
	start: AuditStart,
	startConfig: unknown,
): string {
	return createHash('sha256')
		.update(JSON.stringify([workspaceGid, filters.server, filters.client, start, startConfig]))
		.digest('base64url')
		.slice(0, 16);
}

export function readAuditTriggerSettings(ctx: IPollFunctions): AuditTriggerSettings {
	const workspace = readWorkspace(ctx, ctx.getNodeParameter('workspace', undefined));
	const workspaceGid = workspace.gid;
	const start = AUDIT_START.read(ctx, ctx.getNodeParameter(AUDIT_START.property.name, undefined));
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const maxEventsPerPoll = readDeclared(ctx, MAX_EVENTS_PER_POLL, options);
	const filters = readAuditFilters(
		ctx.getNode(),
		ctx.getNodeParameter('filters', {}) as IDataObject,
		undefined,
		{ value: ctx.getNodeParameter('triggerOn', ['anyEvent']), label: 'Trigger On' },
	);
	const startAt = readStartAt(ctx, start);
	// The start date is part of the key only as configured, not as computed from "now".
	const startConfig =
		start === 'lookBack'
			? ctx.getNodeParameter('lookBackDays', 1)
			: start === 'fromDate'
				? ctx.getNodeParameter('fromDate', '')
				: '';
	return {
		workspaceGid,
		workspaceLabel: objectLabel('Workspace', workspaceGid, workspace.name),
		start,
		startAt,
		...filters,
		maxEventsPerPoll,
		outputFormat: readAuditOutputFormat(ctx.getNode(), ctx.getNodeParameter('format', null)),
		replayFrom: readReplayFrom(ctx, options, Date.now()),
		streamKey: streamKey(workspaceGid, filters, start, startConfig),
	};
}
