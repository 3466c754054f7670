import type { IDataObject } from 'n8n-workflow';

import type { AuditLogEvent } from '../asana/types';
import { actorName, auditSummary, withoutEmpty } from './auditFormat';
import { auditChange, ROLE_EVENT_TYPES } from './auditChange';
import { auditVerb, type AuditVerb } from './auditVerb';

/** The ECS release the documents follow (ecs.version). */
export const ECS_VERSION = '9.4.0';

interface EcsMapping {
	category: string[];
	type: string[];
	failure?: boolean;
}

const userCreated: EcsMapping = { category: ['iam'], type: ['user', 'creation'] };
const userChanged: EcsMapping = { category: ['iam'], type: ['user', 'change'] };
const userDeleted: EcsMapping = { category: ['iam'], type: ['user', 'deletion'] };
const settingChanged: EcsMapping = { category: ['configuration'], type: ['change'] };
const contentRead: EcsMapping = { category: ['file'], type: ['access'] };
const objectDeleted: EcsMapping = { category: ['api'], type: ['deletion'] };

/** Asana's documented event types → ECS event.category and event.type. */
const ECS_BY_EVENT_TYPE: Record<string, EcsMapping> = {
	user_login_succeeded: { category: ['authentication'], type: ['start'] },
	user_login_failed: { category: ['authentication'], type: ['start'], failure: true },
	user_logged_out: { category: ['authentication'], type: ['end'] },
	user_invited: userCreated,
	user_added_to_domain: userCreated,
	user_reprovisioned: userCreated,
	user_csv_import_started: userCreated,
	user_deprovisioned: userDeleted,
	user_removed_from_domain: userDeleted,
	user_forgot_password_started: userChanged,
	user_password_reset: userChanged,
	user_password_changed: userChanged,
	user_two_factor_auth_enabled: userChanged,
	user_two_factor_auth_disabled: userChanged,
	domain_user_billing_paused: userChanged,
	domain_user_billing_unpaused: userChanged,
	user_role_changed: userChanged,
	user_admin_role_changed: { category: ['iam'], type: ['user', 'change', 'admin'] },
	workspace_setting_changed: settingChanged,
	domain_setting_changed: settingChanged,
	saml_settings_changed: settingChanged,
	app_installed: { category: ['package'], type: ['installation'] },
	app_uninstalled: { category: ['package'], type: ['deletion'] },
	service_account_created: userCreated,
	service_account_deleted: userDeleted,
	project_exported: contentRead,
	organization_exported: contentRead,
	file_downloaded: contentRead,
	attachment_downloaded: contentRead,
	task_deleted: objectDeleted,
	project_deleted: objectDeleted,
	portfolio_deleted: objectDeleted,
	team_deleted: objectDeleted,
	workspace_google_sso_settings_changed: { category: ['configuration'], type: ['change'] },
	workspace_saml_settings_changed: { category: ['configuration'], type: ['change'] },
	workspace_saml_url_changed: { category: ['configuration'], type: ['change'] },
	workspace_password_requirements_changed: { category: ['configuration'], type: ['change'] },
	workspace_force_password_reset: { category: ['configuration'], type: ['change'] },
	workspace_guest_invite_permissions_changed: { category: ['configuration'], type: ['change'] },
	workspace_file_attachment_options_changed: { category: ['configuration'], type: ['change'] },
	workspace_default_team_privacy_settings_changed: {
		category: ['configuration'],
		type: ['change'],
	},
	workspace_wide_reporting_enabled: { category: ['configuration'], type: ['change'] },
	workspace_wide_reporting_disabled: { category: ['configuration'], type: ['change'] },
	workspace_associated_email_domain_added: { category: ['configuration'], type: ['creation'] },
	workspace_associated_email_domain_removed: { category: ['configuration'], type: ['deletion'] },
	workspace_require_two_factor_auth_enabled: { category: ['configuration'], type: ['change'] },
	workspace_require_two_factor_auth_disabled: { category: ['configuration'], type: ['change'] },
	workspace_view_links_enabled: { category: ['configuration'], type: ['change'] },
	workspace_view_links_disabled: { category: ['configuration'], type: ['change'] },
	workspace_default_session_duration_changed: { category: ['configuration'], type: ['change'] },
	workspace_form_link_authentication_required_enabled: {
		category: ['configuration'],
		type: ['change'],
	},
	workspace_form_link_authentication_required_disabled: {
		category: ['configuration'],
		type: ['change'],
	},
	workspace_personal_access_token_enabled: { category: ['configuration'], type: ['change'] },
	workspace_personal_access_token_disabled: { category: ['configuration'], type: ['change'] },
	workspace_app_admin_approval_setting_changed: { category: ['configuration'], type: ['change'] },
	workspace_require_app_approvals_of_type_changed: {
		category: ['configuration'],
		type: ['change'],
	},
	workspace_form_is_embeddable_forms_enabled: { category: ['configuration'], type: ['change'] },
	workspace_form_is_embeddable_forms_disabled: { category: ['configuration'], type: ['change'] },
	workspace_announcement_created: { category: ['configuration'], type: ['creation'] },
	workspace_announcement_removed: { category: ['configuration'], type: ['deletion'] },
	user_workspace_admin_role_changed: { category: ['iam'], type: ['user', 'change', 'admin'] },
	user_division_admin_role_changed: { category: ['iam'], type: ['user', 'change', 'admin'] },
	workspace_export_started: { category: ['file'], type: ['access'] },
	search_report_export_started: { category: ['file'], type: ['access'] },
	workspace_teams_export_started: { category: ['file'], type: ['access'] },
	division_teams_export_started: { category: ['file'], type: ['access'] },
	workspace_members_export_started: { category: ['file'], type: ['access'] },
	project_csv_export_started: { category: ['file'], type: ['access'] },
	project_share_link_enabled: { category: ['configuration'], type: ['change'] },
	project_share_link_disabled: { category: ['configuration'], type: ['change'] },
	project_view_link_enabled: { category: ['configuration'], type: ['change'] },
	project_view_link_disabled: { category: ['configuration'], type: ['change'] },
	team_privacy_settings_changed: { category: ['configuration'], type: ['change'] },
	project_privacy_settings_changed: { category: ['configuration'], type: ['change'] },
	team_member_added: { category: ['iam'], type: ['group', 'change'] },
	team_member_removed: { category: ['iam'], type: ['group', 'change'] },
	project_member_added: { category: ['iam'], type: ['group', 'change'] },
	project_member_removed: { category: ['iam'], type: ['group', 'change'] },
	team_harvest_integration_enabled: { category: ['configuration'], type: ['change'] },
	team_harvest_integration_disabled: { category: ['configuration'], type: ['change'] },
	user_app_authorized: { category: ['iam'], type: ['user', 'change'] },
	user_app_revoked: { category: ['iam'], type: ['user', 'change'] },
	user_personal_access_token_authorized: { category: ['iam'], type: ['user', 'change'] },
	user_personal_access_token_revoked: { category: ['iam'], type: ['user', 'change'] },
	service_account_name_changed: { category: ['iam'], type: ['user', 'change'] },
	team_created: { category: ['iam'], type: ['group', 'creation'] },
	attachment_uploaded: { category: ['file'], type: ['creation'] },
	task_permanently_deleted: { category: ['api'], type: ['deletion'] },
	task_undeleted: { category: ['api'], type: ['change'] },
	project_undeleted: { category: ['api'], type: ['change'] },
	portfolio_undeleted: { category: ['api'], type: ['change'] },
	goal_deleted: { category: ['api'], type: ['deletion'] },
	goal_undeleted: { category: ['api'], type: ['change'] },
	custom_field_deleted: { category: ['api'], type: ['deletion'] },
	custom_field_undeleted: { category: ['api'], type: ['change'] },
	message_deleted: { category: ['api'], type: ['deletion'] },
	message_permanently_deleted: { category: ['api'], type: ['deletion'] },
	message_undeleted: { category: ['api'], type: ['change'] },
	team_undeleted: { category: ['api'], type: ['change'] },
	attachment_deleted: { category: ['file'], type: ['deletion'] },
	attachment_undeleted: { category: ['file'], type: ['change'] },
	comment_deleted: { category: ['api'], type: ['deletion'] },
	comment_undeleted: { category: ['api'], type: ['change'] },
	status_update_deleted: { category: ['api'], type: ['deletion'] },
	status_update_permanently_deleted: { category: ['api'], type: ['deletion'] },
	status_update_undeleted: { category: ['api'], type: ['change'] },
	task_template_deleted: { category: ['api'], type: ['deletion'] },
	task_template_undeleted: { category: ['api'], type: ['change'] },
	project_template_deleted: { category: ['api'], type: ['deletion'] },
	project_template_undeleted: { category: ['api'], type: ['change'] },
};

/** Event types not in the table above map by their category. */
const ECS_BY_CATEGORY: Record<string, EcsMapping> = {
	logins: { category: ['authentication'], type: ['info'] },
	user_access_control: userChanged,
	roles: userChanged,
	admin_settings: settingChanged,
	apps: { category: ['package'], type: ['info'] },
	content_export: contentRead,
	access_control: settingChanged,
	creation: { category: ['api'], type: ['creation'] },
	deletion: objectDeleted,
};

/** Unknown categories: an API call of Asana's, its type read from the event type's last word. */
const GENERIC_TYPE: Record<AuditVerb, string> = {
	create: 'creation',
	read: 'access',
	update: 'change',
	delete: 'deletion',
	other: 'info',
};

function ecsMappingOf(event: AuditLogEvent): EcsMapping {
	return (
		ECS_BY_EVENT_TYPE[event.event_type] ??
		ECS_BY_CATEGORY[event.event_category] ?? {
			category: ['api'],
			type: [GENERIC_TYPE[auditVerb(event.event_type)]],
		}
	);
}

/**
 * One Asana audit event as an ECS document. Asana's own fields that ECS has no place for
 * (category, actor type, resource, details, context) stay under `asana`.
 */
export function toEcs(event: AuditLogEvent): IDataObject {
	const mapping = ecsMappingOf(event);
	const { actor, resource, context } = event;
	const change = auditChange(event);
	// A role change: the user's role before (user.target.roles) and after (user.changes.roles).
	const roles = change && ROLE_EVENT_TYPES.includes(event.event_type) ? change : undefined;
	const target =
		resource.resource_type === 'user'
			? withoutEmpty({
					id: resource.gid,
					name: resource.name ?? undefined,
					email: resource.email,
					roles: roles?.old_value ? [roles.old_value] : undefined,
				})
			: undefined;
	const user = withoutEmpty({
		id: actor.gid,
		name: actorName(actor),
		email: actor.email,
		target: target && Object.keys(target).length ? target : undefined,
		changes: roles?.new_value ? { roles: [roles.new_value] } : undefined,
	});
	const relatedUsers = [
		...new Set(
			[
				actor.name,
				actor.email,
				resource.resource_type === 'user' ? resource.email : undefined,
			].filter((value): value is string => typeof value === 'string' && value !== ''),
		),
	];
	return withoutEmpty({
		'@timestamp': event.created_at,
		message: auditSummary(event),
		ecs: { version: ECS_VERSION },
		event: {
			kind: 'event',
			category: mapping.category,
			type: mapping.type,
			action: event.event_type,
			outcome: mapping.failure ? 'failure' : 'success',
			id: event.gid,
			provider: 'asana',
			module: 'asana',
			dataset: 'asana.audit',
		},
		user,
		source: context?.client_ip_address ? { ip: context.client_ip_address } : undefined,
		user_agent: context?.user_agent ? { original: context.user_agent } : undefined,
		related: withoutEmpty({
			user: relatedUsers.length ? relatedUsers : undefined,
			ip: context?.client_ip_address ? [context.client_ip_address] : undefined,
		}),
		asana: withoutEmpty({
			event_category: event.event_category,
			actor_type: actor.actor_type,
			resource: withoutEmpty({ ...resource }),
			details: event.details && Object.keys(event.details).length ? event.details : undefined,
			change: change ? { ...change } : undefined,
			context: context && Object.keys(context).length ? { ...context } : undefined,
		}),
	});
}
