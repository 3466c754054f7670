import { AUDIT_LOG_PAGE } from '../asana/constants';
import { readAsanaError } from '../asana/errors';
import type { DrainBudget } from '../polling/drainBudget';
import type { AsanaReply, AsanaTransport } from '../asana/transport';
import type { AuditLogEvent, AuditLogPage } from '../asana/types';
import {
	learnLoginMethods,
	matchIntents,
	type AuditIntent,
	type LoginMethodMemory,
} from './auditIntents';

/** The API's own filters: sent as query parameters. */
export interface AuditServerFilters {
	start_at?: string;
	end_at?: string;
	event_type?: string;
	actor_type?: string;
	actor_gid?: string;
	resource_gid?: string;
}

/** Filters the API has no parameter for, applied after fetching. */
export interface AuditClientFilters {
	eventTypes: string[];
	categories: string[];
	/** Only set when an actor id is sent too: Asana takes one or the other. */
	actorType?: string;
	/** Trigger On: set only when it is not Any Event, so streams without it keep their key. */
	intents?: AuditIntent[];
}

/**
 * Whether the event passes the filters: null when not, otherwise the Trigger On intents it
 * answers (empty without intents). `memory` holds the login methods seen so far.
 */
export function matchAudit(
	event: AuditLogEvent,
	filters: AuditClientFilters,
	memory?: LoginMethodMemory,
): AuditIntent[] | null {
	if (filters.eventTypes.length && !filters.eventTypes.includes(event.event_type)) return null;
	if (filters.categories.length && !filters.categories.includes(event.event_category)) return null;
	if (filters.actorType && event.actor?.actor_type !== filters.actorType) return null;
	if (!filters.intents?.length) return [];
	const intents = matchIntents(event, filters.intents, memory);
	return intents.length ? intents : null;
}

/** A 400 that blames the offset: the stream continues from the last seen time instead. */
function isRejectedOffset(status: number, body: unknown): boolean {
	return status === 400 && /offset/i.test(readAsanaError(body).message ?? '');
}

export async function fetchAuditPage(
	transport: AsanaTransport,
	workspaceGid: string,
	filters: AuditServerFilters,
	page: { limit: number; offset?: string; acceptRejectedOffset?: boolean; subject?: string },
): Promise<AsanaReply<AuditLogPage>> {
	return await transport.get<AuditLogPage>(
		`/workspaces/${workspaceGid}/audit_log_events`,
		{ ...filters, limit: page.limit, offset: page.offset },
		{ accept: page.acceptRejectedOffset ? isRejectedOffset : undefined, subject: page.subject },
	);
}

/**
 * Where the audit log goes on after `page`. Asana keeps sending `next_page` after the
 * newest event, so an empty page is the end of the log for now; its offset is still the
 * place to ask again from later.
 */
export function auditContinuation(page: AuditLogPage): { offset?: string; endOfLog: boolean } {
	const offset = page.next_page?.offset || undefined;
	return { offset, endOfLog: !page.data?.length || !offset };
}

/**
 * Where an audit-log stream stands. `offset` is Asana's latest `next_page.offset`, valid
 * only with the query that produced it, so `offsetStartAt` keeps that query's `start_at`.
 * `resumeAt` (the last emitted `created_at`, or the configured start) is where the stream
 * restarts when an offset is refused. `recent` holds the gids emitted lately, which are
 * dropped when a page is asked again (a capped page, or a restart from `resumeAt`).
 */
export interface AuditCursor {
	offset?: string;
	offsetStartAt?: string;
	resumeAt: string;
	recent: string[];
}

/** Gids remembered: ten pages, far more than one page can repeat. */
const AUDIT_RECENT_CAPACITY = 1000;

/** The gids emitted lately, oldest first, at most `capacity`: a page read again is not emitted twice. */
class RecentGids {
	private gids: string[];

	private readonly held: Set<string>;

	constructor(
		stored: unknown,
		private readonly capacity: number,
	) {
		this.gids = Array.isArray(stored)
			? stored.filter((gid): gid is string => typeof gid === 'string').slice(-capacity)
			: [];
		this.held = new Set(this.gids);
	}

	has(gid: string): boolean {
		return this.held.has(gid);
	}

	add(gid: string): void {
		this.gids.push(gid);
		this.held.add(gid);
		// Trimmed in batches: shifting one gid per add would make a long drain quadratic.
		if (this.gids.length > this.capacity * 2)
			for (const old of this.gids.splice(0, this.gids.length - this.capacity))
				this.held.delete(old);
	}

	toJSON(): string[] {
		return this.gids.slice(-this.capacity);
	}
}

export interface AuditDrainResult {
	events: AuditLogEvent[];
	/** Per event, the Trigger On intents it answers. */
	intents: AuditIntent[][];
	cursor: AuditCursor;
	backlog: boolean;
	requests: number;
	offsetRejected: boolean;
	deferred?: string;
}

/**
 * Follows offsets oldest-first until the end of the log, the cap or the deadline. The cap
 * counts events that pass the client filters: what a poll emits. A page cut by the cap is
 * not left: its offset is kept and its emitted gids are skipped next time.
 */
export async function drainAuditLog(
	transport: AsanaTransport,
	workspaceGid: string,
	cursor: AuditCursor,
	budget: DrainBudget,
	filters: { server: AuditServerFilters; client: AuditClientFilters },
	options: { subject?: string; memory?: LoginMethodMemory } = {},
): Promise<AuditDrainResult> {
	const recent = new RecentGids(cursor.recent, AUDIT_RECENT_CAPACITY);
	const events: AuditLogEvent[] = [];
	const intents: AuditIntent[][] = [];
	let { offset, offsetStartAt, resumeAt } = cursor;
	let requests = 0;
	let offsetRejected = false;
	const result = (backlog: boolean, deferred?: string): AuditDrainResult => ({
		events,
		intents,
		cursor: {
			offset,
			offsetStartAt: offset ? offsetStartAt : undefined,
			resumeAt,
			recent: recent.toJSON(),
		},
		backlog,
		requests,
		offsetRejected,
		deferred,
	});

	for (;;) {
		if (!budget.mayAsk()) return result(true);
		if (!offset) offsetStartAt = laterOf(filters.server.start_at, resumeAt);
		const reply = await fetchAuditPage(
			transport,
			workspaceGid,
			{ ...filters.server, start_at: offsetStartAt },
			{
				limit: AUDIT_LOG_PAGE,
				offset,
				// Once per poll: an offset refused right after a restart is a real error.
				acceptRejectedOffset: !!offset && !offsetRejected,
				subject: options.subject,
			},
		);
		requests++;
		if (reply.kind === 'deferred') return result(true, reply.reason);
		if (reply.status === 400) {
			// Refused or expired offset: start again from the last emitted time; `recent` drops repeats.
			offsetRejected = true;
			offset = undefined;
			continue;
		}

		const page = reply.body.data ?? [];
		let cut = false;
		for (const event of page) {
			if (recent.has(event.gid)) continue;
			const matched = matchAudit(event, filters.client, options.memory);
			if (matched) {
				if (budget.remaining <= 0) {
					cut = true;
					break;
				}
				budget.spend(1);
				events.push(event);
				intents.push(matched);
			}
			// Learnt once the event is passed: a page cut here is read again next poll.
			learnLoginMethods(event, options.memory);
			recent.add(event.gid);
			resumeAt = event.created_at;
		}
		if (cut) return result(true);
		const next = auditContinuation(reply.body);
		if (next.offset) offset = next.offset;
		if (next.endOfLog) return result(false);
	}
}

function laterOf(a: string | undefined, b: string): string {
	if (!a) return b;
	return Date.parse(a) > Date.parse(b) ? a : b;
}
