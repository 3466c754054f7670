import {
	NodeConnectionTypes,
	NodeOperationError,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { LoginMethodBook, learnLoginMethods, type AuditIntent } from '../shared/audit/auditIntents';
import { formatAuditEvent, type AuditOutputFormat } from '../shared/audit/auditOutput';
import { AUDIT_QUERY_LABELS } from '../shared/audit/auditParameters';
import {
	auditContinuation,
	drainAuditLog,
	fetchAuditPage,
	matchAudit,
} from '../shared/audit/auditStream';
import { AUDIT_LOG_PAGE, TOKEN_CREDENTIAL } from '../shared/asana/constants';
import { searchWorkspaces } from '../shared/editor/listSearch';
import { DrainBudget } from '../shared/polling/drainBudget';
import { pollDeadline } from '../shared/polling/pollBudget';
import { joinCredentialRate } from '../shared/polling/credentialRate';
import { logBusyPoll, pollOrigin } from '../shared/polling/pollLog';
import { createTransport, type AsanaTransport } from '../shared/asana/transport';
import type { AuditLogEvent } from '../shared/asana/types';
import { auditTriggerProperties } from './description';
import { readAuditTriggerSettings, type AuditTriggerSettings } from './settings';
import { replayAuditLog } from './replay';
import { openState, type AuditStateSession } from './state';

const DAY_MS = 24 * 3600 * 1000;
const SAMPLE_SIZE = 5;
const SAMPLE_MAX_PAGES = 20;

function toItems(
	events: AuditLogEvent[],
	format: AuditOutputFormat,
	intents: AuditIntent[][] = [],
): INodeExecutionData[] {
	return events.map((event, i) => ({ json: formatAuditEvent(event, format, intents[i]) }));
}

/** "Fetch Test Event": the newest few matching events of the last day, read without any cursor. */
async function sampleEvents(
	ctx: IPollFunctions,
	settings: AuditTriggerSettings,
	transport: AsanaTransport,
	deadline: number,
): Promise<INodeExecutionData[][]> {
	const server = { ...settings.server, start_at: new Date(Date.now() - DAY_MS).toISOString() };
	let newest: Array<{ event: AuditLogEvent; intents: AuditIntent[] }> = [];
	// What is usual for each user is learnt from the day read, as the active trigger would.
	const memory = new LoginMethodBook();
	let offset: string | undefined;
	for (let page = 0; page < SAMPLE_MAX_PAGES && Date.now() < deadline; page++) {
		const reply = await fetchAuditPage(transport, settings.workspaceGid, server, {
			limit: AUDIT_LOG_PAGE,
			offset,
			subject: settings.workspaceLabel,
		});
		if (reply.kind === 'deferred') break;
		for (const event of reply.body.data ?? []) {
			const intents = matchAudit(event, settings.client, memory);
			if (intents) newest.push({ event, intents });
			learnLoginMethods(event, memory);
		}
		newest = newest.slice(-SAMPLE_SIZE);
		const next = auditContinuation(reply.body);
		if (next.endOfLog) break;
		offset = next.offset;
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
	return [
		toItems(
			newest.map((match) => match.event),
			settings.outputFormat,
			newest.map((match) => match.intents),
		),
	];
}

/** One scheduled poll, holding the node's state: emits what the stream holds past its cursor. */
async function pollStream(
	ctx: IPollFunctions,
	settings: AuditTriggerSettings,
	transport: AsanaTransport,
	state: AuditStateSession,
	deadline: number,
): Promise<INodeExecutionData[][] | null> {
	let cursor = state.cursorOf(settings.streamKey);
	if (!cursor) {
		// Gids are unique across filters: after a filter change, what this node emitted before is still not emitted again.
		cursor = {
			resumeAt: settings.startAt ?? new Date().toISOString(),
			recent: state.emittedGids(),
		};
		if (settings.start === 'now') {
			// One request proves access (so activation fails on a bad token or filter); the stream starts now.
			await fetchAuditPage(
				transport,
				settings.workspaceGid,
				{ ...settings.server, start_at: cursor.resumeAt },
				{ limit: AUDIT_LOG_PAGE, subject: settings.workspaceLabel },
			);
			state.save({ key: settings.streamKey, cursor });
			return null;
		}
	}

	const budget = new DrainBudget(settings.maxEventsPerPoll, deadline);
	const memory = settings.client.intents?.includes('signInNewMethod')
		? new LoginMethodBook(state.loginMethods())
		: undefined;
	// A replay goes first: its events are older than the live stream's.
	const replay = await replayAuditLog(
		transport,
		settings,
		state.replay(),
		cursor,
		budget,
		Date.now(),
		memory,
	);
	const result = await drainAuditLog(
		transport,
		settings.workspaceGid,
		cursor,
		budget,
		{ server: settings.server, client: settings.client },
		{ subject: settings.workspaceLabel, memory },
	);
	state.save({ key: settings.streamKey, cursor: result.cursor }, replay.replay, memory?.toJSON());
	if (result.backlog) {
		const reason = result.deferred ?? budget.limitReached();
		ctx.logger.info(
			`${pollOrigin(ctx)}: ${settings.workspaceLabel}: ${result.events.length} audit events in ${result.requests} requests, the rest next poll (${reason})`,
		);
	}
	const replayed = toItems(replay.events, settings.outputFormat, replay.intents);
	for (const item of replayed) item.json.replayed = true;
	const items = [
		...(replay.notice ? [replay.notice] : []),
		...replayed,
		...toItems(result.events, settings.outputFormat, result.intents),
	];
	return items.length ? [items] : null;
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
		const settings = readAuditTriggerSettings(this);
		const deadline = pollDeadline(this);
		const transport = createTransport(this, {
			authentication: 'accessToken',
			deadline,
			queryLabels: AUDIT_QUERY_LABELS,
			// Counted against the Max Requests per Minute of events triggers on the same credential.
			gate: (await joinCredentialRate(this, 'accessToken')).gate,
		});
		if (this.getMode() === 'manual') return await sampleEvents(this, settings, transport, deadline);

		const state = openState(this);
		if ('busySince' in state) {
			logBusyPoll(this, state);
			return null;
		}
		try {
			return await pollStream(this, settings, transport, state, deadline);
		} finally {
			state.release();
		}
	}
}
