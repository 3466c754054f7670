#!/usr/bin/env node
// Queue-mode suite: this package in a real n8n running as a main and two workers, on
// PostgreSQL and Redis (installed by scripts/queue-services.sh, started here on free loopback
// ports), against the Asana simulator. `npm run test:e2e:queue`.
//
// What it proves: both triggers and the Asana Events action node deliver every event exactly
// once through a main SIGTERM, a main SIGKILL and a worker SIGTERM. What it shows, and
// asserts: a worker killed (SIGKILL) in the middle of an execution loses that execution's
// events, and Replay From set to a time before it brings them back (with the events of the
// window delivered since, all marked `replayed`); a worker without the package fails every
// execution and loses those events.
//
// Environment:
//   E2E_KEEP=1                keep the work folder (logs of every process) after success
//   N8N_ASANA_RUNTIME_DIR     where the n8n runtime lives (default ~/.cache/n8n-nodes-asana-events/…)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureRuntime } from '../../scripts/n8n-runtime.mjs';
import { assert, compareExactlyOnce, createRunner, skip } from './lib/checks.mjs';
import { N8n, flattedParser, randomPassword } from './lib/n8n.mjs';
import { buildAndPack } from './lib/pack.mjs';
import { fmtMs, freePort, installCleanup, log, sleep, waitFor } from './lib/procs.mjs';
import { installQueueServices, startPostgres, startRedis } from './lib/services.mjs';
import { eventKey, startSimulator } from './lib/simulator.mjs';
import { startSink } from './lib/sink.mjs';
import {
	IDS,
	PACKAGE,
	auditTriggerNode,
	credentials,
	eventsTriggerNode,
	prepareWorkflow,
	readExample,
	triggerToSink,
} from './lib/workflows.mjs';

const { check, timed, summary } = createRunner();
const DELIVERY_TIMEOUT = Number(process.env.E2E_DELIVERY_TIMEOUT_MS || 90_000);
const POLL_GAP_MS = 10_000;
const POLL_TIMES = { item: [{ mode: 'custom', cronExpression: '0,10,20,30,40,50 * * * * *' }] };
const SCHEDULE_SECONDS = 10;
/** How long each execution of the events workflow is under way: the window for a worker's death. */
const WAIT_SECONDS = 4;
/** What n8n logs on a worker when it takes and ends a job. */
const STARTED = /Worker started execution (\d+)/g;
const FINISHED = (id) => new RegExp(`Worker finished execution ${id}\\b`);

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asana-events-queue-'));
let sim;
let sink;
let postgres;
let redis;
const n8nProcesses = [];

const cleanupAll = async () => {
	await Promise.all(n8nProcesses.map((p) => p.stop(20_000).catch(() => {})));
	await sim?.stop().catch(() => {});
	await sink?.close().catch(() => {});
	await redis?.stop().catch(() => {});
	await postgres?.stop().catch(() => {});
};
installCleanup(cleanupAll);

const sinkPath = {
	events: '/queue/events-p1',
	audit: '/queue/audit',
	batches: '/queue/batches-p2',
};
const WF = { events: 'queueEventsP1001', audit: 'queueAuditLog001', scheduled: 'queueScheduled01' };

async function main() {
	log(`work folder: ${workDir}`);
	const installed = await timed('install PostgreSQL + Redis', () => installQueueServices());
	log(`${installed.said} (${fmtMs(installed.ms)})`);
	const runtime = await timed('install n8n runtime', () => ensureRuntime());
	log(
		`n8n ${runtime.n8nVersion}: ${runtime.dir} (${runtime.installedNow ? `installed now in ${fmtMs(runtime.installMs)}` : 'cached'})`,
	);
	const packed = await timed('build + npm pack', () => buildAndPack(workDir));

	sink = await startSink();
	sim = await startSimulator({ logFile: path.join(workDir, 'simulator.log') });
	[postgres, redis] = await timed('start PostgreSQL + Redis', () =>
		Promise.all([
			startPostgres(workDir, { logFile: path.join(workDir, 'postgres.log') }),
			startRedis(workDir, { logFile: path.join(workDir, 'redis.log') }),
		]),
	);
	log(
		`${postgres.version} on ${postgres.port}; ${redis.version.split(' sha')[0]} on ${redis.port}`,
	);
	const [P1, P2] = sim.projects.map((p) => p.gid);

	// What every process of the queue shares (see docs/queue-mode.md).
	const queueEnv = {
		N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		EXECUTIONS_MODE: 'queue',
		...postgres.env,
		...redis.env,
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		// Shorter than n8n's defaults (60 s lock, 30 s check), so a dead worker's job is
		// declared stalled within seconds instead of a minute and a half.
		QUEUE_WORKER_LOCK_DURATION: '10000',
		QUEUE_WORKER_LOCK_RENEW_TIME: '3000',
		QUEUE_WORKER_STALLED_INTERVAL: '5000',
	};
	const owner = { email: 'queue-owner@example.com', password: randomPassword() };
	const n8nProcess = async (name, command) => {
		const instance = new N8n({
			runtime,
			userFolder: path.join(workDir, name),
			port: await freePort(),
			brokerPort: await freePort(),
			owner,
			env: queueEnv,
			command,
		});
		n8nProcesses.push(instance);
		return instance;
	};
	const main = await n8nProcess('main', 'start');
	const workers = [await n8nProcess('worker-1', 'worker'), await n8nProcess('worker-2', 'worker')];
	const packless = await n8nProcess('worker-without-the-package', 'worker');

	await check('the packed tarball installs into the main and both workers', async () => {
		const lists = await timed('install package (3 folders)', () =>
			Promise.all([main, ...workers].map((p) => p.installPackage(packed.tarball))),
		);
		// n8n-workflow is an optional peer dependency: npm installs the package alone.
		assert(
			lists.every((l) => l.length === 1 && l[0] === PACKAGE),
			`node_modules: ${lists.map((l) => l.join(',')).join(' | ')}`,
		);
		return `${packed.name}@${packed.version} in main, worker-1, worker-2`;
	});

	const creds = credentials({
		baseUrl: sim.baseUrl,
		token: sim.tokens.alice,
		serviceAccountToken: sim.tokens.serviceAccount,
		badToken: false,
	});
	const wfDir = path.join(workDir, 'workflows');
	fs.mkdirSync(wfDir);
	const workflows = [
		triggerToSink({
			id: WF.events,
			name: 'Queue: events of project 1 → wait → sink',
			url: sink.url + sinkPath.events,
			trigger: eventsTriggerNode({ gids: [P1], pollTimes: POLL_TIMES }),
			waitSeconds: WAIT_SECONDS,
		}),
		triggerToSink({
			id: WF.audit,
			name: 'Queue: audit log → sink',
			url: sink.url + sinkPath.audit,
			trigger: auditTriggerNode({ workspaceGid: sim.workspaceGid, pollTimes: POLL_TIMES }),
		}),
		prepareWorkflow(readExample('scheduled'), {
			id: WF.scheduled,
			name: 'Queue: example 03, Asana Events › Get Events on a schedule',
			projectGid: P2,
			scheduleSeconds: SCHEDULE_SECONDS,
			urls: { 'Send Batch': sink.url + sinkPath.batches },
		}),
	];
	for (const wf of workflows)
		fs.writeFileSync(path.join(wfDir, `${wf.id}.json`), JSON.stringify(wf, null, 2));
	const credFile = path.join(workDir, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify(creds, null, 2));

	const imported = await check(
		'the CLI imports credentials and workflows into PostgreSQL and publishes the workflows',
		async () => {
			await timed('CLI import + publish', async () => {
				await main.cli(['import:credentials', `--input=${credFile}`]);
				await main.cli(['import:workflow', '--separate', `--input=${wfDir}`]);
				for (const wf of workflows) await main.publishWithCli(wf.id);
			});
			const rows = await postgres.query(
				`select id, active from workflow_entity where id in (${workflows.map((w) => `'${w.id}'`).join(',')}) order by id`,
			);
			assert(
				rows.length === workflows.length && rows.every(([, active]) => active === 't'),
				`workflow_entity: ${JSON.stringify(rows)}`,
			);
			return `${creds.length} credentials, ${workflows.length} active workflows in workflow_entity`;
		},
	);
	if (!imported) return;

	await timed('start main + 2 workers', async () => {
		await main.start();
		await Promise.all(workers.map((w) => w.start()));
	});

	await check('the package loads on the main and on both workers', async () => {
		const bad = [main, ...workers].flatMap((p) =>
			p
				.output()
				.split('\n')
				.filter(
					(l) =>
						/n8n-nodes-asana-events|asanaEvents|asanaAuditLog/i.test(l) &&
						/error|fail|unrecognized/i.test(l),
				)
				.map((l) => `${path.basename(p.userFolder)}: ${l}`),
		);
		assert(!bad.length, bad.join('\n'));
		return 'no load errors in any log';
	});

	// ---- what must arrive --------------------------------------------------------------
	// The activation polls ran at the main's start; the scheduled example stores its first sync
	// token in its first execution. Cursors taken after both see exactly what follows.
	await waitFor(
		'a first successful execution of the scheduled example',
		async () => (await executionsOf(main, WF.scheduled)).some((e) => e.status === 'success'),
		{ timeoutMs: SCHEDULE_SECONDS * 1000 + 60_000, intervalMs: 1000 },
	);
	const cursors = { P1: await sim.syncToken(P1), P2: await sim.syncToken(P2) };
	const auditBefore = new Set((await sim.auditEvents()).map((e) => e.gid));
	await sleep(1500);
	/** Events of project 1 never delivered live (the worker kill and the package-less worker). */
	const lost = new Set();
	/** The events trigger's items as the sink got them: live ones, and those a replay sent again. */
	const eventItems = {
		live: () => sink.bodies(sinkPath.events).filter((b) => b.replayed !== true),
		replayed: () => sink.bodies(sinkPath.events).filter((b) => b.replayed === true),
	};

	const comparisons = async () => {
		const p1 = (await sim.eventsSince(P1, cursors.P1)).events.map(eventKey);
		const p2 = (await sim.eventsSince(P2, cursors.P2)).events.map(eventKey);
		const audit = (await sim.auditEvents()).filter((e) => !auditBefore.has(e.gid));
		return [
			compareExactlyOnce(
				'events trigger',
				p1.filter((k) => !lost.has(k)),
				eventItems.live().map(eventKey),
			),
			compareExactlyOnce(
				'audit log trigger',
				audit.map((e) => e.gid),
				sink.bodies(sinkPath.audit).map((b) => b.gid),
			),
			compareExactlyOnce(
				'Asana Events › Get Events (example 03)',
				p2,
				sink
					.bodies(sinkPath.batches)
					.flatMap((b) => b.events ?? [])
					.map(eventKey),
			),
		];
	};
	const waitForDeliveries = async (label) => {
		let last = [];
		await waitFor(
			`${label}: every expected delivery`,
			async () => (last = await comparisons()).every((c) => c.complete),
			{ timeoutMs: DELIVERY_TIMEOUT, intervalMs: 2000 },
		).catch((error) => {
			throw new Error(`${error.message}\n${last.map((c) => c.text).join('\n')}`);
		});
		// Late duplicates would show up within a poll.
		await sleep(POLL_GAP_MS + 2000);
		last = await comparisons();
		const failed = last.filter((c) => !c.ok);
		assert(!failed.length, failed.map((c) => c.text).join('\n'));
		return last.map((c) => c.text).join('; ');
	};
	const generate = async (p1, p2, audit) => {
		await sim.activity(p1, P1);
		if (p2) await sim.activity(p2, P2);
		if (audit) await sim.audit(audit);
	};
	/** Executions each worker started since `marks` (log offsets). */
	const startedSince = (marks) =>
		workers.map((w, i) => [...w.fullLog().slice(marks[i]).matchAll(STARTED)].map((m) => m[1]));
	const logMarks = () => workers.map((w) => w.fullLog().length);

	/** Waits for the execution to end; resolves what n8n keeps of it. */
	const ended = (id, timeoutMs) =>
		waitFor(
			`execution ${id} to end`,
			async () => {
				const e = await main.restOk('GET', `/rest/executions/${id}`);
				return !['new', 'running', 'waiting'].includes(e.status) && e;
			},
			{ timeoutMs, intervalMs: 1000 },
		);

	// ---- exactly once -------------------------------------------------------------------
	await check(
		'phase 1: every event, audit event and Get Events batch arrives exactly once; the workers execute',
		async () => {
			const marks = logMarks();
			await generate(10, 10, 8);
			const text = await timed('phase 1 deliveries', () => waitForDeliveries('phase 1'));
			const started = startedSince(marks);
			assert(
				started.flat().length > 0,
				'no worker logged "Worker started execution": the executions did not run on the workers',
			);
			assert(!/Worker started execution/.test(main.output()), 'the main ran an execution itself');
			// The cursors are the triggers' static data, in workflow_entity of PostgreSQL.
			const stored = await postgres.query(
				`select id, "staticData" from workflow_entity where id in ('${WF.events}', '${WF.audit}') order by id`,
			);
			assert(
				stored.length === 2 &&
					/"node:Trigger":\{"auditTrigger":\{"version":\d+/.test(stored[0][1]) &&
					/"node:Trigger":\{"eventsTrigger":\{"version":\d+/.test(stored[1][1]),
				`workflow_entity."staticData": ${JSON.stringify(stored).slice(0, 600)}`,
			);
			return `${text}; executions per worker: ${started.map((l) => l.length).join(' + ')}; both triggers' cursors are in workflow_entity."staticData"`;
		},
		{ timeoutMs: DELIVERY_TIMEOUT + 60_000 },
	);

	await check(
		'Fetch Test Event on the active events trigger runs on a worker (OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS) and returns the changes made while it listens',
		async () => {
			const marks = logMarks();
			const run = await main.runManually(WF.events, {
				triggerToStartFrom: { name: 'Trigger' },
				destinationNode: { nodeName: 'Trigger', mode: 'inclusive' },
			});
			assert(run.executionId, `no execution id: ${JSON.stringify(run)}`);
			// The trigger listens for a few seconds; changes made meanwhile are its sample.
			await sleep(3000);
			await generate(3, 0, 0);
			const execution = await ended(run.executionId, 60_000);
			assert(execution.status === 'success', `manual execution ${execution.status}`);
			const data =
				typeof execution.data === 'string'
					? flattedParser(runtime)(execution.data)
					: execution.data;
			const sample = data?.resultData?.runData?.Trigger?.[0]?.data?.main?.[0] ?? [];
			assert(sample.length > 0, 'an empty sample');
			const onWorker = startedSince(marks).findIndex((ids) =>
				ids.includes(String(run.executionId)),
			);
			assert(onWorker >= 0, `no worker logged "Worker started execution ${run.executionId}"`);
			return `${sample.length} events in the sample, from worker-${onWorker + 1}`;
		},
		{ timeoutMs: 120_000 },
	);

	await check(
		'main SIGTERM, events while it is down, main started again → every event exactly once',
		async () => {
			await generate(6, 6, 4);
			await sleep(3000);
			await timed('main stop (SIGTERM)', () => main.stop());
			await generate(6, 6, 4);
			await timed('main start', () => main.start());
			return timed('main SIGTERM deliveries', () => waitForDeliveries('after SIGTERM'));
		},
		{ timeoutMs: DELIVERY_TIMEOUT + 120_000 },
	);

	await check(
		'main SIGKILL while polling, events while it is down, main started again → every event exactly once',
		async () => {
			await generate(6, 6, 4);
			// A poll is under way when the answer is slow; the main dies meanwhile.
			await sim.fault({ kind: 'slow', path: '/events', delayMs: 6000, times: 1 });
			await waitFor(
				'a poll waiting on the slow answer',
				async () => (await sim.requestLog()).some((r) => r.fault === 'slow' && r.endedAt === 0),
				{ timeoutMs: 2 * POLL_GAP_MS + 10_000, intervalMs: 250 },
			);
			await main.kill();
			await generate(6, 6, 4);
			await timed('main start', () => main.start());
			return timed('main SIGKILL deliveries', () => waitForDeliveries('after SIGKILL'));
		},
		{ timeoutMs: DELIVERY_TIMEOUT + 120_000 },
	);

	/** Waits for a worker to start an execution of the events workflow; resolves [worker, id]. */
	const eventsExecutionStarted = async (marks, candidates = workers) =>
		waitFor(
			'a worker to start an execution of the events workflow',
			async () => {
				const started = startedSince(marks);
				for (const [i, ids] of started.entries()) {
					if (!candidates.includes(workers[i])) continue;
					for (const id of ids) {
						const e = await main.restOk('GET', `/rest/executions/${id}`);
						if (e.workflowId === WF.events) return [workers[i], id];
					}
				}
				return null;
			},
			{ timeoutMs: 2 * POLL_GAP_MS + 15_000, intervalMs: 300 },
		);

	await check(
		`worker SIGTERM while it executes (a ${WAIT_SECONDS} s Wait) → it finishes that execution, then stops; every event exactly once`,
		async () => {
			const marks = logMarks();
			await generate(5, 0, 0);
			const [worker, id] = await eventsExecutionStarted(marks);
			const stopMs = await worker.stop(60_000);
			assert(
				FINISHED(id).test(worker.output()),
				`${path.basename(worker.userFolder)} stopped without "Worker finished execution ${id}"`,
			);
			await generate(4, 4, 2);
			const text = await timed('worker SIGTERM deliveries', () =>
				waitForDeliveries('after a worker SIGTERM'),
			);
			await worker.start();
			return `${path.basename(worker.userFolder)} finished execution ${id} and stopped in ${fmtMs(stopMs)}; ${text}`;
		},
		{ timeoutMs: DELIVERY_TIMEOUT + 120_000 },
	);

	// ---- what is lost ---------------------------------------------------------------------
	const madeSince = async (cursor) => (await sim.eventsSince(P1, cursor)).events.map(eventKey);
	/** The events of project 1 made since `cursor` that the sink never got. */
	const lostOf = async (cursor) => {
		const got = new Set(sink.bodies(sinkPath.events).map(eventKey));
		return (await madeSince(cursor)).filter((k) => !got.has(k));
	};

	let killed;
	await check(
		'worker SIGKILL while it executes → n8n fails that execution and does not run it again; its events are lost, the cursor has moved on, later events arrive exactly once',
		async () => {
			// Only the events workflow runs from here on, so the dead worker held nothing else.
			for (const id of [WF.audit, WF.scheduled]) await main.deactivate(id);
			const [spare, victim] = workers;
			await spare.stop();
			const cursor = await sim.syncToken(P1);
			const replayFrom = new Date().toISOString();
			await sleep(1000);
			const marks = logMarks();
			await generate(5, 0, 0);
			const [, id] = await eventsExecutionStarted(marks, [victim]);
			await sleep(1000);
			await victim.kill();
			log(`worker-2 killed during execution ${id}`);
			await Promise.all(workers.map((w) => w.start()));
			const execution = await ended(id, 60_000);
			const made = await madeSince(cursor);
			// The next polls go on from the moved cursor: these arrive, the lost ones never do.
			const after = await sim.syncToken(P1);
			await generate(4, 0, 0);
			await waitFor(
				'the events made after the kill',
				async () => (await lostOf(after)).length === 0,
				{ timeoutMs: DELIVERY_TIMEOUT, intervalMs: 1000 },
			);
			await sleep(POLL_GAP_MS + 2000);
			const stillLost = await lostOf(cursor);
			for (const key of stillLost) lost.add(key);
			assert(
				['crashed', 'error', 'failed'].includes(execution.status),
				`execution ${id} ended as ${execution.status}`,
			);
			assert(
				made.length > 0 && stillLost.length === made.length,
				`${stillLost.length} of the ${made.length} events of execution ${id} never arrived`,
			);
			const again = startedSince(marks)
				.flat()
				.filter((x) => x === id);
			assert(again.length === 1, `execution ${id} was started ${again.length} times`);
			killed = { id, status: execution.status, lost: stillLost, cursor, replayFrom };
			const said = main
				.fullLog()
				.split('\n')
				.find((l) => l.includes(`Problem with execution ${id}:`));
			return `execution ${id} ended as "${execution.status}", not run again; its ${stillLost.length} events never arrived, the events after it did; the main logged: ${said?.trim().slice(0, 200)}`;
		},
		{ timeoutMs: DELIVERY_TIMEOUT + 180_000 },
	);

	let replay;
	await check(
		"Replay From set to a time before the killed worker's execution (parameter changed, workflow published again) → its lost events arrive once, marked replayed; so do the events delivered after it (the window reaches the last read), with the same event_id; nothing else twice",
		async () => {
			if (!killed) skip('no execution was lost (the worker SIGKILL check failed)');
			const liveBefore = eventItems.live();
			// The window: every event of project 1 from Replay From to the trigger's last read.
			const window = await madeSince(killed.cursor);
			const published = await main.changeNodeParameters(WF.events, 'Trigger', (parameters) => ({
				...parameters,
				options: { ...parameters.options, replayFrom: killed.replayFrom },
			}));
			assert(published.ok, `${published.status} ${JSON.stringify(published.raw).slice(0, 800)}`);
			let sent;
			await waitFor(
				'the replayed events',
				() =>
					(sent = compareExactlyOnce('replayed', window, eventItems.replayed().map(eventKey)))
						.complete,
				{ timeoutMs: DELIVERY_TIMEOUT, intervalMs: 1000 },
			).catch((error) => {
				throw new Error(`${error.message}
${sent?.text}`);
			});
			// Later events go out live, once; a late second replay would show up within a poll.
			const after = await sim.syncToken(P1);
			await generate(3, 0, 0);
			await waitFor(
				'the events made after the replay',
				async () => (await lostOf(after)).length === 0,
				{
					timeoutMs: DELIVERY_TIMEOUT,
					intervalMs: 1000,
				},
			);
			await sleep(POLL_GAP_MS + 2000);
			sent = compareExactlyOnce('replayed', window, eventItems.replayed().map(eventKey));
			assert(sent.ok, sent.text);
			const [live] = await comparisons();
			assert(live.ok, live.text);
			const notices = sink.bodies(sinkPath.events).filter((b) => b.replay_notice);
			assert(!notices.length, `replay notices: ${JSON.stringify(notices).slice(0, 600)}`);
			// Delivered twice, live and replayed: exactly the window's events that were not lost.
			const lostKeys = new Set(killed.lost);
			const deliveredBefore = window.filter((k) => !lostKeys.has(k));
			const liveIds = new Map(liveBefore.map((b) => [eventKey(b), b.event_id]));
			assert(
				deliveredBefore.every((k) => liveIds.has(k)),
				`events of the window never delivered live but not lost: ${deliveredBefore.filter((k) => !liveIds.has(k)).join(', ')}`,
			);
			const changedIds = eventItems
				.replayed()
				.filter((b) => liveIds.has(eventKey(b)) && liveIds.get(eventKey(b)) !== b.event_id);
			assert(
				!changedIds.length,
				`event_id differs between the live and the replayed item: ${changedIds.map(eventKey).join(', ')}`,
			);
			replay = { lost: killed.lost.length, again: deliveredBefore.length };
			return `${sent.text}: the ${killed.lost.length} events execution ${killed.id} lost and the ${deliveredBefore.length} delivered live after it (same event_id); live items: ${live.text}`;
		},
		{ timeoutMs: 2 * DELIVERY_TIMEOUT + 60_000 },
	);

	await check(
		'a worker without the package → every execution it takes fails with "Unrecognized node type" and its events are lost',
		async () => {
			await Promise.all(workers.map((w) => w.stop()));
			await packless.start();
			const cursor = await sim.syncToken(P1);
			const from = packless.output().length;
			await generate(3, 0, 0);
			const id = await waitFor(
				'the package-less worker to take an execution',
				() => /Worker started execution (\d+)/.exec(packless.output().slice(from))?.[1],
				{ timeoutMs: 2 * POLL_GAP_MS + 15_000, intervalMs: 300 },
			);
			const execution = await ended(id, 60_000);
			const said = packless
				.output()
				.slice(from)
				.split('\n')
				.find((l) => /Unrecognized node type/i.test(l));
			await packless.stop();
			await Promise.all(workers.map((w) => w.start()));
			const made = await madeSince(cursor);
			const after = await sim.syncToken(P1);
			await generate(2, 0, 0);
			await waitFor(
				'the events made once the workers with the package are back',
				async () => (await lostOf(after)).length === 0,
				{ timeoutMs: DELIVERY_TIMEOUT, intervalMs: 1000 },
			);
			const lostKeys = await lostOf(cursor);
			for (const key of lostKeys) lost.add(key);
			assert(execution.status === 'error', `execution ${id} ended as ${execution.status}`);
			assert(said, 'the worker logged no "Unrecognized node type"');
			assert(
				made.length > 0 && lostKeys.length === made.length,
				`${lostKeys.length} of the ${made.length} events of execution ${id} never arrived`,
			);
			return `execution ${id} "${execution.status}"; the worker logged: ${said.trim().slice(0, 160)}; ${lostKeys.length} events lost`;
		},
		{ timeoutMs: DELIVERY_TIMEOUT + 180_000 },
	);

	await check(
		'in the end, every event of project 1 but the lost ones arrived live exactly once, and Replay From sent its window once',
		async () => {
			await generate(3, 0, 0);
			const [events] = await timed('final deliveries', () =>
				waitFor(
					'the last events',
					async () => {
						const [c] = await comparisons();
						return c.complete && [c];
					},
					{ timeoutMs: DELIVERY_TIMEOUT, intervalMs: 2000 },
				),
			);
			assert(events.ok, events.text);
			const replayed = eventItems.replayed().length;
			assert(
				!replay || replayed === replay.lost + replay.again,
				`${replayed} replayed items, ${replay?.lost} + ${replay?.again} expected`,
			);
			return `${events.text} (${lost.size} lost live, ${replay?.lost ?? 0} of them brought back by Replay From; ${replayed} replayed items)`;
		},
	);
}

async function executionsOf(n8n, workflowId) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const body = await n8n.restOk('GET', `/rest/executions?filter=${filter}&limit=250`);
	return body.results ?? [];
}

let failures = 1;
try {
	await main();
} catch (error) {
	await check('suite set-up', () => Promise.reject(error));
}
await cleanupAll();
failures = summary('queue-mode e2e summary');
if (failures || process.env.E2E_KEEP === '1')
	log(`kept the work folder for inspection: ${workDir} (a log per process inside)`);
else fs.rmSync(workDir, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
