/**
 * One item per real change: of the events read, what each is under Trigger On (its intent,
 * decided from what Asana stated), and each change once, whichever streams and polls bring
 * it. An event whose intent cannot be decided within the poll's time waits: its stream emits
 * nothing from it on, and its cursor stays before it.
 */
import type { IDataObject } from 'n8n-workflow';

import { shortKey, valueGid } from '../shared/events/eventKey';
import type { StreamCursor } from '../shared/events/eventStream';
import type { AsanaTransport } from '../shared/asana/transport';
import type { AsanaEvent } from '../shared/asana/types';
import type { ReadOutcome, ReadResult } from './read';
import type { SeenChanges } from './seen';
import {
	decide,
	intentOf,
	type Decision,
	type SystemStory,
	type TriggerOn,
	type TriggerOnRules,
} from '../shared/events/intent';
import { TaskStories } from '../shared/events/taskStories';
import type { WatchedTarget } from './settings';

/** A change to emit. */
export interface Change {
	/** The event that reports it. */
	event: AsanaEvent;
	/** Equal whichever stream or poll brings the change: the item's `event_id`. */
	key: string;
	/** The stream that brought it. */
	target: WatchedTarget;
	/** What Trigger On decided it is; absent under Any Event. */
	on?: TriggerOn;
	/** Under Any Event: what the events read tell it is, where they do. */
	is?: TriggerOn;
	/** A due date change: the dates after it, as its story tells. */
	dueDates?: SystemStory['new_dates'];
	/** Sent again by a replay. */
	replayed?: boolean;
	/** Recovered after a gap (ISO): read from Asana's state, not its events. */
	recovered?: { from: string; to: string };
	/** The task's record, where a recovery read it. */
	current?: IDataObject;
}

/** Where a read waits, at an event not decided in time. */
export interface Hold {
	/** Its cursor: before the event. */
	cursor: StreamCursor;
	/** How many of the read's events go before it. */
	taken: number;
}

export interface Changes {
	/** In the order they happened. */
	changes: Change[];
	/** Reads that wait, by index in the read result. */
	holds: Map<number, Hold>;
	/** Tasks whose stories did not fit in the poll's time. */
	undecided: number;
}

export interface ChangeOptions {
	rules: TriggerOnRules;
	transport: AsanaTransport;
	concurrency: number;
	isOutOfTime: () => boolean;
	/** The changes emitted lately; those a replay emitted again, for a replay's. */
	seen: SeenChanges;
	replayed: SeenChanges;
}

/**
 * The key of a change under an intent: the same for every event and story that reports it
 * (a task created in two watched projects is one creation; a recovered change is the live
 * one), different for different changes (added to Project 1, added to Project 2). `subject`
 * is what changed (the task; the comment or status update made), `detail` what it became
 * (the assignee, project, section or field), `instant` when.
 */
export function changeKey(on: TriggerOn, subject: string, detail: string, instant: string): string {
	if (on === 'taskCreated') return shortKey(`taskCreated|${subject}`);
	if (on === 'commentAdded' || on === 'statusUpdate') return shortKey(`${on}|${subject}`);
	return shortKey(`${on}|${subject}|${detail}|${instant}`);
}

/** The key of the change an event reports under an intent. */
function keyOfEvent(on: TriggerOn, event: AsanaEvent): string {
	const detail =
		on === 'taskAssigned' || on === 'customFieldChanged'
			? (valueGid(event.change?.new_value) ?? '')
			: (event.parent?.gid ?? '');
	return changeKey(on, event.resource.gid, detail, event.created_at);
}

/** The events of one read, each with its key and what it is. */
interface Judged {
	outcome: ReadOutcome;
	decisions: Decision[];
}

/** Where a read waits: before its first event not decided. */
function holdOf(outcome: ReadOutcome, decisions: Decision[]): Hold | undefined {
	const drained = outcome.drained;
	if (!drained) return undefined;
	const taken = decisions.findIndex((decision) => decision.needsStories !== undefined);
	if (taken < 0) return undefined;
	const page = drained.pages.findIndex((candidate) => taken < candidate.end);
	const start = page > 0 ? drained.pages[page - 1].end : 0;
	const { token, handledBefore = [] } = drained.pages[page];
	const handled = [...handledBefore, ...drained.keys.slice(start, taken)];
	return { taken, cursor: handled.length ? { sync: token, handled } : { sync: token } };
}

/**
 * Decides every event read; reads, within the poll's time, the stories of the tasks a decision
 * needs; keeps each change once. Marks the changes emitted in `seen` (or `replayed`).
 */
export async function oneItemPerChange(read: ReadResult, options: ChangeOptions): Promise<Changes> {
	const { rules } = options;
	const anyEvent = rules.options.has('anyEvent');
	const drainedOutcomes = read.outcomes.filter((outcome) => outcome.drained);
	const evidence = new TaskStories(
		drainedOutcomes.flatMap((outcome) => [
			...(outcome.drained?.events ?? []),
			...(outcome.drained?.evidence ?? []),
		]),
	);
	const judge = (outcome: ReadOutcome): Decision[] => {
		if (anyEvent || !outcome.drained) return [];
		const known = evidence.ofStream(outcome.drained.newestRead);
		return outcome.drained.events.map((event) => decide(event, rules, known));
	};
	let judged: Judged[] = read.outcomes.map((outcome) => ({ outcome, decisions: judge(outcome) }));

	const needed = judged.flatMap(({ decisions }) =>
		decisions.flatMap((decision) => (decision.needsStories ? [decision.needsStories] : [])),
	);
	if (needed.length) {
		await evidence.readStories(options.transport, needed, options.concurrency, options.isOutOfTime);
		judged = judged.map(({ outcome }) => ({ outcome, decisions: judge(outcome) }));
	}

	const holds = new Map<number, Hold>();
	const changes: Change[] = [];
	const undecided = new Set<string>();
	judged.forEach(({ outcome, decisions }, index) => {
		const drained = outcome.drained;
		if (!drained) return;
		const hold = holdOf(outcome, decisions);
		if (hold) {
			holds.set(index, hold);
			undecided.add(drained.events[hold.taken].resource.gid);
		}
		const end = hold?.taken ?? drained.events.length;
		const replayed = outcome.read.replay !== undefined;
		const seen = replayed ? options.replayed : options.seen;
		const target = outcome.read.target;
		const known = evidence.ofStream(drained.newestRead);
		// Up to Max Events per Poll changes: one object each, its optional fields set only when present.
		for (let i = 0; i < end; i++) {
			const event = drained.events[i];
			const decision = anyEvent ? undefined : decisions[i];
			if (decision && !decision.on) continue;
			const key = decision?.on ? keyOfEvent(decision.on, event) : drained.keys[i];
			if (seen.has(key)) continue;
			seen.add(key, Date.parse(event.created_at));
			const change: Change = { event, key, target };
			if (decision?.on) change.on = decision.on;
			else {
				const is = intentOf(event, known);
				if (is) change.is = is;
			}
			if (decision?.story?.new_dates) change.dueDates = decision.story.new_dates;
			if (replayed) change.replayed = true;
			changes.push(change);
		}
	});
	// Asana sends each stream oldest first; the streams together are ordered here.
	changes.sort((a, b) =>
		a.event.created_at < b.event.created_at ? -1 : a.event.created_at > b.event.created_at ? 1 : 0,
	);
	return { changes, holds, undecided: undecided.size };
}
