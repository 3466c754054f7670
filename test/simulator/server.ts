import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { Socket } from 'net';

import { firstAfter, type AuditQuery, type Compact, type User } from './domain';
import type { AsanaSimulator } from './index';

export interface FaultSpec {
	kind: '429' | '500' | '503' | 'reset' | 'timeout' | 'malformed' | 'slow';
	/** Substring of (or pattern for) the request path under /api/1.0; any request when absent. */
	path?: string | RegExp;
	times?: number;
	retryAfterSec?: number;
	delayMs?: number;
	phrase?: string;
}

export interface RequestRecord {
	method: string;
	path: string;
	query: Record<string, string>;
	status: number;
	startedAt: number;
	endedAt: number;
	userGid?: string;
	fault?: string;
}

export interface RunningServer {
	origin: string;
	log: RequestRecord[];
	counters: { requests: number; inFlight: number; maxInFlight: number; byStatus: Record<string, number> };
	faults: Array<FaultSpec & { remaining: number }>;
	latencyMs: number;
	resetLog(): void;
	close(): Promise<void>;
}

const RESOURCE_PAGE = 100;
const WORKSPACE_PAGE = 1000;
const GID = /^\d+$/;

class HttpError {
	constructor(
		readonly status: number,
		readonly message: string,
		readonly extra: Record<string, unknown> = {},
	) {}
}

function errorBody(message: string, extra: Record<string, unknown> = {}) {
	return { errors: [{ message, help: 'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors', ...extra }] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	if (!text) return {};
	if ((req.headers['content-type'] ?? '').includes('json')) return JSON.parse(text) as Record<string, string>;
	return Object.fromEntries(new URLSearchParams(text));
}

export async function startServer(sim: AsanaSimulator, port: number, latencyMs: number): Promise<RunningServer> {
	const domain = sim.domain;
	const sockets = new Set<Socket>();
	const running: RunningServer = {
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
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};

	function takeFault(path: string): (FaultSpec & { remaining: number }) | undefined {
		const fault = running.faults.find(
			(f) => f.remaining > 0 && (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
		);
		if (fault) fault.remaining--;
		return fault;
	}

	function authenticate(req: IncomingMessage): User {
		const header = req.headers.authorization ?? '';
		const token = header.startsWith('Bearer ') ? header.slice(7) : '';
		const record = sim.apiTokens.get(token);
		if (!record || record.expired) throw new HttpError(401, 'Not Authorized');
		return domain.users.get(record.userGid) as User;
	}

	function requireEnterpriseServiceAccount(user: User, workspaceGid: string, what: string): void {
		const workspace = domain.workspaces.get(workspaceGid);
		if (!workspace) throw new HttpError(404, `workspace: Unknown object: ${workspaceGid}`);
		if (!user.isServiceAccount || workspace.tier !== 'enterprise_plus') {
			throw new HttpError(403, `${what} are only available to service accounts of Enterprise+ domains.`);
		}
	}

	function eventsPage(stream: string, sync: string | undefined, pageSize: number) {
		const list = domain.streams.get(stream) ?? [];
		const position = sync ? domain.tokenPosition(stream, sync) : undefined;
		if (position === undefined) {
			throw new HttpError(
				412,
				'Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full dataset for this query now and use the new sync token for the next sync.',
				{ __sync: domain.issueToken(stream, list.length) },
			);
		}
		const data = list.slice(position, position + pageSize);
		const next = position + data.length;
		return { data, sync: domain.issueToken(stream, next), has_more: next < list.length };
	}

	function auditPage(workspaceGid: string, query: Record<string, string>) {
		const filters: AuditQuery = {};
		for (const key of ['start_at', 'end_at', 'event_type', 'actor_type', 'actor_gid', 'resource_gid'] as const) {
			if (query[key] !== undefined) filters[key] = query[key];
		}
		for (const key of ['start_at', 'end_at'] as const) {
			if (filters[key] !== undefined && Number.isNaN(Date.parse(filters[key] as string))) {
				throw new HttpError(400, `${key}: Invalid date-time: ${filters[key]}`);
			}
		}
		if (filters.actor_type && filters.actor_gid) {
			throw new HttpError(400, 'actor_type: Do not pass actor_type together with actor_gid.');
		}
		const limit = query.limit === undefined ? 100 : Number(query.limit);
		if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
			throw new HttpError(400, 'limit: The value must be between 1 and 100.');
		}
		const list = domain.auditList(workspaceGid);
		let start = 0;
		let hadOffset = false;
		if (query.offset) {
			const position = domain.decodeOffset(query.offset, filters);
			if ('error' in position) throw new HttpError(400, position.error);
			start = firstAfter(list, position);
			hadOffset = true;
		}
		const data = [];
		for (let i = start; i < list.length && data.length < limit; i++) {
			if (domain.matchesAudit(list[i], filters)) data.push(list[i]);
		}
		let last = data[data.length - 1];
		if (!last && hadOffset) {
			const position = domain.decodeOffset(query.offset, filters) as { t: string; g: string };
			last = { created_at: position.t, gid: position.g } as (typeof list)[number];
		}
		if (!last) return { data, next_page: null };
		const offset = domain.encodeOffset(last, filters);
		const path = `/workspaces/${workspaceGid}/audit_log_events?offset=${offset}`;
		return { data, next_page: { offset, path, uri: `${running.origin}/api/1.0${path}` } };
	}

	function typeahead(workspaceGid: string, query: Record<string, string>): Compact[] {
		const needle = (query.query ?? '').toLowerCase();
		const count = Math.min(Number(query.count ?? 20) || 20, 100);
		const pool: Compact[] =
			query.resource_type === 'goal'
				? [...domain.goals.values()].filter((g) => g.workspaceGid === workspaceGid)
				: query.resource_type === 'task'
					? [...domain.tasks.values()].filter((t) => t.workspaceGid === workspaceGid)
					: [...domain.projects.values()].filter((p) => p.workspaceGid === workspaceGid);
		return pool.filter((o) => (o.name ?? '').toLowerCase().includes(needle)).slice(0, count).map((o) => domain.compact(o));
	}

	function record(gid: string, collection: string): Record<string, unknown> {
		if (!GID.test(gid)) throw new HttpError(400, `${collection.slice(0, -1)}: Not a recognized ID: ${gid}`);
		if (collection === 'tasks') {
			const task = domain.tasks.get(gid);
			if (!task || task.deleted) throw new HttpError(404, `task: Unknown object: ${gid}`);
			return {
				gid: task.gid,
				resource_type: 'task',
				resource_subtype: task.resource_subtype,
				name: task.name,
				completed: task.completed,
				due_on: task.due_on,
				notes: task.notes,
				assignee: task.assigneeGid ? domain.userCompact(task.assigneeGid) : null,
				projects: [...task.projectGids].map((p) => domain.compact(domain.projects.get(p) as Compact)),
				parent: task.parentGid ? domain.compact(domain.tasks.get(task.parentGid) as Compact) : null,
				workspace: domain.compact(domain.workspaces.get(task.workspaceGid) as Compact),
			};
		}
		const object = collection === 'projects' ? domain.projects.get(gid) : domain.goals.get(gid);
		if (!object) throw new HttpError(404, `${collection.slice(0, -1)}: Unknown object: ${gid}`);
		return { ...domain.compact(object), workspace: domain.compact(domain.workspaces.get((object as { workspaceGid: string }).workspaceGid) as Compact) };
	}

	function selectFields(data: Record<string, unknown>, optFields?: string): Record<string, unknown> {
		if (!optFields) return data;
		const top = new Set(optFields.split(',').map((f) => f.split('.')[0]));
		return Object.fromEntries(Object.entries(data).filter(([key]) => key === 'gid' || top.has(key)));
	}

	function route(method: string, path: string, query: Record<string, string>, user: User): { status: number; body: unknown } {
		const parts = path.split('/').filter(Boolean);
		if (method !== 'GET') throw new HttpError(404, 'No matching route for request');
		if (path === '/users/me') {
			return {
				status: 200,
				body: { data: { gid: user.gid, resource_type: 'user', name: user.name, email: user.email, workspaces: [...domain.workspaces.values()].map((w) => domain.compact(w)) } },
			};
		}
		if (path === '/workspaces') {
			return { status: 200, body: { data: [...domain.workspaces.values()].map((w) => domain.compact(w)), next_page: null } };
		}
		if (path === '/events') {
			const resource = query.resource;
			if (!resource) throw new HttpError(400, 'resource: Missing input');
			if (!GID.test(resource)) throw new HttpError(400, `resource: Not a recognized ID: ${resource}`);
			const kind = domain.kindOf(resource);
			if (!kind) throw new HttpError(404, `resource: Unknown object: ${resource}`);
			if (!['task', 'project', 'goal'].includes(kind)) {
				throw new HttpError(400, `resource: Events are only available for tasks, projects and goals, not for a ${kind}.`);
			}
			return { status: 200, body: eventsPage(resource, query.sync, RESOURCE_PAGE) };
		}
		if (parts[0] === 'workspaces' && parts.length === 3) {
			const [, workspaceGid, what] = parts;
			if (!GID.test(workspaceGid)) throw new HttpError(400, `workspace: Not a recognized ID: ${workspaceGid}`);
			if (!domain.workspaces.has(workspaceGid)) throw new HttpError(404, `workspace: Unknown object: ${workspaceGid}`);
			if (what === 'events') {
				requireEnterpriseServiceAccount(user, workspaceGid, 'Workspace events');
				return { status: 200, body: eventsPage(workspaceGid, query.sync, WORKSPACE_PAGE) };
			}
			if (what === 'audit_log_events') {
				requireEnterpriseServiceAccount(user, workspaceGid, 'Audit log events');
				return { status: 200, body: auditPage(workspaceGid, query) };
			}
			if (what === 'typeahead') return { status: 200, body: { data: typeahead(workspaceGid, query) } };
			if (what === 'projects') return { status: 200, body: { data: typeahead(workspaceGid, { resource_type: 'project', count: '100' }), next_page: null } };
		}
		if ((path === '/projects' || path === '/goals') && query.workspace) {
			const type = path === '/projects' ? 'project' : 'goal';
			return { status: 200, body: { data: typeahead(query.workspace, { resource_type: type, count: '100' }), next_page: null } };
		}
		if (parts.length === 2 && ['tasks', 'projects', 'goals'].includes(parts[0])) {
			return { status: 200, body: { data: selectFields(record(parts[1], parts[0]), query.opt_fields) } };
		}
		throw new HttpError(404, 'No matching route for request');
	}

	async function handleOAuth(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const body = await readBody(req);
		let clientId = body.client_id;
		let clientSecret = body.client_secret;
		const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString() : '';
		if (basic) [clientId, clientSecret] = basic.split(':').map(decodeURIComponent);
		const send = (status: number, payload: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(payload));
		};
		if (!clientId || sim.oauthClients.get(clientId) !== clientSecret) return send(401, { error: 'invalid_client' });
		const grant = body.grant_type === 'refresh_token' ? sim.refreshTokens.get(body.refresh_token) : undefined;
		if (!grant || grant.clientId !== clientId) return send(400, { error: 'invalid_grant' });
		const access_token = `oauth-access-${domain.gid()}`;
		sim.apiTokens.set(access_token, { userGid: grant.userGid });
		send(200, { access_token, refresh_token: body.refresh_token, expires_in: 3600, token_type: 'bearer' });
	}

	async function handleControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
		const body = req.method === 'POST' ? ((await readBody(req)) as Record<string, unknown>) : {};
		const send = (payload: unknown) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify(payload));
		};
		switch (path) {
			case '/_sim/activity':
				sim.generateActivity(Number(body.count ?? 1), { projectGid: body.projectGid as string | undefined });
				return send({ ok: true });
			case '/_sim/audit':
				sim.generateAuditEvents(Number(body.count ?? 1), { from: domain.now() - 1000, to: domain.now() });
				return send({ ok: true });
			case '/_sim/expire-sync':
				sim.expireSyncTokens(body.streamGid as string | undefined);
				return send({ ok: true });
			case '/_sim/expire-offsets':
				sim.expireAuditOffsets();
				return send({ ok: true });
			case '/_sim/faults':
				sim.injectFault(body as unknown as FaultSpec);
				return send({ ok: true });
			case '/_sim/reset-log':
				sim.resetLog();
				return send({ ok: true });
			case '/_sim/log':
				return send(running.log);
			case '/_sim/state':
				return send({
					baseUrl: sim.baseUrl,
					workspaceGid: sim.workspaceGid,
					tokens: sim.tokens,
					users: sim.users,
					projects: [...domain.projects.values()],
					tasks: [...domain.tasks.values()].map((t) => ({ gid: t.gid, name: t.name, projectGids: [...t.projectGids] })),
					goals: [...domain.goals.values()],
					streams: Object.fromEntries([...domain.streams].map(([gid, list]) => [gid, list.length])),
					audit: Object.fromEntries([...domain.audit].map(([gid, list]) => [gid, list.length])),
					counters: running.counters,
				});
			default:
				res.writeHead(404).end();
		}
	}

	async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const path = url.pathname.slice('/api/1.0'.length) || '/';
		const query = Object.fromEntries(url.searchParams);
		const entry: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, query, status: 0, startedAt: Date.now(), endedAt: 0 };
		running.log.push(entry);
		running.counters.requests++;
		running.counters.inFlight++;
		running.counters.maxInFlight = Math.max(running.counters.maxInFlight, running.counters.inFlight);
		const finish = (status: number) => {
			entry.status = status;
			entry.endedAt = Date.now();
			running.counters.inFlight--;
			running.counters.byStatus[status] = (running.counters.byStatus[status] ?? 0) + 1;
		};
		try {
			if (running.latencyMs > 0) await sleep(running.latencyMs);
			const fault = takeFault(path);
			if (fault) {
				entry.fault = fault.kind;
				if (fault.kind === 'reset') {
					finish(0);
					req.socket.destroy();
					return;
				}
				if (fault.kind === 'timeout') {
					await sleep(fault.delayMs ?? 60_000);
					finish(0);
					req.socket.destroy();
					return;
				}
				if (fault.kind === 'slow') await sleep(fault.delayMs ?? 1000);
				if (fault.kind === '429') {
					finish(429);
					res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(fault.retryAfterSec ?? 1) });
					res.end(JSON.stringify(errorBody('You have made too many requests recently. Please, be chill.')));
					return;
				}
				if (fault.kind === '500' || fault.kind === '503') {
					const status = Number(fault.kind);
					finish(status);
					res.writeHead(status, { 'content-type': 'application/json' });
					res.end(JSON.stringify(errorBody('Server Error', fault.phrase ? { phrase: fault.phrase } : {})));
					return;
				}
			}
			const user = authenticate(req);
			entry.userGid = user.gid;
			const { status, body } = route(req.method ?? 'GET', path, query, user);
			finish(status);
			res.writeHead(status, { 'content-type': 'application/json' });
			const text = JSON.stringify(body);
			res.end(fault?.kind === 'malformed' ? text.slice(0, Math.floor(text.length / 2)) : text);
		} catch (error) {
			if (!(error instanceof HttpError)) throw error;
			finish(error.status);
			const { __sync, ...extra } = error.extra;
			const payload: Record<string, unknown> = errorBody(error.message, extra);
			if (__sync) payload.sync = __sync;
			res.writeHead(error.status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(payload));
		}
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const handler = url.pathname.startsWith('/_sim/')
			? handleControl(req, res, url.pathname)
			: url.pathname === '/-/oauth_token' && req.method === 'POST'
				? handleOAuth(req, res)
				: url.pathname.startsWith('/api/1.0/')
					? handleApi(req, res, url)
					: Promise.resolve(void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody('Not found'))));
		handler.catch((error: unknown) => {
			if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
			res.end(JSON.stringify(errorBody(`Simulator error: ${(error as Error).message}`)));
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.keepAliveTimeout = 1000;
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
	const address = server.address() as { port: number };
	running.origin = `http://127.0.0.1:${address.port}`;
	return running;
}
