/**
 * What an event is, in the words of a user ("a task was completed") rather than Asana's
 * event model (`action: changed`, `change.field: completed`, no value). Where the event alone
 * cannot tell (completed or reopened, created or added to another project, moved to a section
 * or landed in one), the system story Asana writes with the change decides: seen among the
 * events read, or found in the task's stories. Pure: the caller supplies what is known, and
 * reads the stories a decision asks for.
 */
import type { AsanaEvent } from '../asana/types';
import { valueGid } from './eventKey';

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

export interface TriggerOnRules {
	/** Never empty; holds 'anyEvent' alone when every event is wanted. */
	options: ReadonlySet<TriggerOn>;
	/** Custom Field Changed: only these fields; empty means any custom field. */
	customFieldGids: readonly string[];
}

/** A system story Asana wrote with a change, as an event or the task's stories show it. */
export interface SystemStory {
	gid: string;
	subtype: string;
	created_at: string;
	/** Read from the task's stories: the due dates after a due date change. */
	new_dates?: { due_on?: string | null; due_at?: string | null };
}

/** The system stories that tell what a change was. */
const DECIDING_STORIES = new Set([
	'marked_complete',
	'marked_incomplete',
	'section_changed',
	'added_to_project',
	'due_date_changed',
]);

/** A task's system story that may decide another event, as the events carry it. */
export function decidingStory(event: AsanaEvent): SystemStory | undefined {
	const { resource, parent } = event;
	if (event.action !== 'added' || resource?.resource_type !== 'story') return undefined;
	if (!DECIDING_STORIES.has(resource.resource_subtype ?? '') || parent?.resource_type !== 'task')
		return undefined;
	return {
		gid: resource.gid,
		subtype: resource.resource_subtype ?? '',
		created_at: event.created_at,
	};
}

/** An existing or new task added to a project: the section it lands in comes with it. */
export function joinsProject(event: AsanaEvent): boolean {
	return (
		event.action === 'added' &&
		event.resource?.resource_type === 'task' &&
		event.parent?.resource_type === 'project'
	);
}

/** What is known, when deciding, of the tasks the events are about. */
export interface TaskEvidence {
	/** The task's deciding stories at `instant` among the events read; these may be incomplete. */
	storiesAt(taskGid: string, instant: string): readonly SystemStory[];
	/** An event added the task to a project at `instant`, among the events read. */
	joinedProjectAt(taskGid: string, instant: string): boolean;
	/** The task's stories as Asana lists them: undefined not read yet, null not readable (gone). */
	stories(taskGid: string): readonly SystemStory[] | null | undefined;
	/**
	 * The event's stream was read past `instant`: every event of that instant was among the
	 * events read, so a story not among them was not written.
	 */
	readPast(instant: string): boolean;
}

/**
 * A story of the task's own list belongs to a change when it is the nearest of its kind within
 * this of the event: Asana writes both in one step.
 */
const SAME_CHANGE_MS = 1_000;

/** What an event is: an intent, none, or not known until the task's stories are read. */
export interface Decision {
	on?: TriggerOn;
	/** The story that told it. */
	story?: SystemStory;
	/** Undecided: the task whose stories must be read. */
	needsStories?: string;
}

const NONE: Decision = {};

/** The intents an event may be, judged from the event alone; decided ones are final. */
type Reading =
	| { decided: TriggerOn }
	/** Created, or added to another project: an `added_to_project` story tells. */
	| { addedToProject: true }
	/** Moved to a section, or landed in one: a `section_changed` story tells. */
	| { addedToSection: true }
	/** Completed or reopened: a `marked_complete` or `marked_incomplete` story tells. */
	| { completion: true };

const DUE_FIELDS = new Set(['due_on', 'due_at']);

function isTask(compact: AsanaEvent['resource'] | null | undefined): boolean {
	return compact?.resource_type === 'task';
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
		// Its project's or goal's `current_status_update` changes with it: the same change.
		if (type === 'status_update') return { decided: 'statusUpdate' };
		return undefined;
	}
	if (action === 'deleted') return type === 'task' ? { decided: 'taskDeleted' } : undefined;
	if (action !== 'changed' || !change || type !== 'task') return undefined;
	if (change.field === 'completed') return { completion: true };
	if (change.field === 'assignee')
		return valueGid(change.new_value) ? { decided: 'taskAssigned' } : undefined;
	if (DUE_FIELDS.has(change.field ?? '')) return { decided: 'dueDateChanged' };
	if (change.field === 'custom_fields') return { decided: 'customFieldChanged' };
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
 * True may still be decided against once its story is known.
 */
export function mayMatch(event: AsanaEvent, rules: TriggerOnRules): boolean {
	if (rules.options.has('anyEvent')) return true;
	const reading = readingOf(event);
	if (!reading || !couldBe(reading, rules)) return false;
	if ('decided' in reading && reading.decided === 'customFieldChanged')
		return customFieldWanted(event, rules);
	return true;
}

/**
 * The story of `subtypes` that belongs to the event: at its instant among the events read;
 * else, once the task's stories are read, the nearest within SAME_CHANGE_MS (null: none).
 * Undefined while the stories are not read.
 */
function storyOf(
	evidence: TaskEvidence,
	taskGid: string,
	instant: string,
	subtypes: readonly string[],
	fromEventsToo = true,
): SystemStory | null | undefined {
	const seen = evidence.storiesAt(taskGid, instant).find((s) => subtypes.includes(s.subtype));
	if (seen && fromEventsToo) return seen;
	const stories = evidence.stories(taskGid);
	if (stories === undefined) return undefined;
	const at = Date.parse(instant);
	let nearest: SystemStory | null = null;
	let distance = SAME_CHANGE_MS;
	for (const story of stories ?? []) {
		if (!subtypes.includes(story.subtype)) continue;
		const apart = Math.abs(Date.parse(story.created_at) - at);
		if (apart <= distance) {
			nearest = story;
			distance = apart;
		}
	}
	return nearest;
}

/**
 * What the event is under `rules`, from what Asana stated: the intent with the story that told
 * it, none, or `needsStories` when only the task's stories can tell. The same events give the
 * same decisions however a cap, a page or a poll splits them.
 */
export function decide(event: AsanaEvent, rules: TriggerOnRules, evidence: TaskEvidence): Decision {
	const reading = readingOf(event);
	if (!reading || !couldBe(reading, rules)) return NONE;
	const task = event.resource.gid;
	const instant = event.created_at;
	const has = (on: TriggerOn) => rules.options.has(on);
	const needs: Decision = { needsStories: task };
	if ('decided' in reading) {
		if (reading.decided === 'customFieldChanged' && !customFieldWanted(event, rules)) return NONE;
		if (reading.decided !== 'dueDateChanged') return { on: reading.decided };
		// The event carries no date, and neither does its story among the events: the task's stories do.
		const story = storyOf(evidence, task, instant, ['due_date_changed'], false);
		if (story === undefined) return needs;
		return story ? { on: 'dueDateChanged', story } : { on: 'dueDateChanged' };
	}
	if ('completion' in reading) {
		const story = storyOf(evidence, task, instant, ['marked_complete', 'marked_incomplete']);
		if (story === undefined) return needs;
		const on: TriggerOn | undefined =
			story?.subtype === 'marked_complete'
				? 'taskCompleted'
				: story?.subtype === 'marked_incomplete'
					? 'taskReopened'
					: undefined;
		return on && story && has(on) ? { on, story } : NONE;
	}
	if ('addedToSection' in reading) {
		// Landing in a section of a project the task just joined is no move.
		if (evidence.joinedProjectAt(task, instant)) return NONE;
		const story = storyOf(evidence, task, instant, ['section_changed']);
		if (story) return { on: 'taskMovedToSection', story };
		return story === null || evidence.readPast(instant) ? NONE : needs;
	}
	// Added to a project: Asana writes `added_to_project` for an existing task, nothing for a new one.
	const story = storyOf(evidence, task, instant, ['added_to_project']);
	if (story) return has('taskAddedToProject') ? { on: 'taskAddedToProject', story } : NONE;
	// No such story: among the events of a stream read past the instant, or in the task's stories.
	const created = evidence.readPast(instant) || (story === null && evidence.stories(task) !== null);
	if (created) return has('taskCreated') ? { on: 'taskCreated' } : NONE;
	// Unknown yet, or the task is gone and nothing tells what it was.
	return story === undefined ? needs : NONE;
}

/** Every intent there is: what an event is, as far as the events read tell, for its summary. */
const EVERY_INTENT: TriggerOnRules = {
	options: new Set<TriggerOn>([
		'taskCreated',
		'taskCompleted',
		'taskReopened',
		'taskAssigned',
		'dueDateChanged',
		'commentAdded',
		'taskAddedToProject',
		'taskMovedToSection',
		'customFieldChanged',
		'subtaskAdded',
		'taskDeleted',
		'statusUpdate',
	]),
	customFieldGids: [],
};

/** What the event is where the events read tell it (no story is read for it): for a summary under Any Event. */
export function intentOf(event: AsanaEvent, evidence: TaskEvidence): TriggerOn | undefined {
	return decide(event, EVERY_INTENT, evidence).on;
}

/** Whether deciding under `rules` may need what Asana wrote at an event's instant besides it. */
export function needsEvidence(rules: TriggerOnRules): boolean {
	const has = (on: TriggerOn) => rules.options.has(on);
	return (
		has('taskCreated') ||
		has('taskAddedToProject') ||
		has('taskCompleted') ||
		has('taskReopened') ||
		has('taskMovedToSection')
	);
}
