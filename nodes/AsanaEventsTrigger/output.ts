import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { mapWithConcurrency } from '../shared/asana/concurrency';
import { byCreatedAt } from '../shared/events/eventStream';
import type { AsanaTransport } from '../shared/asana/transport';
import type { AsanaEvent, StreamTarget } from '../shared/asana/types';
import { objectLabel } from '../shared/editor/resourceRef';
import {
	addEventFields,
	simplifyEvent,
	type EventContext,
	type EventFormat,
} from '../shared/events/eventOutput';
import type { TriggerOnMatch } from '../shared/events/triggerOn';
import type { WatchedTarget } from './parameters';
import type { StreamGap } from './state';

export function describeStream(target: StreamTarget): IDataObject {
	return target.kind === 'workspace'
		? { type: 'workspace', gid: target.gid }
		: {
				type: 'resource',
				gid: target.gid,
				...(target.resourceType ? { resource_type: target.resourceType } : {}),
			};
}

/**
 * A stream in words: `project “Website relaunch” (1200000000000005)` with the type and name
 * Asana gave (`known`) or the name it was picked from the list by, `resource 1200000000000005`
 * when only the id is known.
 */
export function streamLabel(
	target: WatchedTarget,
	known: { resourceType?: string; name?: string } = {},
): string {
	const type =
		target.kind === 'workspace'
			? 'workspace'
			: (known.resourceType ?? target.resourceType ?? 'resource');
	return objectLabel(type, target.gid, known.name ?? target.listedName);
}

/** What a poll emits from one stream: each event with what Trigger On matched it as. */
export interface StreamEvents {
	target: WatchedTarget;
	matched: TriggerOnMatch[];
}

export interface EventItemsOptions {
	/** Current records by gid (Fetch Current Resource, Trigger On): they improve summary and link. */
	records?: Map<string, IDataObject | null>;
	/** Fetch Current Resource: the record goes out as `current` on events that carry no value. */
	attachCurrent: boolean;
	format: EventFormat;
}

/** Events sorted by time; a page's own order is not documented, so the poll's is made explicit. */
export function eventItems(
	streams: StreamEvents[],
	options: EventItemsOptions,
): INodeExecutionData[] {
	const items: INodeExecutionData[] = [];
	const { records, attachCurrent, format } = options;
	// Asana sends each stream oldest first: noticing that on the way spares the sort.
	let inOrder = true;
	let previous = '';
	for (const { target, matched } of streams) {
		// One `stream` object per stream, shared by its items (as `current` is by a resource's).
		const stream = describeStream(target);
		// One context per stream, its per-event fields set for each event: no object per event.
		const context: EventContext = { target, streamName: target.listedName };
		for (const { event, on } of matched) {
			if (event.created_at < previous) inOrder = false;
			previous = event.created_at;
			const record = records?.get(event.resource?.gid);
			context.record = record;
			context.on = on;
			if (format === 'simplified') {
				items.push({ json: simplifyEvent(event, context) });
				continue;
			}
			// Each event object was parsed for this poll alone: extending it spares a copy per event.
			const json = addEventFields(event as unknown as IDataObject, event, context);
			json.stream = stream;
			if (attachCurrent && record !== undefined && needsCurrentResource(event))
				json.current = record;
			items.push({ json });
		}
	}
	const timeOf = (item: INodeExecutionData) => ({
		created_at: String(item.json.created_at ?? item.json.time),
	});
	return inOrder ? items : items.sort((a, b) => byCreatedAt(timeOf(a), timeOf(b)));
}

export function gapNoticeItem(gap: StreamGap, detectedAt: number): INodeExecutionData {
	const since = gap.lastPollAt ? new Date(gap.lastPollAt).toISOString() : null;
	return {
		json: {
			gap_notice: true,
			reason: 'sync_token_expired',
			stream: describeStream(gap.target),
			last_successful_poll_at: since,
			detected_at: new Date(detectedAt).toISOString(),
			message: `Asana no longer accepted the stored sync token of ${gap.label} (tokens last at most 24 hours). Events ${
				since ? `between ${since} and now` : 'before now'
			} may be missing; the trigger continues from now.`,
		},
	};
}

const FETCHABLE: Record<string, string> = { task: 'tasks', project: 'projects', goal: 'goals' };

/** `changed` events of plain fields carry no value: the current record tells what it became. */
export function needsCurrentResource(event: AsanaEvent): boolean {
	const change = event.change;
	return (
		event.action === 'changed' &&
		!!change &&
		change.new_value === undefined &&
		change.added_value === undefined &&
		change.removed_value === undefined &&
		!!FETCHABLE[event.resource?.resource_type ?? '']
	);
}

/**
 * One request per task, project or goal that `needs` picks (by default: changed without a
 * value), whatever the number of its events. A resource that is gone maps to null; one not
 * fetched within the time budget is left out.
 */
export async function fetchCurrentResources(
	transport: AsanaTransport,
	events: AsanaEvent[],
	concurrency: number,
	isOutOfTime: () => boolean,
	needs: (event: AsanaEvent) => boolean = needsCurrentResource,
): Promise<Map<string, IDataObject | null>> {
	const wanted = new Map<string, string>();
	for (const event of events) {
		if (needs(event) && FETCHABLE[event.resource?.resource_type ?? ''])
			wanted.set(event.resource.gid, FETCHABLE[event.resource.resource_type as string]);
	}
	const current = new Map<string, IDataObject | null>();
	await mapWithConcurrency([...wanted], concurrency, async ([gid, collection]) => {
		if (isOutOfTime()) return;
		// Deleted since, or no longer visible to the token: `current: null`, and the events still go out.
		const gone = (status: number) => status === 404 || status === 403;
		const reply = await transport.get<{ data: IDataObject }>(`/${collection}/${gid}`, undefined, {
			accept: gone,
		});
		if (reply.kind === 'ok') current.set(gid, gone(reply.status) ? null : reply.body.data);
	});
	return current;
}
