import type { INodeProperties } from 'n8n-workflow';

import { getManyDescription } from './getMany';

export { getMany } from './getMany';

export const auditLogEventDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['auditLogEvent'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many audit log events',
				description:
					'Get audit log events of a workspace (logins, exports, deletions, permission changes), oldest first, filtered by time, type, actor or resource',
			},
		],
		default: 'getAll',
	},
	...getManyDescription,
];
