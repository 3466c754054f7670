import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { mapWithConcurrency } from '../asana/concurrency';
import type { AsanaCompact } from '../asana/types';
import { transportFor } from './editorTransport';

/** Asana's largest page of custom field settings. */
const CUSTOM_FIELD_PAGE = 100;

/**
 * The custom fields of the given projects, each listed once by name; the value is the field's
 * gid. An object that is not a project (a task, a goal) has none and adds nothing.
 */
export async function projectCustomFields(
	ctx: ILoadOptionsFunctions,
	projectGids: string[],
): Promise<INodePropertyOptions[]> {
	const transport = transportFor(ctx);
	const fields = new Map<string, string>();
	const notAProject = (status: number) => status === 404 || status === 403 || status === 400;
	await mapWithConcurrency(projectGids, projectGids.length, async (gid) => {
		let offset: string | undefined;
		do {
			const reply = await transport.get<{
				data?: Array<{ custom_field?: AsanaCompact }>;
				next_page?: { offset?: string } | null;
			}>(
				`/projects/${gid}/custom_field_settings`,
				{ opt_fields: 'custom_field.name', limit: CUSTOM_FIELD_PAGE, offset },
				{ subject: 'Custom field list', accept: notAProject },
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
