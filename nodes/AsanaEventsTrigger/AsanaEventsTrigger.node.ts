import {
	NodeConnectionTypes,
	NodeOperationError,
	sleep,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { credentialsDescription } from '../shared/editor/descriptions';
import {
	anyFilterSet,
	EVENT_OPT_FIELDS,
	matchesFilters,
	type EventFilters,
} from '../shared/events/eventFilters';
import { searchProjectsAndGoals, searchWorkspaces } from '../shared/editor/listSearch';
import {
	pollStreams,
	readState,
	streamKey,
	writeState,
	type EventsTriggerState,
	type PollResult,
} from '../shared/events/streamPoll';
import { pollDeadline } from '../shared/polling/pollBudget';
import { createTransport, type AsanaTransport } from '../shared/asana/transport';
import { eventsTriggerProperties } from './description';
import { eventItems, fetchCurrentResources, gapNoticeItem, streamLabel } from './output';
import { readSettings, type EventsTriggerSettings } from './parameters';

const TEST_EVENT_SAMPLE_SIZE = 10;
/** How often "Fetch Test Event" asks again while it waits. */
const TEST_EVENT_MAX_INTERVAL_MS = 2_000;

/** The credential's own user, looked up once per credential and kept in static data. */
async function ownUserGid(
	ctx: IPollFunctions,
	transport: AsanaTransport,
	staticData: IDataObject,
): Promise<string | undefined> {
	const credentialId = Object.values(ctx.getNode().credentials ?? {})[0]?.id ?? '';
	const cached = staticData.credentialUser as { credentialId?: string; gid?: string } | undefined;
	if (cached?.gid && cached.credentialId === credentialId) return cached.gid;
	const reply = await transport.get<{ data: { gid: string } }>('/users/me', { opt_fields: 'gid' });
	if (reply.kind !== 'ok') return undefined;
	staticData.credentialUser = { credentialId, gid: reply.body.data.gid };
	return reply.body.data.gid;
}

async function effectiveFilters(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	staticData: IDataObject,
): Promise<EventFilters> {
	if (!settings.ignoreOwnEvents) return settings.filters;
	const own = await ownUserGid(ctx, transport, staticData);
	return own
		? { ...settings.filters, ignoredUserGids: [...settings.filters.ignoredUserGids, own] }
		: settings.filters;
}

async function runPoll(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	state: EventsTriggerState,
	deadline: number,
): Promise<PollResult> {
	return await pollStreams(transport, settings.targets, state, {
		maxEvents: settings.maxEventsPerPoll,
		deadline,
		concurrency: settings.concurrency,
		optFields: EVENT_OPT_FIELDS,
		describeTarget: (target) =>
			target.kind === 'workspace'
				? `Workspace (${target.gid})`
				: `Resources › ${streamLabel(target)}`,
	});
}

async function toItems(
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	result: PollResult,
	filters: EventFilters,
	deadline: number,
): Promise<INodeExecutionData[]> {
	const kept = anyFilterSet(filters)
		? result.streams.map(({ target, events }) => ({
				target,
				events: events.filter((event) => matchesFilters(event, filters)),
			}))
		: result.streams;
	const current = settings.fetchCurrentResource
		? await fetchCurrentResources(
				transport,
				kept.flatMap(({ events }) => events),
				settings.concurrency,
				() => Date.now() >= deadline,
			)
		: undefined;
	const items = eventItems(kept, current);
	if (settings.onExpired === 'notify') {
		items.unshift(...result.expired.map((gap) => gapNoticeItem(gap, Date.now())));
	}
	return items;
}

/**
 * "Fetch Test Event": listens for a short, bounded time and returns the first real
 * events. Works on a copy of the cursors, so the active workflow's cursors stay as they are.
 */
async function fetchTestEvents(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	staticData: IDataObject,
): Promise<INodeExecutionData[][]> {
	const filters = await effectiveFilters(ctx, settings, transport, { ...staticData });
	// A copy through JSON: in manual runs n8n hands static data wrapped in proxies, which structuredClone refuses.
	let state = JSON.parse(JSON.stringify(readState(staticData))) as EventsTriggerState;
	const waitMs = settings.testEventWaitSeconds * 1000;
	const interval = Math.min(TEST_EVENT_MAX_INTERVAL_MS, Math.max(250, waitMs / 4));
	const waitUntil = Date.now() + waitMs;
	for (;;) {
		const result = await runPoll(
			ctx,
			{ ...settings, maxEventsPerPoll: 1000 },
			transport,
			state,
			pollDeadline(ctx),
		);
		state = result.state;
		const items = await toItems(settings, transport, result, filters, pollDeadline(ctx));
		if (items.length) return [items.slice(-TEST_EVENT_SAMPLE_SIZE)];
		if (Date.now() >= waitUntil) break;
		await sleep(Math.min(interval, Math.max(0, waitUntil - Date.now())));
	}
	const watched = settings.targets.map(streamLabel).join(', ');
	throw new NodeOperationError(
		ctx.getNode(),
		`No new Asana events on ${watched} in the last ${settings.testEventWaitSeconds} seconds`,
		{
			description:
				'Asana only reports events from the moment a listener starts. Click "Fetch Test Event" again and, while it waits, make a change in Asana (rename a task, add a comment, complete a task) that matches the filters. Or activate the workflow: from then on every event is emitted.',
		},
	);
}

export class AsanaEventsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Asana Events Trigger',
		name: 'asanaEventsTrigger',
		icon: { light: 'file:../../icons/asana.svg', dark: 'file:../../icons/asana.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["source"] === "workspace" ? "Workspace events" : "Resource events"}}',
		description:
			'Starts the workflow when tasks, projects or goals change in Asana, polling Asana’s Events API with durable sync tokens (no public webhook URL needed)',
		defaults: { name: 'Asana Events Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: credentialsDescription,
		properties: eventsTriggerProperties,
	};

	methods = { listSearch: { searchProjectsAndGoals, searchWorkspaces } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		const deadline = pollDeadline(this);
		const transport = createTransport(this, { authentication: settings.authentication, deadline });
		const staticData = this.getWorkflowStaticData('node');

		if (this.getMode() === 'manual')
			return await fetchTestEvents(this, settings, transport, staticData);

		const previous = readState(staticData);
		const filters = await effectiveFilters(this, settings, transport, staticData);
		const result = await runPoll(this, settings, transport, previous, deadline);

		if (settings.onExpired === 'fail' && result.expired.length) {
			// Keep only the fresh tokens of the expired streams: the others' events were not
			// emitted, so their cursors must not move.
			const next: EventsTriggerState = { ...previous, streams: { ...previous.streams } };
			for (const { target } of result.expired) {
				const key = streamKey(target);
				next.streams[key] = result.state.streams[key];
			}
			writeState(staticData, next);
			const gaps = result.expired
				.map((gap) => gapNoticeItem(gap, Date.now()).json.message)
				.join('\n');
			throw new NodeOperationError(
				this.getNode(),
				'Asana sync token expired: events may be missing',
				{
					description: `${gaps}\nThe next poll continues from now. Choose "Emit a Gap Notice Item" under "On Expired Sync Token" to be told without failing.`,
				},
			);
		}

		const items = await toItems(settings, transport, result, filters, deadline);
		writeState(staticData, result.state);
		if (result.backlog) {
			// Operators see why a poll stopped early; the reasons hold paths and statuses, never a token.
			const reasons = result.deferred.length
				? `: ${result.deferred.join('; ')}`
				: ' (Max Events per Poll reached)';
			this.logger.info(
				`${this.getNode().name}: ${result.streams.reduce((sum, { events }) => sum + events.length, 0)} events in ${result.requests} requests, the rest next poll${reasons}`,
			);
		}
		return items.length ? [items] : null;
	}
}
