/**
 * A stream whose sync token Asana no longer accepted: the gap notice, and under "On Expired
 * Sync Token › Recover Changes" the changes of the gap, read from Asana's state endpoints and
 * the tasks' stories within a request budget per poll, in the user's language: under a
 * Trigger On choice, the changes it names (a completion inside the gap for Task Completed),
 * each an item as the live event would have been, marked `recovered`.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { AsanaTransport } from '../shared/asana/transport';
import type { AsanaCompact, AsanaEvent } from '../shared/asana/types';
import {
	RECOVERED_STORY_FIELDS,
	recoverChanges,
	RequestBudget,
	startRecovery,
	type RecoveryProgress,
} from '../shared/events/changedSince';
import { matchesFilters, type EventFilters } from '../shared/events/eventFilters';
import type { TriggerOn, TriggerOnRules } from '../shared/events/intent';
import { readTaskStories } from '../shared/events/taskStories';
import { changeKey, type Change } from './changes';
import { describeStream, noticeFields, streamUrl } from './items';
import type { ReadResult } from './read';
import type { SeenChanges } from './seen';
import { recordKey, type WatchedTarget } from './settings';

/** A gap recovery under way, kept in the stream's record between polls. */
export interface GapRecovery {
	/** The gap (ISO): from the stream's last read position to the 412 that ended it. */
	since: string;
	until: string;
	/** Where reading Asana's state endpoints goes on; absent once read. */
	reading?: RecoveryProgress;
	/** Tasks whose stories are still to be read for the changes of the gap. */
	storiesOf?: TaskToRead[];
}

/** A task whose stories tell the changes it had in the gap. */
interface TaskToRead {
	gid: string;
	name?: string;
	/** Created in the gap: where, when, by whom; its stories tell whether it was created there. */
	created?: { in: AsanaCompact; at: string; by?: AsanaCompact };
}

/** A stream whose stored token Asana no longer accepted. */
export interface StreamGap {
	target: WatchedTarget;
	/** The stream in words, e.g. project “Website relaunch” (1200000000000005). */
	label: string;
	/** Epoch ms from which its events are gone: its last read position; none if never read. */
	since?: number;
	resourceType?: string;
}

/** The streams of the poll whose stored token had expired, with where each was read up to. */
export function gapsOf(
	read: ReadResult,
	recordOf: (
		target: WatchedTarget,
	) => { lastPollAt: number; backlogAt?: number; resourceType?: string } | undefined,
	labelOf: (target: WatchedTarget) => string,
): StreamGap[] {
	return read.outcomes
		.filter((outcome) => !outcome.read.replay && outcome.drained?.expired)
		.map(({ read: { target } }) => {
			const record = recordOf(target);
			const since = record?.backlogAt ?? record?.lastPollAt;
			return {
				target,
				label: labelOf(target),
				...(since !== undefined ? { since } : {}),
				...(record?.resourceType ? { resourceType: record.resourceType } : {}),
			};
		});
}

/** What reading the current state can never show: said in every notice of a recovery. */
const RECOVERY_BLIND_SPOTS =
	'Recovery reads the current state and the tasks’ stories, so it cannot see deleted tasks, status updates, changes that do not touch a task’s modified_at (a subtask’s change does not count as its parent’s), or, under Any Event, the steps between the gap’s start and now.';

export function gapNoticeItem(
	gap: StreamGap,
	detectedAt: number,
	recovery?: 'recovering' | 'not_possible',
): INodeExecutionData {
	const since = gap.since !== undefined ? new Date(gap.since).toISOString() : null;
	let message = `Asana no longer accepted the stored sync token of ${gap.label} (tokens last at most 24 hours). Events ${
		since ? `between ${since} and now` : 'before now'
	} may be missing; the trigger continues from now.`;
	if (recovery === 'recovering')
		message += ` What changed since then follows as items marked "recovered". ${RECOVERY_BLIND_SPOTS}`;
	if (recovery === 'not_possible')
		message += ' Nothing can be recovered: the trigger never read this stream before.';
	return {
		json: {
			gap_notice: true,
			reason: 'sync_token_expired',
			stream: describeStream(gap.target),
			last_successful_poll_at: since,
			detected_at: new Date(detectedAt).toISOString(),
			...(recovery ? { recovery } : {}),
			message,
			...noticeFields(
				`gap|${recordKey(gap.target)}|${since ?? ''}`,
				`Asana dropped the events of ${gap.label}${since ? ` since ${since}` : ''} (sync token expired)`,
				streamUrl(gap.target, gap.resourceType),
			),
		},
	};
}

/** A change of the gap, as its live event would have said it, and what it is under Trigger On. */
interface FoundChange {
	on: TriggerOn;
	event: AsanaEvent;
	/** What it became (the assignee, project, section or field), as the change's key has it. */
	detail: string;
	dueDates?: { due_on?: string | null; due_at?: string | null };
	/** The task's record, where it was read. */
	current?: IDataObject;
}

const compactOf = (value: unknown): AsanaCompact | undefined =>
	value && typeof value === 'object' && 'gid' in value ? (value as AsanaCompact) : undefined;

/** A story's object as an event names it, with its type (opt_fields gave its gid and name). */
const objectOf = (value: unknown, resourceType: string): AsanaCompact | undefined => {
	const compact = compactOf(value);
	return compact && { ...compact, resource_type: compact.resource_type ?? resourceType };
};

/** The change a story of the task tells. */
function storyChange(task: AsanaCompact, story: IDataObject): FoundChange | undefined {
	const subtype = String(story.resource_subtype ?? '');
	const user = objectOf(story.created_by, 'user') ?? null;
	const created_at = String(story.created_at);
	const resource = { ...task, resource_type: 'task' };
	const changed = (field: string, new_value?: AsanaCompact): AsanaEvent => ({
		user,
		resource,
		action: 'changed',
		parent: null,
		created_at,
		change: { field, action: 'changed', ...(new_value ? { new_value } : {}) },
	});
	const added = (parent: AsanaCompact): AsanaEvent => ({
		user,
		resource,
		action: 'added',
		parent,
		created_at,
	});
	switch (subtype) {
		case 'marked_complete':
			return { on: 'taskCompleted', event: changed('completed'), detail: '' };
		case 'marked_incomplete':
			return { on: 'taskReopened', event: changed('completed'), detail: '' };
		case 'assigned': {
			const assignee = objectOf(story.assignee, 'user');
			return assignee
				? { on: 'taskAssigned', event: changed('assignee', assignee), detail: assignee.gid }
				: undefined;
		}
		case 'due_date_changed':
			return {
				on: 'dueDateChanged',
				event: changed('due_on'),
				detail: '',
				dueDates: (story.new_dates as FoundChange['dueDates']) ?? { due_at: null },
			};
		case 'comment_added':
			return {
				on: 'commentAdded',
				event: {
					user,
					resource: {
						gid: String(story.gid),
						resource_type: 'story',
						resource_subtype: 'comment_added',
						...(typeof story.text === 'string' ? { name: story.text } : {}),
					},
					action: 'added',
					parent: task,
					created_at,
				},
				detail: '',
			};
		case 'added_to_project': {
			const project = objectOf(story.project, 'project');
			return project
				? { on: 'taskAddedToProject', event: added(project), detail: project.gid }
				: undefined;
		}
		case 'section_changed': {
			const section = objectOf(story.new_section, 'section');
			return section
				? { on: 'taskMovedToSection', event: added(section), detail: section.gid }
				: undefined;
		}
		default: {
			if (!subtype.endsWith('_custom_field_changed')) return undefined;
			const field = objectOf(story.custom_field, 'custom_field');
			return {
				on: 'customFieldChanged',
				event: changed('custom_fields', field),
				detail: field?.gid ?? '',
			};
		}
	}
}

/** A task's creation, as the event Asana sent: added to `home` (a project, or its parent task). */
function creationChange(
	task: TaskToRead,
	created: NonNullable<TaskToRead['created']>,
	current?: IDataObject,
): FoundChange {
	const subtask = created.in.resource_type === 'task';
	return {
		on: subtask ? 'subtaskAdded' : 'taskCreated',
		event: {
			user: created.by ?? null,
			resource: { gid: task.gid, resource_type: 'task', ...(task.name ? { name: task.name } : {}) },
			action: 'added',
			parent: created.in,
			created_at: created.at,
		},
		detail: subtask ? created.in.gid : '',
		...(current ? { current } : {}),
	};
}

/** Where a task of the gap was created: under its parent task, else in the watched project it is in. */
function createdIn(target: WatchedTarget, record: IDataObject): TaskToRead['created'] {
	const parent = compactOf(record.parent);
	const projects = Array.isArray(record.projects) ? record.projects.map(compactOf) : [];
	const home = parent ?? projects.find((p) => p?.gid === target.gid) ?? projects[0];
	const by = compactOf(record.created_by);
	return home
		? { in: { ...home }, at: String(record.created_at), ...(by ? { by } : {}) }
		: undefined;
}

/** Whether a time falls in the gap. */
function inGap(value: unknown, recovery: GapRecovery): boolean {
	return typeof value === 'string' && value >= recovery.since && value <= recovery.until;
}

/** The Trigger On choices only a task's stories tell. */
const STORY_OPTIONS = new Set<TriggerOn>([
	'taskCompleted',
	'taskReopened',
	'taskAssigned',
	'dueDateChanged',
	'commentAdded',
	'taskAddedToProject',
	'taskMovedToSection',
	'customFieldChanged',
]);

/** The item of a recovered object under Any Event: what it is now, changed in the gap. */
function recoveredRecordItem(
	target: WatchedTarget,
	recovery: GapRecovery,
	resourceType: string,
	record: IDataObject,
): INodeExecutionData {
	const name =
		typeof record.name === 'string' && record.name
			? `“${record.name}”`
			: `${resourceType} ${String(record.gid)}`;
	const summary = `${name} changed between ${recovery.since} and ${recovery.until} (recovered from its current state)`;
	return {
		json: {
			recovered: true,
			resource_type: resourceType,
			gid: record.gid,
			current: record,
			stream: describeStream(target),
			gap: { from: recovery.since, to: recovery.until },
			...noticeFields(
				`recovered|${String(record.gid)}|${String(record.modified_at ?? record.created_at ?? recovery.until)}`,
				summary,
				typeof record.permalink_url === 'string' ? record.permalink_url : null,
			),
		},
	};
}

function incompleteNotice(
	target: WatchedTarget,
	recovery: GapRecovery,
	subject: string,
	why: string,
): INodeExecutionData {
	const message = `Changes of ${subject} between ${recovery.since} and ${recovery.until} could not all be recovered: ${why}.`;
	return {
		json: {
			gap_notice: true,
			reason: 'recovery_incomplete',
			stream: describeStream(target),
			gap: { from: recovery.since, to: recovery.until },
			message,
			...noticeFields(
				`incomplete|${recordKey(target)}|${recovery.since}`,
				message,
				streamUrl(target),
			),
		},
	};
}

export interface RecoveryOptions {
	transport: AsanaTransport;
	recoveryRequestsPerPoll: number;
	rules: TriggerOnRules;
	filters: EventFilters;
	seen: SeenChanges;
	labelOf: (target: WatchedTarget) => string;
	now: number;
}

/** What one poll recovered of one stream's gap. */
interface RecoveryRound {
	/** Under way still; absent once the gap is read. */
	recovery?: GapRecovery;
	/** Any Event: the objects that changed, as they are now; notices of what could not be read. */
	items: INodeExecutionData[];
	/** Under a Trigger On choice: the changes of the gap, as their live events would have said them. */
	found: FoundChange[];
}

/**
 * Reads on with one stream's gap within the budget: Asana's state endpoints first (the tasks,
 * stories and objects that changed), then, under a Trigger On choice a story tells, the stories
 * of each task found.
 */
async function recoverStream(
	target: WatchedTarget,
	start: GapRecovery,
	budget: RequestBudget,
	options: RecoveryOptions,
): Promise<RecoveryRound> {
	const { rules, transport } = options;
	const subject = options.labelOf(target);
	const anyEvent = rules.options.has('anyEvent');
	const readsStories = [...rules.options].some((on) => STORY_OPTIONS.has(on));
	const items: INodeExecutionData[] = [];
	const found: FoundChange[] = [];
	let { reading, storiesOf = [] } = start;
	if (reading) {
		const round = await recoverChanges(transport, target, reading, budget, { subject });
		reading = round.progress;
		if (round.unavailable) items.push(incompleteNotice(target, start, subject, round.unavailable));
		for (const { resource_type, gid, current } of round.changes) {
			if (anyEvent) {
				items.push(recoveredRecordItem(target, start, resource_type, current));
			} else if (resource_type === 'story' && target.kind === 'resource') {
				// A watched task's own stories: what they tell needs no further read.
				const task = { gid: target.gid, resource_type: 'task', name: target.listedName };
				const change = inGap(current.created_at, start) && storyChange(task, current);
				if (change) found.push(change);
			} else if (resource_type === 'task') {
				const task: TaskToRead = {
					gid,
					...(typeof current.name === 'string' ? { name: current.name } : {}),
				};
				const created = inGap(current.created_at, start) ? createdIn(target, current) : undefined;
				// A subtask is created under its parent; in a project, the stories tell whether the
				// task was created there or added to it later.
				if (created?.in.resource_type === 'task')
					found.push(creationChange(task, created, current));
				else if (created) task.created = created;
				if ((readsStories || task.created) && gid !== target.gid) storiesOf = [...storiesOf, task];
			}
		}
	}
	while (storiesOf.length) {
		const task = storiesOf[0];
		const read = await readTaskStories<IDataObject>(
			transport,
			task.gid,
			RECOVERED_STORY_FIELDS,
			() => budget.take(),
			subject,
		);
		if (read === undefined) break;
		// Gone or no longer visible since: nothing to tell.
		const stories = read ?? [];
		const compact = {
			gid: task.gid,
			resource_type: 'task',
			...(task.name ? { name: task.name } : {}),
		};
		// A project's stream carried the task's changes from when the task joined it, not before.
		const joined = stories.filter(
			(story) =>
				story.resource_subtype === 'added_to_project' &&
				compactOf(story.project)?.gid === target.gid,
		);
		const carriedFrom = String(joined.at(-1)?.created_at ?? '');
		for (const story of stories) {
			if (String(story.created_at) < carriedFrom) continue;
			const change = inGap(story.created_at, start) && storyChange(compact, story);
			if (change) found.push(change);
		}
		if (task.created && !joined.length) found.push(creationChange(task, task.created));
		storiesOf = storiesOf.slice(1);
	}
	const { since, until } = start;
	const goesOn = reading || storiesOf.length;
	return {
		items,
		found,
		...(goesOn
			? {
					recovery: {
						since,
						until,
						...(reading ? { reading } : {}),
						...(storiesOf.length ? { storiesOf } : {}),
					},
				}
			: {}),
	};
}

/**
 * Starts a recovery for each new gap and goes on with every recovery under way, stream by
 * stream, until the poll's request budget is spent. Returns the notices of the new gaps and
 * what was recovered (objects under Any Event, changes under a Trigger On choice, each once,
 * the Filters applied), and the records with where each recovery stands.
 */
export async function recoverGaps<R extends { recovery?: GapRecovery }>(
	watched: WatchedTarget[],
	records: Readonly<Record<string, R>>,
	gaps: StreamGap[],
	options: RecoveryOptions,
): Promise<{ items: INodeExecutionData[]; changes: Change[]; streams: Record<string, R> }> {
	const { now, rules } = options;
	const streams = { ...records };
	const items: INodeExecutionData[] = [];
	for (const gap of gaps) {
		items.push(gapNoticeItem(gap, now, gap.since !== undefined ? 'recovering' : 'not_possible'));
		const key = recordKey(gap.target);
		if (gap.since === undefined || !streams[key]) continue;
		const reading = startRecovery(
			gap.target.kind === 'resource'
				? { ...gap.target, resourceType: gap.resourceType ?? gap.target.resourceType }
				: gap.target,
			gap.since,
			now,
		);
		streams[key] = {
			...streams[key],
			recovery: { since: reading.since, until: reading.until, reading },
		};
	}
	const budget = new RequestBudget(options.recoveryRequestsPerPoll);
	const changes: Change[] = [];
	for (const target of watched) {
		const key = recordKey(target);
		const recovery = streams[key]?.recovery;
		if (!recovery || budget.remaining <= 0) continue;
		const round = await recoverStream(target, recovery, budget, options);
		items.push(...round.items);
		for (const found of round.found) {
			if (!rules.options.has(found.on) || !matchesFilters(found.event, options.filters)) continue;
			if (
				found.on === 'customFieldChanged' &&
				rules.customFieldGids.length &&
				!rules.customFieldGids.includes(found.detail)
			)
				continue;
			const changeOf = changeKey(
				found.on,
				found.event.resource.gid,
				found.detail,
				found.event.created_at,
			);
			if (options.seen.has(changeOf)) continue;
			options.seen.add(changeOf, Date.parse(found.event.created_at));
			changes.push({
				event: found.event,
				key: changeOf,
				target,
				on: found.on,
				...(found.dueDates ? { dueDates: found.dueDates } : {}),
				recovered: { from: recovery.since, to: recovery.until },
				...(found.current ? { current: found.current } : {}),
			});
		}
		const { recovery: _before, ...rest } = streams[key];
		streams[key] = (round.recovery ? { ...rest, recovery: round.recovery } : rest) as R;
	}
	return { items, changes, streams };
}
