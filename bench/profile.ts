/**
 * Where a poll's time goes: a case of the throughput or concurrency section run alternately
 * through the pack's trigger and through the floor probe (bench/hostFloor.ts), with V8's
 * sampling profiler on for the measured rounds only (not the simulator's set-up or the
 * loading of the code). Each sample is counted for the subject whose poll was running, so the
 * difference per function is what the pack adds. Prints self time per poll by origin and by
 * function for both, the difference, and the inclusive time of the pack's functions; writes
 * the .cpuprofile (bench/tmp/) for Chrome DevTools or speedscope.
 *
 *   node --expose-gc --import tsx bench/profile.ts [workspace|resource|resources] [rounds] [gc]
 *
 * workspace: 20,000 workspace events at 0 ms latency, 1000 per page. resource: 2,000 events
 * of one project at 0 ms latency, 100 per page. resources: 50 tasks, one event each, at 50 ms
 * latency and concurrency 50.
 */
import '../test/harness';

import { mkdirSync, writeFileSync } from 'fs';
import { Session } from 'inspector';
import { join, relative } from 'path';

import type { IDataObject } from 'n8n-workflow';

import { readStoredState } from '../nodes/AsanaEventsTrigger/state';
import { pollEvents, resourcesParameters, SecretScan, workspaceParameters } from './drivers';
import { hostFloorPoll } from './hostFloor';
import { collectGarbage, median } from './measure';
import { RemoteSimulator } from './remoteSimulator';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}

interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

type Subject = 'node' | 'floor';

/** Microseconds on the clock the profiler stamps its samples with (both are CLOCK_MONOTONIC). */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function post<T>(session: Session, method: string, params?: object): Promise<T> {
	return new Promise((resolve, reject) =>
		session.post(method, params ?? {}, (error, result) =>
			error ? reject(error) : resolve(result as T),
		),
	);
}

/** Where a frame's code lives: this repository's files by path, packages by name. */
function origin(url: string): string {
	if (!url) return '(native)';
	const path = url.replace(/^file:\/\//, '');
	const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
	if (inPackage) return inPackage[1];
	if (path.startsWith('node:')) return 'node (built-in)';
	if (!path.startsWith('/')) return `node (${path.split('/')[0]})`;
	return relative(join(__dirname, '..'), path);
}

class Tally {
	readonly byFunction = new Map<string, number>();
	readonly byOrigin = new Map<string, number>();
	/** Inclusive time of the pack's functions: a sample counts once for every one on its stack. */
	readonly inclusive = new Map<string, number>();
	total = 0;

	add(map: Map<string, number>, key: string, ms: number): void {
		map.set(key, (map.get(key) ?? 0) + ms);
	}
}

/** Self time per function and origin, for the samples taken while each subject's drain ran. */
function attribute(
	profile: Profile,
	windows: Array<{ subject: Subject; from: number; to: number }>,
): Record<Subject, Tally> {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
	const tallies: Record<Subject, Tally> = { node: new Tally(), floor: new Tally() };
	let at = profile.startTime;
	let w = 0;
	profile.samples.forEach((id, i) => {
		at += profile.timeDeltas[i] ?? 0;
		const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
		while (w < windows.length && windows[w].to < at) w++;
		const window = windows[w];
		if (!window || at < window.from) return;
		const tally = tallies[window.subject];
		const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
		const where = origin(url);
		tally.total += ms;
		tally.add(
			tally.byFunction,
			`${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`,
			ms,
		);
		tally.add(tally.byOrigin, where, ms);
		const onStack = new Set<string>();
		for (let frame: number | undefined = id; frame !== undefined; frame = parent.get(frame)) {
			const callFrame = byId.get(frame)!.callFrame;
			const place = origin(callFrame.url);
			if (place.startsWith('nodes/'))
				onStack.add(`${callFrame.functionName || '(anonymous)'}  ${place}`);
		}
		for (const name of onStack) tally.add(tally.inclusive, name, ms);
	});
	return tallies;
}

function table(
	title: string,
	node: Map<string, number>,
	floor: Map<string, number>,
	drains: number,
	top: number,
): string[] {
	const keys = new Set([...node.keys(), ...floor.keys()]);
	const rows = [...keys].map((key) => {
		const n = (node.get(key) ?? 0) / drains;
		const f = (floor.get(key) ?? 0) / drains;
		return { key, n, f, d: n - f };
	});
	const cell = (ms: number) => ms.toFixed(2).padStart(7);
	return [
		'',
		title,
		'   node   floor  node−floor  (ms per drain)',
		...rows
			.sort((a, b) => Math.abs(b.d) - Math.abs(a.d) || b.n - a.n)
			.slice(0, top)
			.map((r) => `${cell(r.n)} ${cell(r.f)} ${cell(r.d)}     ${r.key}`),
	];
}

interface Case {
	/** Events per drain. */
	events: number;
	drains: Record<Subject, () => Promise<number>>;
	/** Unmeasured work before each round, e.g. new events for the streams to read. */
	beforeRound?: (round: number) => Promise<void>;
}

/** 20,000 workspace events at 0 ms latency: the drain's per-event cost. */
async function workspaceCase(sim: RemoteSimulator, scan: SecretScan): Promise<Case> {
	const sa = sim.tokens.serviceAccount;
	const events = 20_000;
	const project = await sim.createProject('Profile');
	await sim.createTask('Profile task', project.gid);
	const parameters = workspaceParameters(sim.workspaceGid, { maxEventsPerPoll: 1_000_000 });
	const start: IDataObject = {};
	await pollEvents(scan, sim, sa, parameters, start);
	const sync = syncOf(start, `workspace:${sim.workspaceGid}`);
	await sim.bulkTaskEvents(project.gid, events);
	return {
		events,
		drains: {
			node: async () => {
				const poll = await pollEvents(scan, sim, sa, parameters, structuredClone(start));
				return checked('node', poll.items, events, poll.ms);
			},
			floor: async () => {
				const floor = await hostFloorPoll(sim.baseUrl, sa, [
					{ path: `/workspaces/${sim.workspaceGid}/events`, sync },
				]);
				return checked('floor', floor.events, events, floor.ms);
			},
		},
	};
}

/** 2,000 events of one project at 0 ms latency, 100 per page: the per-page cost. */
async function resourceCase(sim: RemoteSimulator, scan: SecretScan): Promise<Case> {
	const token = sim.tokens.alice;
	const events = 2_000;
	const project = await sim.createProject('Profile: one project');
	await sim.createTask('Profile task', project.gid);
	const parameters = resourcesParameters([project.gid], { maxEventsPerPoll: 1_000_000 });
	const start: IDataObject = {};
	await pollEvents(scan, sim, token, parameters, start);
	const sync = syncOf(start, `resource:${project.gid}`);
	await sim.bulkTaskEvents(project.gid, events);
	return {
		events,
		drains: {
			node: async () => {
				const poll = await pollEvents(scan, sim, token, parameters, structuredClone(start));
				return checked('node', poll.items, events, poll.ms);
			},
			floor: async () => {
				const floor = await hostFloorPoll(sim.baseUrl, token, [
					{ path: `/events?resource=${project.gid}`, sync },
				]);
				return checked('floor', floor.events, events, floor.ms);
			},
		},
	};
}

/** 50 tasks with one new event each, at 50 ms latency and concurrency 50: the per-stream cost. */
async function resourcesCase(sim: RemoteSimulator, scan: SecretScan): Promise<Case> {
	const token = sim.tokens.alice;
	const project = await sim.createProject('Profile: fifty tasks');
	const gids: string[] = [];
	for (let i = 0; i < 50; i++) gids.push((await sim.createTask(`Task ${i}`, project.gid)).gid);
	const parameters = resourcesParameters(gids, { concurrency: 50 });
	const state: IDataObject = {};
	await pollEvents(scan, sim, token, parameters, state);
	await sim.setLatency(50);
	let streams: Array<{ path: string; sync: string }> = [];
	return {
		events: gids.length,
		beforeRound: async (round) => {
			for (const gid of gids) await sim.renameTask(gid, `Task renamed ${round}`);
			streams = gids.map((gid) => ({
				path: `/events?resource=${gid}`,
				sync: syncOf(state, `resource:${gid}`),
			}));
		},
		drains: {
			node: async () => {
				const poll = await pollEvents(scan, sim, token, parameters, state);
				return checked('node', poll.items, gids.length, poll.ms);
			},
			floor: async () => {
				const floor = await hostFloorPoll(sim.baseUrl, token, streams, 50);
				return checked('floor', floor.events, gids.length, floor.ms);
			},
		},
	};
}

function syncOf(staticData: IDataObject, key: string): string {
	const sync = readStoredState(staticData).streams[key]?.cursor.sync;
	if (!sync) throw new Error(`profile: no sync token stored for ${key}`);
	return sync;
}

function checked(subject: Subject, got: number, wanted: number, ms: number): number {
	if (got !== wanted) throw new Error(`profile: ${subject} emitted ${got} of ${wanted} events`);
	return ms;
}

async function main(): Promise<void> {
	const cases = { workspace: workspaceCase, resource: resourceCase, resources: resourcesCase };
	const which =
		(Object.keys(cases) as Array<keyof typeof cases>).find((name) => process.argv.includes(name)) ??
		'workspace';
	const rounds = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 30);
	// `gc`: a full collection before each drain, outside its window, so no drain pays for the
	// garbage the one before it left.
	const cleanHeap = process.argv.includes('gc');
	const scan = new SecretScan();
	const sim = await RemoteSimulator.start(7);
	const { events, drains, beforeRound } = await cases[which](sim, scan);
	// Warm-up: the JIT, the connection and tsx's compilation of every module on the path.
	for (let i = 0; i < 5; i++) {
		await beforeRound?.(-i - 1);
		for (const drain of Object.values(drains)) await drain();
	}

	const session = new Session();
	session.connect();
	await post(session, 'Profiler.enable');
	await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
	await post(session, 'Profiler.start');
	const times: Record<Subject, number[]> = { node: [], floor: [] };
	const windows: Array<{ subject: Subject; from: number; to: number }> = [];
	for (let i = 0; i < rounds; i++) {
		await beforeRound?.(i);
		for (const subject of i % 2 ? (['floor', 'node'] as const) : (['node', 'floor'] as const)) {
			if (cleanHeap) collectGarbage();
			const from = nowUs();
			times[subject].push(await drains[subject]());
			windows.push({ subject, from, to: nowUs() });
		}
	}
	const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
	session.disconnect();
	await sim.stop();

	mkdirSync(join(__dirname, 'tmp'), { recursive: true });
	const file = join(__dirname, 'tmp', `${which}.cpuprofile`);
	writeFileSync(file, JSON.stringify(profile));
	const { node, floor } = attribute(profile, windows);
	const perEvent = (ms: number) => `${((ms * 1000) / events).toFixed(2)} µs per event`;
	console.log(
		[
			`${which}: ${rounds} drains of ${events} events each, alternately${cleanHeap ? ', each on a freshly collected heap' : ''}; median wall time: node ${median(times.node).toFixed(1)} ms (${perEvent(median(times.node))}), floor ${median(times.floor).toFixed(1)} ms (${perEvent(median(times.floor))})`,
			`sampled per drain: node ${(node.total / rounds).toFixed(1)} ms, floor ${(floor.total / rounds).toFixed(1)} ms`,
			...table('self time by origin:', node.byOrigin, floor.byOrigin, rounds, 20),
			...table('self time by function:', node.byFunction, floor.byFunction, rounds, 40),
			...table(
				"inclusive time of the pack's functions (synchronous work only):",
				node.inclusive,
				floor.inclusive,
				rounds,
				25,
			),
			'',
			`Profile written to ${relative(process.cwd(), file)}`,
		].join('\n'),
	);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
