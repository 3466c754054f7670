import { type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { AuthenticationMethod } from '../../../shared/asana/constants';
import { EVENT_OPT_FIELDS } from '../../../shared/events/eventFilters';
import {
	byCreatedAt,
	drainStream,
	startStream,
	type StreamCursor,
} from '../../../shared/events/eventStream';
import { DrainBudget } from '../../../shared/polling/drainBudget';
import { createTransport } from '../../../shared/asana/transport';
import {
	readLimit,
	readSplitIntoItems,
	returnAllLimitProperties,
	splitIntoItemsOption,
} from '../../../shared/actions/returnAllLimit';
import { invalidParameter } from '../../../shared/asana/errors';
import {
	eventAdditions,
	eventFormatOption,
	namedIn,
	simplifyEvent,
} from '../../../shared/events/eventShape';
import { intentOf } from '../../../shared/events/intent';
import { TaskStories } from '../../../shared/events/taskStories';
import { readDeclared } from '../../../shared/editor/declaredOptions';
import { recoverChangesProperties, recoverForExpiredToken } from './recoverChanges';
import { readStreamTarget, streamSubject } from './streamTarget';

const showOnlyForGetEvents = { resource: ['event'], operation: ['getEvents'] };

// Simplified: a flat item reads well in a table, a chat message or an AI agent's tool answer.
const OUTPUT_FORMAT = eventFormatOption('simplified');

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
	...returnAllLimitProperties(
		showOnlyForGetEvents,
		'When more events are waiting, "has_more" is true and "sync" continues with the first event not returned: the next run gets the rest, none skipped or repeated',
	),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showOnlyForGetEvents },
		options: [
			OUTPUT_FORMAT.property,
			splitIntoItemsOption(
				'Whether to return each event as its own item, carrying the next sync token "sync" and "has_more" (without events: one item with an empty "events" list, "sync" and "has_more"). Off: one item with "events", "sync" and "has_more".',
			),
		],
	},
	...recoverChangesProperties,
];

/**
 * The token handed out. When Limit ends inside a page, Asana's token of that page is
 * followed by "~" and the keys of the events already returned from it, joined by ".", so the
 * next run skips exactly those. Asana's tokens are opaque and may hold any character, "~"
 * included: the suffix is read only where it ends the token and lists whole keys (eventKey's 12
 * base64url characters), and a token of Asana's that would read as one with keys gets an empty
 * key list, so that every token reads back as written.
 */
const EMITTED_SUFFIX = /~((?:[\w-]{12}(?:\.[\w-]{12})*)?)$/;

export function encodeSyncToken(cursor: StreamCursor): string {
	const keys = cursor.handled?.join('.') ?? '';
	return keys || EMITTED_SUFFIX.test(cursor.sync) ? `${cursor.sync}~${keys}` : cursor.sync;
}

export function decodeSyncToken(token: string): StreamCursor {
	const suffix = EMITTED_SUFFIX.exec(token);
	if (!suffix) return { sync: token };
	const sync = token.slice(0, suffix.index);
	return suffix[1] ? { sync, handled: suffix[1].split('.') } : { sync };
}

/**
 * Asana judges its tokens; this only catches values that cannot be one (an expression typed as
 * plain text, a pasted item, an object) and keeps the length sane.
 */
const MAX_SYNC_TOKEN_LENGTH = 4096;
const SPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/** What keeps Asana's part of a token from being a token, if anything. */
function problemWithToken(sync: string): string | undefined {
	if (!sync) return 'it has no token before its "~" part';
	if (sync.length > MAX_SYNC_TOKEN_LENGTH)
		return `it is longer than ${MAX_SYNC_TOKEN_LENGTH.toLocaleString('en-US')} characters`;
	if (SPACE_OR_CONTROL.test(sync)) return 'it contains spaces or control characters';
	return undefined;
}

function notASyncToken(ctx: IExecuteFunctions, itemIndex: number, problem: string) {
	// The value is not echoed: a token pasted into the wrong field would end up in the error.
	return invalidParameter(
		ctx,
		`Sync Token: this is not a sync token: ${problem}`,
		'Pass the "sync" value of an earlier run of this node unchanged, as an expression, e.g. {{ $json.sync }} (Expression mode, not Fixed), or leave Sync Token empty to start listening now.',
		itemIndex,
	);
}

/** The token to continue from, or undefined to start listening now. */
function readSyncToken(ctx: IExecuteFunctions, itemIndex: number): StreamCursor | undefined {
	const value = ctx.getNodeParameter('sync', itemIndex, '') ?? '';
	if (typeof value !== 'string')
		throw notASyncToken(
			ctx,
			itemIndex,
			`it is ${Array.isArray(value) ? 'a list' : `of type ${typeof value}`}, not text`,
		);
	const token = value.trim();
	if (!token) return undefined;
	const cursor = decodeSyncToken(token);
	const problem = problemWithToken(cursor.sync);
	if (problem) throw notASyncToken(ctx, itemIndex, problem);
	return cursor;
}

export async function getEvents(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const target = readStreamTarget(ctx, itemIndex);
	const given = readSyncToken(ctx, itemIndex);
	const limit = readLimit(ctx, itemIndex);
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const splitIntoItems = readSplitIntoItems(options);
	const format = readDeclared(ctx, OUTPUT_FORMAT, options, itemIndex);
	const authentication = ctx.getNodeParameter(
		'authentication',
		itemIndex,
		'accessToken',
	) as AuthenticationMethod;
	const transport = createTransport(ctx, { authentication, itemIndex });
	const subject = streamSubject(target, itemIndex);

	if (!given) {
		const sync = await startStream(transport, target, { subject });
		return [
			{
				events: [],
				sync: sync === undefined ? null : encodeSyncToken({ sync }),
				has_more: false,
				sync_token_expired: false,
				note: 'No sync token was given, so Asana started listening now. Pass "sync" to the next run to get the events from now on.',
			},
		];
	}

	const result = await drainStream(
		transport,
		target,
		given,
		new DrainBudget(limit, Number.POSITIVE_INFINITY),
		{ subject, optFields: EVENT_OPT_FIELDS },
	);
	const sync = encodeSyncToken(result.cursor);
	// Asana does not document the order inside a page: make it explicit. Each event's key is its
	// `event_id`, and what the events tell of it its summary: as the trigger's under Any Event.
	const evidence = new TaskStories(result.events);
	const named = namedIn(target, result.events);
	const stream =
		target.kind === 'resource' && named.resourceType
			? { ...target, resourceType: named.resourceType }
			: target;
	const events = result.events
		.map((event, index) => ({ event, key: result.keys[index] }))
		.sort((a, b) => byCreatedAt(a.event, b.event))
		.map(({ event, key }) => {
			const is = intentOf(event, evidence.ofStream(result.newestRead));
			const context = {
				target: stream,
				key,
				...(named.listedName ? { streamName: named.listedName } : {}),
				...(is ? { meaning: { is } } : {}),
			};
			return format === 'simplified'
				? simplifyEvent(event, context)
				: { ...(event as unknown as IDataObject), ...eventAdditions(event, context) };
		});
	const recovery =
		result.expired && ctx.getNodeParameter('recoverChanges', itemIndex, false) === true
			? await recoverForExpiredToken(ctx, itemIndex, transport, target, subject)
			: undefined;
	const note = result.expired
		? {
				note: recovery
					? 'The sync token had expired (Asana keeps them at most 24 hours): its events are lost; what changed in the gap is in "recovered", read from Asana’s current state (deleted tasks and changes that do not touch a task’s modified_at cannot be seen). "sync" is a fresh token that continues from now.'
					: 'The sync token had expired (Asana keeps them at most 24 hours): events between it and now are lost. "sync" is a fresh token that continues from now.',
			}
		: result.backlog
			? {
					note: 'Limit reached with more events waiting. Pass "sync" to the next run: it continues with the first event not returned.',
				}
			: {};

	if (splitIntoItems && recovery?.recovered.length) {
		return recovery.recovered.map((change) => ({
			...change,
			sync,
			sync_token_expired: true,
			...(recovery.recovery_incomplete
				? { recovery_incomplete: recovery.recovery_incomplete }
				: {}),
		}));
	}
	if (splitIntoItems && events.length) {
		return events.map((event) => ({
			...event,
			sync,
			has_more: result.backlog,
			...(result.expired ? { sync_token_expired: true } : {}),
		}));
	}
	return [
		{
			events,
			sync,
			has_more: result.backlog,
			sync_token_expired: result.expired,
			...note,
			...(recovery ?? {}),
		},
	];
}
