import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { TOKEN_CREDENTIAL } from '../shared/asana/constants';
import { executeOperations, type OperationTable } from '../shared/actions/executeOperations';
import { searchWorkspaces } from '../shared/editor/listSearch';
import { auditLogEventDescription, getMany } from './resources/auditLogEvent';

const operations: OperationTable = {
	auditLogEvent: { getAll: getMany },
};

export class AsanaAuditLog implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Asana Audit Log',
		name: 'asanaAuditLog',
		icon: { light: 'file:../../icons/asana.svg', dark: 'file:../../icons/asana.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{"Get many audit log events"}}',
		description:
			'Read an Asana domain’s audit log (logins, exports, deletions, permission changes) with filters and a resumable offset. Needs a service account token of an Enterprise+ domain.',
		defaults: { name: 'Asana Audit Log' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: TOKEN_CREDENTIAL, required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Audit Log Event', value: 'auditLogEvent' }],
				default: 'auditLogEvent',
			},
			...auditLogEventDescription,
		],
	};

	methods = { listSearch: { searchWorkspaces } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperations(this, operations, '"Get Many"');
	}
}
