import type { INodeProperties } from 'n8n-workflow';

import {
	asanaObjectLocator,
	authenticationProperty,
	containerLocator,
	MAX_EVENTS_PER_POLL,
	pollTimesNotice,
	workspaceLocator,
} from '../shared/editor/descriptions';
import { TRIGGER_ON_OPTIONS } from './triggerOn';
import { replayFromProperty } from '../shared/editor/replayFromOption';
import { CUSTOM_FIELD_LIST_DEPENDS_ON, CUSTOM_FIELD_PROJECTS } from './customFields';
import { EVENTS_TRIGGER_OPTIONS, PICKED_OBJECTS_LABEL } from './settings';

/**
 * Fields Asana's events name in `change.field`: those of tasks, projects and goals that
 * Asana's guides and this pack's tests show. Another field can be given by an expression.
 */
const KNOWN_CHANGED_FIELDS: Array<[string, string]> = [
	['Approval Status', 'approval_status'],
	['Archived', 'archived'],
	['Assignee', 'assignee'],
	['Completed', 'completed'],
	['Current Status Update', 'current_status_update'],
	['Custom Fields', 'custom_fields'],
	['Dependencies', 'dependencies'],
	['Due Date (due_at)', 'due_at'],
	['Due Date (due_on)', 'due_on'],
	['Followers', 'followers'],
	['Memberships (Sections)', 'memberships'],
	['Name', 'name'],
	['Notes', 'notes'],
	['Owner', 'owner'],
	['Parent Task', 'parent'],
	['Start Date (start_on)', 'start_on'],
	['Status', 'status'],
	['Tags', 'tags'],
];

/**
 * Subtypes Asana gives the resource of an event: those of tasks (TaskCompact's enum in
 * Asana's OpenAPI file) and the common ones of stories. Another can be given by an expression.
 */
const KNOWN_RESOURCE_SUBTYPES: Array<[string, string]> = [
	['Task: Task', 'default_task'],
	['Task: Milestone', 'milestone'],
	['Task: Approval', 'approval'],
	['Story: Comment', 'comment_added'],
	['Story: Assigned', 'assigned'],
	['Story: Unassigned', 'unassigned'],
	['Story: Marked Complete', 'marked_complete'],
	['Story: Marked Incomplete', 'marked_incomplete'],
	['Story: Due Date Changed', 'due_date_changed'],
	['Story: Name Changed', 'name_changed'],
	['Story: Notes Changed', 'notes_changed'],
	['Story: Moved to Section', 'section_changed'],
	['Story: Added to Project', 'added_to_project'],
	['Story: Removed From Project', 'removed_from_project'],
	['Story: Custom Field Changed', 'enum_custom_field_changed'],
	['Story: Attachment Added', 'attachment_added'],
];

const listed = (known: Array<[string, string]>) => known.map(([name, value]) => ({ name, value }));

export const eventsTriggerProperties: INodeProperties[] = [
	pollTimesNotice,
	authenticationProperty,
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		options: [
			{
				name: 'All Events of a Workspace',
				value: 'workspace',
				description:
					'Every event of a workspace. Needs a service account token of an Enterprise+ domain.',
			},
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
				name: 'Specific Projects, Tasks or Goals',
				value: 'resources',
				description:
					'The events of the projects, tasks or goals you pick (a project also brings the events of its tasks, subtasks and comments)',
			},
		],
		default: 'resources',
		description: 'What to watch in Asana',
	},
	{
		displayName: PICKED_OBJECTS_LABEL,
		name: 'resources',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Project, Task or Goal',
		default: { items: [{ resource: { mode: 'list', value: '' } }] },
		displayOptions: { show: { source: ['resources'] } },
		options: [
			{
				displayName: 'Project, Task or Goal',
				name: 'items',
				values: [
					asanaObjectLocator({
						displayName: 'Project, Task or Goal',
						description: 'A project or goal picked from the list, or a task by its URL or ID',
					}),
				],
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
				type: 'multiOptions',
				options: listed(KNOWN_CHANGED_FIELDS),
				default: [],
				description:
					'Emit only "changed" events of these fields. For a field not in the list, give the field names Asana uses using an <a href="https://docs.n8n.io/code/expressions/">expression</a>, e.g. {{ ["html_notes"] }}.',
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
				displayName: 'Ignore Events by User Names or IDs',
				name: 'ignoredUserGids',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getWorkspaceUsers' },
				default: [],
				description:
					'Drop the events of these users, e.g. of the account a workflow writes back to Asana with, so it does not trigger itself. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Resource Subtypes',
				name: 'resourceSubtypes',
				type: 'multiOptions',
				options: listed(KNOWN_RESOURCE_SUBTYPES),
				default: [],
				description:
					'Emit only events on resources of these subtypes, e.g. milestones or comments. For another subtype, give Asana’s name using an <a href="https://docs.n8n.io/code/expressions/">expression</a>, e.g. {{ ["section"] }}.',
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
			EVENTS_TRIGGER_OPTIONS.format.property,
			EVENTS_TRIGGER_OPTIONS.projectListRefreshMinutes.property,
			EVENTS_TRIGGER_OPTIONS.recoveryRequestsPerPoll.property,
			replayFromProperty(
				'Set a time to emit again every event since then that Asana still has (up to 24 hours back), marked "replayed", before going on with new events. Acts once per value.',
			),
			EVENTS_TRIGGER_OPTIONS.testEventWaitSeconds.property,
		],
	},
];
