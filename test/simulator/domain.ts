/**
 * The simulator's in-memory Asana: objects, event streams with sync tokens, the audit log
 * with offsets, and seeded generators of realistic activity. No HTTP here; server.ts maps
 * requests onto these methods and index.ts wraps them in the public API.
 */
import { createHash, randomBytes } from 'crypto';
import { auditDetails } from './auditDetails';

export type Tier = 'free' | 'premium' | 'enterprise_plus';

export interface Compact {
	gid: string;
	resource_type: string;
	name?: string;
	resource_subtype?: string;
}

export interface User extends Compact {
	email: string;
	isServiceAccount: boolean;
}
export interface Workspace extends Compact {
	tier: Tier;
}
export interface Project extends Compact {
	workspaceGid: string;
	/** The team the project belongs to (every project of an organization has one). */
	teamGid?: string;
	archived: boolean;
	ownerGid: string | null;
	createdAt: string;
	modifiedAt: string;
	/**
	 * The token's user lost access (its sharing changed): the project and its events answer 403.
	 * Listings leave it out, as Asana's do, unless `listed` says they still show it.
	 */
	restricted?: { listed: boolean };
}
export interface Team extends Compact {
	workspaceGid: string;
}
export interface Portfolio extends Compact {
	workspaceGid: string;
	ownerGid: string;
	/** Projects and portfolios in it, in the order added. */
	itemGids: string[];
}
export interface Task extends Compact {
	workspaceGid: string;
	projectGids: Set<string>;
	parentGid?: string;
	assigneeGid?: string;
	completed: boolean;
	/** When it was completed last; null while incomplete. */
	completedAt: string | null;
	due_on: string | null;
	due_at: string | null;
	notes: string;
	deleted: boolean;
	/** The section the task is in, by project. */
	sections: Map<string, string>;
	/** Made private since: reading the task answers 403, its events still flow to streams that had them. */
	restricted?: boolean;
	followers: Set<string>;
	createdAt: string;
	createdByGid: string | null;
	/** Moves with every event on the task, its stories included, as Asana's `modified_at` does. */
	modifiedAt: string;
}
export interface Goal extends Compact {
	workspaceGid: string;
	status: string;
	ownerGid: string | null;
	due_on: string | null;
}
export interface Section extends Compact {
	projectGid: string;
}
/** A custom field definition; `resource_subtype` is its type (enum, text, number ...). */
export interface CustomField extends Compact {
	workspaceGid: string;
}
export interface Story extends Compact {
	text: string;
	taskGid: string;
	createdAt: string;
	createdByGid: string | null;
	/** A system story's details, as Asana's StoryResponse names them (its conditional fields). */
	details?: StoryDetails;
}

interface StoryDates {
	due_on?: string;
	due_at: string | null;
}

export interface StoryDetails {
	/** As Asana's StoryResponseDates: `due_on` absent when there is no due day. */
	old_dates?: StoryDates;
	new_dates?: StoryDates;
	old_section?: Compact;
	new_section?: Compact;
	project?: Compact;
	assignee?: Compact | null;
	custom_field?: Compact;
}

/**
 * What happened in the simulated Asana, one entry per change a person (or the system) made,
 * whatever events and stories it produced: the record an oracle judges a poller against.
 * Kinds are the simulator's own words, not the pack's.
 */
export interface RealChange {
	kind:
		| 'task_created'
		| 'subtask_created'
		| 'task_added_to_project'
		| 'task_removed_from_project'
		| 'task_moved_to_section'
		| 'task_completed'
		| 'task_reopened'
		| 'task_assigned'
		| 'task_unassigned'
		| 'due_date_changed'
		| 'task_renamed'
		| 'notes_changed'
		| 'follower_added'
		| 'follower_removed'
		| 'custom_field_changed'
		| 'task_field_changed'
		| 'task_touched'
		| 'comment_added'
		| 'task_deleted'
		| 'task_undeleted'
		| 'status_update_posted'
		| 'goal_changed';
	/** The instant of all its events. */
	at: string;
	byGid: string | null;
	taskGid?: string;
	/** The project a task was created in, added to or removed from; the section's project. */
	projectGids?: string[];
	sectionGid?: string;
	parentGid?: string;
	/** The comment, system story or status update it made. */
	storyGid?: string;
	assigneeGid?: string;
	customFieldGid?: string;
	/** A due date change: the dates after it. */
	due?: { due_on: string | null; due_at: string | null };
	field?: string;
	/** The streams its events reached, each with the position of its first event there. */
	streams: Array<{ stream: string; position: number }>;
}

interface EventChange {
	field: string;
	action: string;
	new_value?: unknown;
	added_value?: unknown;
	removed_value?: unknown;
}

export interface SimEvent {
	user: Compact | null;
	resource: Compact;
	type: string;
	action: string;
	parent: Compact | null;
	created_at: string;
	change?: EventChange;
}

export interface AuditLogEvent {
	gid: string;
	created_at: string;
	event_type: string;
	event_category: string;
	actor: { actor_type: string; gid?: string; name?: string; email?: string };
	resource: {
		resource_type: string;
		resource_subtype?: string;
		gid: string;
		name?: string | null;
		email?: string;
	};
	details: Record<string, unknown>;
	context: {
		context_type: string;
		api_authentication_method?: string;
		client_ip_address?: string;
		user_agent?: string;
		oauth_app_name?: string;
	};
}

export interface AuditQuery {
	start_at?: string;
	end_at?: string;
	event_type?: string;
	actor_type?: string;
	actor_gid?: string;
	resource_gid?: string;
}

const AUDIT_LOG_EPOCH = Date.parse('2021-10-08T00:00:00Z');
const AUDIT_RETENTION_MS = 90 * 24 * 3600 * 1000;
export const AUDIT_ACTOR_TYPES = [
	'user',
	'asana',
	'asana_support',
	'anonymous',
	'external_administrator',
];

type AuditActorKind = 'user' | 'admin' | 'anonymous' | 'external_administrator';
type AuditContextKind = 'login' | 'web' | 'api';

/** Event types the generator knows, with their category, resource, usual actor and channel. */
export const AUDIT_EVENT_TYPES: Record<
	string,
	{ category: string; resource: string; actor: AuditActorKind; via: AuditContextKind }
> = {
	user_login_succeeded: { category: 'logins', resource: 'user', actor: 'user', via: 'login' },
	user_login_failed: { category: 'logins', resource: 'user', actor: 'anonymous', via: 'login' },
	user_logged_out: { category: 'logins', resource: 'user', actor: 'user', via: 'login' },
	user_invited: { category: 'user_access_control', resource: 'user', actor: 'admin', via: 'web' },
	user_deprovisioned: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'external_administrator',
		via: 'api',
	},
	user_reprovisioned: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'external_administrator',
		via: 'api',
	},
	user_added_to_domain: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'admin',
		via: 'web',
	},
	user_removed_from_domain: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'admin',
		via: 'web',
	},
	user_forgot_password_started: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'anonymous',
		via: 'web',
	},
	user_password_reset: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'user',
		via: 'web',
	},
	user_password_changed: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'user',
		via: 'web',
	},
	user_two_factor_auth_enabled: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'user',
		via: 'web',
	},
	user_two_factor_auth_disabled: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'user',
		via: 'web',
	},
	user_csv_import_started: {
		category: 'user_access_control',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	domain_user_billing_paused: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'admin',
		via: 'web',
	},
	domain_user_billing_unpaused: {
		category: 'user_access_control',
		resource: 'user',
		actor: 'admin',
		via: 'web',
	},
	user_role_changed: { category: 'roles', resource: 'user', actor: 'admin', via: 'web' },
	user_admin_role_changed: { category: 'roles', resource: 'user', actor: 'admin', via: 'web' },
	workspace_setting_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	domain_setting_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	saml_settings_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	app_installed: { category: 'apps', resource: 'app', actor: 'admin', via: 'web' },
	app_uninstalled: { category: 'apps', resource: 'app', actor: 'admin', via: 'web' },
	service_account_created: {
		category: 'apps',
		resource: 'service_account',
		actor: 'admin',
		via: 'web',
	},
	service_account_deleted: {
		category: 'apps',
		resource: 'service_account',
		actor: 'admin',
		via: 'web',
	},
	project_exported: { category: 'exports', resource: 'project', actor: 'user', via: 'api' },
	organization_exported: {
		category: 'content_export',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	file_downloaded: {
		category: 'content_export',
		resource: 'attachment',
		actor: 'user',
		via: 'web',
	},
	attachment_downloaded: {
		category: 'content_export',
		resource: 'attachment',
		actor: 'user',
		via: 'web',
	},
	task_deleted: { category: 'deletion', resource: 'task', actor: 'user', via: 'web' },
	project_deleted: { category: 'deletion', resource: 'project', actor: 'user', via: 'web' },
	portfolio_deleted: { category: 'deletion', resource: 'portfolio', actor: 'user', via: 'web' },
	team_deleted: { category: 'deletion', resource: 'team', actor: 'admin', via: 'web' },
	workspace_google_sso_settings_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_saml_settings_changed: {
		category: 'admin_settings',
		resource: 'email_domain',
		actor: 'admin',
		via: 'web',
	},
	workspace_saml_url_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_password_requirements_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_force_password_reset: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_guest_invite_permissions_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_file_attachment_options_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_default_team_privacy_settings_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_wide_reporting_enabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_wide_reporting_disabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_associated_email_domain_added: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_associated_email_domain_removed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_require_two_factor_auth_enabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_require_two_factor_auth_disabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_view_links_enabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_view_links_disabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_default_session_duration_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_form_link_authentication_required_enabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_form_link_authentication_required_disabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_personal_access_token_enabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_personal_access_token_disabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_app_admin_approval_setting_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_require_app_approvals_of_type_changed: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_form_is_embeddable_forms_enabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_form_is_embeddable_forms_disabled: {
		category: 'admin_settings',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	workspace_announcement_created: {
		category: 'admin_settings',
		resource: 'workspace_announcement',
		actor: 'admin',
		via: 'web',
	},
	workspace_announcement_removed: {
		category: 'admin_settings',
		resource: 'workspace_announcement',
		actor: 'admin',
		via: 'web',
	},
	user_workspace_admin_role_changed: {
		category: 'roles',
		resource: 'user',
		actor: 'admin',
		via: 'web',
	},
	user_division_admin_role_changed: {
		category: 'roles',
		resource: 'user',
		actor: 'admin',
		via: 'web',
	},
	workspace_export_started: {
		category: 'content_export',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	search_report_export_started: {
		category: 'content_export',
		resource: 'search',
		actor: 'user',
		via: 'web',
	},
	workspace_teams_export_started: {
		category: 'content_export',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	division_teams_export_started: {
		category: 'content_export',
		resource: 'division',
		actor: 'admin',
		via: 'web',
	},
	workspace_members_export_started: {
		category: 'content_export',
		resource: 'workspace',
		actor: 'admin',
		via: 'web',
	},
	project_csv_export_started: {
		category: 'content_export',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	project_share_link_enabled: {
		category: 'access_control',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	project_share_link_disabled: {
		category: 'access_control',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	project_view_link_enabled: {
		category: 'access_control',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	project_view_link_disabled: {
		category: 'access_control',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	team_privacy_settings_changed: {
		category: 'access_control',
		resource: 'team',
		actor: 'user',
		via: 'web',
	},
	project_privacy_settings_changed: {
		category: 'access_control',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	team_member_added: { category: 'access_control', resource: 'team', actor: 'user', via: 'web' },
	team_member_removed: { category: 'access_control', resource: 'team', actor: 'user', via: 'web' },
	project_member_added: {
		category: 'access_control',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	project_member_removed: {
		category: 'access_control',
		resource: 'project',
		actor: 'user',
		via: 'web',
	},
	team_harvest_integration_enabled: {
		category: 'apps',
		resource: 'team',
		actor: 'user',
		via: 'web',
	},
	team_harvest_integration_disabled: {
		category: 'apps',
		resource: 'team',
		actor: 'user',
		via: 'web',
	},
	user_app_authorized: { category: 'apps', resource: 'user', actor: 'user', via: 'web' },
	user_app_revoked: { category: 'apps', resource: 'user', actor: 'user', via: 'web' },
	user_personal_access_token_authorized: {
		category: 'apps',
		resource: 'user',
		actor: 'user',
		via: 'web',
	},
	user_personal_access_token_revoked: {
		category: 'apps',
		resource: 'user',
		actor: 'user',
		via: 'web',
	},
	service_account_name_changed: {
		category: 'apps',
		resource: 'service_account',
		actor: 'admin',
		via: 'web',
	},
	team_created: { category: 'creation', resource: 'team', actor: 'user', via: 'web' },
	attachment_uploaded: { category: 'creation', resource: 'attachment', actor: 'user', via: 'web' },
	task_permanently_deleted: { category: 'deletion', resource: 'task', actor: 'user', via: 'web' },
	task_undeleted: { category: 'deletion', resource: 'task', actor: 'user', via: 'web' },
	project_undeleted: { category: 'deletion', resource: 'project', actor: 'user', via: 'web' },
	portfolio_undeleted: { category: 'deletion', resource: 'portfolio', actor: 'user', via: 'web' },
	goal_deleted: { category: 'deletion', resource: 'goal', actor: 'user', via: 'web' },
	goal_undeleted: { category: 'deletion', resource: 'goal', actor: 'user', via: 'web' },
	custom_field_deleted: {
		category: 'deletion',
		resource: 'custom_field',
		actor: 'user',
		via: 'web',
	},
	custom_field_undeleted: {
		category: 'deletion',
		resource: 'custom_field',
		actor: 'user',
		via: 'web',
	},
	message_deleted: { category: 'deletion', resource: 'message', actor: 'user', via: 'web' },
	message_permanently_deleted: {
		category: 'deletion',
		resource: 'message',
		actor: 'user',
		via: 'web',
	},
	message_undeleted: { category: 'deletion', resource: 'message', actor: 'user', via: 'web' },
	team_undeleted: { category: 'deletion', resource: 'team', actor: 'user', via: 'web' },
	attachment_deleted: { category: 'deletion', resource: 'attachment', actor: 'user', via: 'web' },
	attachment_undeleted: { category: 'deletion', resource: 'attachment', actor: 'user', via: 'web' },
	comment_deleted: { category: 'deletion', resource: 'story', actor: 'user', via: 'web' },
	comment_undeleted: { category: 'deletion', resource: 'story', actor: 'user', via: 'web' },
	status_update_deleted: {
		category: 'deletion',
		resource: 'status_update',
		actor: 'user',
		via: 'web',
	},
	status_update_permanently_deleted: {
		category: 'deletion',
		resource: 'status_update',
		actor: 'user',
		via: 'web',
	},
	status_update_undeleted: {
		category: 'deletion',
		resource: 'status_update',
		actor: 'user',
		via: 'web',
	},
	task_template_deleted: {
		category: 'deletion',
		resource: 'task_template',
		actor: 'user',
		via: 'web',
	},
	task_template_undeleted: {
		category: 'deletion',
		resource: 'task_template',
		actor: 'user',
		via: 'web',
	},
	project_template_deleted: {
		category: 'deletion',
		resource: 'project_template',
		actor: 'user',
		via: 'web',
	},
	project_template_undeleted: {
		category: 'deletion',
		resource: 'project_template',
		actor: 'user',
		via: 'web',
	},
};

/** What generateAudit cycles through unless told otherwise: the types a domain logs most, in this order. */
export const GENERATED_AUDIT_MIX = [
	'user_login_succeeded',
	'user_login_failed',
	'user_logged_out',
	'user_invited',
	'user_deprovisioned',
	'user_role_changed',
	'task_deleted',
	'project_deleted',
	'project_exported',
	'file_downloaded',
	'workspace_setting_changed',
	'app_installed',
];

const USER_AGENTS: Record<string, string> = {
	web: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
	desktop:
		'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Asana/2.3.0 Chrome/126.0 Electron/31.0',
	mobile: 'Asana/9.41.1 (iPhone; iOS 17.5.1)',
	api: 'python-asana/5.0.7',
};

/** Seeded PRNG (mulberry32), so generated activity is the same on every run. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Audit order: created_at, then gid numerically (gids are decimal strings). */
export function compareAudit(
	a: { created_at: string; gid: string },
	b: { created_at: string; gid: string },
): number {
	if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
	if (a.gid.length !== b.gid.length) return a.gid.length - b.gid.length;
	return a.gid < b.gid ? -1 : a.gid > b.gid ? 1 : 0;
}

/** First index of a sorted list whose entry comes after `position` (or, with `inclusive`, at it). */
function lowerBound(
	list: AuditLogEvent[],
	position: { created_at: string; gid: string },
	inclusive: boolean,
): number {
	let low = 0;
	let high = list.length;
	while (low < high) {
		const mid = (low + high) >>> 1;
		const order = compareAudit(list[mid], position);
		if (order < 0 || (order === 0 && !inclusive)) low = mid + 1;
		else high = mid;
	}
	return low;
}

/** Bytes that base64 writes as "++//"; with the 16 of a digest, the padding adds "==". */
const OPAQUE_TOKEN_PREFIX = Buffer.from([0xfb, 0xef, 0xff]);

interface SyncToken {
	stream: string;
	position: number;
	issuedAt: number;
	serial: number;
}

interface AuditOffset {
	/** created_at and gid of the last event the page ended on. */
	t: string;
	g: string;
	/** Filter fingerprint, issue time and serial (for expiry). */
	f: string;
	i: number;
	n: number;
}

export type EventsPage =
	{ ok: true; data: SimEvent[]; sync: string; has_more: boolean } | { ok: false; sync: string };

export type AuditPage =
	{ ok: true; data: AuditLogEvent[]; offset: string | null } | { ok: false; error: string };

/**
 * A 412 answered to a token the client presented: the events of `stream` from `from` (the
 * presented token's position, unknown when the token never existed or was dropped for age)
 * up to `to` (where the fresh token starts) are gone for that client.
 */
export interface SyncGap {
	stream: string;
	from?: number;
	to: number;
}

type EventDraft = {
	user: Compact | null;
	resource: Compact;
	action: string;
	parent?: Compact | null;
	change?: EventChange;
};

export class Domain {
	readonly users = new Map<string, User>();
	readonly workspaces = new Map<string, Workspace>();
	readonly projects = new Map<string, Project>();
	readonly teams = new Map<string, Team>();
	readonly portfolios = new Map<string, Portfolio>();
	readonly tasks = new Map<string, Task>();
	readonly goals = new Map<string, Goal>();
	readonly stories = new Map<string, Story>();
	readonly sections = new Map<string, Section>();
	readonly customFields = new Map<string, CustomField>();
	/** Each project's custom field settings (setting gid, field gid), in the order they were added. */
	readonly projectCustomFields = new Map<string, Array<{ gid: string; fieldGid: string }>>();
	/** Append-only event lists per stream gid (task, project, goal or workspace); an event is stored once and referenced from every stream it reaches. */
	readonly streams = new Map<string, SimEvent[]>();
	/** Audit events per workspace, kept sorted by compareAudit. */
	readonly audit = new Map<string, AuditLogEvent[]>();
	readonly random: () => number;
	/** Every 412 answered to a presented token, in order: what Asana dropped for the client. */
	readonly syncGaps: SyncGap[] = [];

	/** Tokens in issue order, so the oldest can be dropped cheaply once they are past their age. */
	private readonly syncTokens = new Map<string, SyncToken>();
	private tokenSerial = 0;
	/** Tokens with a serial at or below these are expired (all streams / one stream). */
	private tokensExpiredUpTo = 0;
	private readonly streamTokensExpiredUpTo = new Map<string, number>();
	private readonly secret = randomBytes(8).toString('hex');
	private offsetSerial = 0;
	private offsetsExpiredUpTo = 0;
	private nextGid = 1_200_000_000_000_001n;
	/** Last event time handed out: event times are unique and rising, so no two events share a composite key. */
	private lastEventMs = 0;

	constructor(
		readonly now: () => number,
		seed: number,
		public syncTokenMaxAgeMs: number,
		public auditOffsetMaxAgeMs: number,
	) {
		this.random = seededRandom(seed);
	}

	gid(): string {
		return String(this.nextGid++);
	}

	private iso(ms = this.now()): string {
		return new Date(ms).toISOString();
	}

	compact(object: Compact): Compact {
		const out: Compact = {
			gid: object.gid,
			resource_type: object.resource_type,
			name: object.name,
		};
		if (object.resource_subtype) out.resource_subtype = object.resource_subtype;
		return out;
	}

	userCompact(gid: string | null | undefined): Compact | null {
		if (!gid) return null;
		const user = this.users.get(gid);
		return user
			? { gid: user.gid, resource_type: 'user', name: user.name }
			: { gid, resource_type: 'user' };
	}

	/** What kind of object a gid is, for routing and for the events endpoint. */
	kindOf(gid: string): string | undefined {
		if (this.tasks.has(gid)) return 'task';
		if (this.projects.has(gid)) return 'project';
		if (this.goals.has(gid)) return 'goal';
		if (this.teams.has(gid)) return 'team';
		if (this.portfolios.has(gid)) return 'portfolio';
		if (this.users.has(gid)) return 'user';
		if (this.workspaces.has(gid)) return 'workspace';
		if (this.stories.has(gid)) return 'story';
		return undefined;
	}

	/** People who do things in generated activity: every user but service accounts. */
	people(): User[] {
		return [...this.users.values()].filter((u) => !u.isServiceAccount);
	}

	// ---- objects -----------------------------------------------------------------------

	addWorkspace(name: string, tier: Tier = 'enterprise_plus'): Workspace {
		const workspace: Workspace = { gid: this.gid(), resource_type: 'workspace', name, tier };
		this.workspaces.set(workspace.gid, workspace);
		return workspace;
	}

	addUser(name: string, email: string, isServiceAccount: boolean): User {
		const user: User = { gid: this.gid(), resource_type: 'user', name, email, isServiceAccount };
		this.users.set(user.gid, user);
		return user;
	}

	createTeam(name: string, workspaceGid: string): Team {
		this.workspace(workspaceGid);
		const team: Team = { gid: this.gid(), resource_type: 'team', name, workspaceGid };
		this.teams.set(team.gid, team);
		return team;
	}

	createPortfolio(name: string, workspaceGid: string, ownerGid: string): Portfolio {
		this.workspace(workspaceGid);
		const portfolio: Portfolio = {
			gid: this.gid(),
			resource_type: 'portfolio',
			name,
			workspaceGid,
			ownerGid,
			itemGids: [],
		};
		this.portfolios.set(portfolio.gid, portfolio);
		return portfolio;
	}

	addToPortfolio(portfolioGid: string, itemGid: string): void {
		const portfolio = this.portfolio(portfolioGid);
		if (!this.projects.has(itemGid) && !this.portfolios.has(itemGid))
			throw new Error(`simulator: no project or portfolio ${itemGid}`);
		if (!portfolio.itemGids.includes(itemGid)) portfolio.itemGids.push(itemGid);
	}

	removeFromPortfolio(portfolioGid: string, itemGid: string): void {
		const portfolio = this.portfolio(portfolioGid);
		portfolio.itemGids = portfolio.itemGids.filter((gid) => gid !== itemGid);
	}

	archiveProject(projectGid: string, archived: boolean): void {
		this.project(projectGid).archived = archived;
	}

	/** The project answers 403 from now on (see Project.restricted); `false` gives access back. */
	restrictProject(projectGid: string, restricted: boolean, listed = false): void {
		const project = this.project(projectGid);
		if (restricted) project.restricted = { listed };
		else delete project.restricted;
	}

	/** Gone from every listing and portfolio; its events endpoint answers 404 from now on. */
	deleteProject(projectGid: string): void {
		this.project(projectGid);
		this.projects.delete(projectGid);
		for (const portfolio of this.portfolios.values())
			portfolio.itemGids = portfolio.itemGids.filter((gid) => gid !== projectGid);
	}

	createProject(
		name: string,
		workspaceGid: string,
		ownerGid: string | null = null,
		teamGid?: string,
	): Project {
		this.workspace(workspaceGid);
		if (teamGid !== undefined && this.team(teamGid).workspaceGid !== workspaceGid)
			throw new Error(`simulator: team ${teamGid} is not in workspace ${workspaceGid}`);
		const project: Project = {
			gid: this.gid(),
			resource_type: 'project',
			name,
			workspaceGid,
			...(teamGid !== undefined ? { teamGid } : {}),
			archived: false,
			ownerGid,
			createdAt: this.iso(),
			modifiedAt: this.iso(),
		};
		this.projects.set(project.gid, project);
		return project;
	}

	createGoal(name: string, workspaceGid: string, ownerGid: string | null = null): Goal {
		this.workspace(workspaceGid);
		const goal: Goal = {
			gid: this.gid(),
			resource_type: 'goal',
			name,
			workspaceGid,
			status: 'on_track',
			ownerGid,
			due_on: null,
		};
		this.goals.set(goal.gid, goal);
		return goal;
	}

	workspace(gid: string): Workspace {
		const workspace = this.workspaces.get(gid);
		if (!workspace) throw new Error(`simulator: no workspace ${gid}`);
		return workspace;
	}
	project(gid: string): Project {
		const project = this.projects.get(gid);
		if (!project) throw new Error(`simulator: no project ${gid}`);
		return project;
	}
	team(gid: string): Team {
		const team = this.teams.get(gid);
		if (!team) throw new Error(`simulator: no team ${gid}`);
		return team;
	}
	portfolio(gid: string): Portfolio {
		const portfolio = this.portfolios.get(gid);
		if (!portfolio) throw new Error(`simulator: no portfolio ${gid}`);
		return portfolio;
	}
	task(gid: string): Task {
		const task = this.tasks.get(gid);
		if (!task) throw new Error(`simulator: no task ${gid}`);
		return task;
	}
	goal(gid: string): Goal {
		const goal = this.goals.get(gid);
		if (!goal) throw new Error(`simulator: no goal ${gid}`);
		return goal;
	}

	// ---- events ------------------------------------------------------------------------

	/** What happened, one entry per change, in order (see RealChange). */
	readonly changes: RealChange[] = [];

	/**
	 * The instant of the next change. Asana writes every event and system story of one change
	 * at one instant (a completion: `completed`, `completed_at` and a `marked_complete` story);
	 * changes get distinct, rising instants here, so that no two changes share a composite key.
	 */
	private nextInstant(): string {
		this.lastEventMs = Math.max(this.now(), this.lastEventMs + 1);
		return this.iso(this.lastEventMs);
	}

	private event(draft: EventDraft, at: string): SimEvent {
		const event: SimEvent = {
			user: draft.user,
			resource: draft.resource,
			type: draft.resource.resource_type,
			action: draft.action,
			parent: draft.parent ?? null,
			created_at: at,
		};
		if (draft.change) event.change = draft.change;
		return event;
	}

	private push(stream: string, event: SimEvent): void {
		let list = this.streams.get(stream);
		if (!list) this.streams.set(stream, (list = []));
		list.push(event);
	}

	/** Emits the events of one change into `streams`; returns where the change starts in each. */
	private emit(streams: string[], drafts: EventDraft[], at: string): RealChange['streams'] {
		const positions = streams.map((stream) => ({
			stream,
			position: this.streams.get(stream)?.length ?? 0,
		}));
		for (const draft of drafts) {
			const event = this.event(draft, at);
			for (const stream of streams) this.push(stream, event);
		}
		return positions;
	}

	private record(change: Omit<RealChange, 'streams'>, streams: RealChange['streams']): void {
		this.changes.push({ ...change, streams });
	}

	/**
	 * Repeats the task's latest event with the same time and content: what Asana sends when a
	 * field changes twice within one millisecond. Two real events that no key can tell apart.
	 */
	twinLastTaskEvent(taskGid: string): void {
		const task = this.task(taskGid);
		const last = this.streams.get(task.gid)?.at(-1);
		if (!last) throw new Error(`simulator: task ${taskGid} has no event to repeat`);
		const twin: SimEvent = { ...last };
		for (const stream of this.taskStreams(task)) this.push(stream, twin);
	}

	/** Streams an event on a task reaches: the task, its ancestors, all their projects, the workspace. */
	taskStreams(task: Task): string[] {
		const streams = new Set<string>();
		for (
			let current: Task | undefined = task;
			current;
			current = current.parentGid ? this.tasks.get(current.parentGid) : undefined
		) {
			if (streams.has(current.gid)) break;
			streams.add(current.gid);
			for (const projectGid of current.projectGids) streams.add(projectGid);
		}
		streams.add(task.workspaceGid);
		return [...streams];
	}

	/** The events of one change on a task, at one instant, into every stream the task reaches then. */
	private emitTask(task: Task, drafts: EventDraft[], at: string): RealChange['streams'] {
		task.modifiedAt = at;
		return this.emit(this.taskStreams(task), drafts, at);
	}

	/**
	 * A system story, as Asana writes one with a change: listed among the task's stories, and an
	 * `added` story event (parent: the task) of the change.
	 */
	private systemStory(
		task: Task,
		subtype: string,
		text: string,
		by: string | null,
		at: string,
		details?: StoryDetails,
	): EventDraft {
		const story: Story = {
			gid: this.gid(),
			resource_type: 'story',
			resource_subtype: subtype,
			name: text,
			text,
			taskGid: task.gid,
			createdAt: at,
			createdByGid: by,
			...(details ? { details } : {}),
		};
		this.stories.set(story.gid, story);
		return {
			user: this.userCompact(by),
			resource: this.compact(story),
			action: 'added',
			parent: this.compact(task),
		};
	}

	/** The sections of a project, in the order created. */
	sectionsOf(projectGid: string): Section[] {
		return [...this.sections.values()].filter((section) => section.projectGid === projectGid);
	}

	/**
	 * Where a task lands in a project it joins: `sectionGid` if it is one of the project's,
	 * else the project's first section; none when the project has no sections. Asana reports
	 * the landing as an `added` event with the section as parent.
	 */
	private placeInProject(
		task: Task,
		projectGid: string,
		by: string | null,
		sectionGid?: string,
	): EventDraft[] {
		const section =
			sectionGid && this.section(sectionGid).projectGid === projectGid
				? this.section(sectionGid)
				: this.sectionsOf(projectGid)[0];
		if (!section) return [];
		task.sections.set(projectGid, section.gid);
		return [
			{
				user: this.userCompact(by),
				resource: this.compact(task),
				action: 'added',
				parent: this.compact(section),
			},
		];
	}

	createTask(opts: {
		name: string;
		projectGids?: string[];
		parentGid?: string;
		assigneeGid?: string;
		resourceSubtype?: string;
		/** A section of one of the projects: the task lands in it (else in each project's first section). */
		sectionGid?: string;
		workspaceGid: string;
		by: string | null;
	}): Task {
		const parent = opts.parentGid ? this.task(opts.parentGid) : undefined;
		for (const projectGid of opts.projectGids ?? []) this.project(projectGid);
		const at = this.nextInstant();
		const task: Task = {
			gid: this.gid(),
			resource_type: 'task',
			resource_subtype: opts.resourceSubtype ?? 'default_task',
			name: opts.name,
			workspaceGid:
				parent?.workspaceGid ??
				(opts.projectGids?.length
					? this.project(opts.projectGids[0]).workspaceGid
					: opts.workspaceGid),
			projectGids: new Set(opts.projectGids ?? []),
			parentGid: opts.parentGid,
			assigneeGid: opts.assigneeGid,
			completed: false,
			completedAt: null,
			due_on: null,
			due_at: null,
			notes: '',
			deleted: false,
			sections: new Map(),
			followers: new Set(opts.by ? [opts.by] : []),
			createdAt: at,
			createdByGid: opts.by,
			modifiedAt: at,
		};
		this.tasks.set(task.gid, task);
		const user = this.userCompact(opts.by);
		const added = (parentObject: Compact): EventDraft => ({
			user,
			resource: this.compact(task),
			action: 'added',
			parent: this.compact(parentObject),
		});
		const drafts: EventDraft[] = [];
		for (const projectGid of task.projectGids) {
			drafts.push(added(this.project(projectGid)));
			drafts.push(...this.placeInProject(task, projectGid, opts.by, opts.sectionGid));
		}
		if (parent) drafts.push(added(parent));
		const streams = this.emitTask(task, drafts, at);
		this.record(
			parent
				? { kind: 'subtask_created', at, byGid: opts.by, taskGid: task.gid, parentGid: parent.gid }
				: {
						kind: 'task_created',
						at,
						byGid: opts.by,
						taskGid: task.gid,
						projectGids: [...task.projectGids],
					},
			streams,
		);
		return task;
	}

	createSection(projectGid: string, name: string): Section {
		this.project(projectGid);
		const section: Section = { gid: this.gid(), resource_type: 'section', name, projectGid };
		this.sections.set(section.gid, section);
		return section;
	}

	section(gid: string): Section {
		const section = this.sections.get(gid);
		if (!section) throw new Error(`simulator: no section ${gid}`);
		return section;
	}

	/**
	 * Like Asana: the task is `added` to the new section and `removed` from the one it was in,
	 * with a `section_changed` story. A task not in the section's project joins the project
	 * there instead (an add to the project, landing in that section).
	 */
	moveTaskToSection(taskGid: string, sectionGid: string, by: string | null): void {
		const task = this.task(taskGid);
		const section = this.section(sectionGid);
		if (!task.projectGids.has(section.projectGid)) {
			this.addTaskToProject(taskGid, section.projectGid, by, sectionGid);
			return;
		}
		const before = task.sections.get(section.projectGid);
		if (before === section.gid) return;
		const at = this.nextInstant();
		const user = this.userCompact(by);
		const drafts: EventDraft[] = [
			{ user, resource: this.compact(task), action: 'added', parent: this.compact(section) },
		];
		if (before)
			drafts.push({
				user,
				resource: this.compact(task),
				action: 'removed',
				parent: this.compact(this.section(before)),
			});
		drafts.push(
			this.systemStory(task, 'section_changed', `moved this task to ${section.name}`, by, at, {
				...(before ? { old_section: this.compact(this.section(before)) } : {}),
				new_section: this.compact(section),
				project: this.compact(this.project(section.projectGid)),
			}),
		);
		task.sections.set(section.projectGid, section.gid);
		const streams = this.emitTask(task, drafts, at);
		this.record(
			{
				kind: 'task_moved_to_section',
				at,
				byGid: by,
				taskGid,
				sectionGid,
				projectGids: [section.projectGid],
			},
			streams,
		);
	}

	/** A custom field definition added to a project's fields. */
	addCustomField(projectGid: string, name: string, type = 'enum'): CustomField {
		const project = this.project(projectGid);
		const field: CustomField = {
			gid: this.gid(),
			resource_type: 'custom_field',
			resource_subtype: type,
			name,
			workspaceGid: project.workspaceGid,
		};
		this.customFields.set(field.gid, field);
		this.addCustomFieldSetting(projectGid, field.gid);
		return field;
	}

	/** An existing custom field added to a project's fields too, as Asana's addCustomFieldSetting does. */
	addCustomFieldSetting(projectGid: string, fieldGid: string): void {
		this.project(projectGid);
		if (!this.customFields.has(fieldGid)) throw new Error(`simulator: no custom field ${fieldGid}`);
		this.projectCustomFields.set(projectGid, [
			...(this.projectCustomFields.get(projectGid) ?? []),
			{ gid: this.gid(), fieldGid },
		]);
	}

	/** A custom field's value set on a task: `changed` custom_fields with the field as new_value. */
	setCustomFieldValue(taskGid: string, customFieldGid: string, by: string | null): void {
		const field = this.customFields.get(customFieldGid);
		if (!field) throw new Error(`simulator: no custom field ${customFieldGid}`);
		this.changeTask(taskGid, 'custom_fields', this.compact(field), by);
	}

	/**
	 * A status update posted on a project or goal: an `added` status_update whose parent is the
	 * project or goal, and the parent's `current_status_update` changed, at one instant, in
	 * that object's stream and the workspace's.
	 */
	postStatusUpdate(parentGid: string, title: string, by: string | null): Compact {
		const parent = this.projects.get(parentGid) ?? this.goal(parentGid);
		const update: Compact = {
			gid: this.gid(),
			resource_type: 'status_update',
			resource_subtype:
				parent.resource_type === 'goal' ? 'goal_status_update' : 'project_status_update',
			name: title,
		};
		const at = this.nextInstant();
		const user = this.userCompact(by);
		const streams = this.emit(
			[parent.gid, parent.workspaceGid],
			[
				{ user, resource: update, action: 'added', parent: this.compact(parent) },
				{
					user,
					resource: this.compact(parent),
					action: 'changed',
					change: { field: 'current_status_update', action: 'changed', new_value: update },
				},
			],
			at,
		);
		this.record(
			{ kind: 'status_update_posted', at, byGid: by, parentGid: parent.gid, storyGid: update.gid },
			streams,
		);
		return update;
	}

	/**
	 * A field change. Like Asana, only resource values are carried: users for `assignee` and
	 * `followers` (a follower is added, or removed when already following), or any
	 * `{gid, resource_type}` object (e.g. a custom field). Plain fields carry no value; the
	 * changes Asana writes a system story for (completion, assignee, due dates, name, custom
	 * fields) come with it. Completing a completed task changes nothing and emits nothing.
	 */
	changeTask(taskGid: string, field: string, value: unknown, by: string | null): void {
		const task = this.task(taskGid);
		const at = this.nextInstant();
		const user = this.userCompact(by);
		const change: EventChange = { field, action: 'changed' };
		const drafts: EventDraft[] = [];
		const changed: Omit<RealChange, 'streams'> = {
			kind: 'task_field_changed',
			at,
			byGid: by,
			taskGid,
			field,
		};
		const resourceValue = isResource(value) ? value : undefined;
		if (field === 'assignee') {
			task.assigneeGid = typeof value === 'string' ? value : undefined;
			if (task.assigneeGid) change.new_value = this.userCompact(task.assigneeGid);
			const assignee = this.userCompact(task.assigneeGid);
			drafts.push(
				assignee
					? this.systemStory(task, 'assigned', `assigned to ${assignee.name}`, by, at, { assignee })
					: this.systemStory(task, 'unassigned', 'unassigned this task', by, at),
			);
			changed.kind = assignee ? 'task_assigned' : 'task_unassigned';
			if (task.assigneeGid) changed.assigneeGid = task.assigneeGid;
		} else if (field === 'followers' && typeof value === 'string') {
			if (task.followers.delete(value)) {
				change.action = 'removed';
				change.removed_value = this.userCompact(value);
				changed.kind = 'follower_removed';
			} else {
				task.followers.add(value);
				change.action = 'added';
				change.added_value = this.userCompact(value);
				changed.kind = 'follower_added';
			}
		} else if (field === 'custom_fields') {
			if (resourceValue) change.new_value = resourceValue;
			const custom = resourceValue && this.customFields.get(resourceValue.gid);
			drafts.push(
				this.systemStory(
					task,
					`${custom?.resource_subtype ?? 'enum'}_custom_field_changed`,
					`changed ${custom?.name ?? 'a custom field'}`,
					by,
					at,
					custom ? { custom_field: this.compact(custom) } : undefined,
				),
			);
			changed.kind = 'custom_field_changed';
			if (custom) changed.customFieldGid = custom.gid;
		} else if (resourceValue) {
			change.new_value = resourceValue;
		} else if (field === 'name' && typeof value === 'string') {
			task.name = value;
			drafts.push(this.systemStory(task, 'name_changed', `changed the name to ${value}`, by, at));
			changed.kind = 'task_renamed';
		} else if (field === 'completed') {
			const completed = value === undefined ? true : Boolean(value);
			if (completed === task.completed) return;
			task.completed = completed;
			task.completedAt = completed ? at : null;
			drafts.push({
				user,
				resource: this.compact(task),
				action: 'changed',
				change: { field: 'completed_at', action: 'changed' },
			});
			drafts.push(
				completed
					? this.systemStory(task, 'marked_complete', 'marked this task complete', by, at)
					: this.systemStory(task, 'marked_incomplete', 'marked this task incomplete', by, at),
			);
			changed.kind = completed ? 'task_completed' : 'task_reopened';
		} else if (field === 'due_on' || field === 'due_at') {
			const old_dates = storyDates(task);
			const given = typeof value === 'string' ? value : null;
			// A due time sets the day too; a due day clears the time.
			task.due_at = field === 'due_at' ? given : null;
			task.due_on = field === 'due_at' ? (given?.slice(0, 10) ?? null) : given;
			const new_dates = storyDates(task);
			drafts.push(
				this.systemStory(
					task,
					'due_date_changed',
					new_dates.due_on ? `changed the due date to ${new_dates.due_on}` : 'removed the due date',
					by,
					at,
					{ old_dates, new_dates },
				),
			);
			changed.kind = 'due_date_changed';
			changed.due = { due_on: task.due_on, due_at: task.due_at };
		} else if (field === 'notes' && typeof value === 'string') {
			task.notes = value;
			changed.kind = 'notes_changed';
		}
		drafts.unshift({ user, resource: this.compact(task), action: 'changed', change });
		this.record(changed, this.emitTask(task, drafts, at));
	}

	/** A change Asana reports as `changed` with no `change` block at all. */
	touchTask(taskGid: string, by: string | null): void {
		const task = this.task(taskGid);
		const at = this.nextInstant();
		const streams = this.emitTask(
			task,
			[{ user: this.userCompact(by), resource: this.compact(task), action: 'changed' }],
			at,
		);
		this.record({ kind: 'task_touched', at, byGid: by, taskGid }, streams);
	}

	addComment(taskGid: string, text: string, by: string | null): Story {
		const task = this.task(taskGid);
		const at = this.nextInstant();
		const story: Story = {
			gid: this.gid(),
			resource_type: 'story',
			resource_subtype: 'comment_added',
			name: text.slice(0, 40),
			text,
			taskGid,
			createdAt: at,
			createdByGid: by,
		};
		this.stories.set(story.gid, story);
		const streams = this.emitTask(
			task,
			[
				{
					user: this.userCompact(by),
					resource: this.compact(story),
					action: 'added',
					parent: this.compact(task),
				},
			],
			at,
		);
		this.record({ kind: 'comment_added', at, byGid: by, taskGid, storyGid: story.gid }, streams);
		return story;
	}

	/**
	 * An existing task joins another project: `added` (parent: the project), its landing in a
	 * section of it, and an `added_to_project` story, at one instant.
	 */
	addTaskToProject(
		taskGid: string,
		projectGid: string,
		by: string | null,
		sectionGid?: string,
	): void {
		const task = this.task(taskGid);
		const project = this.project(projectGid);
		if (task.projectGids.has(projectGid)) return;
		const at = this.nextInstant();
		task.projectGids.add(projectGid);
		const streams = this.emitTask(
			task,
			[
				{
					user: this.userCompact(by),
					resource: this.compact(task),
					action: 'added',
					parent: this.compact(project),
				},
				...this.placeInProject(task, projectGid, by, sectionGid),
				this.systemStory(task, 'added_to_project', `added this task to ${project.name}`, by, at, {
					project: this.compact(project),
				}),
			],
			at,
		);
		this.record(
			{
				kind: 'task_added_to_project',
				at,
				byGid: by,
				taskGid,
				projectGids: [projectGid],
				...(task.sections.has(projectGid) ? { sectionGid: task.sections.get(projectGid) } : {}),
			},
			streams,
		);
	}

	removeTaskFromProject(taskGid: string, projectGid: string, by: string | null): void {
		const task = this.task(taskGid);
		const project = this.project(projectGid);
		if (!task.projectGids.has(projectGid)) return;
		const at = this.nextInstant();
		// Emitted while the task is still in the project, so that project's stream sees it leave.
		const streams = this.emitTask(
			task,
			[
				{
					user: this.userCompact(by),
					resource: this.compact(task),
					action: 'removed',
					parent: this.compact(project),
				},
				this.systemStory(
					task,
					'removed_from_project',
					`removed this task from ${project.name}`,
					by,
					at,
					{ project: this.compact(project) },
				),
			],
			at,
		);
		task.projectGids.delete(projectGid);
		task.sections.delete(projectGid);
		this.record(
			{ kind: 'task_removed_from_project', at, byGid: by, taskGid, projectGids: [projectGid] },
			streams,
		);
	}

	deleteTask(taskGid: string, by: string | null): void {
		const task = this.task(taskGid);
		task.deleted = true;
		const at = this.nextInstant();
		const streams = this.emitTask(
			task,
			[{ user: this.userCompact(by), resource: this.compact(task), action: 'deleted' }],
			at,
		);
		this.record({ kind: 'task_deleted', at, byGid: by, taskGid }, streams);
	}

	undeleteTask(taskGid: string, by: string | null): void {
		const task = this.task(taskGid);
		task.deleted = false;
		const at = this.nextInstant();
		const streams = this.emitTask(
			task,
			[{ user: this.userCompact(by), resource: this.compact(task), action: 'undeleted' }],
			at,
		);
		this.record({ kind: 'task_undeleted', at, byGid: by, taskGid }, streams);
	}

	changeGoal(goalGid: string, field: string, by: string | null): void {
		const goal = this.goal(goalGid);
		const at = this.nextInstant();
		const streams = this.emit(
			[goal.gid, goal.workspaceGid],
			[
				{
					user: this.userCompact(by),
					resource: this.compact(goal),
					action: 'changed',
					change: { field, action: 'changed' },
				},
			],
			at,
		);
		this.record({ kind: 'goal_changed', at, byGid: by, parentGid: goal.gid, field }, streams);
	}

	/** A realistic, seeded mix of task creation, edits, comments, moves, deletions and goal updates. */
	generateActivity(count: number, projectGid: string): void {
		const random = this.random;
		const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
		const project = this.project(projectGid);
		const people = this.people().map((u) => u.gid);
		const otherProjects = [...this.projects.values()].filter(
			(p) => p.workspaceGid === project.workspaceGid && p.gid !== projectGid && !p.archived,
		);
		const goals = [...this.goals.values()].filter((g) => g.workspaceGid === project.workspaceGid);
		const live = [...this.tasks.values()].filter(
			(t) => t.projectGids.has(projectGid) && !t.deleted,
		);
		const deleted: Task[] = [];
		for (let i = 0; i < count; i++) {
			const by = pick(people);
			const roll = random();
			if (live.length === 0 || roll < 0.08) {
				const parent = live.length && random() < 0.3 ? pick(live) : undefined;
				const name = parent ? `Subtask ${this.tasks.size + 1}` : `Task ${this.tasks.size + 1}`;
				const task = this.createTask({
					name,
					projectGids: parent ? [] : [projectGid],
					parentGid: parent?.gid,
					resourceSubtype: random() < 0.1 ? 'milestone' : 'default_task',
					workspaceGid: project.workspaceGid,
					by,
				});
				if (!parent) live.push(task);
				continue;
			}
			const task = pick(live);
			if (roll < 0.25)
				this.changeTask(
					task.gid,
					'name',
					`${(task.name ?? '').replace(/ \(v\d+\)$/, '')} (v${i})`,
					by,
				);
			else if (roll < 0.37) this.changeTask(task.gid, 'assignee', pick(people), by);
			else if (roll < 0.52)
				this.addComment(
					task.gid,
					pick(['Looks good to me', 'Can you take a look?', 'Blocked on review', 'Done, thanks!']),
					by,
				);
			else if (roll < 0.6) {
				// People complete open tasks and reopen completed ones. The draw is kept so that a
				// seed generates the same activity as before.
				random();
				this.changeTask(task.gid, 'completed', !task.completed, by);
			} else if (roll < 0.68)
				this.changeTask(
					task.gid,
					'due_on',
					this.iso(this.now() + Math.floor(random() * 30) * 86_400_000).slice(0, 10),
					by,
				);
			else if (roll < 0.75) this.changeTask(task.gid, 'followers', pick(people), by);
			else if (roll < 0.8) this.changeTask(task.gid, 'notes', `Notes ${i}`, by);
			else if (roll < 0.85) this.changeTask(task.gid, 'custom_fields', undefined, null);
			else if (roll < 0.9 && otherProjects.length) {
				const other = pick(otherProjects);
				if (task.projectGids.has(other.gid)) this.removeTaskFromProject(task.gid, other.gid, by);
				else this.addTaskToProject(task.gid, other.gid, by);
			} else if (roll < 0.94 && goals.length)
				this.changeGoal(pick(goals).gid, pick(['status', 'current_status_update', 'due_on']), by);
			else if (roll < 0.97 && deleted.length) {
				const restored = deleted.splice(Math.floor(random() * deleted.length), 1)[0];
				this.undeleteTask(restored.gid, by);
				live.push(restored);
			} else if (live.length > 3) {
				this.deleteTask(task.gid, by);
				live.splice(live.indexOf(task), 1);
				deleted.push(task);
			} else this.addComment(task.gid, 'Following up', by);
		}
	}

	/** Fast path for big backlogs: `count` 'changed' events on the project's tasks, one shared object per event. */
	bulkTaskEvents(projectGid: string, count: number, by: string | null, workspaceGid: string): void {
		const project = this.project(projectGid);
		let tasks = [...this.tasks.values()].filter((t) => t.projectGids.has(projectGid) && !t.deleted);
		if (tasks.length === 0)
			tasks = [this.createTask({ name: 'Bulk', projectGids: [project.gid], workspaceGid, by })];
		const lists = tasks.map((task) =>
			this.taskStreams(task).map((stream) => {
				let list = this.streams.get(stream);
				if (!list) this.streams.set(stream, (list = []));
				return list;
			}),
		);
		const resources = tasks.map((task) => this.compact(task));
		const user = this.userCompact(by);
		const change: EventChange = { field: 'notes', action: 'changed' };
		const start = Math.max(this.now(), this.lastEventMs + 1);
		for (let i = 0; i < count; i++) {
			const k = i % tasks.length;
			const event: SimEvent = {
				user,
				resource: resources[k],
				type: 'task',
				action: 'changed',
				parent: null,
				created_at: this.iso(start + i),
				change,
			};
			for (const list of lists[k]) list.push(event);
		}
		for (let k = 0; k < tasks.length && k < count; k++)
			tasks[k].modifiedAt = this.iso(
				start + k + Math.floor((count - 1 - k) / tasks.length) * tasks.length,
			);
		this.lastEventMs = Math.max(this.lastEventMs, start + count - 1);
	}

	// ---- sync tokens -------------------------------------------------------------------

	/**
	 * Asana's tokens look like `5a888cbba4065641bffe1b44dced2fcf:0`, but they are opaque: every
	 * third token here is base64 with "+", "/" and "=", and a "~", so clients meet such tokens.
	 */
	private issueToken(stream: string, position: number): string {
		this.dropOldTokens();
		const serial = ++this.tokenSerial;
		const digest = createHash('md5')
			.update(`${this.secret}:${stream}:${position}:${serial}`)
			.digest();
		const token =
			serial % 3 === 0
				? `${Buffer.concat([OPAQUE_TOKEN_PREFIX, digest]).toString('base64')}~${serial}`
				: `${digest.toString('hex')}:${serial}`;
		this.syncTokens.set(token, { stream, position, issuedAt: this.now(), serial });
		return token;
	}

	private dropOldTokens(): void {
		if (!Number.isFinite(this.syncTokenMaxAgeMs)) return;
		const cutoff = this.now() - this.syncTokenMaxAgeMs;
		for (const [token, record] of this.syncTokens) {
			if (record.issuedAt >= cutoff) break;
			this.syncTokens.delete(token);
		}
	}

	/** Position a token denotes, or undefined when it is unknown, of another stream, expired or too old. */
	private tokenPosition(stream: string, token: string): number | undefined {
		const record = this.syncTokens.get(token);
		if (!record || record.stream !== stream) return undefined;
		if (
			record.serial <= this.tokensExpiredUpTo ||
			record.serial <= (this.streamTokensExpiredUpTo.get(stream) ?? 0)
		)
			return undefined;
		if (this.now() - record.issuedAt > this.syncTokenMaxAgeMs) return undefined;
		return record.position;
	}

	/** One answer of the events endpoint: a page and a new token, or (412) a fresh token at the stream's end. */
	eventsPage(stream: string, sync: string | undefined, pageSize: number): EventsPage {
		const list = this.streams.get(stream) ?? [];
		const position = sync ? this.tokenPosition(stream, sync) : undefined;
		if (position === undefined) {
			if (sync) this.syncGaps.push({ stream, from: this.syncTokenPosition(sync), to: list.length });
			return { ok: false, sync: this.issueToken(stream, list.length) };
		}
		const end = Math.min(list.length, position + pageSize);
		return {
			ok: true,
			data: list.slice(position, end),
			sync: this.issueToken(stream, end),
			has_more: end < list.length,
		};
	}

	/** Where a token issued by this simulator points, expired or not (for test accounting). */
	syncTokenPosition(token: string): number | undefined {
		return this.syncTokens.get(token)?.position;
	}

	/**
	 * Every token issued so far answers 412, or with `before` (a token issued here) only those
	 * issued before it: a client's older tokens expire while its newest still works.
	 */
	expireSyncTokens(stream?: string, before?: string): void {
		let upTo = this.tokenSerial;
		if (before !== undefined) {
			const record = this.syncTokens.get(before);
			if (!record) throw new Error(`simulator: no sync token ${before} (unknown or too old)`);
			upTo = record.serial - 1;
		}
		if (stream)
			this.streamTokensExpiredUpTo.set(
				stream,
				Math.max(upTo, this.streamTokensExpiredUpTo.get(stream) ?? 0),
			);
		else this.tokensExpiredUpTo = Math.max(upTo, this.tokensExpiredUpTo);
	}

	// ---- audit log ---------------------------------------------------------------------

	auditList(workspaceGid: string): AuditLogEvent[] {
		let list = this.audit.get(workspaceGid);
		if (!list) this.audit.set(workspaceGid, (list = []));
		return list;
	}

	private insertAudit(list: AuditLogEvent[], event: AuditLogEvent): void {
		const last = list[list.length - 1];
		if (!last || compareAudit(last, event) <= 0) list.push(event);
		else list.splice(lowerBound(list, event, false), 0, event);
	}

	/** An audit event for `eventType` as Asana would record it, with a seeded actor and context. */
	private buildAudit(
		eventType: string,
		createdAt: number,
		workspaceGid: string,
		person: User,
		index: number,
	): AuditLogEvent {
		const known = AUDIT_EVENT_TYPES[eventType] ?? {
			category: 'other',
			resource: 'user',
			actor: 'user',
			via: 'web',
		};
		const random = this.random;
		const people = this.people();
		const admin = people[0] ?? person;
		const actor: AuditLogEvent['actor'] =
			known.actor === 'anonymous'
				? { actor_type: 'anonymous', email: person.email }
				: known.actor === 'external_administrator'
					? { actor_type: 'external_administrator', name: 'Okta SCIM' }
					: { actor_type: 'user', ...pickPerson(known.actor === 'admin' ? admin : person) };
		const channel =
			known.via === 'login'
				? (['web', 'desktop', 'mobile'] as const)[Math.floor(random() * 3)]
				: known.via;
		const context: AuditLogEvent['context'] = {
			context_type: channel,
			client_ip_address: `10.${index % 4}.${Math.floor(index / 250) % 250}.${index % 250}`,
			user_agent: USER_AGENTS[channel],
		};
		if (channel === 'api') {
			const oauth = random() < 0.5;
			context.api_authentication_method = oauth ? 'oauth' : 'personal_access_token';
			if (oauth) context.oauth_app_name = 'Reporting Connector';
		}
		return {
			gid: this.gid(),
			created_at: this.iso(createdAt),
			event_type: eventType,
			event_category: known.category,
			actor,
			resource: this.auditResource(known.resource, workspaceGid, person, index),
			details: auditDetails(eventType, random),
			context,
		};
	}

	private auditResource(
		type: string,
		workspaceGid: string,
		person: User,
		index: number,
	): AuditLogEvent['resource'] {
		if (type === 'user')
			return { resource_type: 'user', gid: person.gid, name: person.name, email: person.email };
		// A service account is a user of the domain: Asana names it as one.
		if (type === 'service_account')
			return { resource_type: 'user', gid: this.gid(), name: `Service account ${index}` };
		if (type === 'email_domain')
			return { resource_type: 'email_domain', gid: this.gid(), name: 'acme.test' };
		if (type === 'workspace')
			return {
				resource_type: 'workspace',
				gid: workspaceGid,
				name: this.workspaces.get(workspaceGid)?.name ?? null,
			};
		if (type === 'task')
			return {
				resource_type: 'task',
				resource_subtype: 'default_task',
				gid: this.gid(),
				name: `Deleted task ${index}`,
			};
		if (type === 'project') {
			const projects = [...this.projects.values()].filter((p) => p.workspaceGid === workspaceGid);
			const project = projects[index % Math.max(1, projects.length)];
			return project
				? { resource_type: 'project', gid: project.gid, name: project.name }
				: { resource_type: 'project', gid: this.gid(), name: `Project ${index}` };
		}
		if (type === 'attachment')
			return {
				resource_type: 'attachment',
				resource_subtype: 'asana',
				gid: this.gid(),
				name: `report-${index}.pdf`,
			};
		return { resource_type: type, gid: this.gid(), name: `${type} ${index}` };
	}

	addAudit(workspaceGid: string, partial: Partial<AuditLogEvent>, actor: User): AuditLogEvent {
		const eventType = partial.event_type ?? 'user_login_succeeded';
		const known = AUDIT_EVENT_TYPES[eventType];
		const base = this.buildAudit(eventType, this.now(), workspaceGid, actor, 0);
		const event: AuditLogEvent = {
			...base,
			actor: { actor_type: 'user', ...pickPerson(actor) },
			resource:
				known?.resource === 'user' || !known
					? { resource_type: 'user', gid: actor.gid, name: actor.name, email: actor.email }
					: base.resource,
			context: { context_type: 'web', client_ip_address: '10.0.0.1', user_agent: USER_AGENTS.web },
			...partial,
		};
		event.created_at = this.iso(Date.parse(event.created_at));
		this.insertAudit(this.auditList(workspaceGid), event);
		return event;
	}

	/** `count` events evenly spread over [from, to), cycling through `eventTypes`. */
	generateAudit(
		workspaceGid: string,
		count: number,
		from: number,
		to: number,
		eventTypes: string[],
	): AuditLogEvent[] {
		this.workspace(workspaceGid);
		const people = this.people();
		const list = this.auditList(workspaceGid);
		const step = (to - from) / Math.max(1, count);
		const created: AuditLogEvent[] = [];
		for (let i = 0; i < count; i++) {
			const person = people[Math.floor(this.random() * people.length)];
			created.push(
				this.buildAudit(
					eventTypes[i % eventTypes.length],
					Math.floor(from + i * step),
					workspaceGid,
					person,
					i,
				),
			);
		}
		const inOrder =
			list.length === 0 || !created.length || compareAudit(list[list.length - 1], created[0]) <= 0;
		for (const event of created) list.push(event);
		if (!inOrder) list.sort(compareAudit);
		return created;
	}

	private fingerprint(query: AuditQuery): string {
		const key = JSON.stringify([
			query.start_at,
			query.end_at,
			query.event_type,
			query.actor_type,
			query.actor_gid,
			query.resource_gid,
		]);
		return createHash('sha1').update(`${this.secret}:${key}`).digest('hex').slice(0, 16);
	}

	private encodeOffset(last: { created_at: string; gid: string }, query: AuditQuery): string {
		const offset: AuditOffset = {
			t: last.created_at,
			g: last.gid,
			f: this.fingerprint(query),
			i: this.now(),
			n: ++this.offsetSerial,
		};
		return Buffer.from(JSON.stringify(offset)).toString('base64url');
	}

	private decodeOffset(raw: string, query: AuditQuery): AuditOffset | string {
		let offset: AuditOffset | undefined;
		try {
			offset = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as AuditOffset;
		} catch {
			offset = undefined;
		}
		if (
			!offset ||
			typeof offset.t !== 'string' ||
			typeof offset.g !== 'string' ||
			typeof offset.n !== 'number'
		) {
			return 'offset: Invalid offset. Only pass an offset returned by a previous request.';
		}
		if (offset.f !== this.fingerprint(query)) {
			return 'offset: This offset was issued for different query parameters. Use the same filters as the request that returned it, or start over without an offset.';
		}
		if (offset.n <= this.offsetsExpiredUpTo || this.now() - offset.i > this.auditOffsetMaxAgeMs) {
			return 'offset: The offset is invalid or has expired. Start a new query without an offset, e.g. with start_at.';
		}
		return offset;
	}

	/** The event an offset points after, expired or not, or undefined for text that is no offset. */
	auditOffsetPosition(raw: string): { created_at: string; gid: string } | undefined {
		try {
			const offset = JSON.parse(
				Buffer.from(raw, 'base64url').toString('utf8'),
			) as Partial<AuditOffset>;
			return typeof offset.t === 'string' && typeof offset.g === 'string'
				? { created_at: offset.t, gid: offset.g }
				: undefined;
		} catch {
			return undefined;
		}
	}

	expireAuditOffsets(): void {
		this.offsetsExpiredUpTo = this.offsetSerial;
	}

	/**
	 * One answer of the audit log endpoint (filters already validated). Binary search finds
	 * the first candidate, so pages cost O(log n + scanned). Once something matched, an
	 * offset is returned even for an empty page, pointing after the last event seen.
	 */
	auditPage(workspaceGid: string, query: AuditQuery, limit: number, rawOffset?: string): AuditPage {
		const list = this.audit.get(workspaceGid) ?? [];
		let position: { created_at: string; gid: string } | undefined;
		if (rawOffset !== undefined) {
			const offset = this.decodeOffset(rawOffset, query);
			if (typeof offset === 'string') return { ok: false, error: offset };
			position = { created_at: offset.t, gid: offset.g };
		}
		const floorMs = Math.max(
			AUDIT_LOG_EPOCH,
			this.now() - AUDIT_RETENTION_MS,
			query.start_at ? Date.parse(query.start_at) : -Infinity,
		);
		let start = lowerBound(list, { created_at: this.iso(floorMs), gid: '' }, true);
		if (position) start = Math.max(start, lowerBound(list, position, false));
		const endAt = query.end_at ? this.iso(Date.parse(query.end_at)) : undefined;
		const data: AuditLogEvent[] = [];
		for (let i = start; i < list.length && data.length < limit; i++) {
			const event = list[i];
			if (endAt && event.created_at >= endAt) break;
			if (query.event_type && event.event_type !== query.event_type) continue;
			if (query.actor_type && event.actor.actor_type !== query.actor_type) continue;
			if (query.actor_gid && event.actor.gid !== query.actor_gid) continue;
			if (query.resource_gid && event.resource.gid !== query.resource_gid) continue;
			data.push(event);
		}
		const last = data[data.length - 1] ?? position;
		return { ok: true, data, offset: last ? this.encodeOffset(last, query) : null };
	}
}

function isResource(value: unknown): value is Compact {
	return (
		!!value &&
		typeof value === 'object' &&
		typeof (value as Compact).gid === 'string' &&
		typeof (value as Compact).resource_type === 'string'
	);
}

function storyDates(task: Task): StoryDates {
	return task.due_on ? { due_on: task.due_on, due_at: task.due_at } : { due_at: task.due_at };
}

function pickPerson(user: User): { gid: string; name?: string; email: string } {
	return { gid: user.gid, name: user.name, email: user.email };
}
