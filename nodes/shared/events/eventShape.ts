/**
 * What every event item carries besides Asana's event: one line a person can read, the
 * object's link in Asana and an id for de-duplication downstream; and the flat shape for
 * chat and sheets.
 */
import type { IDataObject } from 'n8n-workflow';

import type { AsanaCompact, AsanaEvent, AsanaEventChange, StreamTarget } from '../asana/types';
import { choiceOption, type DeclaredOption } from '../editor/declaredOptions';

export type EventFormat = 'raw' | 'simplified';

/**
 * Options › Output Format of both event nodes, declared once with each node's default. Both
 * formats carry `summary`, `url` and `event_id`: a first workflow's `{{ $json.summary }}` works
 * whichever is picked; a value neither names is refused.
 */
export function eventFormatOption(defaultFormat: EventFormat): DeclaredOption<EventFormat> {
	return choiceOption<EventFormat>({
		name: 'format',
		displayName: 'Output Format',
		collection: 'Options',
		options: [
			{
				name: 'Raw',
				value: 'raw',
				description:
					'Asana’s event as it came (with the changed value in full), plus a summary line, the object’s link and an event identifier',
			},
			{
				name: 'Simplified',
				value: 'simplified',
				description:
					'One flat level of fields (who, what, which object, where, link) for chat messages and sheets',
			},
		],
		default: defaultFormat,
		description: 'The shape of each event item',
	});
}

/** What a change was, as the system story Asana wrote with it tells. */
interface ChangeMeaning {
	/** What the change is, in Trigger On's words, e.g. `taskCompleted`, where it is known. */
	is?: string;
	/** The due dates after a due date change. */
	dueDates?: { due_on?: string | null; due_at?: string | null };
}

/** What is known about an event beyond itself. */
export interface EventContext {
	target: StreamTarget;
	/**
	 * The event's `event_id`: the key of the change it reports, equal whichever stream or poll
	 * brings it, and the key the trigger de-duplicates with.
	 */
	key: string;
	/** The changed object's current record, when fetched (null: gone or not visible). */
	record?: IDataObject | null;
	/** The Trigger On choice it matched: `trigger_on`. */
	on?: string;
	meaning?: ChangeMeaning;
	/** The watched object's name, when known. */
	streamName?: string;
}

const APP = 'https://app.asana.com/0';

/** Names are kept for messages only: a long one is cut, so static data stays small. */
const MAX_NAME_LENGTH = 100;

/**
 * The watched task, project or goal as its stream's events name it (as their resource, or as
 * the parent of an added task): its type and name, for summaries and labels.
 */
export function namedIn(
	target: StreamTarget,
	events: readonly AsanaEvent[],
): { resourceType?: string; listedName?: string } {
	if (target.kind !== 'resource') return {};
	for (let i = events.length - 1; i >= 0; i--) {
		const { resource, parent } = events[i];
		const named =
			resource?.gid === target.gid ? resource : parent?.gid === target.gid ? parent : undefined;
		if (named?.name)
			return {
				...(named.resource_type ? { resourceType: named.resource_type } : {}),
				listedName: named.name.slice(0, MAX_NAME_LENGTH),
			};
	}
	return {};
}

const UNDERSCORES = /_/g;

function quoted(name: string | undefined, fallback: string): string {
	return name ? `“${name}”` : fallback;
}

function compactOf(value: unknown): AsanaCompact | undefined {
	return value && typeof value === 'object' && 'gid' in value ? (value as AsanaCompact) : undefined;
}

/** The project of a fetched task record: the watched one if the task is in it, else its first. */
function recordProject(
	record: IDataObject | null | undefined,
	target: StreamTarget,
): AsanaCompact | undefined {
	if (!Array.isArray(record?.projects)) return undefined;
	const projects = record.projects.map(compactOf);
	return projects.find((project) => project?.gid === target.gid) ?? projects[0];
}

/** The project the event happened in, as far as the event, the record and the stream tell. */
function projectOf(event: AsanaEvent, context: EventContext): AsanaCompact | undefined {
	if (event.parent?.resource_type === 'project') return event.parent;
	// A section's project is not the stream's when the task is in several: the event does not say.
	if (event.parent?.resource_type === 'section') return undefined;
	const { target } = context;
	if (target.kind === 'resource' && target.resourceType === 'project')
		return { gid: target.gid, resource_type: 'project', name: context.streamName };
	return recordProject(context.record, target);
}

function objectName(compact: AsanaCompact | null | undefined): string {
	if (!compact) return 'an object';
	if (compact.resource_type === 'task') return quoted(compact.name, `task ${compact.gid}`);
	const type = (compact.resource_type ?? 'object').replace(UNDERSCORES, ' ');
	return compact.name ? `${type} “${compact.name}”` : `${type} ${compact.gid}`;
}

function actorOf(event: AsanaEvent): string {
	// System events (rules, integrations acting as Asana) carry no user.
	if (!event.user) return 'Asana';
	return event.user.name ?? `User ${event.user.gid}`;
}

const NO_CHANGE: AsanaEventChange = {};

/** A due date change: the date it set (from its story), else the date it has now (from the record). */
function duePhrase(target: string, context: EventContext): string {
	const dates = context.meaning?.dueDates;
	if (dates) {
		const due = dates.due_at ?? dates.due_on;
		return due
			? `changed the due date of ${target} to ${due}`
			: `cleared the due date of ${target}`;
	}
	const now = context.record?.due_at ?? context.record?.due_on;
	return typeof now === 'string'
		? `changed the due date of ${target} (due ${now} now)`
		: `changed the due date of ${target}`;
}

function changedPhrase(event: AsanaEvent, context: EventContext): string {
	const change = event.change ?? NO_CHANGE;
	const target = objectName(event.resource);
	const value = compactOf(change.new_value) ?? compactOf(change.added_value);
	switch (change.field) {
		case 'completed':
			if (context.meaning?.is === 'taskCompleted') return `completed ${target}`;
			if (context.meaning?.is === 'taskReopened') return `reopened ${target}`;
			return `changed the completion of ${target}`;
		case 'completed_at':
			return `changed the completion time of ${target}`;
		case 'assignee':
			return value
				? `assigned ${target} to ${value.name ?? `user ${value.gid}`}`
				: `unassigned ${target}`;
		case 'due_on':
		case 'due_at':
			return duePhrase(target, context);
		case 'custom_fields':
			return value?.name
				? `changed custom field “${value.name}” of ${target}`
				: `changed a custom field of ${target}`;
		case 'followers':
			if (change.action === 'removed' && compactOf(change.removed_value))
				return `removed ${compactOf(change.removed_value)?.name ?? 'a follower'} as a follower of ${target}`;
			return value
				? `added ${value.name ?? 'a follower'} as a follower of ${target}`
				: `changed the followers of ${target}`;
		case 'name':
			// The name an event carries is the new one; webhook-style events carry none.
			return event.resource?.name
				? `renamed ${(event.resource.resource_type ?? 'object').replace(UNDERSCORES, ' ')} to “${event.resource.name}”`
				: `renamed ${objectName(event.resource)}`;
		case 'current_status_update':
			return `posted a status update on ${target}`;
		default:
			return `changed ${(change.field ?? 'a field').replace(UNDERSCORES, ' ')} of ${target}`;
	}
}

function addedPhrase(event: AsanaEvent, context: EventContext): string {
	const { resource, parent } = event;
	const type = resource.resource_type;
	if (type === 'story' && resource.resource_subtype === 'comment_added')
		return `commented on ${objectName(parent)}${resource.name ? `: “${resource.name}”` : ''}`;
	// A system story's text is what happened, in Asana's words: "marked this task complete".
	if (type === 'story' && resource.name && parent?.resource_type === 'task')
		return `${resource.name} on ${objectName(parent)}`;
	if (type === 'status_update')
		return `posted a status update${resource.name ? ` “${resource.name}”` : ''} on ${objectName(parent)}`;
	if (type === 'task') {
		if (parent?.resource_type === 'task')
			return `added subtask ${objectName(resource)} to ${objectName(parent)}`;
		if (parent?.resource_type === 'section')
			return context.meaning?.is === 'taskMovedToSection'
				? `moved ${objectName(resource)} to section ${quoted(parent.name, parent.gid)}`
				: `added ${objectName(resource)} to section ${quoted(parent.name, parent.gid)}`;
		if (parent?.resource_type === 'project' && context.meaning?.is === 'taskCreated')
			return `created ${objectName(resource)} in ${parent.name ?? `project ${parent.gid}`}`;
	}
	return `added ${objectName(resource)}${parent ? ` to ${objectName(parent)}` : ''}`;
}

function actionPhrase(event: AsanaEvent, context: EventContext): string {
	switch (event.action) {
		case 'changed':
			return changedPhrase(event, context);
		case 'added':
			return addedPhrase(event, context);
		case 'removed':
			return `removed ${objectName(event.resource)}${event.parent ? ` from ${objectName(event.parent)}` : ''}`;
		case 'deleted':
			return `deleted ${objectName(event.resource)}`;
		case 'undeleted':
			return `restored ${objectName(event.resource)}`;
		default:
			return `${event.action ?? 'changed'} ${objectName(event.resource)}`;
	}
}

/** Who did what to which object, where: `Bo Builder completed “Write launch post” in Website relaunch`. */
function summaryIn(
	event: AsanaEvent,
	context: EventContext,
	project: AsanaCompact | undefined,
): string {
	const phrase = actionPhrase(event, context);
	// "in <project>" unless the phrase already names it.
	const where =
		project?.name && event.parent?.gid !== project.gid && event.resource?.gid !== project.gid
			? ` in ${project.name}`
			: '';
	return `${actorOf(event)} ${phrase}${where}`;
}

/** The object's link in Asana: the fetched record's `permalink_url`, else built from gids. */
function urlIn(
	event: AsanaEvent,
	context: EventContext,
	project: AsanaCompact | undefined,
): string | null {
	const permalink = context.record?.permalink_url;
	if (typeof permalink === 'string' && permalink) return permalink;
	const { resource, parent } = event;
	switch (resource?.resource_type) {
		case 'task':
			return `${APP}/${project?.gid ?? 0}/${resource.gid}`;
		case 'story':
			return parent?.resource_type === 'task' ? `${APP}/${project?.gid ?? 0}/${parent.gid}` : null;
		case 'project':
			return `${APP}/${resource.gid}`;
		case 'goal':
			return `${APP}/goal/${resource.gid}`;
		case 'portfolio':
			return `${APP}/portfolio/${resource.gid}`;
		case 'status_update':
			if (parent?.resource_type === 'goal') return `${APP}/goal/${parent.gid}`;
			return parent?.resource_type === 'project' ? `${APP}/${parent.gid}` : null;
		default:
			return null;
	}
}

/**
 * Gives `json` the fields every raw event item gains, in place: a trigger extends the event
 * it parsed for this poll alone, without an object per event.
 */
export function addEventFields(
	json: IDataObject,
	event: AsanaEvent,
	context: EventContext,
): IDataObject {
	const project = projectOf(event, context);
	json.event_id = context.key;
	json.summary = summaryIn(event, context, project);
	json.url = urlIn(event, context, project);
	if (context.on) json.trigger_on = context.on;
	return json;
}

/** The fields every raw event item gains. */
export function eventAdditions(event: AsanaEvent, context: EventContext): IDataObject {
	return addEventFields({}, event, context);
}

/** One flat level of fields, the same for every event, for chat and sheets. */
export function simplifyEvent(event: AsanaEvent, context: EventContext): IDataObject {
	const change = event.change ?? undefined;
	const value =
		compactOf(change?.new_value) ??
		compactOf(change?.added_value) ??
		compactOf(change?.removed_value);
	const project = projectOf(event, context);
	return {
		event_id: context.key,
		time: event.created_at,
		summary: summaryIn(event, context, project),
		url: urlIn(event, context, project),
		trigger_on: context.on ?? null,
		action: event.action,
		field: change?.field ?? null,
		actor_name: event.user ? (event.user.name ?? null) : 'Asana',
		actor_gid: event.user?.gid ?? null,
		resource_type: event.resource?.resource_type ?? event.type ?? null,
		resource_subtype: event.resource?.resource_subtype ?? null,
		resource_name: event.resource?.name ?? null,
		resource_gid: event.resource?.gid ?? null,
		parent_type: event.parent?.resource_type ?? null,
		parent_name: event.parent?.name ?? null,
		parent_gid: event.parent?.gid ?? null,
		value_name: value?.name ?? null,
		value_gid: value?.gid ?? null,
		project_name: project?.name ?? null,
		project_gid: project?.gid ?? null,
		stream_type: context.target.kind === 'workspace' ? 'workspace' : 'resource',
		stream_gid: context.target.gid,
	};
}
