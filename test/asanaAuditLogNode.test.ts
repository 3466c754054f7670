import type {
	IDataObject,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
} from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { runWorkflow } from './harness';
import { ecsErrors } from './schemas/ecs';
import { ocsfErrors } from './schemas/ocsf';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

const HOUR = 3_600_000;

function params(extra: INodeParameters = {}): INodeParameters {
	return {
		resource: 'auditLogEvent',
		operation: 'getAll',
		workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
		...extra,
	};
}

async function run(
	parameters: INodeParameters,
	inputItems: IDataObject[] = [{}],
	continueOnFail = false,
	token = sim.tokens.serviceAccount,
) {
	return await runWorkflow({
		nodeType: new AsanaAuditLog(),
		parameters,
		credentials: { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } },
		inputItems,
		continueOnFail,
	});
}

const auditRequests = () => sim.requestLog.filter((r) => r.path.endsWith('/audit_log_events'));
const gidsOf = (items: INodeExecutionData[]) => items.map((i) => i.json.gid);
const pairedOf = (items: INodeExecutionData[]) =>
	items.map((i) => (i.pairedItem as { item: number }).item);

type OutputFormat = 'asana' | 'simplified' | 'ocsf' | 'ecs';
/** Split Into Items on (`eachEvent`) or off (`allEvents`). */
type Output = 'eachEvent' | 'allEvents';

/** Where the node's descriptions say an item keeps the offset to continue from. */
const RESUME_EXPRESSION: Record<Output, Record<OutputFormat, string>> = {
	eachEvent: {
		asana: '{{ $json.next_offset }}',
		simplified: '{{ $json.next_offset }}',
		ocsf: '{{ $json.unmapped.next_offset }}',
		ecs: '{{ $json.asana.next_offset }}',
	},
	allEvents: {
		asana: '{{ $json.next_offset }}',
		simplified: '{{ $json.next_offset }}',
		ocsf: '{{ $json.next_offset }}',
		ecs: '{{ $json.next_offset }}',
	},
};

const eventIdOf: Record<OutputFormat, (document: IDataObject) => unknown> = {
	asana: (document) => document.gid,
	simplified: (document) => document.gid,
	ocsf: (document) => (document.metadata as IDataObject).uid,
	ecs: (document) => (document.event as IDataObject).id,
};

const schemaErrors: Partial<Record<OutputFormat, (document: IDataObject) => string[]>> = {
	ocsf: ocsfErrors,
	ecs: ecsErrors,
};

/** The event documents of a run: the items, or the "events" list of the one item that has it. */
function documentsOf(items: INodeExecutionData[], output: Output): IDataObject[] {
	if (output === 'allEvents' || (items.length === 1 && 'events' in items[0].json)) {
		expect(items).toHaveLength(1);
		return items[0].json.events as IDataObject[];
	}
	return items.map((item) => item.json);
}

const auditOptionProperty = (name: string) =>
	(
		new AsanaAuditLog().description.properties.find((p) => p.name === 'options')
			?.options as INodeProperties[]
	).find((p) => p.name === name) as INodeProperties;

describe('Asana Audit Log node', () => {
	it('Return All reads 1,050 events in pages of 100 until an empty page, oldest first', async () => {
		const events = sim.generateAuditEvents(1050, {
			from: Date.now() - 10 * HOUR,
			to: Date.now() - HOUR,
		});
		sim.resetLog();
		const result = await run(params({ returnAll: true }));
		expect(result.error).toBeUndefined();
		expect(gidsOf(result.items)).toEqual(events.map((e) => e.gid));
		const requests = auditRequests();
		// 11 pages with data, then the empty page that ends the read.
		expect(requests).toHaveLength(12);
		for (const request of requests) expect(request.query.limit).toBe('100');
		expect(requests[0].query.offset).toBeUndefined();
		expect(requests.slice(1).every((r) => !!r.query.offset)).toBe(true);
		const nextOffsets = new Set(result.items.map((i) => i.json.next_offset));
		expect(nextOffsets.size).toBe(1);

		// The next offset continues later with exactly the newer events.
		const later = [sim.addAuditEvent({ event_type: 'user_login_failed' }), sim.addAuditEvent()];
		const next = await run(
			params({ returnAll: true, options: { offset: '={{ $json.offset }}' } }),
			[{ offset: [...nextOffsets][0] }],
		);
		expect(next.error).toBeUndefined();
		expect(gidsOf(next.items)).toEqual(later.map((e) => e.gid));
	});

	it('Limit 7 is one request with limit=7, and its next offset continues right after', async () => {
		const events = sim.generateAuditEvents(30);
		sim.resetLog();
		const first = await run(params({ limit: 7 }));
		expect(first.error).toBeUndefined();
		expect(gidsOf(first.items)).toEqual(events.slice(0, 7).map((e) => e.gid));
		expect(auditRequests().map((r) => r.query.limit)).toEqual(['7']);

		sim.resetLog();
		const second = await run(
			params({
				limit: 150,
				options: { offset: first.items[0].json.next_offset as string, splitIntoItems: false },
			}),
		);
		expect(second.items).toHaveLength(1);
		expect((second.items[0].json.events as IDataObject[]).map((e) => e.gid)).toEqual(
			events.slice(7).map((e) => e.gid),
		);
		expect(auditRequests().map((r) => r.query.limit)).toEqual(['100', '100']);
	});

	describe.each(['asana', 'simplified', 'ocsf', 'ecs'] as const)('Output Format %s', (format) => {
		it.each(['eachEvent', 'allEvents'] as const)(
			"%s: an item's offset, read with the documented expression, continues exactly after its run, also from the item of a run without events",
			async (output) => {
				const expression = RESUME_EXPRESSION[output][format];
				const ids = (items: INodeExecutionData[]) =>
					documentsOf(items, output).map(eventIdOf[format]);
				const runFrom = async (item: IDataObject | undefined, extra: INodeParameters) => {
					const offset = item ? { offset: `=${expression}` } : {};
					const result = await run(
						params({
							format,
							...extra,
							options: { splitIntoItems: output === 'eachEvent', ...offset },
						}),
						[item ?? {}],
					);
					expect(result.error).toBeUndefined();
					const check = schemaErrors[format];
					const invalid = check
						? documentsOf(result.items, output).flatMap((document) => check(document))
						: [];
					expect(invalid).toEqual([]);
					return result.items;
				};
				const events = sim.generateAuditEvents(12);
				const first = await runFrom(undefined, { limit: 5 });
				expect(ids(first)).toEqual(events.slice(0, 5).map((e) => e.gid));

				const rest = await runFrom(first[first.length - 1].json, { returnAll: true });
				expect(ids(rest)).toEqual(events.slice(5).map((e) => e.gid));

				const none = await runFrom(rest[rest.length - 1].json, { returnAll: true });
				expect(ids(none)).toEqual([]);

				const later = [sim.addAuditEvent(), sim.addAuditEvent({ event_type: 'user_logged_out' })];
				const next = await runFrom(none[0].json, { returnAll: true });
				expect(ids(next)).toEqual(later.map((e) => e.gid));
			},
		);
	});

	it('Starting Offset and Split Into Items say which expression reads the offset in each Output Format', () => {
		const offset = auditOptionProperty('offset');
		expect(offset.placeholder).toBe('e.g. {{ $json.next_offset }}');
		for (const expression of new Set([
			...Object.values(RESUME_EXPRESSION.eachEvent),
			...Object.values(RESUME_EXPRESSION.allEvents),
		])) {
			expect(offset.hint).toContain(expression);
		}
		const split = auditOptionProperty('splitIntoItems');
		for (const expression of new Set([
			...Object.values(RESUME_EXPRESSION.eachEvent),
			...Object.values(RESUME_EXPRESSION.allEvents),
		])) {
			expect(split.description).toContain(expression.replace(/^{{ \$json\.| }}$/g, ''));
		}
	});

	it('sends the API filters as query parameters and applies categories itself, per item via expressions', async () => {
		const events = sim.generateAuditEvents(40, { from: Date.now() - 4 * HOUR, to: Date.now() });
		const start = new Date(Date.now() - 3 * HOUR).toISOString();
		const end = new Date(Date.now() - HOUR).toISOString();
		const actor = sim.users.bob.gid;
		const bob = { actor_type: 'user', gid: actor, name: 'Bob Builder', email: 'bob@acme.test' };
		for (const hoursAgo of [3.5, 2.5, 2, 1.5, 0.5]) {
			sim.addAuditEvent({
				event_type: 'user_login_failed',
				created_at: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
				actor: bob,
				resource: { resource_type: 'user', gid: actor, name: 'Bob Builder' },
			});
		}
		// The oldest event is no login, so a category filter has something to skip.
		sim.addAuditEvent({
			event_type: 'task_deleted',
			created_at: new Date(Date.now() - 4.5 * HOUR).toISOString(),
		});
		events.splice(0, events.length, ...sim.domain.auditList(sim.workspaceGid));
		sim.resetLog();
		const result = await run(
			params({
				returnAll: true,
				filters: {
					startAt: '={{ $json.start }}',
					endAt: '={{ $json.end }}',
					eventTypes: ['user_login_failed'],
					actorGid: '={{ $json.actor }}',
					resourceGid: actor,
				},
			}),
			[{ start, end, actor }],
		);
		expect(result.error).toBeUndefined();
		const query = auditRequests()[0].query;
		expect(query).toMatchObject({
			start_at: start,
			end_at: end,
			event_type: 'user_login_failed',
			actor_gid: actor,
			resource_gid: actor,
			limit: '100',
		});
		const expected = events.filter(
			(e) =>
				e.created_at >= start &&
				e.created_at < end &&
				e.event_type === 'user_login_failed' &&
				e.actor.gid === actor &&
				e.resource.gid === actor,
		);
		expect(expected.length).toBeGreaterThan(0);
		expect(gidsOf(result.items)).toEqual(expected.map((e) => e.gid));

		sim.resetLog();
		const typed = await run(params({ returnAll: true, filters: { actorType: 'user' } }));
		expect(auditRequests()[0].query.actor_type).toBe('user');
		expect(gidsOf(typed.items)).toEqual(
			events.filter((e) => e.actor.actor_type === 'user').map((e) => e.gid),
		);

		// Asana has no category parameter, so the node filters: the log starts with an event to skip.
		const logins = events.filter((e) => e.event_category === 'logins').slice(0, 3);
		expect(events[0].event_category).not.toBe('logins');
		// The default Output Format, Simplified: a summary line and the category at the top.
		const categories = await run(params({ limit: 3, filters: { categories: ['logins'] } }));
		expect(gidsOf(categories.items)).toEqual(logins.map((e) => e.gid));
		for (const item of categories.items) {
			expect(item.json.category).toBe('logins');
			expect(item.json.summary).toEqual(expect.any(String));
		}

		// Asana takes an actor id or an actor type, not both: with both, the node checks the type.
		sim.resetLog();
		const bobAsUser = await run(
			params({ returnAll: true, filters: { actorGid: actor, actorType: 'user' } }),
		);
		expect(auditRequests()[0].query.actor_gid).toBe(actor);
		expect(auditRequests()[0].query.actor_type).toBeUndefined();
		expect(gidsOf(bobAsUser.items)).toEqual(
			events.filter((e) => e.actor.gid === actor).map((e) => e.gid),
		);
		const bobAsAnonymous = await run(
			params({ returnAll: true, filters: { actorGid: actor, actorType: 'anonymous' } }),
		);
		expect(bobAsAnonymous.items.map((i) => i.json.events)).toEqual([[]]);
	});

	it('with node-side filters, a cut page is asked again so the next offset skips nothing', async () => {
		const events = sim.generateAuditEvents(60, {
			eventTypes: ['user_login_failed', 'project_exported', 'user_login_succeeded'],
		});
		const wanted = events.filter((e) => e.event_type !== 'project_exported').map((e) => e.gid);
		const filters = { eventTypes: ['user_login_failed', 'user_login_succeeded'] };
		sim.resetLog();
		const first = await run(params({ limit: 5, filters }));
		expect(gidsOf(first.items)).toEqual(wanted.slice(0, 5));
		expect(auditRequests().map((r) => r.query.limit)).toEqual(['100', '7']);
		const rest = await run(
			params({
				returnAll: true,
				filters,
				options: { offset: first.items[0].json.next_offset as string },
			}),
		);
		expect(gidsOf(rest.items)).toEqual(wanted.slice(5));
	});

	it('returns one item with an empty list and the offset when nothing matches', async () => {
		const result = await run(params({ returnAll: true }));
		expect(result.items.map((i) => i.json)).toEqual([{ events: [], next_offset: null }]);
	});

	it('validates per item: end before start, limit, ids — naming the item, the parameter and the fix', async () => {
		const now = Date.now();
		const cases: Array<[INodeParameters, RegExp, RegExp]> = [
			[
				{
					filters: {
						startAt: new Date(now).toISOString(),
						endAt: new Date(now - HOUR).toISOString(),
					},
				},
				/^Item 0: Filters › End Time: .* is not after Start Time/,
				/Set End Time later than Start Time/,
			],
			[{ limit: 0 }, /^Item 0: Limit: 0 is out of range/, /whole number of at least 1/],
			[{ limit: 2.5 }, /^Item 0: Limit: 2.5 is out of range/, /Return All/],
			[
				{ filters: { actorGid: 'bob' } },
				/^Item 0: Filters › Actor ID: "bob" is not an Asana ID/,
				/digits only/,
			],
			[
				{ filters: { resourceGid: '12a' } },
				/^Item 0: Filters › Resource ID: "12a" is not an Asana ID/,
				/digits only/,
			],
			[
				{ workspace: { __rl: true, mode: 'id', value: '={{ "acme" }}' } },
				/^Item 0: Workspace: "acme" is not a workspace ID/,
				/Pick the workspace/,
			],
			[
				{ filters: { startAt: 'yesterday' } },
				/^Item 0: Filters › Start Time: "yesterday" is not a date/,
				/2026-11-01/,
			],
		];
		sim.resetLog();
		for (const [extra, message, fix] of cases) {
			const result = await run(params(extra));
			expect(result.error?.message).toMatch(message);
			expect(result.error?.message).toMatch(fix);
		}
		expect(auditRequests()).toHaveLength(0);
	});

	it('with "continue on fail" yields an error item for a bad id while the other items succeed', async () => {
		const events = sim.generateAuditEvents(10);
		const result = await run(
			params({ limit: 1, filters: { resourceGid: '={{ $json.resource }}' } }),
			[
				{ resource: events[0].resource.gid },
				{ resource: 'nope' },
				{ resource: events[3].resource.gid },
			],
			true,
		);
		expect(result.error).toBeUndefined();
		expect(pairedOf(result.items)).toEqual([0, 1, 2]);
		expect(result.items[0].json.resource).toMatchObject({ gid: events[0].resource.gid });
		expect(result.items[2].json.resource).toMatchObject({ gid: events[3].resource.gid });
		const errors = result.items.filter((i) => i.json.error);
		expect(errors).toHaveLength(1);
		expect(errors[0].pairedItem).toEqual({ item: 1 });
		expect(errors[0].json.error).toMatch(/^Item 1: Filters › Resource ID: "nope"/);
	});

	it('explains an expired starting offset and a token without audit access', async () => {
		sim.generateAuditEvents(5);
		const first = await run(params({ limit: 2 }));
		sim.expireAuditOffsets();
		const expired = await run(
			params({ limit: 2, options: { offset: first.items[0].json.next_offset as string } }),
		);
		expect(expired.error?.message).toMatch(
			/^Item 0: Options › Starting Offset: Asana no longer accepts this offset\. /,
		);
		expect(expired.error?.message).toMatch(/Start Time/);

		const personal = await run(params({ limit: 2 }), [{}], false, sim.tokens.alice);
		expect(personal.error?.message).toMatch(/^Item 0: Workspace .*403/);
		expect((personal.error as { description?: string }).description).toMatch(
			/service account token/,
		);
		expect(JSON.stringify(personal.run.data)).not.toContain(sim.tokens.alice);
	});
});
