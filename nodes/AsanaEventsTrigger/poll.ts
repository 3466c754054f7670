/**
 * One poll of the events trigger, stage by stage (docs/architecture.md draws it):
 *
 *   settings → lock → what is watched → which streams this poll reads → read pages →
 *   one item per change (identity, intent, filters) → items → advance cursors → save
 *
 * A scheduled poll holds the poll lock and saves what it changed; "Fetch Test Event" runs the
 * same stages on a copy of the state that is never saved.
 */
import {
	NodeOperationError,
	sleep,
	type INodeExecutionData,
	type IPollFunctions,
} from 'n8n-workflow';

import { createTransport, isGone, type AsanaTransport } from '../shared/asana/transport';
import { objectLabel } from '../shared/editor/resourceRef';
import type { EventFilters } from '../shared/events/eventFilters';
import { DrainBudget } from '../shared/polling/drainBudget';
import { pollDeadline } from '../shared/polling/pollBudget';
import { logBusyPoll, pollOrigin } from '../shared/polling/pollLog';
import { oneItemPerChange } from './changes';
import { advanceStreams, oldestPosition } from './cursors';
import {
	dueFailureReport,
	keptAfterLeaving,
	noteFailures,
	refusedProjects,
	readyToRead,
	unreadableError,
	watchChangesOf,
	type StoredFailures,
} from './failures';
import { changeItems, readCurrentRecords } from './items';
import { sourceLabel } from './projectList';
import { readStreams, selectionFor, type ReadResult } from './read';
import { gapNoticeItem, gapsOf, recoverGaps, type StreamGap } from './recovery';
import { beginReplay, refusedReplayNotice } from './replay';
import { joinTriggerRate, nextRotation, planPoll, type TriggerRate } from './schedule';
import { DELIVERY_LAG_MS, SeenChanges } from './seen';
import {
	PICKED_OBJECTS_LABEL,
	recordKey,
	type EventsTriggerSettings,
	type WatchedTarget,
} from './settings';
import { EventsTriggerState, openState, type StateParts } from './state';
import {
	streamLabel,
	watchChangeItem,
	watchedTargets,
	type StoredProjectList,
	type Watched,
} from './watch';

/**
 * A poll asks for no further page once it has read this many times Max Events per Poll
 * (events its filters drop included): filters that keep few events still move the cursors
 * on by that much each poll, yet one poll cannot read without end.
 */
const READS_PER_EMITTED_EVENT = 10;
const TEST_EVENT_SAMPLE_SIZE = 10;
/** How often "Fetch Test Event" asks again while it waits. */
const TEST_EVENT_MAX_INTERVAL_MS = 2_000;

/** What one poll needs besides its state. */
interface PollRun {
	ctx: IPollFunctions;
	settings: EventsTriggerSettings;
	transport: AsanaTransport;
	rate: TriggerRate;
	deadline: number;
	maxEvents: number;
	/** Fetch Test Event: no replay, no recovery, nothing saved. */
	test: boolean;
}

interface PollDone {
	items: INodeExecutionData[];
	/** What the poll changed in the state. */
	parts: StateParts;
}

/** The Filters, with the credential's own user among the ignored ones when asked: the loop guard. */
async function effectiveFilters(
	run: PollRun,
	state: EventsTriggerState,
): Promise<{ filters: EventFilters; parts: StateParts }> {
	const { settings, ctx, transport } = run;
	if (!settings.ignoreOwnEvents) return { filters: settings.filters, parts: {} };
	const credentialId = Object.values(ctx.getNode().credentials ?? {})[0]?.id ?? '';
	const cached = state.stored.credentialUser;
	let gid = cached?.credentialId === credentialId ? cached.gid : undefined;
	let parts: StateParts = {};
	if (!gid) {
		const reply = await transport.get<{ data: { gid: string } }>('/users/me', {
			opt_fields: 'gid',
		});
		if (reply.kind === 'ok') {
			gid = reply.body.data.gid;
			parts = { credentialUser: { credentialId, gid } };
		}
	}
	return {
		filters: gid
			? { ...settings.filters, ignoredUserGids: [...settings.filters.ignoredUserGids, gid] }
			: settings.filters,
		parts,
	};
}

/** Every stage but the lock and the save. */
async function pollOnce(run: PollRun, state: EventsTriggerState): Promise<PollDone> {
	const { ctx, settings, transport } = run;
	const now = Date.now();
	const { filters, parts: guard } = await effectiveFilters(run, state);
	state.update(guard);

	// What is watched.
	const watched = await watchedTargets(settings, transport, state.stored.projectList, now, {
		refused: refusedProjects(state.stored.failures),
	});
	if (watched.projectList) state.update({ projectList: watched.projectList });
	const labelOf = (target: WatchedTarget) => streamLabel(target, state.record(target));
	// Errors name a stream in the words of the node's parameters.
	const subjectOf = (target: WatchedTarget) =>
		target.kind === 'workspace'
			? objectLabel('Workspace', target.gid, target.listedName)
			: `${settings.projects ? sourceLabel(settings.projects.source) : PICKED_OBJECTS_LABEL} › ${labelOf(target)}`;

	const seen = new SeenChanges(state.stored.seen);
	// A new Replay From value: each stream's replay reads with a cursor of its own.
	const notices: INodeExecutionData[] = [];
	if (!run.test && settings.replayFrom && settings.replayFrom.value !== state.stored.replayFrom) {
		const started = beginReplay(
			watched.targets,
			state.stored.streams,
			settings.replayFrom,
			now,
			seen.newest,
			labelOf,
		);
		state.update({
			streams: started.streams,
			replayFrom: settings.replayFrom.value,
			replayed: { minutes: [] },
		});
		notices.push(...started.notices);
	}

	// Which streams this poll reads.
	const plan = planPoll({
		targets: readyToRead(watched.targets, state.stored.failures, now),
		recordOf: (target) => state.record(target),
		rotation: state.stored.rotation,
		allowance: (demand) => run.rate.allowance(demand, now),
		now,
		policy: run.rate.policy,
		subjectOf,
		seenCrowded: seen.isCrowded(),
	});
	const reads = run.test ? plan.reads.filter((one) => !one.replay) : plan.reads;
	if (plan.skipped.length)
		ctx.logger.debug(
			`${plan.reads.length} of ${watched.targets.length} streams read this poll; the others wait for the credential's Max Requests per Minute`,
		);
	if (plan.waiting.length)
		ctx.logger.debug(
			`${plan.waiting.length} stream(s) with a backlog wait while the oldest backlog catches up, so that a change two streams bring goes out once`,
		);

	// Read pages.
	const budget = new DrainBudget(
		run.maxEvents,
		run.deadline,
		run.maxEvents * READS_PER_EMITTED_EVENT,
	);
	const read = await readStreams(transport, reads, {
		budget,
		concurrency: settings.concurrency,
		...selectionFor(settings.triggerOn, filters),
	});

	// Streams that failed: theirs alone, unless nothing can be read.
	const unreadable = unreadableError(
		read,
		watched.targets,
		state.stored.streams,
		state.stored.failures,
	);
	if (unreadable) throw unreadable;
	const failed = await settleFailures(run, state, watched, read, now, labelOf);
	if (!settings.projects && !run.test) reportFailures(run, state, watched, read, failed, labelOf);

	const gaps = gapsOf(read, (target) => state.record(target), labelOf);
	if (settings.onExpired === 'fail' && gaps.length && !run.test) failOnGaps(run, state, read, gaps);

	// One item per change.
	const replayed = new SeenChanges(state.stored.replayed);
	const changes = await oneItemPerChange(read, {
		rules: settings.triggerOn,
		transport,
		concurrency: settings.concurrency,
		isOutOfTime: () => Date.now() >= run.deadline,
		seen,
		replayed,
	});
	if (changes.undecided)
		ctx.logger.info(
			`${pollOrigin(ctx)}: the stories of ${changes.undecided} task(s) Trigger On must read did not fit in this poll's time; their events and what follows them in their stream are read again next poll`,
		);

	// Items.
	const records = settings.fetchCurrentResource
		? await readCurrentRecords(
				transport,
				changes.changes,
				settings.concurrency,
				() => Date.now() >= run.deadline,
			)
		: undefined;
	const items = [
		...failed.watchChanges,
		...notices,
		...changeItems(changes.changes, {
			records,
			attachCurrent: settings.fetchCurrentResource,
			format: settings.format,
		}),
	];
	read.outcomes.forEach((outcome) => {
		const record = state.record(outcome.read.target);
		if (!outcome.read.replay || !outcome.drained?.expired || !record) return;
		const notice = refusedReplayNotice(
			outcome.read.target,
			record,
			labelOf(outcome.read.target),
			outcome.drained.events.at(-1)?.created_at,
		);
		if (notice) items.push(notice);
	});
	if (settings.onExpired === 'notify') items.unshift(...gaps.map((gap) => gapNoticeItem(gap, now)));

	// Advance cursors.
	const pollTime = Date.now();
	let streams = advanceStreams(failed.targets, state.stored.streams, {
		read,
		holds: changes.holds,
		pollTime,
		policy: run.rate.policy,
	});
	if (settings.onExpired === 'recover' && !run.test) {
		const recovered = await recoverGaps(failed.targets, streams, gaps, {
			transport,
			recoveryRequestsPerPoll: settings.recoveryRequestsPerPoll,
			rules: settings.triggerOn,
			filters,
			seen,
			labelOf,
			now: pollTime,
		});
		items.unshift(
			...recovered.items,
			...changeItems(recovered.changes, { attachCurrent: false, format: settings.format }),
		);
		streams = recovered.streams;
	}
	const projectSource = settings.projects !== undefined;
	const kept = keptAfterLeaving(failed.targets, streams, state.stored.streams, failed.failures, {
		now: pollTime,
		projectSource,
	});
	streams = kept.streams;
	seen.prune(oldestPosition(streams, pollTime) - DELIVERY_LAG_MS);
	const replaying = Object.values(streams).some((record) => record.replay);
	replayed.prune(0);
	if (read.backlog) logBacklog(run, read, budget, labelOf);
	return {
		items,
		parts: {
			streams,
			seen: seen.toStored(),
			replayed: replaying ? replayed.toStored() : undefined,
			rotation: nextRotation(state.stored.rotation, watched.targets.length),
			failures: Object.keys(kept.failures).length ? kept.failures : undefined,
			...(failed.projectList ? { projectList: failed.projectList } : {}),
		},
	};
}

interface SettledFailures {
	/** The watched streams after a project source's list was read again. */
	targets: WatchedTarget[];
	/** Emit Watch Changes: the list's changes, and projects that left or rejoined by their reads. */
	watchChanges: INodeExecutionData[];
	failures: StoredFailures;
	/** The list read again at this poll. */
	projectList?: StoredProjectList;
}

/**
 * Each failed stream is logged once when it starts failing, with what Asana answered. On a
 * project source, a project that answered 403 or 404 sends the poll back to the list at once:
 * gone from it, it leaves the watch like any other; still listed, it stays out of the reads
 * until it answers again.
 */
async function settleFailures(
	run: PollRun,
	state: EventsTriggerState,
	watched: Watched,
	read: ReadResult,
	now: number,
	labelOf: (target: WatchedTarget) => string,
): Promise<SettledFailures> {
	const { ctx, settings, transport } = run;
	const update = noteFailures(state.stored.failures, read, now, run.rate.policy);
	for (const { target, failure } of update.started)
		ctx.logger.warn(
			`${pollOrigin(ctx)}: ${labelOf(target)} ${settings.projects && isGone(failure.status) ? 'leaves the watch' : 'cannot be read'} (the other streams are read as usual; tried again in ${Math.round(failure.backoffMs / 1000)} s): ${failure.message}`,
		);
	for (const { target } of update.recovered)
		ctx.logger.info(`${pollOrigin(ctx)}: ${labelOf(target)} answers again`);
	const source = settings.projects;
	if (!source) return { targets: watched.targets, watchChanges: [], failures: update.failures };
	let targets = watched.targets;
	let projectList = watched.projectList;
	const changes = [...watched.changes];
	if (update.gone.length && !run.test) {
		const relisted = await watchedTargets(
			settings,
			transport,
			projectList ?? state.stored.projectList,
			now,
			{ relist: true, refused: refusedProjects(update.failures) },
		);
		if (relisted.projectList) {
			({ targets, projectList } = relisted);
			changes.push(...relisted.changes);
		}
	}
	if (source.emitWatchChanges) {
		const nameOf = (target: WatchedTarget) => state.record(target)?.name ?? target.listedName;
		for (const change of watchChangesOf(update, nameOf))
			changes.push(watchChangeItem(change, source.source, now));
	}
	return {
		targets,
		watchChanges: changes,
		failures: update.failures,
		...(projectList ? { projectList } : {}),
	};
}

/**
 * Resources: a named stream that fails is told through the workflow's error path at once, then
 * once an hour while it lasts. The poll that tells it emits nothing: the other streams' cursors
 * stay, so their events of this poll come out with the next one; streams that started
 * listening keep their first token.
 */
function reportFailures(
	run: PollRun,
	state: EventsTriggerState,
	watched: Watched,
	read: ReadResult,
	failed: SettledFailures,
	labelOf: (target: WatchedTarget) => string,
): void {
	const now = Date.now();
	const report = dueFailureReport(
		run.ctx.getNode(),
		watched.targets,
		failed.failures,
		now,
		labelOf,
	);
	if (!report) return;
	const started = { ...read, outcomes: read.outcomes.filter((one) => one.started !== undefined) };
	const streams = advanceStreams(watched.targets, state.stored.streams, {
		read: started,
		holds: new Map(),
		pollTime: now,
		policy: run.rate.policy,
	});
	state.update({ streams, failures: report.failures });
	state.save();
	throw report.error;
}

/**
 * "Fail the Poll": only the expired streams take their fresh token (the next poll continues
 * from now); the others' events were not emitted, so their cursors stay.
 */
function failOnGaps(
	run: PollRun,
	state: EventsTriggerState,
	read: ReadResult,
	gaps: StreamGap[],
): never {
	const streams = { ...state.stored.streams };
	const now = Date.now();
	for (const outcome of read.outcomes) {
		const key = recordKey(outcome.read.target);
		if (!outcome.read.replay && outcome.drained?.expired && streams[key])
			streams[key] = { ...streams[key], cursor: outcome.drained.cursor, lastPollAt: now };
	}
	state.update({ streams });
	state.save();
	const notices = gaps.map((gap) => gapNoticeItem(gap, now).json.message).join('\n');
	throw new NodeOperationError(
		run.ctx.getNode(),
		'Asana sync token expired: events may be missing',
		{
			description: `${notices}\nThe next poll continues from now. Choose "Emit a Gap Notice Item" under "On Expired Sync Token" to be told without failing.`,
		},
	);
}

/** Operators see why a poll stopped early; the reasons hold paths and statuses, never a token. */
function logBacklog(
	run: PollRun,
	read: ReadResult,
	budget: DrainBudget,
	labelOf: (target: WatchedTarget) => string,
): void {
	const deferred = read.outcomes
		.filter((outcome) => outcome.drained?.deferred)
		.map((outcome) => `${labelOf(outcome.read.target)}: ${outcome.drained?.deferred}`);
	const emitted = read.outcomes.reduce((sum, o) => sum + (o.drained?.events.length ?? 0), 0);
	const reasons = deferred.length ? `: ${deferred.join('; ')}` : ` (${budget.limitReached()})`;
	run.ctx.logger.info(
		`${pollOrigin(run.ctx)}: ${emitted} events in ${read.requests} requests, the rest next poll${reasons}`,
	);
}

/** A scheduled poll: holds the poll lock, emits what is new and saves where each stream got to. */
export async function pollEventsTrigger(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
): Promise<INodeExecutionData[][] | null> {
	const deadline = pollDeadline(ctx);
	const rate = await joinTriggerRate(ctx, settings);
	const transport = createTransport(ctx, {
		authentication: settings.authentication,
		deadline,
		gate: rate.gate,
	});
	const opened = openState(ctx);
	if ('busySince' in opened) {
		logBusyPoll(ctx, opened);
		return null;
	}
	try {
		const run = { ctx, settings, transport, rate, deadline, maxEvents: settings.maxEventsPerPoll };
		const done = await pollOnce({ ...run, test: false }, opened.state);
		opened.state.update(done.parts);
		opened.state.save();
		return done.items.length ? [done.items] : null;
	} finally {
		opened.release();
	}
}

/**
 * "Fetch Test Event": listens for a short, bounded time and returns the first real events.
 * Works on a copy of the state that is never saved, so the active workflow's cursors stay as
 * they are.
 */
export async function fetchTestEvents(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
): Promise<INodeExecutionData[][]> {
	const waitMs = settings.testEventWaitSeconds * 1000;
	const interval = Math.min(TEST_EVENT_MAX_INTERVAL_MS, Math.max(250, waitMs / 4));
	const waitUntil = Date.now() + waitMs;
	const rate = await joinTriggerRate(ctx, settings);
	// Retry waits may last as long as the listening does, plus one poll's budget.
	const transport = createTransport(ctx, {
		authentication: settings.authentication,
		deadline: pollDeadline(ctx) + waitMs,
		gate: rate.gate,
	});
	const state = EventsTriggerState.read(ctx.getWorkflowStaticData('node'));
	for (;;) {
		const run = { ctx, settings, transport, rate, deadline: pollDeadline(ctx), maxEvents: 1000 };
		const done = await pollOnce({ ...run, test: true }, state);
		state.update(done.parts);
		if (done.items.length) return [done.items.slice(-TEST_EVENT_SAMPLE_SIZE)];
		if (Date.now() >= waitUntil) break;
		await sleep(Math.min(interval, Math.max(0, waitUntil - Date.now())));
	}
	const watched = settings.projects
		? sourceLabel(settings.projects.source)
		: settings.targets.map((target) => streamLabel(target, state.record(target))).join(', ');
	throw new NodeOperationError(
		ctx.getNode(),
		`No new Asana events on ${watched} in the last ${settings.testEventWaitSeconds} seconds`,
		{
			description:
				'Asana only reports events from the moment a listener starts. Click "Fetch Test Event" again and, while it waits, make a change in Asana (rename a task, add a comment, complete a task) that matches Trigger On and the Filters. Or activate the workflow: from then on every event is emitted.',
		},
	);
}
