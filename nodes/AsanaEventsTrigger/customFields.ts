/**
 * The list of Custom Field Names or IDs: the custom fields of the projects the source watches,
 * read from each project's custom field settings. A dropdown must answer within moments, so
 * the fields of at most CUSTOM_FIELD_PROJECTS projects are read, a few at a time.
 */
import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { mapWithConcurrency } from '../shared/asana/concurrency';
import type { AsanaTransport } from '../shared/asana/transport';
import type { AsanaCompact } from '../shared/asana/types';
import { transportFor } from '../shared/editor/editorTransport';
import { locatorValue } from '../shared/editor/parameters';
import { parseAsanaReference } from '../shared/editor/resourceRef';
import { listProjects, sourceLabel, type ProjectSource } from './projectList';
import { PROJECT_SOURCES, readSourceContainer, unsupportedSource } from './settings';

/** The projects whose fields are listed: the first ones of the source, in its order. */
export const CUSTOM_FIELD_PROJECTS = 50;
/** Rows of Resources whose picks reload the list at once; others do when the panel opens again. */
const RESOURCE_ROWS_FOLLOWED = 10;

/**
 * What the list depends on. The editor reloads it when these values, joined as text, change:
 * a locator or a row is named by its value, an object would read "[object Object]" whatever
 * it holds. `resources.items` changes with the number of rows.
 */
export const CUSTOM_FIELD_LIST_DEPENDS_ON = [
	'source',
	'resources.items',
	...Array.from(
		{ length: RESOURCE_ROWS_FOLLOWED },
		(_, row) => `resources.items[${row}].resource.value`,
	),
	'team.value',
	'portfolio.value',
	'workspace.value',
	'options.includeArchived',
];

/** Projects whose custom field settings are read at once. */
const SETTINGS_READS_IN_FLIGHT = 10;
/** Asana's largest page of custom field settings. */
const CUSTOM_FIELD_PAGE = 100;
const LIST_SUBJECT = 'Custom field list';

/** The projects of the Resources: picked ones, bare IDs (which may be projects) and project URLs. */
function resourceProjects(ctx: ILoadOptionsFunctions): string[] {
	const collection = ctx.getNodeParameter('resources', {}) as {
		items?: Array<{ resource?: unknown }>;
	};
	const projects = new Set<string>();
	for (const item of collection.items ?? []) {
		const reference = parseAsanaReference(locatorValue(item.resource));
		// A bare ID may be a project; Asana answers 404 for one that is not.
		if ('gid' in reference && (reference.type ?? 'project') === 'project')
			projects.add(reference.gid);
	}
	return [...projects];
}

/**
 * The first CUSTOM_FIELD_PROJECTS projects the source watches. None while its team, portfolio
 * or workspace is not set yet; a value that is no ID fails as the poll would.
 */
async function watchedProjects(
	ctx: ILoadOptionsFunctions,
	transport: AsanaTransport,
): Promise<string[]> {
	const source = ctx.getNodeParameter('source', 'resources') as string;
	if (source === 'resources') return resourceProjects(ctx).slice(0, CUSTOM_FIELD_PROJECTS);
	// Source "Workspace" reads every event of the workspace: those of all its projects.
	const spec =
		source === 'workspace'
			? PROJECT_SOURCES.workspaceProjects
			: Object.hasOwn(PROJECT_SOURCES, source)
				? PROJECT_SOURCES[source]
				: undefined;
	if (!spec) throw unsupportedSource(ctx, source);
	const raw = ctx.getNodeParameter(spec.parameter, undefined);
	const value = locatorValue(raw);
	if (value === undefined || value === null || String(value).trim() === '') return [];
	const container = readSourceContainer(ctx, spec, raw);
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const projectSource: ProjectSource = {
		kind: spec.kind,
		gid: container.gid,
		...(container.name ? { listedName: container.name } : {}),
		// Include Archived Projects is an option of the project sources only.
		includeArchived: source !== 'workspace' && options.includeArchived === true,
	};
	const listed = await listProjects(
		transport,
		projectSource,
		`${LIST_SUBJECT} › ${sourceLabel(projectSource)} › projects`,
		CUSTOM_FIELD_PROJECTS,
	);
	return (listed ?? []).map((project) => project.gid);
}

/**
 * The custom fields of the given projects, each listed once by name; the value is the field's
 * gid. An object that is not a project (a task, a goal) has none and adds nothing.
 */
async function projectCustomFields(
	transport: AsanaTransport,
	projectGids: string[],
): Promise<INodePropertyOptions[]> {
	const fields = new Map<string, string>();
	const notAProject = (status: number) => status === 404 || status === 403 || status === 400;
	await mapWithConcurrency(projectGids, SETTINGS_READS_IN_FLIGHT, async (gid) => {
		let offset: string | undefined;
		do {
			const reply = await transport.get<{
				data?: Array<{ custom_field?: AsanaCompact }>;
				next_page?: { offset?: string } | null;
			}>(
				`/projects/${gid}/custom_field_settings`,
				{ opt_fields: 'custom_field.name', limit: CUSTOM_FIELD_PAGE, offset },
				{ subject: LIST_SUBJECT, accept: notAProject },
			);
			if (reply.kind !== 'ok' || notAProject(reply.status)) return;
			for (const setting of reply.body.data ?? []) {
				const field = setting.custom_field;
				if (field) fields.set(field.gid, field.name ?? field.gid);
			}
			offset = reply.body.next_page?.offset || undefined;
		} while (offset);
	});
	return [...fields]
		.map(([value, name]) => ({ name, value }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Custom Field Names or IDs: the fields of the watched projects, at most CUSTOM_FIELD_PROJECTS of them. */
export async function getCustomFields(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const transport = transportFor(this);
	return await projectCustomFields(transport, await watchedProjects(this, transport));
}
