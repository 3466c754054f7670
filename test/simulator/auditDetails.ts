/**
 * The `details` of the simulator's audit events, per event type, as Asana sends them.
 *
 * Sources:
 * - Asana's OpenAPI description, AuditLogEventDetails (kept in openapi/asana_oas.subset.yaml):
 *   `old_value` and `new_value` are strings (or null), `group` an object scoping division role
 *   changes, `saml_response` a string on user_login_succeeded and user_login_failed; other
 *   fields vary by event type.
 * - Asana's list of supported audit log events (https://developers.asana.com/docs/audit-log-events):
 *   the event types, their categories and the resource each operates on.
 * - Asana's published sample events: a login's `method` is an array of upper-case strings
 *   (["SAML"], ["ONE_TIME_KEY"]); user_workspace_admin_role_changed carries roles such as
 *   super_admin → member; service_account_created names a resource of type `user`;
 *   workspace_saml_settings_changed names an `email_domain`; settings changes carry values
 *   such as "14 days" → "never", "strong" → "simple", "admins_only" → "anyone", "off" →
 *   "all_apps".
 */

/** Login methods Asana sends, one array per sign-in. */
const LOGIN_METHODS = [['SAML'], ['PASSWORD'], ['GOOGLE'], ['ONE_TIME_KEY']];

/** Event types whose details carry old and new values, each with a sample pair (as Asana sends it). */
export const AUDIT_VALUE_SAMPLES: Record<string, { old_value: string; new_value: string }> = {
	user_role_changed: { old_value: 'member', new_value: 'guest' },
	user_admin_role_changed: { old_value: 'member', new_value: 'admin' },
	user_workspace_admin_role_changed: { old_value: 'super_admin', new_value: 'member' },
	user_division_admin_role_changed: { old_value: 'member', new_value: 'division_admin' },
	workspace_setting_changed: { old_value: 'members', new_value: 'admins_only' },
	domain_setting_changed: { old_value: 'optional', new_value: 'required' },
	saml_settings_changed: { old_value: 'required', new_value: 'optional' },
	workspace_google_sso_settings_changed: { old_value: 'required', new_value: 'off' },
	workspace_saml_settings_changed: { old_value: 'optional', new_value: 'required' },
	workspace_saml_url_changed: {
		old_value: 'https://idp.acme.test/saml',
		new_value: 'https://login.acme.test/saml',
	},
	workspace_password_requirements_changed: { old_value: 'strong', new_value: 'simple' },
	workspace_guest_invite_permissions_changed: { old_value: 'admins_only', new_value: 'anyone' },
	workspace_file_attachment_options_changed: {
		old_value: 'asana, google_drive',
		new_value: 'asana, google_drive, dropbox',
	},
	workspace_default_team_privacy_settings_changed: {
		old_value: 'request_to_join',
		new_value: 'public_to_domain',
	},
	workspace_default_session_duration_changed: { old_value: '14 days', new_value: 'never' },
	workspace_app_admin_approval_setting_changed: { old_value: 'all_apps', new_value: 'off' },
	workspace_require_app_approvals_of_type_changed: { old_value: 'off', new_value: 'all_apps' },
	team_privacy_settings_changed: { old_value: 'secret', new_value: 'request_to_join' },
	project_privacy_settings_changed: { old_value: 'public_to_workspace', new_value: 'private' },
	service_account_name_changed: { old_value: 'SIEM export', new_value: 'SIEM export (prod)' },
};

export function auditDetails(eventType: string, random: () => number): Record<string, unknown> {
	if (eventType === 'user_login_succeeded' || eventType === 'user_login_failed') {
		const method = LOGIN_METHODS[Math.floor(random() * LOGIN_METHODS.length)];
		return method[0] === 'SAML' ? { method, saml_response: null } : { method };
	}
	const values = AUDIT_VALUE_SAMPLES[eventType];
	if (eventType === 'user_division_admin_role_changed')
		return { ...values, group: { resource_type: 'division', name: 'EMEA' } };
	if (values) return { ...values };
	if (eventType === 'project_exported') return { format: random() < 0.5 ? 'csv' : 'json' };
	return {};
}
