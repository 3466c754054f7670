/**
 * Everything the events trigger keeps in workflow static data, and the only code that reads
 * or writes it: the layout and its version, the migration from older layouts, the poll lock,
 * and what a poll changes.
 */
import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { lockPoll, type PollBusy, type PollLock } from '../shared/polling/pollLock';
import {
	streamKey,
	type PollResult,
	type RecentWindow,
	type StreamToPoll,
} from '../shared/events/streamPoll';
import type { StreamCursor } from '../shared/events/eventStream';
import {
	addCheckpoint,
	CHECKPOINTS_PER_TRIGGER,
	type Checkpoint,
} from '../shared/events/checkpoints';
import type { RecoveryProgress } from '../shared/events/gapRecovery';
import type { ListedProject } from '../shared/events/projectDiscovery';
import {
	scheduleAfterRead,
	type ReadSchedule,
	type Schedulable,
	type SchedulePolicy,
} from '../shared/polling/requestScheduler';
import type { AsanaTransport } from '../shared/asana/transport';
import type { AsanaEvent, StreamTarget } from '../shared/asana/types';
import { streamLabel } from './output';
import type { WatchedTarget } from './parameters';

export const STATE_VERSION = 3;
/** Names are kept for messages only: a long one is cut, so static data stays small. */
const MAX_NAME_LENGTH = 100;

/**
 * One record per watched stream: where it stands, and what the trigger learned about it.
 * Whatever else is kept per stream belongs here too, with a new version and its migration.
 */
export interface StreamRecord {
	cursor: StreamCursor;
	/** Epoch ms of the last poll that read this stream. */
	lastPollAt: number;
	/** The watched object's type and name, as Asana gave them in its events. */
	resourceType?: string;
	name?: string;
	/** Tokens of past polls, oldest first, thinned with age: where a replay can start. */
	checkpoints?: Checkpoint[];
	/** A replay under way: events created from `from` to `until` (ISO) go out again, marked. */
	replay?: StreamReplay;
	/** A gap recovery under way: where it goes on next poll. */
	recovery?: RecoveryProgress;
	/** Request scheduling: whether the stream is busy, how long it may go unread. */
	schedule?: ReadSchedule;
}

export interface StreamReplay {
	from: string;
	until: string;
}

/** The projects a team, portfolio or workspace source watches (layout 3), and when they were listed. */
export interface StoredProjectList {
	/** `sourceKey()` of the source listed: another source starts a new list. */
	source: string;
	projects: ListedProject[];
	/** Epoch ms of the listing. */
	listedAt: number;
}

/** What `staticData.eventsTrigger` holds: about 1000 short keys and a record per stream. */
export interface StoredEventsState {
	version: typeof STATE_VERSION;
	/** Keyed by `streamKey()`, so editing the resource list keeps the cursors that stayed. */
	streams: Record<string, StreamRecord>;
	/** The de-duplication window: keys of the last emitted events, oldest first. */
	recent: string[];
	newestEmitted?: string;
	/** Which stream goes first next poll, so a capped backlog cannot starve the others. */
	rotation: number;
	/** The credential's own user, for "Ignore Events by the Credential’s User". */
	credentialUser?: { credentialId: string; gid: string };
	/** The Replay From value last acted on, so each value replays once. */
	replayFrom?: string;
	/** The project list of a team, portfolio or workspace source. */
	projectList?: StoredProjectList;
}

/** Layout version 2: version 3 adds optional fields only (checkpoints, replay, recovery, schedules, the project list). */
type StoredV2 = Omit<StoredEventsState, 'version' | 'replayFrom' | 'projectList'> & { version: 2 };

/** Layout version 1, as release 0.1 wrote it: a flat stream record, the user beside the state. */
interface StoredV1 {
	version: 1;
	streams: Record<string, { sync: string; emitted?: string[]; lastPollAt: number }>;
	recent: string[];
	newestEmitted?: string;
	rotation: number;
}

function emptyState(): StoredEventsState {
	return { version: STATE_VERSION, streams: {}, recent: [], rotation: 0 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** Layout version 1 to 2: every cursor, the window and the cached user carry over. */
function fromV1(stored: StoredV1, credentialUser: unknown): StoredV2 {
	const streams: Record<string, StreamRecord> = {};
	for (const [key, record] of Object.entries(stored.streams)) {
		if (!isRecord(record) || typeof record.sync !== 'string') continue;
		const cursor: StreamCursor = record.emitted?.length
			? { sync: record.sync, emitted: [...record.emitted] }
			: { sync: record.sync };
		streams[key] = { cursor, lastPollAt: record.lastPollAt };
	}
	const user = isRecord(credentialUser) ? credentialUser : {};
	return {
		version: 2,
		streams,
		recent: Array.isArray(stored.recent) ? [...stored.recent] : [],
		...(stored.newestEmitted ? { newestEmitted: stored.newestEmitted } : {}),
		rotation: Number.isInteger(stored.rotation) ? stored.rotation : 0,
		...(typeof user.credentialId === 'string' && typeof user.gid === 'string'
			? { credentialUser: { credentialId: user.credentialId, gid: user.gid } }
			: {}),
	};
}

/**
 * Layout version 2 to this one: everything carries over. Streams have no schedule yet (read
 * as busy until their next read) and sources no project list (listed at the next poll).
 */
function fromV2(stored: StoredV2): StoredEventsState {
	return { ...stored, version: STATE_VERSION };
}

/**
 * The stored layout, migrated to the current version; the stored object itself when it is
 * current. A layout this code does not know is read as "no state": every stream starts at now.
 */
export function readStoredState(staticData: IDataObject): StoredEventsState {
	const stored = staticData.eventsTrigger;
	if (!isRecord(stored) || !isRecord(stored.streams)) return emptyState();
	if (stored.version === STATE_VERSION) return stored as unknown as StoredEventsState;
	if (stored.version === 2) return fromV2(stored as unknown as StoredV2);
	if (stored.version === 1)
		return fromV2(fromV1(stored as unknown as StoredV1, staticData.credentialUser));
	return emptyState();
}

/** The watched object as an event names it: as its resource, or as the parent of an added task. */
function namedIn(events: AsanaEvent[], gid: string): AsanaEvent['resource'] | undefined {
	for (let i = events.length - 1; i >= 0; i--) {
		const { resource, parent } = events[i];
		if (resource?.gid === gid && resource.name) return resource;
		if (parent?.gid === gid && parent.name) return parent;
	}
	return undefined;
}

export interface StreamGap {
	target: StreamTarget;
	/** The stream in words, e.g. project “Website relaunch” (1200000000000005). */
	label: string;
	lastPollAt?: number;
}

/**
 * A stream's checkpoints, replay and recovery after a poll. A checkpoint is the new token
 * when no page is left half emitted, dated no earlier than the token: at the poll's end, or
 * just after the last event read when the stream has more left.
 */
function historyAfter(
	before: StreamRecord | undefined,
	polled: PollResult['streams'][number],
	pollTime: number,
	maxCheckpoints: number,
): Pick<StreamRecord, 'checkpoints' | 'replay' | 'recovery'> {
	const cursor = polled.cursor;
	let checkpoints = before?.checkpoints;
	if (cursor && !cursor.emitted?.length && !polled.unread) {
		const last = polled.events.at(-1)?.created_at;
		const time = polled.backlog && last ? Math.min(pollTime, Date.parse(last) + 1) : pollTime;
		checkpoints = addCheckpoint(checkpoints, [time, cursor.sync], pollTime, maxCheckpoints);
	}
	// A replay ends once its stream is read to the end, or past the window, or refused.
	const lastRead = polled.events.at(-1)?.created_at;
	const replayGoesOn =
		!!before?.replay &&
		!polled.expired &&
		(polled.backlog === true || polled.unread) &&
		!(lastRead && lastRead > before.replay.until);
	const replay = replayGoesOn ? before?.replay : undefined;
	return {
		...(checkpoints?.length ? { checkpoints } : {}),
		...(replay ? { replay } : {}),
		...(before?.recovery ? { recovery: before.recovery } : {}),
	};
}

/**
 * The trigger's state during one poll: a working copy of static data. Its verbs replace
 * records instead of changing them, so nothing reaches static data before `save()`, and a
 * poll that throws leaves it as it was.
 */
export class EventsTriggerState {
	private constructor(
		private readonly staticData: IDataObject,
		private state: StoredEventsState,
	) {}

	static read(staticData: IDataObject): EventsTriggerState {
		const stored = readStoredState(staticData);
		return new EventsTriggerState(staticData, { ...stored, streams: { ...stored.streams } });
	}

	/** Writes the state back to static data, in the current layout. */
	save(): void {
		this.staticData.eventsTrigger = this.state as unknown as IDataObject;
		// Layout version 1 kept the credential's user beside the state.
		delete this.staticData.credentialUser;
	}

	/** The streams to read, each with its cursor, starting with the one whose turn it is. */
	streamsToPoll(
		targets: WatchedTarget[],
		subjectOf: (target: WatchedTarget, label: string) => string,
	): StreamToPoll[] {
		const rotation = targets.length ? this.state.rotation % targets.length : 0;
		return [...targets.slice(rotation), ...targets.slice(0, rotation)].map((target) => ({
			target,
			cursor: this.state.streams[streamKey(target)]?.cursor,
			replay: this.state.streams[streamKey(target)]?.replay,
			subject: subjectOf(target, this.label(target)),
		}));
	}

	recentWindow(): RecentWindow {
		return { keys: this.state.recent, newestEmitted: this.state.newestEmitted };
	}

	/** The stream in words: with the type and name Asana gave, else the name it was picked by. */
	label(target: WatchedTarget): string {
		const record = this.state.streams[streamKey(target)];
		return streamLabel(target, { resourceType: record?.resourceType, name: record?.name });
	}

	/** The streams whose stored token Asana no longer accepted, with the time each was read last. */
	gapsIn(result: PollResult): StreamGap[] {
		return result.streams
			.filter((stream) => stream.expired)
			.map(({ target }) => ({
				target,
				label: this.label(target),
				lastPollAt: this.state.streams[streamKey(target)]?.lastPollAt,
			}));
	}

	/** The streams to choose from for the request scheduler, each with what it knows of them. */
	schedulable(streams: StreamToPoll[]): Array<Schedulable<StreamToPoll>> {
		return streams.map((stream) => {
			const record = this.state.streams[streamKey(stream.target)];
			return {
				stream,
				started: stream.cursor !== undefined,
				lastReadAt: record?.lastPollAt,
				schedule: record?.schedule,
			};
		});
	}

	/** The project list of a source, when it is the list of `source` (a `sourceKey()`). */
	projectList(source: string): StoredProjectList | undefined {
		const list = this.state.projectList;
		return list?.source === source ? list : undefined;
	}

	/** A new listing of the source's projects: from now on these are watched. Returns it as kept. */
	replaceProjectList(list: StoredProjectList): StoredProjectList {
		const projects = list.projects.map(({ gid, name }) =>
			name ? { gid, name: name.slice(0, MAX_NAME_LENGTH) } : { gid },
		);
		const kept = { ...list, projects };
		this.state = { ...this.state, projectList: kept };
		return kept;
	}

	/** Makes the project list due at the next poll; false when there is none. */
	expireProjectList(): boolean {
		const list = this.state.projectList;
		if (!list) return false;
		this.state = { ...this.state, projectList: { ...list, listedAt: 0 } };
		return true;
	}

	/**
	 * After a poll whose events go out: every stream's new cursor (a stream no longer watched
	 * is dropped), the names its events gave, the window, and whose turn is next. With
	 * `scheduling`, the streams the scheduler left for later keep their records, and each
	 * stream read gets its next schedule.
	 */
	advance(
		result: PollResult,
		pollTime: number,
		scheduling?: { skipped: StreamTarget[]; policy: SchedulePolicy },
	): void {
		const streams: Record<string, StreamRecord> = {};
		for (const target of scheduling?.skipped ?? []) {
			const key = streamKey(target);
			if (this.state.streams[key]) streams[key] = this.state.streams[key];
		}
		const count = result.streams.length + (scheduling?.skipped.length ?? 0);
		// The trigger's share of checkpoints, split between its streams.
		const maxCheckpoints = Math.floor(CHECKPOINTS_PER_TRIGGER / Math.max(1, count));
		for (const polled of result.streams) {
			if (!polled.cursor) continue;
			const key = streamKey(polled.target);
			const before = this.state.streams[key];
			const learned =
				polled.target.kind === 'resource' ? namedIn(polled.events, polled.target.gid) : undefined;
			const resourceType = learned?.resource_type ?? before?.resourceType;
			const name = learned?.name?.slice(0, MAX_NAME_LENGTH) ?? before?.name;
			const schedule =
				scheduling && !polled.unread
					? scheduleAfterRead(
							before?.schedule,
							polled.events.length > 0,
							pollTime,
							scheduling.policy,
						)
					: before?.schedule;
			streams[key] = {
				cursor: polled.cursor,
				// A stream that could not be read this time keeps the time of its last successful read.
				lastPollAt: polled.unread && before ? before.lastPollAt : pollTime,
				...(resourceType ? { resourceType } : {}),
				...(name ? { name } : {}),
				...historyAfter(before, polled, pollTime, maxCheckpoints),
				...(schedule ? { schedule } : {}),
			};
		}
		this.state = {
			...this.state,
			streams,
			recent: result.recent.keys,
			newestEmitted: result.recent.newestEmitted,
			rotation: (count ? this.state.rotation % count : 0) + 1,
		};
		if (!this.state.newestEmitted) delete this.state.newestEmitted;
	}

	/**
	 * After a poll that fails on expired tokens ("Fail the Poll"): only the expired streams
	 * take their fresh token. The others' events were not emitted, so their cursors stay.
	 */
	keepFreshTokens(result: PollResult, pollTime: number): void {
		const streams = { ...this.state.streams };
		for (const polled of result.streams) {
			const key = streamKey(polled.target);
			if (polled.expired && polled.cursor)
				streams[key] = { ...streams[key], cursor: polled.cursor, lastPollAt: pollTime };
		}
		this.state = { ...this.state, streams };
	}

	/** The Replay From value acted on last. */
	get replayFrom(): string | undefined {
		return this.state.replayFrom;
	}

	/**
	 * Starts the replay of a Replay From `value`: each watched stream with a checkpoint that
	 * `start` picks goes back to it, and its events up to its last read go out again. Returns
	 * per stream from when the replay reaches (none: nothing to replay from).
	 */
	beginReplay(
		value: string,
		targets: WatchedTarget[],
		start: (record: StreamRecord) => { checkpoint?: Checkpoint; reachableFrom?: number },
	): Array<{ target: WatchedTarget; label: string; reachableFrom?: number }> {
		const streams = { ...this.state.streams };
		// Asana's clock may run ahead of this one: the newest event emitted counts as read too.
		const newestEmitted = Date.parse(this.state.newestEmitted ?? '') || 0;
		const lastRead = (record: StreamRecord) => Math.max(record.lastPollAt, newestEmitted);
		const starts = targets.map((target) => {
			const key = streamKey(target);
			const record = streams[key];
			const found = record ? start(record) : {};
			if (record && found.checkpoint) {
				streams[key] = {
					...record,
					cursor: { sync: found.checkpoint[1] },
					replay: {
						from: new Date(found.reachableFrom ?? found.checkpoint[0]).toISOString(),
						until: new Date(lastRead(record)).toISOString(),
					},
				};
			}
			return { target, label: this.label(target), reachableFrom: found.reachableFrom };
		});
		this.state = { ...this.state, streams, replayFrom: value };
		return starts;
	}

	/** Streams with a gap recovery under way, in the order given. */
	recoveries(
		targets: WatchedTarget[],
	): Array<{ target: WatchedTarget; progress: RecoveryProgress }> {
		return targets.flatMap((target) => {
			const progress = this.state.streams[streamKey(target)]?.recovery;
			return progress ? [{ target, progress }] : [];
		});
	}

	/** A stream's recovery goes on from `progress`, or is over (undefined). */
	setRecovery(target: WatchedTarget, progress: RecoveryProgress | undefined): void {
		const key = streamKey(target);
		const record = this.state.streams[key];
		if (!record) return;
		const { recovery: _done, ...rest } = record;
		this.state = {
			...this.state,
			streams: { ...this.state.streams, [key]: progress ? { ...rest, recovery: progress } : rest },
		};
	}

	/** The replay under way on a stream, if any. */
	replayOf(target: WatchedTarget): StreamReplay | undefined {
		return this.state.streams[streamKey(target)]?.replay;
	}

	/** What Asana told of the stream: its resource type, if known. */
	resourceTypeOf(target: WatchedTarget): string | undefined {
		return this.state.streams[streamKey(target)]?.resourceType;
	}

	/** The credential's own user: asked of Asana once per credential, then kept. */
	async credentialUserGid(
		ctx: IPollFunctions,
		transport: AsanaTransport,
	): Promise<string | undefined> {
		const credentialId = Object.values(ctx.getNode().credentials ?? {})[0]?.id ?? '';
		const cached = this.state.credentialUser;
		if (cached?.gid && cached.credentialId === credentialId) return cached.gid;
		const reply = await transport.get<{ data: { gid: string } }>('/users/me', {
			opt_fields: 'gid',
		});
		if (reply.kind !== 'ok') return undefined;
		this.state = { ...this.state, credentialUser: { credentialId, gid: reply.body.data.gid } };
		return reply.body.data.gid;
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
