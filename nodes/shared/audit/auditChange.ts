import type { AuditLogEvent } from '../asana/types';

/**
 * What an audit event's `details.old_value` → `details.new_value` did: a role raised
 * (grant) or lowered (revoke), a security setting made weaker or stronger, or a change
 * whose values have no order (a name, a URL, a value not in the scales below).
 */
type AuditChangeDirection = 'grant' | 'revoke' | 'weaken' | 'strengthen' | 'change';

export interface AuditChange {
	old_value: string | null;
	new_value: string | null;
	direction: AuditChangeDirection;
}

/** The role types: their old and new values are roles. */
export const ROLE_EVENT_TYPES = [
	'user_role_changed',
	'user_admin_role_changed',
	'user_workspace_admin_role_changed',
	'user_division_admin_role_changed',
];

/** Asana's roles, least rights first. */
const ROLE_RANK = [
	'guest',
	'limited_access_member',
	'member',
	'division_admin',
	'admin',
	'super_admin',
];

/** Setting values Asana sends, weakest first within each scale; a change is ordered when both values are on one scale. */
const SETTING_SCALES: string[][] = [
	['simple', 'medium', 'strong'],
	['anyone', 'members', 'admins_only'],
	['off', 'optional', 'required'],
	['off', 'third_party_apps', 'all_apps'],
	['public_to_domain', 'request_to_join', 'secret'],
	['public_to_workspace', 'private_to_team', 'private'],
];

/** Settings Asana turns on or off by event type: whether turning each on weakens security. */
const TOGGLE_WEAKENS_WHEN_ENABLED: Record<string, boolean> = {
	workspace_require_two_factor_auth: false,
	workspace_form_link_authentication_required: false,
	workspace_personal_access_token: true,
	workspace_view_links: true,
	workspace_form_is_embeddable_forms: true,
};

const UNITS_MS: Record<string, number> = {
	minute: 60_000,
	hour: 3_600_000,
	day: 86_400_000,
	week: 7 * 86_400_000,
	month: 30 * 86_400_000,
};

/** A session length as Asana writes it ("14 days", "12 hours", "never"), in ms; undefined when not one. */
function durationMs(value: string): number | undefined {
	if (value === 'never') return Number.POSITIVE_INFINITY;
	const match = /^(\d+(?:\.\d+)?)\s*(minute|hour|day|week|month)s?$/.exec(value);
	return match ? Number(match[1]) * UNITS_MS[match[2]] : undefined;
}

function text(value: unknown): string | null {
	return typeof value === 'string' ? value : null;
}

function normalized(value: string | null): string {
	return (value ?? '')
		.trim()
		.toLowerCase()
		.replace(/[\s-]+/g, '_');
}

function settingDirection(from: string, to: string): AuditChangeDirection {
	const [a, b] = [durationMs(from.replace(/_/g, ' ')), durationMs(to.replace(/_/g, ' '))];
	// A longer session, or one that never ends, is weaker.
	if (a !== undefined && b !== undefined && a !== b) return b > a ? 'weaken' : 'strengthen';
	const scale = SETTING_SCALES.find((values) => values.includes(from) && values.includes(to));
	if (!scale || from === to) return 'change';
	return scale.indexOf(to) < scale.indexOf(from) ? 'weaken' : 'strengthen';
}

/** The change an event's old and new values describe; undefined when it carries neither. */
export function auditChange(event: AuditLogEvent): AuditChange | undefined {
	const details = event.details ?? {};
	const oldValue = text(details.old_value);
	const newValue = text(details.new_value);
	if (oldValue === null && newValue === null) return undefined;
	const [from, to] = [normalized(oldValue), normalized(newValue)];
	let direction: AuditChangeDirection = 'change';
	if (ROLE_EVENT_TYPES.includes(event.event_type)) {
		const [a, b] = [ROLE_RANK.indexOf(from), ROLE_RANK.indexOf(to)];
		if (a >= 0 && b >= 0 && a !== b) direction = b > a ? 'grant' : 'revoke';
		// A role given where there was none is a grant; one taken away is a revocation.
		else if (!from && b >= 0) direction = 'grant';
		else if (!to && a >= 0) direction = 'revoke';
	} else if (from && to) direction = settingDirection(from, to);
	return { old_value: oldValue, new_value: newValue, direction };
}

/**
 * Whether a security setting change made the domain weaker: true, false, or undefined when
 * neither the values nor the event type say.
 */
export function settingWeakened(event: AuditLogEvent): boolean | undefined {
	const toggle = /^(.*)_(enabled|disabled)$/.exec(event.event_type);
	if (toggle && toggle[1] in TOGGLE_WEAKENS_WHEN_ENABLED) {
		const weakensWhenEnabled = TOGGLE_WEAKENS_WHEN_ENABLED[toggle[1]];
		return toggle[2] === 'enabled' ? weakensWhenEnabled : !weakensWhenEnabled;
	}
	const change = auditChange(event);
	if (change?.direction === 'weaken') return true;
	if (change?.direction === 'strengthen') return false;
	return undefined;
}

/** The login methods of a sign-in, upper case, as Asana sends them: an array (a lone string is read as one). */
export function loginMethods(event: AuditLogEvent): string[] {
	const method = event.details?.method;
	const list = Array.isArray(method) ? method : typeof method === 'string' ? [method] : [];
	return list
		.filter((value): value is string => typeof value === 'string' && value.trim() !== '')
		.map((value) => value.trim().toUpperCase());
}
