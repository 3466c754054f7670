import { execFile, spawn } from 'child_process';
import { once } from 'events';
import { join } from 'path';
import { createInterface } from 'readline';
import { promisify } from 'util';

import { AsanaSimulator, controlExamples } from './simulator';

/** The simulator over real sockets: every semantic other tests and the e2e run rely on. */

let sim: AsanaSimulator;
let clock: number;
const HOUR = 3_600_000;

beforeEach(async () => {
	clock = Date.parse('2026-11-01T12:00:00Z');
	sim = await AsanaSimulator.start({
		now: () => clock,
		syncTokenMaxAgeMs: 60_000,
		auditOffsetMaxAgeMs: HOUR,
	});
});
afterEach(async () => {
	await sim.stop();
});

type Json = Record<string, any>;

async function get(path: string, token: string | null = sim.tokens.alice) {
	const response = await fetch(`${sim.baseUrl}${path}`, {
		headers: token === null ? {} : { Authorization: `Bearer ${token}` },
	});
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: JSON.parse(text) as Json };
}
const asService = (path: string) => get(path, sim.tokens.serviceAccount);

async function control(path: string, body?: unknown) {
	const response = await fetch(`${sim.origin}/_sim/${path}`, {
		method: body === undefined ? 'GET' : 'POST',
		headers: { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as Json };
}

async function oauth(
	params: Record<string, string>,
	init: { json?: boolean; basic?: [string, string] } = {},
) {
	const headers: Record<string, string> = {
		'content-type': init.json ? 'application/json' : 'application/x-www-form-urlencoded',
	};
	if (init.basic)
		headers.authorization = `Basic ${Buffer.from(init.basic.join(':')).toString('base64')}`;
	const response = await fetch(sim.oauthTokenUrl, {
		method: 'POST',
		headers,
		body: init.json ? JSON.stringify(params) : new URLSearchParams(params),
	});
	return { status: response.status, body: (await response.json()) as Json };
}

const enc = encodeURIComponent;
/** A token at the stream's current end (the 412 of a first call). */
const startToken = async (path: string, token = sim.tokens.alice) =>
	(await get(path, token)).body.sync as string;
const page = (path: string, sync: string, token = sim.tokens.alice) =>
	get(`${path}${path.includes('?') ? '&' : '?'}sync=${enc(sync)}`, token);

describe('simulator: seeded domain', () => {
	it('starts with a workspace, alice, bob, a service account, two projects with tasks and a goal, and no history', async () => {
		const me = await get('/users/me');
		expect(me.body.data).toMatchObject({
			gid: sim.users.alice.gid,
			resource_type: 'user',
			name: 'Alice Admin',
			email: 'alice@acme.test',
		});
		expect(me.body.data.workspaces).toEqual([
			{ gid: sim.workspaceGid, resource_type: 'workspace', name: 'Acme Corp' },
		]);
		expect((await get('/users/me', sim.tokens.bob)).body.data.gid).toBe(sim.users.bob.gid);
		expect((await asService('/users/me')).body.data.gid).toBe(sim.users.serviceAccount.gid);
		expect(sim.seeded.projects).toHaveLength(2);
		expect(sim.seeded.tasks.length).toBeGreaterThanOrEqual(4);
		expect(sim.seeded.goals).toHaveLength(1);
		const projects = await get(`/projects?workspace=${sim.workspaceGid}`);
		expect(projects.body.data.map((p: Json) => p.gid)).toEqual(
			sim.seeded.projects.map((p) => p.gid),
		);
		for (const gid of [sim.workspaceGid, ...sim.seeded.projects.map((p) => p.gid)])
			expect(sim.eventsEmitted(gid)).toBe(0);
		// Enterprise+ from the start: the service account may read workspace events.
		expect((await asService(`/workspaces/${sim.workspaceGid}/events`)).status).toBe(412);
	});
});

describe('simulator: events and sync tokens', () => {
	it('answers the first call with 412 and a token containing ":", then pages 100 at a time with a new token each time', async () => {
		const project = sim.createProject('P');
		sim.createTask({ name: 'T', projectGids: [project.gid] });
		const first = await get(`/events?resource=${project.gid}`);
		expect(first.status).toBe(412);
		expect(first.body.sync).toMatch(/^[0-9a-f]{32}:\d+$/);
		expect(first.body.errors[0].message).toBe(
			'Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full dataset for this query now and use the new sync token for the next sync.',
		);

		sim.bulkTaskEvents(project.gid, 250);
		const path = `/events?resource=${project.gid}`;
		const p1 = await page(path, first.body.sync);
		expect([p1.status, p1.body.data.length, p1.body.has_more]).toEqual([200, 100, true]);
		const again = await page(path, first.body.sync);
		expect(again.body.data).toEqual(p1.body.data);
		expect(again.body.sync).not.toBe(p1.body.sync);
		const p2 = await page(path, p1.body.sync);
		const p3 = await page(path, p2.body.sync);
		expect([p2.body.data.length, p3.body.data.length, p3.body.has_more]).toEqual([100, 50, false]);
		const quiet = await page(path, p3.body.sync);
		expect([quiet.status, quiet.body.data, quiet.body.has_more]).toEqual([200, [], false]);
		expect(quiet.body.sync).not.toBe(p3.body.sync);
		expect((await page(path, quiet.body.sync)).body.data).toEqual([]);
		// The shorter route to the same stream.
		expect(
			(await get(`/projects/${project.gid}/events?sync=${enc(p2.body.sync)}`)).body.data,
		).toHaveLength(50);
	});

	it('hands out opaque tokens: every third carries "+", "/", "=" and "~", and is known only when percent-encoded', async () => {
		const project = sim.createProject('P');
		const path = `/events?resource=${project.gid}`;
		const tokens = [await startToken(path)];
		for (let i = 0; i < 5; i++) {
			sim.generateActivity(1, { projectGid: project.gid });
			const next = await page(path, tokens[tokens.length - 1]);
			expect(next.status).toBe(200);
			expect(next.body.data.length).toBeGreaterThan(0);
			tokens.push(next.body.sync);
		}
		const opaque = tokens.filter((t) => !/^[0-9a-f]{32}:\d+$/.test(t));
		expect(opaque).toEqual([tokens[2], tokens[5]]);
		for (const token of opaque) for (const char of '+/=~') expect(token).toContain(char);
		// Unencoded, "+" reads as a space in a query string: a token Asana never issued.
		expect((await get(`${path}&sync=${opaque[1]}`)).status).toBe(412);
		expect((await page(path, opaque[1])).status).toBe(200);
	});

	it('serves every event shape: values only for resource fields, parent only for added/removed, null user for the system', async () => {
		const project = sim.createProject('P');
		const other = sim.createProject('Q');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const path = `/events?resource=${task.gid}`;
		const sync = await startToken(path);
		sim.renameTask(task.gid, 'T2', sim.users.bob.gid);
		sim.assignTask(task.gid, sim.users.bob.gid);
		sim.changeTask(task.gid, 'followers', sim.users.bob.gid);
		sim.changeTask(task.gid, 'followers', sim.users.bob.gid);
		sim.changeTask(
			task.gid,
			'custom_fields',
			{ gid: '77', resource_type: 'custom_field', name: 'Priority' },
			null,
		);
		sim.changeTask(task.gid, 'due_on', '2026-12-24', null);
		const comment = sim.addComment(task.gid, 'Looks good');
		sim.addTaskToProject(task.gid, other.gid);
		sim.removeTaskFromProject(task.gid, other.gid);
		sim.deleteTask(task.gid);
		sim.undeleteTask(task.gid);
		const events = (await page(path, sync)).body.data as Json[];
		const alice = { gid: sim.users.alice.gid, resource_type: 'user', name: 'Alice Admin' };
		const bob = { gid: sim.users.bob.gid, resource_type: 'user', name: 'Bob Builder' };
		const resource = {
			gid: task.gid,
			resource_type: 'task',
			name: 'T2',
			resource_subtype: 'default_task',
		};
		const changed = (change: Json, user: Json | null = alice) => ({
			user,
			resource,
			type: 'task',
			action: 'changed',
			parent: null,
			change,
		});
		/** A system story Asana writes with a change: an `added` story on the task. */
		const story = (subtype: string, user: Json | null = alice) => ({
			user,
			resource: expect.objectContaining({ resource_type: 'story', resource_subtype: subtype }),
			type: 'story',
			action: 'added',
			parent: {
				gid: task.gid,
				resource_type: 'task',
				name: 'T2',
				resource_subtype: 'default_task',
			},
		});
		const q = { gid: other.gid, resource_type: 'project', name: 'Q' };
		expect(events.map((e) => ({ ...e, created_at: undefined }))).toEqual(
			[
				changed({ field: 'name', action: 'changed' }, bob),
				story('name_changed', bob),
				changed({ field: 'assignee', action: 'changed', new_value: bob }),
				story('assigned'),
				changed({ field: 'followers', action: 'added', added_value: bob }),
				changed({ field: 'followers', action: 'removed', removed_value: bob }),
				changed(
					{
						field: 'custom_fields',
						action: 'changed',
						new_value: { gid: '77', resource_type: 'custom_field', name: 'Priority' },
					},
					null,
				),
				story('enum_custom_field_changed', null),
				changed({ field: 'due_on', action: 'changed' }, null),
				story('due_date_changed', null),
				{
					user: alice,
					resource: {
						gid: comment.gid,
						resource_type: 'story',
						name: 'Looks good',
						resource_subtype: 'comment_added',
					},
					type: 'story',
					action: 'added',
					parent: {
						gid: task.gid,
						resource_type: 'task',
						name: 'T2',
						resource_subtype: 'default_task',
					},
				},
				{ user: alice, resource, type: 'task', action: 'added', parent: q },
				story('added_to_project'),
				{ user: alice, resource, type: 'task', action: 'removed', parent: q },
				story('removed_from_project'),
				{ user: alice, resource, type: 'task', action: 'deleted', parent: null },
				{ user: alice, resource, type: 'task', action: 'undeleted', parent: null },
			].map((e) => ({ ...e, created_at: undefined })),
		);
		for (const event of events) {
			expect(event.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
			expect('change' in event).toBe(event.action === 'changed');
		}
		// A change's events share its instant; changes have distinct, rising instants.
		const instants = events.map((e) => e.created_at);
		expect([...instants].sort()).toEqual(instants);
		expect(new Set(instants).size).toBe(11);
	});

	it('writes one change as Asana does: a completion at one instant, stories with their details, a landing section', async () => {
		const project = sim.createProject('P');
		const todo = sim.createSection(project.gid, 'To do');
		const doing = sim.createSection(project.gid, 'Doing');
		const other = sim.createProject('Q');
		const otherFirst = sim.createSection(other.gid, 'Inbox');
		const path = `/events?resource=${project.gid}`;
		const sync = await startToken(path);
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		sim.completeTask(task.gid);
		sim.completeTask(task.gid);
		sim.reopenTask(task.gid);
		sim.moveTaskToSection(task.gid, doing.gid);
		sim.addTaskToProject(task.gid, other.gid);
		sim.changeTask(task.gid, 'due_on', '2026-12-24');
		sim.changeTask(task.gid, 'due_on', null);
		sim.touchTask(task.gid);
		const events = (await page(path, sync)).body.data as Json[];
		const shape = (e: Json) =>
			[
				e.action,
				e.resource.resource_type,
				e.resource.resource_subtype ?? '',
				e.parent?.resource_type ?? '',
				e.change?.field ?? '',
			].join(' ');
		const byInstant = new Map<string, string[]>();
		for (const e of events)
			byInstant.set(e.created_at, [...(byInstant.get(e.created_at) ?? []), shape(e)]);
		expect([...byInstant.values()]).toEqual([
			// Created: in the project, landing in its first section.
			['added task default_task project ', 'added task default_task section '],
			[
				'changed task default_task  completed',
				'changed task default_task  completed_at',
				'added story marked_complete task ',
			],
			// Completing it again changed nothing: no events. Reopening:
			[
				'changed task default_task  completed',
				'changed task default_task  completed_at',
				'added story marked_incomplete task ',
			],
			[
				'added task default_task section ',
				'removed task default_task section ',
				'added story section_changed task ',
			],
			[
				'added task default_task project ',
				'added task default_task section ',
				'added story added_to_project task ',
			],
			['changed task default_task  due_on', 'added story due_date_changed task '],
			['changed task default_task  due_on', 'added story due_date_changed task '],
			// A change without a change block.
			['changed task default_task  '],
		]);
		expect(events[1].parent).toMatchObject({ gid: todo.gid, name: 'To do' });
		expect(events.find((e) => e.parent?.gid === otherFirst.gid)).toBeDefined();
		expect(sim.changes.slice(-8).map((c) => c.kind)).toEqual([
			'task_created',
			'task_completed',
			'task_reopened',
			'task_moved_to_section',
			'task_added_to_project',
			'due_date_changed',
			'due_date_changed',
			'task_touched',
		]);

		// The stories list tells each change with its details, in opt_fields.
		const stories = await get(
			`/tasks/${task.gid}/stories?opt_fields=resource_subtype,created_at,new_dates,new_section,project,type`,
		);
		const system = (stories.body.data as Json[]).filter((s) => s.type === 'system');
		expect(system.map((s) => s.resource_subtype)).toEqual([
			'marked_complete',
			'marked_incomplete',
			'section_changed',
			'added_to_project',
			'due_date_changed',
			'due_date_changed',
		]);
		expect(system[2].new_section).toMatchObject({ gid: doing.gid });
		expect(system[3].project).toMatchObject({ gid: other.gid });
		expect(system.slice(4).map((s) => s.new_dates)).toEqual([
			{ due_on: '2026-12-24', due_at: null },
			{ due_at: null },
		]);
		// Each story carries the instant of its change.
		expect(system[0].created_at).toBe(events[2].created_at);
		const record = (await get(`/tasks/${task.gid}`)).body.data;
		expect(record).toMatchObject({ completed: false, completed_at: null });
	});

	it('serves events as webhooks deliver them when asked: gids and types, no names', async () => {
		const project = sim.createProject('P');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const path = `/events?resource=${project.gid}`;
		const sync = await startToken(path);
		sim.setWebhookStyleEvents(true);
		sim.renameTask(task.gid, 'Renamed');
		sim.assignTask(task.gid, sim.users.bob.gid);
		const events = (await page(path, sync)).body.data as Json[];
		for (const event of events) {
			for (const part of [event.user, event.resource, event.parent, event.change?.new_value])
				if (part) expect(Object.keys(part).sort()).toEqual(['gid', 'resource_type']);
		}
		expect(events[2].change.new_value).toEqual({ gid: sim.users.bob.gid, resource_type: 'user' });
	});

	it('bubbles task, subtask and comment events to parents, projects and the workspace; goals to their own stream', async () => {
		const project = sim.createProject('P');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const sub = sim.createTask({ name: 'S', parentGid: task.gid });
		const goal = sim.createGoal('G');
		const tokens = {
			project: await startToken(`/events?resource=${project.gid}`),
			task: await startToken(`/events?resource=${task.gid}`),
			sub: await startToken(`/events?resource=${sub.gid}`),
			goal: await startToken(`/events?resource=${goal.gid}`),
			ws: await startToken(`/workspaces/${sim.workspaceGid}/events`, sim.tokens.serviceAccount),
		};
		sim.changeTask(sub.gid, 'notes', 'S2');
		sim.addComment(task.gid, 'hi', null);
		sim.changeGoal(goal.gid, 'status', sim.users.bob.gid);
		const gids = async (path: string, sync: string, token?: string) =>
			((await page(path, sync, token)).body.data as Json[]).map((e) => e.resource.gid);
		const comment = expect.any(String);
		expect(await gids(`/events?resource=${project.gid}`, tokens.project)).toEqual([
			sub.gid,
			comment,
		]);
		expect(await gids(`/events?resource=${task.gid}`, tokens.task)).toEqual([sub.gid, comment]);
		expect(await gids(`/events?resource=${sub.gid}`, tokens.sub)).toEqual([sub.gid]);
		expect(await gids(`/events?resource=${goal.gid}`, tokens.goal)).toEqual([goal.gid]);
		expect(
			await gids(`/workspaces/${sim.workspaceGid}/events`, tokens.ws, sim.tokens.serviceAccount),
		).toEqual([sub.gid, comment, goal.gid]);
		const goalEvent = (await page(`/events?resource=${goal.gid}`, tokens.goal)).body.data[0];
		expect(goalEvent).toMatchObject({
			user: { gid: sim.users.bob.gid },
			resource: { resource_type: 'goal', name: 'G' },
			action: 'changed',
			change: { field: 'status', action: 'changed' },
		});

		sim.bulkTaskEvents(project.gid, 2500);
		const ws1 = await page(
			`/workspaces/${sim.workspaceGid}/events`,
			tokens.ws,
			sim.tokens.serviceAccount,
		);
		expect([ws1.body.data.length, ws1.body.has_more]).toEqual([1000, true]);
		expect(sim.eventsEmitted(project.gid)).toBe(2 + 2500 + 2);
		// Stored once: every stream holds the same objects.
		const projectList = sim.domain.streams.get(project.gid) ?? [];
		const wsList = sim.domain.streams.get(sim.workspaceGid) ?? [];
		expect(projectList[projectList.length - 1]).toBe(wsList[wsList.length - 1]);
	});

	it('expires tokens on demand, per stream, after the configured age, and refuses other streams’ tokens', async () => {
		const project = sim.createProject('P');
		const other = sim.createProject('Q');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const path = `/events?resource=${project.gid}`;
		const token = await startToken(path);
		const otherToken = await startToken(`/events?resource=${other.gid}`);
		sim.renameTask(task.gid, 'gone');
		sim.expireSyncTokens(project.gid);
		const expired = await page(path, token);
		expect(expired.status).toBe(412);
		expect(sim.domain.syncTokenPosition(expired.body.sync)).toBe(sim.eventsEmitted(project.gid));
		// Only that stream's tokens expired.
		expect((await page(`/events?resource=${other.gid}`, otherToken)).status).toBe(200);
		// The fresh token starts at the end: the rename in between is lost, like on Asana.
		sim.renameTask(task.gid, 'after');
		const fresh = await page(path, expired.body.sync);
		expect(
			fresh.body.data
				.filter((e: Json) => e.resource.resource_type === 'task')
				.map((e: Json) => e.resource.name),
		).toEqual(['after']);

		sim.expireSyncTokens();
		expect((await page(`/events?resource=${other.gid}`, otherToken)).status).toBe(412);
		expect((await page(path, fresh.body.sync)).status).toBe(412);

		const young = await startToken(path);
		clock += 59_000;
		const stillGood = await page(path, young);
		expect(stillGood.status).toBe(200);
		clock += 61_000;
		expect((await page(path, stillGood.body.sync)).status).toBe(412);
		expect((await page(path, young)).status).toBe(412);
		expect((await page(path, '5a888cbba4065641bffe1b44dced2fcf:0')).status).toBe(412);
		expect((await page(path, await startToken(`/events?resource=${other.gid}`))).status).toBe(412);
	});

	it('honours opt_fields on events', async () => {
		const project = sim.createProject('P');
		const task = sim.createTask({ name: 'T', projectGids: [project.gid] });
		const sync = await startToken(`/events?resource=${task.gid}`);
		sim.assignTask(task.gid, sim.users.bob.gid);
		const { body } = await get(
			`/events?resource=${task.gid}&sync=${enc(sync)}&opt_fields=action,resource.name,change.new_value.name,user`,
		);
		const alice = { gid: sim.users.alice.gid, resource_type: 'user', name: 'Alice Admin' };
		expect(body.data).toEqual([
			{
				action: 'changed',
				resource: { gid: task.gid, name: 'T' },
				change: { new_value: { gid: sim.users.bob.gid, name: 'Bob Builder' } },
				user: alice,
			},
			{
				action: 'added',
				resource: { gid: expect.any(String), name: 'assigned to Bob Builder' },
				user: alice,
			},
		]);
	});

	it('refuses bad resources, workspace events without a service account or below Enterprise+, and bad tokens', async () => {
		const missing = await get('/events');
		expect([missing.status, missing.body.errors[0].message]).toEqual([
			400,
			expect.stringMatching(/^resource/),
		]);
		expect((await get('/events?resource=12ab')).status).toBe(400);
		const unknown = await get('/events?resource=424242');
		expect([unknown.status, unknown.body.errors[0].message]).toEqual([
			404,
			expect.stringMatching(/424242/),
		]);
		const user = await get(`/events?resource=${sim.users.bob.gid}`);
		expect([user.status, user.body.errors[0].message]).toEqual([
			400,
			expect.stringMatching(/task, project or goal/),
		]);
		expect((await get(`/events?resource=${sim.workspaceGid}`)).status).toBe(400);
		const notSa = await get(`/workspaces/${sim.workspaceGid}/events`);
		expect([notSa.status, notSa.body.errors[0].message]).toEqual([
			403,
			expect.stringMatching(/service account.*Enterprise\+/),
		]);
		sim.setTier('premium');
		expect((await asService(`/workspaces/${sim.workspaceGid}/events`)).status).toBe(403);
		sim.setTier('enterprise_plus');
		expect((await asService('/workspaces/31337/events')).status).toBe(404);
		for (const token of ['nope', null]) {
			const denied = await get('/users/me', token);
			expect([denied.status, denied.body.errors[0].message]).toEqual([401, 'Not Authorized']);
			expect(denied.body.errors[0].help).toEqual(expect.any(String));
		}
	});

	it('holds 200,000 events and drains them page by page', async () => {
		const project = sim.createProject('Big');
		sim.createTask({ name: 'A', projectGids: [project.gid] });
		sim.createTask({ name: 'B', projectGids: [project.gid] });
		const path = `/events?resource=${project.gid}`;
		let sync = await startToken(path);
		const wsPath = `/workspaces/${sim.workspaceGid}/events`;
		let wsSync = await startToken(wsPath, sim.tokens.serviceAccount);
		sim.bulkTaskEvents(project.gid, 200_000);
		expect(sim.eventsEmitted(project.gid)).toBe(200_002);

		let total = 0;
		for (let more = true; more;) {
			const { body } = await page(path, sync);
			total += body.data.length;
			sync = body.sync;
			more = body.has_more;
		}
		expect(total).toBe(200_000);

		let wsTotal = 0;
		for (let more = true; more;) {
			const { body } = await page(wsPath, wsSync, sim.tokens.serviceAccount);
			expect(body.data.length).toBeLessThanOrEqual(1000);
			wsTotal += body.data.length;
			wsSync = body.sync;
			more = body.has_more;
		}
		expect(wsTotal).toBe(200_000);
	});

	it('generates the same realistic activity for the same seed', async () => {
		const [a, b] = await Promise.all([
			AsanaSimulator.start({ seed: 7, now: () => clock }),
			AsanaSimulator.start({ seed: 7, now: () => clock }),
		]);
		try {
			const trace = (s: AsanaSimulator) => {
				s.generateActivity(400);
				return (s.domain.streams.get(s.workspaceGid) ?? []).map(
					(e) =>
						`${e.action}:${e.resource.resource_type}:${e.change?.field ?? ''}:${e.user?.gid ?? 'system'}`,
				);
			};
			const traceA = trace(a);
			expect(traceA).toEqual(trace(b));
			const kinds = new Set(traceA.map((t) => t.split(':').slice(0, 2).join(':')));
			for (const kind of [
				'changed:task',
				'added:task',
				'added:story',
				'removed:task',
				'deleted:task',
				'changed:goal',
			])
				expect(kinds).toContain(kind);
			expect(traceA.some((t) => t.endsWith(':system'))).toBe(true);
			expect(traceA.some((t) => t.startsWith('changed:task:assignee'))).toBe(true);
			// Everything on the first seeded project also reached its stream.
			expect(a.eventsEmitted(a.seeded.projects[0].gid)).toBeGreaterThan(300);
		} finally {
			await Promise.all([a.stop(), b.stop()]);
		}
	});
});

describe('simulator: audit log', () => {
	const path = () => `/workspaces/${sim.workspaceGid}/audit_log_events`;

	it('pages oldest first, keeps next_page when data runs empty, and resumes with new events', async () => {
		sim.generateAuditEvents(150, { from: clock - HOUR, to: clock });
		const p1 = await asService(`${path()}?limit=100`);
		expect(p1.body.data).toHaveLength(100);
		const times = p1.body.data.map((e: Json) => e.created_at);
		expect([...times].sort()).toEqual(times);
		expect(p1.body.next_page).toEqual({
			offset: expect.any(String),
			path: expect.stringContaining(`/workspaces/${sim.workspaceGid}/audit_log_events?`),
			uri: expect.stringContaining(`${sim.baseUrl}/workspaces/`),
		});
		// next_page.uri is directly usable.
		const viaUri = await fetch(p1.body.next_page.uri, {
			headers: { Authorization: `Bearer ${sim.tokens.serviceAccount}` },
		});
		expect(((await viaUri.json()) as Json).data).toHaveLength(50);
		const p2 = await asService(`${path()}?limit=100&offset=${p1.body.next_page.offset}`);
		expect(p2.body.data).toHaveLength(50);
		expect(new Set([...p1.body.data, ...p2.body.data].map((e: Json) => e.gid)).size).toBe(150);
		const p3 = await asService(`${path()}?limit=100&offset=${p2.body.next_page.offset}`);
		expect(p3.body.data).toHaveLength(0);
		expect(p3.body.next_page.offset).toEqual(expect.any(String));
		const p3again = await asService(`${path()}?limit=100&offset=${p3.body.next_page.offset}`);
		expect([p3again.body.data.length, typeof p3again.body.next_page.offset]).toEqual([0, 'string']);
		clock += 1000;
		const added = sim.addAuditEvent({ event_type: 'user_login_failed' });
		const p4 = await asService(`${path()}?limit=100&offset=${p3again.body.next_page.offset}`);
		expect(p4.body.data.map((e: Json) => e.gid)).toEqual([added.gid]);
		// Without limit the page holds up to 100.
		expect((await asService(path())).body.data).toHaveLength(100);
	});

	it('filters server-side and answers next_page null only when nothing matches', async () => {
		sim.generateAuditEvents(40, {
			from: clock - 40_000,
			to: clock,
			eventTypes: ['user_login_succeeded', 'task_deleted'],
		});
		const deleted = await asService(`${path()}?limit=100&event_type=task_deleted`);
		expect(deleted.body.data).toHaveLength(20);
		expect(
			deleted.body.data.every(
				(e: Json) => e.event_category === 'deletion' && e.resource.resource_type === 'task',
			),
		).toBe(true);
		const none = await asService(`${path()}?limit=100&event_type=project_exported`);
		expect(none.body).toEqual({ data: [], next_page: null });
		const byActor = await asService(`${path()}?actor_gid=${sim.users.bob.gid}`);
		expect(byActor.body.data.length).toBeGreaterThan(0);
		expect(byActor.body.data.every((e: Json) => e.actor.gid === sim.users.bob.gid)).toBe(true);
		const target = deleted.body.data[3];
		expect(
			(await asService(`${path()}?resource_gid=${target.resource.gid}`)).body.data.map(
				(e: Json) => e.gid,
			),
		).toEqual([target.gid]);
		expect(
			(await asService(`${path()}?actor_type=anonymous&event_type=task_deleted`)).body.next_page,
		).toBeNull();
		// start_at inclusive, end_at exclusive.
		const all = (await asService(`${path()}?limit=100`)).body.data as Json[];
		const window = await asService(
			`${path()}?start_at=${all[10].created_at}&end_at=${all[20].created_at}`,
		);
		expect(window.body.data.map((e: Json) => e.gid)).toEqual(all.slice(10, 20).map((e) => e.gid));
	});

	it('validates limit, dates, actor filters and offsets, naming the parameter', async () => {
		sim.generateAuditEvents(3, { from: clock - 1000, to: clock });
		for (const [bad, field] of [
			['limit=0', 'limit'],
			['limit=101', 'limit'],
			['limit=abc', 'limit'],
			['limit=', 'limit'],
			['start_at=yesterday', 'start_at'],
			['end_at=2026-13-45', 'end_at'],
			[`actor_type=user&actor_gid=${sim.users.bob.gid}`, 'actor_type'],
			['actor_type=robot', 'actor_type'],
			['actor_gid=bob', 'actor_gid'],
			['offset=not-an-offset', 'offset'],
		]) {
			const response = await asService(`${path()}?${bad}`);
			expect([bad, response.status]).toEqual([bad, 400]);
			expect(response.body.errors[0].message.startsWith(field)).toBe(true);
		}
	});

	it('refuses offsets that expired or belong to other filters, and drops events past retention or before 2021-10-08', async () => {
		sim.generateAuditEvents(5, { from: clock - 1000, to: clock });
		const first = await asService(`${path()}?limit=2`);
		const offset = first.body.next_page.offset;
		const otherFilters = await asService(
			`${path()}?limit=2&event_type=task_deleted&offset=${offset}`,
		);
		expect([otherFilters.status, otherFilters.body.errors[0].message]).toEqual([
			400,
			expect.stringMatching(/^offset/),
		]);
		// A different limit is not a different filter.
		expect((await asService(`${path()}?limit=3&offset=${offset}`)).body.data).toHaveLength(3);
		sim.expireAuditOffsets();
		const expired = await asService(`${path()}?limit=2&offset=${offset}`);
		expect(expired.status).toBe(400);
		expect(expired.body.errors[0].message).toMatch(/^offset: .*(invalid|expired)/);
		// Offsets issued later still work until they are older than auditOffsetMaxAgeMs.
		const later = (await asService(`${path()}?limit=2`)).body.next_page.offset;
		expect((await asService(`${path()}?limit=2&offset=${later}`)).status).toBe(200);
		clock += HOUR + 1;
		expect((await asService(`${path()}?limit=2&offset=${later}`)).status).toBe(400);

		clock = Date.parse('2026-11-01T12:00:00Z');
		sim.generateAuditEvents(3, { from: clock - 91 * 24 * HOUR, to: clock - 90.5 * 24 * HOUR });
		expect((await asService(`${path()}?limit=100`)).body.data).toHaveLength(5);
		clock = Date.parse('2021-10-20T00:00:00Z');
		const workspaceGid = sim.addWorkspace('Early').gid;
		const early = sim.generateAuditEvents(4, {
			from: Date.parse('2021-10-06T00:00:00Z'),
			to: Date.parse('2021-10-10T00:00:00Z'),
			workspaceGid,
		});
		const served = await asService(`/workspaces/${workspaceGid}/audit_log_events`);
		expect(served.body.data.map((e: Json) => e.gid)).toEqual(early.slice(2).map((e) => e.gid));
	});

	it('needs a service account on Enterprise+ and a known workspace', async () => {
		const denied = await get(path());
		expect([denied.status, denied.body.errors[0].message]).toEqual([
			403,
			expect.stringMatching(/[Aa]udit log.*service account.*Enterprise\+/),
		]);
		sim.setTier('free');
		expect((await asService(path())).status).toBe(403);
		sim.setTier('enterprise_plus');
		expect((await asService('/workspaces/31337/audit_log_events')).status).toBe(404);
		expect((await asService('/workspaces/x1/audit_log_events')).status).toBe(400);
		const second = sim.addWorkspace('Second');
		sim.addAuditEvent({ event_type: 'task_deleted' }, second.gid);
		expect((await asService(`/workspaces/${second.gid}/audit_log_events`)).body.data).toHaveLength(
			1,
		);
		expect((await asService(path())).body.next_page).toBeNull();
	});

	it('generates realistic events evenly spread over [from, to) with the right categories', () => {
		const from = clock - 10 * HOUR;
		const events = sim.generateAuditEvents(24, { from, to: clock });
		expect(events.map((e) => Date.parse(e.created_at) - from)).toEqual(
			events.map((_, i) => Math.floor((i * 10 * HOUR) / 24)),
		);
		const byType = new Map(events.map((e) => [e.event_type, e]));
		for (const type of [
			'user_login_succeeded',
			'user_login_failed',
			'task_deleted',
			'project_exported',
			'file_downloaded',
			'user_role_changed',
			'workspace_setting_changed',
		]) {
			expect(byType.has(type)).toBe(true);
		}
		expect(byType.get('user_login_succeeded')?.event_category).toBe('logins');
		expect(byType.get('task_deleted')?.event_category).toBe('deletion');
		expect(byType.get('file_downloaded')?.event_category).toBe('content_export');
		expect(byType.get('user_role_changed')?.details).toMatchObject({ old_value: 'member' });
		expect(byType.get('project_exported')?.context).toMatchObject({
			context_type: 'api',
			api_authentication_method: expect.any(String),
		});
		expect(new Set(events.map((e) => e.actor.actor_type))).toEqual(
			new Set(['user', 'anonymous', 'external_administrator']),
		);
		const added = sim.addAuditEvent({
			event_type: 'project_exported',
			created_at: new Date(clock - 5 * HOUR).toISOString(),
		});
		const list = sim.domain.audit.get(sim.workspaceGid) ?? [];
		expect(list.map((e) => e.created_at)).toEqual([...list.map((e) => e.created_at)].sort());
		expect(list).toContain(added);
	});
});

describe('simulator: faults, latency, log', () => {
	it('serves each fault once, in order, to matching paths, with Retry-After and phrase', async () => {
		sim.injectFault({ kind: '429', retryAfterSec: 7, path: '/users/me' });
		sim.injectFault({ kind: '500', phrase: 'five red rabbits', path: /^\/users\/me$/ });
		sim.injectFault({ kind: '503', path: '/users/me' });
		sim.injectFault({ kind: 'malformed', path: '/users/me' });
		expect((await get('/workspaces')).status).toBe(200);
		const limited = await get('/users/me');
		expect([
			limited.status,
			limited.headers.get('retry-after'),
			limited.body.errors[0].message,
		]).toEqual([429, '7', expect.any(String)]);
		const failed = await get('/users/me');
		expect([failed.status, failed.body.errors[0].phrase]).toEqual([500, 'five red rabbits']);
		expect((await get('/users/me')).status).toBe(503);
		const malformed = await fetch(`${sim.baseUrl}/users/me`, {
			headers: { Authorization: `Bearer ${sim.tokens.alice}` },
		});
		expect(malformed.status).toBe(200);
		await expect(malformed.json()).rejects.toThrow();
		expect((await get('/users/me')).status).toBe(200);
		sim.injectFault({ kind: 'reset', path: '/users/me' });
		await expect(get('/users/me')).rejects.toThrow();
		expect(sim.requestLog.map((r) => r.fault ?? r.status)).toEqual([
			200,
			'429',
			'500',
			'503',
			'malformed',
			200,
			'reset',
		]);
		expect(sim.counters.byStatus).toEqual({ 200: 3, 429: 1, 500: 1, 503: 1, 0: 1 });
	});

	it('repeats a fault `times` times, can be cleared, and applies faults before authentication', async () => {
		sim.injectFault({ kind: '503', times: 2 });
		expect((await get('/users/me', 'nope')).status).toBe(503);
		expect((await get('/workspaces')).status).toBe(503);
		expect((await get('/workspaces')).status).toBe(200);
		sim.injectFault({ kind: '500', times: 5 });
		sim.clearFaults();
		expect((await get('/workspaces')).status).toBe(200);
	});

	it('answers slowly, or holds the socket and drops it, on demand', async () => {
		sim.injectFault({ kind: 'slow', delayMs: 150 });
		let started = Date.now();
		const slow = await get('/users/me');
		expect(slow.status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		sim.injectFault({ kind: 'timeout', delayMs: 200 });
		started = Date.now();
		await expect(get('/users/me')).rejects.toThrow();
		expect(Date.now() - started).toBeGreaterThanOrEqual(190);
		expect(sim.requestLog.map((r) => [r.fault, r.status])).toEqual([
			['slow', 200],
			['timeout', 0],
		]);
		expect(sim.counters.inFlight).toBe(0);
	});

	it('stops promptly even with a request held by a timeout fault', async () => {
		sim.injectFault({ kind: 'timeout' });
		const pending = get('/users/me').catch((error: Error) => error);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(sim.counters.inFlight).toBe(1);
		const started = Date.now();
		await sim.stop();
		expect(Date.now() - started).toBeLessThan(1000);
		// fetch fails (a TypeError from another realm, hence no instanceof).
		expect(await pending).toMatchObject({ name: 'TypeError' });
	});

	it('adds latency, counts requests in flight, logs users and queries, and resets', async () => {
		sim.setLatency(50);
		const started = Date.now();
		await Promise.all(Array.from({ length: 6 }, () => get('/users/me?opt_fields=name')));
		expect(Date.now() - started).toBeGreaterThanOrEqual(50);
		expect(sim.counters).toMatchObject({
			requests: 6,
			inFlight: 0,
			maxInFlight: 6,
			byStatus: { 200: 6 },
		});
		const entry = sim.requestLog[0];
		expect(entry).toMatchObject({
			method: 'GET',
			path: '/api/1.0/users/me',
			query: { opt_fields: 'name' },
			status: 200,
			userGid: sim.users.alice.gid,
		});
		expect(entry.endedAt - entry.startedAt).toBeGreaterThanOrEqual(45);
		sim.resetLog();
		expect(sim.requestLog).toEqual([]);
		expect(sim.counters).toEqual({ requests: 0, inFlight: 0, maxInFlight: 0, byStatus: {} });
		sim.setLatency(0);
		await get('/nowhere');
		expect(sim.requestLog.map((r) => r.status)).toEqual([404]);
	});
});

describe('simulator: OAuth', () => {
	it('refreshes tokens (form body or Basic header) and accepts the new access token', async () => {
		sim.registerOAuthClient('app', 'shh');
		const tokens = sim.issueOAuthTokens(sim.users.bob.gid, 'app');
		expect((await get('/users/me', tokens.access_token)).body.data.gid).toBe(sim.users.bob.gid);
		sim.expireAccessToken(tokens.access_token);
		expect((await get('/users/me', tokens.access_token)).status).toBe(401);
		const refreshed = await oauth({
			grant_type: 'refresh_token',
			refresh_token: tokens.refresh_token,
			client_id: 'app',
			client_secret: 'shh',
		});
		expect(refreshed).toMatchObject({
			status: 200,
			body: { expires_in: 3600, token_type: 'bearer', refresh_token: tokens.refresh_token },
		});
		expect((await get('/users/me', refreshed.body.access_token)).body.data.gid).toBe(
			sim.users.bob.gid,
		);
		const viaBasic = await oauth(
			{ grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
			{ basic: ['app', 'shh'] },
		);
		expect(viaBasic.status).toBe(200);
		const viaJson = await oauth(
			{
				grant_type: 'refresh_token',
				refresh_token: tokens.refresh_token,
				client_id: 'app',
				client_secret: 'shh',
			},
			{ json: true },
		);
		expect(viaJson.status).toBe(200);
		// Access tokens last an hour of the simulator's clock.
		clock += 3601_000;
		expect((await get('/users/me', viaJson.body.access_token)).status).toBe(401);
		expect(sim.requestLog.filter((r) => r.path === '/-/oauth_token').map((r) => r.status)).toEqual([
			200, 200, 200,
		]);
	});

	it('/_sim/oauth-tokens: a connected OAuth2 credential whose access token has expired, for a driver in another process', async () => {
		const control = async (body: unknown) =>
			(await (
				await fetch(`${sim.origin}/_sim/oauth-tokens`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body),
				})
			).json()) as Json;
		const expired = await control({ expired: true });
		expect(expired).toMatchObject({
			clientId: 'client-1',
			accessTokenUrl: sim.oauthTokenUrl,
			baseUrl: sim.baseUrl,
		});
		expect((await get('/users/me', expired.oauthTokenData.access_token)).status).toBe(401);
		const refreshed = await oauth({
			grant_type: 'refresh_token',
			refresh_token: expired.oauthTokenData.refresh_token,
			client_id: expired.clientId,
			client_secret: expired.clientSecret,
		});
		expect((await get('/users/me', refreshed.body.access_token)).body.data.gid).toBe(
			sim.users.alice.gid,
		);
		const fresh = await control({});
		expect((await get('/users/me', fresh.oauthTokenData.access_token)).status).toBe(200);
		expect((await control({ expired: 'yes' })).errors[0].message).toMatch(
			/expired must be true or false/,
		);
	});

	it('refuses unknown clients and grants, and exchanges authorization codes', async () => {
		sim.registerOAuthClient('app', 'shh');
		const tokens = sim.issueOAuthTokens(sim.users.alice.gid, 'app');
		expect(
			await oauth({
				grant_type: 'refresh_token',
				refresh_token: 'nope',
				client_id: 'app',
				client_secret: 'shh',
			}),
		).toEqual({
			status: 400,
			body: expect.objectContaining({ error: 'invalid_grant' }),
		});
		expect(
			(
				await oauth({
					grant_type: 'refresh_token',
					refresh_token: tokens.refresh_token,
					client_id: 'app',
					client_secret: 'wrong',
				})
			).body.error,
		).toBe('invalid_client');
		sim.registerOAuthClient('other', 'x');
		expect(
			(
				await oauth({
					grant_type: 'refresh_token',
					refresh_token: tokens.refresh_token,
					client_id: 'other',
					client_secret: 'x',
				})
			).body.error,
		).toBe('invalid_grant');
		expect(
			(await oauth({ grant_type: 'password', client_id: 'app', client_secret: 'shh' })).body.error,
		).toBe('unsupported_grant_type');
		const code = sim.issueAuthorizationCode(sim.users.alice.gid, 'app');
		const exchanged = await oauth({
			grant_type: 'authorization_code',
			code,
			client_id: 'app',
			client_secret: 'shh',
			redirect_uri: 'http://localhost/cb',
		});
		expect(exchanged.body).toMatchObject({
			token_type: 'bearer',
			expires_in: 3600,
			refresh_token: expect.any(String),
			data: { gid: sim.users.alice.gid },
		});
		expect((await get('/users/me', exchanged.body.access_token)).status).toBe(200);
		expect(
			(
				await oauth({
					grant_type: 'authorization_code',
					code,
					client_id: 'app',
					client_secret: 'shh',
				})
			).body.error,
		).toBe('invalid_grant');
	});
});

describe('simulator: records, lists and search', () => {
	it('lists workspaces with limit/offset pagination', async () => {
		const second = sim.addWorkspace('Second');
		const third = sim.addWorkspace('Third');
		const p1 = await get('/workspaces?limit=2');
		expect(p1.body.data.map((w: Json) => w.gid)).toEqual([sim.workspaceGid, second.gid]);
		expect(p1.body.next_page).toEqual({
			offset: expect.any(String),
			path: expect.stringMatching(/^\/workspaces\?limit=2&offset=/),
			uri: expect.stringContaining(sim.baseUrl),
		});
		const p2 = await get(`/workspaces?limit=2&offset=${p1.body.next_page.offset}`);
		expect([p2.body.data.map((w: Json) => w.gid), p2.body.next_page]).toEqual([[third.gid], null]);
		expect((await get('/workspaces')).body.next_page).toBeNull();
		expect((await get('/workspaces?limit=500')).status).toBe(400);
		expect((await get('/workspaces?offset=bogus')).status).toBe(400);
	});

	it('lists projects and goals of a workspace and searches by name', async () => {
		const launch = sim.createProject('Marketing launch');
		sim.createProject('Engineering');
		const goal = sim.createGoal('Grow revenue');
		const elsewhere = sim.addWorkspace('Elsewhere');
		sim.createProject('Launch elsewhere', elsewhere.gid);
		sim.domain.project(launch.gid).archived = true;
		const all = await get(`/workspaces/${sim.workspaceGid}/projects`);
		expect(all.body.data).toHaveLength(4);
		const live = await get(`/projects?workspace=${sim.workspaceGid}&archived=false`);
		expect(live.body.data.map((p: Json) => p.name)).not.toContain('Marketing launch');
		expect(live.body.data[0]).toEqual({
			gid: sim.seeded.projects[0].gid,
			resource_type: 'project',
			name: 'Website relaunch',
		});
		expect((await get('/projects')).status).toBe(400);
		expect((await get('/projects?workspace=31337')).status).toBe(404);
		expect(
			(await get(`/goals?workspace=${sim.workspaceGid}`)).body.data.map((g: Json) => g.gid),
		).toEqual([sim.seeded.goals[0].gid, goal.gid]);

		const typeahead = (q: string) => get(`/workspaces/${sim.workspaceGid}/typeahead?${q}`);
		expect(
			(await typeahead('resource_type=project&query=LAUNCH')).body.data.map((p: Json) => p.name),
		).toEqual(['Website relaunch', 'Marketing launch']);
		expect((await typeahead('resource_type=goal&query=revenue')).body.data).toEqual([
			{ gid: goal.gid, resource_type: 'goal', name: 'Grow revenue' },
		]);
		expect((await typeahead('resource_type=task&query=&count=2')).body.data).toHaveLength(2);
		expect((await typeahead('resource_type=task&query=ship')).body.data[0]).toMatchObject({
			resource_type: 'task',
			name: 'Ship it',
			resource_subtype: 'default_task',
		});
		expect((await typeahead('resource_type=portfolio')).status).toBe(400);
		for (let i = 0; i < 25; i++) sim.createTask({ name: `Bulk ${i}` });
		expect((await typeahead('resource_type=task&query=bulk')).body.data).toHaveLength(20);
	});

	it('serves task, project, goal and workspace records with opt_fields, 404 for unknown and 400 for malformed ids', async () => {
		const [project] = sim.seeded.projects;
		const task = sim.createTask({
			name: 'Ship',
			projectGids: [project.gid],
			assigneeGid: sim.users.bob.gid,
		});
		const sub = sim.createTask({ name: 'Sub', parentGid: task.gid });
		const full = (await get(`/tasks/${sub.gid}`)).body.data;
		expect(full).toMatchObject({
			gid: sub.gid,
			resource_type: 'task',
			resource_subtype: 'default_task',
			name: 'Sub',
			completed: false,
			parent: { gid: task.gid, resource_type: 'task', name: 'Ship' },
			workspace: { gid: sim.workspaceGid },
		});
		expect((await get(`/tasks/${task.gid}`)).body.data).toMatchObject({
			assignee: { gid: sim.users.bob.gid },
			projects: [{ gid: project.gid }],
		});
		expect((await get(`/tasks/${task.gid}?opt_fields=name`)).body.data).toEqual({
			gid: task.gid,
			name: 'Ship',
		});
		expect((await get(`/tasks/${task.gid}?opt_fields=name,assignee.name`)).body.data).toEqual({
			gid: task.gid,
			name: 'Ship',
			assignee: { gid: sim.users.bob.gid, name: 'Bob Builder' },
		});
		expect((await get(`/projects/${project.gid}`)).body.data).toMatchObject({
			gid: project.gid,
			resource_type: 'project',
			name: 'Website relaunch',
			archived: false,
			workspace: { gid: sim.workspaceGid },
		});
		const goal = sim.seeded.goals[0];
		expect((await get(`/goals/${goal.gid}?opt_fields=name,owner`)).body.data).toEqual({
			gid: goal.gid,
			name: goal.name,
			owner: { gid: sim.users.alice.gid, resource_type: 'user', name: 'Alice Admin' },
		});
		expect((await get(`/workspaces/${sim.workspaceGid}`)).body.data).toMatchObject({
			gid: sim.workspaceGid,
			resource_type: 'workspace',
			name: 'Acme Corp',
		});
		for (const route of ['tasks', 'projects', 'goals']) {
			const unknown = await get(`/${route}/424242`);
			expect([unknown.status, unknown.body.errors[0].message]).toEqual([
				404,
				expect.stringContaining('424242'),
			]);
			expect((await get(`/${route}/abc`)).status).toBe(400);
		}
		sim.deleteTask(task.gid);
		expect((await get(`/tasks/${task.gid}`)).status).toBe(404);
		const unknownRoute = await get('/custom_types_of_nothing');
		expect([unknownRoute.status, unknownRoute.body.errors[0].message]).toEqual([
			404,
			'No matching route for request',
		]);
		expect((await fetch(`${sim.origin}/elsewhere`)).status).toBe(404);
	});
});

describe('simulator: projects the token cannot read', () => {
	it('answers 403 for a project whose access was lost, leaves it out of listings unless told, and 404 once it is deleted', async () => {
		const team = sim.createTeam('Sharing');
		const project = sim.createProject('Private now', sim.workspaceGid, { teamGid: team.gid });
		const listed = async () =>
			(await get(`/teams/${team.gid}/projects`)).body.data.map((p: Json) => p.gid);
		const sync = await startToken(`/events?resource=${project.gid}`);
		expect(await control('restrict-project', { projectGid: project.gid })).toEqual({
			status: 200,
			body: { ok: true },
		});
		expect((await page(`/events?resource=${project.gid}`, sync)).status).toBe(403);
		expect((await get(`/projects/${project.gid}`)).status).toBe(403);
		expect(await listed()).toEqual([]);
		await control('restrict-project', { projectGid: project.gid, listed: true });
		expect(await listed()).toEqual([project.gid]);
		expect((await page(`/events?resource=${project.gid}`, sync)).status).toBe(403);
		await control('restrict-project', { projectGid: project.gid, restricted: false });
		expect((await page(`/events?resource=${project.gid}`, sync)).status).toBe(200);
		await control('delete-project', { projectGid: project.gid });
		expect((await page(`/events?resource=${project.gid}`, sync)).status).toBe(404);
		expect(await listed()).toEqual([]);
	});

	it('lists a service account every portfolio of the workspace, or an owner’s; a user only its own', async () => {
		const mine = sim.createPortfolio('Mine');
		const names = async (query: string, token: string) =>
			(await get(`/portfolios?workspace=${sim.workspaceGid}${query}`, token)).body.data.map(
				(p: Json) => p.gid,
			);
		expect(await names('', sim.tokens.serviceAccount)).toEqual([mine.gid]);
		expect(await names('&owner=me', sim.tokens.serviceAccount)).toEqual([]);
		expect(await names(`&owner=${sim.users.alice.gid}`, sim.tokens.serviceAccount)).toEqual([
			mine.gid,
		]);
		expect(await names('', sim.tokens.bob)).toEqual([]);
	});
});

describe('simulator: control API', () => {
	it('drives activity, audit events, expiry, faults and the log from another process, without being logged', async () => {
		const [project] = sim.seeded.projects;
		const sync = await startToken(`/events?resource=${project.gid}`);
		const serviceSync = await startToken(
			`/workspaces/${sim.workspaceGid}/events`,
			sim.tokens.serviceAccount,
		);
		expect(await control('activity', { count: 5, projectGid: project.gid })).toEqual({
			status: 200,
			body: { ok: true },
		});
		expect(
			(await page(`/events?resource=${project.gid}`, sync)).body.data.length,
		).toBeGreaterThanOrEqual(5);
		expect((await control('audit', { count: 3 })).status).toBe(200);
		const audit = await asService(`/workspaces/${sim.workspaceGid}/audit_log_events`);
		expect(audit.body.data).toHaveLength(3);
		await control('audit', { count: 2 });
		const more = await asService(
			`/workspaces/${sim.workspaceGid}/audit_log_events?offset=${audit.body.next_page.offset}`,
		);
		expect(more.body.data).toHaveLength(2);
		await control('expire-offsets', {});
		expect(
			(
				await asService(
					`/workspaces/${sim.workspaceGid}/audit_log_events?offset=${more.body.next_page.offset}`,
				)
			).status,
		).toBe(400);
		await control('expire-sync', { streamGid: sim.workspaceGid });
		expect(
			(await page(`/workspaces/${sim.workspaceGid}/events`, serviceSync, sim.tokens.serviceAccount))
				.status,
		).toBe(412);
		await control('faults', { kind: '429', path: '/users/me', retryAfterSec: 3 });
		expect((await get('/users/me')).headers.get('retry-after')).toBe('3');

		const state = (await control('state')).body;
		expect(state).toMatchObject({
			workspaceGid: sim.workspaceGid,
			tokens: sim.tokens,
			baseUrl: sim.baseUrl,
			counters: { requests: sim.requestLog.length },
		});
		expect(state.projects.map((p: Json) => p.gid)).toEqual(sim.seeded.projects.map((p) => p.gid));
		expect(state.tasks.length).toBeGreaterThanOrEqual(6);
		expect(state.goals).toHaveLength(1);
		const log = (await control('log')).body as Json[];
		expect(log.length).toBe(sim.requestLog.length);
		expect(log.every((r) => !r.path.startsWith('/_sim'))).toBe(true);
		await control('reset-log', {});
		expect(sim.requestLog).toHaveLength(0);
		expect((await control('activity', { count: 1, projectGid: '999' })).status).toBe(400);
		expect((await control('nope', {})).status).toBe(404);
		expect((await control('faults', { kind: 'explode' })).status).toBe(400);
		expect(sim.requestLog).toHaveLength(0);
	});

	it('creates a task in several projects, completes and assigns it as a given user, and expires only the tokens issued before a given one', async () => {
		const [one, two] = sim.seeded.projects;
		const { alice, bob } = sim.users;
		const older = await startToken(`/events?resource=${one.gid}`);
		const created = await control('tasks', { name: 'Shared', projectGids: [one.gid, two.gid] });
		expect(created).toEqual({ status: 200, body: { ok: true, gid: expect.any(String) } });
		const task = sim.domain.task(created.body.gid);
		expect([...task.projectGids]).toEqual([one.gid, two.gid]);
		const fence = await startToken(`/events?resource=${one.gid}`);
		const newer = await startToken(`/events?resource=${one.gid}`);
		expect(await control('complete-task', { taskGid: task.gid, byGid: bob.gid })).toEqual({
			status: 200,
			body: { ok: true },
		});
		expect((await control('assign-task', { taskGid: task.gid, assigneeGid: bob.gid })).status).toBe(
			200,
		);
		expect(sim.changes.slice(-2)).toEqual([
			expect.objectContaining({ kind: 'task_completed', taskGid: task.gid, byGid: bob.gid }),
			expect.objectContaining({ kind: 'task_assigned', byGid: alice.gid, assigneeGid: bob.gid }),
		]);

		expect(await control('expire-sync', { streamGid: one.gid, before: fence })).toEqual({
			status: 200,
			body: { ok: true },
		});
		expect((await page(`/events?resource=${one.gid}`, older)).status).toBe(412);
		expect((await page(`/events?resource=${one.gid}`, fence)).status).toBe(200);
		expect((await page(`/events?resource=${one.gid}`, newer)).status).toBe(200);
		expect((await control('expire-sync', { before: 'not-a-token' })).status).toBe(400);
		expect((await control('tasks', { name: 'Nowhere', projectGids: ['999'] })).status).toBe(400);
		expect((await control('tasks', { name: 'Bad', projectGids: '1' })).body.errors[0].message).toBe(
			'/_sim/tasks: projectGids must be a list of Asana ids, each a string of digits, got "1".',
		);
	});

	it('answers 400 to a body it cannot read, saying what to send, and does nothing', async () => {
		const [project] = sim.seeded.projects;
		const before = sim.eventsEmitted(project.gid);
		const post = async (route: string, body: string, contentType: string) => {
			const response = await fetch(`${sim.origin}/_sim/${route}`, {
				method: 'POST',
				headers: { 'content-type': contentType },
				body,
			});
			const answer = (await response.json()) as Json;
			return { status: response.status, message: answer.errors?.[0]?.message as string };
		};
		const send =
			'Send a JSON object with any of count, projectGid and the header "content-type: application/json".';
		// What `curl -d '{"count":20}'` sends without -H: a form-encoded body.
		expect(await post('activity', '{"count":20}', 'application/x-www-form-urlencoded')).toEqual({
			status: 400,
			message: `/_sim/activity: cannot read a body of content type "application/x-www-form-urlencoded". ${send}`,
		});
		expect((await post('activity', 'count=20', 'application/x-www-form-urlencoded')).status).toBe(
			400,
		);
		expect((await post('activity', '{"count":20}', 'text/plain')).message).toMatch(
			/content type "text\/plain"/,
		);
		expect((await post('activity', '{"count":20', 'application/json')).message).toMatch(
			/^\/_sim\/activity: the body is not valid JSON \(.+\)\. Send a JSON object/,
		);
		expect((await post('activity', '[20]', 'application/json')).message).toMatch(/not an object/);
		expect(await post('activity', '{"cnt":20}', 'application/json')).toEqual({
			status: 400,
			message: `/_sim/activity: unknown field "cnt". ${send}`,
		});
		expect((await post('activity', '{"count":"20"}', 'application/json')).message).toBe(
			'/_sim/activity: count must be a whole number of at least 0, got "20".',
		);
		expect((await post('activity', '{"projectGid":5}', 'application/json')).message).toMatch(
			/projectGid must be an Asana id as a string of digits/,
		);
		expect((await post('faults', '{"path":"/users/me"}', 'application/json')).message).toMatch(
			/kind is required \(one of 402, 429, 451, 500/,
		);
		expect((await post('latency', '{"ms":-1}', 'application/json')).status).toBe(400);
		expect((await post('reset-log', '{"all":true}', 'application/json')).message).toMatch(
			/takes no fields|without fields/,
		);
		expect((await fetch(`${sim.origin}/_sim/activity`)).status).toBe(405);
		expect((await fetch(`${sim.origin}/_sim/state`, { method: 'POST' })).status).toBe(405);
		expect(sim.eventsEmitted(project.gid)).toBe(before);
		expect((await get('/users/me')).status).toBe(200);
	});

	it('the curl lines it prints work as printed', async () => {
		const [project] = sim.seeded.projects;
		const sync = await startToken(`/events?resource=${project.gid}`);
		const [activity, audit, expire] = controlExamples(sim.origin);
		const run = async (command: string) =>
			JSON.parse((await promisify(execFile)('sh', ['-c', command])).stdout) as Json;

		const events = sim.eventsEmitted(project.gid);
		expect(await run(activity.command)).toEqual({ ok: true });
		expect(sim.eventsEmitted(project.gid)).toBeGreaterThanOrEqual(events + 20);
		const auditEvents = sim.domain.auditList(sim.workspaceGid).length;
		expect(await run(audit.command)).toEqual({ ok: true });
		expect(sim.domain.auditList(sim.workspaceGid).length).toBe(auditEvents + 5);
		expect((await page(`/events?resource=${project.gid}`, sync)).status).toBe(200);
		expect(await run(expire.command)).toEqual({ ok: true });
		expect((await page(`/events?resource=${project.gid}`, sync)).status).toBe(412);
	});

	it('runs standalone: prints its details as one JSON line and stops cleanly on SIGTERM', async () => {
		const child = spawn(
			process.execPath,
			[
				join(__dirname, '../node_modules/tsx/dist/cli.mjs'),
				join(__dirname, 'simulator/cli.ts'),
				'--port',
				'0',
				'--activity-every-ms',
				'50',
				'--audit-every-ms',
				'50',
			],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		try {
			const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
			const info = JSON.parse(line) as Json;
			expect(info).toMatchObject({
				baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/1\.0$/),
				workspaceGid: expect.any(String),
				tokens: { alice: expect.any(String) },
			});
			expect(info.projects).toHaveLength(2);
			expect(info.curl).toEqual(controlExamples(new URL(info.baseUrl).origin));
			const me = await fetch(`${info.baseUrl}/users/me`, {
				headers: { Authorization: `Bearer ${info.tokens.alice}` },
			});
			expect(me.status).toBe(200);
			await new Promise((resolve) => setTimeout(resolve, 300));
			const state = (await (await fetch(info.control)).json()) as Json;
			expect(Object.values(state.streams as Record<string, number>).some((n) => n > 0)).toBe(true);
			expect(Object.values(state.audit as Record<string, number>).some((n) => n > 0)).toBe(true);
		} finally {
			child.kill('SIGTERM');
		}
		const [code] = (await once(child, 'exit')) as [number | null];
		expect(code).toBe(0);
	});
});

describe('simulator clock', () => {
	it('ages sync tokens when the clock is advanced: a token older than 24 hours answers 412', async () => {
		const sim = await AsanaSimulator.start();
		try {
			const project = sim.seeded.projects[0];
			const get = async (sync?: string) =>
				await fetch(
					`${sim.baseUrl}/events?resource=${project.gid}${sync ? `&sync=${encodeURIComponent(sync)}` : ''}`,
					{ headers: { Authorization: `Bearer ${sim.tokens.alice}` } },
				);
			const start = (await (await get()).json()) as { sync: string };
			sim.advanceClock(23 * 3600 * 1000);
			expect((await get(start.sync)).status).toBe(200);
			sim.advanceClock(2 * 3600 * 1000);
			expect((await get(start.sync)).status).toBe(412);
			const control = await fetch(`${sim.origin}/_sim/advance-clock`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ ms: 1000 }),
			});
			expect(control.status).toBe(200);
		} finally {
			await sim.stop();
		}
	});
});
