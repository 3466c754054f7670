import { RESOURCE_EVENTS_PAGE, WORKSPACE_EVENTS_PAGE } from '../asana/constants';
import { countKeys, eventKey } from './eventKey';
import type { DrainBudget } from '../polling/drainBudget';
import type { AsanaReply, AsanaTransport } from '../asana/transport';
import type { AsanaEvent, EventsPage, StreamTarget } from '../asana/types';

/**
 * Where a stream stands: `sync` is the token to ask with next. When a page was only
 * partly emitted (the per-poll cap ran out inside it), `sync` is that page's own token and
 * `emitted` lists the keys already emitted from it, so asking again skips exactly those.
 */
export interface StreamCursor {
	sync: string;
	emitted?: string[];
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

/** Orders events by `created_at`: ISO times of one format sort as text, far cheaper than localeCompare. */
export function byCreatedAt(a: { created_at: string }, b: { created_at: string }): number {
	return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
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
		: await transport.get<EventsPage>(
				'/events',
				{ resource: target.gid, ...query },
				requestOptions,
			);
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
 * Drains one stream from `cursor`: one request per page, stops at `has_more: false`, or
 * when the budget allows no further page. Events emitted before (the cursor's `emitted`, or
 * as often as `emittedBefore` says) are dropped, and so are events `wanted` refuses: the
 * cursor passes them, the budget does not pay for them. The cursor never moves past an
 * event that is neither in `events` nor dropped.
 */
export async function drainStream(
	transport: AsanaTransport,
	target: StreamTarget,
	cursor: StreamCursor,
	budget: DrainBudget,
	options: StreamRequestOptions & {
		/** False drops an event on purpose (the node's filters). */
		wanted?: (event: AsanaEvent) => boolean;
		/** How many events with this key were emitted before this drain (recent polls). */
		emittedBefore?: (key: string) => number;
		/** False when an event cannot be one emitted before, which spares computing its key. */
		mayRepeat?: (event: AsanaEvent) => boolean;
		/** The key that `emittedBefore` and the cursor's `emitted` use; `eventKey` unless given. */
		keyOf?: (event: AsanaEvent) => string;
		maxPages?: number;
	} = {},
): Promise<DrainResult> {
	const keyOf = options.keyOf ?? eventKey;
	const pageSize = pageSizeOf(target);
	const events: AsanaEvent[] = [];
	let current: StreamCursor = cursor;
	let requests = 0;
	let expired = false;
	const result = (backlog: boolean, deferred?: string): DrainResult => ({
		events,
		cursor: current,
		backlog,
		expired,
		requests,
		deferred,
	});

	const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
	const ask = (sync: string, reserved: number) => {
		requests++;
		budget.reserve(reserved);
		const reply = fetchEventsPage(transport, target, sync, options);
		// Awaited later: a failure that arrives while the previous page is read is not unhandled.
		reply.catch(() => undefined);
		return { reserved, reply };
	};
	/** The page after the one being read, asked for before reading it. */
	let next: ReturnType<typeof ask> | undefined;

	for (;;) {
		if (!next) {
			if (!budget.mayAsk() || requests >= maxPages) return result(true);
			// Only a known backlog (has_more) reserves a page before asking, so parallel drains never
			// fetch pages they cannot emit. A first page is not reserved: most streams are quiet, and
			// a page reserved for each would leave only cap/page streams that may ask at all.
			next = ask(current.sync, requests === 0 ? 0 : Math.min(pageSize, budget.remaining));
		}
		const reply = await next.reply;
		budget.release(next.reserved);
		next = undefined;
		if (reply.kind === 'deferred') return result(true, reply.reason);
		if (reply.status === 412) {
			// The token expired: what happened between it and the fresh one is gone on Asana's side.
			expired = true;
			current = { sync: reply.body.sync };
			return result(false);
		}

		const data = reply.body.data ?? [];
		budget.countRead(data.length);
		if (
			reply.body.has_more &&
			budget.remaining > data.length &&
			budget.mayAsk() &&
			requests < maxPages
		) {
			// The next page is wanted even if all of this one is new: ask for it now, so its round
			// trip runs while this page is read. This page's share is held meanwhile, so it is never
			// cut. No yield here: a timer per page cost more than the little reading it would overlap.
			budget.reserve(data.length);
			next = ask(reply.body.sync, Math.min(pageSize, budget.remaining));
			budget.release(data.length);
		}

		// Identical events are counted, not merely recognised: the n-th event of a key is dropped
		// only if at least n were emitted before. Two events of one page may share a key (same
		// field changed twice in one millisecond) and both are real.
		const alreadyEmitted = countKeys(current.emitted);
		const room = Math.max(0, budget.remaining);
		const firstOfPage = events.length;
		let cut = false;
		const { wanted, emittedBefore, mayRepeat } = options;
		const seen = new Map<string, number>();
		for (const event of data) {
			// A dropped event is never emitted, so it cannot be one emitted before: it needs no key.
			if (wanted && !wanted(event)) continue;
			const mayBeRecent = !!emittedBefore && mayRepeat?.(event) !== false;
			if (alreadyEmitted || mayBeRecent) {
				const key = keyOf(event);
				const occurrence = (seen.get(key) ?? 0) + 1;
				seen.set(key, occurrence);
				const before = mayBeRecent ? (emittedBefore?.(key) ?? 0) : 0;
				if (occurrence <= Math.max(alreadyEmitted?.get(key) ?? 0, before)) continue;
			}
			if (events.length - firstOfPage === room) {
				cut = true;
				break;
			}
			events.push(event);
		}
		budget.spend(events.length - firstOfPage);

		if (cut) {
			// The cap ends inside this page: stay on its token and remember what was emitted.
			const taken = events.slice(firstOfPage).map(keyOf);
			if (taken.length)
				current = { sync: current.sync, emitted: [...(current.emitted ?? []), ...taken] };
			return result(true);
		}
		current = { sync: reply.body.sync };
		if (!reply.body.has_more) return result(false);
	}
}
