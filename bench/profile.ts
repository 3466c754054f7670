/**
 * Where a drain's time goes: the workspace-events drain of the throughput section (20,000
 * events, 1000 per page, 0 ms latency) run alternately through the pack's trigger and through
 * the floor probe (bench/hostFloor.ts), with V8's sampling profiler on for the measured rounds
 * only (not the simulator's set-up or the loading of the code). Each sample is counted for the
 * subject whose drain was running, so the difference per function is what the pack adds.
 * Prints self time per drain by origin and by function for both, the difference, and the
 * inclusive time of the pack's functions; writes the .cpuprofile (bench/tmp/) for Chrome
 * DevTools or speedscope.
 *
 *   node --expose-gc --import tsx bench/profile.ts [rounds] [gc]
 */
import '../test/harness';

import { mkdirSync, writeFileSync } from 'fs';
import { Session } from 'inspector';
import { join, relative } from 'path';

import type { IDataObject } from 'n8n-workflow';

import { readState } from '../nodes/shared/events/streamPoll';
import { pollEvents, SecretScan, workspaceParameters } from './drivers';
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

const EVENTS = 20_000;

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

async function main(): Promise<void> {
	const rounds = Number(process.argv[2] ?? 30);
	// `gc`: a full collection before each drain, outside its window, so no drain pays for the
	// garbage the one before it left.
	const cleanHeap = process.argv.includes('gc');
	const scan = new SecretScan();
	const sim = await RemoteSimulator.start(7);
	const sa = sim.tokens.serviceAccount;
	const project = await sim.createProject('Profile');
	await sim.createTask('Profile task', project.gid);
	const parameters = workspaceParameters(sim.workspaceGid, { maxEventsPerPoll: 1_000_000 });
	const start: IDataObject = {};
	await pollEvents(scan, sim, sa, parameters, start);
	const sync = readState(start).streams[`workspace:${sim.workspaceGid}`]?.sync;
	if (!sync) throw new Error('profile: no sync token stored');
	await sim.bulkTaskEvents(project.gid, EVENTS);

	const drains: Record<Subject, () => Promise<number>> = {
		node: async () => {
			const poll = await pollEvents(scan, sim, sa, parameters, structuredClone(start));
			if (poll.items !== EVENTS) throw new Error(`profile: node emitted ${poll.items}`);
			return poll.ms;
		},
		floor: async () => {
			const floor = await hostFloorPoll(sim.baseUrl, sa, [
				{ path: `/workspaces/${sim.workspaceGid}/events`, sync },
			]);
			if (floor.events !== EVENTS) throw new Error(`profile: floor read ${floor.events}`);
			return floor.ms;
		},
	};
	// Warm-up: the JIT, the connection and tsx's compilation of every module on the path.
	for (let i = 0; i < 5; i++) for (const drain of Object.values(drains)) await drain();

	const session = new Session();
	session.connect();
	await post(session, 'Profiler.enable');
	await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
	await post(session, 'Profiler.start');
	const times: Record<Subject, number[]> = { node: [], floor: [] };
	const windows: Array<{ subject: Subject; from: number; to: number }> = [];
	for (let i = 0; i < rounds; i++) {
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
	const file = join(__dirname, 'tmp', 'drain.cpuprofile');
	writeFileSync(file, JSON.stringify(profile));
	const { node, floor } = attribute(profile, windows);
	const perEvent = (ms: number) => `${((ms * 1000) / EVENTS).toFixed(2)} µs per event`;
	console.log(
		[
			`${rounds} drains of ${EVENTS} events each, alternately; median wall time: node ${median(times.node).toFixed(1)} ms (${perEvent(median(times.node))}), floor ${median(times.floor).toFixed(1)} ms (${perEvent(median(times.floor))})`,
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
