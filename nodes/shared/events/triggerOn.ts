/**
 * "Trigger On": what a user means ("a task was completed") in terms of Asana's event model
 * (`action: changed`, `change.field: completed`, no value). Some intents cannot be told from
 * the event alone; those are decided with the task's current record, fetched once per poll.
 */
import type { IDataObject, INodePropertyOptions } from 'n8n-workflow';

import type { AsanaEvent } from '../asana/types';

export type TriggerOn =
	| 'anyEvent'
	| 'taskCreated'
	| 'taskCompleted'
	| 'taskReopened'
	| 'taskAssigned'
	| 'dueDateChanged'
	| 'commentAdded'
	| 'taskAddedToProject'
	| 'taskMovedToSection'
	| 'customFieldChanged'
	| 'subtaskAdded'
	| 'taskDeleted'
	| 'statusUpdate';

/** Editor options, in the order people look for them; each description says which events match. */
export const TRIGGER_ON_OPTIONS: Array<INodePropertyOptions & { value: TriggerOn }> = [
	{
		name: 'Any Event',
		value: 'anyEvent',
		description: 'Every event of the watched resources; the Filters apply',
	},
	{
		name: 'Task Created',
		value: 'taskCreated',
		description:
			'A new task in a project ("added" to a project when the task was created, not when an existing task is added to another project)',
	},
	{
		name: 'Task Completed',
		value: 'taskCompleted',
		description: 'A task marked complete (reads the task to tell it from reopened)',
	},
	{
		name: 'Task Reopened',
		value: 'taskReopened',
		description: 'A completed task marked incomplete again (reads the task)',
	},
	{
		name: 'Task Assigned',
		value: 'taskAssigned',
		description: 'A task assigned or reassigned to someone (not unassigned)',
	},
	{
		name: 'Due Date Changed',
		value: 'dueDateChanged',
		description: 'The due date (or due time) of a task set, changed or cleared',
	},
	{
		name: 'Comment Added',
		value: 'commentAdded',
		description: 'A comment on a task',
	},
	{
		name: 'Task Added to Project',
		value: 'taskAddedToProject',
		description: 'An existing task added to a(nother) project (reads the task)',
	},
	{
		name: 'Task Moved to Section',
		value: 'taskMovedToSection',
		description: 'A task moved into a section, not its first section when created (reads the task)',
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

export interface TriggerOnRules {
	/** Never empty; holds 'anyEvent' alone when every event is wanted. */
	options: ReadonlySet<TriggerOn>;
	/** Custom Field Changed: only these fields; empty means any custom field. */
	customFieldGids: readonly string[];
}

/**
 * A task "added" to a project this soon after the task's own `created_at` was created there:
 * Asana writes both within a second, while adding an existing task to a project comes later.
 */
export const CREATED_WITHIN_MS = 10_000;

/** The intents an event may be, judged from the event alone; decided ones are final. */
type Reading =
	| { decided: TriggerOn }
	/** Created, or added to another project: the task's `created_at` tells. */
	| { addedToProject: true }
	/** Moved to a section, or placed in its first one on creation. */
	| { addedToSection: true }
	/** Completed or reopened: the task's `completed` tells. */
	| { completion: true };

const DUE_FIELDS = new Set(['due_on', 'due_at']);

function isTask(compact: AsanaEvent['resource'] | null | undefined): boolean {
	return compact?.resource_type === 'task';
}

function valueGid(value: unknown): string | undefined {
	return value && typeof value === 'object' && 'gid' in value
		? String((value as { gid: unknown }).gid)
		: undefined;
}

function readingOf(event: AsanaEvent): Reading | undefined {
	const { action, resource, parent, change } = event;
	const type = resource?.resource_type ?? event.type;
	if (action === 'added') {
		if (type === 'task') {
			if (isTask(parent)) return { decided: 'subtaskAdded' };
			if (parent?.resource_type === 'project') return { addedToProject: true };
			if (parent?.resource_type === 'section') return { addedToSection: true };
			return undefined;
		}
		if (type === 'story' && resource.resource_subtype === 'comment_added' && isTask(parent))
			return { decided: 'commentAdded' };
		if (type === 'status_update') return { decided: 'statusUpdate' };
		return undefined;
	}
	if (action === 'deleted') return type === 'task' ? { decided: 'taskDeleted' } : undefined;
	if (action !== 'changed' || !change) return undefined;
	if (type === 'task') {
		if (change.field === 'completed') return { completion: true };
		if (change.field === 'assignee')
			return valueGid(change.new_value) ? { decided: 'taskAssigned' } : undefined;
		if (DUE_FIELDS.has(change.field ?? '')) return { decided: 'dueDateChanged' };
		if (change.field === 'custom_fields') return { decided: 'customFieldChanged' };
		return undefined;
	}
	if ((type === 'project' || type === 'goal') && change.field === 'current_status_update')
		return { decided: 'statusUpdate' };
	return undefined;
}

function couldBe(reading: Reading, rules: TriggerOnRules): boolean {
	const has = (option: TriggerOn) => rules.options.has(option);
	if ('addedToProject' in reading) return has('taskCreated') || has('taskAddedToProject');
	if ('addedToSection' in reading) return has('taskMovedToSection');
	if ('completion' in reading) return has('taskCompleted') || has('taskReopened');
	return has(reading.decided);
}

function customFieldWanted(event: AsanaEvent, rules: TriggerOnRules): boolean {
	if (!rules.customFieldGids.length) return true;
	const gid = valueGid(event.change?.new_value);
	return gid !== undefined && rules.customFieldGids.includes(gid);
}

/**
 * False for an event that cannot be any chosen intent: the poll passes it without holding it.
 * True may still be decided against once the task's record is known.
 */
export function mayMatch(event: AsanaEvent, rules: TriggerOnRules): boolean {
	if (rules.options.has('anyEvent')) return true;
	const reading = readingOf(event);
	if (!reading || !couldBe(reading, rules)) return false;
	if ('decided' in reading && reading.decided === 'customFieldChanged')
		return customFieldWanted(event, rules);
	return true;
}

/** Whether deciding this (wanted) event needs the current record of its task. */
export function needsTaskRecord(event: AsanaEvent, rules: TriggerOnRules): boolean {
	if (rules.options.has('anyEvent')) return false;
	const reading = readingOf(event);
	return !!reading && !('decided' in reading);
}

export interface TriggerOnMatch {
	event: AsanaEvent;
	/** The intent it matched; absent under Any Event. */
	on?: TriggerOn;
}

export interface TriggerOnDecision {
	/** The events to emit, in the order given. */
	matched: TriggerOnMatch[];
	/** Events whose task record was not fetched (time budget): they must be read again. */
	undecided: AsanaEvent[];
}

function createdAtMs(record: IDataObject): number | undefined {
	const ms = typeof record.created_at === 'string' ? Date.parse(record.created_at) : NaN;
	return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Decides one stream's wanted events. `records` holds the current task records by gid (null:
 * gone or not visible, which decides against intents that need it); an event whose task is
 * missing from it is undecided.
 *
 * Completion events carry no value: the last one of a task in this poll became the task's
 * current `completed`, and each earlier one was the opposite of the one after it.
 */
export function decideTriggerOn(
	events: readonly AsanaEvent[],
	records: ReadonlyMap<string, IDataObject | null>,
	rules: TriggerOnRules,
): TriggerOnDecision {
	if (rules.options.has('anyEvent'))
		return { matched: events.map((event) => ({ event })), undecided: [] };
	const readings = events.map(readingOf);

	// Completion state after each completion event, walking back from the task's current state.
	const completedAfter = new Map<AsanaEvent, boolean>();
	const byTask = new Map<string, AsanaEvent[]>();
	readings.forEach((reading, index) => {
		if (!reading || !('completion' in reading)) return;
		const event = events[index];
		const list = byTask.get(event.resource.gid) ?? [];
		list.push(event);
		byTask.set(event.resource.gid, list);
	});
	for (const [gid, list] of byTask) {
		const record = records.get(gid);
		if (!record || typeof record.completed !== 'boolean') continue;
		let state = record.completed;
		const ordered = [...list].sort((a, b) =>
			a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0,
		);
		for (const event of ordered) {
			completedAfter.set(event, state);
			state = !state;
		}
	}

	const createdSeen = new Set<string>();
	const matched: TriggerOnMatch[] = [];
	const undecided: AsanaEvent[] = [];
	events.forEach((event, index) => {
		const reading = readings[index];
		if (!reading || !couldBe(reading, rules)) return;
		if ('decided' in reading) {
			if (reading.decided === 'customFieldChanged' && !customFieldWanted(event, rules)) return;
			matched.push({ event, on: reading.decided });
			return;
		}
		const record = records.get(event.resource.gid);
		if (record === undefined) {
			undecided.push(event);
			return;
		}
		if (record === null) return;
		if ('completion' in reading) {
			const completed = completedAfter.get(event);
			const on = completed === undefined ? undefined : completed ? 'taskCompleted' : 'taskReopened';
			if (on && rules.options.has(on)) matched.push({ event, on });
			return;
		}
		const created = createdAtMs(record);
		const nearCreation =
			created !== undefined && Date.parse(event.created_at) - created <= CREATED_WITHIN_MS;
		if ('addedToSection' in reading) {
			if (!nearCreation) matched.push({ event, on: 'taskMovedToSection' });
			return;
		}
		// The first project a new task lands in within the poll is where it was created.
		const isCreation = nearCreation && !createdSeen.has(event.resource.gid);
		if (nearCreation) createdSeen.add(event.resource.gid);
		const on: TriggerOn = isCreation ? 'taskCreated' : 'taskAddedToProject';
		if (rules.options.has(on)) matched.push({ event, on });
	});
	return { matched, undecided };
}
