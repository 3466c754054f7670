/**
 * Where a drain's time goes: runs the workspace-events drain of the throughput section (20,000
 * events, 1000 per page, 0 ms latency) many times through the pack's trigger or through the
 * host floor probe, with V8's sampling profiler on for the measured rounds only (not the
 * simulator's set-up or the loading of the code). Prints self time by function and by
 * package, and writes the .cpuprofile (bench/tmp/) for Chrome DevTools or speedscope.
 *
 *   node --expose-gc --import tsx bench/profile.ts [node|floor] [rounds]
 */
import '../test/harness';

import { mkdirSync, writeFileSync } from 'fs';
import { Session } from 'inspector';
import { join, relative } from 'path';

import type { IDataObject } from 'n8n-workflow';

import { readState } from '../nodes/shared/events/streamPoll';
import { pollEvents, SecretScan, workspaceParameters } from './drivers';
import { hostFloorPoll } from './hostFloor';
import { median } from './measure';
import { RemoteSimulator } from './remoteSimulator';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount: number;
	children?: number[];
}

interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

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

/** Self time per function and per origin, from the samples (each sample's time is its delta). */
function summarise(profile: Profile, top: number): string[] {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const selfMs = new Map<number, number>();
	profile.samples.forEach((id, i) => {
		selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
	});
	const total = [...selfMs.values()].reduce((a, b) => a + b, 0);
	const byFunction = new Map<string, number>();
	const byOrigin = new Map<string, number>();
	for (const [id, ms] of selfMs) {
		const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
		const where = origin(url);
		const name = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
		byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
		byOrigin.set(where, (byOrigin.get(where) ?? 0) + ms);
	}
	const share = (ms: number) => `${((100 * ms) / total).toFixed(1).padStart(5)} %`;
	const lines = [`total sampled ${total.toFixed(0)} ms`, '', 'self time by origin:'];
	for (const [where, ms] of [...byOrigin].sort((a, b) => b[1] - a[1]).slice(0, top))
		lines.push(`${share(ms)}  ${ms.toFixed(0).padStart(6)} ms  ${where}`);
	lines.push('', 'self time by function:');
	for (const [name, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
		lines.push(`${share(ms)}  ${ms.toFixed(0).padStart(6)} ms  ${name}`);
	return lines;
}

async function main(): Promise<void> {
	const subject = process.argv[2] === 'floor' ? 'floor' : 'node';
	const rounds = Number(process.argv[3] ?? 40);
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

	const drain = async (): Promise<number> => {
		if (subject === 'floor') {
			const floor = await hostFloorPoll(sim.baseUrl, sa, [
				{ path: `/workspaces/${sim.workspaceGid}/events`, sync },
			]);
			if (floor.events !== EVENTS) throw new Error(`profile: floor read ${floor.events}`);
			return floor.ms;
		}
		const poll = await pollEvents(scan, sim, sa, parameters, structuredClone(start));
		if (poll.items !== EVENTS) throw new Error(`profile: node emitted ${poll.items}`);
		return poll.ms;
	};
	// Warm-up: the JIT, the connection and tsx's compilation of every module on the path.
	for (let i = 0; i < 5; i++) await drain();

	const session = new Session();
	session.connect();
	await post(session, 'Profiler.enable');
	await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
	await post(session, 'Profiler.start');
	const times: number[] = [];
	for (let i = 0; i < rounds; i++) times.push(await drain());
	const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
	session.disconnect();
	await sim.stop();

	mkdirSync(join(__dirname, 'tmp'), { recursive: true });
	const file = join(__dirname, 'tmp', `${subject}.cpuprofile`);
	writeFileSync(file, JSON.stringify(profile));
	const perEventUs = (median(times) * 1000) / EVENTS;
	console.log(
		[
			`${subject}: ${rounds} drains of ${EVENTS} events, median ${median(times).toFixed(1)} ms (${perEventUs.toFixed(2)} µs per event)`,
			...summarise(profile, 40),
			'',
			`Profile written to ${relative(process.cwd(), file)}`,
		].join('\n'),
	);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
