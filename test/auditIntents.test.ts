import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import type { AuditLogEvent } from '../nodes/shared/asana/types';
import { auditChange } from '../nodes/shared/audit/auditChange';
import { AUDIT_EVENT_TYPES_BY_CATEGORY } from '../nodes/shared/audit/auditFormat';
import { toEcs } from '../nodes/shared/audit/ecs';
import { toOcsf } from '../nodes/shared/audit/ocsf';
import { runPoll, runWorkflow } from './harness';
import { ecsErrors } from './schemas/ecs';
import { ocsfErrors } from './schemas/ocsf';
import { AsanaSimulator } from './simulator';
import { AUDIT_VALUE_SAMPLES } from './simulator/auditDetails';
import type { AuditLogEvent as SimulatedAuditEvent } from './simulator/domain';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

function params(extra: INodeParameters = {}): INodeParameters {
	return { workspace: { __rl: true, mode: 'id', value: sim.workspaceGid }, start: 'now', ...extra };
}

async function poll(parameters: INodeParameters, staticData: IDataObject) {
	const result = await runPoll({
		nodeType: new AsanaAuditLogTrigger(),
		parameters,
		credentials: {
			asanaEventsApi: { accessToken: sim.tokens.serviceAccount, baseUrl: sim.baseUrl },
		},
		staticData,
		mode: 'trigger',
	});
	expect(result.error).toBeUndefined();
	return (result.items?.[0] ?? []).map((item: INodeExecutionData) => item.json);
}

const auditRequests = () => sim.requestLog.filter((r) => r.path.endsWith('/audit_log_events'));

/** The event as Asana sends it, from the simulator's sample for its type, with `details` overridden. */
function sample(type: string, details?: Record<string, unknown>): AuditLogEvent {
	return {
		gid: '1',
		created_at: '2026-03-01T10:00:00.000Z',
		event_type: type,
		event_category: 'roles',
		actor: { actor_type: 'user', gid: '2', name: 'Alice', email: 'alice@acme.test' },
		resource: { resource_type: 'user', gid: '3', name: 'Bob', email: 'bob@acme.test' },
		details: details ?? { ...AUDIT_VALUE_SAMPLES[type] },
	};
}

/** Every type with old/new values, its sample's direction: the reversed pair goes the other way. */
const DIRECTIONS: Record<string, string> = {
	user_role_changed: 'revoke',
	user_admin_role_changed: 'grant',
	user_workspace_admin_role_changed: 'revoke',
	user_division_admin_role_changed: 'grant',
	workspace_setting_changed: 'strengthen',
	domain_setting_changed: 'strengthen',
	saml_settings_changed: 'weaken',
	workspace_google_sso_settings_changed: 'weaken',
	workspace_saml_settings_changed: 'strengthen',
	workspace_saml_url_changed: 'change',
	workspace_password_requirements_changed: 'weaken',
	workspace_guest_invite_permissions_changed: 'weaken',
	workspace_file_attachment_options_changed: 'change',
	workspace_default_team_privacy_settings_changed: 'weaken',
	workspace_default_session_duration_changed: 'weaken',
	workspace_app_admin_approval_setting_changed: 'weaken',
	workspace_require_app_approvals_of_type_changed: 'strengthen',
	team_privacy_settings_changed: 'weaken',
	project_privacy_settings_changed: 'strengthen',
	service_account_name_changed: 'change',
};
const OPPOSITE: Record<string, string> = {
	grant: 'revoke',
	revoke: 'grant',
	weaken: 'strengthen',
	strengthen: 'weaken',
	change: 'change',
};
const ROLE_TYPES = AUDIT_EVENT_TYPES_BY_CATEGORY.roles;

describe('direction of a change from its old and new values', () => {
	it('covers every type the simulator sends with old and new values', () => {
		expect(Object.keys(DIRECTIONS).sort()).toEqual(Object.keys(AUDIT_VALUE_SAMPLES).sort());
	});

	it.each(Object.entries(DIRECTIONS))('%s: %s, and reversed the opposite', (type, direction) => {
		const { old_value, new_value } = AUDIT_VALUE_SAMPLES[type];
		expect(auditChange(sample(type))?.direction).toBe(direction);
		const reversed = sample(type, { old_value: new_value, new_value: old_value });
		expect(auditChange(reversed)?.direction).toBe(OPPOSITE[direction]);
		for (const event of [sample(type), reversed]) {
			const change = auditChange(event);
			const ocsf = toOcsf(event);
			const ecs = toEcs(event);
			expect(ocsfErrors(ocsf)).toEqual([]);
			expect(ecsErrors(ecs)).toEqual([]);
			// Both values travel in every schema.
			expect((ocsf.unmapped as IDataObject).change).toEqual(change);
			expect((ecs.asana as IDataObject).change).toEqual(change);
			if (ROLE_TYPES.includes(type)) {
				const activity = change?.direction === 'revoke' ? 2 : 1;
				expect([ocsf.class_uid, ocsf.activity_id]).toEqual([3005, activity]);
				expect(ocsf.activity_name).toBe(activity === 2 ? 'Revoke Privileges' : 'Assign Privileges');
				expect(ocsf.privileges).toEqual([
					activity === 2 ? event.details?.old_value : event.details?.new_value,
				]);
				expect((ecs.event as IDataObject).type).toContain('change');
				expect(ecs.user).toMatchObject({
					target: { roles: [event.details?.old_value] },
					changes: { roles: [event.details?.new_value] },
				});
			} else if (ocsf.class_uid === 3004) {
				expect(ocsf.entity).toMatchObject({ data: { value: event.details?.old_value } });
				expect(ocsf.entity_result).toMatchObject({ data: { value: event.details?.new_value } });
			}
		}
	});

	it('reads the login method array as Asana sends it', () => {
		const login = (method: unknown) =>
			toOcsf({ ...sample('user_login_succeeded', { method }), event_category: 'logins' });
		expect(login(['SAML'])).toMatchObject({ auth_protocol_id: 5, auth_protocol: 'SAML' });
		expect(login(['ONE_TIME_KEY'])).toMatchObject({
			auth_protocol_id: 99,
			auth_protocol: 'ONE_TIME_KEY',
		});
		expect(login(['GOOGLE'])).toMatchObject({ auth_protocol_id: 4 });
		expect(ocsfErrors(login(['PASSWORD']))).toEqual([]);
		expect(login(undefined).auth_protocol_id).toBeUndefined();
	});
});

/** For each intent: the documented types it reads, with details that make them match, and look-alikes that must not. */
const INTENT_CASES: Record<
	string,
	{ match: Array<Partial<SimulatedAuditEvent>>; lookAlikes: Array<Partial<SimulatedAuditEvent>> }
> = {
	adminOrRoleChanged: {
		match: ROLE_TYPES.map((event_type) => ({ event_type })),
		lookAlikes: [
			{ event_type: 'user_invited' },
			{ event_type: 'team_member_added' },
			{ event_type: 'workspace_setting_changed' },
		],
	},
	signInFailed: {
		match: [{ event_type: 'user_login_failed', details: { method: ['PASSWORD'] } }],
		lookAlikes: [
			{ event_type: 'user_login_succeeded' },
			{ event_type: 'user_forgot_password_started' },
			{ event_type: 'user_logged_out' },
		],
	},
	dataExported: {
		match: AUDIT_EVENT_TYPES_BY_CATEGORY.content_export.map((event_type) => ({ event_type })),
		lookAlikes: [{ event_type: 'attachment_uploaded' }, { event_type: 'user_csv_import_started' }],
	},
	guestOrExternalUserAdded: {
		match: [
			{
				event_type: 'user_invited',
				resource: { resource_type: 'user', gid: '91', email: 'eve@partner.test' },
			},
			{
				event_type: 'user_added_to_domain',
				resource: { resource_type: 'user', gid: '92', email: 'guest@acme.test' },
				details: { role: 'guest' },
			},
		],
		lookAlikes: [
			{
				event_type: 'user_invited',
				resource: { resource_type: 'user', gid: '93', email: 'carol@acme.test' },
			},
			{ event_type: 'team_member_added' },
			{ event_type: 'user_reprovisioned' },
		],
	},
	securitySettingChanged: {
		match: AUDIT_EVENT_TYPES_BY_CATEGORY.admin_settings
			.filter((type) => !type.startsWith('workspace_announcement_'))
			.map((event_type) => ({ event_type })),
		lookAlikes: [
			{ event_type: 'workspace_announcement_created' },
			{ event_type: 'project_privacy_settings_changed' },
			{ event_type: 'user_password_changed' },
		],
	},
	securitySettingWeakened: {
		match: [
			{ event_type: 'workspace_default_session_duration_changed' },
			{ event_type: 'workspace_password_requirements_changed' },
			{ event_type: 'workspace_guest_invite_permissions_changed' },
			{ event_type: 'workspace_google_sso_settings_changed' },
			{ event_type: 'workspace_require_two_factor_auth_disabled' },
			{ event_type: 'workspace_personal_access_token_enabled' },
		],
		lookAlikes: [
			{ event_type: 'workspace_require_app_approvals_of_type_changed' },
			{
				event_type: 'workspace_default_session_duration_changed',
				details: { old_value: 'never', new_value: '14 days' },
			},
			{ event_type: 'workspace_require_two_factor_auth_enabled' },
			{ event_type: 'workspace_saml_url_changed' },
			{ event_type: 'team_privacy_settings_changed' },
		],
	},
	appOrTokenAuthorized: {
		match: [
			{ event_type: 'user_app_authorized' },
			{ event_type: 'user_personal_access_token_authorized' },
			{ event_type: 'app_installed' },
		],
		lookAlikes: [
			{ event_type: 'user_app_revoked' },
			{ event_type: 'user_personal_access_token_revoked' },
			{ event_type: 'workspace_personal_access_token_enabled' },
		],
	},
	serviceAccountCreatedOrDeleted: {
		match: [{ event_type: 'service_account_created' }, { event_type: 'service_account_deleted' }],
		lookAlikes: [{ event_type: 'service_account_name_changed' }, { event_type: 'user_invited' }],
	},
	contentPermanentlyDeleted: {
		match: [
			{ event_type: 'task_permanently_deleted' },
			{ event_type: 'message_permanently_deleted' },
			{ event_type: 'status_update_permanently_deleted' },
		],
		lookAlikes: [
			{ event_type: 'task_deleted' },
			{ event_type: 'message_deleted' },
			{ event_type: 'project_deleted' },
		],
	},
};

describe('Trigger On', () => {
	it.each(Object.entries(INTENT_CASES))(
		'%s emits exactly its events, says so on each, and asks Asana for one type where one suffices',
		async (intent, { match, lookAlikes }) => {
			const parameters = params({ triggerOn: [intent] });
			const staticData: IDataObject = {};
			await poll(parameters, staticData);
			const wanted: string[] = [];
			for (const [i, partial] of [...match, ...lookAlikes].entries()) {
				const event = sim.addAuditEvent(partial);
				if (i < match.length) wanted.push(event.gid);
			}
			sim.resetLog();
			const items = await poll(parameters, staticData);
			expect(items.map((item) => item.gid)).toEqual(wanted);
			for (const item of items) expect(item.matched_intents).toEqual([intent]);
			const types = new Set(match.map((m) => m.event_type));
			expect(auditRequests()[0].query.event_type).toBe(
				types.size === 1 ? [...types][0] : undefined,
			);
		},
	);

	it('Sign-in From a New Method: a user’s first method is usual; another one is new, once', async () => {
		const parameters = params({ triggerOn: ['signInNewMethod'] });
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		const login = (method: string[], who = sim.users.bob) =>
			sim.addAuditEvent({
				event_type: 'user_login_succeeded',
				resource: { resource_type: 'user', gid: who.gid, name: who.name, email: who.email },
				details: { method },
			});
		login(['SAML']);
		login(['SAML']);
		const password = login(['PASSWORD']);
		login(['SAML'], sim.users.alice);
		sim.addAuditEvent({ event_type: 'user_login_failed', details: { method: ['ONE_TIME_KEY'] } });
		sim.resetLog();
		const items = await poll(parameters, staticData);
		expect(items.map((item) => item.gid)).toEqual([password.gid]);
		expect(auditRequests()[0].query.event_type).toBe('user_login_succeeded');
		// Remembered across polls: the same method again is usual now; a third is new.
		login(['PASSWORD']);
		const oneTimeKey = login(['ONE_TIME_KEY']);
		expect((await poll(parameters, staticData)).map((item) => item.gid)).toEqual([oneTimeKey.gid]);
	});

	it('several intents: each item lists every chosen intent it answers, weakened where the values say', async () => {
		const parameters = params({
			triggerOn: ['securitySettingChanged', 'signInFailed'],
			format: 'ocsf',
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.addAuditEvent({ event_type: 'workspace_default_session_duration_changed' });
		sim.addAuditEvent({ event_type: 'user_login_failed' });
		sim.addAuditEvent({ event_type: 'user_login_succeeded' });
		sim.addAuditEvent({ event_type: 'workspace_saml_url_changed' });
		sim.resetLog();
		const items = await poll(parameters, staticData);
		expect(auditRequests()[0].query.event_type).toBeUndefined();
		expect(items.map((item) => item.unmapped)).toEqual([
			expect.objectContaining({
				matched_intents: ['securitySettingChanged'],
				setting_weakened: true,
			}),
			expect.objectContaining({ matched_intents: ['signInFailed'] }),
			expect.not.objectContaining({ setting_weakened: expect.anything() }),
		]);
		for (const item of items) expect(ocsfErrors(item)).toEqual([]);
	});

	it('Any Event (the default) keeps the stream of a trigger configured before Trigger On', async () => {
		const staticData: IDataObject = {};
		await poll(params(), staticData);
		const before = JSON.stringify(staticData);
		const event = sim.addAuditEvent({ event_type: 'task_deleted' });
		const items = await poll(params({ triggerOn: ['anyEvent'] }), staticData);
		expect(items.map((item) => item.gid)).toEqual([event.gid]);
		expect(items[0].matched_intents).toBeUndefined();
		expect((staticData.auditTrigger as IDataObject).stream).toMatchObject({
			key: (JSON.parse(before).auditTrigger as IDataObject & { stream: { key: string } }).stream
				.key,
		});
	});

	it('names the parameters and the fix when Event Types and Trigger On share no type, or a choice is unknown', async () => {
		const run = (parameters: INodeParameters) =>
			runPoll({
				nodeType: new AsanaAuditLogTrigger(),
				parameters,
				credentials: {
					asanaEventsApi: { accessToken: sim.tokens.serviceAccount, baseUrl: sim.baseUrl },
				},
				staticData: {},
				mode: 'trigger',
			});
		const disjoint = await run(
			params({ triggerOn: ['signInFailed'], filters: { eventTypes: ['task_deleted'] } }),
		);
		expect(disjoint.error?.message).toMatch(/Filters › Event Types.*Trigger On/);
		expect(disjoint.error?.message).toMatch(/Clear Filters › Event Types, or add to Trigger On/);
		const unknown = await run(params({ triggerOn: ['adminGranted'] }));
		expect(unknown.error?.message).toMatch(
			/^Trigger On: "adminGranted" is not a choice. Pick from the list: Admin or Role Changed/,
		);
	});

	it('the Audit Log node filters by the same choice, in ECS, with the matched intents under asana', async () => {
		sim.addAuditEvent({ event_type: 'user_workspace_admin_role_changed' });
		sim.addAuditEvent({ event_type: 'user_invited' });
		const exported = sim.addAuditEvent({ event_type: 'workspace_export_started' });
		const result = await runWorkflow({
			nodeType: new AsanaAuditLog(),
			parameters: {
				resource: 'auditLogEvent',
				operation: 'getAll',
				workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
				returnAll: true,
				format: 'ecs',
				filters: { triggerOn: ['dataExported'] },
			},
			credentials: {
				asanaEventsApi: { accessToken: sim.tokens.serviceAccount, baseUrl: sim.baseUrl },
			},
			inputItems: [{}],
		});
		expect(result.error).toBeUndefined();
		const docs = result.items.map((item) => item.json);
		expect(docs.map((doc) => (doc.event as IDataObject).id)).toEqual([exported.gid]);
		expect(docs[0].asana).toMatchObject({ matched_intents: ['dataExported'] });
		expect(ecsErrors(docs[0])).toEqual([]);
	});
});
