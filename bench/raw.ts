/**
 * The baseline: the same requests the nodes make, from a bare undici loop with no n8n,
 * no retries, no de-duplication and no items. What the nodes add on top is the overhead
 * the throughput rows measure.
 */
import { Agent, request } from 'undici';

import { EVENT_OPT_FIELDS } from '../nodes/shared/events/eventFilters';

const dispatcher = new Agent({ connections: 64 });

export function closeRawClient(): Promise<void> {
	return dispatcher.close();
}

async function getJson<T>(url: string, token: string): Promise<{ status: number; body: T }> {
	const response = await request(url, {
		dispatcher,
		headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
	});
	return { status: response.statusCode, body: (await response.body.json()) as T };
}

interface EventsPage {
	data: unknown[];
	sync: string;
	has_more: boolean;
}

export interface RawDrain {
	events: number;
}

/** Follows sync tokens from `sync` until `has_more` is false. */
export async function rawDrainEvents(
	baseUrl: string,
	token: string,
	stream: { kind: 'workspace' | 'resource'; gid: string },
	sync: string,
): Promise<RawDrain> {
	let events = 0;
	for (;;) {
		const query = new URLSearchParams({ sync, opt_fields: EVENT_OPT_FIELDS.join(',') });
		const url =
			stream.kind === 'workspace'
				? `${baseUrl}/workspaces/${stream.gid}/events?${query.toString()}`
				: `${baseUrl}/events?resource=${stream.gid}&${query.toString()}`;
		const { status, body } = await getJson<EventsPage>(url, token);
		if (status !== 200) throw new Error(`raw events drain: HTTP ${status}`);
		events += body.data.length;
		sync = body.sync;
		if (!body.has_more) return { events };
	}
}

interface AuditPage {
	data: unknown[];
	next_page: { offset: string } | null;
}

/** Follows offsets from `startAt` until a page comes back empty (Asana's end of what exists now). */
export async function rawDrainAudit(
	baseUrl: string,
	token: string,
	workspaceGid: string,
	startAt: string,
): Promise<RawDrain> {
	let events = 0;
	let offset: string | undefined;
	for (;;) {
		const query = new URLSearchParams({
			start_at: startAt,
			limit: '100',
			...(offset ? { offset } : {}),
		});
		const { status, body } = await getJson<AuditPage>(
			`${baseUrl}/workspaces/${workspaceGid}/audit_log_events?${query.toString()}`,
			token,
		);
		if (status !== 200) throw new Error(`raw audit drain: HTTP ${status}`);
		events += body.data.length;
		if (!body.data.length || !body.next_page) return { events };
		offset = body.next_page.offset;
	}
}

/** One request on a quiet stream: the round trip the concurrency rows compare against. */
export async function rawQuietRequest(
	baseUrl: string,
	token: string,
	resourceGid: string,
	sync: string,
): Promise<void> {
	const query = new URLSearchParams({
		resource: resourceGid,
		sync,
		opt_fields: EVENT_OPT_FIELDS.join(','),
	});
	const { status } = await getJson<EventsPage>(`${baseUrl}/events?${query.toString()}`, token);
	if (status !== 200) throw new Error(`raw quiet request: HTTP ${status}`);
}
