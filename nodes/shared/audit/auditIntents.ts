import type { INodePropertyOptions } from 'n8n-workflow';

import type { AuditLogEvent } from '../asana/types';
import { loginMethods, ROLE_EVENT_TYPES, settingWeakened } from './auditChange';
import { AUDIT_EVENT_TYPES_BY_CATEGORY } from './auditFormat';

/**
 * What a security team asks the audit log for, in its words: each intent is Asana's documented
 * event types (the one table below) and, for some, a test of the event's details.
 */
export type AuditIntent =
	| 'adminOrRoleChanged'
	| 'signInFailed'
	| 'signInNewMethod'
	| 'dataExported'
	| 'guestOrExternalUserAdded'
	| 'securitySettingChanged'
	| 'securitySettingWeakened'
	| 'appOrTokenAuthorized'
	| 'serviceAccountCreatedOrDeleted'
	| 'contentPermanentlyDeleted'
	| 'anyEvent';

/** What the login-method intent remembers: the methods each user signed in with before. */
export interface LoginMethodMemory {
	/** The methods this user signed in with before; undefined for a user not seen yet. */
	methodsOf(user: string): string[] | undefined;
	remember(user: string, methods: string[]): void;
}

interface IntentRow {
	name: string;
	description: string;
	/** Asana's event types the intent reads; 'any' for every event. */
	eventTypes: string[] | 'any';
	/** A test of the event beyond its type. */
	when?: (event: AuditLogEvent, memory: LoginMethodMemory | undefined) => boolean;
}

const SECURITY_SETTING_TYPES = AUDIT_EVENT_TYPES_BY_CATEGORY.admin_settings.filter(
	(type) => !type.startsWith('workspace_announcement_'),
);

function emailDomain(email: string | undefined): string | undefined {
	const at = email?.lastIndexOf('@') ?? -1;
	return email && at >= 0 ? email.slice(at + 1).toLowerCase() : undefined;
}

/** An invited user who is a guest, or whose email domain is not the inviting user's. */
function isGuestOrExternal(event: AuditLogEvent): boolean {
	const details = event.details ?? {};
	const roles = [details.role, details.new_value, event.resource.resource_subtype];
	if (roles.some((role) => typeof role === 'string' && role.toLowerCase() === 'guest')) return true;
	const invited = emailDomain(event.resource.email);
	const inviter = emailDomain(event.actor.email);
	return !!invited && !!inviter && invited !== inviter;
}

function userKey(event: AuditLogEvent): string | undefined {
	return event.resource.gid ?? event.actor.gid ?? event.resource.email ?? event.actor.email;
}

/** A sign-in with a method the user has not signed in with before (their first one sets what is usual). */
function isNewMethod(event: AuditLogEvent, memory: LoginMethodMemory | undefined): boolean {
	const user = userKey(event);
	const methods = loginMethods(event);
	if (!memory || !user || !methods.length) return false;
	const before = memory.methodsOf(user);
	return !!before && methods.some((method) => !before.includes(method));
}

/** The one table from intent to Asana's documented event types. */
const AUDIT_INTENTS: Record<AuditIntent, IntentRow> = {
	adminOrRoleChanged: {
		name: 'Admin or Role Changed',
		description: 'A user’s role or admin role was raised or lowered',
		eventTypes: ROLE_EVENT_TYPES,
	},
	signInFailed: {
		name: 'Sign-in Failed',
		description: 'A user failed to log in',
		eventTypes: ['user_login_failed'],
	},
	signInNewMethod: {
		name: 'Sign-in From a New Method',
		description:
			'A user logged in with a method they have not used before (e.g. a password where they always used SAML); a user’s first login the node reads sets what is usual',
		eventTypes: ['user_login_succeeded'],
		when: isNewMethod,
	},
	dataExported: {
		name: 'Data Exported',
		description: 'An export or download of content, members, teams or the whole organization',
		eventTypes: AUDIT_EVENT_TYPES_BY_CATEGORY.content_export,
	},
	guestOrExternalUserAdded: {
		name: 'Guest or External User Added',
		description:
			'A user invited or added as a guest, or with an email domain other than the inviting user’s',
		eventTypes: ['user_invited', 'user_added_to_domain'],
		when: isGuestOrExternal,
	},
	securitySettingChanged: {
		name: 'Security Setting Changed',
		description:
			'An admin setting changed (SSO, passwords, sessions, guests, apps, tokens, links); the item says whether it was weakened',
		eventTypes: SECURITY_SETTING_TYPES,
	},
	securitySettingWeakened: {
		name: 'Security Setting Weakened',
		description:
			'An admin setting made weaker, as its old and new values say: a longer session, a simpler password, SSO or two-factor turned off, invites or apps opened up',
		eventTypes: SECURITY_SETTING_TYPES,
		when: (event) => settingWeakened(event) === true,
	},
	appOrTokenAuthorized: {
		name: 'App or Token Authorized',
		description:
			'A user authorized an app or a personal access token, or an admin installed an app',
		eventTypes: ['user_app_authorized', 'user_personal_access_token_authorized', 'app_installed'],
	},
	serviceAccountCreatedOrDeleted: {
		name: 'Service Account Created or Deleted',
		description: 'A service account (which can read the whole domain) was created or deleted',
		eventTypes: ['service_account_created', 'service_account_deleted'],
	},
	contentPermanentlyDeleted: {
		name: 'Content Permanently Deleted',
		description: 'A task, message or status update deleted beyond restore',
		eventTypes: [
			'task_permanently_deleted',
			'message_permanently_deleted',
			'status_update_permanently_deleted',
		],
	},
	anyEvent: {
		name: 'Any Event',
		description: 'Every event of the audit log',
		eventTypes: 'any',
	},
};

export const AUDIT_INTENT_OPTIONS: INodePropertyOptions[] = Object.entries(AUDIT_INTENTS).map(
	([value, row]) => ({ name: row.name, value, description: row.description }),
);

export function isAuditIntent(value: string): value is AuditIntent {
	return Object.prototype.hasOwnProperty.call(AUDIT_INTENTS, value);
}

/** The event types the intents read together; undefined when one of them reads every event. */
export function intentEventTypes(intents: AuditIntent[]): string[] | undefined {
	const rows = intents.map((intent) => AUDIT_INTENTS[intent]);
	if (rows.some((row) => row.eventTypes === 'any')) return undefined;
	return [...new Set(rows.flatMap((row) => row.eventTypes as string[]))];
}

/** The intents among `intents` this event answers, in the table's order. */
export function matchIntents(
	event: AuditLogEvent,
	intents: AuditIntent[],
	memory: LoginMethodMemory | undefined,
): AuditIntent[] {
	return intents.filter((intent) => {
		const row = AUDIT_INTENTS[intent];
		if (row.eventTypes !== 'any' && !row.eventTypes.includes(event.event_type)) return false;
		return !row.when || row.when(event, memory);
	});
}

/** After an event is emitted: its login methods join what is usual for its user. */
export function learnLoginMethods(
	event: AuditLogEvent,
	memory: LoginMethodMemory | undefined,
): void {
	if (!memory || event.event_type !== 'user_login_succeeded') return;
	const user = userKey(event);
	const methods = loginMethods(event);
	if (!user || !methods.length) return;
	const before = memory.methodsOf(user) ?? [];
	const merged = [...new Set([...before, ...methods])];
	if (merged.length !== before.length || !memory.methodsOf(user)) memory.remember(user, merged);
}

/** Login methods per user, oldest users dropped past `capacity`; `toJSON` is what a trigger stores. */
export class LoginMethodBook implements LoginMethodMemory {
	private readonly byUser: Map<string, string[]>;

	constructor(
		stored: unknown = undefined,
		private readonly capacity = 5000,
	) {
		const entries =
			stored && typeof stored === 'object' && !Array.isArray(stored)
				? Object.entries(stored as Record<string, unknown>).filter(
						(entry): entry is [string, string[]] =>
							Array.isArray(entry[1]) && entry[1].every((m) => typeof m === 'string'),
					)
				: [];
		this.byUser = new Map(entries);
	}

	methodsOf(user: string): string[] | undefined {
		return this.byUser.get(user);
	}

	remember(user: string, methods: string[]): void {
		this.byUser.delete(user);
		this.byUser.set(user, methods);
		while (this.byUser.size > this.capacity) {
			const oldest = this.byUser.keys().next().value as string;
			this.byUser.delete(oldest);
		}
	}

	copy(): LoginMethodBook {
		return new LoginMethodBook(this.toJSON(), this.capacity);
	}

	toJSON(): Record<string, string[]> {
		return Object.fromEntries(this.byUser);
	}
}
