import { RESOURCE_EVENTS_PAGE, WORKSPACE_EVENTS_PAGE } from '../asana/constants';
import { occurrenceKey } from './eventKey';
import type { DrainBudget } from '../polling/drainBudget';
import type { AsanaReply, AsanaTransport } from '../asana/transport';
import type { AsanaEvent, EventsPage, StreamTarget } from '../asana/types';

/**
 * Where a stream stands: `sync` is the token to ask with next. When a page was only partly
 * taken (the per-poll cap, or a decision that must wait, ended inside it), `sync` is that
 * page's own token and `handled` lists the keys of its events already dealt with, so asking
 * again skips exactly those.
 */
export interface StreamCursor {
	sync: string;
	handled?: string[];
}

/** A page a drain read: the token it was read with, and where its events end in `events`. */
interface DrainedPage {
	token: string;
	/** Keys of the page's events dealt with before this drain (the cursor's `handled`). */
	handledBefore?: string[];
	end: number;
}

export interface DrainResult {
	/** The events taken, page by page. */
	events: AsanaEvent[];
	/** Each event's key (`occurrenceKey`), at the same index. */
	keys: string[];
	pages: DrainedPage[];
	/** The events `evidence` picked from every page read, past the cap too. */
	evidence: AsanaEvent[];
	/**
	 * The newest `created_at` of every event read, past the cap too (ISO; empty before any):
	 * the stream is read whole up to it, since its pages follow one another in time.
	 */
	newestRead: string;
	/** Where the stream stands after `events`. */
	cursor: StreamCursor;
	/** True when events may remain that were not fetched because of the cap or the deadline. */
	backlog: boolean;
	/** The stored token had expired: `cursor` now starts at Asana's fresh one. */
	expired: boolean;
	requests: number;
	/** Why draining stopped early without an error (time budget during a retry wait). */
	deferred?: string;
	/** `stopAfter` was passed: the stream holds events past it. */
	stopped?: boolean;
}

/** Orders events by `created_at`: ISO times of one format sort as text, far cheaper than localeCompare. */
export function byCreatedAt(a: { created_at: string }, b: { created_at: string }): number {
	return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
}

function pageSizeOf(target: StreamTarget): number {
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

async function fetchEventsPage(
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
 * when the budget allows no further page. Events the cursor lists as handled are skipped,
 * and so are events `wanted` refuses: the cursor passes them, the budget does not pay for
 * them. The cursor never moves past an event that is neither in `events` nor refused.
 */
export async function drainStream(
	transport: AsanaTransport,
	target: StreamTarget,
	cursor: StreamCursor,
	budget: DrainBudget,
	options: StreamRequestOptions & {
		/** False drops an event on purpose (the node's filters). */
		wanted?: (event: AsanaEvent) => boolean;
		/** Events to hand back as `evidence`, taken or not. */
		evidence?: (event: AsanaEvent) => boolean;
		/** No page is asked for after one that holds an event created after this (ISO); such events are not taken. */
		stopAfter?: string;
		/**
		 * When the budget ends the drain with more in the stream: read on, taking nothing, until
		 * past the instant of the last event taken, so that `evidence` holds everything Asana wrote
		 * at that instant (the cursor stays where the taken events end).
		 */
		lookAhead?: boolean;
		maxPages?: number;
	} = {},
): Promise<DrainResult> {
	const pageSize = pageSizeOf(target);
	const events: AsanaEvent[] = [];
	const keys: string[] = [];
	const pages: DrainedPage[] = [];
	const evidence: AsanaEvent[] = [];
	const occurrences = new Map<string, number>();
	let current: StreamCursor = cursor;
	let requests = 0;
	let expired = false;
	let stopped = false;
	let newestRead = '';
	const result = (backlog: boolean, deferred?: string): DrainResult => ({
		events,
		keys,
		pages,
		evidence,
		newestRead,
		cursor: current,
		backlog,
		expired,
		requests,
		deferred,
		...(stopped ? { stopped } : {}),
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
	const { wanted, stopAfter } = options;
	const isEvidence = options.evidence;
	/** The token after the last page read, while the stream has more. */
	let more: string | undefined;

	/** Reads on from `more` for evidence only, within the read bound and the time budget. */
	const lookAhead = async () => {
		const instant = events.at(-1)?.created_at;
		while (options.lookAhead && more && instant && newestRead <= instant && budget.mayRead()) {
			requests++;
			const reply = await fetchEventsPage(transport, target, more, options);
			if (reply.kind === 'deferred' || reply.status === 412) return;
			const data = reply.body.data ?? [];
			budget.countRead(data.length);
			for (const event of data) {
				if (isEvidence?.(event)) evidence.push(event);
				if (event.created_at > newestRead) newestRead = event.created_at;
			}
			more = reply.body.has_more ? reply.body.sync : undefined;
		}
	};

	for (;;) {
		if (!next) {
			if (!budget.mayAsk() || requests >= maxPages) {
				await lookAhead();
				return result(true);
			}
			// Only a known backlog (has_more) reserves a page before asking, so parallel drains never
			// fetch pages they cannot emit. A first page is not reserved: most streams are quiet, and
			// a page reserved for each would leave only cap/page streams that may ask at all.
			next = ask(current.sync, requests === 0 ? 0 : Math.min(pageSize, budget.remaining));
		}
		const pending = next;
		next = undefined;
		let reply: AsanaReply<EventsPage>;
		try {
			reply = await pending.reply;
		} finally {
			// A failed read gives its reservation back too: the other streams of the poll read on.
			budget.release(pending.reserved);
		}
		if (reply.kind === 'deferred') return result(true, reply.reason);
		if (reply.status === 412) {
			// The token expired: what happened between it and the fresh one is gone on Asana's side.
			expired = true;
			current = { sync: reply.body.sync };
			return result(false);
		}

		const data = reply.body.data ?? [];
		budget.countRead(data.length);
		const pastStop = !!stopAfter && data.some((event) => event.created_at > stopAfter);
		if (
			reply.body.has_more &&
			!pastStop &&
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

		const handled = current.handled?.length ? new Set(current.handled) : undefined;
		const room = Math.max(0, budget.remaining);
		const firstOfPage = events.length;
		let cut = false;
		for (const event of data) {
			// Evidence is looked at past the cut too: it may decide an event taken before it.
			if (isEvidence?.(event)) evidence.push(event);
			if (event.created_at > newestRead) newestRead = event.created_at;
			if (cut) continue;
			if (wanted && !wanted(event)) continue;
			if (stopAfter && event.created_at > stopAfter) continue;
			// Every occurrence is counted, handled or not, so that a page read again keys alike.
			const key = occurrenceKey(event, occurrences);
			if (handled?.has(key)) continue;
			if (events.length - firstOfPage === room) {
				cut = true;
				continue;
			}
			events.push(event);
			keys.push(key);
		}
		budget.spend(events.length - firstOfPage);
		pages.push({
			token: current.sync,
			...(current.handled?.length ? { handledBefore: current.handled } : {}),
			end: events.length,
		});

		more = reply.body.has_more ? reply.body.sync : undefined;
		if (cut) {
			// The cap ends inside this page: stay on its token and remember what was taken.
			current = {
				sync: current.sync,
				handled: [...(current.handled ?? []), ...keys.slice(firstOfPage)],
			};
			await lookAhead();
			return result(true);
		}
		current = { sync: reply.body.sync };
		// Taken to its end, a page with events past `stopAfter` ends the drain.
		stopped = pastStop;
		if (stopped) return result(false);
		if (!reply.body.has_more) return result(false);
	}
}
