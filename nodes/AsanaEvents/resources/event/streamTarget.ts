import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { asanaObjectLocator, workspaceLocator } from '../../../shared/editor/descriptions';
import { forItem, invalidParameter } from '../../../shared/asana/errors';
import { readAsanaObject, readWorkspace } from '../../../shared/editor/parameters';
import type { StreamTarget } from '../../../shared/asana/types';

const showForEventOperations = { resource: ['event'], operation: ['getEvents', 'getSyncToken'] };

/** Which stream an operation reads: one task, project or goal, or a whole workspace. */
export const streamTargetProperties: INodeProperties[] = [
	{
		displayName: 'Events Of',
		name: 'source',
		type: 'options',
		options: [
			{
				name: 'Task, Project or Goal',
				value: 'resource',
				description:
					'Events of one object. A project’s events include those of its tasks, subtasks and comments.',
			},
			{
				name: 'Workspace',
				value: 'workspace',
				description:
					'Every event of a workspace. Needs a service account token of an Enterprise+ domain.',
			},
		],
		default: 'resource',
		description: 'Whether to read the events of one task, project or goal, or of a whole workspace',
		displayOptions: { show: showForEventOperations },
	},
	asanaObjectLocator({
		displayName: 'Task, Project or Goal',
		name: 'asanaObject',
		description:
			'The task, project or goal whose events to read: its ID (digits only) or its Asana URL',
		displayOptions: { show: { ...showForEventOperations, source: ['resource'] } },
	}),
	workspaceLocator({
		description:
			'The workspace whose events to read. Its ID is the number after /1/ in Asana URLs.',
		displayOptions: { show: { ...showForEventOperations, source: ['workspace'] } },
	}),
];

/** Reads the stream of one input item; errors name the item, the parameter and the fix. */
export function readStreamTarget(ctx: IExecuteFunctions, itemIndex: number): StreamTarget {
	const source = ctx.getNodeParameter('source', itemIndex, 'resource') as string;
	if (source === 'workspace') {
		const { gid } = readWorkspace(
			ctx,
			ctx.getNodeParameter('workspace', itemIndex, '', { extractValue: true }),
			itemIndex,
		);
		return { kind: 'workspace', gid };
	}
	if (source !== 'resource') {
		throw invalidParameter(
			ctx,
			`Events Of: "${source}" is not supported`,
			'Choose "Task, Project or Goal" or "Workspace".',
			itemIndex,
		);
	}
	// The locator itself, not its extracted value: it also holds the name of an entry picked from the list.
	const object = readAsanaObject(
		ctx,
		ctx.getNodeParameter('asanaObject', itemIndex, ''),
		'Task, Project or Goal',
		itemIndex,
	);
	return { kind: 'resource', gid: object.gid, resourceType: object.type };
}

/** Names the stream in Asana errors, in the words of the node's parameters. */
export function streamSubject(target: StreamTarget, itemIndex: number): string {
	const what = target.kind === 'workspace' ? 'Workspace' : 'Task, Project or Goal';
	return forItem(`${what} ${target.gid}`, itemIndex);
}
