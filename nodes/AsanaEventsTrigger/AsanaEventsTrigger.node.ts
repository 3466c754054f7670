import {
	NodeConnectionTypes,
	NodeOperationError,
	sleep,
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
import {
	searchPortfolios,
	searchProjectsAndGoals,
	searchTeams,
	searchWorkspaces,
} from '../shared/editor/listSearch';
import { pollStreams, type PollResult } from '../shared/events/streamPoll';
import { DrainBudget } from '../shared/polling/drainBudget';
import { objectLabel } from '../shared/editor/resourceRef';
import { sourceLabel } from '../shared/events/projectDiscovery';
import { pollDeadline } from '../shared/polling/pollBudget';
import { logBusyPoll, pollOrigin } from '../shared/polling/pollLog';
import { createTransport, type AsanaTransport } from '../shared/asana/transport';
import type { StreamTarget } from '../shared/asana/types';
import { eventsTriggerProperties } from './description';
import { eventItems, fetchCurrentResources, gapNoticeItem } from './output';
import { readSettings, type EventsTriggerSettings } from './parameters';
import { EventsTriggerState, openState, type StreamGap } from './state';
import { joinTriggerRate, watchedTargets, type TriggerRate, type Watched } from './watch';

const TEST_EVENT_SAMPLE_SIZE = 10;
/** How often "Fetch Test Event" asks again while it waits. */
const TEST_EVENT_MAX_INTERVAL_MS = 2_000;
/**
 * A poll asks for no further page once it has read this many times Max Events per Poll
 * (events its filters drop included): filters that keep few events still move the cursors
 * on by that much each poll, yet one poll cannot read without end. Only emitted events are
 * held; the others are let go with their page.
 */
const READS_PER_EMITTED_EVENT = 10;

async function effectiveFilters(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	state: EventsTriggerState,
): Promise<EventFilters> {
	if (!settings.ignoreOwnEvents) return settings.filters;
	const own = await state.credentialUserGid(ctx, transport);
	return own
		? { ...settings.filters, ignoredUserGids: [...settings.filters.ignoredUserGids, own] }
		: settings.filters;
}

/** A poll's result, with the watched streams the scheduler left for a later poll. */
type ScheduledPoll = PollResult & { skipped: StreamTarget[] };

async function runPoll(
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	state: EventsTriggerState,
	filters: EventFilters,
	budget: DrainBudget,
	watched: Watched,
	rate: TriggerRate,
): Promise<ScheduledPoll> {
	const streams = state.streamsToPoll(watched.targets, (target, label) =>
		target.kind === 'workspace'
			? objectLabel('Workspace', target.gid, target.listedName)
			: `Resources › ${label}`,
	);
	const { read, skipped } = rate.choose(streams, state);
	const result = await pollStreams(transport, read, state.recentWindow(), {
		budget,
		concurrency: settings.concurrency,
		optFields: EVENT_OPT_FIELDS,
		// Without filters every event is wanted, and none needs looking at.
		wanted: anyFilterSet(filters) ? (event) => matchesFilters(event, filters) : undefined,
	});
	return { ...result, skipped };
}

function budgetFor(maxEvents: number, deadline: number): DrainBudget {
	return new DrainBudget(maxEvents, deadline, maxEvents * READS_PER_EMITTED_EVENT);
}

async function toItems(
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	result: PollResult,
	gaps: StreamGap[],
	deadline: number,
	changes: INodeExecutionData[] = [],
): Promise<INodeExecutionData[]> {
	const current = settings.fetchCurrentResource
		? await fetchCurrentResources(
				transport,
				result.streams.flatMap((stream) => stream.events),
				settings.concurrency,
				() => Date.now() >= deadline,
			)
		: undefined;
	const items = eventItems(result.streams, current);
	if (settings.onExpired === 'notify') {
		items.unshift(...gaps.map((gap) => gapNoticeItem(gap, Date.now())));
	}
	items.unshift(...changes);
	return items;
}

/**
 * "Fetch Test Event": listens for a short, bounded time and returns the first real
 * events. Works on a copy of the cursors that is never saved, so the active workflow's
 * cursors stay as they are.
 */
async function fetchTestEvents(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
): Promise<INodeExecutionData[][]> {
	const waitMs = settings.testEventWaitSeconds * 1000;
	const interval = Math.min(TEST_EVENT_MAX_INTERVAL_MS, Math.max(250, waitMs / 4));
	const waitUntil = Date.now() + waitMs;
	// Retry waits may last as long as the listening does, plus one poll's budget.
	const rate = await joinTriggerRate(ctx, settings);
	const transport = createTransport(ctx, {
		authentication: settings.authentication,
		deadline: pollDeadline(ctx) + waitMs,
		gate: rate.gate,
	});
	const state = EventsTriggerState.read(ctx.getWorkflowStaticData('node'));
	const filters = await effectiveFilters(ctx, settings, transport, state);
	for (;;) {
		const deadline = pollDeadline(ctx);
		const watched = await watchedTargets(settings, transport, state, Date.now());
		const budget = budgetFor(1000, deadline);
		const result = await runPoll(settings, transport, state, filters, budget, watched, rate);
		const gaps = state.gapsIn(result);
		const items = await toItems(settings, transport, result, gaps, pollDeadline(ctx));
		state.advance(result, Date.now(), { skipped: result.skipped, policy: rate.policy });
		if (items.length) return [items.slice(-TEST_EVENT_SAMPLE_SIZE)];
		if (Date.now() >= waitUntil) break;
		await sleep(Math.min(interval, Math.max(0, waitUntil - Date.now())));
	}
	const watched = settings.projects
		? sourceLabel(settings.projects.source)
		: settings.targets.map((target) => state.label(target)).join(', ');
	throw new NodeOperationError(
		ctx.getNode(),
		`No new Asana events on ${watched} in the last ${settings.testEventWaitSeconds} seconds`,
		{
			description:
				'Asana only reports events from the moment a listener starts. Click "Fetch Test Event" again and, while it waits, make a change in Asana (rename a task, add a comment, complete a task) that matches the filters. Or activate the workflow: from then on every event is emitted.',
		},
	);
}

/** A scheduled poll, holding the poll lock: emits what is new and saves where each stream got to. */
async function pollActive(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	state: EventsTriggerState,
	deadline: number,
	rate: TriggerRate,
): Promise<INodeExecutionData[][] | null> {
	const filters = await effectiveFilters(ctx, settings, transport, state);
	const watched = await watchedTargets(settings, transport, state, Date.now());
	const budget = budgetFor(settings.maxEventsPerPoll, deadline);
	let result: ScheduledPoll | undefined;
	try {
		result = await runPoll(settings, transport, state, filters, budget, watched, rate);
	} finally {
		// A project deleted or made private since the list was read fails its read: the next
		// poll reads the list again instead of failing on it until the refresh is due. A list
		// read at this poll is not kept, so the next poll finds its changes again.
		if (!result && settings.projects && !watched.listed && state.expireProjectList()) state.save();
	}

	const gaps = state.gapsIn(result);
	if (settings.onExpired === 'fail' && gaps.length) {
		state.keepFreshTokens(result, Date.now());
		state.save();
		const notices = gaps.map((gap) => gapNoticeItem(gap, Date.now()).json.message).join('\n');
		throw new NodeOperationError(ctx.getNode(), 'Asana sync token expired: events may be missing', {
			description: `${notices}\nThe next poll continues from now. Choose "Emit a Gap Notice Item" under "On Expired Sync Token" to be told without failing.`,
		});
	}

	const items = await toItems(settings, transport, result, gaps, deadline, watched.changes);
	state.advance(result, Date.now(), { skipped: result.skipped, policy: rate.policy });
	state.save();
	if (result.backlog) {
		// Operators see why a poll stopped early; the reasons hold paths and statuses, never a token.
		const deferred = result.streams
			.filter((stream) => stream.deferred)
			.map((stream) => `${state.label(stream.target)}: ${stream.deferred}`);
		const reasons = deferred.length ? `: ${deferred.join('; ')}` : ` (${budget.limitReached()})`;
		ctx.logger.info(
			`${pollOrigin(ctx)}: ${result.emitted} events in ${result.requests} requests, the rest next poll${reasons}`,
		);
	}
	return items.length ? [items] : null;
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

	methods = {
		listSearch: { searchProjectsAndGoals, searchWorkspaces, searchTeams, searchPortfolios },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		if (this.getMode() === 'manual') return await fetchTestEvents(this, settings);
		const deadline = pollDeadline(this);
		const rate = await joinTriggerRate(this, settings);
		const transport = createTransport(this, {
			authentication: settings.authentication,
			deadline,
			gate: rate.gate,
		});

		const opened = openState(this);
		if ('busySince' in opened) {
			logBusyPoll(this, opened);
			return null;
		}
		try {
			return await pollActive(this, settings, transport, opened.state, deadline, rate);
		} finally {
			opened.release();
		}
	}
}
