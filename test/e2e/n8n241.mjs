#!/usr/bin/env node
// End-to-end suite on the newest n8n whose dependency tree installs here (2.41.0, installed once
// by scripts/n8n-runtime.mjs --n8n 2.41), in its default mode and with durable poll cursors on,
// both at once against their own Asana simulator. A short suite: what differs from 2.30
// (`npm run test:e2e`), with the minute polls 2.41 requires. `npm run test:e2e:241`.
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
//     event and audit event exactly once over all executions.
//
// Environment:
//   E2E_241_MODES=default,durable   the modes to run (both by default)
//   E2E_KEEP=1                      keep the work folder (n8n's logs and databases)
//   N8N_ASANA_RUNTIME_DIR           where the n8n runtime lives (default ~/.cache/n8n-nodes-asana-events/…)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureRuntime } from '../../scripts/n8n-runtime.mjs';
import { assert, compareExactlyOnce, createRunner } from './lib/checks.mjs';
import { N8n, flattedParser, randomPassword } from './lib/n8n.mjs';
import { buildAndPack } from './lib/pack.mjs';
import { fmtMs, freePort, installCleanup, log, sleep, waitFor } from './lib/procs.mjs';
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
/** The environment of each mode; `durable` is n8n 2.41's durable poll chain with its cursors. */
const MODES = {
	default: {},
	durable: {
		N8N_SCHEDULER_ENABLED: 'true',
		N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
		N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
		N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
	},
};
const modes = (process.env.E2E_241_MODES ?? 'default,durable').split(',').map((m) => m.trim());
for (const mode of modes)
	if (!Object.hasOwn(MODES, mode)) throw new Error(`E2E_241_MODES: no mode "${mode}"`);

/** n8n's minute floor: the fastest schedule 2.41 takes is one poll a minute per entry. */
const POLL_GAP_MS = 60_000;
const EVERY_MINUTE = { item: [{ mode: 'everyMinute' }] };
const EVERY_TEN_SECONDS = {
	item: [{ mode: 'custom', cronExpression: '0,10,20,30,40,50 * * * * *' }],
};
const WF = {
	events: 'e2e241Events0001',
	audit: 'e2e241Audit00001',
	subMinute: 'e2e241SubMinute1',
	patWorkspace: 'e2e241PatWorksp1',
};
const SINK = { events: '/e2e/events', audit: '/e2e/audit', never: '/e2e/never' };

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
	const n8n = new N8n({
		runtime,
		userFolder: path.join(dir, 'n8n'),
		port: await freePort(),
		brokerPort: await freePort(),
		owner: {
			email: `e2e-${mode}@example.com`,
			password: randomPassword(),
			firstName: 'E2E',
			lastName: mode,
		},
		env: MODES[mode],
	});
	stoppers.push(() => n8n.stop(20_000));
	const database = path.join(n8n.userFolder, '.n8n', 'database.sqlite');
	/** Rows of n8n's SQLite database, read with Node 24's own SQLite (n8n may be running). */
	const sql = (query) =>
		JSON.parse(
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
	/** Where the events trigger's cursor lives: `poller_state` (durable) or the workflow's static data. */
	const storedState = () => {
		const [row] = sql(
			`SELECT w."staticData" AS staticData, p.cursor AS cursor, p."consecutiveErrors" AS errors, p."backoffUntil" AS backoffUntil, p."updatedAt" AS updatedAt FROM workflow_entity w LEFT JOIN poller_state p ON p."workflowId" = w.id WHERE w.id = '${WF.events}'`,
		);
		const parse = (text) => (text ? JSON.parse(text) : null);
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
			pollerBytes: row?.cursor?.length ?? 0,
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
			await n8n.installPackage(tarball);
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
			];
			for (const wf of workflows)
				fs.writeFileSync(path.join(wfDir, `${wf.id}.json`), JSON.stringify(wf, null, 2));
			await n8n.cli(['import:credentials', `--input=${credFile}`]);
			await n8n.cli(['import:workflow', '--separate', `--input=${wfDir}`]);
			const startMs = await timed(`${mode}: n8n start`, () => n8n.start());
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
			return `started in ${fmtMs(startMs)}; ${want.length} nodes, 2 credentials`;
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
			for (const id of [WF.events, WF.audit]) {
				const res = await n8n.activate(id);
				assert(res.ok, `publish ${id}: ${res.status} ${JSON.stringify(res.raw).slice(0, 500)}`);
			}
			for (const id of [WF.events, WF.audit]) {
				const status = await publication(id);
				assert(status.status === 'published', `${id}: ${JSON.stringify(status)}`);
			}
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
			const state = storedState();
			const executions = await executionsOf(WF.events);
			if (mode === 'durable') {
				// n8n 2.41.0: the publication's poll runs on a staged copy of the cursor it never
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
	const allArrive = async (what, expected, timeoutMs) => {
		let last = [];
		await waitFor(what, () => (last = deliveries(expected)).every((c) => c.complete), {
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
			await sim.fault({ kind: '500', path: '/events', times: 5 });
			const failed = await waitFor(
				'a failed execution of the events trigger',
				async () => (await executionsOf(WF.events)).find((e) => e.status === 'error'),
				{ timeoutMs: POLL_GAP_MS + 30_000, intervalMs: 1000 },
			);
			const error = (await executionData(failed.id))?.resultData?.error;
			const message = String(error?.message ?? '');
			assert(/500/.test(message), `the failed execution says: ${message}`);
			const during = storedState();
			const last = await allArrive(
				'every event after the fault',
				expected,
				2 * POLL_GAP_MS + 30_000,
			);
			await sleep(3000);
			const settled = deliveries(expected);
			const problems = settled.filter((c) => !c.ok).map((c) => c.text);
			const after = storedState();
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
			await sim.fault({ kind: 'slow', path: '/events', delayMs: 8000, times: 1 });
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
			// What the trigger emitted, over all its executions (not only what reached the sink).
			const items = [];
			const executions = await executionsOf(WF.events);
			for (const e of executions.filter((x) => x.status === 'success'))
				for (const item of (await executionData(e.id))?.resultData?.runData?.Trigger?.[0]?.data
					?.main?.[0] ?? [])
					items.push(item.json);
			settled.push(
				compareExactlyOnce('trigger output in executions', expected.events, items.map(eventKey)),
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
