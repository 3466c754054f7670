import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { authenticationProperty, credentialsDescription } from '../shared/editor/descriptions';
import { executeOperations, type OperationTable } from '../shared/actions/executeOperations';
import { searchProjectsAndGoals, searchWorkspaces } from '../shared/editor/listSearch';
import { eventDescription, getEvents, getSyncToken } from './resources/event';

const operations: OperationTable = {
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

	methods = { listSearch: { searchProjectsAndGoals, searchWorkspaces } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperations(this, operations, '"Get Events" or "Get Sync Token"');
	}
}
