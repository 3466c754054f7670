import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
let clock: number;

beforeEach(async () => {
	clock = Date.parse('2026-11-01T12:00:00Z');
	sim = await AsanaSimulator.start({ now: () => clock, syncTokenMaxAgeMs: 60_000, auditOffsetMaxAgeMs: 3_600_000 });
});
afterEach(async () => {
	await sim.stop();
});

async function get(path: string, token = sim.tokens.alice) {
	const response = await fetch(`${sim.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, any> };
}

const enc = encodeURIComponent;

describe('simulator: events and sync tokens', () => {
	it('answers the first call with 412 and a token containing ":", then pages 100 at a time with a new token each time', async () => {
		const project = sim.createProject('P');
		sim.createTask({ name: 'T', projectGids: [project.gid] });
		const first = await get(`/events?resource=${project.gid}`);
		expect(first.status).toBe(412);
		expect(first.body.sync).toMatch(/^[0-9a-f]{32}:\d+$/);
		expect(first.body.errors[0].message).toMatch(/Sync token invalid or too old/);

		sim.bulkTaskEvents(project.gid, 250);
		const p1 = await get(`/events?resource=${project.gid}&sync=${enc(first.body.sync)}`);
		expect([p1.status, p1.body.data.length, p1.body.has_more]).toEqual([200, 100, true]);
		const again = await get(`/events?resource=${project.gid}&sync=${enc(first.body.sync)}`);
		expect(again.body.data).toEqual(p1.body.data);
		expect(again.body.sync).not.toBe(p1.body.sync);
		const p2 = await get(`/events?resource=${project.gid}&sync=${enc(p1.body.sync)}`);
		const p3 = await get(`/events?resource=${project.gid}&sync=${enc(p2.body.sync)}`);
		expect([p2.body.data.length, p3.body.data.length, p3.body.has_more]).toEqual([100, 50, false]);
		const quiet = await get(`/events?resource=${project.gid}&sync=${enc(p3.body.sync)}`);
		expect([quiet.status, quiet.body.data.length, quiet.body.has_more]).toEqual([200, 0, false]);
		expect(quiet.body.sync).not.toBe(p3.body.sync);
	});

	it('bubbles task, subtask and comment events to the project and the workspace; workspace pages hold 1000', async () => {
		const project = sim.createProject('P');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const sub = sim.createTask({ name: 'S', parentGid: task.gid });
		const tokens = {
			project: (await get(`/events?resource=${project.gid}`)).body.sync,
			task: (await get(`/events?resource=${task.gid}`)).body.sync,
			ws: (await get(`/workspaces/${sim.workspaceGid}/events`, sim.tokens.serviceAccount)).body.sync,
		};
		sim.renameTask(sub.gid, 'S2');
		sim.addComment(task.gid, 'hi', null);
		const onProject = await get(`/events?resource=${project.gid}&sync=${enc(tokens.project)}`);
		const onTask = await get(`/events?resource=${task.gid}&sync=${enc(tokens.task)}`);
		expect(onProject.body.data.map((e: any) => e.resource.gid)).toEqual([sub.gid, expect.any(String)]);
		expect(onTask.body.data).toHaveLength(2);
		expect(onProject.body.data[1]).toMatchObject({ user: null, action: 'added', resource: { resource_type: 'story' }, parent: { gid: task.gid } });

		sim.bulkTaskEvents(project.gid, 2500);
		const ws1 = await get(`/workspaces/${sim.workspaceGid}/events?sync=${enc(tokens.ws)}`, sim.tokens.serviceAccount);
		expect([ws1.body.data.length, ws1.body.has_more]).toEqual([1000, true]);
	});

	it('expires tokens on demand and after the configured age, handing out a token at the current end', async () => {
		const project = sim.createProject('P');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const token = (await get(`/events?resource=${project.gid}`)).body.sync;
		sim.renameTask(task.gid, 'gone');
		sim.expireSyncTokens(project.gid);
		const expired = await get(`/events?resource=${project.gid}&sync=${enc(token)}`);
		expect(expired.status).toBe(412);
		sim.renameTask(task.gid, 'after');
		const fresh = await get(`/events?resource=${project.gid}&sync=${enc(expired.body.sync)}`);
		expect(fresh.body.data.map((e: any) => e.change.field)).toEqual(['name']);

		clock += 61_000;
		expect((await get(`/events?resource=${project.gid}&sync=${enc(fresh.body.sync)}`)).status).toBe(412);
		// A token of another stream is no token for this one.
		const other = sim.createProject('Q');
		const otherToken = (await get(`/events?resource=${other.gid}`)).body.sync;
		expect((await get(`/events?resource=${project.gid}&sync=${enc(otherToken)}`)).status).toBe(412);
	});

	it('refuses bad resources, workspace events without a service account or below Enterprise+, and bad tokens', async () => {
		expect((await get('/events')).status).toBe(400);
		expect((await get('/events?resource=12ab')).status).toBe(400);
		expect((await get('/events?resource=424242')).status).toBe(404);
		expect((await get(`/events?resource=${sim.users.bob.gid}`)).status).toBe(400);
		expect((await get(`/workspaces/${sim.workspaceGid}/events`)).status).toBe(403);
		sim.setTier('premium');
		expect((await get(`/workspaces/${sim.workspaceGid}/events`, sim.tokens.serviceAccount)).status).toBe(403);
		expect((await get('/users/me', 'nope')).status).toBe(401);
		const noHeader = await fetch(`${sim.baseUrl}/users/me`);
		expect(noHeader.status).toBe(401);
	});
});

describe('simulator: audit log', () => {
	const path = () => `/workspaces/${sim.workspaceGid}/audit_log_events`;

	it('pages oldest first, keeps next_page when data runs empty, and resumes with new events', async () => {
		sim.generateAuditEvents(150, { from: clock - 3_600_000, to: clock });
		const p1 = await get(`${path()}?limit=100`, sim.tokens.serviceAccount);
		expect(p1.body.data).toHaveLength(100);
		const times = p1.body.data.map((e: any) => e.created_at);
		expect([...times].sort()).toEqual(times);
		const p2 = await get(`${path()}?limit=100&offset=${p1.body.next_page.offset}`, sim.tokens.serviceAccount);
		expect(p2.body.data).toHaveLength(50);
		const p3 = await get(`${path()}?limit=100&offset=${p2.body.next_page.offset}`, sim.tokens.serviceAccount);
		expect(p3.body.data).toHaveLength(0);
		expect(p3.body.next_page.offset).toEqual(expect.any(String));
		sim.addAuditEvent({ event_type: 'user_login_failed' });
		const p4 = await get(`${path()}?limit=100&offset=${p3.body.next_page.offset}`, sim.tokens.serviceAccount);
		expect(p4.body.data.map((e: any) => e.event_type)).toEqual(['user_login_failed']);
	});

	it('filters server-side, answers next_page null when nothing matches, validates limit and dates', async () => {
		sim.generateAuditEvents(40, { from: clock - 1000, to: clock, eventTypes: ['user_login_succeeded', 'task_deleted'] });
		const deleted = await get(`${path()}?limit=100&event_type=task_deleted`, sim.tokens.serviceAccount);
		expect(deleted.body.data).toHaveLength(20);
		const none = await get(`${path()}?limit=100&event_type=project_exported`, sim.tokens.serviceAccount);
		expect(none.body).toEqual({ data: [], next_page: null });
		const byActor = await get(`${path()}?actor_gid=${sim.users.bob.gid}`, sim.tokens.serviceAccount);
		expect(byActor.body.data.every((e: any) => e.actor.gid === sim.users.bob.gid)).toBe(true);
		for (const bad of ['limit=0', 'limit=101', 'limit=abc', 'start_at=yesterday', `actor_type=user&actor_gid=${sim.users.bob.gid}`]) {
			const response = await get(`${path()}?${bad}`, sim.tokens.serviceAccount);
			expect(response.status).toBe(400);
			expect(response.body.errors[0].message).toMatch(/^(limit|start_at|actor_type)/);
		}
	});

	it('refuses offsets that expired or belong to other filters, and drops events past retention', async () => {
		sim.generateAuditEvents(5, { from: clock - 1000, to: clock });
		const first = await get(`${path()}?limit=2`, sim.tokens.serviceAccount);
		const offset = first.body.next_page.offset;
		expect((await get(`${path()}?limit=2&event_type=task_deleted&offset=${offset}`, sim.tokens.serviceAccount)).status).toBe(400);
		sim.expireAuditOffsets();
		const expired = await get(`${path()}?limit=2&offset=${offset}`, sim.tokens.serviceAccount);
		expect(expired.status).toBe(400);
		expect(expired.body.errors[0].message).toMatch(/offset/);
		sim.generateAuditEvents(3, { from: clock - 91 * 24 * 3_600_000, to: clock - 90.5 * 24 * 3_600_000 });
		expect((await get(`${path()}?limit=100`, sim.tokens.serviceAccount)).body.data).toHaveLength(5);
	});

	it('needs a service account on Enterprise+ and a known workspace', async () => {
		expect((await get(path())).status).toBe(403);
		expect((await get('/workspaces/31337/audit_log_events', sim.tokens.serviceAccount)).status).toBe(404);
	});
});

describe('simulator: faults, latency, log, OAuth', () => {
	it('serves each fault once, in order, with Retry-After and phrase', async () => {
		sim.injectFault({ kind: '429', retryAfterSec: 7, path: '/users/me' });
		sim.injectFault({ kind: '500', phrase: 'five red rabbits', path: '/users/me' });
		sim.injectFault({ kind: 'malformed', path: '/users/me' });
		const limited = await get('/users/me');
		expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
		const failed = await get('/users/me');
		expect([failed.status, failed.body.errors[0].phrase]).toEqual([500, 'five red rabbits']);
		const malformed = await fetch(`${sim.baseUrl}/users/me`, { headers: { Authorization: `Bearer ${sim.tokens.alice}` } });
		await expect(malformed.json()).rejects.toThrow();
		expect((await get('/users/me')).status).toBe(200);
		sim.injectFault({ kind: 'reset', path: '/users/me' });
		await expect(get('/users/me')).rejects.toThrow();
		expect(sim.requestLog.map((r) => r.fault ?? r.status)).toEqual(['429', '500', 'malformed', 200, 'reset']);
	});

	it('adds latency and counts requests in flight', async () => {
		sim.setLatency(50);
		const started = Date.now();
		await Promise.all(Array.from({ length: 6 }, () => get('/users/me')));
		expect(Date.now() - started).toBeGreaterThanOrEqual(50);
		expect(sim.counters.maxInFlight).toBe(6);
		expect(sim.counters.requests).toBe(6);
	});

	it('refreshes OAuth tokens and accepts the new access token', async () => {
		sim.registerOAuthClient('app', 'shh');
		const tokens = sim.issueOAuthTokens(sim.users.bob.gid, 'app');
		sim.expireAccessToken(tokens.access_token);
		expect((await get('/users/me', tokens.access_token)).status).toBe(401);
		const refreshed = await fetch(sim.oauthTokenUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'app', client_secret: 'shh' }),
		});
		const body = (await refreshed.json()) as { access_token: string; expires_in: number };
		expect(body.expires_in).toBe(3600);
		expect((await get('/users/me', body.access_token)).body.data.gid).toBe(sim.users.bob.gid);
		const wrong = await fetch(sim.oauthTokenUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'nope', client_id: 'app', client_secret: 'shh' }),
		});
		expect(wrong.status).toBe(400);
	});

	it('lists workspaces, searches projects and goals, and serves task records', async () => {
		sim.createProject('Marketing launch');
		sim.createProject('Engineering');
		sim.createGoal('Grow revenue');
		const task = sim.createTask({ name: 'Ship' });
		expect((await get('/workspaces')).body.data[0].gid).toBe(sim.workspaceGid);
		const found = await get(`/workspaces/${sim.workspaceGid}/typeahead?resource_type=project&query=launch`);
		expect(found.body.data.map((p: any) => p.name)).toEqual(['Marketing launch']);
		const goals = await get(`/workspaces/${sim.workspaceGid}/typeahead?resource_type=goal&query=`);
		expect(goals.body.data.map((g: any) => g.name)).toEqual(['Grow revenue']);
		expect((await get(`/tasks/${task.gid}?opt_fields=name`)).body.data).toEqual({ gid: task.gid, name: 'Ship' });
		expect((await get('/tasks/abc')).status).toBe(400);
	});
});
