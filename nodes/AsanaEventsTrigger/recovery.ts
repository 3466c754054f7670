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
import type { Change } from './changes';
import { changeKey } from './changes';
import { changeItems, describeStream, noticeFields, streamUrl, type ChangeItemsOptions } from './items';
import type { ReadResult } from './read';
import type { SeenChanges } from './seen';
import { recordKey, type EventsTriggerSettings, type WatchedTarget } from './settings';
import type { TriggerOn, TriggerOnRules } from './triggerOn';

/** A gap recovery under way, kept in the stream's record between polls. */
export interface GapRecovery {
	/** The gap (ISO): from the stream's last read position to the 412 that ended it. */
	since: string;
	until: string;
	/** Where reading Asana's state endpoints goes on; absent once read. */
	reading?: RecoveryProgress;
	/** Tasks whose stories are still to be read for the changes of the gap. */
	storiesOf?: AsanaCompact[];
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
export const RECOVERY_BLIND_SPOTS =
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
				`Asana dropped the events of ${gap.label} ${since ? `since ${since}` : ''} (sync token expired)`.replace(
					'  ',
					' ',
				),
				streamUrl(gap.target, gap.resourceType),
			),
		},
	};
}

/** A story of the gap as the event Asana would have sent, and what it is under Trigger On. */
interface StoryChange {
	on: TriggerOn;
	event: AsanaEvent;
	detail: string;
	dueDates?: { due_on?: string | null; due_at?: string | null };
}

const compactOf = (value: unknown): AsanaCompact | undefined =>
	value && typeof value === 'object' && 'gid' in value ? (value as AsanaCompact) : undefined;

/** The change a story of the task tells, as its live event would have said it. */
function storyChange(task: AsanaCompact, story: IDataObject): StoryChange | undefined {
	const subtype = String(story.resource_subtype ?? '');
	const user = compactOf(story.created_by) ?? null;
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
			const assignee = compactOf(story.assignee);
			return assignee
				? { on: 'taskAssigned', event: changed('assignee', assignee), detail: assignee.gid }
				: undefined;
		}
		case 'due_date_changed':
			return {
				on: 'dueDateChanged',
				event: changed('due_on'),
				detail: '',
				dueDates: (story.new_dates as StoryChange['dueDates']) ?? { due_on: null, due_at: null },
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
			const project = compactOf(story.project);
			return project
				? { on: 'taskAddedToProject', event: added(project), detail: project.gid }
				: undefined;
		}
		case 'section_changed': {
			const section = compactOf(story.new_section);
			return section
				? { on: 'taskMovedToSection', event: added(section), detail: section.gid }
				: undefined;
		}
		default: {
			const field = compactOf(story.custom_field);
			return subtype.endsWith('_custom_field_changed')
				? {
						on: 'customFieldChanged',
						event: changed('custom_fields', field),
						detail: field?.gid ?? '',
					}
				: undefined;
		}
	}
}

/** Whether a record's time falls in the gap. */
function inGap(value: unknown, recovery: GapRecovery): boolean {
	return typeof value === 'string' && value >= recovery.since && value <= recovery.until;
}

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

interface RecoveryContext {
	transport: AsanaTransport;
	rules: TriggerOnRules;
	filters: EventFilters;
	target: WatchedTarget;
	subject: string;
	budget: RequestBudget;
	seen: SeenChanges;
	emit: (change: Change, recovery: GapRecovery, current?: IDataObject) => void;
}

/** Emits a change of the gap that Trigger On and the Filters take, once. */
function offer(
	context: RecoveryContext,
	recovery: GapRecovery,
	found: { on: TriggerOn; event: AsanaEvent; detail: string; dueDates?: StoryChange['dueDates'] },
	current?: IDataObject,
): void {
	const { rules } = context;
	if (!rules.options.has(found.on)) return;
	if (
		found.on === 'customFieldChanged' &&
		rules.customFieldGids.length &&
		!rules.customFieldGids.includes(found.detail)
	)
		return;
	if (!matchesFilters(found.event, context.filters)) return;
	const key = changeKey(found.on, found.event.resource.gid, found.detail, found.event.created_at);
	if (context.seen.has(key)) return;
	context.seen.add(key, Date.parse(found.event.created_at));
	context.emit(
		{
			event: found.event,
			key,
			target: context.target,
			on: found.on,
			...(found.dueDates
				? { story: { gid: '', subtype: 'due_date_changed', created_at: '', new_dates: found.dueDates } }
				: {}),
		},
		recovery,
		current,
	);
}

/** Reads the stories of the tasks queued, within the budget, and emits the changes of the gap they tell. */
async function readQueuedStories(context: RecoveryContext, recovery: GapRecovery): Promise<GapRecovery> {
	const queue = [...(recovery.storiesOf ?? [])];
	while (queue.length) {
		const task = queue[0];
		const stories: IDataObject[] = [];
		let offset: string | undefined;
		do {
			if (!context.budget.take()) return { ...recovery, storiesOf: queue };
			const reply = await context.transport.get<{
				data?: IDataObject[];
				next_page?: { offset?: string } | null;
			}>(
				`/tasks/${task.gid}/stories`,
				{ opt_fields: RECOVERED_STORY_FIELDS, limit: 100, offset },
				{ accept: (status) => status === 403 || status === 404, subject: context.subject },
			);
			if (reply.kind === 'deferred') return { ...recovery, storiesOf: queue };
			if (reply.status !== 200) break;
			stories.push(...(reply.body.data ?? []));
			offset = reply.body.next_page?.offset || undefined;
		} while (offset);
		for (const story of stories) {
			if (!inGap(story.created_at, recovery)) continue;
			const found = storyChange(task, story);
			if (found) offer(context, recovery, found);
		}
		queue.shift();
	}
	const { storiesOf: _read, ...rest } = recovery;
	return rest;
}

/** The item of a recovered object under Any Event: what it is now, changed in the gap. */
function recoveredRecordItem(
	target: WatchedTarget,
	recovery: GapRecovery,
	resourceType: string,
	record: IDataObject,
): INodeExecutionData {
	const name = typeof record.name === 'string' && record.name ? `“${record.name}”` : `${resourceType} ${String(record.gid)}`;
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

export interface RecoveryOptions {
	transport: AsanaTransport;
	settings: Pick<EventsTriggerSettings, 'recoveryRequestsPerPoll' | 'format'>;
	rules: TriggerOnRules;
	filters: EventFilters;
	seen: SeenChanges;
	labelOf: (target: WatchedTarget) => string;
	now: number;
}

/**
 * Starts a recovery for each new gap and goes on with every recovery under way, stream by
 * stream, until the poll's request budget is spent. Returns the notices of the new gaps, then
 * the recovered changes, and the records with where each recovery stands.
 */
export async function recoverGaps<R extends { recovery?: GapRecovery }>(
	watched: WatchedTarget[],
	records: Readonly<Record<string, R>>,
	gaps: StreamGap[],
	options: RecoveryOptions,
): Promise<{ items: INodeExecutionData[]; streams: Record<string, R> }> {
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
	const anyEvent = rules.options.has('anyEvent');
	const readsStories = [...rules.options].some((on) => STORY_OPTIONS.has(on));
	const budget = new RequestBudget(options.settings.recoveryRequestsPerPoll);
	const changes: Change[] = [];
	const currentOf = new Map<Change, IDataObject>();
	const recovered = new Map<Change, GapRecovery>();
	for (const target of watched) {
		const key = recordKey(target);
		let recovery = streams[key]?.recovery;
		if (!recovery || budget.remaining <= 0) continue;
		const subject = options.labelOf(target);
		const context: RecoveryContext = {
			transport: options.transport,
			rules,
			filters: options.filters,
			target,
			subject,
			budget,
			seen: options.seen,
			emit: (change, from, current) => {
				changes.push(change);
				recovered.set(change, from);
				if (current) currentOf.set(change, current);
			},
		};
		if (recovery.reading) {
			const round = await recoverChanges(options.transport, target, recovery.reading, budget, {
				subject,
			});
			const storiesOf = [...(recovery.storiesOf ?? [])];
			for (const change of round.changes) {
				if (anyEvent) {
					items.push(recoveredRecordItem(target, recovery, change.resource_type, change.current));
					continue;
				}
				const record = change.current;
				const task: AsanaCompact = {
					gid: change.gid,
					resource_type: change.resource_type,
					...(typeof record.name === 'string' ? { name: record.name } : {}),
				};
				if (change.resource_type === 'story' && target.kind === 'resource') {
					// A task stream's own stories: what they tell needs no further read.
					const found = storyChange({ gid: target.gid, resource_type: 'task', ...(target.listedName ? { name: target.listedName } : {}) }, record);
					if (found && inGap(record.created_at, recovery)) offer(context, recovery, found);
					continue;
				}
				if (change.resource_type !== 'task') continue;
				const parent = compactOf(record.parent);
				if (inGap(record.created_at, recovery)) {
					const projects = Array.isArray(record.projects) ? record.projects.map(compactOf) : [];
					const home = parent ?? projects.find((project) => project?.gid === target.gid) ?? projects[0];
					if (home)
						offer(
							context,
							recovery,
							{
								on: parent ? 'subtaskAdded' : 'taskCreated',
								event: {
									user: compactOf(record.created_by) ?? null,
									resource: task,
									action: 'added',
									parent: home,
									created_at: String(record.created_at),
								},
								detail: parent?.gid ?? '',
							},
							record,
						);
				}
				if (readsStories && !(target.kind === 'resource' && target.gid === change.gid))
					storiesOf.push(task);
			}
			recovery = {
				...recovery,
				...(round.progress ? { reading: round.progress } : { reading: undefined }),
				...(storiesOf.length ? { storiesOf } : {}),
			};
			if (!round.progress) delete recovery.reading;
			if (round.unavailable) {
				const message = `Changes of ${subject} between ${recovery.since} and ${recovery.until} could not all be recovered: ${round.unavailable}.`;
				items.push({
					json: {
						gap_notice: true,
						reason: 'recovery_incomplete',
						stream: describeStream(target),
						gap: { from: recovery.since, to: recovery.until },
						message,
						...noticeFields(`incomplete|${key}|${recovery.since}`, message, streamUrl(target)),
					},
				});
			}
		}
		if (recovery.storiesOf?.length) recovery = await readQueuedStories(context, recovery);
		const { recovery: _before, ...rest } = streams[key];
		streams[key] = (
			recovery.reading || recovery.storiesOf?.length ? { ...rest, recovery } : rest
		) as R;
	}
	const options_: ChangeItemsOptions = { attachCurrent: false, format: options.settings.format };
	const changeItemsOut = changeItems(changes, options_);
	changeItemsOut.forEach((item, index) => {
		const change = changes[index];
		const gap = recovered.get(change);
		item.json.recovered = true;
		if (gap) item.json.gap = { from: gap.since, to: gap.until };
		const current = currentOf.get(change);
		if (current) item.json.current = current;
	});
	return { items: [...items, ...changeItemsOut], streams };
}
