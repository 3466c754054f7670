/**
 * Bench rows of Replay From and Recover Changes: the checkpoint history's share of static
 * data, the requests a gap recovery takes, and a replay against a fresh drain.
 */
import type { IDataObject } from 'n8n-workflow';

import { readStoredState } from '../nodes/AsanaEventsTrigger/state';
import { pollEvents, resourcesParameters, type SecretScan } from './drivers';
import type { RemoteSimulator } from './remoteSimulator';

const MINUTE = 60_000;

export interface BenchTools {
	scan: SecretScan;
	startSimulator: () => Promise<RemoteSimulator>;
	row: (measure: string, figure: string, goal: string, met: boolean) => void;
	fmt: (value: number, digits?: number) => string;
	fail: (message: string) => never;
}

const bytes = (data: IDataObject) => Buffer.byteLength(JSON.stringify(data));

/**
 * 24 hours of one-minute polls of 5 streams, each poll with new events, run through n8n-core
 * against the simulator. The bench process's clock is moved on a minute per poll, so the
 * checkpoints thin as they would over a day; the simulator keeps its own clock, so its tokens
 * stay valid.
 */
async function checkpointHistorySize(tools: BenchTools): Promise<void> {
	const { scan, row, fmt, fail } = tools;
	const sim = await tools.startSimulator();
	const project = await sim.createProject('A day of polls');
	const tasks: string[] = [];
	for (let i = 0; i < 4; i++) tasks.push((await sim.createTask(`Task ${i}`, project.gid)).gid);
	const parameters = resourcesParameters([project.gid, ...tasks]);
	const staticData: IDataObject = {};
	const realNow = Date.now;
	const start = realNow();
	let offset = 0;
	Date.now = () => realNow() + offset;
	let largest = 0;
	try {
		for (let minute = 0; minute <= 24 * 60; minute++) {
			offset = minute * MINUTE;
			await sim.renameTask(tasks[minute % tasks.length], `Name ${minute}`);
			const poll = await pollEvents(scan, sim, sim.tokens.alice, parameters, staticData);
			if (poll.outcome.error) fail(`checkpoint history run: ${poll.outcome.error.message}`);
			largest = Math.max(largest, bytes(staticData));
		}
	} finally {
		Date.now = realNow;
	}
	const streams = Object.values(readStoredState(staticData).streams);
	const checkpoints = streams.reduce((sum, s) => sum + (s.checkpoints?.length ?? 0), 0);
	const oldest = Math.min(...streams.map((s) => s.checkpoints?.[0]?.[0] ?? Infinity));
	row(
		'Static data after 24 hours of one-minute polls on 5 streams, with the checkpoint history',
		`${fmt(bytes(staticData) / 1024, 1)} KB at the end, largest ${fmt(largest / 1024, 1)} KB; ${fmt(checkpoints)} checkpoints, the oldest ${fmt((start + 24 * 60 * MINUTE - oldest) / 3_600_000, 1)} h old`,
		'≤ 64 KB',
		largest <= 64 * 1024,
	);
	await sim.stop();
}

/** A project stream whose token expired while `changed` of its tasks changed. */
async function recoveryRequests(tools: BenchTools, changed: number): Promise<void> {
	const { scan, row, fmt, fail } = tools;
	const sim = await tools.startSimulator();
	const project = await sim.createProject(`Gap of ${changed}`);
	const parameters = resourcesParameters([project.gid], { recoveryRequestsPerPoll: 1000 });
	const staticData: IDataObject = {};
	await pollEvents(scan, sim, sim.tokens.alice, parameters, staticData);
	// One event names the project, so the trigger knows the stream's type before the gap.
	await sim.createTask('Known', project.gid);
	await pollEvents(scan, sim, sim.tokens.alice, parameters, staticData);
	for (let i = 1; i < changed; i++) await sim.createTask(`Changed ${i}`, project.gid);
	await sim.bulkTaskEvents(project.gid, changed);
	await sim.expireSyncTokens();
	const before = (await sim.counters()).requests;
	const poll = await pollEvents(scan, sim, sim.tokens.alice, parameters, staticData);
	if (poll.outcome.error) fail(`recovery run: ${poll.outcome.error.message}`);
	// One of the poll's requests is the events request that met the 412.
	const requests = (await sim.counters()).requests - before - 1;
	const recovered = (poll.outcome.items?.[0] ?? []).filter((i) => i.json.recovered).length;
	if (recovered !== changed) fail(`recovery run: ${recovered} of ${changed} tasks recovered`);
	const goal = Math.ceil(changed / 100) + 1;
	row(
		`Recover Changes: requests to recover a gap in which ${fmt(changed)} tasks of a project changed`,
		`${requests} requests, ${fmt(recovered)} recovered items, ${fmt(poll.ms)} ms`,
		`⌈N/100⌉ + 1 = ${goal}`,
		requests <= goal,
	);
	await sim.stop();
}

/** Replay From over 10,000 events against draining the same events the first time. */
async function replayAgainstDrain(tools: BenchTools): Promise<void> {
	const { scan, row, fmt, fail } = tools;
	const sim = await tools.startSimulator();
	const project = await sim.createProject('Replay');
	await sim.createTask('Replayed', project.gid);
	const total = 10_000;
	const options = { maxEventsPerPoll: total };
	const staticData: IDataObject = {};
	await pollEvents(scan, sim, sim.tokens.alice, resourcesParameters([project.gid]), staticData);
	await new Promise((resolve) => setTimeout(resolve, 20));
	const replayFrom = new Date().toISOString();
	await new Promise((resolve) => setTimeout(resolve, 20));
	await sim.bulkTaskEvents(project.gid, total);
	const drain = async (parameters: ReturnType<typeof resourcesParameters>) => {
		const before = (await sim.counters()).requests;
		const poll = await pollEvents(scan, sim, sim.tokens.alice, parameters, staticData);
		if (poll.outcome.error) fail(`replay run: ${poll.outcome.error.message}`);
		return { ...poll, requests: (await sim.counters()).requests - before };
	};
	const fresh = await drain(resourcesParameters([project.gid], options));
	const replay = await drain(resourcesParameters([project.gid], { ...options, replayFrom }));
	const replayed = (replay.outcome.items?.[0] ?? []).filter((i) => i.json.replayed).length;
	if (fresh.items !== total || replayed !== total)
		fail(`replay run: ${fresh.items} drained, ${replayed} replayed of ${total}`);
	row(
		'Replay From: 10,000 events replayed against their fresh drain',
		`replay ${replay.requests} requests in ${fmt(replay.ms)} ms (the replay's own cursor, and 1 for the live stream, quiet), fresh drain ${fresh.requests} requests in ${fmt(fresh.ms)} ms (replay/fresh time ${fmt(replay.ms / fresh.ms, 2)})`,
		"requests of the fresh drain + 1 (the live stream's read), time within 1.5×",
		replay.requests <= fresh.requests + 1 && replay.ms <= 1.5 * fresh.ms,
	);
	await sim.stop();
}

export async function neverLost(tools: BenchTools): Promise<void> {
	await checkpointHistorySize(tools);
	for (const changed of [250, 1000]) await recoveryRequests(tools, changed);
	await replayAgainstDrain(tools);
}
