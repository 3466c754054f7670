/**
 * The events trigger over simulated minutes: a workspace's or a team's many projects, few of
 * them busy, some tasks in two of them, watched by the trigger's own stages (what is watched,
 * which streams a poll reads, read pages, one item per change, advance cursors, the state in
 * static data) against the simulator's in-memory Asana, on a virtual clock. One poll a minute
 * unless the scenario says otherwise; changes happen between polls. Measures requests per minute against the budget, the delay
 * of changes on busy streams, the longest any stream went unread, that every real change came
 * out exactly once, and the static data; with a second trigger on the same credential, how
 * much of the credential's rate the two use while streams wait; with a 429, what it costs.
 */
import type { IDataObject } from 'n8n-workflow';

import type {
	AsanaReply,
	AsanaTransport,
	Query,
	RequestOptions,
} from '../nodes/shared/asana/transport';
import type { EventsPage } from '../nodes/shared/asana/types';
import type { EventFilters } from '../nodes/shared/events/eventFilters';
import type { TriggerOnRules } from '../nodes/shared/events/intent';
import { CredentialRate, RATE_WINDOW_MS } from '../nodes/shared/polling/credentialRate';
import { DrainBudget } from '../nodes/shared/polling/drainBudget';
import { oneItemPerChange } from '../nodes/AsanaEventsTrigger/changes';
import { advanceStreams, oldestPosition } from '../nodes/AsanaEventsTrigger/cursors';
import { readStreams, selectionFor } from '../nodes/AsanaEventsTrigger/read';
import { nextRotation, planPoll } from '../nodes/AsanaEventsTrigger/schedule';
import { DELIVERY_LAG_MS, SeenChanges } from '../nodes/AsanaEventsTrigger/seen';
import type { ProjectSourceSettings, WatchedTarget } from '../nodes/AsanaEventsTrigger/settings';
import { EventsTriggerState } from '../nodes/AsanaEventsTrigger/state';
import { watchedTargets } from '../nodes/AsanaEventsTrigger/watch';
import { Domain, seededRandom, type RealChange } from '../test/simulator/domain';

const MINUTE = 60_000;
const TICK_MS = 5_000;
const LISTING_PAGE = 100;
const TASKS_PER_PROJECT = 4;
/** The trigger's defaults: Max Events per Poll, the reads it allows per event emitted, Concurrency. */
const MAX_EVENTS_PER_POLL = 1000;
const READS_PER_EMITTED_EVENT = 10;
const CONCURRENCY = 5;
/** What the people change, each one item under these Trigger On choices, decided without a request. */
const TRIGGER_ON: TriggerOnRules = {
	options: new Set(['taskAssigned', 'commentAdded']),
	customFieldGids: [],
};
/** How long a quiet project that turns busy stays busy. */
const WAKE_MS = 5 * MINUTE;
/** The other trigger on the credential watches this many projects, with no activity. */
const COMPANION_PROJECTS = 3;
const NO_FILTERS: EventFilters = {
	actions: [],
	resourceTypes: [],
	resourceSubtypes: [],
	changedFields: [],
	ignoredUserGids: [],
};

export interface SchedulingScenario {
	/** Where the projects are listed from: every project of a workspace, or of a team. */
	source: 'workspace' | 'team';
	projects: number;
	active: number;
	budgetPerMinute: number;
	/** Changes per minute on each active project. */
	activeRate: number;
	/** Share of the tasks that are in a second watched project too. */
	multiHomedShare: number;
	/** Simulated minutes of activity, after every stream listens. */
	minutes: number;
	maxStalenessMs: number;
	seed: number;
	/** Between two polls of each trigger; one minute when absent. */
	pollGapMs?: number;
	/** The last request of the poll at this minute of the activity is answered 429, as the transport reports it. */
	rateLimitedAtMinute?: number;
	/** A second trigger on the same credential, polling first, watching 3 projects of another workspace. */
	companion?: boolean;
	/** Quiet projects that turn busy one after another during the activity, each for 5 minutes. */
	wakes?: number;
	/** How long one request takes as the credential sees it: a poll's requests one after another. */
	requestMs?: number;
}

/** The static data, by part, in bytes of its JSON. */
interface StaticDataSize {
	total: number;
	/** The stream records, and of them their checkpoints. */
	streams: number;
	checkpoints: number;
	projectList: number;
	seen: number;
}

export interface SchedulingFigures {
	warmUpMinutes: number;
	requests: number;
	maxRequestsInAMinute: number;
	meanRequestsPerMinute: number;
	listingRequests: number;
	activeChanges: number;
	maxActiveDelayMs: number;
	medianActiveDelayMs: number;
	quietChanges: number;
	maxQuietDelayMs: number;
	worstStalenessMs: number;
	/** Real changes Asana had to deliver: made while one of their watched streams listened. */
	expected: number;
	/** Of them, changes that reached two watched streams. */
	multiStream: number;
	items: number;
	emittedOnce: number;
	repeated: number;
	missing: number;
	/** Items that are no real change to deliver. */
	unexpected: number;
	pollGapMs: number;
	/** Of each quiet project that turned busy, how long its first change waited to come out. */
	wakeDelaysMs: number[];
	/** Polls (rounds of every trigger) that left a stream for a later poll, and the credential's rate they used, of its limit. */
	waitingPolls: number;
	rateUsedWhileWaiting: number;
	/** Polls of the project source's trigger that read no stream while streams waited. */
	emptyPollsWhileWaiting: number;
	/** The static data between polls, at its largest. */
	staticData: StaticDataSize;
}

/** The Asana API the trigger's stages ask, answered by the simulator's domain at the virtual time. */
class VirtualAsana implements AsanaTransport {
	readonly requestTimes: number[] = [];
	/** Per project, the virtual times it was listened to from (token or page). */
	readonly reads = new Map<string, number[]>();
	listingRequests = 0;

	constructor(
		private readonly domain: Domain,
		private readonly clock: BenchClock,
		private readonly rate: CredentialRate,
		private readonly consumer: string,
	) {}

	async get<T>(
		path: string,
		query: Query = {},
		options: RequestOptions = {},
	): Promise<AsanaReply<T>> {
		const now = this.clock.now;
		// What the transport's gate does, without the wait; the credential sees the request when it is sent.
		const sentAt = Math.max(now, this.clock.lastSentAt + this.clock.requestMs);
		if (!this.rate.take(this.consumer, sentAt)) return { kind: 'deferred', reason: 'rate' };
		this.clock.lastSentAt = sentAt;
		this.requestTimes.push(sentAt);
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
		const team = /^\/teams\/(\d+)\/projects$/.exec(path)?.[1];
		if (path === '/projects' || team) {
			this.listingRequests++;
			const all = [...this.domain.projects.values()].filter((p) =>
				team ? p.teamGid === team : p.workspaceGid === query.workspace && !p.archived,
			);
			const start = Number(query.offset ?? 0);
			const end = Math.min(all.length, start + LISTING_PAGE);
			const body = {
				data: all.slice(start, end).map((p) => ({ gid: p.gid, name: p.name })),
				next_page: end < all.length ? { offset: String(end) } : null,
			};
			return { kind: 'ok', status: 200, body: body as T };
		}
		// Stories among them: the changes of this bench are decided without reading any.
		throw new Error(`bench: no route ${path}`);
	}
}

/** The virtual time of the polls and the changes, and when the credential saw the last request. */
interface BenchClock {
	now: number;
	lastSentAt: number;
	/** 0: a poll is one instant. */
	requestMs: number;
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

function bytesOf(value: unknown): number {
	return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value));
}

function staticDataSize(staticData: IDataObject): StaticDataSize {
	// As written, not as read back: the state module leaves out what it can fill in.
	const stored = staticData.eventsTrigger as {
		streams: Record<string, { checkpoints?: unknown[] }>;
		projectList?: unknown;
		seen?: unknown;
	};
	const records = Object.values(stored.streams);
	return {
		total: bytesOf(staticData),
		streams: bytesOf(stored.streams),
		checkpoints: records.reduce((sum, record) => sum + bytesOf(record.checkpoints), 0),
		projectList: bytesOf(stored.projectList),
		seen: bytesOf(stored.seen),
	};
}

/** One trigger of the scenario: what it watches, its static data, its requests. */
interface BenchTrigger {
	consumer: string;
	settings: { targets: WatchedTarget[]; projects?: ProjectSourceSettings };
	staticData: IDataObject;
	transport: VirtualAsana;
}

/** A quiet project that turns busy at `at`; its first change then, and when that came out. */
interface Wake {
	at: number;
	firstChange?: string;
	deliveredAt?: number;
}

export async function runSchedulingScenario(
	scenario: SchedulingScenario,
): Promise<SchedulingFigures> {
	const clock: BenchClock = {
		now: Date.parse('2026-06-01T09:00:00.000Z'),
		lastSentAt: Number.NEGATIVE_INFINITY,
		requestMs: scenario.requestMs ?? 0,
	};
	const domain = new Domain(
		() => clock.now,
		scenario.seed,
		24 * 3_600_000,
		Number.POSITIVE_INFINITY,
	);
	// Set-up and activity draw from their own sequences, the same whatever the share of tasks
	// in two projects: the runs of one seed differ in that share alone.
	const setUp = seededRandom(scenario.seed + 1);
	const random = seededRandom(scenario.seed + 2);
	const workspace = domain.addWorkspace('Bench');
	const team = domain.createTeam('Bench team', workspace.gid);
	const people = ['Bench User', 'Second User', 'Third User'].map((name, i) =>
		domain.addUser(name, `user${i}@acme.test`, false),
	);
	const user = people[0];
	const projects = Array.from({ length: scenario.projects }, (_, i) =>
		domain.createProject(`Project ${i + 1}`, workspace.gid, user.gid, team.gid),
	);
	const watched = new Set(projects.map((project) => project.gid));
	/** Each project's own tasks: where its activity goes; some are in another project too. */
	const tasks = projects.map((project, index) =>
		Array.from({ length: TASKS_PER_PROJECT }, (_, n) => {
			const inTwo = setUp() < scenario.multiHomedShare;
			const other = (index + 1 + Math.floor(setUp() * (scenario.projects - 1))) % scenario.projects;
			return domain.createTask({
				name: `Task ${n + 1} of ${project.name}`,
				projectGids: inTwo ? [project.gid, projects[other].gid] : [project.gid],
				workspaceGid: workspace.gid,
				by: user.gid,
			});
		}),
	);
	// Spread over the list, so the busy ones are not simply the first the scheduler meets.
	const activeIndexes = new Set<number>();
	while (activeIndexes.size < scenario.active)
		activeIndexes.add(Math.floor(setUp() * projects.length));

	const rate = new CredentialRate();
	const pollGapMs = scenario.pollGapMs ?? MINUTE;
	const policy = { pollGapMs, maxStalenessMs: scenario.maxStalenessMs };
	const trigger = (consumer: string, settings: BenchTrigger['settings']): BenchTrigger => ({
		consumer,
		settings,
		staticData: {},
		transport: new VirtualAsana(domain, clock, rate, consumer),
	});
	const source = scenario.source === 'team' ? team : workspace;
	const main = trigger('bench workflow', {
		targets: [],
		projects: {
			source: { kind: scenario.source, gid: source.gid, includeArchived: false },
			refreshMs: 10 * MINUTE,
			emitWatchChanges: false,
		},
	});
	const triggers = [main];
	if (scenario.companion) {
		const elsewhere = domain.addWorkspace('Elsewhere');
		const targets = Array.from({ length: COMPANION_PROJECTS }, (_, i) => ({
			kind: 'resource' as const,
			gid: domain.createProject(`Elsewhere ${i + 1}`, elsewhere.gid, user.gid).gid,
		}));
		// It polls first: the large trigger asks what is left.
		triggers.unshift(trigger('companion workflow', { targets }));
	}
	const { transport } = main;
	/** Real change (by its instant, unique in the domain) → when it was made, and whether its project is busy. */
	const expected = new Map<string, { createdAt: number; active: boolean }>();
	let multiStream = 0;
	const delivered = new Map<string, number>();
	const activeDelays: number[] = [];
	let maxQuietDelayMs = 0;
	/** Delays count for changes from when the schedules have settled: during the warm-up the budget goes to starting streams. */
	let measuredFrom = Number.POSITIVE_INFINITY;
	/** By project index. */
	const wakes = new Map<number, Wake>();
	const wakeOf = (index: number): Wake | undefined => {
		const wake = wakes.get(index);
		return wake && clock.now >= wake.at && clock.now < wake.at + WAKE_MS ? wake : undefined;
	};
	const wakeDelaysMs: number[] = [];

	let largest: StaticDataSize | undefined;
	let polls = 0;
	let waitingPolls = 0;
	let rateUsedWhileWaiting = 0;
	let emptyPollsWhileWaiting = 0;
	const requestsSoFar = () => triggers.reduce((sum, t) => sum + t.transport.requestTimes.length, 0);

	/** One poll of one trigger, stage by stage as the trigger runs them. */
	async function pollTrigger(
		t: BenchTrigger,
	): Promise<{ notListening: number; reads: number; skipped: number }> {
		const now = clock.now;
		const state = EventsTriggerState.read(t.staticData);
		rate.join(t.consumer, scenario.budgetPerMinute, pollGapMs, now);

		const found = await watchedTargets(t.settings, t.transport, state.stored.projectList, now);
		if (found.projectList) state.update({ projectList: found.projectList });
		const seen = new SeenChanges(state.stored.seen);
		const plan = planPoll({
			targets: found.targets,
			recordOf: (target) => state.record(target),
			rotation: state.stored.rotation,
			allowance: (demand) => rate.allowance(t.consumer, demand, now),
			now,
			policy,
			subjectOf: (target) => target.gid,
			seenCrowded: seen.isCrowded(),
		});
		const read = await readStreams(t.transport, plan.reads, {
			budget: new DrainBudget(
				MAX_EVENTS_PER_POLL,
				Number.POSITIVE_INFINITY,
				MAX_EVENTS_PER_POLL * READS_PER_EMITTED_EVENT,
			),
			concurrency: CONCURRENCY,
			...selectionFor(TRIGGER_ON, NO_FILTERS),
		});
		const changes = await oneItemPerChange(read, {
			rules: TRIGGER_ON,
			transport: t.transport,
			concurrency: CONCURRENCY,
			isOutOfTime: () => false,
			seen,
			replayed: new SeenChanges(undefined),
		});
		const streams = advanceStreams(found.targets, state.stored.streams, {
			read,
			holds: changes.holds,
			pollTime: now,
			policy,
		});
		seen.prune(oldestPosition(streams, now) - DELIVERY_LAG_MS);
		state.update({
			streams,
			seen: seen.toStored(),
			rotation: nextRotation(state.stored.rotation, found.targets.length),
		});
		state.save();
		if (t === main) {
			const size = staticDataSize(t.staticData);
			if (!largest || size.total > largest.total) largest = size;
		}

		for (const { event } of changes.changes) {
			const key = event.created_at;
			delivered.set(key, (delivered.get(key) ?? 0) + 1);
			const origin = expected.get(key);
			if (!origin || origin.createdAt < measuredFrom) continue;
			const delay = now - origin.createdAt;
			if (origin.active) activeDelays.push(delay);
			else maxQuietDelayMs = Math.max(maxQuietDelayMs, delay);
			for (const wake of wakes.values())
				if (wake.firstChange === key) {
					wake.deliveredAt = now;
					wakeDelaysMs.push(delay);
				}
		}
		return {
			notListening: found.targets.filter((target) => !state.record(target)).length,
			reads: plan.reads.length,
			skipped: plan.skipped.length,
		};
	}

	/** Every trigger polls once; returns how many streams do not listen yet. */
	async function pollOnce(): Promise<number> {
		polls++;
		const before = requestsSoFar();
		let notListening = 0;
		let waiting = false;
		for (const t of triggers) {
			const outcome = await pollTrigger(t);
			notListening += outcome.notListening;
			if (!outcome.skipped) continue;
			waiting = true;
			if (t === main && !outcome.reads && clock.now >= measuredFrom) emptyPollsWhileWaiting++;
		}
		if (waiting && clock.now >= measuredFrom) {
			waitingPolls++;
			const perPoll = (rate.limit(clock.now) * Math.min(pollGapMs, MINUTE)) / MINUTE;
			rateUsedWhileWaiting += (requestsSoFar() - before) / perPoll;
		}
		return notListening;
	}

	/** A real change on one of the project's tasks: an assignment or a comment. */
	function change(index: number): RealChange {
		const task = tasks[index][Math.floor(random() * TASKS_PER_PROJECT)];
		if (random() < 0.5) {
			const assignee = people[Math.floor(random() * people.length)];
			domain.changeTask(task.gid, 'assignee', assignee.gid, user.gid);
		} else domain.addComment(task.gid, `Comment at ${clock.now}`, user.gid);
		return domain.changes[domain.changes.length - 1];
	}

	const quietRate = 0.2; // changes per minute over all quiet projects together
	/** Changes between two polls: busy projects all along, now and then a quiet one. */
	function activity(until: number): void {
		for (let tick = 0; tick < pollGapMs / TICK_MS; tick++) {
			if (clock.now < until) {
				projects.forEach((_, index) => {
					const wake = wakeOf(index);
					const active = activeIndexes.has(index);
					const perMinute =
						active || wake
							? scenario.activeRate
							: quietRate / (scenario.projects - scenario.active);
					if (random() >= (perMinute * TICK_MS) / MINUTE) return;
					const made = change(index);
					const reached = made.streams.filter(({ stream }) => watched.has(stream));
					// Only changes after one of its streams started listening are Asana's to deliver.
					if (!reached.some(({ stream }) => transport.reads.has(stream))) return;
					// A waking project is busy once its first change came out: from then on it is read every poll.
					expected.set(made.at, {
						createdAt: Date.parse(made.at),
						active: active || wake?.deliveredAt !== undefined,
					});
					if (wake && !wake.firstChange) wake.firstChange = made.at;
					if (reached.length > 1) multiStream++;
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
	// Quiet projects turn busy one after another, at times that fall anywhere between polls.
	const wakeRandom = seededRandom(scenario.seed + 3);
	const wakeSpan = (scenario.minutes * MINUTE - WAKE_MS) / (scenario.wakes ?? 1);
	while (wakes.size < (scenario.wakes ?? 0)) {
		const index = Math.floor(wakeRandom() * projects.length);
		if (activeIndexes.has(index) || wakes.has(index)) continue;
		wakes.set(index, { at: activityFrom + Math.floor((wakes.size + wakeRandom()) * wakeSpan) });
	}
	let rateLimitedAt =
		scenario.rateLimitedAtMinute === undefined
			? Number.POSITIVE_INFINITY
			: activityFrom + scenario.rateLimitedAtMinute * MINUTE;
	// A drain after the activity: what is still pending comes out within Max Staleness.
	const drainUntil = end + scenario.maxStalenessMs + 2 * pollGapMs;
	while (clock.now < drainUntil) {
		activity(end);
		await pollOnce();
		// Asana answers the poll's last request 429: the rate is lowered from then on.
		if (clock.now >= rateLimitedAt) {
			rate.rateLimited(clock.lastSentAt);
			rateLimitedAt = Number.POSITIVE_INFINITY;
		}
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
	const counts = [...delivered.values()];
	const requestTimes = triggers.flatMap((t) => t.transport.requestTimes).sort((a, b) => a - b);
	return {
		warmUpMinutes,
		requests: requestTimes.length,
		maxRequestsInAMinute: maxInAnyWindow(requestTimes, RATE_WINDOW_MS),
		meanRequestsPerMinute: requestTimes.length / ((polls * pollGapMs) / MINUTE),
		listingRequests: transport.listingRequests,
		activeChanges: activeDelays.length,
		maxActiveDelayMs: sorted[sorted.length - 1] ?? 0,
		medianActiveDelayMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
		quietChanges: [...expected.values()].filter((e) => !e.active).length,
		maxQuietDelayMs,
		worstStalenessMs,
		expected: expected.size,
		multiStream,
		items: counts.reduce((sum, count) => sum + count, 0),
		emittedOnce,
		repeated: counts.filter((count) => count > 1).length,
		missing,
		unexpected: [...delivered.keys()].filter((key) => !expected.has(key)).length,
		pollGapMs,
		wakeDelaysMs: wakeDelaysMs.sort((a, b) => a - b),
		waitingPolls,
		rateUsedWhileWaiting: waitingPolls ? rateUsedWhileWaiting / waitingPolls : 0,
		emptyPollsWhileWaiting,
		staticData: largest ?? staticDataSize(main.staticData),
	};
}
