import { createHash } from 'crypto';
import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { simplifyAuditEvent } from '../shared/audit/auditFormat';
import { AUDIT_QUERY_LABELS, readAuditFilters } from '../shared/audit/auditParameters';
import {
	drainAuditLog,
	fetchAuditPage,
	matchesAuditFilters,
	type AuditClientFilters,
	type AuditCursor,
	type AuditServerFilters,
} from '../shared/audit/auditStream';
import {
	AUDIT_LOG_EPOCH,
	AUDIT_LOG_PAGE,
	AUDIT_LOG_RETENTION_DAYS,
	TOKEN_CREDENTIAL,
} from '../shared/asana/constants';
import { searchWorkspaces } from '../shared/editor/listSearch';
import {
	invalidParameter,
	readMaxEventsPerPoll,
	readWorkspaceGid,
} from '../shared/editor/parameters';
import { pollDeadline } from '../shared/polling/pollBudget';
import { createTransport, type AsanaTransport } from '../shared/asana/transport';
import type { AuditLogEvent } from '../shared/asana/types';
import { auditTriggerProperties } from './description';

const DAY_MS = 24 * 3600 * 1000;
const STATE_VERSION = 1;
const SAMPLE_SIZE = 5;
const SAMPLE_MAX_PAGES = 20;

interface AuditTriggerState {
	version: number;
	/** Fingerprint of workspace, filters and start: another fingerprint is another stream. */
	key: string;
	cursor: AuditCursor;
}

interface AuditTriggerSettings {
	workspaceGid: string;
	start: 'now' | 'lookBack' | 'fromDate';
	/** Where a new stream starts (ISO), for look back and from date. */
	startAt?: string;
	server: AuditServerFilters;
	client: AuditClientFilters;
	maxEventsPerPoll: number;
	simplify: boolean;
	key: string;
}

function readStartAt(
	ctx: IPollFunctions,
	start: AuditTriggerSettings['start'],
): string | undefined {
	const oldest = Math.max(
		Date.parse(AUDIT_LOG_EPOCH),
		Date.now() - AUDIT_LOG_RETENTION_DAYS * DAY_MS,
	);
	if (start === 'lookBack') {
		const days = Number(ctx.getNodeParameter('lookBackDays', 1));
		if (!Number.isFinite(days) || days <= 0 || days > AUDIT_LOG_RETENTION_DAYS) {
			throw invalidParameter(
				ctx,
				`Look Back (Days): ${String(days)} is out of range`,
				`Enter a number of days above 0 and at most ${AUDIT_LOG_RETENTION_DAYS}: Asana deletes audit events after ${AUDIT_LOG_RETENTION_DAYS} days.`,
			);
		}
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

function readSettings(ctx: IPollFunctions): AuditTriggerSettings {
	const workspaceGid = readWorkspaceGid(
		ctx,
		ctx.getNodeParameter('workspace', undefined, { extractValue: true }),
	);
	const start = ctx.getNodeParameter('start', 'now') as AuditTriggerSettings['start'];
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const maxEventsPerPoll = readMaxEventsPerPoll(ctx, options);
	const { server, client } = readAuditFilters(
		ctx.getNode(),
		ctx.getNodeParameter('filters', {}) as IDataObject,
	);
	const startAt = readStartAt(ctx, start);
	// The start date is part of the key only as configured, not as computed from "now".
	const startConfig =
		start === 'lookBack'
			? ctx.getNodeParameter('lookBackDays', 1)
			: start === 'fromDate'
				? ctx.getNodeParameter('fromDate', '')
				: '';
	const key = createHash('sha256')
		.update(JSON.stringify([workspaceGid, server, client, start, startConfig]))
		.digest('base64url')
		.slice(0, 16);
	return {
		workspaceGid,
		start,
		startAt,
		server,
		client,
		maxEventsPerPoll,
		simplify: options.simplify === true,
		key,
	};
}

function readState(staticData: IDataObject, key: string): AuditTriggerState | undefined {
	const stored = staticData.auditTrigger as AuditTriggerState | undefined;
	return stored?.version === STATE_VERSION && stored.key === key ? stored : undefined;
}

/** The gids the stored stream emitted lately, whatever filters it had. */
function emittedGids(staticData: IDataObject): string[] {
	const stored = staticData.auditTrigger as AuditTriggerState | undefined;
	return stored?.version === STATE_VERSION && Array.isArray(stored.cursor?.recent)
		? stored.cursor.recent
		: [];
}

function toItems(events: AuditLogEvent[], simplify: boolean): INodeExecutionData[] {
	return events.map((event) => ({
		json: simplify ? simplifyAuditEvent(event) : (event as unknown as IDataObject),
	}));
}

/** The newest few matching events of the last day, read without any cursor. */
async function sampleEvents(
	ctx: IPollFunctions,
	settings: AuditTriggerSettings,
	transport: AsanaTransport,
	deadline: number,
): Promise<INodeExecutionData[][]> {
	const server = { ...settings.server, start_at: new Date(Date.now() - DAY_MS).toISOString() };
	let newest: AuditLogEvent[] = [];
	let offset: string | undefined;
	for (let page = 0; page < SAMPLE_MAX_PAGES && Date.now() < deadline; page++) {
		const reply = await fetchAuditPage(transport, settings.workspaceGid, server, {
			limit: AUDIT_LOG_PAGE,
			offset,
			subject: `Workspace ${settings.workspaceGid}`,
		});
		if (reply.kind === 'deferred') break;
		const data = reply.body.data ?? [];
		newest = [
			...newest,
			...data.filter((event) => matchesAuditFilters(event, settings.client)),
		].slice(-SAMPLE_SIZE);
		if (!data.length || !reply.body.next_page?.offset) break;
		offset = reply.body.next_page.offset;
	}
	if (!newest.length) {
		throw new NodeOperationError(
			ctx.getNode(),
			'No audit log events in the last 24 hours match this node’s filters',
			{
				description:
					'Widen or clear the filters (event types, categories, actor, resource), or trigger an event in Asana (e.g. log in) and click "Fetch Test Event" again. The active workflow will emit every matching event from its start on.',
			},
		);
	}
	return [toItems(newest, settings.simplify)];
}

export class AsanaAuditLogTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Asana Audit Log Trigger',
		name: 'asanaAuditLogTrigger',
		icon: { light: 'file:../../icons/asana.svg', dark: 'file:../../icons/asana.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Audit log: " + $parameter["start"]}}',
		description:
			'Starts the workflow for each new event in an Asana domain’s audit log (logins, exports, deletions, permission changes), with a resumable cursor. Needs a service account token of an Enterprise+ domain.',
		defaults: { name: 'Asana Audit Log Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: TOKEN_CREDENTIAL, required: true }],
		properties: auditTriggerProperties,
	};

	methods = { listSearch: { searchWorkspaces } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		const deadline = pollDeadline(this);
		const transport = createTransport(this, {
			authentication: 'accessToken',
			deadline,
			queryLabels: AUDIT_QUERY_LABELS,
		});
		if (this.getMode() === 'manual') return await sampleEvents(this, settings, transport, deadline);

		const staticData = this.getWorkflowStaticData('node');
		let state = readState(staticData, settings.key);
		if (!state) {
			const resumeAt = settings.startAt ?? new Date().toISOString();
			// Gids are unique across filters: after a filter change, what this node emitted before is still not emitted again.
			const recent = emittedGids(staticData);
			if (settings.start === 'now') {
				// One request proves access (so activation fails on a bad token or filter); the stream starts now.
				await fetchAuditPage(
					transport,
					settings.workspaceGid,
					{ ...settings.server, start_at: resumeAt },
					{ limit: AUDIT_LOG_PAGE, subject: `Workspace ${settings.workspaceGid}` },
				);
				staticData.auditTrigger = {
					version: STATE_VERSION,
					key: settings.key,
					cursor: { resumeAt, recent },
				} as unknown as IDataObject;
				return null;
			}
			state = { version: STATE_VERSION, key: settings.key, cursor: { resumeAt, recent } };
		}

		const result = await drainAuditLog(
			transport,
			settings.workspaceGid,
			state.cursor,
			{ remaining: settings.maxEventsPerPoll, deadline },
			{ server: settings.server, client: settings.client },
			{ subject: `Workspace ${settings.workspaceGid}` },
		);
		staticData.auditTrigger = {
			version: STATE_VERSION,
			key: settings.key,
			cursor: result.cursor,
		} as unknown as IDataObject;
		if (result.backlog) {
			const reason = result.deferred ?? 'Max Events per Poll reached';
			this.logger.info(
				`${this.getNode().name}: ${result.events.length} audit events in ${result.requests} requests, the rest next poll (${reason})`,
			);
		}
		return result.events.length ? [toItems(result.events, settings.simplify)] : null;
	}
}
