import type { INode } from 'n8n-workflow';

import { invalidParameter } from '../asana/errors';
import {
	GID_PATTERN,
	parseAsanaReference,
	readListedLabel,
	type AsanaObjectType,
} from './resourceRef';

/** A resource locator's value, whether n8n handed over the locator or the value it extracted. */
export function locatorValue(raw: unknown): unknown {
	return raw && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
}

export interface AsanaObject {
	gid: string;
	/** Known when a URL or the list says it; a bare ID leaves it to Asana. */
	type?: AsanaObjectType;
	/** The name of an object picked from the list. */
	name?: string;
}

/** What the list said about the picked entry, from the locator n8n stores. */
function pickedFromList(raw: unknown): { type?: AsanaObjectType; name: string } | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const { mode, cachedResultName } = raw as { mode?: unknown; cachedResultName?: unknown };
	if (mode !== 'list' || typeof cachedResultName !== 'string' || !cachedResultName)
		return undefined;
	return readListedLabel(cachedResultName) ?? { name: cachedResultName };
}

/**
 * The task, project or goal of a locator (an ID, an Asana URL, or an entry of the list);
 * `label` names the parameter in the error.
 */
export function readAsanaObject(
	ctx: { getNode(): INode },
	raw: unknown,
	label: string,
	itemIndex?: number,
): AsanaObject {
	const parsed = parseAsanaReference(locatorValue(raw));
	if ('error' in parsed) {
		throw invalidParameter(
			ctx,
			`${label}: ${parsed.error}`,
			'Pick a project or goal from the list, paste the URL of a task, project or goal, or enter its ID (digits only).',
			itemIndex,
		);
	}
	const listed = pickedFromList(raw);
	return listed ? { gid: parsed.gid, type: parsed.type ?? listed.type, name: listed.name } : parsed;
}

/** The workspace of a Workspace locator, with its name when it was picked from the list. */
export function readWorkspace(
	ctx: { getNode(): INode },
	raw: unknown,
	itemIndex?: number,
): { gid: string; name?: string } {
	const value = locatorValue(raw);
	const gid = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (!GID_PATTERN.test(gid)) {
		throw invalidParameter(
			ctx,
			`Workspace: "${gid}" is not a workspace ID`,
			'Pick the workspace from the list, or enter its ID (digits only; Asana URLs show it after /1/).',
			itemIndex,
		);
	}
	const name = pickedFromList(raw)?.name;
	return name ? { gid, name } : { gid };
}
