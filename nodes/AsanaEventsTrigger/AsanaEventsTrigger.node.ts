import {
	NodeConnectionTypes,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { credentialsDescription } from '../shared/editor/descriptions';
import {
	getWorkspaceUsers,
	searchPortfolios,
	searchProjectsAndGoals,
	searchTeams,
	searchWorkspaces,
} from '../shared/editor/listSearch';
import { getCustomFields } from './customFields';
import { eventsTriggerProperties } from './description';
import { fetchTestEvents, pollEventsTrigger } from './poll';
import { readEventsTriggerSettings } from './settings';

export class AsanaEventsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Asana Events Trigger',
		name: 'asanaEventsTrigger',
		icon: { light: 'file:../../icons/asana.svg', dark: 'file:../../icons/asana.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ {"workspace": "Workspace events", "teamProjects": "All projects of a team", "portfolioProjects": "All projects in a portfolio", "workspaceProjects": "All projects in a workspace"}[$parameter["source"]] ?? "Resource events" }}',
		description:
			'Starts the workflow when tasks, projects or goals change in Asana, polling Asana’s Events API with durable sync tokens (no public webhook URL needed)',
		defaults: { name: 'Asana Events Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: credentialsDescription,
		properties: eventsTriggerProperties,
	};

	methods = {
		listSearch: { searchProjectsAndGoals, searchWorkspaces, searchTeams, searchPortfolios },
		loadOptions: { getCustomFields, getWorkspaceUsers },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readEventsTriggerSettings(this);
		return this.getMode() === 'manual'
			? await fetchTestEvents(this, settings)
			: await pollEventsTrigger(this, settings);
	}
}
