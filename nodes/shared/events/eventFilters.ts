import type { AsanaEvent } from '../asana/types';

/** Client-side filters of the events trigger; an empty list means "any". */
export interface EventFilters {
	actions: string[];
	resourceTypes: string[];
	resourceSubtypes: string[];
	changedFields: string[];
	ignoredUserGids: string[];
}

export function splitList(value: unknown): string[] {
	if (Array.isArray(value))
		return value
			.map(String)
			.map((v) => v.trim())
			.filter(Boolean);
	if (typeof value !== 'string') return [];
	return value
		.split(/[\s,]+/)
		.map((v) => v.trim())
		.filter(Boolean);
}

export function matchesFilters(event: AsanaEvent, filters: EventFilters): boolean {
	if (filters.actions.length && !filters.actions.includes(event.action)) return false;
	const type = event.resource?.resource_type ?? event.type ?? '';
	if (filters.resourceTypes.length && !filters.resourceTypes.includes(type)) return false;
	if (
		filters.resourceSubtypes.length &&
		!filters.resourceSubtypes.includes(event.resource?.resource_subtype ?? '')
	) {
		return false;
	}
	if (filters.changedFields.length && !filters.changedFields.includes(event.change?.field ?? '')) {
		return false;
	}
	if (event.user && filters.ignoredUserGids.includes(event.user.gid)) return false;
	return true;
}

/** Asks Asana for names along with gids, so items read well in chat messages. */
export const EVENT_OPT_FIELDS = [
	'user',
	'user.name',
	'resource',
	'resource.name',
	'resource.resource_subtype',
	'type',
	'action',
	'parent',
	'parent.name',
	'created_at',
	'change',
	'change.field',
	'change.action',
	'change.new_value',
	'change.new_value.name',
	'change.added_value',
	'change.added_value.name',
	'change.removed_value',
	'change.removed_value.name',
];
