import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'fs';
import { load } from 'js-yaml';
import { join } from 'path';

import { AsanaSimulator } from './simulator';
import { AUDIT_VALUE_SAMPLES } from './simulator/auditDetails';
import { AUDIT_EVENT_TYPES } from './simulator/domain';

/**
 * Validates what the simulator serves against Asana's own OpenAPI file, so the simulator
 * cannot drift from the real API. The file is the extract in test/simulator/openapi/ (see
 * the NOTICE there; scripts/extract-openapi.mjs writes it). Schemas are taken from the
 * operations' responses and made stricter than the file (no undeclared properties), with
 * the additions Asana's docs state only in prose: an event's `user` and `parent` may be
 * null, and event resources carry `resource_subtype`.
 */
type Schema = Record<string, unknown>;

interface Oas {
	paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
	components: { schemas: Record<string, Schema>; responses: Record<string, Schema> };
}

const oas = load(
	readFileSync(join(__dirname, 'simulator/openapi/asana_oas.subset.yaml'), 'utf8'),
) as Oas;

function deref(ref: string): unknown {
	const [, , section, name] = ref.split('/');
	const target = (oas.components as unknown as Record<string, Record<string, unknown>>)[section]?.[
		name
	];
	if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
	return target;
}

/** OAS `nullable: true` becomes a JSON Schema that also accepts null. */
function allowNull(schema: Schema): Schema {
	const { nullable: _nullable, ...rest } = schema;
	if (typeof rest.type === 'string') {
		const out: Schema = { ...rest, type: [rest.type, 'null'] };
		if (Array.isArray(rest.enum) && !rest.enum.includes(null)) out.enum = [...rest.enum, null];
		return out;
	}
	return { anyOf: [rest, { type: 'null' }] };
}

/** Resolves $ref and allOf, drops annotations, applies nullable, forbids undeclared properties. */
function resolve(schema: unknown, depth = 0): unknown {
	if (depth > 40) throw new Error('schema nesting too deep (cycle?)');
	if (Array.isArray(schema)) return schema.map((s) => resolve(s, depth + 1));
	if (!schema || typeof schema !== 'object') return schema;
	const object = schema as Schema;
	if (typeof object.$ref === 'string') return resolve(deref(object.$ref), depth + 1);
	let out: Schema = {};
	if (Array.isArray(object.allOf)) {
		// Asana uses allOf to extend a base or to attach a description to a $ref: merge the parts.
		for (const resolved of object.allOf.map((p) => resolve(p, depth + 1)) as Schema[]) {
			// A part made nullable above comes back wrapped; merge its schema and keep the null.
			const wrapped =
				Array.isArray(resolved.anyOf) &&
				resolved.anyOf.length === 2 &&
				(resolved.anyOf[1] as Schema).type === 'null';
			const part = wrapped ? ((resolved.anyOf as Schema[])[0] as Schema) : resolved;
			const { properties, required, ...rest } = part;
			const wasNullable = wrapped || (Array.isArray(part.type) && part.type.includes('null'));
			Object.assign(out, rest);
			if (Array.isArray(rest.type)) out.type = rest.type.find((t) => t !== 'null');
			if (properties)
				out.properties = { ...((out.properties as Schema) ?? {}), ...(properties as Schema) };
			if (required)
				out.required = [...((out.required as string[]) ?? []), ...(required as string[])];
			if (wasNullable) out.nullable = true;
		}
	}
	for (const [key, value] of Object.entries(object)) {
		if (
			key === 'allOf' ||
			key === 'example' ||
			key === 'examples' ||
			key === 'description' ||
			key.startsWith('x-')
		)
			continue;
		if (key === 'properties') {
			out.properties = {
				...((out.properties as Schema) ?? {}),
				...Object.fromEntries(
					Object.entries(value as Schema).map(([k, v]) => [k, resolve(v, depth + 1)]),
				),
			};
		} else out[key] = resolve(value, depth + 1);
	}
	if (
		(out.type === 'object' || out.properties) &&
		out.properties &&
		out.additionalProperties === undefined
	)
		out.additionalProperties = false;
	if (out.nullable === true) out = allowNull(out);
	return out;
}

function responseSchema(path: string, status: number): Schema {
	let response = oas.paths[path].get.responses[status] as Schema;
	if (typeof response.$ref === 'string') response = deref(response.$ref) as Schema;
	const content = response.content as Record<string, { schema: unknown }>;
	return resolve(content['application/json'].schema) as Schema;
}

/** The envelope of an events page, with the prose additions on each event. */
function eventsSchema(path: string, status: number): Schema {
	const schema = responseSchema(path, status);
	const event = ((schema.properties as Record<string, Schema>).data.items ?? {}) as Schema;
	const properties = event.properties as Record<string, Schema>;
	for (const key of ['resource', 'parent'])
		(properties[key].properties as Schema).resource_subtype = { type: 'string' };
	for (const key of ['user', 'parent']) properties[key] = allowNull(properties[key]);
	schema.required = ['data', 'sync', 'has_more'];
	event.required = ['user', 'resource', 'type', 'action', 'parent', 'created_at'];
	return schema;
}

const ajv = new Ajv({ strict: false, allErrors: true });
// The formats the OAS uses, checked as Asana writes them.
ajv.addFormat('date-time', {
	validate: (value: string) =>
		/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) &&
		!Number.isNaN(Date.parse(value)),
});
ajv.addFormat('date', {
	validate: (value: string) => /^\d{4}-\d\d-\d\d$/.test(value) && !Number.isNaN(Date.parse(value)),
});
ajv.addFormat('uri', { validate: (value: string) => URL.canParse(value) });
ajv.addFormat('email', { validate: (value: string) => /^[^@\s]+@[^@\s]+$/.test(value) });
ajv.addFormat('binary', { validate: () => true });

const validate = {
	events: ajv.compile(eventsSchema('/events', 200)),
	workspaceEvents: ajv.compile(eventsSchema('/workspaces/{workspace_gid}/events', 200)),
	syncExpired: ajv.compile({ ...responseSchema('/events', 412), required: ['errors', 'sync'] }),
	audit: ajv.compile(responseSchema('/workspaces/{workspace_gid}/audit_log_events', 200)),
	auditEvent: ajv.compile(resolve(oas.components.schemas.AuditLogEvent) as Schema),
	auditDetails: ajv.compile(resolve(oas.components.schemas.AuditLogEventDetails) as Schema),
	error: ajv.compile(resolve(oas.components.schemas.ErrorResponse) as Schema),
	workspaces: ajv.compile(responseSchema('/workspaces', 200)),
	user: ajv.compile(responseSchema('/users/{user_gid}', 200)),
	task: ajv.compile(responseSchema('/tasks/{task_gid}', 200)),
	project: ajv.compile(responseSchema('/projects/{project_gid}', 200)),
	goal: ajv.compile(responseSchema('/goals/{goal_gid}', 200)),
	goalCompact: ajv.compile(resolve(oas.components.schemas.GoalCompact) as Schema),
	/** A story with opt_fields: each item of the list holds the fields asked for of StoryResponse. */
	storyRecord: ajv.compile(resolve(oas.components.schemas.StoryResponse) as Schema),
	customFieldSettings: ajv.compile(
		responseSchema('/projects/{project_gid}/custom_field_settings', 200),
	),
	tasks: ajv.compile(responseSchema('/tasks', 200)),
	subtasks: ajv.compile(responseSchema('/tasks/{task_gid}/subtasks', 200)),
	stories: ajv.compile(responseSchema('/tasks/{task_gid}/stories', 200)),
	search: ajv.compile(responseSchema('/workspaces/{workspace_gid}/tasks/search', 200)),
	/** A task with opt_fields: each item of a list holds the fields asked for of TaskResponse. */
	taskRecord: ajv.compile(
		(responseSchema('/tasks/{task_gid}', 200).properties as Record<string, Schema>).data,
	),
	teams: ajv.compile(responseSchema('/workspaces/{workspace_gid}/teams', 200)),
	workspaceUsers: ajv.compile(responseSchema('/workspaces/{workspace_gid}/users', 200)),
	teamProjects: ajv.compile(responseSchema('/teams/{team_gid}/projects', 200)),
	portfolios: ajv.compile(responseSchema('/portfolios', 200)),
	portfolioItems: ajv.compile(responseSchema('/portfolios/{portfolio_gid}/items', 200)),
	projects: ajv.compile(responseSchema('/projects', 200)),
};

function expectValid(validator: ValidateFunction, value: unknown): void {
	if (!validator(value))
		throw new Error(`${JSON.stringify(value)}\n${ajv.errorsText(validator.errors)}`);
}

let sim: AsanaSimulator;
beforeAll(async () => {
	sim = await AsanaSimulator.start();
});
afterAll(async () => {
	await sim.stop();
});

type Json = Record<string, any>;

async function get(path: string, token = sim.tokens.alice) {
	const response = await fetch(`${sim.baseUrl}${path}`, {
		headers: { Authorization: `Bearer ${token}` },
	});
	return { status: response.status, body: (await response.json()) as Json };
}
const enc = encodeURIComponent;

describe('simulator conformance to asana_oas.yaml', () => {
	it('the validators reject what Asana would never send', () => {
		const event = {
			user: null,
			resource: { gid: '1', resource_type: 'task', name: 'T' },
			type: 'task',
			action: 'changed',
			parent: null,
			created_at: '2026-01-01T00:00:00.000Z',
			change: { field: 'name', action: 'changed' },
		};
		expect(validate.events({ data: [event], sync: 'a:1', has_more: false })).toBe(true);
		const wrong = [
			{ ...event, resource: { gid: 1, resource_type: 'task' } },
			{ ...event, id: 5 },
			{ ...event, user: 'alice' },
			{ ...event, created_at: 'yesterday' },
			{ ...event, change: { field: 'name', action: 'changed', value: 'x' } },
		];
		for (const bad of wrong)
			expect(validate.events({ data: [bad], sync: 'a:1', has_more: false })).toBe(false);
		expect(validate.events({ data: [event], sync: 'a:1' })).toBe(false);
		expect(validate.syncExpired({ errors: [{ message: 'x' }] })).toBe(false);
		expect(validate.auditEvent({ gid: '1', actor: { actor_type: 'robot' } })).toBe(false);
		expect(validate.auditEvent({ gid: '1', context: { context_type: 'fax' } })).toBe(false);
		expect(validate.error({ errors: [{ message: 1 }] })).toBe(false);
		expect(validate.error({ errors: [{ message: 'x', code: 7 }] })).toBe(false);
		// nullable: next_page may be null, but not a string; an owner may be null.
		expect(validate.audit({ data: [], next_page: null })).toBe(true);
		expect(validate.audit({ data: [], next_page: 'x' })).toBe(false);
		expect(validate.goalCompact({ gid: '1', resource_type: 'goal', name: 'G', owner: null })).toBe(
			true,
		);
		expect(
			validate.goalCompact({ gid: '1', resource_type: 'goal', name: 'G', owner: 'alice' }),
		).toBe(false);
	});

	it('serves events of every shape that validate as EventResponse, from resource and workspace streams', async () => {
		const project = sim.createProject('Conformance');
		const other = sim.createProject('Other');
		const goal = sim.createGoal('Grow');
		const starts = {
			project: (await get(`/events?resource=${project.gid}`)).body,
			goal: (await get(`/events?resource=${goal.gid}`)).body,
			ws: (await get(`/workspaces/${sim.workspaceGid}/events`, sim.tokens.serviceAccount)).body,
		};
		for (const start of Object.values(starts)) expectValid(validate.syncExpired, start);
		const task = sim.createTask({ name: 'Shape', projectGids: [project.gid] });
		sim.createTask({ name: 'Milestone', projectGids: [project.gid], resourceSubtype: 'milestone' });
		sim.createTask({ name: 'Sub', parentGid: task.gid });
		sim.renameTask(task.gid, 'Renamed');
		sim.assignTask(task.gid, sim.users.bob.gid);
		sim.changeTask(task.gid, 'followers', sim.users.bob.gid);
		sim.changeTask(task.gid, 'followers', sim.users.bob.gid);
		sim.changeTask(task.gid, 'custom_fields', undefined, null);
		sim.addComment(task.gid, 'Looks good');
		sim.addTaskToProject(task.gid, other.gid);
		sim.removeTaskFromProject(task.gid, other.gid);
		sim.deleteTask(task.gid);
		sim.undeleteTask(task.gid);
		sim.changeGoal(goal.gid, 'status');
		const section = sim.createSection(project.gid, 'Doing');
		sim.createTask({ name: 'In a section', projectGids: [project.gid], sectionGid: section.gid });
		sim.moveTaskToSection(task.gid, section.gid);
		sim.setCustomFieldValue(task.gid, sim.addCustomField(project.gid, 'Priority').gid);
		sim.postStatusUpdate(project.gid, 'On track');
		sim.postStatusUpdate(goal.gid, 'At risk');
		sim.completeTask(task.gid);
		sim.reopenTask(task.gid);
		sim.changeTask(task.gid, 'due_on', '2026-12-24');
		sim.touchTask(task.gid);
		sim.generateActivity(200, { projectGid: project.gid });
		// As webhooks deliver them: no names anywhere.
		sim.setWebhookStyleEvents(true);
		const bare = (await get(`/events?resource=${project.gid}&sync=${enc(starts.project.sync)}`))
			.body;
		sim.setWebhookStyleEvents(false);
		expectValid(validate.events, bare);
		expect(bare.data.every((e: Json) => e.resource.name === undefined)).toBe(true);

		const drain = async (
			path: string,
			sync: string,
			validator: ValidateFunction,
			token?: string,
		) => {
			const events: Json[] = [];
			for (let more = true; more;) {
				const { status, body } = await get(
					`${path}${path.includes('?') ? '&' : '?'}sync=${enc(sync)}`,
					token,
				);
				expect(status).toBe(200);
				expectValid(validator, body);
				events.push(...body.data);
				sync = body.sync;
				more = body.has_more;
			}
			return events;
		};
		const projectEvents = await drain(
			`/events?resource=${project.gid}`,
			starts.project.sync,
			validate.events,
		);
		const goalEvents = await drain(
			`/events?resource=${goal.gid}`,
			starts.goal.sync,
			validate.events,
		);
		const wsEvents = await drain(
			`/workspaces/${sim.workspaceGid}/events`,
			starts.ws.sync,
			validate.workspaceEvents,
			sim.tokens.serviceAccount,
		);
		expect(wsEvents.length).toBeGreaterThanOrEqual(projectEvents.length + goalEvents.length);

		const shapes = new Set(
			[...projectEvents, ...goalEvents, ...wsEvents].map((e) => {
				const value =
					['new_value', 'added_value', 'removed_value'].find((k) => e.change && k in e.change) ??
					'';
				return [
					e.resource.resource_type,
					e.resource.resource_subtype ?? '',
					e.action,
					e.parent?.resource_type ?? '',
					value,
					e.user === null ? 'system' : 'user',
				].join('/');
			}),
		);
		for (const shape of [
			'task/default_task/changed///user', // plain field: no value
			'task/default_task/changed//new_value/user',
			'task/default_task/changed//added_value/user',
			'task/default_task/changed//removed_value/user',
			'task/default_task/changed///system',
			'task/default_task/added/project//user',
			'task/default_task/removed/project//user',
			'task/default_task/added/task//user', // subtask
			'task/milestone/added/project//user',
			'story/comment_added/added/task//user',
			'task/default_task/deleted///user',
			'task/default_task/undeleted///user',
			'goal//changed///user',
			'task/default_task/added/section//user',
			'status_update/project_status_update/added/project//user',
			'status_update/goal_status_update/added/goal//user',
			'project//changed//new_value/user', // its current_status_update, with the update
			'story/marked_complete/added/task//user',
			'story/marked_incomplete/added/task//user',
			'story/section_changed/added/task//user',
			'story/added_to_project/added/task//user',
			'story/due_date_changed/added/task//user',
			'story/assigned/added/task//user',
		]) {
			expect([...shapes]).toContain(shape);
		}
		for (const event of [...projectEvents, ...goalEvents, ...wsEvents]) {
			expect(event.type).toBe(event.resource.resource_type);
			expect(event.parent === null).toBe(!['added', 'removed'].includes(event.action));
			if ('change' in event) expect(event.action).toBe('changed');
		}
		// Asana reports some changes without a change block.
		expect(projectEvents.some((e) => e.action === 'changed' && !('change' in e))).toBe(true);
	});

	it('serves audit log pages whose events validate as AuditLogEvent', async () => {
		const events = sim.generateAuditEvents(60);
		const everyType = Object.keys(AUDIT_EVENT_TYPES);
		sim.generateAuditEvents(everyType.length, { eventTypes: everyType });
		sim.addAuditEvent({ event_type: 'task_deleted' });
		sim.addAuditEvent({
			event_type: 'user_login_failed',
			actor: { actor_type: 'anonymous', email: 'who@example.com' },
		});
		expect(new Set(events.map((e) => e.event_type)).size).toBeGreaterThanOrEqual(10);
		let offset: string | undefined;
		let total = 0;
		for (;;) {
			const { status, body } = await get(
				`/workspaces/${sim.workspaceGid}/audit_log_events?limit=25${offset ? `&offset=${offset}` : ''}`,
				sim.tokens.serviceAccount,
			);
			expect(status).toBe(200);
			expectValid(validate.audit, body);
			for (const event of body.data) expectValid(validate.auditEvent, event);
			total += body.data.length;
			if (!body.data.length) break;
			offset = body.next_page.offset;
		}
		expect(total).toBe(62 + everyType.length);
		const none = await get(
			`/workspaces/${sim.workspaceGid}/audit_log_events?event_type=nothing_like_this`,
			sim.tokens.serviceAccount,
		);
		expectValid(validate.audit, none.body);
		expect(none.body.next_page).toBeNull();
	});

	it('sends each audit event type with the details and resource Asana documents for it', async () => {
		const everyType = Object.keys(AUDIT_EVENT_TYPES);
		sim.generateAuditEvents(everyType.length * 4, { eventTypes: everyType });
		const { body } = await get(
			`/workspaces/${sim.workspaceGid}/audit_log_events?limit=100`,
			sim.tokens.serviceAccount,
		);
		const events = body.data as Array<{
			event_type: string;
			resource: { resource_type: string };
			details: Record<string, unknown>;
		}>;
		expect(events.length).toBe(Math.min(100, everyType.length * 4));
		// The OAS' AuditLogEventDetails: old_value/new_value strings, saml_response a string or null.
		for (const event of events) expectValid(validate.auditDetails, event.details);
		expect(validate.auditDetails({ old_value: 14 })).toBe(false);
		const ofType = (type: string) => events.filter((event) => event.event_type === type);
		for (const login of [...ofType('user_login_succeeded'), ...ofType('user_login_failed')]) {
			expect(Array.isArray(login.details.method)).toBe(true);
			for (const method of login.details.method as string[]) expect(method).toMatch(/^[A-Z_]+$/);
		}
		for (const type of ['service_account_created', 'service_account_deleted'])
			for (const event of ofType(type)) expect(event.resource.resource_type).toBe('user');
		for (const event of ofType('workspace_saml_settings_changed'))
			expect(event.resource.resource_type).toBe('email_domain');
		for (const [type, values] of Object.entries(AUDIT_VALUE_SAMPLES)) {
			expect(AUDIT_EVENT_TYPES[type]).toBeDefined();
			for (const event of ofType(type)) expect(event.details).toMatchObject(values);
		}
		expect(ofType('user_workspace_admin_role_changed')[0]?.details).toMatchObject({
			old_value: 'super_admin',
			new_value: 'member',
		});
	});

	it('serves users, workspaces, tasks, projects, goals and custom field settings as the OAS describes them', async () => {
		expectValid(validate.user, (await get('/users/me')).body);
		sim.addWorkspace('Second');
		expectValid(validate.workspaces, (await get('/workspaces?limit=1')).body);
		const [project] = sim.seeded.projects;
		const task = sim.createTask({
			name: 'Full',
			projectGids: [project.gid],
			assigneeGid: sim.users.bob.gid,
		});
		const sub = sim.createTask({ name: 'Child', parentGid: task.gid });
		for (const gid of [task.gid, sub.gid])
			expectValid(validate.task, (await get(`/tasks/${gid}`)).body);
		expectValid(validate.project, (await get(`/projects/${project.gid}`)).body);
		expectValid(validate.goal, (await get(`/goals/${sim.seeded.goals[0].gid}`)).body);
		const goals = await get(`/workspaces/${sim.workspaceGid}/typeahead?resource_type=goal&query=`);
		expect(goals.body.data.length).toBeGreaterThan(0);
		for (const goal of goals.body.data) expectValid(validate.goalCompact, goal);
		sim.addCustomField(project.gid, 'Priority');
		sim.addCustomField(project.gid, 'Effort', 'number');
		const settings = await get(`/projects/${project.gid}/custom_field_settings?limit=1`);
		expectValid(validate.customFieldSettings, settings.body);
		expect(settings.body.data[0].custom_field.name).toBe('Priority');
		const named = await get(
			`/projects/${project.gid}/custom_field_settings?opt_fields=custom_field.name&offset=${settings.body.next_page.offset}`,
		);
		expectValid(validate.customFieldSettings, named.body);
		expect(named.body.data).toEqual([
			{ gid: expect.any(String), custom_field: { gid: expect.any(String), name: 'Effort' } },
		]);
	});

	it('lists the users of a workspace as compact records sorted by name, in one answer', async () => {
		const users = await get(`/workspaces/${sim.workspaceGid}/users`);
		expect(users.status).toBe(200);
		expectValid(validate.workspaceUsers, users.body);
		const names = (users.body.data as Json[]).map((user) => user.name as string);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
		expect(users.body.data).toContainEqual({
			gid: sim.users.bob.gid,
			resource_type: 'user',
			name: sim.users.bob.name,
		});
		expect(users.body).not.toHaveProperty('next_page');
		expect((await get('/workspaces/99999/users')).status).toBe(404);
	});

	it('serves the state endpoints that recover a gap: tasks modified since, subtasks, stories, search', async () => {
		const project = sim.createProject('Recovery shapes');
		const before = sim.createTask({ name: 'Untouched', projectGids: [project.gid] });
		const since = new Date(Date.now() + 30_000).toISOString();
		sim.advanceClock(60_000);
		const changed = sim.createTask({ name: 'Touched', projectGids: [project.gid] });
		sim.createTask({ name: 'Child', parentGid: changed.gid });
		sim.addComment(changed.gid, 'New comment');
		const all = await get(`/tasks?project=${project.gid}&limit=1`);
		expectValid(validate.tasks, all.body);
		expect(all.body.next_page.offset).toEqual(expect.any(String));
		const recent = await get(`/tasks?project=${project.gid}&modified_since=${enc(since)}`);
		expectValid(validate.tasks, recent.body);
		expect(recent.body.data.map((t: Json) => t.gid)).toEqual([changed.gid]);
		expect(recent.body.next_page).toBeNull();
		const fields = 'name,modified_at,completed,assignee,projects,parent,permalink_url';
		const full = await get(`/tasks?project=${project.gid}&opt_fields=${fields}`);
		for (const task of full.body.data) expectValid(validate.taskRecord, task);
		expect(full.body.data.map((t: Json) => t.gid)).toContain(before.gid);
		expectValid(validate.subtasks, (await get(`/tasks/${changed.gid}/subtasks`)).body);
		const stories = await get(`/tasks/${changed.gid}/stories`);
		expectValid(validate.stories, stories.body);
		expect(stories.body.data[0].text).toBe('New comment');
		// System stories, with the details a client asks for.
		sim.completeTask(changed.gid);
		sim.changeTask(changed.gid, 'due_on', '2026-12-24');
		const section = sim.createSection(project.gid, 'Done');
		sim.moveTaskToSection(changed.gid, section.gid);
		const detailed = await get(
			`/tasks/${changed.gid}/stories?opt_fields=resource_subtype,created_at,type,text,new_dates,old_dates,new_section,old_section,project,assignee`,
		);
		expect(detailed.status).toBe(200);
		for (const story of detailed.body.data) expectValid(validate.storyRecord, story);
		expect(detailed.body.data.map((story: Json) => story.resource_subtype)).toEqual([
			'comment_added',
			'marked_complete',
			'due_date_changed',
			'section_changed',
		]);
		const search = await get(
			`/workspaces/${sim.workspaceGid}/tasks/search?modified_at.after=${enc(since)}&sort_by=modified_at&sort_ascending=true&limit=100`,
		);
		expectValid(validate.search, search.body);
		expect(search.body.data.map((t: Json) => t.gid)).toContain(changed.gid);
		expect(search.body.data.map((t: Json) => t.gid)).not.toContain(before.gid);
		for (const bad of [
			'/tasks',
			`/tasks?project=${project.gid}&modified_since=yesterday`,
			`/workspaces/${sim.workspaceGid}/tasks/search?sort_by=size`,
			`/workspaces/${sim.workspaceGid}/tasks/search?offset=abc`,
		]) {
			const answer = await get(bad);
			expect(answer.status).toBe(400);
			expectValid(validate.error, answer.body);
		}
	});

	it('lists teams, portfolios and their projects as the OAS describes them, in pages, archived ones on request', async () => {
		const team = sim.createTeam('Platform');
		const portfolio = sim.createPortfolio('Bets');
		const projects = ['One', 'Two', 'Three'].map((name) =>
			sim.createProject(name, sim.workspaceGid, { teamGid: team.gid, portfolioGid: portfolio.gid }),
		);
		sim.archiveProject(projects[1].gid);

		const teams = await get(`/workspaces/${sim.workspaceGid}/teams`);
		expectValid(validate.teams, teams.body);
		expect(teams.body.data).toContainEqual({
			gid: team.gid,
			resource_type: 'team',
			name: 'Platform',
		});

		const first = await get(`/teams/${team.gid}/projects?limit=2`);
		expectValid(validate.teamProjects, first.body);
		expect(first.body.data.map((p: Json) => p.gid)).toEqual([projects[0].gid, projects[1].gid]);
		const second = await get(
			`/teams/${team.gid}/projects?limit=2&offset=${enc(first.body.next_page.offset)}`,
		);
		expectValid(validate.teamProjects, second.body);
		expect(second.body.data.map((p: Json) => p.gid)).toEqual([projects[2].gid]);
		expect(second.body.next_page).toBeNull();
		const active = await get(`/teams/${team.gid}/projects?archived=false`);
		expect(active.body.data.map((p: Json) => p.gid)).toEqual([projects[0].gid, projects[2].gid]);
		expect((await get(`/teams/${team.gid}/projects?archived=maybe`)).status).toBe(400);

		const portfolios = await get(`/portfolios?workspace=${sim.workspaceGid}`);
		expectValid(validate.portfolios, portfolios.body);
		expect(portfolios.body.data.map((p: Json) => p.gid)).toContain(portfolio.gid);
		// A user's token lists only the portfolios that user owns.
		expect(
			(await get(`/portfolios?workspace=${sim.workspaceGid}`, sim.tokens.bob)).body.data,
		).toEqual([]);
		const items = await get(`/portfolios/${portfolio.gid}/items`);
		expectValid(validate.portfolioItems, items.body);
		expect(items.body.data).toHaveLength(3);
		const withArchived = await get(`/portfolios/${portfolio.gid}/items?opt_fields=name,archived`);
		expect(withArchived.body.data.map((p: Json) => p.archived)).toEqual([false, true, false]);

		const inWorkspace = await get(
			`/projects?workspace=${sim.workspaceGid}&archived=false&limit=100`,
		);
		expectValid(validate.projects, inWorkspace.body);
		expect(inWorkspace.body.data.map((p: Json) => p.gid)).not.toContain(projects[1].gid);
		expect((await get(`/teams/99999/projects`)).status).toBe(404);
	});

	it('answers 429 with Retry-After once a token has used its requests of the minute', async () => {
		const limited = await AsanaSimulator.start({ rateLimitPerMinute: 3 });
		try {
			const ask = (token: string) =>
				fetch(`${limited.baseUrl}/users/me`, { headers: { Authorization: `Bearer ${token}` } });
			for (let i = 0; i < 3; i++) expect((await ask(limited.tokens.alice)).status).toBe(200);
			const refused = await ask(limited.tokens.alice);
			expect(refused.status).toBe(429);
			expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
			expectValid(validate.error, await refused.json());
			// The limit is per token: bob still has his.
			expect((await ask(limited.tokens.bob)).status).toBe(200);
		} finally {
			await limited.stop();
		}
	});

	it('answers errors as ErrorResponse, with a phrase on 500', async () => {
		sim.injectFault({ kind: '500', phrase: '6 sad squid snuggle softly', path: '/users/me' });
		sim.injectFault({ kind: '429', path: '/users/me' });
		sim.injectFault({ kind: '503', path: '/users/me' });
		const bodies = [
			(await get('/users/me')).body,
			(await get('/users/me')).body,
			(await get('/users/me')).body,
			(await get('/users/me', 'nope')).body,
			(await get('/tasks/99999')).body,
			(await get('/tasks/abc')).body,
			(await get('/events')).body,
			(await get(`/workspaces/${sim.workspaceGid}/audit_log_events`)).body,
			(
				await get(
					`/workspaces/${sim.workspaceGid}/audit_log_events?limit=500`,
					sim.tokens.serviceAccount,
				)
			).body,
			(
				await get(
					`/workspaces/${sim.workspaceGid}/audit_log_events?offset=garbage`,
					sim.tokens.serviceAccount,
				)
			).body,
			(await get('/no/such/route')).body,
		];
		expect(bodies[0].errors[0].phrase).toBe('6 sad squid snuggle softly');
		for (const body of bodies) expectValid(validate.error, body);
	});
});
