/**
 * Everything the events trigger keeps in workflow static data, and the only code that reads
 * or writes it: the layout and its version, the migration from older layouts, and the poll
 * lock. What each part means, and how a poll changes it, belongs to the stage that owns it;
 * here the parts are only held, replaced and saved.
 */
import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { lockPoll, type PollBusy, type PollLock } from '../shared/polling/pollLock';
import type { StreamTarget } from '../shared/asana/types';
import type { RecoveryProgress } from '../shared/events/changedSince';
import type { StreamCursor } from '../shared/events/eventStream';
import type { Checkpoint } from './checkpoints';
import type { StoredFailures } from './failures';
import type { GapRecovery } from './recovery';
import type { StreamReplay } from './replay';
import type { ReadSchedule } from './schedule';
import type { StoredSeen } from './seen';
import { recordKey } from './settings';
import type { StoredProjectList } from './watch';

export const STATE_VERSION = 4;

/**
 * One record per watched stream: where it stands, and what the trigger learned about it.
 * Whatever else is kept per stream belongs here too, with a new version and its migration.
 */
export interface StreamRecord {
	cursor: StreamCursor;
	/** Epoch ms of the last poll that read this stream. */
	lastPollAt: number;
	/** Epoch ms of the newest event read when events were left for the next poll. */
	backlogAt?: number;
	/** The watched object's type and name, as Asana gave them in its events. */
	resourceType?: string;
	name?: string;
	/** Tokens of past polls, oldest first, thinned with age: where a replay can start. */
	checkpoints?: Checkpoint[];
	/** A replay under way, read with a cursor of its own. */
	replay?: StreamReplay;
	/** A gap recovery under way: where it goes on next poll. */
	recovery?: GapRecovery;
	/** Request scheduling: whether the stream is busy, how long it may go unread. */
	schedule?: ReadSchedule;
}

/** The trigger's state as a poll works on it. */
export interface StoredEventsState {
	version: typeof STATE_VERSION;
	/** Keyed by `recordKey()`, so editing the resource list keeps the cursors that stayed. */
	streams: Record<string, StreamRecord>;
	/** The changes emitted lately, so that none goes out twice. */
	seen: StoredSeen;
	/** The changes a replay under way emitted again. */
	replayed?: StoredSeen;
	/** The Replay From value acted on last. */
	replayFrom?: string;
	/** The credential's own user, asked of Asana once per credential. */
	credentialUser?: { credentialId: string; gid: string };
	/** The stream the next poll starts with, among streams of equal need. */
	rotation: number;
	/** The project list of a team, portfolio or workspace source. */
	projectList?: StoredProjectList;
	/** Streams whose reads fail, each tried again after a while; the others read on. */
	failures?: StoredFailures;
}

/**
 * What `staticData.eventsTrigger` holds: the state, with the newest checkpoint's token left out
 * when it is the cursor's (a team of hundreds of projects keeps one token per stream, not two).
 */
type StaticEventsState = Omit<StoredEventsState, 'streams'> & {
	streams: Record<string, StaticStreamRecord>;
};
type StaticStreamRecord = Omit<StreamRecord, 'checkpoints'> & {
	checkpoints?: Array<Checkpoint | [time: number]>;
};

function toStatic(state: StoredEventsState): StaticEventsState {
	const streams: StaticEventsState['streams'] = {};
	for (const [key, record] of Object.entries(state.streams)) {
		const newest = record.checkpoints?.at(-1);
		streams[key] =
			record.checkpoints && newest?.[1] === record.cursor.sync
				? { ...record, checkpoints: [...record.checkpoints.slice(0, -1), [newest[0]]] }
				: record;
	}
	return { ...state, streams };
}

function fromStatic(stored: StaticEventsState): StoredEventsState {
	const streams: StoredEventsState['streams'] = {};
	for (const [key, record] of Object.entries(stored.streams)) {
		if (!isRecord(record) || !isRecord(record.cursor)) continue;
		const { checkpoints, ...rest } = record;
		streams[key] = {
			...rest,
			...(checkpoints
				? { checkpoints: checkpoints.map(([time, sync]) => [time, sync ?? record.cursor.sync]) }
				: {}),
		};
	}
	return { ...stored, streams };
}

/** The part of the state a poll replaces. */
export type StateParts = Partial<Omit<StoredEventsState, 'version'>>;

// ---- older layouts ---------------------------------------------------------------------------

/**
 * Layout version 3 (release 0.2): the window of recent keys and a half-taken page's keys were
 * made per stream; a replay under way had moved the stream's own cursor back.
 */
interface StoredV3 {
	version: 3;
	streams: Record<
		string,
		Omit<StreamRecord, 'cursor' | 'replay' | 'recovery'> & {
			cursor: { sync: string; emitted?: string[] };
			replay?: { from: string; until: string };
			recovery?: RecoveryProgress;
		}
	>;
	recent: string[];
	newestEmitted?: string;
	replayFrom?: string;
	credentialUser?: { credentialId: string; gid: string };
	rotation: number;
	projectList?: StoredProjectList;
}

/** Layout version 2: version 3 added optional fields only. */
type StoredV2 = Omit<StoredV3, 'version' | 'replayFrom' | 'projectList'> & { version: 2 };

/** Layout version 1, as release 0.1 wrote it: a flat stream record, the user beside the state. */
interface StoredV1 {
	version: 1;
	streams: Record<string, { sync: string; emitted?: string[]; lastPollAt: number }>;
	recent: string[];
	newestEmitted?: string;
	rotation: number;
}

function emptyState(): StoredEventsState {
	return { version: STATE_VERSION, streams: {}, seen: { minutes: [] }, rotation: 0 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** Layout version 1 to 2: every cursor, the window and the cached user carry over. */
function fromV1(stored: StoredV1, credentialUser: unknown): StoredV2 {
	const streams: StoredV2['streams'] = {};
	for (const [key, record] of Object.entries(stored.streams)) {
		if (!isRecord(record) || typeof record.sync !== 'string') continue;
		streams[key] = { cursor: { sync: record.sync }, lastPollAt: record.lastPollAt };
	}
	const user = isRecord(credentialUser) ? credentialUser : {};
	return {
		version: 2,
		streams,
		recent: [],
		rotation: Number.isInteger(stored.rotation) ? stored.rotation : 0,
		...(typeof user.credentialId === 'string' && typeof user.gid === 'string'
			? { credentialUser: { credentialId: user.credentialId, gid: user.gid } }
			: {}),
	};
}

/**
 * Layout version 2 or 3 to this one. Cursors, names, checkpoints, recoveries, schedules,
 * the project list and the cached user carry over. The keys of older layouts named an event
 * together with its stream and cannot be turned into the keys of changes: the window starts
 * empty, and a page half taken when the layout changed is read from its start (its events
 * already emitted may go out once more). A replay under way had moved the stream's cursor
 * back: the stream goes on from there, its events up to the replay's end unmarked.
 */
function fromV3(stored: StoredV2 | StoredV3): StoredEventsState {
	const streams: Record<string, StreamRecord> = {};
	for (const [key, record] of Object.entries(stored.streams)) {
		if (!isRecord(record) || !isRecord(record.cursor) || typeof record.cursor.sync !== 'string')
			continue;
		const { cursor, replay: _movedCursor, recovery, ...rest } = record;
		streams[key] = {
			...rest,
			cursor: { sync: cursor.sync },
			...(recovery
				? { recovery: { since: recovery.since, until: recovery.until, reading: recovery } }
				: {}),
		};
	}
	return {
		version: STATE_VERSION,
		streams,
		seen: { minutes: [] },
		rotation: Number.isInteger(stored.rotation) ? stored.rotation : 0,
		...(stored.credentialUser ? { credentialUser: stored.credentialUser } : {}),
		...('replayFrom' in stored && stored.replayFrom ? { replayFrom: stored.replayFrom } : {}),
		...('projectList' in stored && stored.projectList ? { projectList: stored.projectList } : {}),
	};
}

/**
 * The stored layout, migrated to the current version. A layout this code does not know is read as "no state": every stream starts at now.
 */
export function readStoredState(staticData: IDataObject): StoredEventsState {
	const stored = staticData.eventsTrigger;
	if (!isRecord(stored) || !isRecord(stored.streams)) return emptyState();
	if (stored.version === STATE_VERSION) return fromStatic(stored as unknown as StaticEventsState);
	if (stored.version === 3 || stored.version === 2)
		return fromV3(stored as unknown as StoredV2 | StoredV3);
	if (stored.version === 1)
		return fromV3(fromV1(stored as unknown as StoredV1, staticData.credentialUser));
	return emptyState();
}

// ---- the working copy ------------------------------------------------------------------------

/**
 * The trigger's state during one poll: a working copy of static data. Stages return new parts
 * and `update` replaces them, so nothing reaches static data before `save()`, and a poll that
 * throws leaves it as it was.
 */
export class EventsTriggerState {
	private constructor(
		private readonly staticData: IDataObject,
		private current: StoredEventsState,
	) {}

	static read(staticData: IDataObject): EventsTriggerState {
		return new EventsTriggerState(staticData, readStoredState(staticData));
	}

	get stored(): Readonly<StoredEventsState> {
		return this.current;
	}

	/** The record of a watched stream, if it was read before. */
	record(target: StreamTarget): StreamRecord | undefined {
		return this.current.streams[recordKey(target)];
	}

	/** Replaces the given parts; an `undefined` part is removed. */
	update(parts: StateParts): void {
		const next = { ...this.current, ...parts } as StoredEventsState;
		for (const [name, value] of Object.entries(parts))
			if (value === undefined) delete (next as unknown as IDataObject)[name];
		this.current = next;
	}

	/** Writes the state back to static data, in the current layout. */
	save(): void {
		this.staticData.eventsTrigger = toStatic(this.current) as unknown as IDataObject;
		// Layout version 1 kept the credential's user beside the state.
		delete this.staticData.credentialUser;
	}
}

/**
 * Opens the trigger's state for one scheduled poll, holding the poll lock of this workflow
 * and node, so two polls never work on the same cursors. `release()` belongs in a `finally`.
 */
export function openState(
	ctx: IPollFunctions,
): (PollLock & { state: EventsTriggerState }) | PollBusy {
	// Read and locked in one synchronous step: no other poll can save in between.
	const state = EventsTriggerState.read(ctx.getWorkflowStaticData('node'));
	const lock = lockPoll(ctx);
	return 'busySince' in lock ? lock : { state, release: lock.release };
}
