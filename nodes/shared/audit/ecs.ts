import type { IDataObject } from 'n8n-workflow';

import type { AuditLogEvent } from '../asana/types';
import { actorName, auditSummary, withoutEmpty } from './auditFormat';
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
};

/** Event types not in the table above map by their category. */
const ECS_BY_CATEGORY: Record<string, EcsMapping> = {
	logins: { category: ['authentication'], type: ['info'] },
	user_access_control: userChanged,
	roles: userChanged,
	admin_settings: settingChanged,
	apps: { category: ['package'], type: ['info'] },
	content_export: contentRead,
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
	const target =
		resource.resource_type === 'user'
			? withoutEmpty({ id: resource.gid, name: resource.name ?? undefined, email: resource.email })
			: undefined;
	const user = withoutEmpty({
		id: actor.gid,
		name: actorName(actor),
		email: actor.email,
		target: target && Object.keys(target).length ? target : undefined,
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
			context: context && Object.keys(context).length ? { ...context } : undefined,
		}),
	});
}
