import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { authenticationProperty, credentialsDescription } from '../shared/descriptions';
import { searchProjects, searchWorkspaces } from '../shared/methods/listSearch';
import { eventDescription, getEvents, getSyncToken } from './resources/event';

type Operation = (ctx: IExecuteFunctions, itemIndex: number) => Promise<IDataObject[]>;

const operations: Record<string, Record<string, Operation>> = {
	event: { getEvents, getSyncToken },
};

export class AsanaEvents implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Asana Events',
		name: 'asanaEvents',
		icon: { light: 'file:../../icons/asana.svg', dark: 'file:../../icons/asana.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] === "getSyncToken" ? "Get sync token" : "Get events"}}',
		description:
			'Read what changed in Asana (tasks, projects, goals or a whole workspace) since a sync token, and get the next token',
		defaults: { name: 'Asana Events' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: credentialsDescription,
		properties: [
			authenticationProperty,
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Event', value: 'event' }],
				default: 'event',
			},
			...eventDescription,
		],
	};

	methods = { listSearch: { searchProjects, searchWorkspaces } };

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
					description: 'Choose "Get Events" or "Get Sync Token".',
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
