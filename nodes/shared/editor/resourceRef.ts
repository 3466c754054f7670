/** Reads Asana object references: plain IDs, both forms of Asana URLs, and entries of the editor's list. */

export type AsanaObjectType = 'task' | 'project' | 'goal';

export interface ParsedReference {
	gid: string;
	/** Known when a URL says it; a bare id leaves it to Asana. */
	type?: AsanaObjectType;
}

export const GID_PATTERN = /^\d{1,32}$/;

/** The types the editor's list of projects and goals offers, with the word each entry starts with. */
export const LISTED_TYPES = { project: 'Project', goal: 'Goal' } as const;
export type ListedType = keyof typeof LISTED_TYPES;

/** How the list labels an entry: "Project: Website relaunch". */
export function listedLabel(type: ListedType, name: string): string {
	return `${LISTED_TYPES[type]}: ${name}`;
}

/** Reads a label of the list back; undefined for a label in another form. */
export function readListedLabel(label: string): { type: ListedType; name: string } | undefined {
	for (const type of Object.keys(LISTED_TYPES) as ListedType[]) {
		const start = `${LISTED_TYPES[type]}: `;
		if (label.startsWith(start) && label.length > start.length)
			return { type, name: label.slice(start.length) };
	}
	return undefined;
}

/** An Asana object in messages: `project “Website relaunch” (1200…)`, or `project 1200…` unnamed. */
export function objectLabel(type: string, gid: string, name?: string): string {
	return name ? `${type} “${name}” (${gid})` : `${type} ${gid}`;
}

const PROJECT_VIEWS = new Set([
	'list',
	'board',
	'timeline',
	'calendar',
	'overview',
	'files',
	'messages',
	'progress',
	'workflow',
	'dashboard',
	'gantt',
	'f',
]);

/**
 * Parses `1234`, `https://app.asana.com/1/<ws>/project/<p>/task/<t>` (current URLs),
 * `https://app.asana.com/0/<p>/<t>` and `https://app.asana.com/0/<p>/list` (older URLs).
 * Returns an error text that says what was expected instead of throwing, so each caller
 * can name its own parameter.
 */
export function parseAsanaReference(input: unknown): ParsedReference | { error: string } {
	const text =
		typeof input === 'string' ? input.trim() : typeof input === 'number' ? String(input) : '';
	if (!text)
		return {
			error: 'it is empty; enter an Asana ID (digits only) or paste the object’s Asana URL',
		};
	if (GID_PATTERN.test(text)) return { gid: text };

	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return { error: `"${text}" is neither an Asana ID (digits only) nor a URL` };
	}
	if (!/(^|\.)asana\.com$/.test(url.hostname)) {
		return { error: `"${text}" is not an Asana URL (expected https://app.asana.com/...)` };
	}
	const parts = url.pathname.split('/').filter(Boolean);

	if (parts[0] === '1') {
		// Current form: /1/<workspace>/<type>/<gid>[/<type>/<gid>]...; the innermost object wins.
		let found: ParsedReference | undefined;
		for (let i = 2; i < parts.length - 1; i++) {
			const type = parts[i] as AsanaObjectType;
			if (['task', 'project', 'goal'].includes(type) && GID_PATTERN.test(parts[i + 1])) {
				if (!found || type === 'task') found = { gid: parts[i + 1], type };
			}
		}
		if (found) return found;
		return { error: `the URL "${text}" does not point at a task, project or goal` };
	}

	if (parts[0] === '0' && parts.length >= 3) {
		const [, first, second] = parts;
		if (first === 'goal' || first === 'goals') {
			const gid = parts.slice(2).find((p) => GID_PATTERN.test(p));
			if (gid) return { gid, type: 'goal' };
		}
		// /0/<project or 0>/<task>, /0/<project>/<view>; other first segments (inbox, search) are not objects.
		if (GID_PATTERN.test(first)) {
			if (GID_PATTERN.test(second) && second !== '0') return { gid: second, type: 'task' };
			if (first !== '0' && PROJECT_VIEWS.has(second)) return { gid: first, type: 'project' };
		}
	}
	return { error: `the URL "${text}" does not point at a task, project or goal` };
}
