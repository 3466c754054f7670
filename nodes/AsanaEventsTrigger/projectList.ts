/**
 * The projects of a team, a portfolio or a workspace, as the events trigger watches them:
 * read from Asana's project listings page by page, compared with the list watched so far.
 */
import type { AsanaTransport } from '../shared/asana/transport';
import { objectLabel } from '../shared/editor/resourceRef';

/** Asana's largest page of a listing. */
const LISTING_PAGE = 100;

export type ProjectSourceKind = 'team' | 'portfolio' | 'workspace';

export interface ProjectSource {
	kind: ProjectSourceKind;
	gid: string;
	/** The name it was picked from the list by. */
	listedName?: string;
	includeArchived: boolean;
}

export interface ListedProject {
	gid: string;
	name?: string;
}

/**
 * A project that joined or left the watch: listed or no longer listed; or its reads were
 * refused (403, 404), or answer again.
 */
export interface WatchChange {
	change: 'added' | 'removed';
	project: ListedProject;
	reason: 'listed' | 'unlisted' | 'refused' | 'readable';
	/** What Asana answered, for `refused`. */
	status?: number;
}

const SOURCE_TYPES: Record<ProjectSourceKind, string> = {
	team: 'Team',
	portfolio: 'Portfolio',
	workspace: 'Workspace',
};

/** The source in words, e.g. Team “Platform” (1200000000000005). */
export function sourceLabel(source: ProjectSource): string {
	return objectLabel(SOURCE_TYPES[source.kind], source.gid, source.listedName);
}

/** Identifies the source in the trigger's state: a new source starts a new list. */
export function sourceKey(source: ProjectSource): string {
	return `${source.kind}:${source.gid}${source.includeArchived ? ':archived' : ''}`;
}

interface ListedItem {
	gid: string;
	name?: string;
	resource_type?: string;
	archived?: boolean;
}

interface ListingPage {
	data?: ListedItem[];
	next_page?: { offset?: string } | null;
}

/**
 * The request for one page of the source's projects. A team's and a workspace's listing
 * filter archived projects on Asana's side; a portfolio's items (projects and portfolios)
 * carry `archived` to filter on here.
 */
function listingRequest(
	source: ProjectSource,
	offset: string | undefined,
): { path: string; query: Record<string, string | number | undefined> } {
	const archived = source.includeArchived ? undefined : 'false';
	const page = { limit: LISTING_PAGE, offset };
	switch (source.kind) {
		case 'team':
			return {
				path: `/teams/${source.gid}/projects`,
				query: { ...page, archived, opt_fields: 'name' },
			};
		case 'workspace':
			return {
				path: '/projects',
				query: { ...page, workspace: source.gid, archived, opt_fields: 'name' },
			};
		case 'portfolio':
			return {
				path: `/portfolios/${source.gid}/items`,
				query: { ...page, opt_fields: 'name,resource_type,archived' },
			};
	}
}

/**
 * Every project of the source, in Asana's order, or the first `max` of them; undefined when
 * a page could not be read within the time budget (the list watched so far stays).
 */
export async function listProjects(
	transport: AsanaTransport,
	source: ProjectSource,
	subject: string,
	max = Number.POSITIVE_INFINITY,
): Promise<ListedProject[] | undefined> {
	const projects: ListedProject[] = [];
	let offset: string | undefined;
	do {
		const { path, query } = listingRequest(source, offset);
		const reply = await transport.get<ListingPage>(path, query, { subject });
		if (reply.kind !== 'ok') return undefined;
		for (const item of reply.body.data ?? []) {
			if (item.resource_type !== undefined && item.resource_type !== 'project') continue;
			if (item.archived === true && !source.includeArchived) continue;
			projects.push(item.name ? { gid: item.gid, name: item.name } : { gid: item.gid });
		}
		offset = reply.body.next_page?.offset || undefined;
	} while (offset && projects.length < max);
	return projects.slice(0, max);
}

/** Projects that joined the list, then those that left it. */
export function watchChanges(before: ListedProject[], after: ListedProject[]): WatchChange[] {
	const was = new Set(before.map((project) => project.gid));
	const is = new Set(after.map((project) => project.gid));
	return [
		...after
			.filter((project) => !was.has(project.gid))
			.map((project): WatchChange => ({ change: 'added', project, reason: 'listed' })),
		...before
			.filter((project) => !is.has(project.gid))
			.map((project): WatchChange => ({ change: 'removed', project, reason: 'unlisted' })),
	];
}
