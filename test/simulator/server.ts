/**
 * The simulator's HTTP layer: Asana's routes under /api/1.0, the OAuth token endpoint, the
 * /_sim control API, plus latency, injected faults, the request log and counters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { Socket } from 'net';

import {
	AUDIT_ACTOR_TYPES,
	type AuditQuery,
	type Compact,
	type CustomField,
	type Domain,
	type Project,
	type SimEvent,
	type Story,
	type Task,
	type User,
} from './domain';
import type { AsanaSimulator } from './index';

export interface FaultSpec {
	kind: '402' | '429' | '451' | '500' | '503' | 'reset' | 'timeout' | 'malformed' | 'slow';
	/** Substring of (or pattern for) the path under /api/1.0, e.g. '/events'; any API request when absent. */
	path?: string | RegExp;
	/** Only requests whose `resource` parameter is this gid (one stream of the events endpoint). */
	resource?: string;
	/** How many matching requests get the fault (default 1). */
	times?: number;
	/** Retry-After of a 429 (default 1). */
	retryAfterSec?: number;
	/** How long 'timeout' holds the socket (default 60 s) and 'slow' delays the answer (default 1 s). */
	delayMs?: number;
	/** The `phrase` of a 500 or 503 body. */
	phrase?: string;
}

export interface RequestRecord {
	method: string;
	/** Full path, e.g. /api/1.0/events or /-/oauth_token. */
	path: string;
	query: Record<string, string>;
	/** 0 when the socket was reset or timed out without an answer. */
	status: number;
	startedAt: number;
	endedAt: number;
	userGid?: string;
	fault?: string;
}

export interface Counters {
	requests: number;
	inFlight: number;
	maxInFlight: number;
	byStatus: Record<string, number>;
}

export interface SimServer {
	origin: string;
	log: RequestRecord[];
	counters: Counters;
	faults: Array<FaultSpec & { remaining: number }>;
	latencyMs: number;
	/** Replaces the explaining message of the service-account 403 (Asana itself answers a bare "Forbidden"). */
	forbiddenMessage?: string;
	/** Requests per token per minute before a 429 (none when undefined). */
	rateLimitPerMinute?: number;
	/**
	 * Events as Asana's webhooks deliver them: resource, parent, user and values carry their
	 * gid and type, no name.
	 */
	webhookStyleEvents?: boolean;
	/** Events per page of a resource stream: Asana's 100 at most, fewer when it likes. */
	resourcePageSize: number;
	resetLog(): void;
	close(): Promise<void>;
}

const FAULT_KINDS: Array<FaultSpec['kind']> = [
	'402',
	'429',
	'451',
	'500',
	'503',
	'reset',
	'timeout',
	'malformed',
	'slow',
];
const API = '/api/1.0';
const RESOURCE_PAGE = 100;
const WORKSPACE_PAGE = 1000;
/** Users Asana lists of a workspace at most, in one answer. */
const WORKSPACE_USERS_LIMIT = 2000;
const GID = /^\d+$/;
const HELP =
	'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors';
const SYNC_EXPIRED =
	'Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full dataset for this query now and use the new sync token for the next sync.';

class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly extra: Record<string, unknown> = {},
	) {
		super(message);
	}
}

function errorBody(
	message: string,
	phrase?: string,
): { errors: Array<{ message: string; help: string; phrase?: string }> } {
	return { errors: [{ message, help: HELP, ...(phrase ? { phrase } : {}) }] };
}

function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
	res.end(JSON.stringify(body));
}

async function readText(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

/** The OAuth token endpoint's body: form-encoded, as OAuth clients send it, or JSON. */
async function readOAuthBody(req: IncomingMessage): Promise<Record<string, unknown>> {
	const text = await readText(req);
	if (!text.trim()) return {};
	if ((req.headers['content-type'] ?? '').includes('json')) {
		const parsed: unknown = JSON.parse(text);
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
			throw new HttpError(400, 'The body must be a JSON object.');
		return parsed as Record<string, unknown>;
	}
	return Object.fromEntries(new URLSearchParams(text));
}

// ---- control API -------------------------------------------------------------------------

interface FieldRule {
	valid: (value: unknown) => boolean;
	/** What a valid value is, for the 400 that answers another. */
	expected: string;
	required?: true;
}

const wholeNumber = (min: number): FieldRule => ({
	valid: (value) => Number.isInteger(value) && (value as number) >= min,
	expected: `a whole number of at least ${min}`,
});
const text: FieldRule = { valid: (value) => typeof value === 'string', expected: 'a string' };
const boolean: FieldRule = {
	valid: (value) => typeof value === 'boolean',
	expected: 'true or false',
};
const gidText: FieldRule = {
	valid: (value) => typeof value === 'string' && GID.test(value),
	expected: 'an Asana id as a string of digits, e.g. "1200000000000005"',
};
const gidList: FieldRule = {
	valid: (value) => Array.isArray(value) && value.every((gid) => gidText.valid(gid)),
	expected: 'a list of Asana ids, each a string of digits',
};

/** The JSON fields each POST route reads; 'get' marks the routes that only answer GET. */
const CONTROL_ROUTES: Record<string, Record<string, FieldRule> | 'get'> = {
	'/_sim/state': 'get',
	'/_sim/log': 'get',
	'/_sim/activity': { count: wholeNumber(0), projectGid: gidText },
	'/_sim/audit': { count: wholeNumber(0) },
	'/_sim/expire-sync': { streamGid: gidText, before: text },
	'/_sim/expire-offsets': {},
	'/_sim/advance-clock': { ms: wholeNumber(0) },
	'/_sim/faults': {
		kind: {
			valid: (value) => FAULT_KINDS.includes(value as FaultSpec['kind']),
			expected: `one of ${FAULT_KINDS.join(', ')}`,
			required: true,
		},
		path: text,
		resource: gidText,
		times: wholeNumber(1),
		retryAfterSec: wholeNumber(0),
		delayMs: wholeNumber(0),
		phrase: text,
	},
	'/_sim/clear-faults': {},
	'/_sim/forbidden-message': { message: text },
	'/_sim/latency': { ms: wholeNumber(0) },
	'/_sim/teams': { name: { ...text, required: true } },
	'/_sim/projects': { name: { ...text, required: true }, teamGid: gidText, portfolioGid: gidText },
	'/_sim/portfolios': { name: { ...text, required: true } },
	'/_sim/archive-project': {
		projectGid: { ...gidText, required: true },
		archived: boolean,
	},
	'/_sim/restrict-project': {
		projectGid: { ...gidText, required: true },
		restricted: boolean,
		listed: boolean,
	},
	'/_sim/delete-project': { projectGid: { ...gidText, required: true } },
	'/_sim/rate-limit': { perMinute: wholeNumber(1) },
	'/_sim/reset-log': {},
	'/_sim/tasks': { name: { ...text, required: true }, projectGids: gidList },
	'/_sim/complete-task': {
		taskGid: { ...gidText, required: true },
		completed: boolean,
		byGid: gidText,
	},
	'/_sim/assign-task': {
		taskGid: { ...gidText, required: true },
		assigneeGid: { ...gidText, required: true },
		byGid: gidText,
	},
	'/_sim/oauth-tokens': { expired: boolean },
};

/** Control calls to type by hand, as the demo prints them: JSON, with its content type. */
export function controlExamples(origin: string): Array<{ command: string; effect: string }> {
	const curl = (route: string, body: Record<string, unknown>) =>
		`curl -XPOST ${origin}/_sim/${route} -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;
	return [
		{ command: curl('activity', { count: 20 }), effect: 'more task activity' },
		{ command: curl('audit', { count: 5 }), effect: 'more audit events' },
		{ command: curl('expire-sync', {}), effect: 'expire sync tokens → gap notices' },
	];
}

/**
 * A control request's body: empty, or a JSON object sent as application/json with only the
 * fields the route reads, each of its type. Anything else is a 400 that says what to send, so
 * a driver never gets "ok" for a request that did something else than it asked.
 */
async function readControlBody(
	req: IncomingMessage,
	path: string,
	fields: Record<string, FieldRule>,
): Promise<Record<string, unknown>> {
	const raw = await readText(req);
	const names = Object.keys(fields);
	const what = `Send a JSON object${names.length ? ` with any of ${names.join(', ')}` : ' without fields, or no body'} and the header "content-type: application/json".`;
	let body: Record<string, unknown> = {};
	if (raw.trim()) {
		const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
		if (type !== 'application/json')
			throw new HttpError(
				400,
				`${path}: cannot read a body of content type "${type || 'none'}". ${what}`,
			);
		try {
			body = JSON.parse(raw) as Record<string, unknown>;
		} catch (error) {
			throw new HttpError(
				400,
				`${path}: the body is not valid JSON (${(error as Error).message}). ${what}`,
			);
		}
		if (!body || typeof body !== 'object' || Array.isArray(body))
			throw new HttpError(400, `${path}: the body is JSON but not an object. ${what}`);
	}
	for (const [name, value] of Object.entries(body)) {
		if (!Object.hasOwn(fields, name))
			throw new HttpError(400, `${path}: unknown field "${name}". ${what}`);
		if (!fields[name].valid(value))
			throw new HttpError(
				400,
				`${path}: ${name} must be ${fields[name].expected}, got ${JSON.stringify(value)}.`,
			);
	}
	for (const [name, rule] of Object.entries(fields))
		if (rule.required && body[name] === undefined)
			throw new HttpError(400, `${path}: ${name} is required (${rule.expected}).`);
	return body;
}

// ---- opt_fields ----------------------------------------------------------------------------

/** Selected fields as a tree; `true` keeps the whole value (a bare field wins over its sub-fields). */
type FieldTree = Map<string, FieldTree | true>;

function parseOptFields(raw: string | undefined): FieldTree | undefined {
	if (!raw) return undefined;
	const root: FieldTree = new Map();
	for (const path of raw
		.split(',')
		.map((f) => f.trim())
		.filter(Boolean)) {
		let node = root;
		const parts = path.split('.');
		for (let i = 0; i < parts.length; i++) {
			const existing = node.get(parts[i]);
			if (existing === true) break;
			if (i === parts.length - 1) node.set(parts[i], true);
			else {
				const child: FieldTree = existing ?? new Map();
				node.set(parts[i], child);
				node = child;
			}
		}
	}
	return root;
}

/** Keeps the selected fields; objects keep their gid, as Asana always returns it. */
function select(value: unknown, tree: FieldTree | undefined): unknown {
	if (!tree) return value;
	if (Array.isArray(value)) return value.map((v) => select(v, tree));
	if (!value || typeof value !== 'object') return value;
	const object = value as Record<string, unknown>;
	const out: Record<string, unknown> = {};
	if ('gid' in object) out.gid = object.gid;
	for (const [key, sub] of tree) {
		if (key in object) out[key] = sub === true ? object[key] : select(object[key], sub);
	}
	return out;
}

/** An object reference as webhooks give it: gid and type. */
function bare(value: unknown): unknown {
	if (!value || typeof value !== 'object' || !('gid' in value)) return value;
	const { gid, resource_type } = value as Compact;
	return { gid, resource_type };
}

function withoutNames(event: SimEvent): SimEvent {
	const stripped: SimEvent = {
		...event,
		user: bare(event.user) as Compact | null,
		resource: bare(event.resource) as Compact,
		parent: bare(event.parent) as Compact | null,
	};
	if (event.change) {
		stripped.change = { ...event.change };
		for (const key of ['new_value', 'added_value', 'removed_value'] as const)
			if (key in event.change) stripped.change[key] = bare(event.change[key]);
	}
	return stripped;
}

// ---- server --------------------------------------------------------------------------------

export async function startServer(
	sim: AsanaSimulator,
	port: number,
	latencyMs: number,
): Promise<SimServer> {
	const domain: Domain = sim.domain;
	const sockets = new Set<Socket>();
	/** Pending waits (latency, slow, timeout), cancelled on close so nothing outlives stop(). */
	const timers = new Set<NodeJS.Timeout>();
	const wait = (ms: number) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				resolve();
			}, ms);
			timers.add(timer);
		});

	const running: SimServer = {
		resourcePageSize: RESOURCE_PAGE,
		origin: '',
		log: [],
		counters: { requests: 0, inFlight: 0, maxInFlight: 0, byStatus: {} },
		faults: [],
		latencyMs,
		resetLog() {
			running.log.length = 0;
			running.counters.requests = 0;
			running.counters.maxInFlight = running.counters.inFlight;
			running.counters.byStatus = {};
		},
		async close() {
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};

	/** When each token's requests of the last minute arrived, oldest first; rejected ones count too, as at Asana. */
	const requestTimes = new Map<string, number[]>();
	const RATE_WINDOW_MS = 60_000;

	/** Seconds until the token may ask again, or undefined when it is under its limit. */
	function rateLimitedFor(token: string): number | undefined {
		const limit = running.rateLimitPerMinute;
		if (limit === undefined) return undefined;
		const now = domain.now();
		let times = requestTimes.get(token);
		if (!times) requestTimes.set(token, (times = []));
		while (times.length && times[0] <= now - RATE_WINDOW_MS) times.shift();
		const over = times.length >= limit;
		times.push(now);
		if (!over) return undefined;
		// The request that frees a slot is the one `limit` places back from the newest.
		const freedAt = times[times.length - 1 - limit] + RATE_WINDOW_MS;
		return Math.max(1, Math.ceil((freedAt - now) / 1000));
	}

	function takeFault(path: string, query: Record<string, string>): FaultSpec | undefined {
		const fault = running.faults.find(
			(f) =>
				f.remaining > 0 &&
				(!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))) &&
				(!f.resource || query.resource === f.resource),
		);
		if (!fault) return undefined;
		fault.remaining--;
		if (fault.remaining === 0) running.faults.splice(running.faults.indexOf(fault), 1);
		return fault;
	}

	/** Starts a log entry and counts the request in flight; the returned function ends both. */
	function track(
		req: IncomingMessage,
		path: string,
		query: Record<string, string>,
	): { entry: RequestRecord; finish: (status: number) => void } {
		const entry: RequestRecord = {
			method: req.method ?? 'GET',
			path,
			query,
			status: 0,
			startedAt: Date.now(),
			endedAt: 0,
		};
		const counters = running.counters;
		running.log.push(entry);
		counters.requests++;
		counters.inFlight++;
		counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
		let done = false;
		return {
			entry,
			finish(status: number) {
				if (done) return;
				done = true;
				entry.status = status;
				entry.endedAt = Date.now();
				counters.inFlight--;
				counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
			},
		};
	}

	// ---- validation helpers ----------------------------------------------------------

	function gidParam(value: string | undefined, field: string): string {
		if (value === undefined || value === '') throw new HttpError(400, `${field}: Missing input`);
		if (!GID.test(value)) throw new HttpError(400, `${field}: Not a recognized ID: ${value}`);
		return value;
	}

	function workspaceParam(value: string | undefined, field = 'workspace'): string {
		const gid = gidParam(value, field);
		if (!domain.workspaces.has(gid)) throw new HttpError(404, `${field}: Unknown object: ${gid}`);
		return gid;
	}

	function limitParam(raw: string | undefined): number {
		if (raw === undefined) return 100;
		const limit = Number(raw);
		if (!/^\d+$/.test(raw) || limit < 1 || limit > 100)
			throw new HttpError(
				400,
				`limit: The limit must be an integer between 1 and 100, got "${raw}".`,
			);
		return limit;
	}

	function requireEnterpriseServiceAccount(user: User, workspaceGid: string, what: string): void {
		if (!user.isServiceAccount || domain.workspace(workspaceGid).tier !== 'enterprise_plus') {
			throw new HttpError(
				403,
				running.forbiddenMessage ??
					`${what} require a service account token of an Enterprise+ domain. This token belongs to ${user.isServiceAccount ? 'a service account of a workspace below Enterprise+' : 'a user, not a service account'}.`,
			);
		}
	}

	function nextPage(
		path: string,
		query: Record<string, string>,
		offset: string,
	): { offset: string; path: string; uri: string } {
		const params = new URLSearchParams({ ...query, offset });
		const pagePath = `${path}?${params.toString()}`;
		return { offset, path: pagePath, uri: `${running.origin}${API}${pagePath}` };
	}

	/** Asana-style list pagination: `limit` 1..100, opaque `offset`, next_page or null. */
	function paginate(
		items: unknown[],
		path: string,
		query: Record<string, string>,
	): { data: unknown[]; next_page: ReturnType<typeof nextPage> | null } {
		const limit = limitParam(query.limit);
		let start = 0;
		if (query.offset !== undefined) {
			const match = /^list:(\d+)$/.exec(Buffer.from(query.offset, 'base64url').toString('utf8'));
			if (!match)
				throw new HttpError(
					400,
					'offset: Your pagination token is invalid. Only pass an offset returned by a previous request.',
				);
			start = Number(match[1]);
		}
		const end = Math.min(items.length, start + limit);
		const fields = parseOptFields(query.opt_fields);
		const data = items.slice(start, end).map((item) => select(item, fields));
		const forward = Object.fromEntries(Object.entries(query).filter(([key]) => key !== 'offset'));
		return {
			data,
			next_page:
				end < items.length
					? nextPage(path, forward, Buffer.from(`list:${end}`).toString('base64url'))
					: null,
		};
	}

	// ---- resources -------------------------------------------------------------------

	const compactOf = (gid: string | null | undefined, map: Map<string, Compact>): Compact | null => {
		const object = gid ? map.get(gid) : undefined;
		return object ? domain.compact(object) : null;
	};
	const permalink = (workspaceGid: string, gid: string) =>
		`https://app.asana.com/0/${workspaceGid}/${gid}`;

	function taskRecord(gid: string): Record<string, unknown> {
		const task = domain.tasks.get(gid);
		if (!task || task.deleted) throw new HttpError(404, `task: Unknown object: ${gid}`);
		if (task.restricted) throw new HttpError(403, `You do not have access to task ${gid}`);
		return {
			gid: task.gid,
			resource_type: 'task',
			resource_subtype: task.resource_subtype,
			name: task.name,
			completed: task.completed,
			completed_at: task.completedAt,
			due_on: task.due_on,
			due_at: task.due_at,
			notes: task.notes,
			assignee: domain.userCompact(task.assigneeGid),
			followers: [...task.followers].map((f) => domain.userCompact(f)),
			projects: [...task.projectGids].map((p) => compactOf(p, domain.projects)),
			memberships: [...task.projectGids].map((p) => {
				const section = compactOf(task.sections.get(p), domain.sections);
				return { project: compactOf(p, domain.projects), ...(section ? { section } : {}) };
			}),
			parent: compactOf(task.parentGid, domain.tasks),
			workspace: compactOf(task.workspaceGid, domain.workspaces),
			created_at: task.createdAt,
			created_by: task.createdByGid ? { gid: task.createdByGid, resource_type: 'user' } : null,
			modified_at: task.modifiedAt,
			permalink_url: permalink(task.workspaceGid, task.gid),
		};
	}

	/** Asana's answer to a project the token's user may not see. */
	function refuseRestricted(project: Project): void {
		if (project.restricted)
			throw new HttpError(403, `You do not have access to project ${project.gid}`);
	}

	function projectRecord(gid: string): Record<string, unknown> {
		const project = domain.projects.get(gid);
		if (!project) throw new HttpError(404, `project: Unknown object: ${gid}`);
		refuseRestricted(project);
		return {
			gid: project.gid,
			resource_type: 'project',
			name: project.name,
			archived: project.archived,
			owner: domain.userCompact(project.ownerGid),
			workspace: compactOf(project.workspaceGid, domain.workspaces),
			created_at: project.createdAt,
			modified_at: project.modifiedAt,
			permalink_url: permalink(project.workspaceGid, project.gid),
		};
	}

	function goalRecord(gid: string): Record<string, unknown> {
		const goal = domain.goals.get(gid);
		if (!goal) throw new HttpError(404, `goal: Unknown object: ${gid}`);
		return {
			gid: goal.gid,
			resource_type: 'goal',
			name: goal.name,
			status: goal.status,
			due_on: goal.due_on,
			owner: domain.userCompact(goal.ownerGid),
			workspace: compactOf(goal.workspaceGid, domain.workspaces),
		};
	}

	/** A project's custom fields, as Asana lists them: one setting per field. */
	function customFieldSettings(projectGid: string): Record<string, unknown>[] {
		const project = domain.projects.get(projectGid);
		if (!project) throw new HttpError(404, `project: Unknown object: ${projectGid}`);
		const compact = domain.compact(project);
		return (domain.projectCustomFields.get(projectGid) ?? []).map((setting) => {
			const field = domain.customFields.get(setting.fieldGid) as CustomField;
			return {
				gid: setting.gid,
				resource_type: 'custom_field_setting',
				is_important: true,
				project: compact,
				parent: compact,
				custom_field: {
					gid: field.gid,
					resource_type: 'custom_field',
					name: field.name,
					resource_subtype: field.resource_subtype,
					type: field.resource_subtype,
				},
			};
		});
	}

	function workspaceRecord(gid: string): Record<string, unknown> {
		const workspace = domain.workspace(gid);
		return {
			gid: workspace.gid,
			resource_type: 'workspace',
			name: workspace.name,
			is_organization: true,
			email_domains: ['acme.test'],
		};
	}

	/** A date-time query parameter as ISO text, or undefined when absent. */
	function dateTimeParam(value: string | undefined, field: string): string | undefined {
		if (value === undefined || value === '') return undefined;
		if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))
			throw new HttpError(
				400,
				`${field}: Invalid date-time "${value}". Use ISO 8601, e.g. 2026-01-31T12:00:00Z.`,
			);
		return new Date(Date.parse(value)).toISOString();
	}

	/** Tasks a list may show: not deleted, readable by the token. */
	const listedTasks = (keep: (task: Task) => boolean) =>
		[...domain.tasks.values()].filter((t) => !t.deleted && !t.restricted && keep(t));

	/** A TaskCompact, or with opt_fields the full record to pick the fields from. */
	function taskItems(tasks: Task[], query: Record<string, string>): unknown[] {
		return tasks.map((task) =>
			query.opt_fields
				? taskRecord(task.gid)
				: {
						...domain.compact(task),
						created_by: task.createdByGid
							? { gid: task.createdByGid, resource_type: 'user' }
							: null,
					},
		);
	}

	/** GET /tasks: the tasks of one project, those modified since a time if asked. */
	function tasksList(query: Record<string, string>): { status: number; body: unknown } {
		if (!query.project)
			throw new HttpError(
				400,
				'project: Must specify exactly one of project, tag, section, user task list, or assignee + workspace',
			);
		const projectGid = gidParam(query.project, 'project');
		if (!domain.projects.has(projectGid))
			throw new HttpError(404, `project: Unknown object: ${projectGid}`);
		const since = dateTimeParam(query.modified_since, 'modified_since');
		const tasks = listedTasks(
			(t) => t.projectGids.has(projectGid) && (!since || t.modifiedAt >= since),
		);
		return { status: 200, body: paginate(taskItems(tasks, query), '/tasks', query) };
	}

	/** A task's stories, oldest first: StoryCompact, or with opt_fields the fields of the full record. */
	function storyItems(taskGid: string, query: Record<string, string>): unknown[] {
		const stories = [...domain.stories.values()].filter((story) => story.taskGid === taskGid);
		const compact = (story: Story) => ({
			gid: story.gid,
			resource_type: 'story',
			created_at: story.createdAt,
			created_by: domain.userCompact(story.createdByGid),
			resource_subtype: story.resource_subtype,
			text: story.text,
		});
		if (!query.opt_fields) return stories.map(compact);
		return select(
			stories.map((story) => ({
				...compact(story),
				type: story.resource_subtype === 'comment_added' ? 'comment' : 'system',
				...story.details,
			})),
			parseOptFields(query.opt_fields),
		) as unknown[];
	}

	const SEARCH_SORTS = [
		'due_date',
		'created_at',
		'completed_at',
		'likes',
		'modified_at',
		'relevance',
	];

	/**
	 * The workspace task search: premium only, no offset (Asana's results are not stable, so
	 * clients page by sorting on a time and asking again after the last one seen).
	 */
	function searchTasks(workspaceGid: string, query: Record<string, string>): unknown {
		if (domain.workspace(workspaceGid).tier === 'free')
			throw new HttpError(402, 'Search is only available to premium users.');
		if (query.offset !== undefined)
			throw new HttpError(
				400,
				'offset: Search does not support pagination. Sort the results and ask again with modified_at.after (or created_at.after) set to the last one seen.',
			);
		const sortBy = query.sort_by ?? 'modified_at';
		if (!SEARCH_SORTS.includes(sortBy))
			throw new HttpError(400, `sort_by: Must be one of ${SEARCH_SORTS.join(', ')}.`);
		if (query.sort_ascending !== undefined && !['true', 'false'].includes(query.sort_ascending))
			throw new HttpError(400, 'sort_ascending: Must be true or false.');
		const after = dateTimeParam(query['modified_at.after'], 'modified_at.after');
		const before = dateTimeParam(query['modified_at.before'], 'modified_at.before');
		const projects = query['projects.any']?.split(',').filter(Boolean);
		const limit = limitParam(query.limit);
		const tasks = listedTasks(
			(t) =>
				t.workspaceGid === workspaceGid &&
				(!after || t.modifiedAt > after) &&
				(!before || t.modifiedAt < before) &&
				(!projects || projects.some((gid) => t.projectGids.has(gid))),
		);
		const key = (t: Task) => (sortBy === 'created_at' ? t.createdAt : t.modifiedAt);
		const ascending = query.sort_ascending === 'true';
		tasks.sort((a, b) => {
			const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
			return ascending ? order : -order;
		});
		return {
			data: select(taskItems(tasks.slice(0, limit), query), parseOptFields(query.opt_fields)),
		};
	}

	function typeahead(workspaceGid: string, query: Record<string, string>): Compact[] {
		const type = query.resource_type;
		const pools: Record<string, () => Array<Compact & { workspaceGid: string }>> = {
			project: () => [...domain.projects.values()],
			task: () => [...domain.tasks.values()].filter((t) => !t.deleted),
			goal: () => [...domain.goals.values()],
		};
		if (!type || !Object.hasOwn(pools, type))
			throw new HttpError(
				400,
				`resource_type: Must be one of ${Object.keys(pools).join(', ')}, got "${type ?? ''}".`,
			);
		const count = query.count === undefined ? 20 : Number(query.count);
		if (!Number.isInteger(count) || count < 1 || count > 100)
			throw new HttpError(400, 'count: The count must be an integer between 1 and 100.');
		const needle = (query.query ?? '').toLowerCase();
		return pools[type]()
			.filter(
				(o) => o.workspaceGid === workspaceGid && (o.name ?? '').toLowerCase().includes(needle),
			)
			.slice(0, count)
			.map((o) => domain.compact(o));
	}

	// ---- events and audit log --------------------------------------------------------

	function events(
		stream: string,
		query: Record<string, string>,
		pageSize: number,
	): { status: number; body: unknown } {
		const page = domain.eventsPage(stream, query.sync || undefined, pageSize);
		if (!page.ok) throw new HttpError(412, SYNC_EXPIRED, { sync: page.sync });
		const data = running.webhookStyleEvents ? page.data.map(withoutNames) : page.data;
		return {
			status: 200,
			body: {
				data: select(data, parseOptFields(query.opt_fields)),
				sync: page.sync,
				has_more: page.has_more,
			},
		};
	}

	function resourceEvents(
		resource: string | undefined,
		query: Record<string, string>,
	): { status: number; body: unknown } {
		const gid = gidParam(resource, 'resource');
		const kind = domain.kindOf(gid);
		if (!kind) throw new HttpError(404, `resource: Unknown object: ${gid}`);
		const project = domain.projects.get(gid);
		if (project) refuseRestricted(project);
		if (kind !== 'task' && kind !== 'project' && kind !== 'goal') {
			throw new HttpError(
				400,
				`resource: Events can only be requested for a task, project or goal; ${gid} is a ${kind}.${kind === 'workspace' ? ' Use GET /workspaces/{workspace_gid}/events.' : ''}`,
			);
		}
		return events(gid, query, running.resourcePageSize);
	}

	function auditLog(workspaceGid: string, query: Record<string, string>): unknown {
		const filters: AuditQuery = {};
		for (const key of [
			'start_at',
			'end_at',
			'event_type',
			'actor_type',
			'actor_gid',
			'resource_gid',
		] as const) {
			if (query[key] !== undefined && query[key] !== '') filters[key] = query[key];
		}
		for (const key of ['start_at', 'end_at'] as const) {
			const value = filters[key];
			if (
				value !== undefined &&
				(!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))
			) {
				throw new HttpError(
					400,
					`${key}: Invalid date-time "${value}". Use ISO 8601, e.g. 2026-01-31T12:00:00Z.`,
				);
			}
		}
		if (filters.actor_type && filters.actor_gid)
			throw new HttpError(
				400,
				'actor_type: Do not combine actor_type with actor_gid; actor_type is only for actors without an id.',
			);
		if (filters.actor_type && !AUDIT_ACTOR_TYPES.includes(filters.actor_type)) {
			throw new HttpError(400, `actor_type: Must be one of ${AUDIT_ACTOR_TYPES.join(', ')}.`);
		}
		if (filters.actor_gid) gidParam(filters.actor_gid, 'actor_gid');
		if (filters.resource_gid) gidParam(filters.resource_gid, 'resource_gid');
		const limit = limitParam(query.limit);
		const page = domain.auditPage(workspaceGid, filters, limit, query.offset || undefined);
		if (!page.ok) throw new HttpError(400, page.error);
		const forward: Record<string, string> = {
			...(filters as Record<string, string>),
			limit: String(limit),
		};
		return {
			data: page.data,
			next_page: page.offset
				? nextPage(`/workspaces/${workspaceGid}/audit_log_events`, forward, page.offset)
				: null,
		};
	}

	// ---- routing ---------------------------------------------------------------------

	function route(
		method: string,
		path: string,
		query: Record<string, string>,
		user: User,
	): { status: number; body: unknown } {
		if (method !== 'GET') throw new HttpError(404, 'No matching route for request');
		const ok = (data: unknown) => ({
			status: 200,
			body: { data: select(data, parseOptFields(query.opt_fields)) },
		});
		const list = (items: unknown[], listPath: string) => ({
			status: 200,
			body: paginate(items, listPath, query),
		});
		const parts = path.split('/').filter(Boolean);

		if (path === '/users/me') {
			const workspaces = [...domain.workspaces.values()].map((w) => domain.compact(w));
			return ok({
				gid: user.gid,
				resource_type: 'user',
				name: user.name,
				email: user.email,
				workspaces,
			});
		}
		if (path === '/workspaces')
			return list(
				[...domain.workspaces.values()].map((w) => domain.compact(w)),
				path,
			);
		if (path === '/events') return resourceEvents(query.resource, query);
		if (path === '/tasks') return tasksList(query);
		if (parts[0] === 'tasks' && parts.length === 3 && ['subtasks', 'stories'].includes(parts[2])) {
			const taskGid = gidParam(parts[1], 'task');
			taskRecord(taskGid);
			return parts[2] === 'subtasks'
				? list(
						taskItems(
							listedTasks((t) => t.parentGid === taskGid),
							query,
						),
						path,
					)
				: list(storyItems(taskGid, query), path);
		}
		if (
			parts[0] === 'workspaces' &&
			parts.length === 4 &&
			parts[2] === 'tasks' &&
			parts[3] === 'search'
		) {
			const workspaceGid = workspaceParam(parts[1], 'workspace');
			return { status: 200, body: searchTasks(workspaceGid, query) };
		}
		if (path === '/projects' || path === '/goals') {
			const workspaceGid = workspaceParam(query.workspace);
			return path === '/projects'
				? list(
						projectsOf((p) => p.workspaceGid === workspaceGid, query),
						path,
					)
				: list(goalsOf(workspaceGid), path);
		}
		if (path === '/portfolios') {
			const workspaceGid = workspaceParam(query.workspace);
			// A user's token lists only the portfolios its user owns; a service account every
			// portfolio of the workspace, or those of `owner` when it names one.
			const owner = query.owner === 'me' ? user.gid : query.owner;
			const owned = [...domain.portfolios.values()].filter(
				(p) =>
					p.workspaceGid === workspaceGid &&
					(user.isServiceAccount
						? owner === undefined || p.ownerGid === owner
						: p.ownerGid === user.gid),
			);
			return list(
				owned.map((p) => domain.compact(p)),
				path,
			);
		}
		if (parts[0] === 'teams' && parts.length === 3 && parts[2] === 'projects') {
			const teamGid = gidParam(parts[1], 'team');
			if (!domain.teams.has(teamGid)) throw new HttpError(404, `team: Unknown object: ${teamGid}`);
			return list(
				projectsOf((p) => p.teamGid === teamGid, query),
				path,
			);
		}
		if (parts[0] === 'portfolios' && parts.length === 3 && parts[2] === 'items') {
			const portfolioGid = gidParam(parts[1], 'portfolio');
			const portfolio = domain.portfolios.get(portfolioGid);
			if (!portfolio) throw new HttpError(404, `portfolio: Unknown object: ${portfolioGid}`);
			const items = portfolio.itemGids.flatMap((gid) => {
				const project = domain.projects.get(gid);
				if (project?.restricted && !project.restricted.listed) return [];
				if (project) return [query.opt_fields ? listedProject(project) : domain.compact(project)];
				const nested = domain.portfolios.get(gid);
				return nested ? [domain.compact(nested)] : [];
			});
			return list(items, path);
		}
		if (parts[0] === 'workspaces' && parts.length >= 2 && parts.length <= 3) {
			const workspaceGid = workspaceParam(parts[1], 'workspace');
			switch (parts[2]) {
				case undefined:
					return ok(workspaceRecord(workspaceGid));
				case 'projects':
					return list(
						projectsOf((p) => p.workspaceGid === workspaceGid, query),
						path,
					);
				case 'teams':
					return list(
						[...domain.teams.values()]
							.filter((t) => t.workspaceGid === workspaceGid)
							.map((t) => domain.compact(t)),
						path,
					);
				case 'users':
					// Asana's compact users sorted by name, at most 2000, in one answer without next_page.
					return {
						status: 200,
						body: {
							data: [...domain.users.values()]
								.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
								.slice(0, WORKSPACE_USERS_LIMIT)
								.map((u) => select(domain.userCompact(u.gid), parseOptFields(query.opt_fields))),
						},
					};
				case 'typeahead':
					return ok(typeahead(workspaceGid, query));
				case 'events':
					requireEnterpriseServiceAccount(user, workspaceGid, 'Workspace events');
					return events(workspaceGid, query, WORKSPACE_PAGE);
				case 'audit_log_events':
					requireEnterpriseServiceAccount(user, workspaceGid, 'Audit log events');
					return { status: 200, body: auditLog(workspaceGid, query) };
			}
		}
		if (parts[0] === 'projects' && parts.length === 3 && parts[2] === 'custom_field_settings') {
			const projectGid = gidParam(parts[1], 'project');
			return list(customFieldSettings(projectGid), path);
		}
		const records: Record<string, (gid: string) => Record<string, unknown>> = {
			tasks: taskRecord,
			projects: projectRecord,
			goals: goalRecord,
		};
		if (
			Object.hasOwn(records, parts[0] ?? '') &&
			(parts.length === 2 || (parts.length === 3 && parts[2] === 'events'))
		) {
			const gid = gidParam(parts[1], parts[0].slice(0, -1));
			if (parts.length === 3) return resourceEvents(gid, query);
			return ok(records[parts[0]](gid));
		}
		throw new HttpError(404, 'No matching route for request');
	}

	/** A project as a listing shows it: compact, or with the fields `opt_fields` asks for. */
	function listedProject(project: Project): Record<string, unknown> {
		return { ...domain.compact(project), archived: project.archived };
	}

	/** A project listing: `archived` true or false keeps only those; compact unless `opt_fields` asks for more. */
	function projectsOf(
		belongs: (project: Project) => boolean,
		query: Record<string, string>,
	): unknown[] {
		const { archived } = query;
		if (archived !== undefined && archived !== 'true' && archived !== 'false')
			throw new HttpError(400, `archived: Must be true or false, got "${archived}".`);
		return [...domain.projects.values()]
			.filter((p) => belongs(p) && (archived === undefined || String(p.archived) === archived))
			.filter((p) => !p.restricted || p.restricted.listed)
			.map((p) => (query.opt_fields ? listedProject(p) : domain.compact(p)));
	}

	function goalsOf(workspaceGid: string): Compact[] {
		return [...domain.goals.values()]
			.filter((g) => g.workspaceGid === workspaceGid)
			.map((g) => domain.compact(g));
	}

	// ---- handlers ----------------------------------------------------------------------

	async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const path = url.pathname.slice(API.length) || '/';
		const query = Object.fromEntries(url.searchParams);
		const { entry, finish } = track(req, url.pathname, query);
		try {
			if (running.latencyMs > 0) await wait(running.latencyMs);
			const fault = takeFault(path, query);
			if (fault) entry.fault = fault.kind;
			switch (fault?.kind) {
				case 'reset':
					finish(0);
					req.socket.destroy();
					return;
				case 'timeout':
					await wait(fault.delayMs ?? 60_000);
					finish(0);
					req.socket.destroy();
					return;
				case 'slow':
					await wait(fault.delayMs ?? 1000);
					break;
				case '429':
					finish(429);
					return sendJson(
						res,
						429,
						errorBody('You have made too many requests recently. Please, be chill.'),
						{
							'retry-after': String(fault.retryAfterSec ?? 1),
						},
					);
				// Answers no fault of the simulator's own domain produces: a plan or a region Asana refuses.
				case '402':
				case '451': {
					const status = Number(fault.kind);
					finish(status);
					const message =
						status === 402
							? 'Payment Required: this feature is not available on the current plan of the workspace.'
							: 'Unavailable For Legal Reasons.';
					return sendJson(res, status, errorBody(message));
				}
				case '500':
				case '503': {
					const status = Number(fault.kind);
					finish(status);
					const message =
						status === 500
							? 'Server Error'
							: 'Service Unavailable: Asana is temporarily unable to handle the request.';
					return sendJson(res, status, errorBody(message, fault.phrase));
				}
			}
			const header = req.headers.authorization ?? '';
			const user = header.startsWith('Bearer ')
				? sim.userForToken(header.slice(7).trim())
				: undefined;
			if (!user) throw new HttpError(401, 'Not Authorized');
			entry.userGid = user.gid;
			const retryAfter = rateLimitedFor(header.slice(7).trim());
			if (retryAfter !== undefined) {
				finish(429);
				entry.fault = 'rate-limit';
				return sendJson(
					res,
					429,
					errorBody('You have made too many requests recently. Please, be chill.'),
					{ 'retry-after': String(retryAfter) },
				);
			}
			const { status, body } = route(req.method ?? 'GET', path, query, user);
			if (fault?.kind === 'malformed') {
				const text = JSON.stringify(body);
				finish(200);
				res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
				res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
				return;
			}
			finish(status);
			sendJson(res, status, body);
		} catch (error) {
			const failure =
				error instanceof HttpError
					? error
					: new HttpError(500, `Simulator error: ${(error as Error).message}`);
			finish(failure.status);
			// Asana's 412 carries only the message, plus the fresh sync token.
			const body =
				failure.status === 412
					? { errors: [{ message: failure.message }] }
					: errorBody(failure.message);
			if (!res.destroyed) sendJson(res, failure.status, { ...body, ...failure.extra });
		}
	}

	async function handleOAuth(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const { finish } = track(req, url.pathname, {});
		try {
			let params: Record<string, string | undefined>;
			try {
				params = Object.fromEntries(
					Object.entries(await readOAuthBody(req)).map(([k, v]) => [
						k,
						v === undefined ? undefined : String(v),
					]),
				);
			} catch {
				finish(400);
				return sendJson(res, 400, {
					error: 'invalid_request',
					error_description: 'The body could not be parsed.',
				});
			}
			const authorization = req.headers.authorization ?? '';
			if (authorization.startsWith('Basic ')) {
				const [id, secret = ''] = Buffer.from(authorization.slice(6), 'base64')
					.toString('utf8')
					.split(':');
				params.client_id = decodeURIComponent(id);
				params.client_secret = decodeURIComponent(secret);
			}
			const { status, body } = sim.oauthGrant(params);
			finish(status);
			sendJson(res, status, body, { 'cache-control': 'no-store' });
		} catch (error) {
			finish(500);
			throw error;
		}
	}

	/**
	 * An OAuth app (client `client-1`) connected by alice, as n8n's OAuth2 credential holds it
	 * after "Connect"; `expired`: its access token already answers 401, so the first request
	 * must refresh it.
	 */
	function oauthTokensForAlice(expired: boolean) {
		sim.registerOAuthClient('client-1', 'client-secret-1');
		const tokens = sim.issueOAuthTokens(sim.users.alice.gid, 'client-1');
		if (expired) sim.expireAccessToken(tokens.access_token);
		return sim.oauth2Credentials(tokens.access_token, tokens.refresh_token).asanaEventsOAuth2Api;
	}

	/** Drives the simulator from another process (e2e run, demo). Not logged or counted. */
	async function handleControl(
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
	): Promise<void> {
		const fields = Object.hasOwn(CONTROL_ROUTES, path) ? CONTROL_ROUTES[path] : undefined;
		if (!fields) throw new HttpError(404, `Unknown control route ${path}`);
		if (fields === 'get') {
			if (req.method !== 'GET') throw new HttpError(405, `${path} needs GET`);
			return sendJson(res, 200, path === '/_sim/state' ? sim.state() : running.log);
		}
		if (req.method !== 'POST') throw new HttpError(405, `${path} needs POST`);
		const body = await readControlBody(req, path, fields);
		if (path === '/_sim/oauth-tokens')
			return sendJson(res, 200, oauthTokensForAlice(body.expired === true));
		/** What a creating route answers besides ok: the new object's gid. */
		let created: string | undefined;
		try {
			switch (path) {
				case '/_sim/teams':
					created = sim.createTeam(body.name as string).gid;
					break;
				case '/_sim/portfolios':
					created = sim.createPortfolio(body.name as string).gid;
					break;
				case '/_sim/projects':
					created = sim.createProject(body.name as string, sim.workspaceGid, {
						teamGid: body.teamGid as string | undefined,
						portfolioGid: body.portfolioGid as string | undefined,
					}).gid;
					break;
				case '/_sim/archive-project':
					sim.archiveProject(
						body.projectGid as string,
						(body.archived as boolean | undefined) ?? true,
					);
					break;
				case '/_sim/restrict-project':
					sim.restrictProject(
						body.projectGid as string,
						(body.restricted as boolean | undefined) ?? true,
						{ listed: body.listed as boolean | undefined },
					);
					break;
				case '/_sim/delete-project':
					sim.deleteProject(body.projectGid as string);
					break;
				case '/_sim/rate-limit':
					sim.setRateLimit(body.perMinute as number | undefined);
					break;
				case '/_sim/activity':
					sim.generateActivity((body.count as number | undefined) ?? 1, {
						projectGid: body.projectGid as string | undefined,
					});
					break;
				case '/_sim/audit':
					sim.recentAuditEvents((body.count as number | undefined) ?? 1);
					break;
				case '/_sim/tasks':
					created = sim.createTask({
						name: body.name as string,
						projectGids: body.projectGids as string[] | undefined,
					}).gid;
					break;
				case '/_sim/complete-task':
					sim.changeTask(
						body.taskGid as string,
						'completed',
						body.completed ?? true,
						body.byGid as string | undefined,
					);
					break;
				case '/_sim/assign-task':
					sim.assignTask(
						body.taskGid as string,
						body.assigneeGid as string,
						body.byGid as string | undefined,
					);
					break;
				case '/_sim/expire-sync':
					sim.expireSyncTokens(
						body.streamGid as string | undefined,
						body.before as string | undefined,
					);
					break;
				case '/_sim/expire-offsets':
					sim.expireAuditOffsets();
					break;
				case '/_sim/advance-clock':
					sim.advanceClock((body.ms as number | undefined) ?? 0);
					break;
				case '/_sim/faults':
					sim.injectFault(body as unknown as FaultSpec);
					break;
				case '/_sim/clear-faults':
					sim.clearFaults();
					break;
				case '/_sim/forbidden-message':
					running.forbiddenMessage = (body.message as string | undefined) || undefined;
					break;
				case '/_sim/latency':
					sim.setLatency((body.ms as number | undefined) ?? 0);
					break;
				case '/_sim/reset-log':
					sim.resetLog();
					break;
			}
		} catch (error) {
			// Bad input from the driver (unknown project ...), not a simulator bug.
			throw new HttpError(400, (error as Error).message);
		}
		sendJson(res, 200, created ? { ok: true, gid: created } : { ok: true });
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const handler = url.pathname.startsWith('/_sim/')
			? handleControl(req, res, url.pathname)
			: url.pathname === '/-/oauth_token' && req.method === 'POST'
				? handleOAuth(req, res, url)
				: url.pathname.startsWith(`${API}/`)
					? handleApi(req, res, url)
					: Promise.reject(new HttpError(404, 'No matching route for request'));
		handler.catch((error: unknown) => {
			if (res.headersSent || res.destroyed) return;
			if (error instanceof HttpError) sendJson(res, error.status, errorBody(error.message));
			else sendJson(res, 500, errorBody(`Simulator error: ${(error as Error).message}`));
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.keepAliveTimeout = 1000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve());
	});
	running.origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
	return running;
}
