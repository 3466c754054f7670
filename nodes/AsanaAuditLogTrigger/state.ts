import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { AuditCursor } from '../shared/audit/auditStream';
import { lockPoll, type PollBusy } from '../shared/polling/pollLock';

/**
 * Where the Asana Audit Log Trigger keeps its place: the node's static data, under
 * `auditTrigger`, in this layout:
 *
 *     { version: 2, stream: { key, cursor: { offset?, offsetStartAt?, resumeAt, recent } } }
 *
 * `stream` is the one audit-log stream the node follows, `key` the fingerprint of its
 * workspace, filters and start (another fingerprint is another stream). What the node
 * remembers beside its stream gets a section next to `stream` (a replay keeps there the
 * Replay From value it last acted on, so each value replays once).
 *
 * Version 1 (0.1) kept `key` and `cursor` at the top level; it is read as version 2.
 */
const STATE_VERSION = 2;

interface AuditStream {
	key: string;
	cursor: AuditCursor;
}

/**
 * The Replay From value last acted on (`from`, as configured) and, while its replay is under
 * way, where it stands: a cursor of its own over the window from that time up to `until`,
 * where the live stream stood when the replay began.
 */
export interface AuditReplay {
	from: string;
	cursor?: AuditCursor;
	until?: string;
}

export interface AuditTriggerState {
	version: typeof STATE_VERSION;
	stream: AuditStream;
	replay?: AuditReplay;
	/** Trigger On › Sign-in From a New Method: the login methods each user used, by user gid. */
	loginMethods?: Record<string, string[]>;
}

/** As 0.1 wrote it. */
interface AuditTriggerStateV1 {
	version: 1;
	key: string;
	cursor: AuditCursor;
}

function isStream(stream: Partial<AuditStream> | undefined): stream is AuditStream {
	return (
		typeof stream?.key === 'string' &&
		typeof stream.cursor?.resumeAt === 'string' &&
		Array.isArray(stream.cursor.recent)
	);
}

/** The stored state, migrated to this version; undefined when there is none this version can read. */
export function readState(staticData: IDataObject): AuditTriggerState | undefined {
	const stored = staticData.auditTrigger as
		Partial<AuditTriggerState> | Partial<AuditTriggerStateV1> | undefined;
	if (stored?.version === STATE_VERSION)
		return isStream(stored.stream) ? (stored as AuditTriggerState) : undefined;
	if (stored?.version === 1) {
		const stream = { key: stored.key, cursor: stored.cursor };
		return isStream(stream) ? { version: STATE_VERSION, stream } : undefined;
	}
	return undefined;
}

function writeState(staticData: IDataObject, state: AuditTriggerState): void {
	staticData.auditTrigger = state as unknown as IDataObject;
}

/** One poll's hold on the node's state: only the poll that holds the lock sees it. */
export interface AuditStateSession {
	/** The cursor of the stream with this key, if that is the stream stored. */
	cursorOf(key: string): AuditCursor | undefined;
	/** Gids the node emitted lately, whichever stream: gids are unique across filters. */
	emittedGids(): string[];
	/** The replay last begun, or under way. */
	replay(): AuditReplay | undefined;
	/** The login methods each user used, as stored. */
	loginMethods(): unknown;
	/** Saves the stream and, when given, the replay and login methods beside it (otherwise the stored ones stay). */
	save(stream: AuditStream, replay?: AuditReplay, loginMethods?: Record<string, string[]>): void;
	release(): void;
}

/**
 * Takes the poll lock and opens the node's state, or says since when another poll of this
 * trigger holds it: that poll works on the cursor, so this one must neither emit nor
 * write. The caller releases the session in `finally`.
 */
export function openState(ctx: IPollFunctions): AuditStateSession | PollBusy {
	const lock = lockPoll(ctx);
	if ('busySince' in lock) return lock;
	const staticData = ctx.getWorkflowStaticData('node');
	const stored = readState(staticData);
	return {
		cursorOf: (key) => (stored?.stream.key === key ? stored.stream.cursor : undefined),
		emittedGids: () => stored?.stream.cursor.recent ?? [],
		replay: () => stored?.replay,
		loginMethods: () => stored?.loginMethods,
		save: (stream, replay = stored?.replay, loginMethods = stored?.loginMethods) =>
			writeState(staticData, {
				version: STATE_VERSION,
				stream,
				...(replay ? { replay } : {}),
				...(loginMethods && Object.keys(loginMethods).length ? { loginMethods } : {}),
			}),
		release: () => lock.release(),
	};
}
