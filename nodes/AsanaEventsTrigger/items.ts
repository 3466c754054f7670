/**
 * The items a poll emits: one per change, and the notices (a gap, a replay that cannot be
 * made, a project that joined or left the watch). Every item carries `summary`, `url` where
 * one exists, and `event_id`.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { mapWithConcurrency } from '../shared/asana/concurrency';
import { isGone, type AsanaTransport } from '../shared/asana/transport';
import type { AsanaEvent, StreamTarget } from '../shared/asana/types';
import { shortKey } from '../shared/events/eventKey';
import {
	addEventFields,
	simplifyEvent,
	type EventContext,
	type EventFormat,
} from '../shared/events/eventShape';
import type { Change } from './changes';

const APP = 'https://app.asana.com/0';

export function describeStream(target: StreamTarget): IDataObject {
	return target.kind === 'workspace'
		? { type: 'workspace', gid: target.gid }
		: {
				type: 'resource',
				gid: target.gid,
				...(target.resourceType ? { resource_type: target.resourceType } : {}),
			};
}

/** The watched object's link in Asana, where its type is known. */
export function streamUrl(target: StreamTarget, resourceType?: string): string | null {
	if (target.kind === 'workspace') return null;
	switch (resourceType ?? target.resourceType) {
		case 'project':
			return `${APP}/${target.gid}`;
		case 'task':
			return `${APP}/0/${target.gid}`;
		case 'goal':
			return `${APP}/goal/${target.gid}`;
		default:
			return null;
	}
}

/** A notice's fields every item has: `event_id` from what makes the notice unique. */
export function noticeFields(identity: string, summary: string, url: string | null): IDataObject {
	return { event_id: shortKey(identity), summary, url };
}

export interface ChangeItemsOptions {
	/** Current records by gid (Fetch Current Resource): they improve summary and link. */
	records?: Map<string, IDataObject | null>;
	/** Fetch Current Resource: the record goes out as `current` on events that carry no value. */
	attachCurrent: boolean;
	format: EventFormat;
}

/** One item per change, in the order given. */
export function changeItems(changes: Change[], options: ChangeItemsOptions): INodeExecutionData[] {
	const { records, attachCurrent, format } = options;
	// One `stream` object per stream, shared by its items (as `current` is by a resource's).
	const streams = new Map<StreamTarget, IDataObject>();
	return changes.map((change) => {
		const { event, target } = change;
		const record = records?.get(event.resource?.gid);
		const context: EventContext = {
			target,
			key: change.key,
			record,
			streamName: target.listedName,
			...(change.on ? { on: change.on } : {}),
			meaning: {
				...(change.on || change.is ? { is: change.on ?? change.is } : {}),
				...(change.dueDates ? { dueDates: change.dueDates } : {}),
			},
		};
		// Each event object was parsed for this poll alone: extending it spares a copy per event.
		const json =
			format === 'simplified'
				? simplifyEvent(event, context)
				: addEventFields(event as unknown as IDataObject, event, context);
		if (format === 'raw') {
			let stream = streams.get(target);
			if (!stream) streams.set(target, (stream = describeStream(target)));
			json.stream = stream;
			if (attachCurrent && record !== undefined && needsCurrentResource(event))
				json.current = record;
		}
		if (change.replayed) json.replayed = true;
		if (change.recovered) {
			json.recovered = true;
			json.gap = change.recovered;
			if (change.current) json.current = change.current;
		}
		return { json };
	});
}

const FETCHABLE: Record<string, string> = { task: 'tasks', project: 'projects', goal: 'goals' };

/** `changed` events of plain fields carry no value: the current record tells what it became. */
function needsCurrentResource(event: AsanaEvent): boolean {
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
 * Fetch Current Resource: one request per task, project or goal that changed without a value,
 * whatever the number of its events. A resource that is gone maps to null; one not fetched
 * within the time budget is left out.
 */
export async function readCurrentRecords(
	transport: AsanaTransport,
	changes: Change[],
	concurrency: number,
	isOutOfTime: () => boolean,
): Promise<Map<string, IDataObject | null>> {
	const wanted = new Map<string, string>();
	for (const { event } of changes) {
		if (needsCurrentResource(event))
			wanted.set(event.resource.gid, FETCHABLE[event.resource.resource_type as string]);
	}
	const current = new Map<string, IDataObject | null>();
	await mapWithConcurrency([...wanted], concurrency, async ([gid, collection]) => {
		if (isOutOfTime()) return;
		// Deleted since, or no longer visible to the token: `current: null`, and the events still go out.
		const reply = await transport.get<{ data: IDataObject }>(`/${collection}/${gid}`, undefined, {
			accept: isGone,
		});
		if (reply.kind === 'ok') current.set(gid, isGone(reply.status) ? null : reply.body.data);
	});
	return current;
}
