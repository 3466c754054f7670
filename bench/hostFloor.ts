/**
 * The floor n8n itself sets: a bench-only polling node that makes the same requests as the
 * pack's nodes straight through `httpRequestWithAuthentication`, with the options the pack's
 * transport uses, parses the JSON and does nothing else. Its time minus the raw undici
 * loop's is what n8n's request path costs; the pack's nodes minus it is what the pack adds.
 */
import {
	NodeConnectionTypes,
	type IN8nHttpFullResponse,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { EVENT_OPT_FIELDS } from '../nodes/shared/events/eventFilters';
import { asanaGetRequest, DEFAULT_RETRY_POLICY } from '../nodes/shared/asana/transport';
import { runPoll } from '../test/harness';

async function getJson(
	ctx: IPollFunctions,
	url: string,
): Promise<{ data: unknown[]; sync: string; has_more: boolean }> {
	const request = asanaGetRequest(url, DEFAULT_RETRY_POLICY.requestTimeoutMs);
	const response = (await ctx.helpers.httpRequestWithAuthentication.call(
		ctx,
		'asanaEventsApi',
		request,
	)) as IN8nHttpFullResponse;
	return JSON.parse(response.body as string) as {
		data: unknown[];
		sync: string;
		has_more: boolean;
	};
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

	/** Drains each `{ path, sync }` stream by its sync tokens, `concurrency` streams at a time. */
	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const baseUrl = this.getNodeParameter('baseUrl') as string;
		const streams = JSON.parse(this.getNodeParameter('streams') as string) as Array<{
			path: string;
			sync: string;
		}>;
		const concurrency = this.getNodeParameter('concurrency') as number;
		const optFields = encodeURIComponent(EVENT_OPT_FIELDS.join(','));
		let next = 0;
		let events = 0;
		const worker = async () => {
			while (next < streams.length) {
				const stream = streams[next++];
				let sync = stream.sync;
				for (;;) {
					const separator = stream.path.includes('?') ? '&' : '?';
					const page = await getJson(
						this,
						`${baseUrl}${stream.path}${separator}sync=${encodeURIComponent(sync)}&opt_fields=${optFields}`,
					);
					events += page.data.length;
					sync = page.sync;
					if (!page.has_more) break;
				}
			}
		};
		await Promise.all(Array.from({ length: Math.min(concurrency, streams.length) }, worker));
		return [[{ json: { events } }]];
	}
}

const probe = new HostFloorProbe();

/** Runs the probe as one scheduled poll; returns its wall time and the events it read. */
export async function hostFloorPoll(
	baseUrl: string,
	token: string,
	streams: Array<{ path: string; sync: string }>,
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
	return { ms, events: Number(outcome.items?.[0]?.[0]?.json.events ?? 0) };
}
