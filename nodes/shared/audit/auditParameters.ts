import type { IDataObject, INode, INodeProperties } from 'n8n-workflow';

import {
	AUDIT_ACTOR_TYPE_OPTIONS,
	AUDIT_CATEGORY_OPTIONS,
	AUDIT_EVENT_TYPE_OPTIONS,
} from './auditFormat';
import {
	AUDIT_INTENT_OPTIONS,
	intentEventTypes,
	isAuditIntent,
	type AuditIntent,
} from './auditIntents';
import type { AuditClientFilters, AuditServerFilters } from './auditStream';
import { splitList } from '../events/eventFilters';
import { invalidParameter } from '../asana/errors';
import { GID_PATTERN } from '../editor/resourceRef';

/** Which node parameter each audit-log query parameter comes from, for Asana's 400s. */
export const AUDIT_QUERY_LABELS: Record<string, string> = {
	event_type: 'Filters › Event Types',
	actor_type: 'Filters › Actor Type',
	actor_gid: 'Filters › Actor ID',
	resource_gid: 'Filters › Resource ID',
	start_at: 'the start time',
	end_at: 'Filters › End Time',
};

/** Trigger On: the audit trigger's main choice, and a filter of the action node (`readAuditFilters` reads both). */
export function auditTriggerOnProperty(displayName: string, name: string): INodeProperties {
	return {
		displayName,
		name,
		type: 'multiOptions',
		options: AUDIT_INTENT_OPTIONS,
		default: ['anyEvent'],
		description:
			'What to look for, in security terms. Each choice reads the event types Asana documents for it; the item says which choices matched (matched_intents).',
	};
}

/** The audit-log filters of the trigger and the action node (`readAuditFilters` reads them). */
export const auditLogFilterOptions: INodeProperties[] = [
	{
		displayName: 'Actor ID',
		name: 'actorGid',
		type: 'string',
		default: '',
		placeholder: '1201234567890123',
		description: 'Only events triggered by this user (sent to Asana as actor_gid)',
	},
	{
		displayName: 'Actor Type',
		name: 'actorType',
		type: 'options',
		options: AUDIT_ACTOR_TYPE_OPTIONS,
		default: '',
		description:
			'Only events of this kind of actor (ignored by Asana when an actor ID is set, so applied by the node then)',
	},
	{
		displayName: 'Event Categories',
		name: 'categories',
		type: 'multiOptions',
		options: AUDIT_CATEGORY_OPTIONS,
		default: [],
		description: 'Only events of these categories (applied by the node; Asana has no such filter)',
	},
	{
		displayName: 'Event Types',
		name: 'eventTypes',
		type: 'multiOptions',
		options: AUDIT_EVENT_TYPE_OPTIONS,
		default: [],
		description:
			'Only events of these types. One type is filtered by Asana; several are filtered by the node.',
	},
	{
		displayName: 'Other Event Types',
		name: 'otherEventTypes',
		type: 'string',
		default: '',
		placeholder: 'user_session_revoked, goal_deleted',
		description:
			'Comma-separated event types not in the list above (Asana adds new ones over time)',
	},
	{
		displayName: 'Resource ID',
		name: 'resourceGid',
		type: 'string',
		default: '',
		placeholder: '1201234567890123',
		description:
			'Only events about this task, project, user or other object (sent to Asana as resource_gid)',
	},
];

/** Reads the audit-log filter collection shared by the trigger and the action node. */
/** Trigger On as configured: undefined for Any Event (alone or with others) or nothing chosen. */
function readIntents(
	node: INode,
	raw: unknown,
	label: string,
	itemIndex?: number,
): AuditIntent[] | undefined {
	const chosen = splitList(raw);
	const unknown = chosen.find((value) => !isAuditIntent(value));
	if (unknown !== undefined) {
		throw invalidParameter(
			{ getNode: () => node },
			`${label}: "${unknown}" is not a choice`,
			`Pick from the list: ${AUDIT_INTENT_OPTIONS.map((option) => option.name).join(', ')}.`,
			itemIndex,
		);
	}
	const intents = chosen as AuditIntent[];
	if (!intents.length || intents.includes('anyEvent')) return undefined;
	// In the table's order, so that the stream key does not depend on the order picked.
	return AUDIT_INTENT_OPTIONS.map((option) => option.value as AuditIntent).filter((intent) =>
		intents.includes(intent),
	);
}

export function readAuditFilters(
	node: INode,
	filters: IDataObject,
	itemIndex?: number,
	triggerOn: { value: unknown; label: string } = {
		value: filters.triggerOn,
		label: 'Filters › Trigger On',
	},
): { server: AuditServerFilters; client: AuditClientFilters } {
	const ctx = { getNode: () => node };
	const id = (name: string, label: string): string | undefined => {
		const value =
			typeof filters[name] === 'string' || typeof filters[name] === 'number'
				? String(filters[name]).trim()
				: '';
		if (!value) return undefined;
		if (!GID_PATTERN.test(value)) {
			throw invalidParameter(
				ctx,
				`Filters › ${label}: "${value}" is not an Asana ID`,
				`Enter the ID (digits only), or clear ${label}.`,
				itemIndex,
			);
		}
		return value;
	};
	const actorGid = id('actorGid', 'Actor ID');
	const resourceGid = id('resourceGid', 'Resource ID');
	const actorType =
		typeof filters.actorType === 'string' && filters.actorType ? filters.actorType : undefined;
	const eventTypes = [
		...new Set([...splitList(filters.eventTypes), ...splitList(filters.otherEventTypes)]),
	];
	const badType = eventTypes.find((type) => !/^[a-z0-9_]+$/.test(type));
	if (badType) {
		throw invalidParameter(
			ctx,
			`Filters › Other Event Types: "${badType}" is not an event type`,
			'Event types are lowercase words joined by underscores, e.g. user_login_failed.',
			itemIndex,
		);
	}
	const intents = readIntents(node, triggerOn.value, triggerOn.label, itemIndex);
	const intentTypes = intents ? intentEventTypes(intents) : undefined;
	// The types an event may have: the filter's, within Trigger On's.
	const wanted = eventTypes.length
		? eventTypes.filter((type) => !intentTypes || intentTypes.includes(type))
		: intentTypes;
	if (wanted && !wanted.length) {
		throw invalidParameter(
			ctx,
			`Filters › Event Types: none of ${eventTypes.join(', ')} is read by ${triggerOn.label}`,
			`Clear Filters › Event Types, or add to ${triggerOn.label} a choice that reads them (or Any Event).`,
			itemIndex,
		);
	}
	const server: AuditServerFilters = {};
	if (actorGid) server.actor_gid = actorGid;
	// Asana takes actor_type only without actor_gid.
	else if (actorType) server.actor_type = actorType;
	if (resourceGid) server.resource_gid = resourceGid;
	// One type is Asana's to filter; several are the node's (Asana takes one event_type).
	if (wanted?.length === 1) server.event_type = wanted[0];
	return {
		server,
		client: {
			eventTypes: eventTypes.length > 1 ? eventTypes : [],
			categories: splitList(filters.categories),
			actorType: actorGid && actorType ? actorType : undefined,
			...(intents ? { intents } : {}),
		},
	};
}
