#!/usr/bin/env node
// End-to-end suite on the newest n8n whose dependency tree installs here (2.41.1, installed once
// by scripts/n8n-runtime.mjs --n8n 2.41), in its default mode (SQLite) and with durable poll
// cursors on (PostgreSQL, queue mode: a main and one worker, on Redis; PostgreSQL and Redis
// installed by scripts/queue-services.sh), both at once against their own Asana simulator. A
// short suite: what differs from 2.30 (`npm run test:e2e`), with the minute polls 2.41
// requires. `npm run test:e2e:241`.
//
// What each mode proves:
//   - a Poll Times entry faster than once a minute is refused at publication, with n8n's message;
//   - workspace events with a personal token: the publication fails and its status carries the
//     node's message, which names the service account;
//   - minute polls: both triggers publish; where the cursor of the publication's poll is kept;
//   - a poll that emits nothing: where (and whether) its cursor is saved;
//   - a fault (Asana answers 500 until the poll gives up): one failed execution, then every
//     event exactly once;
//   - a kill (SIGKILL) while a poll waits on Asana, events while n8n is down, a start: every
//     event and audit event exactly once over all executions;
//   - overlapping polls (Poll Times of four entries, one fixed second each: a poll every 15 s,
//     as 2.41 allows): a poll waiting on an Asana answer slower than the gap when the next
//     starts → exactly once, the next poll skipped by the pack's poll lock;
//   - a graceful restart (SIGTERM), events while n8n is down, a start: exactly once;
//   - queue mode: a worker killed (SIGKILL) in the middle of an execution: what becomes of
//     that execution and its events.
//
// Environment:
//   E2E_241_MODES=default,durable   the modes to run (both by default; `durable-sqlite`:
//                                   durable poll cursors on SQLite, regular mode)
//   E2E_KEEP=1                      keep the work folder (n8n's logs and databases)
//   N8N_ASANA_RUNTIME_DIR           where the n8n runtime lives (default ~/.cache/n8n-nodes-asana-events/…)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureRuntime } from '../../scripts/n8n-runtime.mjs';
import { assert, compareExactlyOnce, createRunner } from './lib/checks.mjs';
import { N8n, flattedParser, randomPassword } from './lib/n8n.mjs';
import { buildAndPack } from './lib/pack.mjs';
import { fmtMs, freePort, installCleanup, log, sleep, waitFor } from './lib/procs.mjs';
import { installQueueServices, startPostgres, startRedis } from './lib/services.mjs';
import { eventKey, simulatorAvailable, startSimulator } from './lib/simulator.mjs';
import { startSink } from './lib/sink.mjs';
import {
	IDS,
	PACKAGE,
	auditTriggerNode,
	credentials,
	eventsTriggerNode,
	triggerToSink,
} from './lib/workflows.mjs';

const { check, timed, summary } = createRunner();
/** n8n 2.41's durable poll chain with its cursors. */
const DURABLE = {
	N8N_SCHEDULER_ENABLED: 'true',
	N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
	N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
	N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
};
/**
 * Each mode: its environment, and `queue`: PostgreSQL and Redis, a main and one worker (n8n
 * runs durable polls on mains only, their executions on the worker).
 */
const MODES = {
	default: { env: {} },
	durable: { env: DURABLE, queue: true },
	'durable-sqlite': { env: DURABLE },
};
/** How long the overlap workflow's executions are under way in queue mode: the window for a worker's death. */
const WAIT_SECONDS = 4;
/** What the pack logs when a poll finds the previous one of its trigger still running. */
const POLL_SKIPPED = /skipped this poll: the previous poll of this trigger/;
const modes = (process.env.E2E_241_MODES ?? 'default,durable').split(',').map((m) => m.trim());
for (const mode of modes)
	if (!Object.hasOwn(MODES, mode)) throw new Error(`E2E_241_MODES: no mode "${mode}"`);

/** n8n's minute floor: the fastest schedule 2.41 takes is one poll a minute per entry. */
const POLL_GAP_MS = 60_000;
const EVERY_MINUTE = { item: [{ mode: 'everyMinute' }] };
const EVERY_TEN_SECONDS = {
	item: [{ mode: 'custom', cronExpression: '0,10,20,30,40,50 * * * * *' }],
};
/** Four entries of one fixed second each: 2.41 takes every one, so the trigger polls every 15 s. */
const EVERY_FIFTEEN_SECONDS = {
	item: [0, 15, 30, 45].map((second) => ({
		mode: 'custom',
		cronExpression: `${second} * * * * *`,
	})),
};
const OVERLAP_GAP_MS = 15_000;
const WF = {
	events: 'e2e241Events0001',
	audit: 'e2e241Audit00001',
	subMinute: 'e2e241SubMinute1',
	patWorkspace: 'e2e241PatWorksp1',
	overlapEvents: 'e2e241OvlEvents1',
	overlapAudit: 'e2e241OvlAudit01',
};
const SINK = {
	events: '/e2e/events',
	audit: '/e2e/audit',
	never: '/e2e/never',
	overlapEvents: '/e2e/overlap-events',
	overlapAudit: '/e2e/overlap-audit',
};

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asana-events-e2e241-'));
const stoppers = [];
installCleanup(async () => {
	for (const stop of stoppers.reverse()) await stop().catch(() => {});
});

async function main() {
	log(`work folder: ${workDir}`);
	if (!simulatorAvailable())
		throw new Error('test/simulator/cli.ts is missing: the e2e suite needs the Asana simulator');
	const runtime = await timed('install n8n 2.41 runtime', () => ensureRuntime({ line: '2.41' }));
	log(
		`n8n ${runtime.n8nVersion}: ${runtime.dir} (${runtime.installedNow ? `installed now in ${fmtMs(runtime.installMs)}` : 'cached'})`,
	);
	if (modes.some((mode) => MODES[mode].queue)) {
		const installed = await timed('install PostgreSQL + Redis', () => installQueueServices());
		log(`${installed.said} (${fmtMs(installed.ms)})`);
	}
	const packed = await timed('build + npm pack', () => buildAndPack(workDir));
	const results = await Promise.allSettled(
		modes.map((mode) => runMode(mode, { runtime, tarball: packed.tarball })),
	);
	for (const [i, result] of results.entries())
		if (result.status === 'rejected')
			await check(`${modes[i]}: set-up`, () => Promise.reject(result.reason));
}

async function runMode(mode, { runtime, tarball }) {
	const label = (text) => `n8n 2.41 ${mode}: ${text}`;
	const dir = path.join(workDir, mode);
	fs.mkdirSync(dir, { recursive: true });
	const sink = await startSink();
	stoppers.push(() => sink.close());
	const sim = await startSimulator({ logFile: path.join(dir, 'simulator.log') });
	stoppers.push(async () => {
		fs.writeFileSync(
			path.join(dir, 'simulator-requests.json'),
			JSON.stringify(await sim.requestLog(), null, 1),
		);
		await sim.stop();
	});
	// Asana refuses a personal token on workspace events with a bare "Forbidden": what the user
	// learns about service accounts must come from the node.
	await sim.forbiddenMessage('Forbidden');
	const [P1] = sim.projects.map((p) => p.gid);
	const G1 = sim.goals[0]?.gid ?? sim.projects[1].gid;
	/** The overlap workflow's project: polled by no other trigger. */
	const P2 = sim.projects.map((p) => p.gid).find((gid) => gid !== P1 && gid !== G1);
	const { queue } = MODES[mode];
	const services = queue
		? await Promise.all([
				startPostgres(dir, { logFile: path.join(dir, 'postgres.log') }),
				startRedis(dir, { logFile: path.join(dir, 'redis.log') }),
			])
		: [];
	const [postgres, redis] = services;
	for (const service of services) stoppers.push(() => service.stop());
	const queueEnv = queue
		? {
				N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
				EXECUTIONS_MODE: 'queue',
				...postgres.env,
				...redis.env,
				// A dead worker's job is declared stalled within seconds, not a minute and a half.
				QUEUE_WORKER_LOCK_DURATION: '10000',
				QUEUE_WORKER_LOCK_RENEW_TIME: '3000',
				QUEUE_WORKER_STALLED_INTERVAL: '5000',
			}
		: {};
	const owner = {
		email: `e2e-${mode}@example.com`,
		password: randomPassword(),
		firstName: 'E2E',
		lastName: mode,
	};
	const instance = async (name, command) =>
		new N8n({
			runtime,
			userFolder: path.join(dir, name),
			port: await freePort(),
			brokerPort: await freePort(),
			owner,
			env: { ...MODES[mode].env, ...queueEnv },
			command,
		});
	const n8n = await instance('n8n', 'start');
	const worker = queue ? await instance('worker', 'worker') : undefined;
	// The worker stops first: stopping is reversed.
	stoppers.push(() => n8n.stop(20_000));
	if (worker) stoppers.push(() => worker.stop(20_000));
	const database = path.join(n8n.userFolder, '.n8n', 'database.sqlite');
	/** Rows of n8n's database: PostgreSQL's, or SQLite's read with Node 24's own SQLite (n8n may be running). */
	const sql = async (query) => {
		if (postgres) {
			const [[json]] = await postgres.query(
				`SELECT coalesce(json_agg(t), '[]'::json) FROM (${query}) t`,
			);
			return JSON.parse(json);
		}
		return JSON.parse(
			execFileSync(
				runtime.nodeBin,
				[
					'--no-warnings',
					'-e',
					`const { DatabaseSync } = require('node:sqlite');
					const db = new DatabaseSync(process.argv[1], { readOnly: true });
					process.stdout.write(JSON.stringify(db.prepare(process.argv[2]).all()));`,
					database,
					query,
				],
				{ encoding: 'utf8' },
			),
		);
	};
	/** Where the events trigger's cursor lives: `poller_state` (durable) or the workflow's static data. */
	const storedState = async () => {
		const [row] = await sql(
			`SELECT w."staticData" AS "staticData", p.cursor AS cursor, p."consecutiveErrors" AS errors, p."backoffUntil" AS "backoffUntil", p."updatedAt" AS "updatedAt" FROM workflow_entity w LEFT JOIN poller_state p ON p."workflowId" = w.id WHERE w.id = '${WF.events}'`,
		);
		// SQLite gives JSON columns as text, PostgreSQL's json_agg as values.
		const parse = (value) => (typeof value === 'string' ? JSON.parse(value) : (value ?? null));
		const staticData = parse(row?.staticData);
		const cursor = parse(row?.cursor);
		const streamOf = (nodeData) =>
			nodeData?.eventsTrigger?.streams?.[`resource:${P1}`] ?? undefined;
		const fromStatic = Object.values(staticData ?? {}).find((v) => v?.eventsTrigger)
			? streamOf(Object.values(staticData).find((v) => v?.eventsTrigger))
			: undefined;
		return {
			staticStream: fromStatic,
			pollerStream: streamOf(cursor),
			pollerBytes: cursor ? JSON.stringify(cursor).length : 0,
			errors: row?.errors ?? null,
			backoffUntil: row?.backoffUntil ?? null,
			updatedAt: row?.updatedAt ?? null,
		};
	};
	const executionsOf = async (workflowId) => {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		return (await n8n.restOk('GET', `/rest/executions?filter=${filter}&limit=100`)).results ?? [];
	};
	const parse = flattedParser(runtime);
	const executionData = async (id) => {
		const full = await n8n.restOk('GET', `/rest/executions/${id}`);
		return typeof full.data === 'string' ? parse(full.data) : full.data;
	};
	/** The publication's outcome as the editor shows it (n8n 2.41 publishes in the background). */
	const publication = (workflowId) =>
		waitFor(
			`the publication of ${workflowId} to settle`,
			async () => {
				const res = await n8n.restOk('GET', `/rest/workflows/${workflowId}/publication-status`);
				return ['in_progress', 'not_published'].includes(res.status) ? null : res;
			},
			{ timeoutMs: 90_000, intervalMs: 1000 },
		);
	/** Publishes the workflows and waits until n8n says each is published. */
	const publishAll = async (ids) => {
		for (const id of ids) {
			const res = await n8n.activate(id);
			assert(res.ok, `publish ${id}: ${res.status} ${JSON.stringify(res.raw).slice(0, 500)}`);
		}
		for (const id of ids) {
			const status = await publication(id);
			assert(status.status === 'published', `${id}: ${JSON.stringify(status)}`);
		}
	};
	// The triggers read events as alice; this suite reads them as bob, so n8n's requests can be
	// told from its own (the simulator names the user once it has answered, so a request still
	// waiting has none yet). It reads the audit log only between the waits below.
	const { users } = await sim.state();
	const oracle = sim.tokens.bob;
	const eventsRequests = async (gid) =>
		(await sim.requestLog()).filter(
			(r) =>
				r.path === '/api/1.0/events' && r.query.resource === gid && r.userGid !== users.bob.gid,
		);
	const auditRequests = async () =>
		(await sim.requestLog()).filter(
			(r) => r.path === `/api/1.0/workspaces/${sim.workspaceGid}/audit_log_events`,
		);
	/** Until a request of `list` started after `since` has been answered. */
	const nextRequest = (what, list, since, timeoutMs = POLL_GAP_MS + 15_000) =>
		waitFor(what, async () => (await list()).find((r) => r.startedAt > since && r.endedAt > 0), {
			timeoutMs,
			intervalMs: 500,
		});

	await check(
		label('the tarball installs; n8n starts and registers every node and credential'),
		async () => {
			for (const instance of [n8n, worker].filter(Boolean)) await instance.installPackage(tarball);
			const creds = credentials({
				baseUrl: sim.baseUrl,
				token: sim.tokens.alice,
				serviceAccountToken: sim.tokens.serviceAccount,
				badToken: false,
			});
			const credFile = path.join(dir, 'credentials.json');
			fs.writeFileSync(credFile, JSON.stringify(creds, null, 2));
			const wfDir = path.join(dir, 'workflows');
			fs.mkdirSync(wfDir);
			const workflows = [
				triggerToSink({
					id: WF.events,
					name: 'E2E 2.41: events of project 1, every minute → sink',
					url: sink.url + SINK.events,
					trigger: eventsTriggerNode({ gids: [P1], pollTimes: EVERY_MINUTE }),
				}),
				triggerToSink({
					id: WF.audit,
					name: 'E2E 2.41: audit log, every minute → sink',
					url: sink.url + SINK.audit,
					trigger: auditTriggerNode({ workspaceGid: sim.workspaceGid, pollTimes: EVERY_MINUTE }),
				}),
				triggerToSink({
					id: WF.subMinute,
					name: 'E2E 2.41: every 10 s (refused)',
					url: sink.url + SINK.never,
					trigger: eventsTriggerNode({ gids: [G1], pollTimes: EVERY_TEN_SECONDS }),
				}),
				triggerToSink({
					id: WF.patWorkspace,
					name: 'E2E 2.41: workspace events with a personal token',
					url: sink.url + SINK.never,
					trigger: eventsTriggerNode({
						workspaceGid: sim.workspaceGid,
						credentialId: IDS.credToken,
						pollTimes: EVERY_MINUTE,
					}),
				}),
				triggerToSink({
					id: WF.overlapEvents,
					name: 'E2E 2.41: events of project 2, every 15 s (four entries) → sink',
					url: sink.url + SINK.overlapEvents,
					trigger: eventsTriggerNode({ gids: [P2], pollTimes: EVERY_FIFTEEN_SECONDS }),
					waitSeconds: queue ? WAIT_SECONDS : undefined,
				}),
				triggerToSink({
					id: WF.overlapAudit,
					name: 'E2E 2.41: audit log, every 15 s (four entries) → sink',
					url: sink.url + SINK.overlapAudit,
					trigger: auditTriggerNode({
						workspaceGid: sim.workspaceGid,
						pollTimes: EVERY_FIFTEEN_SECONDS,
					}),
				}),
			];
			for (const wf of workflows)
				fs.writeFileSync(path.join(wfDir, `${wf.id}.json`), JSON.stringify(wf, null, 2));
			await n8n.cli(['import:credentials', `--input=${credFile}`]);
			await n8n.cli(['import:workflow', '--separate', `--input=${wfDir}`]);
			const startMs = await timed(`${mode}: n8n start`, async () => {
				const ms = await n8n.start();
				await worker?.start();
				return ms;
			});
			const nodes = await n8n.restOk('GET', '/types/nodes.json');
			const names = new Set(nodes.map((n) => n.name));
			const credTypes = new Set(
				(await n8n.restOk('GET', '/types/credentials.json')).map((c) => c.name),
			);
			const want = ['asanaEventsTrigger', 'asanaAuditLogTrigger', 'asanaEvents', 'asanaAuditLog'];
			const missing = want.filter((n) => !names.has(`${PACKAGE}.${n}`));
			assert(!missing.length, `missing node types: ${missing.join(', ')}`);
			assert(
				credTypes.has('asanaEventsApi') && credTypes.has('asanaEventsOAuth2Api'),
				'credential types missing',
			);
			assert(
				!/Failed to load package "n8n-nodes-asana-events"/.test(n8n.output()),
				'n8n: Failed to load package',
			);
			const where = queue
				? `; queue mode on ${postgres.version} and ${redis.version.split(' sha')[0]}, a main and one worker`
				: '';
			return `started in ${fmtMs(startMs)}; ${want.length} nodes, 2 credentials${where}`;
		},
	);

	await check(
		label(
			'a Poll Times entry faster than once a minute: the publication fails with n8n’s minute message and no poll runs',
		),
		async () => {
			const res = await n8n.activate(WF.subMinute);
			// 2.41 answers the publish at once and activates in the background.
			assert(res.ok, `publish: ${res.status} ${JSON.stringify(res.raw).slice(0, 500)}`);
			const status = await publication(WF.subMinute);
			const message = status.triggers?.[0]?.errorMessage ?? '';
			assert(
				status.status === 'failed' && /It has to be at least a minute/.test(message),
				`publication status: ${JSON.stringify(status)}`,
			);
			const polled = (await sim.requestLog()).filter((r) => r.query?.resource === G1);
			assert(!polled.length, `${polled.length} requests for the refused trigger's stream`);
			return `${status.status}: ${message}`;
		},
	);

	await check(
		label(
			'workspace events with a personal token: the publication fails, and its status (what the editor shows) names the service account',
		),
		async () => {
			const res = await n8n.activate(WF.patWorkspace);
			assert(res.ok, `publish: ${res.status} ${JSON.stringify(res.raw).slice(0, 500)}`);
			const status = await publication(WF.patWorkspace);
			const message = status.triggers?.[0]?.errorMessage ?? '';
			assert(status.status === 'failed', `publication status: ${JSON.stringify(status)}`);
			assert(/service account/i.test(message), `the status says "${message}"`);
			const tries = (await sim.requestLog()).filter(
				(r) => r.path === `/api/1.0/workspaces/${sim.workspaceGid}/events`,
			);
			const executions = await executionsOf(WF.patWorkspace);
			const activationError = await n8n.activationError(WF.patWorkspace);
			return `${message} (n8n tried ${tries.length} times; ${executions.length} executions; /active-workflows/error: ${JSON.stringify(activationError)})`;
		},
	);

	let base; // the sync token from which project 1's events must arrive
	let auditBefore;
	let activationPollEnded = 0;
	let lostAtActivation = [];
	await check(
		label('minute polls: both triggers publish, each polling Asana once at publication'),
		async () => {
			const since = Date.now();
			await publishAll([WF.events, WF.audit]);
			const first = await nextRequest(
				'the publication poll of project 1',
				() => eventsRequests(P1),
				since,
			);
			await nextRequest('the publication poll of the audit log', auditRequests, since);
			activationPollEnded = first.endedAt;
			base = await sim.syncToken(P1, oracle);
			return `polled at publication: project 1 → ${first.status}`;
		},
	);

	await check(
		label(
			'the first scheduled poll: where the cursor the publication’s poll took is kept, and whether a poll that emits nothing saves its cursor',
		),
		async () => {
			assert(base, 'the triggers were not published');
			// Made between the publication's poll and the first scheduled one.
			await sim.activity(3, P1);
			const window = (await sim.eventsSince(P1, base, oracle)).events;
			const scheduled = await nextRequest(
				'the first scheduled poll of project 1',
				() => eventsRequests(P1),
				activationPollEnded,
			);
			await sleep(1500); // its commit, if any
			const state = await storedState();
			const executions = await executionsOf(WF.events);
			if (mode === 'durable') {
				// n8n 2.41: the publication's poll runs on a staged copy of the cursor it never
				// commits; the first scheduled poll starts without one and asks Asana for a new token.
				assert(
					scheduled.status === 412,
					`the scheduled poll answered ${scheduled.status}: it had a cursor`,
				);
				assert(
					state.pollerStream?.cursor?.sync && state.pollerStream.lastPollAt > activationPollEnded,
					`poller_state after a poll that emitted nothing: ${JSON.stringify(state)}`,
				);
				assert(
					!state.staticStream,
					`the workflow's static data holds the cursor too: ${JSON.stringify(state.staticStream)}`,
				);
				lostAtActivation = window.map(eventKey);
				base = await sim.syncToken(P1, oracle);
				return `the scheduled poll started over (412): the ${window.length} events made since the publication's poll are not emitted; poller_state holds the cursor that poll took, without an execution (${executions.length}), ${state.pollerBytes} bytes for one project; the workflow's static data holds none`;
			}
			assert(
				scheduled.status === 200,
				`the scheduled poll answered ${scheduled.status}: the publication's cursor was lost`,
			);
			assert(
				state.staticStream?.cursor?.sync,
				`static data: ${JSON.stringify(state.staticStream)}`,
			);
			assert(!state.pollerStream, `poller_state holds a cursor: ${JSON.stringify(state)}`);
			return `the scheduled poll went on from the publication's cursor (${scheduled.status}): the ${window.length} events made since the publication's poll come with it; the cursor is in the workflow's static data, none in poller_state`;
		},
		{ timeoutMs: 120_000 },
	);

	/** What must have arrived: project 1's events since `base`, the audit events since `auditBefore`. */
	const expectNow = async () => ({
		events: (await sim.eventsSince(P1, base, oracle)).events.map(eventKey),
		audit: (await sim.auditEvents()).filter((e) => !auditBefore?.has(e.gid)).map((e) => e.gid),
	});
	const deliveries = (expected) => [
		compareExactlyOnce('events trigger', expected.events, sink.bodies(SINK.events).map(eventKey)),
		compareExactlyOnce(
			'audit log trigger',
			expected.audit,
			sink.bodies(SINK.audit).map((b) => b.gid),
		),
	];
	/** What a trigger emitted over all its successful executions (not only what reached the sink). */
	const triggerItems = async (workflowId) => {
		const items = [];
		for (const e of (await executionsOf(workflowId)).filter((x) => x.status === 'success'))
			for (const item of (await executionData(e.id))?.resultData?.runData?.Trigger?.[0]?.data
				?.main?.[0] ?? [])
				items.push(item.json);
		return items;
	};
	const allArrive = async (what, expected, timeoutMs, compare = deliveries) => {
		let last = [];
		await waitFor(what, () => (last = compare(expected)).every((c) => c.complete), {
			timeoutMs,
			intervalMs: 1000,
		}).catch((error) => {
			throw new Error(`${error.message}\n${last.map((c) => c.text).join('\n')}`);
		});
		return last;
	};

	await check(
		label(
			'a fault: Asana answers 500 until a poll gives up → one failed execution telling it, then every event and audit event exactly once',
		),
		async () => {
			assert(base, 'the triggers were not published');
			const lastAudit = (await auditRequests()).at(-1)?.startedAt ?? 0;
			await nextRequest('a scheduled poll of the audit log', auditRequests, lastAudit);
			// The simulator dates new audit events up to a second back; in durable mode the audit
			// stream starts at its first scheduled poll, which this may be.
			await sleep(1500);
			auditBefore = new Set((await sim.auditEvents()).map((e) => e.gid));
			await sim.activity(6, P1);
			await sim.audit(4);
			// Read before the fault goes in: the suite's own reads must not meet it.
			const expected = await expectNow();
			await sim.fault({ kind: '500', path: '/events', resource: P1, times: 5 });
			const failed = await waitFor(
				'a failed execution of the events trigger',
				async () => (await executionsOf(WF.events)).find((e) => e.status === 'error'),
				{ timeoutMs: POLL_GAP_MS + 30_000, intervalMs: 1000 },
			);
			const error = (await executionData(failed.id))?.resultData?.error;
			const message = String(error?.message ?? '');
			assert(/500/.test(message), `the failed execution says: ${message}`);
			const during = await storedState();
			const last = await allArrive(
				'every event after the fault',
				expected,
				2 * POLL_GAP_MS + 30_000,
			);
			await sleep(3000);
			const settled = deliveries(expected);
			const problems = settled.filter((c) => !c.ok).map((c) => c.text);
			const after = await storedState();
			if (mode === 'durable') {
				if (!(during.errors >= 1))
					problems.push(`poller_state did not count the failure: ${JSON.stringify(during)}`);
				if (after.errors !== 0 || after.backoffUntil)
					problems.push(`poller_state after the next poll: ${JSON.stringify(after)}`);
			}
			assert(!problems.length, problems.join('\n'));
			return `${last.map((c) => c.text).join('; ')}; the failed execution: ${message.slice(0, 160)}${mode === 'durable' ? `; poller_state counted ${during.errors} failure(s), back-off until ${during.backoffUntil}, cleared after` : ''}`;
		},
		{ timeoutMs: 4 * POLL_GAP_MS },
	);

	await check(
		label(
			'n8n killed (SIGKILL) while a poll waits on Asana, events while it is down, started again → every event and audit event exactly once, over every execution',
		),
		async () => {
			assert(auditBefore, 'the fault check did not run');
			await sim.fault({ kind: 'slow', path: '/events', resource: P1, delayMs: 8000, times: 1 });
			await sim.activity(4, P1);
			const waiting = await waitFor(
				'a poll waiting on the slow answer',
				async () => (await eventsRequests(P1)).find((r) => r.fault === 'slow' && r.endedAt === 0),
				{ timeoutMs: POLL_GAP_MS + 20_000, intervalMs: 250 },
			);
			await sleep(1000);
			await n8n.kill();
			log(
				`${mode}: n8n killed ${fmtMs(Date.now() - waiting.startedAt)} into a poll's request; events while it is down`,
			);
			await sim.activity(6, P1);
			await sim.audit(3);
			const expected = await expectNow();
			const startMs = await timed(`${mode}: n8n start (after the kill)`, () => n8n.start());
			const last = await allArrive(
				'every event after the restart',
				expected,
				2 * POLL_GAP_MS + 30_000,
			);
			// A poll after everything arrived: late copies would come now.
			await nextRequest('one more poll of project 1', () => eventsRequests(P1), Date.now());
			await sleep(3000);
			const settled = deliveries(expected);
			const executions = await executionsOf(WF.events);
			settled.push(
				compareExactlyOnce(
					'trigger output in executions',
					expected.events,
					(await triggerItems(WF.events)).map(eventKey),
				),
			);
			if (mode === 'durable')
				settled.push(
					compareExactlyOnce(
						'events made between the publication and the first scheduled poll (never emitted)',
						[],
						sink
							.bodies(SINK.events)
							.map(eventKey)
							.filter((key) => lostAtActivation.includes(key)),
					),
				);
			const unexpected = executions.filter(
				(e) => !['success', 'error', 'running', 'new'].includes(e.status),
			);
			const problems = settled.filter((c) => !c.ok).map((c) => c.text);
			if (unexpected.length)
				problems.push(`executions: ${unexpected.map((e) => `${e.id}:${e.status}`).join(', ')}`);
			assert(!problems.length, problems.join('\n'));
			return `${settled.map((c) => c.text).join('; ')}; started again in ${fmtMs(startMs)}; ${executions.length} executions (${executions.filter((e) => e.status === 'error').length} failed: the fault)`;
		},
		{ timeoutMs: 5 * POLL_GAP_MS },
	);

	// ---- every 15 s: overlapping polls, a graceful restart, a worker's death ----------------
	let overlapBase; // the sync token from which project 2's events must arrive
	let overlapAuditBefore;
	/** Events of project 2 a killed worker's execution never delivered. */
	const lostWithWorker = new Set();
	const expectOverlap = async () => ({
		events: (await sim.eventsSince(P2, overlapBase, oracle)).events
			.map(eventKey)
			.filter((key) => !lostWithWorker.has(key)),
		audit: (await sim.auditEvents())
			.filter((e) => !overlapAuditBefore.has(e.gid))
			.map((e) => e.gid),
	});
	const overlapDeliveries = (expected) => [
		compareExactlyOnce(
			'events trigger (every 15 s)',
			expected.events,
			sink.bodies(SINK.overlapEvents).map(eventKey),
		),
		compareExactlyOnce(
			'audit log trigger (every 15 s)',
			expected.audit,
			sink.bodies(SINK.overlapAudit).map((b) => b.gid),
		),
	];
	/**
	 * Waits until every expected event arrived, then one more poll (late copies would come now);
	 * resolves the final comparison, the trigger's executions included.
	 */
	const settledOverlap = async (what, expected, timeoutMs) => {
		await allArrive(what, expected, timeoutMs, overlapDeliveries);
		await nextRequest(
			'one more poll of project 2',
			() => eventsRequests(P2),
			Date.now(),
			OVERLAP_GAP_MS + 15_000,
		);
		await sleep(3000);
		const settled = overlapDeliveries(expected);
		settled.push(
			compareExactlyOnce(
				'events trigger output in executions',
				expected.events,
				(await triggerItems(WF.overlapEvents)).map(eventKey),
			),
		);
		return settled;
	};
	const SLOW_MS = 20_000;

	await check(
		label(
			'overlapping polls (every 15 s: four Poll Times entries of one fixed second): a poll still waiting on a slow Asana answer when the next starts → every event and audit event exactly once, the next poll skipped by the pack’s poll lock',
		),
		async () => {
			assert(auditBefore, 'the earlier checks did not run');
			// The faults below must reach these triggers only: the minute ones stop.
			for (const id of [WF.events, WF.audit]) await n8n.deactivate(id);
			const stoppedAt = Date.now();
			await publishAll([WF.overlapEvents, WF.overlapAudit]);
			// In durable mode a stream starts at its first scheduled poll (see above).
			const published = Date.now();
			const gap = OVERLAP_GAP_MS + 15_000;
			await nextRequest('a scheduled poll of project 2', () => eventsRequests(P2), published, gap);
			await nextRequest('a scheduled poll of the audit log', auditRequests, published, gap);
			await sleep(1500);
			overlapBase = await sim.syncToken(P2, oracle);
			overlapAuditBefore = new Set((await sim.auditEvents()).map((e) => e.gid));
			const logFrom = n8n.output().length;
			await sim.activity(8, P2);
			await sim.audit(5);
			// Slower than the gap between two polls, and than the pack's budget, shorter than its
			// request timeout (30 s) and n8n's durable poll timeout (45 s): the poll waits for it.
			await sim.fault({ kind: 'slow', path: '/events', resource: P2, delayMs: SLOW_MS });
			await sim.fault({ kind: 'slow', path: '/audit_log_events', delayMs: SLOW_MS });
			const slowAnswers = async () => [
				...(await eventsRequests(P2)).filter((r) => r.fault === 'slow'),
				...(await auditRequests()).filter((r) => r.fault === 'slow'),
			];
			await waitFor(
				'a poll of each trigger waiting on its slow answer',
				async () => (await slowAnswers()).length === 2,
				{ timeoutMs: 2 * OVERLAP_GAP_MS + 10_000, intervalMs: 250 },
			);
			await sim.activity(5, P2);
			await sim.audit(3);
			const slow = await waitFor(
				'the slow answers to end',
				async () => {
					const answers = await slowAnswers();
					return answers.every((r) => r.endedAt > 0) && answers;
				},
				{ timeoutMs: SLOW_MS + 10_000, intervalMs: 500 },
			);
			// Read once the slow answers are taken: this suite's reads must not meet them.
			const expected = await expectOverlap();
			const settled = await settledOverlap(
				'every event and audit event',
				expected,
				3 * OVERLAP_GAP_MS + 15_000,
			);
			const problems = settled.filter((c) => !c.ok).map((c) => c.text);
			const lines = n8n.output().slice(logFrom).split('\n');
			const skipped = lines.filter((l) => POLL_SKIPPED.test(l));
			if (!skipped.length)
				problems.push(
					`n8n's log has no line matching ${POLL_SKIPPED} although a poll was still waiting when the next began`,
				);
			const abandoned = lines.filter((l) => /Poll exceeded its timeout/.test(l));
			if (abandoned.length) problems.push(`n8n abandoned a poll: ${abandoned[0].trim()}`);
			const minutePolls = (await eventsRequests(P1)).filter((r) => r.startedAt > stoppedAt + 2000);
			if (minutePolls.length)
				problems.push(`${minutePolls.length} polls of project 1 after its workflow stopped`);
			assert(!problems.length, problems.join('\n'));
			return `${settled.map((c) => c.text).join('; ')}; slow answers took ${slow.map((r) => fmtMs(r.endedAt - r.startedAt)).join(', ')} (polls every ${fmtMs(OVERLAP_GAP_MS)}); ${skipped.length} polls skipped: ${skipped[0].trim().slice(0, 220)}; no poll abandoned by n8n`;
		},
		{ timeoutMs: 4 * 60_000 },
	);

	await check(
		label(
			'a graceful restart: n8n stopped (SIGTERM), events while it is down, started again → every event and audit event exactly once',
		),
		async () => {
			assert(overlapBase, 'the overlap check did not run');
			const proc = n8n.process;
			const stopMs = await n8n.stop(30_000);
			const exit = await proc.exited;
			assert(
				!exit.signal || exit.signal === 'SIGTERM',
				`n8n did not stop by itself: ${JSON.stringify(exit)}`,
			);
			await sim.activity(6, P2);
			await sim.audit(3);
			const expected = await expectOverlap();
			const startMs = await timed(`${mode}: n8n start (after SIGTERM)`, () => n8n.start());
			const settled = await settledOverlap(
				'every event after the restart',
				expected,
				3 * OVERLAP_GAP_MS + 30_000,
			);
			const problems = settled.filter((c) => !c.ok).map((c) => c.text);
			assert(!problems.length, problems.join('\n'));
			return `${settled.map((c) => c.text).join('; ')}; stopped in ${fmtMs(stopMs)} (exit ${exit.code ?? exit.signal}), started again in ${fmtMs(startMs)}`;
		},
		{ timeoutMs: 4 * 60_000 },
	);

	if (worker)
		await check(
			label(
				'queue mode: the worker killed (SIGKILL) in the middle of an execution → n8n marks it crashed and does not run it again; its events are lost (the cursor moved with it); every other event exactly once',
			),
			async () => {
				assert(overlapBase, 'the overlap check did not run');
				const cursor = await sim.syncToken(P2, oracle);
				await sleep(1000);
				const mark = worker.fullLog().length;
				const startedOnWorker = () =>
					[
						...worker
							.fullLog()
							.slice(mark)
							.matchAll(/Worker started execution (\d+)/g),
					].map((m) => m[1]);
				await sim.activity(5, P2);
				const id = await waitFor(
					'the worker to start an execution of the 15 s events workflow',
					async () => {
						for (const started of startedOnWorker()) {
							const e = await n8n.restOk('GET', `/rest/executions/${started}`);
							if (e.workflowId === WF.overlapEvents) return started;
						}
						return null;
					},
					{ timeoutMs: 2 * OVERLAP_GAP_MS + 15_000, intervalMs: 300 },
				);
				await sleep(1000);
				await worker.kill();
				log(`${mode}: worker killed during execution ${id}`);
				await worker.start();
				const execution = await waitFor(
					`execution ${id} to end`,
					async () => {
						const e = await n8n.restOk('GET', `/rest/executions/${id}`);
						return !['new', 'running', 'waiting'].includes(e.status) && e;
					},
					{ timeoutMs: 90_000, intervalMs: 1000 },
				);
				// Its Wait had not ended: none of its events reached the sink, and (its job failed
				// as stalled) none ever will.
				const batch = (await sim.eventsSince(P2, cursor, oracle)).events.map(eventKey);
				const got = new Set(sink.bodies(SINK.overlapEvents).map(eventKey));
				const lost = batch.filter((key) => !got.has(key));
				for (const key of lost) lostWithWorker.add(key);
				// Later events: the next polls go on from the cursor committed with that execution.
				await sim.activity(4, P2);
				await sim.audit(2);
				const expected = await expectOverlap();
				const settled = await settledOverlap(
					'every event after the kill but the lost ones',
					expected,
					3 * OVERLAP_GAP_MS + 15_000,
				);
				const again = startedOnWorker().filter((x) => x === id).length;
				const problems = settled.filter((c) => !c.ok).map((c) => c.text);
				if (!(batch.length > 0 && lost.length === batch.length))
					problems.push(
						`${lost.length} of the ${batch.length} events of execution ${id} never arrived`,
					);
				if (!['crashed', 'error', 'failed'].includes(execution.status))
					problems.push(`execution ${id} ended as ${execution.status}`);
				if (again !== 1) problems.push(`execution ${id} was started ${again} times`);
				assert(!problems.length, problems.join('\n'));
				return `execution ${id} ended as "${execution.status}", not run again: its ${lost.length} events never arrived (the cursor moved with the execution); ${settled.map((c) => c.text).join('; ')}`;
			},
			{ timeoutMs: 4 * 60_000 },
		);
}

try {
	await main();
} catch (error) {
	await check('suite set-up', () => Promise.reject(error));
}
for (const stop of stoppers.reverse()) await stop().catch(() => {});
const failures = summary('e2e summary (n8n 2.41)');
if (failures || process.env.E2E_KEEP === '1')
	log(`kept the work folder for inspection: ${workDir} (n8n logs: ${workDir}/<mode>/n8n/n8n.log)`);
else fs.rmSync(workDir, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
