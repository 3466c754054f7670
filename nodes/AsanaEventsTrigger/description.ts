import type { INodeProperties } from 'n8n-workflow';

import {
	asanaObjectLocator,
	authenticationProperty,
	containerLocator,
	MAX_EVENTS_PER_POLL,
	pollTimesNotice,
	workspaceLocator,
} from '../shared/editor/descriptions';
import { eventFormatProperty } from '../shared/events/eventShape';
import { TRIGGER_ON_OPTIONS } from './triggerOn';
import { replayFromProperty } from '../shared/editor/replayFromOption';
import { CUSTOM_FIELD_LIST_DEPENDS_ON, CUSTOM_FIELD_PROJECTS } from './customFields';
import { EVENTS_TRIGGER_OPTIONS } from './settings';

export const eventsTriggerProperties: INodeProperties[] = [
	pollTimesNotice,
	{
		displayName: 'Trigger On',
		name: 'triggerOn',
		type: 'multiOptions',
		options: TRIGGER_ON_OPTIONS,
		default: ['anyEvent'],
		required: true,
		description:
			'What starts the workflow: one item per change, however many watched streams report it. The Filters below narrow every choice.',
	},
	{
		displayName: 'Custom Field Names or IDs',
		name: 'customFields',
		type: 'multiOptions',
		typeOptions: {
			loadOptionsMethod: 'getCustomFields',
			loadOptionsDependsOn: CUSTOM_FIELD_LIST_DEPENDS_ON,
		},
		default: [],
		description: `Only changes of these fields start the workflow; none picked means any custom field. Listed from the fields of the watched projects (the picked ones, or those of the team, portfolio or workspace in Asana's order), reading the first ${CUSTOM_FIELD_PROJECTS} projects only: a field only later projects have is not listed. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
		displayOptions: { show: { triggerOn: ['customFieldChanged'] } },
	},
	authenticationProperty,
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		options: [
			{
				name: 'All Projects in a Portfolio',
				value: 'portfolioProjects',
				description:
					'The events of every project directly in a portfolio (projects of nested portfolios are not included)',
			},
			{
				name: 'All Projects in a Workspace',
				value: 'workspaceProjects',
				description:
					'The events of every project of a workspace the credential’s user can see, on any plan',
			},
			{
				name: 'All Projects of a Team',
				value: 'teamProjects',
				description:
					'The events of every project of a team, on any plan; projects created later are watched from when they are found',
			},
			{
				name: 'Resources',
				value: 'resources',
				description:
					'Events of one or more tasks, projects or goals (a project also carries the events of its tasks, subtasks and comments)',
			},
			{
				name: 'Workspace',
				value: 'workspace',
				description:
					'Every event of a workspace. Needs a service account token of an Enterprise+ domain.',
			},
		],
		default: 'resources',
	},
	{
		displayName: 'Resources',
		name: 'resources',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Resource',
		default: { items: [{ resource: { mode: 'list', value: '' } }] },
		displayOptions: { show: { source: ['resources'] } },
		options: [
			{
				displayName: 'Resource',
				name: 'items',
				values: [asanaObjectLocator({ description: 'A task, project or goal to watch' })],
			},
		],
	},
	workspaceLocator({ displayOptions: { show: { source: ['workspace', 'workspaceProjects'] } } }),
	containerLocator('team', 'Team', 'searchTeams', {
		displayOptions: { show: { source: ['teamProjects'] } },
	}),
	containerLocator('portfolio', 'Portfolio', 'searchPortfolios', {
		description:
			'A portfolio the credential’s user owns; a service account sees every portfolio of the workspace. For another’s portfolio, enter its ID (the number in its URL).',
		displayOptions: { show: { source: ['portfolioProjects'] } },
	}),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		description:
			'Applied to what Trigger On matched, e.g. Task Assigned with Ignore Events by the Credential’s User: assigned, not by this workflow',
		options: [
			{
				displayName: 'Actions',
				name: 'actions',
				type: 'multiOptions',
				options: [
					{ name: 'Added', value: 'added' },
					{ name: 'Changed', value: 'changed' },
					{ name: 'Deleted', value: 'deleted' },
					{ name: 'Removed', value: 'removed' },
					{ name: 'Undeleted', value: 'undeleted' },
				],
				default: [],
				description: 'Emit only events with these actions',
			},
			{
				displayName: 'Changed Fields',
				name: 'changedFields',
				type: 'string',
				default: '',
				placeholder: 'assignee, completed, due_on, name, custom_fields',
				description: 'Comma-separated field names; emits only "changed" events of these fields',
			},
			{
				displayName: 'Ignore Events by the Credential’s User',
				name: 'ignoreOwnEvents',
				type: 'boolean',
				default: false,
				description:
					'Whether to drop events made by the user (or service account) of the credential this node uses',
			},
			{
				displayName: 'Ignore Events by User IDs',
				name: 'ignoredUserGids',
				type: 'string',
				default: '',
				placeholder: '1201234567890123, 1209876543210987',
				description:
					'Comma-separated user IDs whose events are dropped, e.g. the account a workflow writes back to Asana with, so it does not trigger itself',
			},
			{
				displayName: 'Resource Subtypes',
				name: 'resourceSubtypes',
				type: 'string',
				default: '',
				placeholder: 'default_task, milestone, comment',
				description: 'Comma-separated resource subtypes to emit',
			},
			{
				displayName: 'Resource Types',
				name: 'resourceTypes',
				type: 'multiOptions',
				options: [
					{ name: 'Attachment', value: 'attachment' },
					{ name: 'Goal', value: 'goal' },
					{ name: 'Portfolio', value: 'portfolio' },
					{ name: 'Project', value: 'project' },
					{ name: 'Section', value: 'section' },
					{ name: 'Story (Comment or Activity)', value: 'story' },
					{ name: 'Tag', value: 'tag' },
					{ name: 'Task', value: 'task' },
				],
				default: [],
				description: 'Emit only events on these types of resource',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			EVENTS_TRIGGER_OPTIONS.concurrency.property,
			{
				displayName: 'Emit Watch Changes',
				name: 'emitWatchChanges',
				type: 'boolean',
				default: false,
				displayOptions: {
					show: { '/source': ['teamProjects', 'portfolioProjects', 'workspaceProjects'] },
				},
				description:
					'Whether to emit one item when a project joins the watch (created or added) or leaves it (archived, deleted, removed or no longer visible)',
			},
			{
				displayName: 'Fetch Current Resource',
				name: 'fetchCurrentResource',
				type: 'boolean',
				default: false,
				description:
					'Whether to add the current fields of the changed task, project or goal as "current" to "changed" events that carry no value (Asana sends no value for name, dates, completed and similar fields). One request per resource per poll.',
			},
			{
				displayName: 'Include Archived Projects',
				name: 'includeArchived',
				type: 'boolean',
				default: false,
				displayOptions: {
					show: { '/source': ['teamProjects', 'portfolioProjects', 'workspaceProjects'] },
				},
				description: 'Whether to watch archived projects too',
			},
			MAX_EVENTS_PER_POLL.property,
			EVENTS_TRIGGER_OPTIONS.maxRequestsPerMinute.property,
			EVENTS_TRIGGER_OPTIONS.maxStalenessMinutes.property,
			EVENTS_TRIGGER_OPTIONS.onExpiredSyncToken.property,
			eventFormatProperty(),
			EVENTS_TRIGGER_OPTIONS.projectListRefreshMinutes.property,
			EVENTS_TRIGGER_OPTIONS.recoveryRequestsPerPoll.property,
			replayFromProperty(
				'Set a time to emit again every event since then that Asana still has (up to 24 hours back), marked "replayed", before going on with new events. Acts once per value.',
			),
			EVENTS_TRIGGER_OPTIONS.testEventWaitSeconds.property,
		],
	},
];
