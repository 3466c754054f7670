import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import type { AuthenticationMethod } from '../constants';
import { createTransport, type AsanaTransport } from '../transport';
import type { AsanaCompact } from '../types';

/** Workspaces searched for projects and goals: the picker stays quick for members of many. */
const MAX_WORKSPACES_SEARCHED = 10;

function transportFor(ctx: ILoadOptionsFunctions): AsanaTransport {
	const authentication = ctx.getNodeParameter('authentication', 'accessToken') as AuthenticationMethod;
	return createTransport(ctx, { authentication, retry: { maxAttempts: 2, maxRateLimitAttempts: 2 } });
}

async function listWorkspaces(transport: AsanaTransport): Promise<AsanaCompact[]> {
	const reply = await transport.get<{ data: AsanaCompact[] }>('/workspaces', { limit: 100 });
	return reply.kind === 'ok' ? reply.body.data : [];
}

function matches(name: string | undefined, filter?: string): boolean {
	return !filter || (name ?? '').toLowerCase().includes(filter.toLowerCase());
}

export async function searchWorkspaces(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const workspaces = await listWorkspaces(transportFor(this));
	return {
		results: workspaces
			.filter((w) => matches(w.name, filter))
			.map((w) => ({ name: w.name ?? w.gid, value: w.gid })),
	};
}

/** Typeahead per workspace: Asana's own name search, one request per workspace. */
async function typeahead(
	ctx: ILoadOptionsFunctions,
	resourceType: 'project' | 'goal',
	filter?: string,
): Promise<INodeListSearchResult> {
	const transport = transportFor(ctx);
	const workspaces = (await listWorkspaces(transport)).slice(0, MAX_WORKSPACES_SEARCHED);
	const results: INodeListSearchResult['results'] = [];
	for (const workspace of workspaces) {
		const reply = await transport.get<{ data: AsanaCompact[] }>(
			`/workspaces/${workspace.gid}/typeahead`,
			{ resource_type: resourceType, query: filter ?? '', count: 50 },
		);
		if (reply.kind !== 'ok') continue;
		for (const item of reply.body.data) {
			const label = workspaces.length > 1 ? `${item.name} (${workspace.name})` : (item.name ?? item.gid);
			results.push({ name: label, value: item.gid });
		}
	}
	return { results };
}

export async function searchProjects(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	return await typeahead(this, 'project', filter);
}

export async function searchGoals(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	return await typeahead(this, 'goal', filter);
}
