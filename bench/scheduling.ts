/**
 * The request scheduler over simulated minutes: a workspace of many projects, few of them
 * busy, watched by the events trigger's own code (project list, scheduler, cursors, state)
 * against the simulator's in-memory Asana, on a virtual clock. One poll a minute; events
 * arrive between polls. Measures requests per minute against the budget, the delay of
 * events on busy streams, the longest any stream went unread, and that every event came
 * out exactly once.
 */
import type { IDataObject } from 'n8n-workflow';

import type {
	AsanaReply,
	AsanaTransport,
	Query,
	RequestOptions,
} from '../nodes/shared/asana/transport';
import type { EventsPage } from '../nodes/shared/asana/types';
import { pollStreams } from '../nodes/shared/events/streamPoll';
import { DrainBudget } from '../nodes/shared/polling/drainBudget';
import { CredentialRate, RATE_WINDOW_MS } from '../nodes/shared/polling/requestScheduler';
import { EventsTriggerState } from '../nodes/AsanaEventsTrigger/state';
import { chooseStreams, watchedTargets } from '../nodes/AsanaEventsTrigger/watch';
import { Domain, seededRandom } from '../test/simulator/domain';

const MINUTE = 60_000;
const TICK_MS = 5_000;
const LISTING_PAGE = 100;

export interface SchedulingScenario {
	projects: number;
	active: number;
	budgetPerMinute: number;
	/** Events per minute on each active project. */
	activeRate: number;
	/** Simulated minutes of activity, after every stream listens. */
	minutes: number;
	maxStalenessMs: number;
	seed: number;
}

export interface SchedulingFigures {
	warmUpMinutes: number;
	maxRequestsInAMinute: number;
	meanRequestsPerMinute: number;
	listingRequests: number;
	activeEvents: number;
	maxActiveDelayMs: number;
	medianActiveDelayMs: number;
	quietEvents: number;
	maxQuietDelayMs: number;
	worstStalenessMs: number;
	expected: number;
	emittedOnce: number;
	repeated: number;
	missing: number;
	pollGapMs: number;
	/** The trigger's static data at the end, as JSON. */
	staticDataBytes: number;
}

/** The Asana API the trigger's code asks, answered by the simulator's domain at the virtual time. */
class VirtualAsana implements AsanaTransport {
	readonly requestTimes: number[] = [];
	/** Per project, the virtual times it was listened to from (token or page). */
	readonly reads = new Map<string, number[]>();
	listingRequests = 0;

	constructor(
		private readonly domain: Domain,
		private readonly clock: { now: number },
		private readonly rate: CredentialRate,
		private readonly consumer: string,
	) {}

	async get<T>(
		path: string,
		query: Query = {},
		options: RequestOptions = {},
	): Promise<AsanaReply<T>> {
		const now = this.clock.now;
		// What the transport's gate does, without the wait: a poll is one instant here.
		if (!this.rate.take(this.consumer, now)) return { kind: 'deferred', reason: 'rate' };
		this.requestTimes.push(now);
		if (path === '/events') {
			const gid = String(query.resource);
			const times = this.reads.get(gid) ?? [];
			if (times[times.length - 1] !== now) times.push(now);
			this.reads.set(gid, times);
			const page = this.domain.eventsPage(gid, query.sync ? String(query.sync) : undefined, 100);
			if (!page.ok) {
				const body = { errors: [{ message: 'Sync token invalid or too old.' }], sync: page.sync };
				if (!options.accept?.(412, body)) throw new Error(`bench: 412 not accepted on ${gid}`);
				return { kind: 'ok', status: 412, body: body as T };
			}
			const body: EventsPage = {
				data: page.data as unknown as EventsPage['data'],
				sync: page.sync,
				has_more: page.has_more,
			};
			return { kind: 'ok', status: 200, body: body as T };
		}
		if (path === '/projects') {
			this.listingRequests++;
			const all = [...this.domain.projects.values()].filter(
				(p) => p.workspaceGid === query.workspace && !p.archived,
			);
			const start = Number(query.offset ?? 0);
			const end = Math.min(all.length, start + LISTING_PAGE);
			const body = {
				data: all.slice(start, end).map((p) => ({ gid: p.gid, name: p.name })),
				next_page: end < all.length ? { offset: String(end) } : null,
			};
			return { kind: 'ok', status: 200, body: body as T };
		}
		throw new Error(`bench: no route ${path}`);
	}
}

function maxInAnyWindow(times: number[], windowMs: number): number {
	let most = 0;
	let first = 0;
	for (let last = 0; last < times.length; last++) {
		while (times[first] <= times[last] - windowMs) first++;
		most = Math.max(most, last - first + 1);
	}
	return most;
}

export async function runSchedulingScenario(
	scenario: SchedulingScenario,
): Promise<SchedulingFigures> {
	const clock = { now: Date.parse('2026-06-01T09:00:00.000Z') };
	const domain = new Domain(
		() => clock.now,
		scenario.seed,
		24 * 3_600_000,
		Number.POSITIVE_INFINITY,
	);
	const random = seededRandom(scenario.seed + 1);
	const workspace = domain.addWorkspace('Bench');
	const user = domain.addUser('Bench User', 'bench@acme.test', false);
	const projects = Array.from({ length: scenario.projects }, (_, i) =>
		domain.createProject(`Project ${i + 1}`, workspace.gid, user.gid),
	);
	const tasks = projects.map((project) =>
		domain.createTask({
			name: `Task of ${project.name}`,
			projectGids: [project.gid],
			workspaceGid: workspace.gid,
			by: user.gid,
		}),
	);
	// Spread over the list, so the busy ones are not simply the first the scheduler meets.
	const activeIndexes = new Set<number>();
	while (activeIndexes.size < scenario.active)
		activeIndexes.add(Math.floor(random() * projects.length));

	const rate = new CredentialRate();
	const consumer = 'bench workflow';
	const pollGapMs = MINUTE;
	const policy = { pollGapMs, maxStalenessMs: scenario.maxStalenessMs };
	const transport = new VirtualAsana(domain, clock, rate, consumer);
	const settings = {
		targets: [],
		projects: {
			source: { kind: 'workspace' as const, gid: workspace.gid, includeArchived: false },
			refreshMs: 10 * MINUTE,
			emitWatchChanges: false,
		},
	};
	const staticData: IDataObject = {};
	/** Event (stream and time, unique in the domain) → when it was created, and whether its stream is busy. */
	const expected = new Map<string, { createdAt: number; active: boolean }>();
	const delivered = new Map<string, number>();
	const activeDelays: number[] = [];
	let maxQuietDelayMs = 0;
	/** Delays count for events from when the schedules have settled: during the warm-up the budget goes to starting streams. */
	let measuredFrom = Number.POSITIVE_INFINITY;

	let polls = 0;
	async function pollOnce(): Promise<number> {
		polls++;
		const now = clock.now;
		const state = EventsTriggerState.read(staticData);
		rate.join(consumer, scenario.budgetPerMinute, pollGapMs, now);
		const watched = await watchedTargets(settings, transport, state, now);
		const streams = state.streamsToPoll(watched.targets, () => '');
		const { read, skipped } = chooseStreams(rate, consumer, policy, streams, state, now);
		const result = await pollStreams(transport, read, state.recentWindow(), {
			budget: new DrainBudget(1000, Number.POSITIVE_INFINITY, 10_000),
			concurrency: 5,
		});
		state.advance(result, now, { skipped, policy });
		state.save();
		for (const stream of result.streams) {
			for (const event of stream.events) {
				const key = `${stream.target.gid}|${event.created_at}`;
				delivered.set(key, (delivered.get(key) ?? 0) + 1);
				const origin = expected.get(key);
				if (!origin || origin.createdAt < measuredFrom) continue;
				const delay = now - origin.createdAt;
				if (origin.active) activeDelays.push(delay);
				else maxQuietDelayMs = Math.max(maxQuietDelayMs, delay);
			}
		}
		return streams.filter((stream) => stream.cursor === undefined).length;
	}

	const quietRate = 0.2; // events per minute over all quiet projects together
	/** Events between two polls: busy projects all along, now and then a quiet one. */
	function activity(until: number): void {
		for (let tick = 0; tick < pollGapMs / TICK_MS; tick++) {
			if (clock.now < until) {
				projects.forEach((project, index) => {
					const active = activeIndexes.has(index);
					const perMinute = active
						? scenario.activeRate
						: quietRate / (scenario.projects - scenario.active);
					if (random() >= (perMinute * TICK_MS) / MINUTE) return;
					domain.changeTask(tasks[index].gid, 'name', `Renamed at ${clock.now}`, user.gid);
					// Only events after the stream started listening are Asana's to deliver.
					if (!transport.reads.has(project.gid)) return;
					const list = domain.streams.get(project.gid) ?? [];
					const created = list[list.length - 1].created_at;
					expected.set(`${project.gid}|${created}`, { createdAt: Date.parse(created), active });
				});
			}
			clock.now += TICK_MS;
		}
	}

	// Warm-up: the first polls start every stream, as many a minute as the budget allows.
	let warmUpMinutes = 0;
	for (;;) {
		const notListening = await pollOnce();
		warmUpMinutes++;
		if (notListening === 0 && warmUpMinutes > 1) break;
		if (warmUpMinutes > 120)
			throw new Error('bench: streams still not listening after 120 minutes');
		activity(Number.POSITIVE_INFINITY);
	}

	// The first reads after the warm-up settle the schedules (every stream is read once within
	// Max Staleness); delays and staleness are measured from then on.
	const settleUntil = clock.now + scenario.maxStalenessMs;
	while (clock.now < settleUntil) {
		activity(Number.POSITIVE_INFINITY);
		await pollOnce();
	}
	const activityFrom = clock.now;
	measuredFrom = activityFrom;
	const end = activityFrom + scenario.minutes * MINUTE;
	// A drain after the activity: what is still pending comes out within Max Staleness.
	const drainUntil = end + scenario.maxStalenessMs + 2 * pollGapMs;
	while (clock.now < drainUntil) {
		activity(end);
		await pollOnce();
	}

	let worstStalenessMs = 0;
	for (const project of projects) {
		const reads = (transport.reads.get(project.gid) ?? []).filter((t) => t >= activityFrom);
		let previous = activityFrom;
		for (const at of [...reads, clock.now]) {
			worstStalenessMs = Math.max(worstStalenessMs, at - previous);
			previous = at;
		}
	}
	const sorted = [...activeDelays].sort((a, b) => a - b);
	let emittedOnce = 0;
	let missing = 0;
	for (const key of expected.keys()) {
		const count = delivered.get(key) ?? 0;
		if (count === 1) emittedOnce++;
		if (count === 0) missing++;
	}
	const repeated = [...delivered.values()].filter((count) => count > 1).length;
	return {
		warmUpMinutes,
		maxRequestsInAMinute: maxInAnyWindow(transport.requestTimes, RATE_WINDOW_MS),
		meanRequestsPerMinute: transport.requestTimes.length / polls,
		listingRequests: transport.listingRequests,
		activeEvents: activeDelays.length,
		maxActiveDelayMs: sorted[sorted.length - 1] ?? 0,
		medianActiveDelayMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
		quietEvents: [...expected.values()].filter((e) => !e.active).length,
		maxQuietDelayMs,
		worstStalenessMs,
		expected: expected.size,
		emittedOnce,
		repeated,
		missing,
		pollGapMs,
		staticDataBytes: Buffer.byteLength(JSON.stringify(staticData)),
	};
}
