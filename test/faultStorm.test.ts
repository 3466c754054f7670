/**
 * Fault storm: the three polling streams of the pack (resource events, workspace events,
 * audit log) run against a simulator that fails at seeded random moments, while activity is
 * generated between polls and n8n restarts now and then. Afterwards every event the simulator
 * produced is accounted for: emitted exactly once, or dropped by Asana in a 412 gap that
 * exactly one gap notice reported. Cursors never move backward.
 *
 * `npm test` runs a short storm; `npm run test:faults` runs ≥ 10,000 events
 * (FAULT_STORM_EVENTS, FAULT_STORM_SEED override size and schedule).
 */
import type { IDataObject, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';

import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { readState as readAuditState } from '../nodes/AsanaAuditLogTrigger/state';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { readStoredState } from '../nodes/AsanaEventsTrigger/state';
import { capturedLogs, countSecretOccurrences, PersistentStaticData, runPoll } from './harness';
import { AsanaSimulator, type FaultSpec, type SimEvent } from './simulator';
import { compareAudit, seededRandom } from './simulator/domain';

const TARGET_EVENTS = Number(process.env.FAULT_STORM_EVENTS ?? 1500);
const SEED = Number(process.env.FAULT_STORM_SEED ?? 7);
/** Generated events per round, so the full storm takes a few dozen rounds of polls. */
const EVENTS_PER_ROUND = 320;
const DRAIN_ROUNDS_MAX = 200;

type FaultKind =
	| 'rate-limit'
	| 'rate-limit-long'
	| 'rate-limit-burst'
	| '500'
	| '503'
	| 'reset'
	| 'timeout'
	| 'malformed'
	| 'slow'
	| '500-burst';

/** How often each fault is drawn after every kind has been served once. */
const FAULT_WEIGHTS: Record<FaultKind, number> = {
	'rate-limit': 6,
	'rate-limit-long': 2,
	'rate-limit-burst': 1,
	'500': 3,
	'503': 3,
	reset: 3,
	timeout: 2,
	malformed: 3,
	slow: 2,
	'500-burst': 0.3,
};

function faultSpec(
	kind: FaultKind,
	random: () => number,
	serial: number,
	inFlight: number,
): FaultSpec {
	switch (kind) {
		// Retry-After in fractions of a second keeps the storm fast; the transport reads it as Asana's seconds.
		case 'rate-limit':
			return { kind: '429', retryAfterSec: [0.01, 0.02, 0.05][Math.floor(random() * 3)] };
		// Longer than the poll's time budget: the stream is deferred to the next poll.
		case 'rate-limit-long':
			return { kind: '429', retryAfterSec: 3600 };
		// More 429s in a row than the transport waits for, for each request in flight: the poll fails.
		case 'rate-limit-burst':
			return { kind: '429', retryAfterSec: 0.01, times: 8 * inFlight };
		case '500':
			return { kind: '500', phrase: `storm phrase ${serial}` };
		case '503':
			return { kind: '503' };
		case 'reset':
			return { kind: 'reset' };
		// The simulator holds the request, then drops the connection, as a gateway that times out.
		case 'timeout':
			return { kind: 'timeout', delayMs: 20 + Math.floor(random() * 100) };
		case 'malformed':
			return { kind: 'malformed' };
		case 'slow':
			return { kind: 'slow', delayMs: 20 + Math.floor(random() * 150) };
		// Five server errors in a row for each request in flight: the transport gives up, the poll fails.
		case '500-burst':
			return { kind: '500', phrase: `storm burst ${serial}`, times: 5 * inFlight };
	}
}

/**
 * Every kind once (shuffled), then weighted random picks. Runs of server errors cost
 * seconds of backoff, so only the long storm draws them.
 */
function faultSchedule(random: () => number): () => FaultKind {
	const kinds = Object.keys(FAULT_WEIGHTS) as FaultKind[];
	const first = kinds.filter((kind) => kind !== '500-burst').sort(() => random() - 0.5);
	const total = kinds.reduce((sum, kind) => sum + FAULT_WEIGHTS[kind], 0);
	return () => {
		const next = first.shift();
		if (next) return next;
		let roll = random() * total;
		for (const kind of kinds) {
			roll -= FAULT_WEIGHTS[kind];
			if (roll < 0) return kind;
		}
		return 'rate-limit';
	};
}

/** One active trigger: what it polls with, its static data as n8n persists it, its poll counts. */
interface TriggerUnderTest {
	name: string;
	nodeType: INodeType;
	parameters: INodeParameters;
	token: string;
	/** Which API paths this trigger asks, so its faults hit it and no other. */
	faultPath: RegExp;
	/** Requests it has in flight at most (its streams read concurrently). */
	inFlight: number;
	store: PersistentStaticData;
	polls: { ok: number; failed: number; emitting: number };
}

/** What tells two events of the simulator apart (but identical twins), whichever stream carries them. */
const eventId = (event: {
	created_at: unknown;
	resource?: { gid?: unknown } | null;
	action?: unknown;
	parent?: { gid?: unknown } | null;
	change?: { field?: unknown } | null;
}) =>
	[
		event.created_at,
		event.resource?.gid,
		event.action,
		event.parent?.gid ?? '',
		event.change?.field ?? '',
	].join('|');

let sim: AsanaSimulator;
beforeAll(async () => {
	sim = await AsanaSimulator.start({ seed: SEED });
});
afterAll(async () => {
	await sim.stop();
});

it(
	`fault storm over ${TARGET_EVENTS} events (seed ${SEED}): nothing lost, nothing duplicated, cursors never move backward`,
	async () => {
		const started = Date.now();
		const random = seededRandom(SEED);
		const randomInt = (max: number) => Math.floor(random() * (max + 1));
		const nextFault = faultSchedule(random);

		const workspace = sim.workspaceGid;
		const [projectA, projectB] = sim.seeded.projects;
		const projectC = sim.createProject('Storm project');
		const projects = [projectA, projectB, projectC];
		const watchedTask = sim.seeded.tasks[0];
		const goal = sim.seeded.goals[0];
		const resourceGids = [projectA.gid, projectB.gid, projectC.gid, watchedTask.gid, goal.gid];
		const eventStreamGids = [...resourceGids, workspace];

		const triggers: TriggerUnderTest[] = [
			{
				name: 'resources',
				nodeType: new AsanaEventsTrigger(),
				parameters: {
					authentication: 'accessToken',
					source: 'resources',
					resources: {
						items: resourceGids.map((gid) => ({
							resource: { __rl: true, mode: 'id', value: gid },
						})),
					},
					// Below what a round produces, so pages are cut and backlogs span polls.
					// The storm's 429s lower the credential's rate: from far above what the storm sends.
					options: {
						onExpiredSyncToken: 'notify',
						maxEventsPerPoll: 500,
						concurrency: 3,
						maxRequestsPerMinute: 100_000,
					},
				},
				token: sim.tokens.alice,
				faultPath: /^\/events/,
				inFlight: 3,
				store: new PersistentStaticData(),
				polls: { ok: 0, failed: 0, emitting: 0 },
			},
			{
				name: 'workspace',
				nodeType: new AsanaEventsTrigger(),
				parameters: {
					authentication: 'accessToken',
					source: 'workspace',
					workspace: { __rl: true, mode: 'id', value: workspace },
					options: {
						onExpiredSyncToken: 'notify',
						maxEventsPerPoll: 300,
						maxRequestsPerMinute: 100_000,
					},
				},
				token: sim.tokens.serviceAccount,
				faultPath: new RegExp(`^/workspaces/${workspace}/events`),
				inFlight: 1,
				store: new PersistentStaticData(),
				polls: { ok: 0, failed: 0, emitting: 0 },
			},
			{
				name: 'audit log',
				nodeType: new AsanaAuditLogTrigger(),
				parameters: {
					workspace: { __rl: true, mode: 'id', value: workspace },
					start: 'lookBack',
					lookBackDays: 1,
					options: { maxEventsPerPoll: 150 },
				},
				token: sim.tokens.serviceAccount,
				faultPath: /audit_log_events/,
				inFlight: 1,
				store: new PersistentStaticData(),
				polls: { ok: 0, failed: 0, emitting: 0 },
			},
		];

		// What the nodes produced, kept for the accounting and the secret scan.
		const deliveries = new Map<string, number>();
		const auditDeliveries = new Map<string, number>();
		const gapNotices = new Map<string, number>();
		const allItems: INodeExecutionData[] = [];
		const errors: Error[] = [];
		const cursorRegressions: string[] = [];
		const startPositions = new Map<string, number>();
		/** Pages a poll's cap ended inside of (the cursor then lists what it emitted from them). */
		const cutPages = new Set<string>();
		let restarts = 0;
		let round = 0;

		// ---- cursor positions, read through the simulator ---------------------------------

		const eventCursorPositions = (staticData: IDataObject) => {
			const positions = new Map<string, number>();
			for (const [key, { cursor }] of Object.entries(readStoredState(staticData).streams)) {
				if (cursor.handled?.length) cutPages.add(`${key}|${cursor.sync}`);
				const position = sim.domain.syncTokenPosition(cursor.sync);
				if (position === undefined)
					throw new Error(`${key}: stored sync token was not issued by the simulator`);
				positions.set(key.split(':')[1], position + (cursor.handled?.length ?? 0));
			}
			return positions;
		};
		const auditCursor = (staticData: IDataObject) => {
			const cursor = readAuditState(staticData)?.stream.cursor;
			return (
				cursor && {
					resumeAt: cursor.resumeAt,
					offset: cursor.offset ? sim.domain.auditOffsetPosition(cursor.offset) : undefined,
				}
			);
		};

		/** The last position seen of every cursor, in memory (`working`) and in n8n's database. */
		const highWater = new Map<
			string,
			{
				events: Map<string, number>;
				resumeAt?: string;
				offset?: { created_at: string; gid: string };
			}
		>();
		const checkCursors = (label: string, staticData: IDataObject) => {
			const previous = highWater.get(label) ?? { events: new Map<string, number>() };
			const events = eventCursorPositions(staticData);
			for (const [gid, position] of events) {
				const before = previous.events.get(gid);
				if (before !== undefined && position < before)
					cursorRegressions.push(`round ${round} ${label} ${gid}: ${before} → ${position}`);
				previous.events.set(gid, position);
			}
			const audit = auditCursor(staticData);
			if (audit) {
				if (previous.resumeAt && audit.resumeAt < previous.resumeAt)
					cursorRegressions.push(
						`round ${round} ${label} resumeAt: ${previous.resumeAt} → ${audit.resumeAt}`,
					);
				previous.resumeAt = audit.resumeAt;
				if (audit.offset) {
					if (previous.offset && compareAudit(audit.offset, previous.offset) < 0) {
						cursorRegressions.push(
							`round ${round} ${label} offset: ${previous.offset.created_at} → ${audit.offset.created_at}`,
						);
					}
					previous.offset = audit.offset;
				}
			}
			highWater.set(label, previous);
		};

		// ---- one round: every trigger polls once, concurrently --------------------------

		const gapLog = sim.domain.syncGaps;
		/** 412 ranges that a gap notice reported, per stream. */
		const reportedGaps = new Map<string, Array<{ from: number; to: number }>>();

		async function pollRound(activation: boolean): Promise<number> {
			const gapsBefore = gapLog.length;
			const outcomes = await Promise.all(
				triggers.map(async (trigger) => {
					const outcome = await runPoll({
						nodeType: trigger.nodeType,
						parameters: trigger.parameters,
						credentials: { asanaEventsApi: { accessToken: trigger.token, baseUrl: sim.baseUrl } },
						staticData: trigger.store.working,
						activation: activation ? 'activate' : 'init',
						nodeName: trigger.name,
					});
					return { trigger, outcome };
				}),
			);
			const roundGaps = gapLog.slice(gapsBefore);
			let emitted = 0;
			for (const { trigger, outcome } of outcomes) {
				if (activation && outcome.error) throw outcome.error;
				trigger.store.afterPoll(outcome.items, activation, outcome.error);
				if (outcome.error) {
					trigger.polls.failed++;
					errors.push(outcome.error);
				} else trigger.polls.ok++;
				const items = outcome.items?.[0] ?? [];
				if (items.length) trigger.polls.emitting++;
				emitted += items.length;
				allItems.push(...items);
				for (const { json } of items) {
					if (trigger.name === 'audit log') {
						auditDeliveries.set(String(json.gid), (auditDeliveries.get(String(json.gid)) ?? 0) + 1);
						continue;
					}
					const stream = String((json.stream as IDataObject).gid);
					if (json.gap_notice === true) {
						gapNotices.set(stream, (gapNotices.get(stream) ?? 0) + 1);
						// The notice reports the 412 its stream got in this poll.
						const gap = roundGaps.filter((g) => g.stream === stream).pop();
						if (!gap || gap.from === undefined)
							throw new Error(
								`round ${round}: gap notice for ${stream} without a 412 on a known token`,
							);
						reportedGaps.set(stream, [
							...(reportedGaps.get(stream) ?? []),
							{ from: gap.from, to: gap.to },
						]);
						continue;
					}
					// One item per change, whichever of the trigger's streams brought it.
					const key = `${trigger.name}|${eventId(json as unknown as SimEvent)}`;
					deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
				}
				checkCursors(`${trigger.name} (memory)`, trigger.store.working);
				checkCursors(`${trigger.name} (database)`, trigger.store.database);
			}
			return emitted;
		}

		// ---- activation, storm, drain ------------------------------------------------------

		await pollRound(true);
		for (const [gid, position] of eventCursorPositions(triggers[0].store.working))
			startPositions.set(gid, position);
		for (const [gid, position] of eventCursorPositions(triggers[1].store.working))
			startPositions.set(gid, position);

		const generatedAtStart = sim.eventsEmitted(workspace);
		let generatedAudit = 0;
		const generated = () => sim.eventsEmitted(workspace) - generatedAtStart + generatedAudit;
		const refusedOffsets = () =>
			sim.requestLog.filter((r) => r.path.endsWith('/audit_log_events') && r.status === 400).length;
		const faultsServed = () => sim.requestLog.filter((r) => r.fault).length;
		let faultsInjected = 0;
		let faultSerial = 0;
		const expiries = { syncTokens: 0, auditOffsets: 0 };
		while (generated() < TARGET_EVENTS) {
			round++;
			// A busy round now and then (always the first) leaves a backlog beyond the caps.
			const busy = round === 1 || random() < 0.15;
			const budget = Math.min(
				busy ? 2 * EVENTS_PER_ROUND : EVENTS_PER_ROUND,
				TARGET_EVENTS - generated(),
			);
			const auditCount = randomInt(Math.round(budget * 0.3));
			generatedAudit += sim.recentAuditEvents(auditCount).length;
			// A change makes about two events: the change and the story Asana writes with it.
			let activity = Math.round((budget - auditCount) / 2);
			for (const project of projects) {
				const count = project === projectC ? activity : randomInt(activity);
				sim.generateActivity(count, { projectGid: project.gid });
				activity -= count;
			}
			// Now and then a change twice in one millisecond: two events no key tells apart, both real.
			if (random() < 0.5) {
				sim.renameTask(watchedTask.gid, `Renamed in round ${round}`);
				sim.twinLastTaskEvent(watchedTask.gid);
			}

			// Asana drops tokens and offsets when it likes; each reaches a node early at least once.
			if (random() < 0.12 || (round >= 2 && gapLog.length === 0)) {
				sim.expireSyncTokens(
					random() < 0.2 ? undefined : eventStreamGids[randomInt(eventStreamGids.length - 1)],
				);
				expiries.syncTokens++;
			}
			if (
				random() < 0.12 ||
				(round >= 2 && refusedOffsets() === 0 && auditCursor(triggers[2].store.working)?.offset)
			) {
				sim.expireAuditOffsets();
				expiries.auditOffsets++;
			}
			for (const trigger of triggers) {
				for (let n = 1 + randomInt(1); n > 0; n--) {
					const fault = faultSpec(nextFault(), random, ++faultSerial, trigger.inFlight);
					sim.injectFault({ ...fault, path: trigger.faultPath });
					faultsInjected += fault.times ?? 1;
				}
			}
			if (random() < 0.1 || (round === 3 && !restarts)) {
				// n8n restarts: memory is reloaded from what n8n saved, the one move back it is allowed.
				for (const trigger of triggers) {
					trigger.store.restart();
					highWater.delete(`${trigger.name} (memory)`);
					checkCursors(`${trigger.name} (memory)`, trigger.store.working);
				}
				restarts++;
			}
			await pollRound(false);
		}
		const stormRounds = round;
		/** Polls until two rounds emit nothing and every fault was served; false if that never came. */
		const drain = async () => {
			const last = round + DRAIN_ROUNDS_MAX;
			let quiet = 0;
			while ((quiet < 2 || faultsServed() < faultsInjected) && round < last) {
				round++;
				quiet = (await pollRound(false)) === 0 ? quiet + 1 : 0;
			}
			return quiet === 2;
		};
		// The last faults are served by the first drain rounds; then the nodes catch up.
		const drained = await drain();
		// A storm can drop every twin in a 412 gap, where a node that emitted only one of the two
		// would go unnoticed: two more with no fault or expiry left, which must both be emitted.
		sim.renameTask(watchedTask.gid, 'Renamed after the storm');
		sim.twinLastTaskEvent(watchedTask.gid);
		const drainedTwins = await drain();

		// ---- accounting ----------------------------------------------------------------------

		interface Row {
			stream: string;
			produced: number;
			emitted: number;
			duplicated: number;
			droppedInGaps: number;
			gapNotices: number;
			lost: number;
		}
		const rows: Row[] = [];
		const phantoms: string[] = [];
		/** Keys that occur twice or more in a stream, and how many of those were delivered as often. */
		const twins = { keys: 0, emittedAll: 0 };
		// A trigger watching several streams emits a change once: per key, as many times as the
		// stream that carries it most often, and at least as often as one carries it outside a gap
		// that exactly one notice reported.
		const streamsOf: Record<string, string[]> = { resources: resourceGids, workspace: [workspace] };
		for (const [name, gids] of Object.entries(streamsOf)) {
			const carried = new Map<string, number>();
			const owed = new Map<string, number>();
			let notices = 0;
			for (const gid of gids) {
				const list = sim.domain.streams.get(gid) ?? [];
				const gaps = reportedGaps.get(gid) ?? [];
				notices += gapNotices.get(gid) ?? 0;
				const inStream = new Map<string, number>();
				const outsideGaps = new Map<string, number>();
				for (let i = startPositions.get(gid) ?? 0; i < list.length; i++) {
					const key = `${name}|${eventId(list[i])}`;
					inStream.set(key, (inStream.get(key) ?? 0) + 1);
					const covering = gaps.filter((g) => i >= g.from && i < g.to).length;
					// Not reported, or reported twice: the stream owes the event.
					if (covering !== 1) outsideGaps.set(key, (outsideGaps.get(key) ?? 0) + 1);
				}
				for (const [key, n] of inStream) carried.set(key, Math.max(carried.get(key) ?? 0, n));
				for (const [key, n] of outsideGaps) owed.set(key, Math.max(owed.get(key) ?? 0, n));
			}
			const row: Row = {
				stream: `${name} (${gids.length} stream${gids.length > 1 ? 's' : ''})`,
				produced: 0,
				emitted: 0,
				duplicated: 0,
				droppedInGaps: 0,
				gapNotices: notices,
				lost: 0,
			};
			for (const [key, n] of carried) {
				const count = deliveries.get(key) ?? 0;
				const need = owed.get(key) ?? 0;
				row.produced += n;
				row.emitted += Math.min(count, n);
				row.duplicated += Math.max(0, count - n);
				row.lost += Math.max(0, need - count);
				row.droppedInGaps += Math.max(0, n - Math.max(count, need));
				if (n >= 2) {
					twins.keys++;
					if (count === n) twins.emittedAll++;
				}
			}
			for (const key of deliveries.keys())
				if (key.startsWith(`${name}|`) && !carried.has(key)) phantoms.push(key);
			rows.push(row);
		}
		const auditList = sim.domain.audit.get(workspace) ?? [];
		const auditRow: Row = {
			stream: 'audit log',
			produced: auditList.length,
			emitted: 0,
			duplicated: 0,
			droppedInGaps: 0,
			gapNotices: 0,
			lost: 0,
		};
		const auditGids = new Set(auditList.map((e) => e.gid));
		for (const event of auditList) {
			const count = auditDeliveries.get(event.gid) ?? 0;
			if (count === 0) auditRow.lost++;
			else {
				auditRow.emitted++;
				auditRow.duplicated += count - 1;
			}
		}
		for (const gid of auditDeliveries.keys())
			if (!auditGids.has(gid)) phantoms.push(`audit ${gid}`);
		rows.push(auditRow);
		const total = rows.reduce(
			(sum, row) => ({
				...sum,
				produced: sum.produced + row.produced,
				emitted: sum.emitted + row.emitted,
				duplicated: sum.duplicated + row.duplicated,
				droppedInGaps: sum.droppedInGaps + row.droppedInGaps,
				gapNotices: sum.gapNotices + row.gapNotices,
				lost: sum.lost + row.lost,
			}),
			{
				stream: 'total',
				produced: 0,
				emitted: 0,
				duplicated: 0,
				droppedInGaps: 0,
				gapNotices: 0,
				lost: 0,
			} as Row,
		);

		const faultsByKind: Record<string, number> = {};
		for (const request of sim.requestLog)
			if (request.fault) faultsByKind[request.fault] = (faultsByKind[request.fault] ?? 0) + 1;
		const secrets = [sim.tokens.alice, sim.tokens.serviceAccount];
		const leaks = secrets.reduce(
			(sum, token) => sum + countSecretOccurrences(token, [allItems, errors, capturedLogs]),
			0,
		);

		const columns: Array<keyof Row> = [
			'stream',
			'produced',
			'emitted',
			'duplicated',
			'droppedInGaps',
			'gapNotices',
			'lost',
		];
		const widths = columns.map((column) =>
			Math.max(column.length, ...[...rows, total].map((row) => String(row[column]).length)),
		);
		const line = (cells: string[]) =>
			`| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
		const report = [
			`Fault storm, seed ${SEED}: ${generated()} events generated (${generatedAudit} audit), ${stormRounds} storm rounds + ${round - stormRounds} drain rounds, ${restarts} restarts, ${((Date.now() - started) / 1000).toFixed(1)} s`,
			line(columns),
			line(widths.map((w) => '-'.repeat(w))),
			...[...rows, total].map((row) => line(columns.map((column) => String(row[column])))),
			`faults served: ${Object.entries(faultsByKind)
				.map(([kind, n]) => `${kind} ${n}`)
				.join(
					', ',
				)}; expired: sync tokens ${expiries.syncTokens}× (${gapLog.length} answers 412), audit offsets ${expiries.auditOffsets}× (${refusedOffsets()} answers 400)`,
			`polls: ${triggers.map((t) => `${t.name} ${t.polls.ok} ok / ${t.polls.failed} failed / ${t.polls.emitting} emitting`).join('; ')}; requests ${sim.counters.requests}`,
			`identical events (twins): ${twins.keys} keys, all of their events emitted for ${twins.emittedAll}; pages cut by the cap: ${cutPages.size}; cursor regressions: ${cursorRegressions.length}; phantom items: ${phantoms.length}; secret occurrences in ${allItems.length} items, ${errors.length} errors, ${capturedLogs.length} log lines: ${leaks}`,
		].join('\n');
		console.log(report);

		expect(generated()).toBeGreaterThanOrEqual(TARGET_EVENTS);
		// The storm really stormed: every fault kind was served, polls failed, tokens and offsets expired.
		expect(faultsServed()).toBe(faultsInjected);
		expect(Object.keys(faultsByKind).sort()).toEqual([
			'429',
			'500',
			'503',
			'malformed',
			'reset',
			'slow',
			'timeout',
		]);
		expect(errors.length).toBeGreaterThan(0);
		expect(total.gapNotices).toBeGreaterThan(0);
		expect(refusedOffsets()).toBeGreaterThan(0);
		expect(cutPages.size).toBeGreaterThan(0);
		expect({ drained, drainedTwins }).toEqual({ drained: true, drainedTwins: true });
		expect(twins.emittedAll).toBeGreaterThan(0);

		expect(total.lost).toBe(0);
		expect(total.duplicated).toBe(0);
		expect(phantoms).toEqual([]);
		expect(cursorRegressions).toEqual([]);
		expect(total.emitted + total.droppedInGaps).toBe(total.produced);
		// A failed poll says what failed, in Asana's words, without the request behind it.
		for (const error of errors)
			expect(error.message).toMatch(
				/Asana (429|500|503|request) on \/(events|workspaces\/\d+\/(events|audit_log_events))/,
			);
		// The scan has material: retries were logged.
		expect(capturedLogs.some((entry) => /retrying in \d+ ms/.test(entry))).toBe(true);
		expect(leaks).toBe(0);
	},
	15 * 60_000,
);
