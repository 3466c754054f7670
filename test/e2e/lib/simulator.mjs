// The colleague's standalone Asana simulator (test/simulator/cli.ts) in a child process,
// its control API, and a tiny Asana client to read what the simulator holds.
import fs from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from './pack.mjs';
import { startProcess, waitFor } from './procs.mjs';

export const SIMULATOR_CLI = path.join(REPO_ROOT, 'test', 'simulator', 'cli.ts');

export function simulatorAvailable() {
	return fs.existsSync(SIMULATOR_CLI);
}

/**
 * @returns {Promise<Simulator>} once the simulator printed its JSON line.
 */
export async function startSimulator({
	port = 0,
	activityEveryMs = 0,
	auditEveryMs = 0,
	seed = 1,
	logFile,
} = {}) {
	const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
	let info = null;
	const proc = startProcess(
		'simulator',
		tsx,
		[
			SIMULATOR_CLI,
			'--port',
			String(port),
			'--activity-every-ms',
			String(activityEveryMs),
			'--audit-every-ms',
			String(auditEveryMs),
			'--seed',
			String(seed),
		],
		{
			cwd: REPO_ROOT,
			logFile,
			onLine: (line) => {
				if (!info && line.trim().startsWith('{')) info = JSON.parse(line);
			},
		},
	);
	await waitFor(
		'the simulator to print its JSON line',
		() => {
			if (proc.done) throw new Error(`simulator exited:\n${proc.output()}`);
			return info;
		},
		{ timeoutMs: 60_000, intervalMs: 100 },
	);
	return new Simulator(proc, info);
}

export class Simulator {
	constructor(proc, info) {
		this.process = proc;
		this.info = info;
		this.baseUrl = info.baseUrl;
		this.origin = new URL(info.baseUrl).origin;
		this.workspaceGid = info.workspaceGid;
		this.tokens = info.tokens;
		this.projects = info.projects;
		this.goals = info.goals ?? [];
	}

	async control(route, body) {
		const res = await fetch(`${this.origin}/_sim/${route}`, {
			method: body === undefined ? 'GET' : 'POST',
			headers: { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(15_000),
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`simulator /_sim/${route} → ${res.status}: ${text}`);
		return text ? JSON.parse(text) : null;
	}

	activity(count, projectGid) {
		return this.control('activity', { count, ...(projectGid ? { projectGid } : {}) });
	}
	audit(count) {
		return this.control('audit', { count });
	}
	/** Expires the tokens issued so far (of one stream), or with `before` only those issued before that token. */
	expireSync(streamGid, { before } = {}) {
		return this.control('expire-sync', {
			...(streamGid ? { streamGid } : {}),
			...(before ? { before } : {}),
		});
	}
	/** A fault for the next matching API requests (see FaultSpec in test/simulator/server.ts). */
	fault(spec) {
		return this.control('faults', spec);
	}
	clearFaults() {
		return this.control('clear-faults', {});
	}
	/** The message of the 403 for a token that is not an Enterprise+ service account. */
	forbiddenMessage(message) {
		return this.control('forbidden-message', { message });
	}
	state() {
		return this.control('state');
	}
	/**
	 * The token's user loses access to a project (its events answer 403, listings leave it out
	 * unless `listed`), or with `restricted: false` gets it back.
	 */
	restrictProject(projectGid, { restricted = true, listed = false } = {}) {
		return this.control('restrict-project', { projectGid, restricted, listed });
	}
	/** The project is gone: out of every listing, its events answer 404. */
	deleteProject(projectGid) {
		return this.control('delete-project', { projectGid });
	}
	/** Marks a task complete (or, with false, incomplete again) as alice, or as the user `byGid`. */
	completeTask(taskGid, completed = true, byGid) {
		return this.control('complete-task', { taskGid, completed, ...(byGid ? { byGid } : {}) });
	}
	/** Assigns a task as alice, or as the user `byGid`. */
	assignTask(taskGid, assigneeGid, byGid) {
		return this.control('assign-task', { taskGid, assigneeGid, ...(byGid ? { byGid } : {}) });
	}
	/** A new task in these projects, created by alice; resolves its gid. */
	async createTask(name, projectGids) {
		return (await this.control('tasks', { name, projectGids })).gid;
	}
	requestLog() {
		return this.control('log');
	}

	/** A plain Asana API call, as a client of the simulator (not through n8n). */
	async api(pathAndQuery, token = this.tokens.alice) {
		const res = await fetch(`${this.baseUrl}${pathAndQuery}`, {
			headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
			signal: AbortSignal.timeout(15_000),
		});
		return { status: res.status, body: await res.json().catch(() => null) };
	}

	/** A fresh sync token for a stream (the 412 answer to a request without one). */
	async syncToken(resourceGid, token) {
		const { status, body } = await this.api(`/events?resource=${resourceGid}`, token);
		if (status !== 412 || !body?.sync)
			throw new Error(`expected 412 with a sync token for ${resourceGid}, got ${status}`);
		return body.sync;
	}

	/** Every event after `sync` (drains has_more); returns { events, sync }. */
	async eventsSince(resourceGid, sync, token) {
		const events = [];
		for (let page = 0; page < 1000; page++) {
			const { status, body } = await this.api(
				`/events?resource=${resourceGid}&sync=${encodeURIComponent(sync)}`,
				token,
			);
			if (status !== 200)
				throw new Error(`GET /events for ${resourceGid} → ${status}: ${JSON.stringify(body)}`);
			events.push(...body.data);
			sync = body.sync;
			if (!body.has_more) break;
		}
		return { events, sync };
	}

	/** Every audit event of the workspace (oldest first). */
	async auditEvents(token = this.tokens.serviceAccount) {
		const all = [];
		let offset;
		for (let page = 0; page < 1000; page++) {
			const q = `limit=100${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`;
			const { status, body } = await this.api(
				`/workspaces/${this.workspaceGid}/audit_log_events?${q}`,
				token,
			);
			if (status !== 200) throw new Error(`audit log → ${status}: ${JSON.stringify(body)}`);
			all.push(...body.data);
			if (!body.data.length || !body.next_page?.offset) break;
			offset = body.next_page.offset;
		}
		return all;
	}

	stop() {
		return this.process.stop(5000);
	}
}

/** Composite identity of an Asana event (events have no gid). */
export function eventKey(e) {
	const change = e.change ?? {};
	const value = change.new_value ?? change.added_value ?? change.removed_value;
	return [
		e.created_at,
		e.resource?.gid,
		e.action,
		change.field ?? '',
		change.action ?? '',
		e.parent?.gid ?? '',
		e.user?.gid ?? '',
		value?.gid ?? '',
	].join('|');
}
