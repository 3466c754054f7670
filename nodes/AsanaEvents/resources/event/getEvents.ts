import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import type { AuthenticationMethod } from '../../../shared/asana/constants';
import { EVENT_OPT_FIELDS } from '../../../shared/events/eventFilters';
import {
	byCreatedAt,
	drainStream,
	pageSizeOf,
	startStream,
	type StreamCursor,
} from '../../../shared/events/eventStream';
import { DrainBudget } from '../../../shared/polling/drainBudget';
import { createTransport } from '../../../shared/asana/transport';
import { forItem } from '../../../shared/editor/parameters';
import { readStreamTarget, streamSubject } from './streamTarget';

const showOnlyForGetEvents = { resource: ['event'], operation: ['getEvents'] };

export const getEventsDescription: INodeProperties[] = [
	{
		displayName: 'Sync Token',
		name: 'sync',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.sync }}',
		description:
			'The "sync" value returned by an earlier run of this node. Events since that token are returned. Leave empty to start listening now: no events are returned, only a token to pass next time.',
		displayOptions: { show: showOnlyForGetEvents },
	},
	{
		displayName: 'Pages',
		name: 'pages',
		type: 'options',
		options: [
			{
				name: 'All Pages',
				value: 'all',
				description: 'Keep reading while Asana has more, up to Max Events',
			},
			{
				name: 'One Page',
				value: 'one',
				description:
					'One request: up to 100 events of a task, project or goal, or 1,000 of a workspace',
			},
		],
		default: 'all',
		description: 'Whether to read every page Asana has since the token, or only the first',
		displayOptions: { show: showOnlyForGetEvents },
	},
	{
		displayName: 'Max Events',
		name: 'maxEvents',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1000,
		description:
			'Stop after this many events. The returned sync token continues right after the last event returned, so none is skipped or repeated.',
		displayOptions: { show: { ...showOnlyForGetEvents, pages: ['all'] } },
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{
				name: 'One Item per Event',
				value: 'eachEvent',
				description:
					'Each event is an item carrying the next sync token as "sync". Without events: one item with an empty "events" list and "sync".',
			},
			{
				name: 'One Item with All Events',
				value: 'allEvents',
				description: 'One item with "events", the next sync token "sync" and "has_more"',
			},
		],
		default: 'eachEvent',
		description: 'How the events are returned',
		displayOptions: { show: showOnlyForGetEvents },
	},
];

/**
 * The token handed out. When Max Events ends inside a page, Asana's token of that page is
 * followed by the keys of the events already returned from it, so the next run skips
 * exactly those. Keys are base64url, so neither separator can occur inside one.
 */
const EMITTED_SEPARATOR = '~';
const KEY_SEPARATOR = '.';

export function encodeSyncToken(cursor: StreamCursor): string {
	return cursor.emitted?.length
		? `${cursor.sync}${EMITTED_SEPARATOR}${cursor.emitted.join(KEY_SEPARATOR)}`
		: cursor.sync;
}

/**
 * Asana's tokens are hex and digits joined by ":", this node's suffix is base64url keys; the
 * check is loose on purpose, and catches text that was never a token (an expression typed as
 * plain text, an object, a pasted item).
 */
const SYNC_TOKEN_PATTERN = /^[\w:-]+(~[\w.-]+)?$/;

export function decodeSyncToken(token: string): StreamCursor {
	const [sync, emitted] = token.split(EMITTED_SEPARATOR, 2);
	return emitted ? { sync, emitted: emitted.split(KEY_SEPARATOR).filter(Boolean) } : { sync };
}

function readMaxEvents(ctx: IExecuteFunctions, itemIndex: number): number {
	const value = Number(ctx.getNodeParameter('maxEvents', itemIndex, 1000));
	if (!Number.isInteger(value) || value < 1) {
		throw new NodeOperationError(
			ctx.getNode(),
			forItem(`Max Events: ${String(value)} is out of range`, itemIndex),
			{
				description: 'Enter a whole number of at least 1, or choose Pages "One Page".',
				itemIndex,
			},
		);
	}
	return value;
}

export async function getEvents(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const target = readStreamTarget(ctx, itemIndex);
	const givenToken = String(ctx.getNodeParameter('sync', itemIndex, '') ?? '').trim();
	if (givenToken && !SYNC_TOKEN_PATTERN.test(givenToken)) {
		// The value is not echoed: a token pasted into the wrong field would end up in the error.
		throw new NodeOperationError(
			ctx.getNode(),
			forItem('Sync Token: this is not a sync token', itemIndex),
			{
				description:
					'Pass the "sync" value of an earlier run of this node unchanged, as an expression, e.g. {{ $json.sync }} (Expression mode, not Fixed), or leave Sync Token empty to start listening now.',
				itemIndex,
			},
		);
	}
	const onePage = ctx.getNodeParameter('pages', itemIndex, 'all') === 'one';
	const maxEvents = onePage ? pageSizeOf(target) : readMaxEvents(ctx, itemIndex);
	const output = ctx.getNodeParameter('output', itemIndex, 'eachEvent') as string;
	const authentication = ctx.getNodeParameter(
		'authentication',
		itemIndex,
		'accessToken',
	) as AuthenticationMethod;
	const transport = createTransport(ctx, { authentication, itemIndex });
	const subject = streamSubject(target, itemIndex);

	if (!givenToken) {
		const sync = await startStream(transport, target, { subject });
		return [
			{
				events: [],
				sync: sync ?? null,
				has_more: false,
				sync_token_expired: false,
				note: 'No sync token was given, so Asana started listening now. Pass "sync" to the next run to get the events from now on.',
			},
		];
	}

	const result = await drainStream(
		transport,
		target,
		decodeSyncToken(givenToken),
		new DrainBudget(maxEvents, Number.POSITIVE_INFINITY),
		{ subject, optFields: EVENT_OPT_FIELDS, maxPages: onePage ? 1 : undefined },
	);
	const sync = encodeSyncToken(result.cursor);
	// Asana does not document the order inside a page: make it explicit.
	const events = [...result.events].sort(byCreatedAt);
	const expiredNote = result.expired
		? {
				note: 'The sync token had expired (Asana keeps them at most 24 hours): events between it and now are lost. "sync" is a fresh token that continues from now.',
			}
		: {};

	if (output === 'eachEvent' && events.length) {
		return events.map((event) => ({
			...(event as unknown as IDataObject),
			sync,
			...(result.expired ? { sync_token_expired: true } : {}),
		}));
	}
	return [
		{
			events: events as unknown as IDataObject[],
			sync,
			has_more: result.backlog,
			sync_token_expired: result.expired,
			...expiredNote,
		},
	];
}
