import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
	INodePropertyOptions,
} from 'n8n-workflow';

import { mapWithConcurrency } from '../asana/concurrency';
import type { AsanaTransport } from '../asana/transport';
import type { AsanaCompact } from '../asana/types';
import { transportFor } from './editorTransport';
import { LISTED_TYPES, listedLabel, type ListedType } from './resourceRef';

/** Asana's largest page of workspaces. */
const WORKSPACE_PAGE = 100;
/** Workspaces searched per batch for projects and goals: one batch costs 1 + 2 × this requests. */
const WORKSPACES_PER_BATCH = 10;
/** Batches one call may search while it has found nothing yet, so an empty page does not end the list. */
const MAX_BATCHES_PER_CALL = 3;
/** Matches per type and workspace; Asana's typeahead answers at most 100 and has no next page. */
const TYPEAHEAD_COUNT = 50;
const APP_URL = 'https://app.asana.com';

interface WorkspacePage {
	workspaces: AsanaCompact[];
	/** Asana's offset of the next page, when there is one. */
	next?: string;
}

async function workspacePage(
	transport: AsanaTransport,
	limit: number,
	offset: string | undefined,
	subject: string,
): Promise<WorkspacePage> {
	const reply = await transport.get<{
		data?: AsanaCompact[];
		next_page?: { offset?: string } | null;
	}>('/workspaces', { limit, offset }, { subject });
	// Without a deadline the transport never defers; an empty page is the safe reading anyway.
	if (reply.kind !== 'ok') return { workspaces: [] };
	return { workspaces: reply.body.data ?? [], next: reply.body.next_page?.offset || undefined };
}

function matches(name: string | undefined, filter?: string): boolean {
	return !filter || (name ?? '').toLowerCase().includes(filter.toLowerCase());
}

/** Workspaces the token's user belongs to, filtered by name; one Asana page per call. */
export async function searchWorkspaces(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const page = await workspacePage(
		transportFor(this),
		WORKSPACE_PAGE,
		paginationToken,
		'Workspace list',
	);
	return {
		results: page.workspaces
			.filter((w) => matches(w.name, filter))
			.map((w) => ({ name: w.name ?? w.gid, value: w.gid })),
		paginationToken: page.next,
	};
}

/** Asana's own name search (typeahead) for one type in one workspace. */
async function typeahead(
	transport: AsanaTransport,
	workspace: AsanaCompact,
	type: ListedType,
	filter: string | undefined,
): Promise<AsanaCompact[]> {
	const reply = await transport.get<{ data?: AsanaCompact[] }>(
		`/workspaces/${workspace.gid}/typeahead`,
		{ resource_type: type, query: filter ?? '', count: TYPEAHEAD_COUNT },
		{ subject: 'Project and goal list' },
	);
	return reply.kind === 'ok' ? (reply.body.data ?? []) : [];
}

/**
 * Projects and goals whose names match the typed text, labelled "Project: …" / "Goal: …"
 * (with the workspace when the user has several). The value is the object's gid: the
 * events API takes a project's or a goal's gid alike as `resource`. Pages follow Asana's
 * pages of workspaces, searched in batches; the token is Asana's offset of the next batch.
 */
export async function searchProjectsAndGoals(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const transport = transportFor(this);
	const results: INodeListSearchItems[] = [];
	let offset = paginationToken;
	for (let batch = 0; batch < MAX_BATCHES_PER_CALL; batch++) {
		const page = await workspacePage(
			transport,
			WORKSPACES_PER_BATCH,
			offset,
			'Project and goal list',
		);
		offset = page.next;
		const several =
			page.workspaces.length > 1 ||
			offset !== undefined ||
			paginationToken !== undefined ||
			batch > 0;
		const searches = page.workspaces.flatMap((workspace) =>
			(Object.keys(LISTED_TYPES) as ListedType[]).map((type) => ({ workspace, type })),
		);
		const found = await mapWithConcurrency(searches, searches.length, async ({ workspace, type }) =>
			(await typeahead(transport, workspace, type, filter)).map((item) => ({
				name: `${listedLabel(type, item.name ?? item.gid)}${several ? ` (${workspace.name ?? workspace.gid})` : ''}`,
				value: item.gid,
				url: `${APP_URL}/1/${workspace.gid}/${type}/${item.gid}`,
			})),
		);
		results.push(...found.flat());
		if (results.length > 0 || offset === undefined) break;
	}
	return { results, paginationToken: offset };
}

/** Asana's largest page of teams or portfolios: one page per workspace is listed. */
const CONTAINER_PAGE = 100;

/**
 * Teams or portfolios whose names match the typed text, from every workspace of the user
 * (labelled with the workspace when there are several); the token is Asana's offset of
 * the next batch of workspaces.
 */
async function searchPerWorkspace(
	ctx: ILoadOptionsFunctions,
	filter: string | undefined,
	paginationToken: string | undefined,
	listing: (workspace: AsanaCompact) => { path: string; query: Record<string, string | number> },
	subject: string,
): Promise<INodeListSearchResult> {
	const transport = transportFor(ctx);
	const page = await workspacePage(transport, WORKSPACES_PER_BATCH, paginationToken, subject);
	const several = page.workspaces.length > 1 || page.next !== undefined || !!paginationToken;
	const found = await mapWithConcurrency(
		page.workspaces,
		page.workspaces.length,
		async (workspace) => {
			const { path, query } = listing(workspace);
			const reply = await transport.get<{ data?: AsanaCompact[] }>(
				path,
				{ ...query, limit: CONTAINER_PAGE },
				{ subject },
			);
			return (reply.kind === 'ok' ? (reply.body.data ?? []) : [])
				.filter((item) => matches(item.name, filter))
				.map((item) => ({
					name: `${item.name ?? item.gid}${several ? ` (${workspace.name ?? workspace.gid})` : ''}`,
					value: item.gid,
				}));
		},
	);
	return { results: found.flat(), paginationToken: page.next };
}

/** Teams of the user's workspaces, for the "All Projects of a Team" source. */
export async function searchTeams(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchPerWorkspace(
		this,
		filter,
		paginationToken,
		(workspace) => ({ path: `/workspaces/${workspace.gid}/teams`, query: {} }),
		'Team list',
	);
}

/**
 * Portfolios for the "All Projects in a Portfolio" source: Asana lists a user's own, and every
 * portfolio of the workspace to a service account (asked without an owner).
 */
export async function searchPortfolios(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchPerWorkspace(
		this,
		filter,
		paginationToken,
		(workspace) => ({ path: '/portfolios', query: { workspace: workspace.gid } }),
		'Portfolio list',
	);
}

/**
 * Users of the credential user's workspaces (the first WORKSPACES_PER_BATCH of them) by name,
 * each once however many workspaces they share: Asana lists at most 2000 per workspace.
 */
export async function getWorkspaceUsers(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const subject = 'User list';
	const transport = transportFor(this);
	const page = await workspacePage(transport, WORKSPACES_PER_BATCH, undefined, subject);
	const found = await mapWithConcurrency(
		page.workspaces,
		page.workspaces.length,
		async (workspace) => {
			const reply = await transport.get<{ data?: AsanaCompact[] }>(
				`/workspaces/${workspace.gid}/users`,
				{},
				{ subject },
			);
			return reply.kind === 'ok' ? (reply.body.data ?? []) : [];
		},
	);
	const users = new Map(found.flat().map((user) => [user.gid, user.name ?? user.gid]));
	return [...users]
		.map(([value, name]) => ({ name, value }))
		.sort((a, b) => a.name.localeCompare(b.name));
}
