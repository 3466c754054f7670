import type { INodeProperties, INodePropertyMode } from 'n8n-workflow';

import { CONNECTED_APP_CREDENTIAL, TOKEN_CREDENTIAL } from '../asana/constants';
import { numberOption } from './declaredOptions';

export const credentialsDescription = [
	{
		name: TOKEN_CREDENTIAL,
		required: true,
		displayOptions: { show: { authentication: ['accessToken'] } },
	},
	{
		name: CONNECTED_APP_CREDENTIAL,
		required: true,
		displayOptions: { show: { authentication: ['oAuth2'] } },
	},
];

/**
 * Shown right below n8n's own Poll Times (n8n puts that parameter first): what n8n takes
 * there, which differs by version, and how long a poll reads.
 */
export const pollTimesNotice: INodeProperties = {
	displayName:
		'Poll Times: n8n 2.41 and later poll at most once a minute and refuse, at activation, a custom cron whose seconds field is not one number. Older n8n also take a list of seconds, e.g. 0,10,20,30,40,50 * * * * * for a poll every 10 s. Each poll reads Asana for up to 60% of the time to the next one (at most 5 minutes).',
	name: 'pollTimesNotice',
	type: 'notice',
	default: '',
};

export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	options: [
		{ name: 'Access Token', value: 'accessToken' },
		{ name: 'OAuth2', value: 'oAuth2' },
	],
	default: 'accessToken',
};

/** Options › Max Events per Poll of both triggers: one meaning, the items a poll emits. */
export const MAX_EVENTS_PER_POLL = numberOption({
	name: 'maxEventsPerPoll',
	displayName: 'Max Events per Poll',
	collection: 'Options',
	default: 1000,
	min: 1,
	max: 1_000_000,
	description:
		'The most items one poll emits; the rest of a backlog follows in the next polls, none skipped. Lower it when the workflow after the trigger cannot take a large batch at once, e.g. after a long stop.',
});

/**
 * The check of a locator's By ID mode. n8n lists its message among the node's issues
 * without the field ("The 'Asana Events' node has issues: - …"), so the message names it.
 */
function digitsOnly(displayName: string): INodePropertyMode['validation'] {
	return [
		{
			type: 'regex',
			properties: {
				regex: '^\\d+$',
				errorMessage: `${displayName}: enter an ID with digits only, or pick from the list`,
			},
		},
	];
}

/** A task, project or goal by ID, URL, or picked from a searchable list of projects and goals. */
export function asanaObjectLocator(overrides: Partial<INodeProperties>): INodeProperties {
	const displayName = overrides.displayName ?? 'Resource';
	return {
		displayName,
		name: 'resource',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'A task, project or goal',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a project or goal…',
				typeOptions: { searchListMethod: 'searchProjectsAndGoals', searchable: true },
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'https://app.asana.com/1/123/project/456/list',
				hint: 'The URL of a task, project or goal, in either of Asana’s URL forms',
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: '1201234567890123',
				validation: digitsOnly(displayName),
			},
		],
		...overrides,
	};
}

/** The workspace, by ID or picked from the user's workspaces. */
export function workspaceLocator(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return containerLocator(
		'workspace',
		overrides.displayName ?? 'Workspace',
		'searchWorkspaces',
		overrides,
	);
}

/** An Asana container (workspace, team, portfolio) by ID or picked from a searchable list. */
export function containerLocator(
	name: string,
	displayName: string,
	searchListMethod: string,
	overrides: Partial<INodeProperties> = {},
): INodeProperties {
	return {
		displayName,
		name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: `Select a ${displayName.toLowerCase()}…`,
				typeOptions: { searchListMethod, searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: '1201234567890123',
				validation: digitsOnly(displayName),
			},
		],
		...overrides,
	};
}
