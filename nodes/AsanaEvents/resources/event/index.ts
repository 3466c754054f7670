import type { INodeProperties } from 'n8n-workflow';

import { getEventsDescription } from './getEvents';
import { streamTargetProperties } from './streamTarget';

export { getEvents } from './getEvents';
export { getSyncToken } from './getSyncToken';

const showOnlyForEvents = { resource: ['event'] };

export const eventDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: showOnlyForEvents },
		options: [
			{
				name: 'Get Events',
				value: 'getEvents',
				action: 'Get events since a sync token',
				description:
					'Get what changed on a task, project, goal or workspace since a sync token, and the next sync token',
			},
			{
				name: 'Get Sync Token',
				value: 'getSyncToken',
				action: 'Get a sync token to listen from now',
				description:
					'Start listening now: returns a sync token; a later Get Events with it returns what changed in between',
			},
		],
		default: 'getEvents',
	},
	...streamTargetProperties,
	...getEventsDescription,
];
