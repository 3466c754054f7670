/**
 * The events trigger's "Trigger On" choices: what a user means, each with the events it
 * matches (decided in ../shared/events/intent.ts).
 */
import type { INodePropertyOptions } from 'n8n-workflow';

import type { TriggerOn } from '../shared/events/intent';

/** Editor options, in the order people look for them; each description says which events match. */
export const TRIGGER_ON_OPTIONS: Array<INodePropertyOptions & { value: TriggerOn }> = [
	{
		name: 'Any Event',
		value: 'anyEvent',
		description: 'Every event Asana reports on what is watched, each once',
	},
	{
		name: 'Task Created',
		value: 'taskCreated',
		description:
			'A new task in a watched project, once however many of them it was created in (not an existing task added to another project)',
	},
	{
		name: 'Task Completed',
		value: 'taskCompleted',
		description: 'A task marked complete',
	},
	{
		name: 'Task Reopened',
		value: 'taskReopened',
		description: 'A completed task marked incomplete again',
	},
	{
		name: 'Task Assigned',
		value: 'taskAssigned',
		description: 'A task assigned or reassigned to someone (not unassigned)',
	},
	{
		name: 'Due Date Changed',
		value: 'dueDateChanged',
		description:
			'The due date (or due time) of a task set, changed or cleared; the item says the new date',
	},
	{
		name: 'Comment Added',
		value: 'commentAdded',
		description: 'A comment on a task',
	},
	{
		name: 'Task Added to Project',
		value: 'taskAddedToProject',
		description: 'An existing task added to a(nother) project',
	},
	{
		name: 'Task Moved to Section',
		value: 'taskMovedToSection',
		description:
			'A task moved to another section of a project, not the section a task lands in when it is created or added to a project',
	},
	{
		name: 'Custom Field Changed',
		value: 'customFieldChanged',
		description:
			'A custom field value of a task changed; pick the fields under Custom Field Names or IDs',
	},
	{
		name: 'Subtask Added',
		value: 'subtaskAdded',
		description: 'A subtask created under, or moved to, a task',
	},
	{
		name: 'Task Deleted',
		value: 'taskDeleted',
		description: 'A task deleted',
	},
	{
		name: 'Project or Goal Status Update',
		value: 'statusUpdate',
		description: 'A status update posted on a project or goal',
	},
];

const TRIGGER_ON_VALUES = new Set<string>(TRIGGER_ON_OPTIONS.map((option) => option.value));

export function isTriggerOn(value: string): value is TriggerOn {
	return TRIGGER_ON_VALUES.has(value);
}
