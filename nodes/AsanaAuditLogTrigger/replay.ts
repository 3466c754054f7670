/**
 * "Options › Replay From" for the audit log: Asana keeps audit events for 90 days and
 * serves them by time, so a replay reads the log again from that time (`start_at`) up to
 * where the live stream stood when it began (`end_at`), with a cursor of its own, while the
 * live stream stays where it is.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { AUDIT_LOG_EPOCH, AUDIT_LOG_RETENTION_DAYS } from '../shared/asana/constants';
import type { AuditIntent, LoginMethodMemory } from '../shared/audit/auditIntents';
import { drainAuditLog, type AuditCursor } from '../shared/audit/auditStream';
import type { AsanaTransport } from '../shared/asana/transport';
import type { AuditLogEvent } from '../shared/asana/types';
import type { DrainBudget } from '../shared/polling/drainBudget';
import type { AuditTriggerSettings } from './settings';
import type { AuditReplay } from './state';

const DAY_MS = 24 * 3600 * 1000;

export interface AuditReplayRound {
	/** Replayed events, oldest first. */
	events: AuditLogEvent[];
	/** Per event, the Trigger On intents it answers. */
	intents: AuditIntent[][];
	/** The replay to keep: the value acted on, and its cursor while it is under way. */
	replay?: AuditReplay;
	/** One item saying what the replay cannot reach, on the poll that begins it. */
	notice?: INodeExecutionData;
	backlog: boolean;
}

/**
 * Begins the replay of a Replay From value not acted on yet, or goes on with the one under
 * way, within the poll's budget. The same value again, or a cleared one, does nothing.
 */
export async function replayAuditLog(
	transport: AsanaTransport,
	settings: AuditTriggerSettings,
	stored: AuditReplay | undefined,
	live: AuditCursor,
	budget: DrainBudget,
	now: number,
	memory?: LoginMethodMemory,
): Promise<AuditReplayRound> {
	const value = settings.replayFrom?.value;
	let replay = stored;
	let notice: INodeExecutionData | undefined;
	if (settings.replayFrom && value !== stored?.from) {
		const floor = Math.max(Date.parse(AUDIT_LOG_EPOCH), now - AUDIT_LOG_RETENTION_DAYS * DAY_MS);
		const from = Math.max(settings.replayFrom.at, floor);
		if (from > settings.replayFrom.at) notice = beyondReach(settings, floor);
		// Up to and with the last event the live stream emitted.
		const until = new Date(Date.parse(live.resumeAt) + 1).toISOString();
		replay = {
			from: settings.replayFrom.value,
			cursor: { resumeAt: new Date(from).toISOString(), recent: [] },
			until,
		};
	}
	if (!replay?.cursor || !replay.until)
		return { events: [], intents: [], replay, notice, backlog: false };

	const result = await drainAuditLog(
		transport,
		settings.workspaceGid,
		replay.cursor,
		budget,
		{
			server: { ...settings.server, start_at: replay.cursor.resumeAt, end_at: replay.until },
			client: settings.client,
		},
		{ subject: settings.workspaceLabel, memory },
	);
	return {
		events: result.events,
		intents: result.intents,
		replay: result.backlog
			? { from: replay.from, cursor: result.cursor, until: replay.until }
			: { from: replay.from },
		notice,
		backlog: result.backlog,
	};
}

function beyondReach(settings: AuditTriggerSettings, floor: number): INodeExecutionData {
	const from = new Date(settings.replayFrom?.at ?? floor).toISOString();
	const reachable = new Date(floor).toISOString();
	return {
		json: {
			replay_notice: true,
			reason: 'beyond_reach',
			workspace_gid: settings.workspaceGid,
			replay_from: from,
			reachable_from: reachable,
			message: `Audit events of ${settings.workspaceLabel} between ${from} and ${reachable} cannot be replayed: Asana keeps audit events for ${AUDIT_LOG_RETENTION_DAYS} days. The events from ${reachable} on are replayed.`,
		},
	};
}
