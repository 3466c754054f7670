/**
 * A stream's failure stays with that stream: its cursor is kept, it is tried again after a
 * while, and the other streams are read and emitted as usual. The poll itself fails only when
 * nothing can be read: the credential is refused, or no watched stream answers.
 *
 * On a team, portfolio or workspace source, a project the token can no longer read, or that
 * is gone, leaves the watch (the list is read again at once) and comes back when it is listed
 * and readable again, from where its cursor stood. On Resources, the streams the user named,
 * one that keeps failing is reported through the workflow's error path once an hour.
 */
import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

import { isGone, refusesCredential } from '../shared/asana/transport';
import type { WatchChange } from './projectList';
import type { ReadOutcome, ReadResult } from './read';
import type { SchedulePolicy } from './schedule';
import { recordKey, type WatchedTarget } from './settings';

/** A named stream that keeps failing is reported this often. */
const FAILURE_REPORT_INTERVAL_MS = 3_600_000;
/**
 * How long the record of a project that left the watch unreadable is kept: Asana's sync tokens
 * live at most 24 hours, so a cursor older than that could not be continued from anyway.
 */
const LEFT_RECORD_KEPT_MS = 24 * 3_600_000;

/** One stream's failures in a row. */
interface StreamFailure {
	/** The status Asana answered; 0 when no answer came. */
	status: number;
	/** The error's message: names the stream, what Asana answered and the fix. Never a token. */
	message: string;
	/** Epoch ms of the first failure in a row. */
	since: number;
	/**
	 * Epoch ms before which the stream is not read again: at once after an outage or a lost
	 * connection; after a refusal, from one poll gap doubling up to Max Staleness.
	 */
	retryAt: number;
	backoffMs: number;
	/** Resources: when the workflow's error path was told last. */
	reportedAt?: number;
}

/** By `recordKey()` of the stream. */
export type StoredFailures = Record<string, StreamFailure>;

/** What a poll's reads did to the streams' failures. */
export interface FailureUpdate {
	failures: StoredFailures;
	/** Streams that failed at this poll for the first time in a row, or were refused for the first time. */
	started: Array<{ target: WatchedTarget; failure: StreamFailure }>;
	/** Streams read again after failing. */
	recovered: Array<{ target: WatchedTarget; failure: StreamFailure }>;
	/** A project source's projects that answered 403 or 404: the list is read again at once. */
	gone: WatchedTarget[];
}

/** The status and message of an error a stream's read ended with. */
function failureOf(error: unknown): { status: number; message: string } {
	const status = error instanceof NodeApiError ? Number(error.httpCode ?? 0) || 0 : 0;
	return { status, message: error instanceof Error ? error.message : String(error) };
}

/** Whether a project left the watch refused (403, 404): its reads tell when it is back. */
export function refusedProjects(
	failures: StoredFailures | undefined,
): (projectGid: string) => boolean {
	return (gid) => {
		const failure = failures?.[recordKey({ kind: 'resource', gid })];
		return failure !== undefined && isGone(failure.status);
	};
}

/** Streams waiting to be tried again leave this poll's reads. */
export function readyToRead(
	targets: WatchedTarget[],
	failures: StoredFailures | undefined,
	now: number,
): WatchedTarget[] {
	if (!failures) return targets;
	return targets.filter((target) => (failures[recordKey(target)]?.retryAt ?? 0) <= now);
}

/** Records the failures and recoveries of this poll's live reads. */
export function noteFailures(
	before: StoredFailures | undefined,
	read: ReadResult,
	now: number,
	policy: SchedulePolicy,
): FailureUpdate {
	const failures: StoredFailures = { ...before };
	const update: FailureUpdate = { failures, started: [], recovered: [], gone: [] };
	for (const outcome of read.outcomes) {
		if (outcome.read.replay) continue;
		const key = recordKey(outcome.read.target);
		const previous = failures[key];
		if (outcome.error) {
			const { status, message } = failureOf(outcome.error);
			// An outage or a lost connection may be over by the next poll; a refusal is not.
			const transient = status === 0 || status === 429 || status >= 500;
			const backoffMs = transient
				? 0
				: Math.min(
						policy.maxStalenessMs,
						Math.max(policy.pollGapMs, 2 * (previous?.backoffMs ?? 0)),
					);
			const failure: StreamFailure = {
				status,
				message,
				since: previous?.since ?? now,
				retryAt: now + backoffMs,
				backoffMs,
				...(previous?.reportedAt !== undefined ? { reportedAt: previous.reportedAt } : {}),
			};
			failures[key] = failure;
			// A stream that met an outage first and is refused now leaves the watch now.
			if (!previous || (isGone(status) && !isGone(previous.status)))
				update.started.push({ target: outcome.read.target, failure });
			if (isGone(failure.status)) update.gone.push(outcome.read.target);
		} else if (previous && !outcome.unread) {
			delete failures[key];
			update.recovered.push({ target: outcome.read.target, failure: previous });
		}
	}
	return update;
}

/** A project source's projects that left the watch refused, or came back readable. */
export function watchChangesOf(
	update: FailureUpdate,
	nameOf: (target: WatchedTarget) => string | undefined,
): WatchChange[] {
	const project = (target: WatchedTarget) => {
		const name = nameOf(target);
		return name ? { gid: target.gid, name } : { gid: target.gid };
	};
	return [
		...update.started
			.filter(({ failure }) => isGone(failure.status))
			.map(({ target, failure }): WatchChange => ({
				change: 'removed',
				project: project(target),
				reason: 'refused',
				status: failure.status,
			})),
		...update.recovered
			.filter(({ failure }) => isGone(failure.status))
			.map(({ target }): WatchChange => ({
				change: 'added',
				project: project(target),
				reason: 'readable',
			})),
	];
}

/**
 * Nothing can be read: the credential is refused, or every read of this poll failed and no
 * other watched stream is known to answer. The error of the first failed read, which names the
 * stream and the fix, is what the poll fails with then.
 */
export function unreadableError(
	read: ReadResult,
	targets: WatchedTarget[],
	records: Readonly<Record<string, unknown>>,
	failures: StoredFailures | undefined,
): Error | undefined {
	const failed = read.outcomes.filter(
		(outcome): outcome is ReadOutcome & { error: Error } => outcome.error !== undefined,
	);
	if (!failed.length) return undefined;
	const refused = failed.find((outcome) => refusesCredential(outcome.error));
	if (refused) return refused.error;
	if (failed.length < read.outcomes.length) return undefined;
	const failedKeys = new Set(failed.map((outcome) => recordKey(outcome.read.target)));
	const answering = targets.some((target) => {
		const key = recordKey(target);
		return !failedKeys.has(key) && records[key] !== undefined && !failures?.[key];
	});
	return answering ? undefined : failed[0].error;
}

/**
 * The records to keep after the poll: those of the watched streams, and those of projects that
 * left the watch unreadable, for a while, so that they go on from their cursor when they come
 * back. Failures of streams neither watched nor kept are dropped with them.
 */
export function keptAfterLeaving<StreamRecord>(
	targets: WatchedTarget[],
	streams: Record<string, StreamRecord>,
	before: Readonly<Record<string, StreamRecord>>,
	failures: StoredFailures,
	options: { now: number; projectSource: boolean },
): { streams: Record<string, StreamRecord>; failures: StoredFailures } {
	const watched = new Set(targets.map(recordKey));
	const kept: StoredFailures = {};
	const next = { ...streams };
	for (const [key, failure] of Object.entries(failures)) {
		if (watched.has(key)) kept[key] = failure;
		else if (
			options.projectSource &&
			before[key] &&
			options.now - failure.since < LEFT_RECORD_KEPT_MS
		) {
			next[key] = before[key];
			kept[key] = failure;
		}
	}
	return { streams: next, failures: kept };
}

/**
 * Resources: the named streams whose failure is due to be reported (never yet, or not for an
 * hour), as one error for the workflow's error path, and the failures marked as reported.
 */
export function dueFailureReport(
	node: INode,
	targets: WatchedTarget[],
	failures: StoredFailures | undefined,
	now: number,
	labelOf: (target: WatchedTarget) => string,
): { error: NodeOperationError; failures: StoredFailures } | undefined {
	// While every stream fails, each poll that tries them fails with the error itself.
	if (!failures || targets.every((target) => failures[recordKey(target)])) return undefined;
	const due = targets.filter((target) => {
		const failure = failures[recordKey(target)];
		return failure && now - (failure.reportedAt ?? -Infinity) >= FAILURE_REPORT_INTERVAL_MS;
	});
	if (!due.length) return undefined;
	const marked: StoredFailures = { ...failures };
	for (const target of due)
		marked[recordKey(target)] = { ...failures[recordKey(target)], reportedAt: now };
	const lines = due.map(
		(target) =>
			`${labelOf(target)}, failing since ${new Date(failures[recordKey(target)].since).toISOString()}: ${failures[recordKey(target)].message}`,
	);
	const first = failures[recordKey(due[0])];
	const others = targets.length - due.length;
	return {
		error: new NodeOperationError(
			node,
			due.length === 1
				? first.message
				: `${due.length} of the Resources cannot be read: ${first.message}`,
			{
				description: `${lines.join('\n')}\n${others ? `The other ${others} stream(s) are read and emitted as usual. ` : ''}Each failing stream is tried again after a while, its cursor kept, and reported here once an hour while it fails. Fix it, or remove it from Resources.`,
			},
		),
		failures: marked,
	};
}
