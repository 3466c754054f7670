import { RESOURCE_EVENTS_PAGE, WORKSPACE_EVENTS_PAGE } from './constants';
import { eventKey } from './eventKey';
import type { AsanaReply, AsanaTransport } from './transport';
import type { AsanaEvent, EventsPage, StreamTarget } from './types';

/**
 * Where a stream stands: `sync` is the token to ask with next. When a page was only
 * partly emitted (the per-poll cap ran out inside it), `sync` is that page's own token and
 * `emitted` lists the keys already emitted from it, so asking again skips exactly those.
 */
export interface StreamCursor {
	sync: string;
	emitted?: string[];
}

/** Limits shared by every stream of one poll. */
export interface DrainBudget {
	/** Events that may still be emitted in this run. */
	remaining: number;
	/** Epoch ms after which no new page is requested. */
	deadline: number;
}

export interface DrainResult {
	events: AsanaEvent[];
	/** Where the stream stands after `events`. */
	cursor: StreamCursor;
	/** True when events may remain that were not fetched because of the cap or the deadline. */
	backlog: boolean;
	/** The stored token had expired: `cursor` now starts at Asana's fresh token. */
	expired: boolean;
	requests: number;
	/** Why draining stopped early without an error (time budget during a retry wait). */
	deferred?: string;
}

export function pageSizeOf(target: StreamTarget): number {
	return target.kind === 'workspace' ? WORKSPACE_EVENTS_PAGE : RESOURCE_EVENTS_PAGE;
}

export interface StreamRequestOptions {
	optFields?: string[];
	/** Names the stream in errors, in the words of the node's parameters. */
	subject?: string;
}

/** A 412 is data when it brings a fresh token; without one there is nothing to continue from. */
function isFreshToken(status: number, body: unknown): boolean {
	return status === 412 && typeof (body as EventsPage | undefined)?.sync === 'string';
}

export async function fetchEventsPage(
	transport: AsanaTransport,
	target: StreamTarget,
	sync: string | undefined,
	options: StreamRequestOptions = {},
): Promise<AsanaReply<EventsPage>> {
	const query = { sync, opt_fields: options.optFields?.length ? options.optFields : undefined };
	const requestOptions = { accept: isFreshToken, subject: options.subject };
	return target.kind === 'workspace'
		? await transport.get<EventsPage>(`/workspaces/${target.gid}/events`, query, requestOptions)
		: await transport.get<EventsPage>('/events', { resource: target.gid, ...query }, requestOptions);
}

/**
 * Starts listening: Asana answers a request without token with 412 and a token that
 * marks "now". Returns undefined when the time budget ran out.
 */
export async function startStream(
	transport: AsanaTransport,
	target: StreamTarget,
	options: StreamRequestOptions = {},
): Promise<string | undefined> {
	const reply = await fetchEventsPage(transport, target, undefined, options);
	if (reply.kind === 'deferred') return undefined;
	return reply.body.sync;
}

/**
 * Drains one stream from `cursor`: one request per page, stops at `has_more: false`, at
 * the cap or at the deadline. Events in `skip` (recently emitted) are dropped. The cursor
 * never moves past an event that is not in `events`.
 */
export async function drainStream(
	transport: AsanaTransport,
	target: StreamTarget,
	cursor: StreamCursor,
	budget: DrainBudget,
	options: StreamRequestOptions & { skip?: (key: string) => boolean; now?: () => number; maxPages?: number } = {},
): Promise<DrainResult> {
	const now = options.now ?? Date.now;
	const pageSize = pageSizeOf(target);
	const events: AsanaEvent[] = [];
	let current: StreamCursor = cursor;
	let requests = 0;
	let expired = false;

	for (;;) {
		if (budget.remaining <= 0 || now() >= budget.deadline || requests >= (options.maxPages ?? Infinity)) {
			return { events, cursor: current, backlog: true, expired, requests };
		}
		// Reserve before asking, so streams drained in parallel never overshoot the cap together.
		const reserved = Math.min(pageSize, budget.remaining);
		budget.remaining -= reserved;
		const reply = await fetchEventsPage(transport, target, current.sync, options);
		requests++;
		if (reply.kind === 'deferred') {
			budget.remaining += reserved;
			return { events, cursor: current, backlog: true, expired, requests, deferred: reply.reason };
		}
		if (reply.status === 412) {
			// The token expired: what happened between it and the fresh one is gone on Asana's side.
			budget.remaining += reserved;
			expired = true;
			current = { sync: reply.body.sync };
			return { events, cursor: current, backlog: false, expired, requests };
		}

		// Only what earlier pages or polls emitted is dropped: two events of one page may share
		// a key (same field changed twice in one millisecond) and both are real.
		const alreadyEmitted = new Set(current.emitted ?? []);
		const fresh: Array<{ event: AsanaEvent; key: string }> = [];
		for (const event of reply.body.data ?? []) {
			const key = eventKey(event);
			if (alreadyEmitted.has(key) || options.skip?.(key)) continue;
			fresh.push({ event, key });
		}

		if (fresh.length > reserved) {
			// The cap ends inside this page: stay on its token and remember what was emitted.
			const taken = fresh.slice(0, reserved);
			events.push(...taken.map((f) => f.event));
			current = {
				sync: current.sync,
				emitted: [...(current.emitted ?? []), ...taken.map((f) => f.key)],
			};
			return { events, cursor: current, backlog: true, expired, requests };
		}

		events.push(...fresh.map((f) => f.event));
		budget.remaining += reserved - fresh.length;
		current = { sync: reply.body.sync };
		if (!reply.body.has_more) return { events, cursor: current, backlog: false, expired, requests };
	}
}
