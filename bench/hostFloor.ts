/**
 * The floor n8n itself sets: a bench-only polling node that makes the same requests as the
 * pack's nodes straight through `httpRequestWithAuthentication`, with the options the pack's
 * transport uses, parses the JSON and emits each event as an item, as it was parsed, and
 * does nothing else. Its time minus the raw undici loop's is what n8n's request path costs;
 * the pack's nodes minus it is what the pack adds.
 */
import {
	NodeConnectionTypes,
	type IDataObject,
	type IN8nHttpFullResponse,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { EVENT_OPT_FIELDS } from '../nodes/shared/events/eventFilters';
import { asanaGetRequest, DEFAULT_RETRY_POLICY } from '../nodes/shared/asana/transport';
import { runPoll } from '../test/harness';

/**
 * One stream to drain. `sync`: an events stream, followed by sync tokens until `has_more`
 * is false. `offset`: an audit log, `path` with its query, followed by `next_page.offset`
 * until a page comes back empty.
 */
export type FloorStream = { path: string; sync: string } | { path: string; paging: 'offset' };

interface Page {
	data: IDataObject[];
	sync?: string;
	has_more?: boolean;
	next_page?: { offset: string } | null;
}

async function getPage(ctx: IPollFunctions, url: string): Promise<Page> {
	const request = asanaGetRequest(url, DEFAULT_RETRY_POLICY.requestTimeoutMs);
	const response = (await ctx.helpers.httpRequestWithAuthentication.call(
		ctx,
		'asanaEventsApi',
		request,
	)) as IN8nHttpFullResponse;
	return JSON.parse(response.body as string) as Page;
}

class HostFloorProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Host Floor Probe Trigger',
		name: 'hostFloorProbeTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Bench only: n8n request path with nothing of the pack',
		defaults: { name: 'Host Floor Probe Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'asanaEventsApi', required: true }],
		properties: [
			{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
			{ displayName: 'Streams', name: 'streams', type: 'json', default: '[]' },
			{ displayName: 'Concurrency', name: 'concurrency', type: 'number', default: 1 },
		],
	};

	/** Drains each stream, `concurrency` streams at a time, and emits every event read. */
	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const baseUrl = this.getNodeParameter('baseUrl') as string;
		const streams = JSON.parse(this.getNodeParameter('streams') as string) as FloorStream[];
		const concurrency = this.getNodeParameter('concurrency') as number;
		const optFields = encodeURIComponent(EVENT_OPT_FIELDS.join(','));
		const items: INodeExecutionData[] = [];
		let next = 0;
		const drain = async (stream: FloorStream) => {
			const separator = stream.path.includes('?') ? '&' : '?';
			let position = 'sync' in stream ? stream.sync : undefined;
			for (;;) {
				const query =
					'sync' in stream
						? `sync=${encodeURIComponent(position ?? '')}&opt_fields=${optFields}`
						: position
							? `offset=${encodeURIComponent(position)}`
							: '';
				const page = await getPage(
					this,
					`${baseUrl}${stream.path}${query ? separator + query : ''}`,
				);
				for (const json of page.data) items.push({ json });
				if ('sync' in stream) {
					position = page.sync;
					if (!page.has_more) return;
				} else {
					if (!page.data.length || !page.next_page) return;
					position = page.next_page.offset;
				}
			}
		};
		const worker = async () => {
			while (next < streams.length) await drain(streams[next++]);
		};
		await Promise.all(Array.from({ length: Math.min(concurrency, streams.length) }, worker));
		return [items];
	}
}

const probe = new HostFloorProbe();

/** Runs the probe as one scheduled poll; returns its wall time and the events it emitted. */
export async function hostFloorPoll(
	baseUrl: string,
	token: string,
	streams: FloorStream[],
	concurrency = 1,
): Promise<{ ms: number; events: number }> {
	const start = performance.now();
	const outcome = await runPoll({
		nodeType: probe,
		parameters: { baseUrl, streams: JSON.stringify(streams), concurrency },
		credentials: { asanaEventsApi: { accessToken: token, baseUrl } },
		staticData: {},
	});
	const ms = performance.now() - start;
	if (outcome.error) throw outcome.error;
	return { ms, events: outcome.items?.[0]?.length ?? 0 };
}
