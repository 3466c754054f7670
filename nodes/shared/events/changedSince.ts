/**
 * What changed while a stream's sync token was expired, read from Asana's state endpoints
 * instead of its events (Asana's advice on a 412: "fetch the full dataset for this query
 * now"). One poll goes as far as its request budget allows; `RecoveryProgress` says where
 * the next one goes on.
 */
import type { IDataObject } from 'n8n-workflow';

import type { AsanaTransport } from '../asana/transport';
import type { StreamTarget } from '../asana/types';

/** Asana's largest page of a list, and of the task search. */
const LIST_PAGE = 100;

/** Fields of a task as a recovered item shows it. */
const RECOVERED_TASK_FIELDS = [
	'name',
	'resource_subtype',
	'completed',
	'assignee',
	'due_on',
	'notes',
	'parent',
	'projects',
	'created_at',
	'modified_at',
	'permalink_url',
].join(',');

/**
 * Fields of a story as a recovered item shows it: who, when, what kind, and the details Asana
 * gives a system story (the due dates, the assignee, the project, the section, the field).
 */
export const RECOVERED_STORY_FIELDS = [
	'resource_subtype',
	'created_at',
	'created_by.name',
	'text',
	'new_dates',
	'assignee.name',
	'project.name',
	'new_section.name',
	'custom_field.name',
].join(',');

type Step =
	'identify' | 'projectTasks' | 'project' | 'task' | 'subtasks' | 'stories' | 'goal' | 'search';

/** Where a recovery stands: small, kept in the trigger's state between polls. */
export interface RecoveryProgress {
	/** The gap: from the last successful read of the stream (ISO) to the 412 that ended it. */
	since: string;
	until: string;
	/** What is asked next; for a resource whose type is not known yet, `identify` finds it. */
	step: Step;
	/** The next page of a paged step. */
	offset?: string;
	/** The search's next `modified_at.after`, and the gids already emitted with that very time. */
	after?: string;
	seenAt?: string[];
}

/** One poll's allowance of requests for recovery, shared by every stream it recovers. */
export class RequestBudget {
	constructor(private left: number) {}

	/** Takes one request; false when none is left. */
	take(): boolean {
		if (this.left <= 0) return false;
		this.left--;
		return true;
	}

	get remaining(): number {
		return this.left;
	}
}

/** Where a recovery of this stream starts. */
export function startRecovery(
	target: StreamTarget & { resourceType?: string },
	since: number,
	until: number,
): RecoveryProgress {
	const window = { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
	if (target.kind === 'workspace') return { ...window, step: 'search', after: window.since };
	return { ...window, step: firstStepOf(target.resourceType) };
}

function firstStepOf(resourceType: string | undefined): Step {
	if (resourceType === 'project') return 'projectTasks';
	if (resourceType === 'task') return 'task';
	if (resourceType === 'goal') return 'goal';
	return 'identify';
}

/** One changed object: its type and its current record. */
interface RecoveredChange {
	resource_type: string;
	gid: string;
	current: IDataObject;
}

export interface RecoveryRound {
	changes: RecoveredChange[];
	/** Where to go on next poll; absent when the recovery is complete. */
	progress?: RecoveryProgress;
	requests: number;
	/** What could not be recovered, in words (e.g. the search needs a premium workspace). */
	unavailable?: string;
}

interface ListPage {
	data?: IDataObject[];
	next_page?: { offset?: string } | null;
}

/** Gone, private, or a type the path does not serve: the step has nothing to give. */
const nothingThere = (status: number) => status === 400 || status === 403 || status === 404;

function changedSince(record: IDataObject, since: string, field: string): boolean {
	const value = record[field];
	return typeof value !== 'string' || Date.parse(value) >= Date.parse(since);
}

/**
 * Reads as much of the gap as `budget` allows: for a project its tasks modified since the
 * gap began (paged) and the project if it changed; for a task the task, its subtasks that
 * changed and its stories since; for a goal the goal (goals carry no modification time);
 * for a workspace the task search by `modified_at.after`, sorted by it and asked again after
 * the last one seen, as Asana's search (which has no offset) requires.
 */
export async function recoverChanges(
	transport: AsanaTransport,
	target: StreamTarget,
	start: RecoveryProgress,
	budget: RequestBudget,
	options: { subject?: string } = {},
): Promise<RecoveryRound> {
	const changes: RecoveredChange[] = [];
	let progress: RecoveryProgress | undefined = { ...start };
	let requests = 0;
	let unavailable: string | undefined;
	const get = async (path: string, query: Record<string, string | undefined>) => {
		requests++;
		return await transport.get<{ data?: IDataObject } & ListPage>(path, query, {
			accept: (status) => nothingThere(status) || status === 402,
			subject: options.subject,
		});
	};
	const add = (resourceType: string, record: IDataObject) =>
		changes.push({ resource_type: resourceType, gid: String(record.gid), current: record });
	const next = (step: Step | undefined, extra: Partial<RecoveryProgress> = {}) => {
		progress = step ? { since: start.since, until: start.until, step, ...extra } : undefined;
	};
	const gid = target.gid;

	while (progress && budget.take()) {
		const { step, since, offset } = progress;
		if (step === 'identify') {
			// A resource given by id alone: its type decides what to read.
			const found = await identify(transport, gid, options.subject, () => requests++, budget);
			if (found === 'deferred') return { changes, progress, requests };
			if (!found) {
				next(undefined);
				break;
			}
			next(firstStepOf(found));
			continue;
		}
		if (step === 'projectTasks' || step === 'subtasks' || step === 'stories') {
			const path =
				step === 'projectTasks'
					? '/tasks'
					: `/tasks/${gid}/${step === 'subtasks' ? 'subtasks' : 'stories'}`;
			const query =
				step === 'projectTasks'
					? { project: gid, modified_since: since, opt_fields: RECOVERED_TASK_FIELDS }
					: { opt_fields: step === 'subtasks' ? RECOVERED_TASK_FIELDS : RECOVERED_STORY_FIELDS };
			const reply = await get(path, { ...query, limit: String(LIST_PAGE), offset });
			if (reply.kind === 'deferred') return { changes, progress, requests };
			if (reply.status === 200) {
				for (const record of reply.body.data ?? []) {
					if (step === 'stories') {
						if (changedSince(record, since, 'created_at')) add('story', record);
					} else if (changedSince(record, since, 'modified_at')) add('task', record);
				}
			}
			const nextOffset = reply.status === 200 ? reply.body.next_page?.offset : undefined;
			if (nextOffset) next(step, { offset: nextOffset });
			else next(step === 'projectTasks' ? 'project' : step === 'subtasks' ? 'stories' : undefined);
			continue;
		}
		if (step === 'project' || step === 'task' || step === 'goal') {
			const reply = await get(
				`/${step}s/${gid}`,
				step === 'task' ? { opt_fields: RECOVERED_TASK_FIELDS } : {},
			);
			if (reply.kind === 'deferred') return { changes, progress, requests };
			const record = reply.status === 200 ? reply.body.data : undefined;
			// Goals have no modification time: the goal is always given.
			if (record && (step === 'goal' || changedSince(record, since, 'modified_at')))
				add(step, record);
			next(step === 'task' ? 'subtasks' : undefined);
			continue;
		}
		// The workspace search: no offset, so each page asks again after the last time it showed.
		const after = progress.after ?? since;
		const reply = await get(`/workspaces/${gid}/tasks/search`, {
			'modified_at.after': after,
			sort_by: 'modified_at',
			sort_ascending: 'true',
			limit: String(LIST_PAGE),
			opt_fields: RECOVERED_TASK_FIELDS,
		});
		if (reply.kind === 'deferred') return { changes, progress, requests };
		if (reply.status !== 200) {
			unavailable =
				reply.status === 402
					? 'the workspace task search needs a premium workspace'
					: `the workspace task search answered ${reply.status}`;
			next(undefined);
			break;
		}
		const page = (reply.body.data ?? []) as IDataObject[];
		const seen = new Set(progress.seenAt ?? []);
		const fresh = page.filter((record) => !seen.has(String(record.gid)));
		for (const record of fresh) add('task', record);
		const last = page.at(-1)?.modified_at;
		if (page.length < LIST_PAGE || typeof last !== 'string') {
			next(undefined);
			continue;
		}
		if (!fresh.length) {
			// A full page of one millisecond, all given already: the search cannot page inside it.
			next('search', { after: last });
			continue;
		}
		// Tasks modified in the same millisecond as the last one may follow on the next page:
		// ask from just before it, and skip the ones already given.
		const before = new Date(Date.parse(last) - 1).toISOString();
		const atLast = page.filter((record) => record.modified_at === last).map((r) => String(r.gid));
		next('search', { after: before, seenAt: before === after ? [...seen, ...atLast] : atLast });
	}
	return { changes, progress, requests, unavailable };
}

/** The type of a resource known by id alone, by asking each kind in turn. */
async function identify(
	transport: AsanaTransport,
	gid: string,
	subject: string | undefined,
	counted: () => void,
	budget: RequestBudget,
): Promise<string | undefined | 'deferred'> {
	const kinds = ['project', 'task', 'goal'];
	for (let i = 0; i < kinds.length; i++) {
		// The first ask was paid by the caller.
		if (i > 0 && !budget.take()) return 'deferred';
		counted();
		const reply = await transport.get<{ data?: IDataObject }>(
			`/${kinds[i]}s/${gid}`,
			{ opt_fields: 'resource_type' },
			{ accept: nothingThere, subject },
		);
		if (reply.kind === 'deferred') return 'deferred';
		if (reply.status === 200) return kinds[i];
	}
	return undefined;
}
