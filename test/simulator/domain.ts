/**
 * The simulator's in-memory Asana: objects, event streams with sync tokens, and the audit
 * log with offsets. No HTTP here; server.ts maps requests onto these methods.
 */
import { createHash, randomBytes } from 'crypto';

export type Tier = 'free' | 'premium' | 'enterprise_plus';

export interface Compact {
	gid: string;
	resource_type: string;
	name?: string;
	resource_subtype?: string;
}

export interface User extends Compact {
	email: string;
	isServiceAccount: boolean;
}
export interface Workspace extends Compact {
	tier: Tier;
}
export interface Project extends Compact {
	workspaceGid: string;
	archived: boolean;
}
export interface Task extends Compact {
	workspaceGid: string;
	projectGids: Set<string>;
	parentGid?: string;
	assigneeGid?: string;
	completed: boolean;
	due_on: string | null;
	notes: string;
	deleted: boolean;
	followers: Set<string>;
}
export interface Goal extends Compact {
	workspaceGid: string;
	status: string;
}
export interface Story extends Compact {
	text: string;
	taskGid: string;
}

export interface SimEvent {
	user: Compact | null;
	resource: Compact;
	type: string;
	action: string;
	parent: Compact | null;
	created_at: string;
	change?: { field: string; action: string; new_value?: unknown; added_value?: unknown; removed_value?: unknown };
}

export interface AuditLogEvent {
	gid: string;
	created_at: string;
	event_type: string;
	event_category: string;
	actor: { actor_type: string; gid?: string; name?: string; email?: string };
	resource: { resource_type: string; resource_subtype?: string; gid: string; name?: string; email?: string };
	details: Record<string, unknown>;
	context: {
		context_type: string;
		api_authentication_method?: string;
		client_ip_address?: string;
		user_agent?: string;
		oauth_app_name?: string;
	};
}

export const AUDIT_LOG_EPOCH = Date.parse('2021-10-08T00:00:00Z');
export const AUDIT_RETENTION_MS = 90 * 24 * 3600 * 1000;

/** Event types with their category, as Asana documents them. */
export const AUDIT_EVENT_TYPES: Record<string, { category: string; resource: string }> = {
	user_login_succeeded: { category: 'logins', resource: 'user' },
	user_login_failed: { category: 'logins', resource: 'user' },
	user_logged_out: { category: 'logins', resource: 'user' },
	user_invited: { category: 'user_access_control', resource: 'user' },
	user_deprovisioned: { category: 'user_access_control', resource: 'user' },
	user_role_changed: { category: 'roles', resource: 'user' },
	task_deleted: { category: 'deletion', resource: 'task' },
	project_deleted: { category: 'deletion', resource: 'project' },
	project_exported: { category: 'exports', resource: 'project' },
	file_downloaded: { category: 'content_export', resource: 'attachment' },
	workspace_setting_changed: { category: 'admin_settings', resource: 'workspace' },
	app_installed: { category: 'apps', resource: 'app' },
};

/** Seeded PRNG (mulberry32), so generated activity is the same on every run. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

interface SyncToken {
	stream: string;
	position: number;
	issuedAt: number;
	expired: boolean;
}

interface AuditOffset {
	t: string;
	g: string;
	f: string;
	i: number;
	n: number;
}

export interface AuditQuery {
	start_at?: string;
	end_at?: string;
	event_type?: string;
	actor_type?: string;
	actor_gid?: string;
	resource_gid?: string;
}

export class Domain {
	readonly users = new Map<string, User>();
	readonly workspaces = new Map<string, Workspace>();
	readonly projects = new Map<string, Project>();
	readonly tasks = new Map<string, Task>();
	readonly goals = new Map<string, Goal>();
	readonly stories = new Map<string, Story>();
	/** Append-only event lists per stream gid (resource or workspace). */
	readonly streams = new Map<string, SimEvent[]>();
	readonly audit = new Map<string, AuditLogEvent[]>();
	private readonly syncTokens = new Map<string, SyncToken>();
	private readonly offsetSecret = randomBytes(8).toString('hex');
	/** Offsets numbered at or below this are expired. */
	private expiredOffsetsUpTo = 0;
	private offsetCounter = 0;
	private nextGid = 1_200_000_000_000_001n;
	private tokenCounter = 0;
	readonly random: () => number;

	constructor(
		readonly now: () => number,
		seed: number,
		public syncTokenMaxAgeMs: number,
		public auditOffsetMaxAgeMs: number,
	) {
		this.random = seededRandom(seed);
	}

	gid(): string {
		return String(this.nextGid++);
	}

	compact(object: Compact): Compact {
		const out: Compact = { gid: object.gid, resource_type: object.resource_type, name: object.name };
		if (object.resource_subtype) out.resource_subtype = object.resource_subtype;
		return out;
	}

	userCompact(gid: string | null): Compact | null {
		if (gid === null) return null;
		const user = this.users.get(gid);
		return user ? { gid: user.gid, resource_type: 'user', name: user.name } : { gid, resource_type: 'user' };
	}

	/** What kind of object a gid is, for routing and for the events endpoint. */
	kindOf(gid: string): string | undefined {
		if (this.tasks.has(gid)) return 'task';
		if (this.projects.has(gid)) return 'project';
		if (this.goals.has(gid)) return 'goal';
		if (this.users.has(gid)) return 'user';
		if (this.workspaces.has(gid)) return 'workspace';
		if (this.stories.has(gid)) return 'story';
		return undefined;
	}

	private push(stream: string, event: SimEvent): void {
		let list = this.streams.get(stream);
		if (!list) this.streams.set(stream, (list = []));
		list.push(event);
	}

	/** Streams an event on a task reaches: the task, its parent task, their projects, the workspace. */
	taskStreams(task: Task): string[] {
		const streams = new Set<string>([task.gid, task.workspaceGid, ...task.projectGids]);
		if (task.parentGid) {
			streams.add(task.parentGid);
			const parent = this.tasks.get(task.parentGid);
			for (const p of parent?.projectGids ?? []) streams.add(p);
		}
		return [...streams];
	}

	emit(streams: string[], event: SimEvent): void {
		for (const stream of streams) this.push(stream, event);
	}

	event(partial: Omit<SimEvent, 'type' | 'created_at' | 'parent'> & { parent?: Compact | null }): SimEvent {
		return {
			user: partial.user,
			resource: partial.resource,
			type: partial.resource.resource_type,
			action: partial.action,
			parent: partial.parent ?? null,
			created_at: new Date(this.now()).toISOString(),
			...(partial.change ? { change: partial.change } : {}),
		};
	}

	// ---- sync tokens -------------------------------------------------------------------

	issueToken(stream: string, position: number): string {
		const id = createHash('md5').update(`${stream}:${position}:${++this.tokenCounter}:${this.offsetSecret}`).digest('hex');
		const token = `${id}:${this.tokenCounter}`;
		this.syncTokens.set(token, { stream, position, issuedAt: this.now(), expired: false });
		return token;
	}

	/** Position a token denotes, or undefined when it is unknown, for another stream, or too old. */
	tokenPosition(stream: string, token: string): number | undefined {
		const record = this.syncTokens.get(token);
		if (!record || record.stream !== stream || record.expired) return undefined;
		if (this.now() - record.issuedAt > this.syncTokenMaxAgeMs) return undefined;
		return record.position;
	}

	expireSyncTokens(stream?: string): void {
		for (const record of this.syncTokens.values()) {
			if (!stream || record.stream === stream) record.expired = true;
		}
	}

	// ---- audit log ---------------------------------------------------------------------

	auditList(workspaceGid: string): AuditLogEvent[] {
		let list = this.audit.get(workspaceGid);
		if (!list) this.audit.set(workspaceGid, (list = []));
		return list;
	}

	addAudit(workspaceGid: string, event: AuditLogEvent): void {
		const list = this.auditList(workspaceGid);
		const last = list[list.length - 1];
		list.push(event);
		if (last && compareAudit(last, event) > 0) list.sort(compareAudit);
	}

	fingerprint(query: AuditQuery): string {
		return createHash('sha1').update(JSON.stringify([query.start_at, query.end_at, query.event_type, query.actor_type, query.actor_gid, query.resource_gid])).digest('hex').slice(0, 12);
	}

	encodeOffset(last: { created_at: string; gid: string }, query: AuditQuery): string {
		const offset: AuditOffset = { t: last.created_at, g: last.gid, f: this.fingerprint(query), i: this.now(), n: ++this.offsetCounter };
		return Buffer.from(JSON.stringify(offset)).toString('base64url');
	}

	/** The position an offset stands for, or an error text saying why it is refused. */
	decodeOffset(raw: string, query: AuditQuery): { t: string; g: string } | { error: string } {
		let offset: AuditOffset;
		try {
			offset = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as AuditOffset;
		} catch {
			return { error: 'offset: Invalid offset. Only pass in an offset that was returned by a previous request.' };
		}
		if (typeof offset?.t !== 'string' || typeof offset.g !== 'string') {
			return { error: 'offset: Invalid offset. Only pass in an offset that was returned by a previous request.' };
		}
		if (offset.f !== this.fingerprint(query)) {
			return { error: 'offset: The offset was created with different query parameters. Use the same filters as the request that returned it.' };
		}
		if (offset.n <= this.expiredOffsetsUpTo || this.now() - offset.i > this.auditOffsetMaxAgeMs) {
			return { error: 'offset: The offset is invalid or has expired. Start a new query with start_at.' };
		}
		return { t: offset.t, g: offset.g };
	}

	expireAuditOffsets(): void {
		this.expiredOffsetsUpTo = this.offsetCounter;
	}

	matchesAudit(event: AuditLogEvent, query: AuditQuery): boolean {
		const created = Date.parse(event.created_at);
		if (created < Math.max(AUDIT_LOG_EPOCH, this.now() - AUDIT_RETENTION_MS)) return false;
		if (query.start_at && created < Date.parse(query.start_at)) return false;
		if (query.end_at && created >= Date.parse(query.end_at)) return false;
		if (query.event_type && event.event_type !== query.event_type) return false;
		if (query.actor_type && event.actor.actor_type !== query.actor_type) return false;
		if (query.actor_gid && event.actor.gid !== query.actor_gid) return false;
		if (query.resource_gid && event.resource.gid !== query.resource_gid) return false;
		return true;
	}
}

export function compareAudit(a: { created_at: string; gid: string }, b: { created_at: string; gid: string }): number {
	if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
	if (a.gid.length !== b.gid.length) return a.gid.length - b.gid.length;
	return a.gid < b.gid ? -1 : a.gid > b.gid ? 1 : 0;
}

/** First index in a sorted list whose entry comes after `position`. */
export function firstAfter(list: AuditLogEvent[], position: { t: string; g: string }): number {
	let low = 0;
	let high = list.length;
	const key = { created_at: position.t, gid: position.g };
	while (low < high) {
		const mid = (low + high) >>> 1;
		if (compareAudit(list[mid], key) <= 0) low = mid + 1;
		else high = mid;
	}
	return low;
}
