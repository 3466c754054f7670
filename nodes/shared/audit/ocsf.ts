import type { IDataObject } from 'n8n-workflow';

import type { AuditLogEvent } from '../asana/types';
import { actorName, auditSummary, withoutEmpty } from './auditFormat';
import { auditChange, loginMethods, ROLE_EVENT_TYPES, type AuditChange } from './auditChange';
import { auditVerb, type AuditVerb } from './auditVerb';

/** The OCSF release the events follow (metadata.version). */
export const OCSF_VERSION = '1.8.0';

const IAM_CATEGORY = { uid: 3, name: 'Identity & Access Management' };

type OcsfClassName = 'account_change' | 'authentication' | 'entity_management' | 'user_access';

/** The Identity & Access Management classes the audit log maps to, with the activities used. */
const CLASSES: Record<
	OcsfClassName,
	{
		uid: number;
		name: string;
		activities: Record<number, string>;
		byVerb: Record<AuditVerb, number>;
	}
> = {
	account_change: {
		uid: 3001,
		name: 'Account Change',
		activities: {
			1: 'Create',
			2: 'Enable',
			3: 'Password Change',
			4: 'Password Reset',
			5: 'Disable',
			6: 'Delete',
			10: 'MFA Factor Enable',
			11: 'MFA Factor Disable',
			99: 'Other',
		},
		byVerb: { create: 1, read: 99, update: 99, delete: 6, other: 99 },
	},
	authentication: {
		uid: 3002,
		name: 'Authentication',
		activities: { 1: 'Logon', 2: 'Logoff', 99: 'Other' },
		byVerb: { create: 99, read: 99, update: 99, delete: 99, other: 99 },
	},
	entity_management: {
		uid: 3004,
		name: 'Entity Management',
		activities: {
			1: 'Create',
			2: 'Read',
			3: 'Update',
			4: 'Delete',
			8: 'Enable',
			9: 'Disable',
			12: 'Suspend',
			13: 'Resume',
			99: 'Other',
		},
		byVerb: { create: 1, read: 2, update: 3, delete: 4, other: 99 },
	},
	user_access: {
		uid: 3005,
		name: 'User Access Management',
		activities: { 1: 'Assign Privileges', 2: 'Revoke Privileges', 99: 'Other' },
		byVerb: { create: 1, read: 99, update: 1, delete: 2, other: 99 },
	},
};

interface OcsfMapping {
	class: OcsfClassName;
	/** Omitted: read from the type's last word (auditVerb). */
	activity?: number;
	/** For activity 99 (Other): what Asana's event did, as OCSF asks. */
	activityName?: string;
	failure?: boolean;
	/** OCSF severity_id; omitted: Informational. */
	severity?: number;
}

/** Asana's documented event types → OCSF class and activity. */
const OCSF_BY_EVENT_TYPE: Record<string, OcsfMapping> = {
	user_login_succeeded: { class: 'authentication', activity: 1 },
	user_login_failed: { class: 'authentication', activity: 1, failure: true, severity: 2 },
	user_logged_out: { class: 'authentication', activity: 2 },
	user_invited: { class: 'account_change', activity: 1, severity: 2 },
	user_added_to_domain: { class: 'account_change', activity: 1, severity: 2 },
	user_deprovisioned: { class: 'account_change', activity: 5, severity: 2 },
	user_reprovisioned: { class: 'account_change', activity: 2, severity: 2 },
	user_removed_from_domain: { class: 'account_change', activity: 6, severity: 2 },
	user_forgot_password_started: { class: 'account_change', activity: 4, severity: 2 },
	user_password_reset: { class: 'account_change', activity: 4, severity: 2 },
	user_password_changed: { class: 'account_change', activity: 3, severity: 2 },
	user_two_factor_auth_enabled: { class: 'account_change', activity: 10, severity: 2 },
	user_two_factor_auth_disabled: { class: 'account_change', activity: 11, severity: 3 },
	user_csv_import_started: { class: 'entity_management', activity: 1, severity: 2 },
	domain_user_billing_paused: { class: 'entity_management', activity: 12, severity: 2 },
	domain_user_billing_unpaused: { class: 'entity_management', activity: 13, severity: 2 },
	user_role_changed: { class: 'user_access', activity: 1, severity: 3 },
	user_admin_role_changed: { class: 'user_access', activity: 1, severity: 4 },
	workspace_setting_changed: { class: 'entity_management', activity: 3, severity: 3 },
	domain_setting_changed: { class: 'entity_management', activity: 3, severity: 3 },
	saml_settings_changed: { class: 'entity_management', activity: 3, severity: 4 },
	app_installed: { class: 'entity_management', activity: 1, severity: 2 },
	app_uninstalled: { class: 'entity_management', activity: 4, severity: 2 },
	service_account_created: { class: 'account_change', activity: 1, severity: 3 },
	service_account_deleted: { class: 'account_change', activity: 6, severity: 2 },
	project_exported: { class: 'entity_management', activity: 2, severity: 2 },
	organization_exported: { class: 'entity_management', activity: 2, severity: 4 },
	file_downloaded: { class: 'entity_management', activity: 2, severity: 2 },
	attachment_downloaded: { class: 'entity_management', activity: 2, severity: 2 },
	task_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	project_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	portfolio_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	team_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	workspace_google_sso_settings_changed: { class: 'entity_management', activity: 3, severity: 4 },
	workspace_saml_settings_changed: { class: 'entity_management', activity: 3, severity: 4 },
	workspace_saml_url_changed: { class: 'entity_management', activity: 3, severity: 4 },
	workspace_password_requirements_changed: { class: 'entity_management', activity: 3, severity: 3 },
	workspace_force_password_reset: { class: 'entity_management', activity: 3, severity: 3 },
	workspace_guest_invite_permissions_changed: {
		class: 'entity_management',
		activity: 3,
		severity: 3,
	},
	workspace_file_attachment_options_changed: {
		class: 'entity_management',
		activity: 3,
		severity: 3,
	},
	workspace_default_team_privacy_settings_changed: {
		class: 'entity_management',
		activity: 3,
		severity: 3,
	},
	workspace_wide_reporting_enabled: { class: 'entity_management', activity: 8, severity: 3 },
	workspace_wide_reporting_disabled: { class: 'entity_management', activity: 9, severity: 3 },
	workspace_associated_email_domain_added: { class: 'entity_management', activity: 1, severity: 3 },
	workspace_associated_email_domain_removed: {
		class: 'entity_management',
		activity: 4,
		severity: 3,
	},
	workspace_require_two_factor_auth_enabled: {
		class: 'entity_management',
		activity: 8,
		severity: 3,
	},
	workspace_require_two_factor_auth_disabled: {
		class: 'entity_management',
		activity: 9,
		severity: 4,
	},
	workspace_view_links_enabled: { class: 'entity_management', activity: 8, severity: 3 },
	workspace_view_links_disabled: { class: 'entity_management', activity: 9, severity: 3 },
	workspace_default_session_duration_changed: {
		class: 'entity_management',
		activity: 3,
		severity: 3,
	},
	workspace_form_link_authentication_required_enabled: {
		class: 'entity_management',
		activity: 8,
		severity: 3,
	},
	workspace_form_link_authentication_required_disabled: {
		class: 'entity_management',
		activity: 9,
		severity: 3,
	},
	workspace_personal_access_token_enabled: { class: 'entity_management', activity: 8, severity: 3 },
	workspace_personal_access_token_disabled: {
		class: 'entity_management',
		activity: 9,
		severity: 3,
	},
	workspace_app_admin_approval_setting_changed: {
		class: 'entity_management',
		activity: 3,
		severity: 3,
	},
	workspace_require_app_approvals_of_type_changed: {
		class: 'entity_management',
		activity: 3,
		severity: 3,
	},
	workspace_form_is_embeddable_forms_enabled: {
		class: 'entity_management',
		activity: 8,
		severity: 3,
	},
	workspace_form_is_embeddable_forms_disabled: {
		class: 'entity_management',
		activity: 9,
		severity: 3,
	},
	workspace_announcement_created: { class: 'entity_management', activity: 1, severity: 2 },
	workspace_announcement_removed: { class: 'entity_management', activity: 4, severity: 2 },
	user_workspace_admin_role_changed: { class: 'user_access', activity: 1, severity: 4 },
	user_division_admin_role_changed: { class: 'user_access', activity: 1, severity: 4 },
	workspace_export_started: { class: 'entity_management', activity: 2, severity: 4 },
	search_report_export_started: { class: 'entity_management', activity: 2, severity: 2 },
	workspace_teams_export_started: { class: 'entity_management', activity: 2, severity: 2 },
	division_teams_export_started: { class: 'entity_management', activity: 2, severity: 2 },
	workspace_members_export_started: { class: 'entity_management', activity: 2, severity: 2 },
	project_csv_export_started: { class: 'entity_management', activity: 2, severity: 2 },
	project_share_link_enabled: { class: 'entity_management', activity: 8, severity: 2 },
	project_share_link_disabled: { class: 'entity_management', activity: 9, severity: 2 },
	project_view_link_enabled: { class: 'entity_management', activity: 8, severity: 2 },
	project_view_link_disabled: { class: 'entity_management', activity: 9, severity: 2 },
	team_privacy_settings_changed: { class: 'entity_management', activity: 3, severity: 2 },
	project_privacy_settings_changed: { class: 'entity_management', activity: 3, severity: 2 },
	team_member_added: { class: 'user_access', activity: 1, severity: 2 },
	team_member_removed: { class: 'user_access', activity: 2, severity: 2 },
	project_member_added: { class: 'user_access', activity: 1, severity: 2 },
	project_member_removed: { class: 'user_access', activity: 2, severity: 2 },
	team_harvest_integration_enabled: { class: 'entity_management', activity: 8, severity: 2 },
	team_harvest_integration_disabled: { class: 'entity_management', activity: 9, severity: 2 },
	user_app_authorized: { class: 'user_access', activity: 1, severity: 2 },
	user_app_revoked: { class: 'user_access', activity: 2, severity: 2 },
	user_personal_access_token_authorized: { class: 'user_access', activity: 1, severity: 3 },
	user_personal_access_token_revoked: { class: 'user_access', activity: 2, severity: 2 },
	service_account_name_changed: {
		class: 'account_change',
		activity: 99,
		activityName: 'Rename',
		severity: 2,
	},
	team_created: { class: 'entity_management', activity: 1 },
	attachment_uploaded: { class: 'entity_management', activity: 1 },
	task_permanently_deleted: { class: 'entity_management', activity: 4, severity: 3 },
	task_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	project_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	portfolio_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	goal_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	goal_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	custom_field_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	custom_field_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	message_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	message_permanently_deleted: { class: 'entity_management', activity: 4, severity: 3 },
	message_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	team_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	attachment_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	attachment_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	comment_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	comment_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	status_update_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	status_update_permanently_deleted: { class: 'entity_management', activity: 4, severity: 3 },
	status_update_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	task_template_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	task_template_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
	project_template_deleted: { class: 'entity_management', activity: 4, severity: 2 },
	project_template_undeleted: { class: 'entity_management', activity: 99, activityName: 'Restore' },
};

/** Event types not in the table above map by their category; unknown categories by Entity Management. */
const OCSF_BY_CATEGORY: Record<string, OcsfMapping> = {
	logins: { class: 'authentication' },
	user_access_control: { class: 'account_change', severity: 2 },
	roles: { class: 'user_access', severity: 3 },
	admin_settings: { class: 'entity_management', severity: 3 },
	apps: { class: 'entity_management', severity: 2 },
	content_export: { class: 'entity_management', activity: 2, severity: 2 },
	access_control: { class: 'entity_management', severity: 2 },
	creation: { class: 'entity_management', activity: 1 },
	deletion: { class: 'entity_management', activity: 4, severity: 2 },
};

const GENERIC: OcsfMapping = { class: 'entity_management' };

const SEVERITIES: Record<number, string> = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High' };

const USER_TYPES: Record<string, { type_id: number; type: string }> = {
	user: { type_id: 1, type: 'User' },
	external_administrator: { type_id: 2, type: 'Admin' },
	asana: { type_id: 3, type: 'System' },
	asana_support: { type_id: 99, type: 'Asana Support' },
	anonymous: { type_id: 0, type: 'Unknown' },
};

function ocsfMappingOf(event: AuditLogEvent): OcsfMapping & { activity: number } {
	const mapping =
		OCSF_BY_EVENT_TYPE[event.event_type] ?? OCSF_BY_CATEGORY[event.event_category] ?? GENERIC;
	return {
		...mapping,
		activity: mapping.activity ?? CLASSES[mapping.class].byVerb[auditVerb(event.event_type)],
		severity: mapping.severity ?? 1,
	};
}

function actorOf(event: AuditLogEvent): IDataObject {
	const { actor } = event;
	const kind = USER_TYPES[actor.actor_type] ?? { type_id: 99, type: actor.actor_type };
	const user = withoutEmpty({
		uid: actor.gid,
		name: actorName(actor),
		email_addr: actor.email,
		...kind,
	});
	return withoutEmpty({ user, app_name: event.context?.oauth_app_name });
}

/** The user an account or access event is about: its resource, or the actor when it names none. */
function targetUserOf(event: AuditLogEvent): IDataObject {
	const { resource } = event;
	const name = resource.name ?? resource.email;
	if (!resource.gid && !name) return actorOf(event).user as IDataObject;
	return withoutEmpty({ uid: resource.gid, name, email_addr: resource.email });
}

function entityOf(event: AuditLogEvent): IDataObject {
	const { resource } = event;
	return withoutEmpty({
		uid: resource.gid,
		name: resource.name ?? resource.email ?? (resource.gid ? undefined : event.event_type),
		type: resource.resource_type ?? resource.resource_subtype,
	});
}

function privilegesOf(event: AuditLogEvent, activity: number): string[] {
	const value = activity === 2 ? event.details?.old_value : event.details?.new_value;
	return [typeof value === 'string' && value ? value : event.event_type];
}

/** A role change is Assign Privileges when the role was raised, Revoke Privileges when lowered. */
function roleActivity(change: AuditChange | undefined, activity: number): number {
	if (change?.direction === 'grant') return 1;
	if (change?.direction === 'revoke') return 2;
	return activity;
}

/** OCSF auth_protocol_id of Asana's login methods; others are Other (99), named as Asana names them. */
const AUTH_PROTOCOLS: Record<string, { id: number; name: string }> = {
	SAML: { id: 5, name: 'SAML' },
	GOOGLE: { id: 4, name: 'OpenID' },
};

function authProtocolOf(event: AuditLogEvent): IDataObject {
	const methods = loginMethods(event);
	if (!methods.length) return {};
	const known = methods.map((method) => AUTH_PROTOCOLS[method]).find(Boolean);
	return known
		? { auth_protocol_id: known.id, auth_protocol: known.name }
		: { auth_protocol_id: 99, auth_protocol: methods.join(', ') };
}

/** A setting change: the entity with its old value, and as it is after, with its new one. */
function entityChangeOf(event: AuditLogEvent, change: AuditChange | undefined): IDataObject {
	const entity = entityOf(event);
	if (!change) return { entity };
	return {
		entity: { ...entity, data: { value: change.old_value } },
		entity_result: { ...entity, data: { value: change.new_value } },
	};
}

/** One Asana audit event as an OCSF 1.x event of the Identity & Access Management category. */
export function toOcsf(event: AuditLogEvent): IDataObject {
	const change = auditChange(event);
	const base = ocsfMappingOf(event);
	const mapping = ROLE_EVENT_TYPES.includes(event.event_type)
		? { ...base, activity: roleActivity(change, base.activity) }
		: base;
	const ocsfClass = CLASSES[mapping.class];
	const activityName = mapping.activityName ?? ocsfClass.activities[mapping.activity] ?? 'Other';
	const failed = mapping.failure === true;
	const time = Date.parse(event.created_at);
	const primary: IDataObject =
		mapping.class === 'entity_management'
			? entityChangeOf(event, change)
			: mapping.class === 'user_access'
				? { user: targetUserOf(event), privileges: privilegesOf(event, mapping.activity) }
				: mapping.class === 'authentication'
					? { user: targetUserOf(event), service: { name: 'Asana' }, ...authProtocolOf(event) }
					: { user: targetUserOf(event) };
	const { context } = event;
	return withoutEmpty({
		class_uid: ocsfClass.uid,
		class_name: ocsfClass.name,
		category_uid: IAM_CATEGORY.uid,
		category_name: IAM_CATEGORY.name,
		activity_id: mapping.activity,
		activity_name: activityName,
		type_uid: ocsfClass.uid * 100 + mapping.activity,
		type_name: `${ocsfClass.name}: ${activityName}`,
		severity_id: mapping.severity,
		severity: SEVERITIES[mapping.severity as number],
		status_id: failed ? 2 : 1,
		status: failed ? 'Failure' : 'Success',
		time: Number.isNaN(time) ? undefined : time,
		message: auditSummary(event),
		metadata: {
			version: OCSF_VERSION,
			product: { name: 'Asana', vendor_name: 'Asana' },
			uid: event.gid,
			event_code: event.event_type,
			original_time: event.created_at,
			log_name: 'audit_log_events',
		},
		actor: actorOf(event),
		...primary,
		src_endpoint: context?.client_ip_address ? { ip: context.client_ip_address } : undefined,
		http_request: context?.user_agent ? { user_agent: context.user_agent } : undefined,
		unmapped: withoutEmpty({
			event_category: event.event_category,
			actor_type: event.actor.actor_type,
			resource_type: event.resource.resource_type,
			resource_subtype: event.resource.resource_subtype,
			details: event.details && Object.keys(event.details).length ? event.details : undefined,
			change: change ? { ...change } : undefined,
			context_type: context?.context_type,
			api_authentication_method: context?.api_authentication_method,
			rule_name: context?.rule_name,
		}) as IDataObject,
	});
}
