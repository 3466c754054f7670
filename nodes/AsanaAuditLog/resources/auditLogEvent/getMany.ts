import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	auditOutputFormatProperty,
	formatAuditEvent,
	readAuditOutputFormat,
	withOwnFields,
	type AuditOutputFormat,
} from '../../../shared/audit/auditOutput';
import {
	AUDIT_QUERY_LABELS,
	auditLogFilterOptions,
	auditTriggerOnProperty,
	readAuditFilters,
} from '../../../shared/audit/auditParameters';
import {
	LoginMethodBook,
	learnLoginMethods,
	type AuditIntent,
} from '../../../shared/audit/auditIntents';
import {
	auditContinuation,
	fetchAuditPage,
	matchAudit,
	type AuditClientFilters,
	type AuditServerFilters,
} from '../../../shared/audit/auditStream';
import {
	readLimit,
	readSplitIntoItems,
	returnAllLimitProperties,
	splitIntoItemsOption,
} from '../../../shared/actions/returnAllLimit';
import { AUDIT_LOG_PAGE } from '../../../shared/asana/constants';
import { workspaceLocator } from '../../../shared/editor/descriptions';
import { forItem, invalidParameter } from '../../../shared/asana/errors';
import { readWorkspace } from '../../../shared/editor/parameters';
import { createTransport, type AsanaTransport } from '../../../shared/asana/transport';
import type { AuditLogEvent, AuditLogPage } from '../../../shared/asana/types';

const showOnlyForGetMany = { resource: ['auditLogEvent'], operation: ['getAll'] };

const timeFilterOptions: INodeProperties[] = [
	{
		displayName: 'End Time',
		name: 'endAt',
		type: 'dateTime',
		default: '',
		description: 'Only events before this time (exclusive; sent to Asana as end_at)',
	},
	{
		displayName: 'Start Time',
		name: 'startAt',
		type: 'dateTime',
		default: '',
		description:
			'Only events at or after this time (sent to Asana as start_at). Asana keeps events for 90 days.',
	},
];

export const getManyDescription: INodeProperties[] = [
	workspaceLocator({
		description:
			'The workspace (organization) whose audit log to read. Its ID is the number after /1/ in Asana URLs.',
		displayOptions: { show: showOnlyForGetMany },
	}),
	...returnAllLimitProperties(
		showOnlyForGetMany,
		'"next_offset" continues right after the last event returned: the next run gets the rest, none skipped or repeated',
	),
	auditOutputFormatProperty({ displayOptions: { show: showOnlyForGetMany } }),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			...auditLogFilterOptions,
			...timeFilterOptions,
			auditTriggerOnProperty('Trigger On', 'triggerOn'),
		].sort((a, b) => a.displayName.localeCompare(b.displayName)),
		displayOptions: { show: showOnlyForGetMany },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showOnlyForGetMany },
		options: [
			splitIntoItemsOption(
				'Whether to return each event as its own item, carrying the offset to continue from: "next_offset", in OCSF "unmapped.next_offset", in Elastic Common Schema "asana.next_offset" (where the schema allows it); without events, one item with an empty "events" list and the offset at the same place. Off: one item with "events" and "next_offset", in every Output Format.',
			),
			{
				displayName: 'Starting Offset',
				name: 'offset',
				type: 'string',
				default: '',
				placeholder: 'e.g. {{ $json.next_offset }}',
				description:
					'The offset an earlier run with the same workspace and filters returned: continues right after the events that run returned. Empty: start at the oldest matching event.',
				hint: 'From an item of that run: {{ $json.next_offset }}; with Split Into Items on and Output Format OCSF {{ $json.unmapped.next_offset }}, Elastic Common Schema {{ $json.asana.next_offset }}',
			},
		],
	},
];

function withNextOffset(
	item: IDataObject,
	format: AuditOutputFormat,
	nextOffset: string | null,
): IDataObject {
	return withOwnFields(item, format, { next_offset: nextOffset });
}

interface GetManySettings {
	workspaceGid: string;
	/** Infinity for Return All. */
	limit: number;
	server: AuditServerFilters;
	client: AuditClientFilters;
	offset?: string;
	splitIntoItems: boolean;
	outputFormat: AuditOutputFormat;
}

/** A date parameter as ISO text: typed dates, expressions giving strings, Date or Luxon objects. */
function readDate(
	ctx: IExecuteFunctions,
	itemIndex: number,
	raw: unknown,
	label: string,
): string | undefined {
	if (raw === undefined || raw === null || raw === '') return undefined;
	const text =
		typeof raw === 'object' && typeof (raw as { toISOString?: unknown }).toISOString === 'function'
			? (raw as Date).toISOString()
			: typeof raw === 'object' && typeof (raw as { toISO?: unknown }).toISO === 'function'
				? String((raw as { toISO: () => string }).toISO())
				: String(raw);
	const time = Date.parse(text);
	if (Number.isNaN(time)) {
		throw invalidParameter(
			ctx,
			`Filters › ${label}: "${text}" is not a date`,
			'Enter a date and time, e.g. 2026-11-01T00:00:00Z, or clear it.',
			itemIndex,
		);
	}
	return new Date(time).toISOString();
}

function readSettings(ctx: IExecuteFunctions, itemIndex: number): GetManySettings {
	const { gid: workspaceGid } = readWorkspace(
		ctx,
		ctx.getNodeParameter('workspace', itemIndex, '', { extractValue: true }),
		itemIndex,
	);

	const limit = readLimit(ctx, itemIndex);

	const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const { server, client } = readAuditFilters(ctx.getNode(), filters, itemIndex);
	const startAt = readDate(ctx, itemIndex, filters.startAt, 'Start Time');
	const endAt = readDate(ctx, itemIndex, filters.endAt, 'End Time');
	if (startAt && endAt && Date.parse(endAt) <= Date.parse(startAt)) {
		throw invalidParameter(
			ctx,
			`Filters › End Time: ${endAt} is not after Start Time ${startAt}`,
			'Set End Time later than Start Time (End Time is exclusive), or clear one of them.',
			itemIndex,
		);
	}
	if (startAt) server.start_at = startAt;
	if (endAt) server.end_at = endAt;

	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const offset =
		typeof options.offset === 'string' && options.offset.trim() ? options.offset.trim() : undefined;
	return {
		workspaceGid,
		limit,
		server,
		client,
		offset,
		splitIntoItems: readSplitIntoItems(options),
		outputFormat: readAuditOutputFormat(
			ctx.getNode(),
			ctx.getNodeParameter('format', itemIndex, null),
			itemIndex,
		),
	};
}

async function readPage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	transport: AsanaTransport,
	settings: GetManySettings,
	page: { limit: number; offset?: string; offsetFromUser: boolean },
): Promise<AuditLogPage> {
	const reply = await fetchAuditPage(transport, settings.workspaceGid, settings.server, {
		limit: page.limit,
		offset: page.offset,
		acceptRejectedOffset: page.offsetFromUser,
		subject: forItem(`Workspace ${settings.workspaceGid}`, itemIndex),
	});
	// Only a transport with a deadline defers; this node gives none, so this is a safeguard.
	if (reply.kind === 'deferred')
		throw invalidParameter(ctx, reply.reason, 'Run the node again.', itemIndex);
	if (reply.status === 400) {
		throw invalidParameter(
			ctx,
			'Options › Starting Offset: Asana no longer accepts this offset',
			'Offsets expire after a while and only work with the filters they were made with. Clear Starting Offset and set Filters › Start Time to the time of the last event you processed.',
			itemIndex,
		);
	}
	return reply.body;
}

/**
 * Follows Asana's offsets oldest first. Without node-side filters each request asks for
 * exactly what is still wanted, so Limit ≤ 100 is one request. With them, a page that holds
 * more matches than wanted is asked again ending at the last wanted event: its next offset
 * then continues exactly there, and nothing is skipped by a later run.
 */
export async function getMany(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const settings = readSettings(ctx, itemIndex);
	const transport = createTransport(ctx, {
		authentication: 'accessToken',
		itemIndex,
		queryLabels: AUDIT_QUERY_LABELS,
	});
	const filteredByNode =
		settings.client.eventTypes.length > 0 ||
		settings.client.categories.length > 0 ||
		!!settings.client.actorType ||
		!!settings.client.intents;
	// Login methods seen in this run, for Sign-in From a New Method: kept per page read to the end.
	let memory = new LoginMethodBook();
	const intentsOf = new Map<AuditLogEvent, AuditIntent[]>();
	const readMatches = (data: AuditLogEvent[], wanted: number): AuditLogEvent[] => {
		const book = memory.copy();
		const matched: AuditLogEvent[] = [];
		for (const event of data) {
			if (matched.length >= wanted) break;
			const intents = matchAudit(event, settings.client, book);
			if (intents) {
				matched.push(event);
				intentsOf.set(event, intents);
			}
			learnLoginMethods(event, book);
		}
		memory = book;
		return matched;
	};

	const events: AuditLogEvent[] = [];
	let offset = settings.offset;
	let nextOffset = settings.offset ?? null;
	let remaining = settings.limit;
	while (remaining > 0) {
		const offsetFromUser = offset !== undefined && offset === settings.offset;
		const limit = filteredByNode ? AUDIT_LOG_PAGE : Math.min(AUDIT_LOG_PAGE, remaining);
		let page = await readPage(ctx, itemIndex, transport, settings, {
			limit,
			offset,
			offsetFromUser,
		});
		const before = memory;
		let matched = readMatches(page.data ?? [], Number.POSITIVE_INFINITY);
		if (matched.length > remaining) {
			const lastWanted = page.data.indexOf(matched[remaining - 1]);
			page = await readPage(ctx, itemIndex, transport, settings, {
				limit: lastWanted + 1,
				offset,
				offsetFromUser,
			});
			memory = before;
			matched = readMatches(page.data ?? [], remaining);
		}
		events.push(...matched);
		remaining -= matched.length;
		const next = auditContinuation(page);
		if (next.offset) nextOffset = next.offset;
		if (next.endOfLog) break;
		offset = next.offset;
	}

	const shaped = events.map((event) =>
		formatAuditEvent(event, settings.outputFormat, intentsOf.get(event)),
	);
	if (!settings.splitIntoItems) return [{ events: shaped, next_offset: nextOffset }];
	const items = shaped.length ? shaped : [{ events: [] }];
	return items.map((item) => withNextOffset(item, settings.outputFormat, nextOffset));
}
