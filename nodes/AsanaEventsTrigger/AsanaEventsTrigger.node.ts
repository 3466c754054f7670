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
import { getCustomFields } from './customFields';
import { pollStreams, type PollResult } from '../shared/events/streamPoll';
import { DrainBudget } from '../shared/polling/drainBudget';
import { objectLabel } from '../shared/editor/resourceRef';
import { sourceLabel } from '../shared/events/projectDiscovery';
import { pollDeadline } from '../shared/polling/pollBudget';
import { logBusyPoll, pollOrigin } from '../shared/polling/pollLog';
import { createTransport, type AsanaTransport } from '../shared/asana/transport';
import type { AsanaEvent, StreamTarget } from '../shared/asana/types';
import { eventsTriggerProperties } from './description';
import { decideTriggerOn, mayMatch, needsTaskRecord } from '../shared/events/triggerOn';
import {
	eventItems,
	fetchCurrentResources,
	gapNoticeItem,
	needsCurrentResource,
	type StreamEvents,
} from './output';
import { readSettings, type EventsTriggerSettings } from './parameters';
import { recoverGaps } from './recovery';
import { beginReplay, markReplayed } from './replay';
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
		wanted: wantedEvents(settings, filters),
	});
	return { ...result, skipped };
}

/** The events a poll holds on to; undefined when every event is wanted, so none needs looking at. */
function wantedEvents(
	settings: EventsTriggerSettings,
	filters: EventFilters,
): ((event: AsanaEvent) => boolean) | undefined {
	const { triggerOn } = settings;
	const filtered = anyFilterSet(filters);
	if (triggerOn.options.has('anyEvent'))
		return filtered ? (event) => matchesFilters(event, filters) : undefined;
	return filtered
		? (event) => mayMatch(event, triggerOn) && matchesFilters(event, filters)
		: (event) => mayMatch(event, triggerOn);
}

function budgetFor(maxEvents: number, deadline: number): DrainBudget {
	return new DrainBudget(maxEvents, deadline, maxEvents * READS_PER_EMITTED_EVENT);
}

/**
 * The poll's items, or null when Trigger On could not decide some event because its task was
 * not read within the time budget: then nothing goes out and no cursor moves.
 */
async function toItems(
	settings: EventsTriggerSettings,
	transport: AsanaTransport,
	result: PollResult,
	gaps: StreamGap[],
	deadline: number,
	changes: INodeExecutionData[] = [],
): Promise<INodeExecutionData[] | null> {
	const { triggerOn, fetchCurrentResource } = settings;
	const needs = (event: AsanaEvent) =>
		(fetchCurrentResource && needsCurrentResource(event)) || needsTaskRecord(event, triggerOn);
	// Under Any Event without Fetch Current Resource no event needs a record: no pass over them.
	const mayNeed = fetchCurrentResource || !triggerOn.options.has('anyEvent');
	const events = mayNeed ? result.streams.flatMap((stream) => stream.events) : [];
	const records =
		mayNeed && events.some(needs)
			? await fetchCurrentResources(
					transport,
					events,
					settings.concurrency,
					() => Date.now() >= deadline,
					needs,
				)
			: undefined;
	const streams: StreamEvents[] = [];
	for (const stream of result.streams) {
		const decision = decideTriggerOn(stream.events, records ?? new Map(), triggerOn);
		if (decision.undecided.length) return null;
		streams.push({ target: stream.target, matched: decision.matched });
	}
	const items = eventItems(streams, {
		records,
		attachCurrent: fetchCurrentResource,
		format: settings.format,
	});
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
		// Undecided events are read again on the next try.
		if (items) state.advance(result, Date.now(), { skipped: result.skipped, policy: rate.policy });
		if (items?.length) return [items.slice(-TEST_EVENT_SAMPLE_SIZE)];
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
	const replayNotices = beginReplay(state, watched.targets, settings.replayFrom, Date.now());
	let result: ScheduledPoll | undefined;
	try {
		result = await runPoll(settings, transport, state, filters, budget, watched, rate);
	} finally {
		// A project deleted or made private since the list was read fails its read: the next
		// poll reads the list again instead of failing on it until the refresh is due. A list
		// read at this poll is not kept, so the next poll finds its changes again.
		if (!result && settings.projects && !watched.listed && state.expireProjectList()) state.save();
	}
	markReplayed(result, (target) => state.replayOf(target));

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
	if (!items) {
		ctx.logger.info(
			`${pollOrigin(ctx)}: the tasks Trigger On needs to read did not fit in this poll's time; these events are read again next poll`,
		);
		return null;
	}
	state.advance(result, Date.now(), { skipped: result.skipped, policy: rate.policy });
	if (settings.onExpired === 'recover')
		items.unshift(
			...(await recoverGaps(transport, state, settings, watched.targets, gaps, Date.now())),
		);
	items.unshift(...replayNotices);
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
		subtitle:
			'={{ {"workspace": "Workspace events", "teamProjects": "All projects of a team", "portfolioProjects": "All projects in a portfolio", "workspaceProjects": "All projects in a workspace"}[$parameter["source"]] ?? "Resource events" }}',
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
		loadOptions: { getCustomFields },
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
