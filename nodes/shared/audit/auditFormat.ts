import type { IDataObject, INodePropertyOptions } from 'n8n-workflow';

import type { AuditLogEvent } from '../asana/types';
import { auditChange, loginMethods } from './auditChange';

/** Documented event types by category; Asana adds types over time, so free entry stays open. */
export const AUDIT_EVENT_TYPES_BY_CATEGORY: Record<string, string[]> = {
	logins: ['user_login_succeeded', 'user_login_failed', 'user_logged_out'],
	user_access_control: [
		'user_invited',
		'user_deprovisioned',
		'user_reprovisioned',
		'user_added_to_domain',
		'user_removed_from_domain',
		'user_forgot_password_started',
		'user_password_reset',
		'user_password_changed',
		'user_two_factor_auth_enabled',
		'user_two_factor_auth_disabled',
		'user_csv_import_started',
		'domain_user_billing_paused',
		'domain_user_billing_unpaused',
	],
	roles: [
		'user_role_changed',
		'user_admin_role_changed',
		'user_workspace_admin_role_changed',
		'user_division_admin_role_changed',
	],
	admin_settings: [
		'workspace_setting_changed',
		'domain_setting_changed',
		'saml_settings_changed',
		'workspace_google_sso_settings_changed',
		'workspace_saml_settings_changed',
		'workspace_saml_url_changed',
		'workspace_password_requirements_changed',
		'workspace_force_password_reset',
		'workspace_guest_invite_permissions_changed',
		'workspace_file_attachment_options_changed',
		'workspace_default_team_privacy_settings_changed',
		'workspace_wide_reporting_enabled',
		'workspace_wide_reporting_disabled',
		'workspace_associated_email_domain_added',
		'workspace_associated_email_domain_removed',
		'workspace_require_two_factor_auth_enabled',
		'workspace_require_two_factor_auth_disabled',
		'workspace_view_links_enabled',
		'workspace_view_links_disabled',
		'workspace_default_session_duration_changed',
		'workspace_form_link_authentication_required_enabled',
		'workspace_form_link_authentication_required_disabled',
		'workspace_personal_access_token_enabled',
		'workspace_personal_access_token_disabled',
		'workspace_app_admin_approval_setting_changed',
		'workspace_require_app_approvals_of_type_changed',
		'workspace_form_is_embeddable_forms_enabled',
		'workspace_form_is_embeddable_forms_disabled',
		'workspace_announcement_created',
		'workspace_announcement_removed',
	],
	apps: [
		'app_installed',
		'app_uninstalled',
		'service_account_created',
		'service_account_deleted',
		'team_harvest_integration_enabled',
		'team_harvest_integration_disabled',
		'user_app_authorized',
		'user_app_revoked',
		'user_personal_access_token_authorized',
		'user_personal_access_token_revoked',
		'service_account_name_changed',
	],
	content_export: [
		'project_exported',
		'file_downloaded',
		'attachment_downloaded',
		'organization_exported',
		'workspace_export_started',
		'search_report_export_started',
		'workspace_teams_export_started',
		'division_teams_export_started',
		'workspace_members_export_started',
		'project_csv_export_started',
	],
	deletion: [
		'task_deleted',
		'project_deleted',
		'portfolio_deleted',
		'team_deleted',
		'task_permanently_deleted',
		'task_undeleted',
		'project_undeleted',
		'portfolio_undeleted',
		'goal_deleted',
		'goal_undeleted',
		'custom_field_deleted',
		'custom_field_undeleted',
		'message_deleted',
		'message_permanently_deleted',
		'message_undeleted',
		'team_undeleted',
		'attachment_deleted',
		'attachment_undeleted',
		'comment_deleted',
		'comment_undeleted',
		'status_update_deleted',
		'status_update_permanently_deleted',
		'status_update_undeleted',
		'task_template_deleted',
		'task_template_undeleted',
		'project_template_deleted',
		'project_template_undeleted',
	],
	access_control: [
		'project_share_link_enabled',
		'project_share_link_disabled',
		'project_view_link_enabled',
		'project_view_link_disabled',
		'team_privacy_settings_changed',
		'project_privacy_settings_changed',
		'team_member_added',
		'team_member_removed',
		'project_member_added',
		'project_member_removed',
	],
	creation: ['team_created', 'attachment_uploaded'],
};

function title(value: string): string {
	return value
		.split('_')
		.map((word) => word.charAt(0).toUpperCase() + word.slice(1))
		.join(' ');
}

export const AUDIT_EVENT_TYPE_OPTIONS: INodePropertyOptions[] = Object.entries(
	AUDIT_EVENT_TYPES_BY_CATEGORY,
)
	.flatMap(([category, types]) =>
		types.map((type) => ({ name: `${title(category)}: ${title(type)}`, value: type })),
	)
	.sort((a, b) => a.name.localeCompare(b.name));

export const AUDIT_CATEGORY_OPTIONS: INodePropertyOptions[] = Object.keys(
	AUDIT_EVENT_TYPES_BY_CATEGORY,
)
	.map((category) => ({ name: title(category), value: category }))
	.sort((a, b) => a.name.localeCompare(b.name));

export const AUDIT_ACTOR_TYPE_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Anonymous', value: 'anonymous' },
	{ name: 'Any', value: '' },
	{ name: 'Asana', value: 'asana' },
	{ name: 'Asana Support', value: 'asana_support' },
	{ name: 'External Administrator', value: 'external_administrator' },
	{ name: 'User', value: 'user' },
];

function actorLabel(event: AuditLogEvent): string {
	const { actor } = event;
	if (actor.name && actor.email) return `${actor.name} (${actor.email})`;
	return (
		actor.name ?? actor.email ?? (actor.actor_type === 'user' ? 'A user' : title(actor.actor_type))
	);
}

/** The actor's name for the schemas' user fields: the email or the kind of actor where Asana gives none. */
export function actorName(actor: AuditLogEvent['actor']): string {
	return actor.name ?? actor.email ?? title(actor.actor_type);
}

/** The object without its undefined, null and empty-text fields: schema output carries no empty attributes. */
export function withoutEmpty(object: IDataObject): IDataObject {
	return Object.fromEntries(
		Object.entries(object).filter(
			([, value]) => value !== undefined && value !== null && value !== '',
		),
	);
}

function resourceLabel(event: AuditLogEvent): string {
	const { resource } = event;
	const kind = (resource.resource_subtype ?? resource.resource_type ?? 'object').replace(/_/g, ' ');
	const name = resource.name ?? resource.email ?? resource.gid;
	return name ? `${kind} "${name}"` : kind;
}

/** One line a person can read in a chat message. */
export function auditSummary(event: AuditLogEvent): string {
	const what = event.event_type.replace(/_/g, ' ');
	const ip = event.context?.client_ip_address ? ` from ${event.context.client_ip_address}` : '';
	return `${actorLabel(event)}: ${what} — ${resourceLabel(event)}${ip}`;
}

/** The flat shape for chat and routing. */
export function simplifyAuditEvent(event: AuditLogEvent): IDataObject {
	return {
		gid: event.gid,
		time: event.created_at,
		event_type: event.event_type,
		category: event.event_category,
		actor: {
			type: event.actor.actor_type,
			name: event.actor.name ?? null,
			email: event.actor.email ?? null,
			gid: event.actor.gid ?? null,
		},
		resource: {
			type: event.resource.resource_type ?? null,
			subtype: event.resource.resource_subtype ?? null,
			name: event.resource.name ?? null,
			gid: event.resource.gid ?? null,
		},
		ip: event.context?.client_ip_address ?? null,
		user_agent: event.context?.user_agent ?? null,
		change: auditChange(event) ?? null,
		login_method: event.event_category === 'logins' ? loginMethods(event) : null,
		summary: auditSummary(event),
	};
}
