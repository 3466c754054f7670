import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'fs';
import { load } from 'js-yaml';
import { join } from 'path';

import { AsanaSimulator } from './simulator';

/**
 * Validates what the simulator serves against the schemas of Asana's own OpenAPI file, so
 * the simulator cannot drift from the real API. The schemas are made stricter than the
 * file (no undeclared properties), with the two additions Asana's docs state in prose:
 * `user` and `parent` may be null, and resources carry `resource_subtype`.
 */
type Schema = Record<string, unknown>;

const oas = load(readFileSync(join(__dirname, '../../shared/asana-api/asana_oas.yaml'), 'utf8')) as {
	components: { schemas: Record<string, Schema> };
};

function resolve(schema: unknown): unknown {
	if (Array.isArray(schema)) return schema.map(resolve);
	if (!schema || typeof schema !== 'object') return schema;
	const object = schema as Schema;
	if (typeof object.$ref === 'string') {
		return resolve(oas.components.schemas[(object.$ref as string).split('/').pop() as string]);
	}
	if (Array.isArray(object.allOf)) {
		// Merge allOf parts (Asana uses them to attach descriptions to a $ref).
		const merged: Schema = {};
		for (const part of object.allOf.map(resolve) as Schema[]) {
			Object.assign(merged, part, {
				properties: { ...((merged.properties as Schema) ?? {}), ...((part.properties as Schema) ?? {}) },
			});
		}
		if (!Object.keys(merged.properties as Schema).length) delete merged.properties;
		return merged;
	}
	const out: Schema = {};
	for (const [key, value] of Object.entries(object)) {
		if (key === 'example' || key === 'description' || key.startsWith('x-')) continue;
		out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, resolve(v)])) : resolve(value);
	}
	if (out.nullable === true && typeof out.type === 'string') {
		out.type = [out.type, 'null'];
		delete out.nullable;
	}
	if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
	return out;
}

function nullable(schema: Schema): Schema {
	return { anyOf: [schema, { type: 'null' }] };
}

function eventSchema(): Schema {
	const schema = resolve(oas.components.schemas.EventResponse) as Schema;
	const properties = schema.properties as Record<string, Schema>;
	for (const key of ['resource', 'parent', 'user']) {
		const part = properties[key];
		if (key !== 'user') (part.properties as Schema).resource_subtype = { type: 'string' };
		if (key !== 'resource') properties[key] = nullable(part);
	}
	return schema;
}

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('date-time', { validate: (value: string) => !Number.isNaN(Date.parse(value)) });
const validateEvent = ajv.compile(eventSchema());
const validateAudit = ajv.compile(resolve(oas.components.schemas.AuditLogEvent) as Schema);
const validateError = ajv.compile(resolve(oas.components.schemas.ErrorResponse) as Schema);

function expectValid(validate: ValidateFunction, value: unknown): void {
	const ok = validate(value);
	if (!ok) throw new Error(`${JSON.stringify(value)}\n${ajv.errorsText(validate.errors)}`);
}

let sim: AsanaSimulator;
beforeAll(async () => {
	sim = await AsanaSimulator.start();
});
afterAll(async () => {
	await sim.stop();
});

async function get(path: string, token = sim.tokens.alice) {
	const response = await fetch(`${sim.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('simulator conformance to asana_oas.yaml', () => {
	it('the validators reject what Asana would never send', () => {
		expect(validateEvent({ user: null, resource: { gid: 1 }, action: 'changed', created_at: 'x' })).toBe(false);
		expect(validateEvent({ user: null, resource: { gid: '1' }, action: 'changed', created_at: '2026-01-01T00:00:00Z', id: 5 })).toBe(false);
		expect(validateAudit({ gid: '1', actor: { actor_type: 'robot' } })).toBe(false);
		expect(validateError({ errors: [{ message: 1 }] })).toBe(false);
	});

	it('serves events of every shape that validate as EventResponse', async () => {
		const project = sim.createProject('Conformance');
		const goal = sim.createGoal('Grow');
		const first = await get(`/events?resource=${project.gid}`);
		const goalFirst = await get(`/events?resource=${goal.gid}`);
		const wsFirst = await get(`/workspaces/${sim.workspaceGid}/events`, sim.tokens.serviceAccount);
		const task = sim.createTask({ name: 'Shape', projectGids: [project.gid] });
		sim.createTask({ name: 'Sub', parentGid: task.gid });
		sim.renameTask(task.gid, 'Renamed');
		sim.assignTask(task.gid, sim.users.bob.gid);
		sim.changeTask(task.gid, 'followers', sim.users.bob.gid);
		sim.changeTask(task.gid, 'custom_fields', undefined, null);
		sim.addComment(task.gid, 'Looks good');
		sim.removeTaskFromProject(task.gid, project.gid);
		sim.addTaskToProject(task.gid, project.gid);
		sim.deleteTask(task.gid);
		sim.undeleteTask(task.gid);
		sim.changeGoal(goal.gid, 'status');

		const page = await get(`/events?resource=${project.gid}&sync=${encodeURIComponent(first.body.sync as string)}`);
		const goalPage = await get(`/events?resource=${goal.gid}&sync=${encodeURIComponent(goalFirst.body.sync as string)}`);
		const wsPage = await get(`/workspaces/${sim.workspaceGid}/events?sync=${encodeURIComponent(wsFirst.body.sync as string)}`, sim.tokens.serviceAccount);
		const events = [...(page.body.data as unknown[]), ...(goalPage.body.data as unknown[]), ...(wsPage.body.data as unknown[])];
		const actions = new Set((events as Array<{ action: string }>).map((e) => e.action));
		expect([...actions].sort()).toEqual(['added', 'changed', 'deleted', 'removed', 'undeleted']);
		expect(events.some((e) => (e as { user: unknown }).user === null)).toBe(true);
		for (const event of events) expectValid(validateEvent, event);
	});

	it('serves audit log events that validate as AuditLogEvent', async () => {
		sim.generateAuditEvents(30);
		sim.addAuditEvent({ event_type: 'task_deleted' });
		const page = await get(`/workspaces/${sim.workspaceGid}/audit_log_events?limit=100`, sim.tokens.serviceAccount);
		expect((page.body.data as unknown[]).length).toBe(31);
		for (const event of page.body.data as unknown[]) expectValid(validateAudit, event);
	});

	it('answers errors as ErrorResponse, with a phrase on 500', async () => {
		sim.injectFault({ kind: '500', phrase: '6 sad squid snuggle softly' });
		const bodies = [
			(await get('/users/me')).body,
			(await get('/users/me', 'nope')).body,
			(await get('/tasks/99999')).body,
			(await get(`/workspaces/${sim.workspaceGid}/audit_log_events?limit=500`, sim.tokens.serviceAccount)).body,
		];
		expect((bodies[0].errors as Array<{ phrase?: string }>)[0].phrase).toBe('6 sad squid snuggle softly');
		for (const body of bodies) expectValid(validateError, body);
	});
});
