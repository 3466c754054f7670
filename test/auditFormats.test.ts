import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import type { AuditLogEvent } from '../nodes/shared/asana/types';
import { AUDIT_EVENT_TYPES_BY_CATEGORY } from '../nodes/shared/audit/auditFormat';
import { ECS_VERSION, toEcs } from '../nodes/shared/audit/ecs';
import { OCSF_VERSION, toOcsf } from '../nodes/shared/audit/ocsf';
import { runPoll, runWorkflow } from './harness';
import { ECS_FIELD_SET_VERSION, ecsErrors } from './schemas/ecs';
import { OCSF_SCHEMA_VERSION, ocsfErrors } from './schemas/ocsf';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

const HOUR = 3_600_000;
const DOCUMENTED_TYPES = Object.values(AUDIT_EVENT_TYPES_BY_CATEGORY).flat();

/** What each documented type must become: OCSF class, activity, severity, status; ECS category, types, outcome. */
const EXPECTED: Record<
	string,
	{
		ocsf: [classUid: number, activityId: number, severityId: number, statusId?: number];
		ecs: [string, string[], string?];
	}
> = {
	user_login_succeeded: { ocsf: [3002, 1, 1], ecs: ['authentication', ['start']] },
	user_login_failed: { ocsf: [3002, 1, 2, 2], ecs: ['authentication', ['start'], 'failure'] },
	user_logged_out: { ocsf: [3002, 2, 1], ecs: ['authentication', ['end']] },
	user_invited: { ocsf: [3001, 1, 2], ecs: ['iam', ['user', 'creation']] },
	user_deprovisioned: { ocsf: [3001, 5, 2], ecs: ['iam', ['user', 'deletion']] },
	user_reprovisioned: { ocsf: [3001, 2, 2], ecs: ['iam', ['user', 'creation']] },
	user_added_to_domain: { ocsf: [3001, 1, 2], ecs: ['iam', ['user', 'creation']] },
	user_removed_from_domain: { ocsf: [3001, 6, 2], ecs: ['iam', ['user', 'deletion']] },
	user_forgot_password_started: { ocsf: [3001, 4, 2], ecs: ['iam', ['user', 'change']] },
	user_password_reset: { ocsf: [3001, 4, 2], ecs: ['iam', ['user', 'change']] },
	user_password_changed: { ocsf: [3001, 3, 2], ecs: ['iam', ['user', 'change']] },
	user_two_factor_auth_enabled: { ocsf: [3001, 10, 2], ecs: ['iam', ['user', 'change']] },
	user_two_factor_auth_disabled: { ocsf: [3001, 11, 3], ecs: ['iam', ['user', 'change']] },
	user_csv_import_started: { ocsf: [3004, 1, 2], ecs: ['iam', ['user', 'creation']] },
	domain_user_billing_paused: { ocsf: [3004, 12, 2], ecs: ['iam', ['user', 'change']] },
	domain_user_billing_unpaused: { ocsf: [3004, 13, 2], ecs: ['iam', ['user', 'change']] },
	// The simulator's samples lower these roles (member → guest, super_admin → member): revocations.
	user_role_changed: { ocsf: [3005, 2, 3], ecs: ['iam', ['user', 'change']] },
	user_admin_role_changed: { ocsf: [3005, 1, 4], ecs: ['iam', ['user', 'change', 'admin']] },
	workspace_setting_changed: { ocsf: [3004, 3, 3], ecs: ['configuration', ['change']] },
	domain_setting_changed: { ocsf: [3004, 3, 3], ecs: ['configuration', ['change']] },
	saml_settings_changed: { ocsf: [3004, 3, 4], ecs: ['configuration', ['change']] },
	app_installed: { ocsf: [3004, 1, 2], ecs: ['package', ['installation']] },
	app_uninstalled: { ocsf: [3004, 4, 2], ecs: ['package', ['deletion']] },
	service_account_created: { ocsf: [3001, 1, 3], ecs: ['iam', ['user', 'creation']] },
	service_account_deleted: { ocsf: [3001, 6, 2], ecs: ['iam', ['user', 'deletion']] },
	project_exported: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	file_downloaded: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	attachment_downloaded: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	organization_exported: { ocsf: [3004, 2, 4], ecs: ['file', ['access']] },
	task_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	project_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	portfolio_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	team_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	workspace_google_sso_settings_changed: { ocsf: [3004, 3, 4], ecs: ['configuration', ['change']] },
	workspace_saml_settings_changed: { ocsf: [3004, 3, 4], ecs: ['configuration', ['change']] },
	workspace_saml_url_changed: { ocsf: [3004, 3, 4], ecs: ['configuration', ['change']] },
	workspace_password_requirements_changed: {
		ocsf: [3004, 3, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_force_password_reset: { ocsf: [3004, 3, 3], ecs: ['configuration', ['change']] },
	workspace_guest_invite_permissions_changed: {
		ocsf: [3004, 3, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_file_attachment_options_changed: {
		ocsf: [3004, 3, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_default_team_privacy_settings_changed: {
		ocsf: [3004, 3, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_wide_reporting_enabled: { ocsf: [3004, 8, 3], ecs: ['configuration', ['change']] },
	workspace_wide_reporting_disabled: { ocsf: [3004, 9, 3], ecs: ['configuration', ['change']] },
	workspace_associated_email_domain_added: {
		ocsf: [3004, 1, 3],
		ecs: ['configuration', ['creation']],
	},
	workspace_associated_email_domain_removed: {
		ocsf: [3004, 4, 3],
		ecs: ['configuration', ['deletion']],
	},
	workspace_require_two_factor_auth_enabled: {
		ocsf: [3004, 8, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_require_two_factor_auth_disabled: {
		ocsf: [3004, 9, 4],
		ecs: ['configuration', ['change']],
	},
	workspace_view_links_enabled: { ocsf: [3004, 8, 3], ecs: ['configuration', ['change']] },
	workspace_view_links_disabled: { ocsf: [3004, 9, 3], ecs: ['configuration', ['change']] },
	workspace_default_session_duration_changed: {
		ocsf: [3004, 3, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_form_link_authentication_required_enabled: {
		ocsf: [3004, 8, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_form_link_authentication_required_disabled: {
		ocsf: [3004, 9, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_personal_access_token_enabled: {
		ocsf: [3004, 8, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_personal_access_token_disabled: {
		ocsf: [3004, 9, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_app_admin_approval_setting_changed: {
		ocsf: [3004, 3, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_require_app_approvals_of_type_changed: {
		ocsf: [3004, 3, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_form_is_embeddable_forms_enabled: {
		ocsf: [3004, 8, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_form_is_embeddable_forms_disabled: {
		ocsf: [3004, 9, 3],
		ecs: ['configuration', ['change']],
	},
	workspace_announcement_created: { ocsf: [3004, 1, 2], ecs: ['configuration', ['creation']] },
	workspace_announcement_removed: { ocsf: [3004, 4, 2], ecs: ['configuration', ['deletion']] },
	user_workspace_admin_role_changed: {
		ocsf: [3005, 2, 4],
		ecs: ['iam', ['user', 'change', 'admin']],
	},
	user_division_admin_role_changed: {
		ocsf: [3005, 1, 4],
		ecs: ['iam', ['user', 'change', 'admin']],
	},
	workspace_export_started: { ocsf: [3004, 2, 4], ecs: ['file', ['access']] },
	search_report_export_started: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	workspace_teams_export_started: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	division_teams_export_started: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	workspace_members_export_started: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	project_csv_export_started: { ocsf: [3004, 2, 2], ecs: ['file', ['access']] },
	project_share_link_enabled: { ocsf: [3004, 8, 2], ecs: ['configuration', ['change']] },
	project_share_link_disabled: { ocsf: [3004, 9, 2], ecs: ['configuration', ['change']] },
	project_view_link_enabled: { ocsf: [3004, 8, 2], ecs: ['configuration', ['change']] },
	project_view_link_disabled: { ocsf: [3004, 9, 2], ecs: ['configuration', ['change']] },
	team_privacy_settings_changed: { ocsf: [3004, 3, 2], ecs: ['configuration', ['change']] },
	project_privacy_settings_changed: { ocsf: [3004, 3, 2], ecs: ['configuration', ['change']] },
	team_member_added: { ocsf: [3005, 1, 2], ecs: ['iam', ['group', 'change']] },
	team_member_removed: { ocsf: [3005, 2, 2], ecs: ['iam', ['group', 'change']] },
	project_member_added: { ocsf: [3005, 1, 2], ecs: ['iam', ['group', 'change']] },
	project_member_removed: { ocsf: [3005, 2, 2], ecs: ['iam', ['group', 'change']] },
	team_harvest_integration_enabled: { ocsf: [3004, 8, 2], ecs: ['configuration', ['change']] },
	team_harvest_integration_disabled: { ocsf: [3004, 9, 2], ecs: ['configuration', ['change']] },
	user_app_authorized: { ocsf: [3005, 1, 2], ecs: ['iam', ['user', 'change']] },
	user_app_revoked: { ocsf: [3005, 2, 2], ecs: ['iam', ['user', 'change']] },
	user_personal_access_token_authorized: { ocsf: [3005, 1, 3], ecs: ['iam', ['user', 'change']] },
	user_personal_access_token_revoked: { ocsf: [3005, 2, 2], ecs: ['iam', ['user', 'change']] },
	service_account_name_changed: { ocsf: [3001, 99, 2], ecs: ['iam', ['user', 'change']] },
	team_created: { ocsf: [3004, 1, 1], ecs: ['iam', ['group', 'creation']] },
	attachment_uploaded: { ocsf: [3004, 1, 1], ecs: ['file', ['creation']] },
	task_permanently_deleted: { ocsf: [3004, 4, 3], ecs: ['api', ['deletion']] },
	task_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	project_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	portfolio_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	goal_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	goal_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	custom_field_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	custom_field_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	message_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	message_permanently_deleted: { ocsf: [3004, 4, 3], ecs: ['api', ['deletion']] },
	message_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	team_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	attachment_deleted: { ocsf: [3004, 4, 2], ecs: ['file', ['deletion']] },
	attachment_undeleted: { ocsf: [3004, 99, 1], ecs: ['file', ['change']] },
	comment_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	comment_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	status_update_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	status_update_permanently_deleted: { ocsf: [3004, 4, 3], ecs: ['api', ['deletion']] },
	status_update_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	task_template_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	task_template_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
	project_template_deleted: { ocsf: [3004, 4, 2], ecs: ['api', ['deletion']] },
	project_template_undeleted: { ocsf: [3004, 99, 1], ecs: ['api', ['change']] },
};

function triggerParams(extra: INodeParameters = {}): INodeParameters {
	return {
		workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
		start: 'lookBack',
		lookBackDays: 1,
		...extra,
	};
}

async function poll(parameters: INodeParameters, staticData: IDataObject = {}) {
	return await runPoll({
		nodeType: new AsanaAuditLogTrigger(),
		parameters,
		credentials: {
			asanaEventsApi: { accessToken: sim.tokens.serviceAccount, baseUrl: sim.baseUrl },
		},
		staticData,
		mode: 'trigger',
	});
}

async function getMany(extra: INodeParameters) {
	return await runWorkflow({
		nodeType: new AsanaAuditLog(),
		parameters: {
			resource: 'auditLogEvent',
			operation: 'getAll',
			workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
			returnAll: true,
			...extra,
		},
		credentials: {
			asanaEventsApi: { accessToken: sim.tokens.serviceAccount, baseUrl: sim.baseUrl },
		},
		inputItems: [{}],
	});
}

/** One event of every documented type, with the simulator's actors and contexts for each. */
const everyDocumentedType = () =>
	sim.generateAuditEvents(DOCUMENTED_TYPES.length, {
		from: Date.now() - 2 * HOUR,
		to: Date.now() - HOUR,
		eventTypes: DOCUMENTED_TYPES,
	});

const triggerItems = async (parameters: INodeParameters) => {
	const result = await poll(parameters);
	expect(result.error).toBeUndefined();
	return (result.items?.[0] ?? []).map((item: INodeExecutionData) => item.json);
};

type Emitted = Array<{ gid: string; event_type: string }>;

function expectOcsf(events: Emitted, items: IDataObject[]) {
	expect(items).toHaveLength(events.length);
	const mismatches = events.flatMap((event, i) => {
		const item = items[i];
		const [classUid, activityId, severityId, statusId = 1] = EXPECTED[event.event_type].ocsf;
		const got = [item.class_uid, item.activity_id, item.severity_id, item.status_id];
		const errors = ocsfErrors(item);
		const wrongClass =
			JSON.stringify(got) !== JSON.stringify([classUid, activityId, severityId, statusId]);
		const wrongEvent = (item.metadata as IDataObject).uid !== event.gid;
		return errors.length || wrongClass || wrongEvent
			? [{ type: event.event_type, got, errors, uid: (item.metadata as IDataObject).uid }]
			: [];
	});
	expect(mismatches).toEqual([]);
}

function expectEcs(events: Emitted, items: IDataObject[]) {
	expect(items).toHaveLength(events.length);
	const mismatches = events.flatMap((event, i) => {
		const item = items[i];
		const ecsEvent = item.event as IDataObject;
		const [category, types, outcome = 'success'] = EXPECTED[event.event_type].ecs;
		const got = [ecsEvent.category, ecsEvent.type, ecsEvent.outcome];
		const errors = ecsErrors(item);
		const wrongMapping = JSON.stringify(got) !== JSON.stringify([[category], types, outcome]);
		return errors.length || wrongMapping || ecsEvent.id !== event.gid
			? [{ type: event.event_type, got, errors }]
			: [];
	});
	expect(mismatches).toEqual([]);
}

describe('Audit Output Format', () => {
	it('the expectations cover exactly the documented event types', () => {
		expect(Object.keys(EXPECTED).sort()).toEqual([...DOCUMENTED_TYPES].sort());
		expect(OCSF_VERSION).toBe(OCSF_SCHEMA_VERSION);
		expect(ECS_VERSION).toBe(ECS_FIELD_SET_VERSION);
	});

	it('OCSF: the trigger maps every documented type to its class, valid against the class schema', async () => {
		const events = everyDocumentedType();
		expectOcsf(events, await triggerItems(triggerParams({ format: 'ocsf' })));
	});

	it('ECS: the trigger maps every documented type, every field in the ECS field set', async () => {
		const events = everyDocumentedType();
		expectEcs(events, await triggerItems(triggerParams({ format: 'ecs' })));
	});

	it.each([
		['ocsf', 'eachEvent'],
		['ocsf', 'allEvents'],
		['ecs', 'eachEvent'],
		['ecs', 'allEvents'],
	] as const)(
		'%s: the action node maps every documented type the same way, every document valid (%s)',
		async (format, output) => {
			const events = everyDocumentedType();
			const result = await getMany({
				format,
				options: { splitIntoItems: output === 'eachEvent' },
			});
			expect(result.error).toBeUndefined();
			const items = result.items.map((item) => item.json);
			if (output === 'allEvents') expect(items).toHaveLength(1);
			const documents = output === 'eachEvent' ? items : (items[0].events as IDataObject[]);
			(format === 'ocsf' ? expectOcsf : expectEcs)(events, documents);
		},
	);

	it('fills actor, source IP, user agent, status and product from the Asana event', async () => {
		sim.addAuditEvent({
			event_type: 'user_login_failed',
			event_category: 'logins',
			actor: { actor_type: 'anonymous', email: 'mallory@evil.test' },
			context: {
				context_type: 'web',
				client_ip_address: '203.0.113.9',
				user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
			},
		});
		const [ocsf] = await triggerItems(triggerParams({ format: 'ocsf' }));
		expect(ocsf).toMatchObject({
			class_uid: 3002,
			category_uid: 3,
			type_uid: 300201,
			activity_name: 'Logon',
			status_id: 2,
			status: 'Failure',
			actor: { user: { name: 'mallory@evil.test', email_addr: 'mallory@evil.test', type_id: 0 } },
			user: { name: 'Alice Admin', email_addr: 'alice@acme.test' },
			src_endpoint: { ip: '203.0.113.9' },
			http_request: { user_agent: 'Mozilla/5.0 (X11; Linux x86_64)' },
			metadata: { version: '1.8.0', product: { name: 'Asana', vendor_name: 'Asana' } },
			unmapped: { event_category: 'logins', actor_type: 'anonymous', context_type: 'web' },
		});
		expect(ocsfErrors(ocsf)).toEqual([]);
		const [ecs] = await triggerItems(triggerParams({ format: 'ecs' }));
		expect(ecs).toMatchObject({
			ecs: { version: '9.4.0' },
			event: { kind: 'event', action: 'user_login_failed', outcome: 'failure' },
			user: { name: 'mallory@evil.test', target: { name: 'Alice Admin' } },
			source: { ip: '203.0.113.9' },
			user_agent: { original: 'Mozilla/5.0 (X11; Linux x86_64)' },
		});
		expect(ecs['@timestamp']).toEqual(expect.any(String));
	});

	it('maps types Asana adds later by category, or generically, and never fails', async () => {
		const later = [
			sim.addAuditEvent({ event_type: 'user_session_revoked', event_category: 'logins' }),
			sim.addAuditEvent({ event_type: 'workflow_rule_deleted', event_category: 'automation' }),
			sim.addAuditEvent({ event_type: 'user_guest_role_removed', event_category: 'roles' }),
			sim.addAuditEvent({
				event_type: 'ai_summary_viewed',
				event_category: 'ai',
				actor: { actor_type: 'asana' },
				resource: { resource_type: 'ai_summary', gid: '' },
				context: { context_type: 'asana' },
			}),
		];
		const ocsf = await triggerItems(triggerParams({ format: 'ocsf' }));
		expect(ocsf.map((e) => [e.class_uid, e.activity_id, e.severity_id])).toEqual([
			[3002, 99, 1],
			[3004, 4, 1],
			[3005, 2, 3],
			[3004, 2, 1],
		]);
		expect(ocsf[2].privileges).toEqual(['user_guest_role_removed']);
		for (const event of ocsf) expect(ocsfErrors(event)).toEqual([]);
		const ecs = await triggerItems(triggerParams({ format: 'ecs' }));
		expect(
			ecs.map((e) => [(e.event as IDataObject).category, (e.event as IDataObject).type]),
		).toEqual([
			[['authentication'], ['info']],
			[['api'], ['deletion']],
			[['iam'], ['user', 'change']],
			[['api'], ['access']],
		]);
		for (const document of ecs) expect(ecsErrors(document)).toEqual([]);
		expect(ocsf.map((e) => (e.metadata as IDataObject).uid)).toEqual(later.map((e) => e.gid));
	});

	it('Output Format is Simplified unless set, on the trigger and the action node; Asana gives the record as it is', async () => {
		sim.addAuditEvent({ event_type: 'file_downloaded' });
		const unset = await triggerItems(triggerParams());
		expect(unset).toEqual(await triggerItems(triggerParams({ format: 'simplified' })));
		expect(unset[0]).toMatchObject({
			event_type: 'file_downloaded',
			category: 'content_export',
			summary: expect.any(String),
		});
		const asana = await triggerItems(triggerParams({ format: 'asana' }));
		expect(asana[0]).toMatchObject({
			event_type: 'file_downloaded',
			event_category: 'content_export',
		});
		expect(asana[0].summary).toBeUndefined();

		const unsetAction = await getMany({});
		const simplifiedAction = await getMany({ format: 'simplified' });
		const withoutOffset = ({ next_offset: _offset, ...event }: IDataObject) => event;
		expect(unsetAction.items.map((i) => withoutOffset(i.json))).toEqual(
			simplifiedAction.items.map((i) => withoutOffset(i.json)),
		);
		expect(unsetAction.items[0].json).toMatchObject({
			event_type: 'file_downloaded',
			summary: expect.any(String),
		});
	});

	it('a changed Output Format keeps the stream: the next poll emits only the new events', async () => {
		const staticData: IDataObject = {};
		sim.addAuditEvent({ event_type: 'user_login_succeeded' });
		expect((await poll(triggerParams(), staticData)).items?.[0]).toHaveLength(1);
		const next = sim.addAuditEvent({ event_type: 'team_deleted', event_category: 'deletion' });
		const result = await poll(triggerParams({ format: 'ocsf' }), staticData);
		expect(result.items?.[0].map((item) => (item.json.metadata as IDataObject).uid)).toEqual([
			next.gid,
		]);
	});

	it('an unknown Output Format fails with a message that names the field and the choices', async () => {
		const result = await poll(triggerParams({ format: 'cef' }));
		expect(result.error?.message).toBe(
			'Output Format: "cef" is not a format. Pick Simplified, Asana, OCSF or Elastic Common Schema.',
		);
	});
});

describe('schema checks (test side)', () => {
	const event: AuditLogEvent = {
		gid: '1',
		created_at: '2026-11-01T10:00:00.000Z',
		event_type: 'user_login_succeeded',
		event_category: 'logins',
		actor: { actor_type: 'user', gid: '2', name: 'Bo', email: 'bo@acme.test' },
		resource: { resource_type: 'user', gid: '2', name: 'Bo', email: 'bo@acme.test' },
		context: { context_type: 'web', client_ip_address: '10.0.0.1', user_agent: 'UA' },
	};

	it('the OCSF check rejects what breaks the class schema', () => {
		const valid = toOcsf(event);
		expect(ocsfErrors(valid)).toEqual([]);
		const broken = (change: (e: IDataObject) => void) => {
			const copy = JSON.parse(JSON.stringify(valid)) as IDataObject;
			change(copy);
			return ocsfErrors(copy);
		};
		expect(broken((e) => delete e.user)).toEqual(['user: required by authentication']);
		expect(broken((e) => (e.colour = 'red'))).toEqual([
			'colour: not an attribute of authentication',
		]);
		expect(broken((e) => (e.time = '2026-11-01'))).toEqual([
			'time: "2026-11-01" is not timestamp_t',
		]);
		expect(broken((e) => (e.activity_id = 7))).toContain(
			'type_uid: 300201, class_uid × 100 + activity_id is 300207',
		);
		expect(broken((e) => (e.activity_id = 42))).toContain('activity_id: 42 is not in the enum');
		expect(broken((e) => (e.src_endpoint = { ip: 'not-an-ip' }))).toEqual([
			'src_endpoint.ip: "not-an-ip" does not match ip_t',
		]);
		expect(broken((e) => ((e.metadata as IDataObject).product = { lang: 'en' }))).toEqual([
			'metadata.product: needs at least one of name, uid',
		]);
		expect(broken((e) => ((e.actor as IDataObject).user = { nickname: 'b' }))).toEqual([
			'actor.user: needs at least one of account, name, uid',
			'actor.user.nickname: not an attribute of user',
		]);
		expect(broken((e) => (e.class_uid = 9999))).toEqual(['class_uid: 9999 is not a kept class']);
	});

	it('the ECS check rejects field names, values and types ECS does not have', () => {
		const valid = toEcs(event);
		expect(ecsErrors(valid)).toEqual([]);
		const broken = (change: (e: IDataObject) => void) => {
			const copy = JSON.parse(JSON.stringify(valid)) as IDataObject;
			change(copy);
			return ecsErrors(copy);
		};
		expect(broken((e) => delete e['@timestamp'])).toEqual(['@timestamp: required by ECS']);
		expect(broken((e) => ((e.user as IDataObject).nickname = 'b'))).toEqual([
			'user.nickname: not an ECS field',
		]);
		expect(broken((e) => ((e.event as IDataObject).kind = 'audit'))).toEqual([
			'event.kind: "audit" is not an allowed value',
		]);
		expect(broken((e) => ((e.event as IDataObject).type = ['deletion']))).toEqual([
			'event.type: deletion is not expected for authentication',
		]);
		expect(broken((e) => ((e.event as IDataObject).category = 'authentication'))).toEqual([
			'event.category: ECS expects an array',
		]);
		expect(broken((e) => ((e.source as IDataObject).ip = 'nowhere'))).toEqual([
			'source.ip: "nowhere" is not a ip',
		]);
	});
});
