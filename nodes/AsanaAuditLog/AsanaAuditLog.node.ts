import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { TOKEN_CREDENTIAL } from '../shared/constants';
import { searchWorkspaces } from '../shared/methods/listSearch';
import { auditLogEventDescription, getMany } from './resources/auditLogEvent';

type Operation = (ctx: IExecuteFunctions, itemIndex: number) => Promise<IDataObject[]>;

const operations: Record<string, Record<string, Operation>> = {
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
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const pairedItem = { item: itemIndex };
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operationName = this.getNodeParameter('operation', itemIndex) as string;
			const operation = operations[resource]?.[operationName];
			if (!operation) {
				throw new NodeOperationError(this.getNode(), `Item ${itemIndex}: Operation "${operationName}" is not supported`, {
					description: 'Choose "Get Many".',
					itemIndex,
				});
			}
			const toItems = (results: IDataObject[]) => results.map((json) => ({ json, pairedItem }));
			// Without "continue on fail" nothing is caught: the error reaches n8n as the node built it.
			if (!this.continueOnFail()) {
				returnData.push(...toItems(await operation(this, itemIndex)));
				continue;
			}
			try {
				returnData.push(...toItems(await operation(this, itemIndex)));
			} catch (error) {
				returnData.push({ json: { error: (error as Error).message }, pairedItem });
			}
		}
		return [returnData];
	}
}
