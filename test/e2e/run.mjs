#!/usr/bin/env node
// End-to-end suite: this package in a real n8n (2.30.8, installed once by
// scripts/n8n-runtime.mjs), against the Asana simulator. `npm run test:e2e`.
//
// Environment:
//   E2E_KEEP=1                    keep the work folder (n8n user folder, logs) after success
//   E2E_POLL_CRON="0,20,40 * * * * *"  poll the triggers on this cron instead of n8n's "every minute"
//   E2E_DELIVERY_TIMEOUT_MS       how long a phase waits for deliveries (default 110000)
//   N8N_ASANA_RUNTIME_DIR         where the n8n runtime lives (default ~/.cache/n8n-nodes-asana-events/…)
//   E2E_ONLY=front-door           run only the front door: the README's first workflow in a fresh
//                                 n8n, and its node panel's search
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureRuntime } from '../../scripts/n8n-runtime.mjs';
import { nodePanelSearch, runEditorCheck, workflowWithIssue } from './lib/browser.mjs';
import { assert, compareExactlyOnce, createRunner, skip } from './lib/checks.mjs';
import { fiveMinutePath, startFrontDoor } from './lib/frontDoor.mjs';
import { N8n, flattedParser, randomPassword } from './lib/n8n.mjs';
import { REPO_ROOT, buildAndPack } from './lib/pack.mjs';
import { fmtMs, freePort, installCleanup, log, portIsFree, sleep, waitFor } from './lib/procs.mjs';
import { eventKey, simulatorAvailable, startSimulator } from './lib/simulator.mjs';
import { siemSecrets, startSiemReceivers } from './lib/siem.mjs';
import { startSink } from './lib/sink.mjs';
import {
	IDS,
	PACKAGE,
	T,
	auditTriggerNode,
	credentials,
	eventsTriggerNode,
	manualWorkflow,
	oauth2Credential,
	prepareWorkflow,
	readExample,
	siemCredentials,
	triggerToSink,
} from './lib/workflows.mjs';

const { check, timed, summary } = createRunner();
const DELIVERY_TIMEOUT = Number(process.env.E2E_DELIVERY_TIMEOUT_MS || 110_000);
const POLL_TIMES = process.env.E2E_POLL_CRON
	? { item: [{ mode: 'custom', cronExpression: process.env.E2E_POLL_CRON }] }
	: { item: [{ mode: 'everyMinute' }] };
const SCHEDULE_SECONDS = 15;
// Sub-minute polls: n8n takes a custom cron with explicit seconds (it refuses `*` there).
const FAST_POLL_GAP_MS = 10_000;
const FAST_POLL_TIMES = {
	item: [{ mode: 'custom', cronExpression: '0,10,20,30,40,50 * * * * *' }],
};
/** Polls every second, so that one slow answer keeps a poll running through several ticks. */
const OVERLAP_POLL_GAP_MS = 1000;
const OVERLAP_POLL_TIMES = { item: [{ mode: 'custom', cronExpression: '0-59 * * * * *' }] };
/** What the triggers log when a poll finds the previous one of its trigger still running. */
const POLL_SKIPPED = /skipped this poll: the previous poll of this trigger/;
/** The SIEM recipes (examples 04–06): example key, workflow id key, the node that sends. */
const SIEM_RECIPES = [
	{
		key: 'splunk',
		id: 'exampleSplunk',
		node: 'Send to Splunk HEC',
		label: 'example 04 Splunk HEC',
	},
	{
		key: 'elastic',
		id: 'exampleElastic',
		node: 'Send to _bulk',
		label: 'example 05 Elasticsearch _bulk',
	},
	{
		key: 'sentinel',
		id: 'exampleSentinel',
		node: 'Send to Logs Ingestion API',
		label: 'example 06 Sentinel Logs Ingestion',
	},
];
/** The audit event each destination stored: its key, or what is wrong with it. */
const SIEM_KEYS = {
	// Raw output in a HEC envelope whose time is the event's created_at in epoch seconds.
	splunk: (e) =>
		e.event?.gid && e.time === Date.parse(e.event.created_at) / 1000 && e.sourcetype
			? e.event.gid
			: `bad envelope: ${JSON.stringify(e).slice(0, 200)}`,
	// An ECS document stored under its event id.
	elastic: (w) =>
		w.op === 'index' && w.id === w.source?.event?.id && w.source?.['@timestamp']
			? w.id
			: `bad write: ${JSON.stringify(w).slice(0, 200)}`,
	// An OCSF record with TimeGenerated = the OCSF time.
	sentinel: (r) =>
		Number.isInteger(r.class_uid) && Date.parse(r.TimeGenerated) === r.time
			? r.metadata?.uid
			: `bad record: ${JSON.stringify(r).slice(0, 200)}`,
};
const SECURITY_CATEGORIES = [
	'user_access_control',
	'roles',
	'admin_settings',
	'apps',
	'exports',
	'content_export',
];

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asana-events-e2e-'));
let sim;
let sink;
let n8n;
let runtime;
let packed;
/** The front door's own n8n and Slack stand-in. */
let frontDoor;
const FRONT_DOOR_ONLY = process.env.E2E_ONLY === 'front-door';
/** The SIEM recipes' destinations (Splunk HEC, Elasticsearch _bulk, Sentinel Logs Ingestion). */
let siem;
const SIEM_SECRETS = siemSecrets();
/** Events per request in the recipes during the suite (500 as shipped): several requests per poll. */
const SIEM_MAX_EVENTS = 5;

const cleanupAll = async () => {
	await n8n?.stop(20_000).catch(() => {});
	await frontDoor?.n8n.stop(20_000).catch(() => {});
	await frontDoor?.slack.close().catch(() => {});
	// For inspection of a kept work folder: what n8n asked the simulator, what the sink got.
	if (sim)
		await sim
			.requestLog()
			.then((l) =>
				fs.writeFileSync(path.join(workDir, 'simulator-requests.json'), JSON.stringify(l, null, 1)),
			)
			.catch(() => {});
	if (sink)
		fs.writeFileSync(
			path.join(workDir, 'sink-records.json'),
			JSON.stringify(
				sink.records.map(({ headers, ...r }) => r),
				null,
				1,
			),
		);
	await sim?.stop().catch(() => {});
	await sink?.close().catch(() => {});
	await siem?.close().catch(() => {});
};
installCleanup(cleanupAll);

// ---- main --------------------------------------------------------------------------------

async function main() {
	log(`work folder: ${workDir}`);
	if (!simulatorAvailable())
		throw new Error('test/simulator/cli.ts is missing: the e2e suite needs the Asana simulator');

	runtime = await timed('install n8n runtime', () => ensureRuntime());
	log(
		`n8n runtime: ${runtime.dir} (${runtime.installedNow ? `installed now in ${fmtMs(runtime.installMs)}` : 'cached'})`,
	);

	packed = await timed('build + npm pack', () => buildAndPack(workDir));
	log(`packed ${path.basename(packed.tarball)} (${packed.files.length} files)`);
	const shippedNodes = packed.n8n.nodes.map((f) => lowerFirst(path.basename(f, '.node.js')));
	const shippedCredentials = packed.n8n.credentials.map((f) =>
		lowerFirst(path.basename(f, '.credentials.js')),
	);
	log(
		`package.json lists nodes: ${shippedNodes.join(', ')}; credentials: ${shippedCredentials.join(', ')}`,
	);

	sink = await startSink();
	siem = await startSiemReceivers(SIEM_SECRETS);
	sim = await timed('start simulator', () =>
		startSimulator({ logFile: path.join(workDir, 'simulator.log') }),
	);
	log(`simulator: ${sim.baseUrl}; sink: ${sink.url}`);
	// Asana refuses a personal token on workspace events and the audit log with a bare
	// "Forbidden": what the user learns about service accounts must come from the node.
	await sim.forbiddenMessage('Forbidden');
	const [P1, P2] = sim.projects.map((p) => p.gid);
	const G1 = sim.goals[0]?.gid;

	const owner = {
		email: 'e2e-owner@example.com',
		password: randomPassword(),
		firstName: 'E2E',
		lastName: 'Owner',
	};
	n8n = new N8n({
		runtime,
		userFolder: path.join(workDir, 'n8n'),
		port: Number(process.env.E2E_N8N_PORT || (await freePort())),
		brokerPort: await freePort(),
		owner,
	});

	await check(
		"the packed tarball installs into n8n's nodes folder like a community package",
		async () => {
			const installed = await timed('install package into n8n', () =>
				n8n.installPackage(packed.tarball),
			);
			assert(installed.includes(PACKAGE), `node_modules holds ${installed.join(', ')}`);
			assert(
				!installed.includes('n8n-workflow'),
				'n8n-workflow was installed next to the package: it must come from n8n (peer dependency)',
			);
			return `installed: ${installed.join(', ')}`;
		},
	);

	// Credentials and workflows, imported with the CLI while n8n is stopped.
	const creds = credentials({
		baseUrl: sim.baseUrl,
		token: sim.tokens.alice,
		serviceAccountToken: sim.tokens.serviceAccount,
	});
	// Connected, but its access token has expired: the first request must refresh it.
	creds.push(oauth2Credential(await sim.control('oauth-tokens', { expired: true })));
	// The same user's token in a credential of its own: the request rate the earlier triggers
	// share with the first one (Max Requests per Minute, per credential) does not thin its polls.
	const teamSixCredential = { id: 'asanaTeamSix0001', name: 'Asana account (team of six)' };
	creds.push({
		...teamSixCredential,
		type: 'asanaEventsApi',
		data: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl },
	});
	creds.push(...siemCredentials(SIEM_SECRETS, { entraTokenUrl: siem.urls.entraToken }));
	const credFile = path.join(workDir, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify(creds, null, 2));

	// Prepared before n8n runs: a token and activity on P2 for the Get Events action.
	const actionSync = await sim.syncToken(P2);
	await sim.activity(8, P2);
	const actionExpected = (await sim.eventsSince(P2, actionSync)).events;
	await sim.audit(6); // for Audit Log › Get Many

	const wfDir = path.join(workDir, 'workflows');
	fs.mkdirSync(wfDir);
	const triggerWorkflows = [];
	const manualWorkflows = [];
	const save = (wf) =>
		fs.writeFileSync(path.join(wfDir, `${wf.id}.json`), JSON.stringify(wf, null, 2));
	const add = (list, wf) => {
		list.push(wf);
		save(wf);
	};
	const sinkPath = {
		events: '/e2e/events-p1',
		gap: '/e2e/goal-gap',
		slackTasks: '/slack/tasks',
		siem: '/siem/audit',
		slackSecurity: '/slack/security',
		batches: '/batches/p1',
		unreachable: '/e2e/never',
		overlapEvents: '/e2e/overlap-events',
		overlapAudit: '/e2e/overlap-audit',
		killEvents: '/e2e/kill-events',
		neverLost: '/e2e/never-lost',
		completedAB: '/e2e/completed-ab',
		anyAB: '/e2e/any-ab',
		assignedNotMe: '/e2e/assigned-not-me',
	};
	add(
		triggerWorkflows,
		triggerToSink({
			id: 'e2eEventsP10001',
			name: 'E2E: events of project 1 → sink',
			url: sink.url + sinkPath.events,
			trigger: eventsTriggerNode({ gids: [P1], pollTimes: POLL_TIMES }),
		}),
	);
	if (G1)
		add(
			triggerWorkflows,
			triggerToSink({
				id: 'e2eGoalGap00001',
				name: 'E2E: goal events, gap notice → sink',
				url: sink.url + sinkPath.gap,
				trigger: eventsTriggerNode({ gids: [G1], pollTimes: POLL_TIMES }),
			}),
		);
	add(
		triggerWorkflows,
		prepareWorkflow(readExample('slack'), {
			id: IDS.exampleSlack,
			projectGid: P2,
			pollTimes: POLL_TIMES,
			urls: { 'Send to Slack': sink.url + sinkPath.slackTasks },
		}),
	);
	add(
		triggerWorkflows,
		prepareWorkflow(readExample('audit'), {
			id: IDS.exampleAudit,
			workspaceGid: sim.workspaceGid,
			pollTimes: POLL_TIMES,
			urls: {
				'Send to SIEM': sink.url + sinkPath.siem,
				'Security Alert to Slack': sink.url + sinkPath.slackSecurity,
			},
		}),
	);
	add(
		triggerWorkflows,
		prepareWorkflow(readExample('scheduled'), {
			id: IDS.exampleScheduled,
			projectGid: P1,
			scheduleSeconds: SCHEDULE_SECONDS,
			urls: { 'Send Batch': sink.url + sinkPath.batches },
		}),
	);
	// The SIEM recipes, each against its destination's receiver (lib/siem.mjs).
	for (const recipe of SIEM_RECIPES) {
		const wf = prepareWorkflow(readExample(recipe.key), {
			id: IDS[recipe.id],
			workspaceGid: sim.workspaceGid,
			urls: { [recipe.node]: siem.urls[recipe.key] },
			pollTimes: POLL_TIMES,
		});
		for (const node of wf.nodes) {
			const code = node.parameters.jsCode;
			if (node.type !== 'n8n-nodes-base.code' || !code.includes('MAX_EVENTS')) continue;
			node.parameters.jsCode = code.replace(
				/const MAX_EVENTS = \d+;/,
				`const MAX_EVENTS = ${SIEM_MAX_EVENTS};`,
			);
			assert(node.parameters.jsCode !== code, `${recipe.key}: MAX_EVENTS not found`);
		}
		add(triggerWorkflows, wf);
	}
	// Activated later, one group at a time.
	const patWorkflows = [];
	add(
		patWorkflows,
		triggerToSink({
			id: 'e2ePatWorkspace1',
			name: 'E2E: workspace events with a personal token',
			url: sink.url + sinkPath.unreachable,
			trigger: eventsTriggerNode({ workspaceGid: sim.workspaceGid, credentialId: IDS.credToken }),
		}),
	);
	add(
		patWorkflows,
		triggerToSink({
			id: 'e2ePatAuditLog01',
			name: 'E2E: audit log with a personal token',
			url: sink.url + sinkPath.unreachable,
			trigger: auditTriggerNode({ workspaceGid: sim.workspaceGid, credentialId: IDS.credToken }),
		}),
	);
	const overlapWorkflows = [];
	add(
		overlapWorkflows,
		triggerToSink({
			id: 'e2eOverlapEvents',
			name: 'E2E: events of project 1 every second → sink',
			url: sink.url + sinkPath.overlapEvents,
			trigger: eventsTriggerNode({ gids: [P1], pollTimes: OVERLAP_POLL_TIMES }),
		}),
	);
	add(
		overlapWorkflows,
		triggerToSink({
			id: 'e2eOverlapAudit1',
			name: 'E2E: audit log every second → sink',
			url: sink.url + sinkPath.overlapAudit,
			trigger: auditTriggerNode({ workspaceGid: sim.workspaceGid, pollTimes: OVERLAP_POLL_TIMES }),
		}),
	);
	const killWorkflow = triggerToSink({
		id: 'e2eKillEvents001',
		name: 'E2E: events of project 2 every 10 s → sink (hard kill)',
		url: sink.url + sinkPath.killEvents,
		trigger: eventsTriggerNode({ gids: [P2], pollTimes: FAST_POLL_TIMES }),
	});
	save(killWorkflow);
	// Replay From and Recover Changes, activated at the end (the simulator's clock moves on there).
	const neverLostWorkflow = triggerToSink({
		id: 'e2eNeverLost0001',
		name: 'E2E: events of project 2 every 10 s, Recover Changes → sink',
		url: sink.url + sinkPath.neverLost,
		trigger: eventsTriggerNode({
			gids: [P2],
			pollTimes: FAST_POLL_TIMES,
			onExpiredSyncToken: 'recover',
		}),
	});
	save(neverLostWorkflow);
	const editorIssueWorkflow = workflowWithIssue('e2eEditorIssue01');
	save(editorIssueWorkflow);
	// All Projects of a Team: the team and one project exist before activation, another comes later.
	const team = await sim.control('teams', { name: 'E2E Team' });
	await sim.control('projects', { name: 'E2E Team: first', teamGid: team.gid });
	const teamTrigger = eventsTriggerNode({
		gids: [],
		pollTimes: FAST_POLL_TIMES,
		options: { projectListRefreshMinutes: 1, emitWatchChanges: true },
	});
	delete teamTrigger.parameters.resources;
	Object.assign(teamTrigger.parameters, {
		source: 'teamProjects',
		team: { __rl: true, mode: 'id', value: team.gid },
	});
	const teamWorkflow = triggerToSink({
		id: 'e2eTeamSource001',
		name: 'E2E: all projects of a team every 10 s → sink',
		url: `${sink.url}/e2e/team`,
		trigger: teamTrigger,
	});
	save(teamWorkflow);
	// A whole team keeps flowing: six projects, one of which the token's user loses access to
	// and one of which is deleted while the trigger listens.
	const team6 = await sim.control('teams', { name: 'E2E Team of six' });
	const team6Projects = [];
	for (let i = 1; i <= 6; i++)
		team6Projects.push(
			(await sim.control('projects', { name: `E2E Team of six: ${i}`, teamGid: team6.gid })).gid,
		);
	const team6Trigger = structuredClone(teamTrigger);
	team6Trigger.parameters.team = { __rl: true, mode: 'id', value: team6.gid };
	team6Trigger.credentials = { asanaEventsApi: teamSixCredential };
	const team6Workflow = triggerToSink({
		id: 'e2eTeamFlowing01',
		name: 'E2E: a team of six, one project restricted, one deleted → sink',
		url: `${sink.url}/e2e/team-six`,
		trigger: team6Trigger,
	});
	save(team6Workflow);
	// One item per change: two projects that share tasks, each watched by the same triggers.
	// Only these checks change them; the tasks exist before the triggers' first poll.
	const users = (await sim.state()).users;
	const shared = {
		A: (await sim.control('projects', { name: 'E2E: shared tasks A' })).gid,
		B: (await sim.control('projects', { name: 'E2E: shared tasks B' })).gid,
	};
	const sharedTasks = {
		inBoth: await sim.createTask('In A and B', [shared.A, shared.B]),
		assignedByMe: await sim.createTask('Assigned by the credential’s user', [shared.A]),
		assignedByOther: await sim.createTask('Assigned by another user', [shared.A]),
		completedInGap: await sim.createTask('Completed in the gap', [shared.A]),
		inBothCompletedInGap: await sim.createTask('In A and B, completed in the gap', [
			shared.A,
			shared.B,
		]),
		reassignedInGap: await sim.createTask('Only reassigned in the gap', [shared.A]),
	};
	const sharedTrigger = (options) =>
		eventsTriggerNode({ gids: [shared.A, shared.B], pollTimes: FAST_POLL_TIMES, ...options });
	// Stays active through Replay From and Recover Changes: its gap is recovered there.
	const completedWorkflow = triggerToSink({
		id: 'e2eCompletedAB01',
		name: 'E2E: Task Completed in shared projects A and B, Recover Changes → sink',
		url: sink.url + sinkPath.completedAB,
		trigger: sharedTrigger({ triggerOn: ['taskCompleted'], onExpiredSyncToken: 'recover' }),
	});
	const anyEventWorkflow = triggerToSink({
		id: 'e2eAnyEventAB001',
		name: 'E2E: Any Event in shared projects A and B → sink',
		url: sink.url + sinkPath.anyAB,
		trigger: sharedTrigger({}),
	});
	const assignedWorkflow = triggerToSink({
		id: 'e2eAssignedNotMe',
		name: 'E2E: Task Assigned, not by the credential’s user → sink',
		url: sink.url + sinkPath.assignedNotMe,
		trigger: sharedTrigger({
			triggerOn: ['taskAssigned'],
			filters: { ignoreOwnEvents: true },
		}),
	});
	const sharedWorkflows = [completedWorkflow, anyEventWorkflow, assignedWorkflow];
	for (const wf of sharedWorkflows) save(wf);
	add(
		manualWorkflows,
		manualWorkflow({
			id: 'e2eActionSync01',
			name: 'E2E: Get Sync Token',
			node: {
				name: 'Asana Events',
				type: T.events,
				typeVersion: 1,
				parameters: {
					authentication: 'accessToken',
					resource: 'event',
					operation: 'getSyncToken',
					source: 'resource',
					asanaObject: { __rl: true, mode: 'id', value: P1 },
				},
				credentials: { asanaEventsApi: { id: IDS.credToken, name: 'Asana account' } },
			},
		}),
	);
	add(
		manualWorkflows,
		manualWorkflow({
			id: 'e2eActionEvts01',
			name: 'E2E: Get Events',
			node: {
				name: 'Asana Events',
				type: T.events,
				typeVersion: 1,
				parameters: {
					authentication: 'accessToken',
					resource: 'event',
					operation: 'getEvents',
					source: 'resource',
					asanaObject: { __rl: true, mode: 'id', value: P2 },
					sync: actionSync,
					returnAll: true,
					options: { format: 'raw', splitIntoItems: true },
				},
				credentials: { asanaEventsApi: { id: IDS.credToken, name: 'Asana account' } },
			},
		}),
	);
	add(
		manualWorkflows,
		manualWorkflow({
			id: 'e2eActionBad001',
			name: 'E2E: Get Sync Token with a wrong token',
			node: {
				name: 'Asana Events',
				type: T.events,
				typeVersion: 1,
				parameters: {
					authentication: 'accessToken',
					resource: 'event',
					operation: 'getSyncToken',
					source: 'resource',
					asanaObject: { __rl: true, mode: 'id', value: P1 },
				},
				credentials: {
					asanaEventsApi: { id: IDS.credBadToken, name: 'Asana account (wrong token)' },
				},
			},
		}),
	);
	add(
		manualWorkflows,
		manualWorkflow({
			id: 'e2eActionOAuth1',
			name: 'E2E: Get Sync Token with an expired OAuth2 access token',
			node: {
				name: 'Asana Events',
				type: T.events,
				typeVersion: 1,
				parameters: {
					authentication: 'oAuth2',
					resource: 'event',
					operation: 'getSyncToken',
					source: 'resource',
					asanaObject: { __rl: true, mode: 'id', value: P1 },
				},
				credentials: { asanaEventsOAuth2Api: { id: IDS.credOAuth2, name: 'Asana OAuth2' } },
			},
		}),
	);
	add(
		manualWorkflows,
		manualWorkflow({
			id: 'e2eActionAudit1',
			name: 'E2E: Audit Log Get Many',
			node: {
				name: 'Asana Audit Log',
				type: T.auditLog,
				typeVersion: 1,
				parameters: {
					resource: 'auditLogEvent',
					operation: 'getAll',
					workspace: { __rl: true, mode: 'id', value: sim.workspaceGid },
					returnAll: true,
					filters: {},
					options: {},
				},
				credentials: {
					asanaEventsApi: { id: IDS.credServiceAccount, name: 'Asana service account' },
				},
			},
		}),
	);

	await check('n8n CLI imports the credentials and workflows', async () => {
		await timed('CLI import', async () => {
			await n8n.cli(['import:credentials', `--input=${credFile}`]);
			await n8n.cli(['import:workflow', '--separate', `--input=${wfDir}`]);
		});
		return `${creds.length} credentials, ${fs.readdirSync(wfDir).length} workflows`;
	});

	// ---- action nodes through `n8n execute` (n8n stopped: the CLI shares its database) ------
	const execute = async (id) => {
		// `execute` prints the run through n8n's logger at level info.
		const result = await n8n.cli(['execute', `--id=${id}`, '--rawOutput'], {
			allowFailure: true,
			timeoutMs: 180_000,
			logLevel: 'info',
		});
		return { ...result, run: lastJsonDocument(result.stdout) };
	};
	const itemsOf = (run, node) =>
		run?.data?.resultData?.runData?.[node]?.[0]?.data?.main?.[0]?.map((i) => i.json) ?? [];

	await check(
		'action node: Asana Events › Get Sync Token prints a token (n8n execute)',
		async () => {
			const r = await timed('n8n execute', () => execute('e2eActionSync01'));
			assert(r.code === 0, `exit ${r.code}:\n${(r.stdout + r.stderr).slice(-2000)}`);
			const items = itemsOf(r.run, 'Asana Events');
			assert(
				items.length === 1 && typeof items[0].sync === 'string' && items[0].sync.length > 0,
				`items: ${JSON.stringify(items)}`,
			);
			return `sync=${items[0].sync} (${fmtMs(r.ms)})`;
		},
	);
	await check(
		'action node: Asana Events › Get Events prints every event since the token (n8n execute)',
		async () => {
			const r = await timed('n8n execute', () => execute('e2eActionEvts01'));
			assert(r.code === 0, `exit ${r.code}:\n${(r.stdout + r.stderr).slice(-2000)}`);
			const items = itemsOf(r.run, 'Asana Events');
			const cmp = compareExactlyOnce(
				'Get Events',
				actionExpected.map(eventKey),
				items.map(eventKey),
			);
			assert(cmp.ok, cmp.text);
			assert(
				items.every((i) => typeof i.sync === 'string' && i.sync),
				'every item carries the next sync token',
			);
			return `${items.length} events (${fmtMs(r.ms)})`;
		},
	);
	await check(
		'action node with a wrong token fails with a clear 401 message (n8n execute)',
		async () => {
			const r = await timed('n8n execute', () => execute('e2eActionBad001'));
			const all = r.stdout + r.stderr;
			assert(r.code !== 0, `expected a failing execution, got exit 0:\n${all.slice(-1500)}`);
			assert(
				/401|not authori[sz]ed|token/i.test(all),
				`no 401 / token hint in the output:\n${all.slice(-2000)}`,
			);
			const line = all.split('\n').find((l) => /401|authori[sz]/i.test(l)) ?? '';
			return `exit ${r.code}: ${line.trim().slice(0, 160)}`;
		},
	);
	await check(
		'OAuth2: an expired access token is refreshed once and the request then succeeds (n8n execute)',
		async () => {
			const from = (await sim.requestLog()).length;
			const r = await timed('n8n execute', () => execute('e2eActionOAuth1'));
			const asked = (await sim.requestLog())
				.slice(from)
				.map((q) => `${q.method} ${q.path.replace('/api/1.0', '')} ${q.status}`);
			assert(
				r.code === 0,
				`exit ${r.code}; requests: ${asked.join(', ')}\n${(r.stdout + r.stderr).slice(-1500)}`,
			);
			const items = itemsOf(r.run, 'Asana Events');
			assert(items.length === 1 && items[0].sync, `items: ${JSON.stringify(items)}`);
			const refreshes = asked.filter((q) => q.startsWith('POST /-/oauth_token'));
			assert(
				refreshes.length === 1 && refreshes[0].endsWith(' 200'),
				`token endpoint asked ${refreshes.length} times: ${asked.join(', ')}`,
			);
			return asked.join(', ');
		},
	);
	await check(
		'action node: Asana Audit Log › Get Many prints the audit events (n8n execute)',
		async () => {
			const expected = await sim.auditEvents();
			const r = await timed('n8n execute', () => execute('e2eActionAudit1'));
			assert(r.code === 0, `exit ${r.code}:\n${(r.stdout + r.stderr).slice(-2000)}`);
			const items = itemsOf(r.run, 'Asana Audit Log');
			const cmp = compareExactlyOnce(
				'Audit Get Many',
				expected.map((e) => e.gid),
				items.map((e) => e.gid),
			);
			assert(cmp.ok, cmp.text);
			return `${items.length} audit events`;
		},
	);

	// ---- n8n running -------------------------------------------------------------------------
	const startMs = await timed('n8n start (first)', () => n8n.start());
	log(`n8n ready on ${n8n.baseUrl} in ${fmtMs(startMs)}`);

	await check("the package loads without errors in n8n's log", async () => {
		const text = n8n.output();
		const bad = text
			.split('\n')
			.filter(
				(l) =>
					/n8n-nodes-asana-events|asanaEvents|asanaAuditLog/i.test(l) &&
					/error|fail|could not|cannot|unrecognized/i.test(l),
			);
		assert(
			!/Failed to load package "n8n-nodes-asana-events"/.test(text),
			'n8n: Failed to load package',
		);
		assert(bad.length === 0, `log lines:\n${bad.join('\n')}`);
		return 'no load errors';
	});

	await check('every node and credential of package.json is registered in n8n', async () => {
		const nodes = await n8n.restOk('GET', '/types/nodes.json');
		const credTypes = await n8n.restOk('GET', '/types/credentials.json');
		const nodeNames = new Set((Array.isArray(nodes) ? nodes : []).map((n) => n.name));
		const credNames = new Set((Array.isArray(credTypes) ? credTypes : []).map((c) => c.name));
		const missingNodes = shippedNodes.filter((n) => !nodeNames.has(`${PACKAGE}.${n}`));
		const missingCreds = shippedCredentials.filter((c) => !credNames.has(c));
		assert(
			!missingNodes.length && !missingCreds.length,
			`missing nodes: ${missingNodes.join(', ') || '-'}; missing credentials: ${missingCreds.join(', ') || '-'}`,
		);
		const tools = [...nodeNames].filter((n) => n.startsWith(`${PACKAGE}.`) && n.endsWith('Tool'));
		const expectedTools = [`${PACKAGE}.asanaEventsTool`, `${PACKAGE}.asanaAuditLogTool`];
		assert(
			expectedTools.every((t) => tools.includes(t)),
			`tool variants: ${tools.join(', ') || 'none'}`,
		);
		return `${shippedNodes.map((n) => `${PACKAGE}.${n}`).join(', ')}; tools: ${tools.join(', ')}; credentials: ${shippedCredentials.join(', ')}`;
	});

	const credentialTest = async (id) => {
		const stored = await n8n.restOk('GET', `/rest/credentials/${id}?includeData=true`);
		// What the editor sends: the stored, redacted data; n8n puts the secrets back in.
		return n8n.restOk('POST', '/rest/credentials/test', {
			credentials: { id: stored.id, name: stored.name, type: stored.type, data: stored.data },
		});
	};
	await check('credential test passes against the simulator (REST, as the owner)', async () => {
		const res = await credentialTest(IDS.credToken);
		assert(res.status === 'OK', JSON.stringify(res));
		return `${res.status}${res.message ? `: ${res.message}` : ''}`;
	});
	await check('credential test fails clearly with a wrong token', async () => {
		const res = await credentialTest(IDS.credBadToken);
		assert(res.status === 'Error', JSON.stringify(res));
		assert(/401|authori[sz]|token|credential/i.test(res.message ?? ''), `message: ${res.message}`);
		return `${res.status}: ${res.message}`;
	});

	// ---- triggers: activate, phase 1 -------------------------------------------------------------
	const activated = [];
	await check('trigger and example workflows activate', async () => {
		for (const wf of triggerWorkflows) {
			const res = await n8n.activate(wf.id);
			assert(res.ok, `${wf.name}: ${res.status} ${JSON.stringify(res.raw).slice(0, 1500)}`);
			activated.push(wf);
		}
		return activated.map((w) => w.name).join('; ');
	});
	const isActive = (id) => activated.some((w) => w.id === id);

	// n8n shows only an error's message where activation fails, never its description.
	const namesServiceAccount = (label, message) =>
		/service account/i.test(message ?? '')
			? undefined
			: `${label}: n8n shows "${message}", not a word about a service account`;
	await check(
		'activating workspace events or the audit log with a personal token fails, and what n8n shows names the service account (REST, as the editor publishes)',
		async () => {
			const shown = [];
			const problems = [];
			for (const wf of patWorkflows) {
				const res = await n8n.activate(wf.id);
				assert(!res.ok, `${wf.name}: activated with a personal access token`);
				const message = String(res.raw?.message ?? JSON.stringify(res.raw));
				shown.push(`${wf.name}: ${res.status} ${message}`);
				const problem = namesServiceAccount(wf.name, message);
				if (problem) problems.push(problem);
			}
			assert(!problems.length, problems.join('\n'));
			return shown.join('; ');
		},
	);

	// What the workflows must deliver is read with our own cursors, taken now: nothing
	// happens in the simulator between the triggers' activation polls and these.
	if (isActive(IDS.exampleScheduled)) {
		await check('the scheduled example ran once and stored its first sync token', async () => {
			await waitFor(
				'a first execution of the scheduled example',
				async () => (await executionsOf(IDS.exampleScheduled)).some((e) => e.status === 'success'),
				{ timeoutMs: SCHEDULE_SECONDS * 1000 + 30_000, intervalMs: 1000 },
			);
			return 'ok';
		});
	}
	const cursors = { P1: await sim.syncToken(P1), P2: await sim.syncToken(P2) };
	// Where each task stood when the cursors were taken: example 01's oracle walks on from here.
	const completedAtCursor = new Map((await sim.state()).tasks.map((t) => [t.gid, t.completed]));
	const auditBefore = new Set((await sim.auditEvents()).map((e) => e.gid));
	await sleep(1500);

	/** What the trigger node of a workflow emitted, over all its own executions (execution data via REST). */
	const triggerOutput = async (workflowId) => {
		const parse = flattedParser(runtime);
		// The trigger's own executions; the manual one of Fetch Test Event holds a sample, not deliveries.
		const executions = (await executionsOf(workflowId)).filter((e) => e.mode !== 'manual');
		const items = [];
		for (const e of executions) {
			const full = await n8n.restOk('GET', `/rest/executions/${e.id}`);
			const data = typeof full.data === 'string' ? parse(full.data) : full.data;
			for (const item of data?.resultData?.runData?.Trigger?.[0]?.data?.main?.[0] ?? [])
				items.push(item.json);
		}
		return { executions, items };
	};

	const expectations = async () => {
		const p1 = (await sim.eventsSince(P1, cursors.P1)).events;
		const p2 = (await sim.eventsSince(P2, cursors.P2)).events;
		const audit = (await sim.auditEvents()).filter((e) => !auditBefore.has(e.gid));
		return { p1, p2, audit };
	};
	/** Completions and reopenings among `events` (oldest first), told apart by walking each task's state. */
	const completionsOf = (events) => {
		const completed = new Map(completedAtCursor);
		const out = { completed: [], reopened: [] };
		for (const e of events) {
			if (e.action !== 'changed' || e.resource?.resource_type !== 'task') continue;
			if (e.change?.field !== 'completed') continue;
			const now = !(completed.get(e.resource.gid) ?? false);
			completed.set(e.resource.gid, now);
			out[now ? 'completed' : 'reopened'].push(e);
		}
		return out;
	};
	const isSecurity = (e) =>
		SECURITY_CATEGORIES.includes(e.event_category) || e.event_type === 'user_login_failed';
	/** The task a Slack message of example 01 names: its summary says "completed", its link ends in the task. */
	const slackKey = (text) => {
		const gid = /<https:\/\/app\.asana\.com\/0\/\d+\/(\d+)\|Open in Asana>$/.exec(text)?.[1];
		return / completed “[^”]+”/.test(text) && gid ? gid : `not a completion: ${text}`;
	};
	const comparisons = async () => {
		const exp = await expectations();
		const out = [];
		if (isActive('e2eEventsP10001')) {
			out.push(
				compareExactlyOnce(
					'events trigger (project 1)',
					exp.p1.map(eventKey),
					sink.bodies(sinkPath.events).map(eventKey),
				),
			);
		}
		if (isActive(IDS.exampleSlack)) {
			// A task can be completed twice: compare as a multiset. A reopening is never posted.
			const { completed, reopened } = completionsOf(exp.p2);
			const got = sink
				.bodies(sinkPath.slackTasks)
				.filter((b) => !String(b.text).startsWith(':warning:'))
				.map((b) => slackKey(b.text));
			// A task deleted meanwhile may be gone before the trigger reads it: its completion may
			// be left out (it cannot be told from a reopening), never posted wrongly.
			const deleted = new Set(
				exp.p2.filter((e) => e.action === 'deleted').map((e) => e.resource.gid),
			);
			const want = [];
			const posted = (gid) => got.filter((g) => g === gid).length;
			for (const e of completed) {
				const gid = e.resource.gid;
				if (!deleted.has(gid) || want.filter((g) => g === gid).length < posted(gid)) want.push(gid);
			}
			const compared = compareMultiset('example 01 Slack messages (Task Completed)', want, got);
			out.push({
				...compared,
				text: `${compared.text}; ${reopened.length} reopenings not posted`,
			});
		}
		if (isActive(IDS.exampleAudit)) {
			out.push(
				compareExactlyOnce(
					'example 02 SIEM',
					exp.audit.map((e) => e.gid),
					// The example sends OCSF: an event without class_uid counts as unexpected.
					sink
						.bodies(sinkPath.siem)
						.map((b) => (Number.isInteger(b.class_uid) ? b.metadata?.uid : `not OCSF: ${b.gid}`)),
				),
			);
			const got = sink
				.bodies(sinkPath.slackSecurity)
				.map((b) => /\(event (\d+)\)/.exec(b.text)?.[1]);
			out.push(
				compareExactlyOnce(
					'example 02 Slack security alerts',
					exp.audit.filter(isSecurity).map((e) => e.gid),
					got,
				),
			);
		}
		for (const recipe of SIEM_RECIPES) {
			if (!isActive(IDS[recipe.id])) continue;
			out.push(
				compareExactlyOnce(
					recipe.label,
					exp.audit.map((e) => e.gid),
					siem.state[recipe.key].accepted.map(SIEM_KEYS[recipe.key]),
				),
			);
		}
		if (isActive(IDS.exampleScheduled)) {
			const got = sink
				.bodies(sinkPath.batches)
				.flatMap((b) => b.events ?? [])
				.map(eventKey);
			out.push(compareExactlyOnce('example 03 scheduled batches', exp.p1.map(eventKey), got));
		}
		return { out, exp };
	};
	const waitForDeliveries = async (label) => {
		let last;
		try {
			await waitFor(
				`${label}: every expected delivery`,
				async () => {
					last = await comparisons();
					return last.out.every((c) => c.complete);
				},
				{ timeoutMs: DELIVERY_TIMEOUT, intervalMs: 2000 },
			);
		} catch (error) {
			throw new Error(`${error.message}\n${(last?.out ?? []).map((c) => c.text).join('\n')}`);
		}
		await sleep(2000); // late duplicates would show up now
		last = await comparisons();
		const failed = last.out.filter((c) => !c.ok);
		assert(!failed.length, failed.map((c) => c.text).join('\n'));
		return last;
	};

	const latencies = (since) => {
		const byPath = new Map();
		for (const r of sink.records)
			if (r.at >= since) byPath.set(r.path, Math.max(byPath.get(r.path) ?? 0, r.at - since));
		return [...byPath].map(([p, ms]) => `${p} ${fmtMs(ms)}`).join(', ');
	};
	const generate = async (p1, p2, audit) => {
		await sim.activity(p1, P1);
		await sim.activity(p2, P2);
		if (audit) await sim.audit(audit);
	};
	/** One task of project 2 completed, another completed and reopened: look-alikes for example 01. */
	const completeAndReopen = async () => {
		const open = (await sim.state()).tasks.filter(
			(t) => t.projectGids.includes(P2) && !t.deleted && !t.completed,
		);
		assert(open.length >= 2, `project 2 has ${open.length} open tasks, 2 are needed`);
		await sim.completeTask(open[0].gid);
		await sim.completeTask(open[1].gid);
		await sim.completeTask(open[1].gid, false);
	};

	await check(
		'phase 1: activity in the simulator arrives through every active trigger, exactly once',
		async () => {
			if (!activated.length) skip('no trigger workflow is active');
			const t0 = Date.now();
			// Each SIEM destination answers its second request as busy (503 / 429 / 429 + Retry-After).
			siem.refuseNth(2);
			await generate(10, 30, 12);
			await completeAndReopen();
			const { out, exp } = await timed('phase 1 deliveries', () => waitForDeliveries('phase 1'));
			return `${out.map((c) => c.text).join('; ')} — ${exp.p1.length}+${exp.p2.length} events, ${exp.audit.length} audit events; last arrival per endpoint: ${latencies(t0)}`;
		},
		{ timeoutMs: DELIVERY_TIMEOUT + 60_000 },
	);

	// The active workflow holds cursors by now, which the manual run gets from the database; the
	// events it samples must still reach the active trigger exactly once (checked after the restart).
	await check(
		'Fetch Test Event on the active events trigger returns the changes made while it listens (REST, as the editor runs it)',
		async () => {
			if (!isActive('e2eEventsP10001')) skip('the events trigger workflow is not active');
			const run = await n8n.runManually('e2eEventsP10001', {
				triggerToStartFrom: { name: 'Trigger' },
				destinationNode: { nodeName: 'Trigger', mode: 'inclusive' },
			});
			assert(run.executionId, `no execution id: ${JSON.stringify(run)}`);
			// The trigger listens for a few seconds (Test Event Wait); changes made meanwhile are its sample.
			await sleep(3000);
			await generate(3, 0, 0);
			let execution;
			await waitFor(
				'the manual execution to finish',
				async () => {
					execution = await n8n.restOk('GET', `/rest/executions/${run.executionId}`);
					return execution.finished || ['success', 'error', 'crashed'].includes(execution.status);
				},
				{ timeoutMs: 60_000, intervalMs: 1000 },
			);
			assert(
				execution.status === 'success',
				`manual execution ${execution.status}: ${JSON.stringify(execution).slice(0, 1500)}`,
			);
			const data =
				typeof execution.data === 'string'
					? flattedParser(runtime)(execution.data)
					: execution.data;
			const sample = (data?.resultData?.runData?.Trigger?.[0]?.data?.main?.[0] ?? []).map(
				(i) => i.json,
			);
			assert(
				sample.length > 0 && sample.every((e) => e.resource && e.action),
				`sample: ${JSON.stringify(sample).slice(0, 800)}`,
			);
			assert(!data?.resultData?.runData?.['Record Item'], 'the manual run went past the trigger');
			return `${sample.length} events in the sample`;
		},
		{ timeoutMs: 120_000 },
	);

	// ---- the editor in a real browser --------------------------------------------------------
	await check(
		'editor (Chromium): the panel of every node of the package opens without issues, error toasts, console errors or failed requests; a node missing a required parameter shows its issue; an execution shows its items; the sink shows the Slack messages',
		async () => {
			const editorDir = path.join(workDir, 'editor');
			const result = await timed('editor check (browser)', () =>
				runEditorCheck({
					runtime,
					workDir: editorDir,
					plan: {
						baseUrl: `http://localhost:${n8n.port}`,
						owner,
						screenshotDir: path.join(editorDir, 'screenshots'),
						workflows: [
							{ id: 'e2eEventsP10001' },
							{ id: IDS.exampleAudit },
							{ id: IDS.exampleScheduled },
							{ id: 'e2eActionAudit1' },
							{ id: editorIssueWorkflow.id, expectIssues: true },
						],
						screenshots: {
							panel: {
								workflowId: 'e2eEventsP10001',
								nodeType: T.eventsTrigger,
								file: 'panel.png',
							},
							execution: {
								workflowId: 'e2eEventsP10001',
								nodeType: T.eventsTrigger,
								file: 'execution.png',
							},
							slack: { url: `${sink.url}/?channel=tasks`, file: 'slack.png' },
						},
					},
				}),
			);
			assert(
				!result.problems.length,
				`${result.problems.join('\n')}\n(browser log: ${result.logFile})`,
			);
			const issue = result.panels.find((p) => p.workflowId === editorIssueWorkflow.id);
			return `${result.panels.length} panels in ${fmtMs(result.ms)}; the one made to fail showed: ${issue?.problems.join('; ')}; screenshots in ${path.join(editorDir, 'screenshots')}`;
		},
		{ timeoutMs: 600_000 },
	);

	// ---- restart -------------------------------------------------------------------------
	await check(
		'restart: n8n stopped mid-stream, events while down, started again → every event exactly once, gap notice for the expired token',
		async () => {
			if (!activated.length) skip('no trigger workflow is active');
			// Mid-stream: new activity right before the stop, some of it maybe polled, some not.
			await generate(4, 4, 2);
			const stopMs = await timed('n8n stop', () => n8n.stop());
			log(`n8n stopped in ${fmtMs(stopMs)}; generating while it is down`);
			await generate(12, 25, 12);
			if (G1) await sim.expireSync(G1);
			await sleep(1000);
			const t0 = Date.now();
			const startAgainMs = await timed('n8n start (restart)', () => n8n.start());
			log(`n8n restarted in ${fmtMs(startAgainMs)}`);
			const { out, exp } = await timed('restart deliveries', () =>
				waitForDeliveries('after restart'),
			);
			if (isActive('e2eGoalGap00001')) {
				await waitFor(
					'the gap notice of the expired goal stream',
					() => sink.bodies(sinkPath.gap).some((b) => b.gap_notice === true),
					{ timeoutMs: DELIVERY_TIMEOUT },
				);
				const gaps = sink.bodies(sinkPath.gap).filter((b) => b.gap_notice === true);
				assert(gaps.length === 1, `expected one gap notice, got ${gaps.length}`);
				assert(
					gaps[0].stream?.gid === G1 && gaps[0].reason === 'sync_token_expired',
					JSON.stringify(gaps[0]),
				);
			}
			return `${out.map((c) => c.text).join('; ')}; gap notice: ${sink.bodies(sinkPath.gap).filter((b) => b.gap_notice).length} — totals ${exp.p1.length}+${exp.p2.length} events, ${exp.audit.length} audit, last arrival per endpoint after the restart began: ${latencies(t0)}`;
		},
		{ timeoutMs: DELIVERY_TIMEOUT * 2 + 180_000 },
	);

	await check('executions of the active workflows all succeeded (REST)', async () => {
		if (!activated.length) skip('no trigger workflow is active');
		const lines = [];
		for (const wf of activated) {
			const list = await executionsOf(wf.id);
			const failed = list.filter((e) => !['success', 'running', 'new'].includes(e.status));
			assert(
				!failed.length,
				`${wf.name}: ${failed.length} executions not successful (${failed.map((e) => `${e.id}:${e.status}`).join(', ')})`,
			);
			lines.push(`${wf.id}: ${list.length}`);
		}
		return lines.join(', ');
	});

	await check(
		'the executions of the events trigger hold exactly the expected items (execution data via REST)',
		async () => {
			if (!isActive('e2eEventsP10001')) skip('the events trigger workflow is not active');
			const { executions, items } = await triggerOutput('e2eEventsP10001');
			const expected = (await sim.eventsSince(P1, cursors.P1)).events.map(eventKey);
			const cmp = compareExactlyOnce('trigger output in executions', expected, items.map(eventKey));
			assert(cmp.ok, cmp.text);
			return `${executions.length} executions, ${cmp.text}`;
		},
	);

	if (isActive(IDS.exampleScheduled)) {
		await check('the scheduled example keeps its sync token in workflow static data', async () => {
			const wf = await n8n.restOk('GET', `/rest/workflows/${IDS.exampleScheduled}`);
			const token = wf.staticData?.global?.asanaSyncToken;
			assert(
				typeof token === 'string' && token.length > 0,
				`staticData: ${JSON.stringify(wf.staticData)}`,
			);
			return `asanaSyncToken=${token}`;
		});
	}

	await check(
		'SIEM recipes: each destination got every audit event once, in its documented format, within its batch limit; a busy answer (HEC 503, _bulk 429, Sentinel 429 + Retry-After) was retried; no secret in items, executions or logs',
		async () => {
			const lines = [];
			const problems = [];
			for (const recipe of SIEM_RECIPES) {
				if (!isActive(IDS[recipe.id])) {
					problems.push(`${recipe.label}: not active`);
					continue;
				}
				const d = siem.state[recipe.key];
				if (d.violations.length)
					problems.push(`${recipe.label}: refused for the contract: ${d.violations.join(', ')}`);
				if (!d.busy.length) problems.push(`${recipe.label}: no busy answer was given`);
				if (Math.max(...d.batches) > SIEM_MAX_EVENTS)
					problems.push(`${recipe.label}: a request held ${Math.max(...d.batches)} events`);
				if (d.early) problems.push(`${recipe.label}: ${d.early} requests before Retry-After`);
				lines.push(
					`${recipe.key}: ${d.accepted.length} events in ${d.batches.length} requests (${d.batches.join('+')}), ${d.busy.length} busy answers retried`,
				);
			}
			const s = siem.state;
			if (!s.tokenRequests) problems.push('Sentinel: no Entra ID token was requested');
			// Secrets the credentials hold, and the access tokens the token endpoint issued.
			const secrets = [
				SIEM_SECRETS.hecToken,
				SIEM_SECRETS.elasticPassword,
				Buffer.from(`${SIEM_SECRETS.elasticUser}:${SIEM_SECRETS.elasticPassword}`).toString(
					'base64',
				),
				SIEM_SECRETS.clientSecret,
				...s.tokensIssued,
			];
			const places = { "n8n's log": n8n.output() };
			for (const recipe of SIEM_RECIPES) {
				for (const e of await executionsOf(IDS[recipe.id])) {
					const full = await n8n.restOk('GET', `/rest/executions/${e.id}`);
					places[`execution ${e.id} of ${recipe.key}`] = JSON.stringify(full);
				}
			}
			places['what the destinations stored'] = JSON.stringify([
				s.splunk.accepted,
				s.elastic.accepted,
				s.sentinel.accepted,
			]);
			for (const [where, text] of Object.entries(places))
				for (const secret of secrets)
					if (text.includes(secret)) problems.push(`a secret (${secret.slice(0, 4)}…) in ${where}`);
			assert(!problems.length, problems.join('\n'));
			return `${lines.join('; ')}; Entra ID tokens issued: ${s.tokensIssued.length}; ${Object.keys(places).length} places scanned for ${secrets.length} secrets`;
		},
	);

	await check('the nodes sent the simulator no request it refused (no 400s, no 5xx)', async () => {
		const log = await sim.requestLog();
		const refused = log.filter((r) => r.status === 400 || r.status >= 500 || r.status === 0);
		if (!refused.length) return `${log.length} requests, none refused`;
		const groups = new Map();
		for (const r of refused) {
			const key = `${r.status} ${r.method} ${r.path} ?${Object.keys(r.query ?? {})
				.sort()
				.join('&')}`;
			groups.set(key, (groups.get(key) ?? 0) + 1);
		}
		throw new Error(
			`${refused.length} of ${log.length} requests refused:\n${[...groups].map(([k, n]) => `  ${n}× ${k}`).join('\n')}`,
		);
	});

	await check('the package still loads cleanly after the restart', async () => {
		const bad = n8n
			.output()
			.split('\n')
			.filter((l) => /n8n-nodes-asana-events/.test(l) && /error|fail/i.test(l));
		assert(!bad.length, bad.join('\n'));
		return 'ok';
	});

	// ---- overlapping polls and a hard kill ---------------------------------------------------
	// A fault goes to whichever request matches first: only the workflows under test may poll.
	const stopPolling = async (workflows) => {
		for (const wf of workflows) await n8n.deactivate(wf.id);
	};
	// Requests in the simulator's log: a trigger's polls of one stream.
	const eventsOf = (gid) => (r) => r.path === '/api/1.0/events' && r.query.resource === gid;
	const auditLogOf = (gid) => (r) => r.path === `/api/1.0/workspaces/${gid}/audit_log_events`;
	const slowAnswers = async (stream) =>
		(await sim.requestLog()).filter((r) => r.fault === 'slow' && stream(r));
	/** Until every stream was asked again after `since` and answered, then that poll's items had time to arrive. */
	const nextPollDone = async (streams, since) => {
		await waitFor(
			'the next poll of every stream',
			async () => {
				const requests = await sim.requestLog();
				return streams.every((stream) =>
					requests.some((r) => stream(r) && r.startedAt > since && r.endedAt > 0),
				);
			},
			{ timeoutMs: FAST_POLL_GAP_MS + 10_000, intervalMs: 500 },
		);
		await sleep(2000);
	};

	await check(
		'overlapping polls: a poll still waiting on a slow, rate-limiting Asana when the next one starts → every event and audit event exactly once, and n8n’s log says a poll was skipped',
		async () => {
			await stopPolling(activated);
			const logFrom = n8n.output().length;
			for (const wf of overlapWorkflows) {
				const res = await n8n.activate(wf.id);
				assert(res.ok, `${wf.name}: ${res.status} ${JSON.stringify(res.raw).slice(0, 1500)}`);
			}
			const cursor = await sim.syncToken(P1);
			const auditBefore = new Set((await sim.auditEvents()).map((e) => e.gid));
			await sleep(1500);
			await sim.activity(12, P1);
			await sim.audit(8);
			// Per trigger: a 429 whose Retry-After outlasts the time budget (that poll defers), then
			// an answer slower than the schedule's gap, which the poll waits for while the next
			// polls begin.
			const streams = [eventsOf(P1), auditLogOf(sim.workspaceGid)];
			for (const path of ['/events', '/audit_log_events']) {
				await sim.fault({ kind: '429', path, retryAfterSec: 15, times: 1 });
				await sim.fault({ kind: 'slow', path, delayMs: 13_000, times: 1 });
			}
			await waitFor(
				'a poll of each trigger waiting on its slow answer',
				async () => (await Promise.all(streams.map(slowAnswers))).every((l) => l.length),
				{ timeoutMs: 3 * FAST_POLL_GAP_MS + 5000, intervalMs: 500 },
			);
			await sim.activity(6, P1);
			await sim.audit(4);
			const slow = await waitFor(
				'the slow answers to end',
				async () => {
					const answers = (await Promise.all(streams.map(slowAnswers))).flat();
					return answers.every((r) => r.endedAt > 0) && answers;
				},
				{ timeoutMs: 20_000, intervalMs: 500 },
			);
			const compare = async () => {
				const events = (await sim.eventsSince(P1, cursor)).events.map(eventKey);
				const audit = (await sim.auditEvents())
					.filter((e) => !auditBefore.has(e.gid))
					.map((e) => e.gid);
				return [
					compareExactlyOnce(
						'events trigger',
						events,
						sink.bodies(sinkPath.overlapEvents).map(eventKey),
					),
					compareExactlyOnce(
						'audit log trigger',
						audit,
						sink.bodies(sinkPath.overlapAudit).map((b) => b.gid),
					),
				];
			};
			let last = [];
			await waitFor(
				'every event and audit event to arrive',
				async () => (last = await compare()).every((c) => c.complete),
				{ timeoutMs: 3 * FAST_POLL_GAP_MS, intervalMs: 1000 },
			).catch((error) => {
				throw new Error(`${error.message}\n${last.map((c) => c.text).join('\n')}`);
			});
			// The slow polls, or the ones after them, would have emitted their copies by then.
			await nextPollDone(streams, Date.now());
			last = await compare();
			const { items } = await triggerOutput('e2eOverlapEvents');
			const expectedEvents = (await sim.eventsSince(P1, cursor)).events.map(eventKey);
			last.push(
				compareExactlyOnce(
					'events trigger output in executions',
					expectedEvents,
					items.map(eventKey),
				),
			);
			const problems = last.filter((c) => !c.ok).map((c) => c.text);
			const skipped = n8n
				.output()
				.slice(logFrom)
				.split('\n')
				.filter((l) => POLL_SKIPPED.test(l));
			if (!skipped.length)
				problems.push(
					`n8n's log has no line matching ${POLL_SKIPPED} although a poll was still waiting when the next began`,
				);
			assert(!problems.length, problems.join('\n'));
			return `${last.map((c) => c.text).join('; ')}; slow answers took ${slow.map((r) => fmtMs(r.endedAt - r.startedAt)).join(', ')} (schedule gap ${fmtMs(OVERLAP_POLL_GAP_MS)}); log: ${skipped[0].trim().slice(0, 200)}`;
		},
		{ timeoutMs: 150_000 },
	);

	await check(
		'All Projects of a Team: a project created in the team after activation is watched from when it is found (one watch-change item), and its events arrive exactly once',
		async () => {
			const res = await n8n.activate(teamWorkflow.id);
			assert(
				res.ok,
				`${teamWorkflow.name}: ${res.status} ${JSON.stringify(res.raw).slice(0, 1500)}`,
			);
			const listings = async () =>
				(await sim.requestLog()).filter((r) => r.path === `/api/1.0/teams/${team.gid}/projects`);
			await waitFor('the first listing of the team', async () => (await listings()).length > 0, {
				timeoutMs: FAST_POLL_GAP_MS + 15_000,
				intervalMs: 500,
			});
			const later = await sim.control('projects', { name: 'E2E Team: later', teamGid: team.gid });
			const createdAt = Date.now();
			const added = await waitFor(
				'the watch-change item of the new project',
				() => {
					const items = sink
						.bodies('/e2e/team')
						.filter((b) => b.type === 'watch_change' && b.project?.gid === later.gid);
					return items.length ? items : null;
				},
				{ timeoutMs: 60_000 + 3 * FAST_POLL_GAP_MS, intervalMs: 1000 },
			);
			const foundAfter = Date.now() - createdAt;
			const cursor = await sim.syncToken(later.gid);
			await sim.activity(5, later.gid);
			const compare = async () =>
				compareExactlyOnce(
					'events of the project created later',
					(await sim.eventsSince(later.gid, cursor)).events.map(eventKey),
					sink
						.bodies('/e2e/team')
						.filter((b) => b.stream?.gid === later.gid)
						.map(eventKey),
				);
			let last;
			await waitFor('its events to arrive', async () => (last = await compare()).complete, {
				timeoutMs: 3 * FAST_POLL_GAP_MS,
				intervalMs: 1000,
			}).catch((error) => {
				throw new Error(`${error.message}\n${last?.text}`);
			});
			await sleep(FAST_POLL_GAP_MS);
			last = await compare();
			await n8n.deactivate(teamWorkflow.id);
			assert(last.ok, last.text);
			assert(added.length === 1, `${added.length} watch-change items for the new project`);
			return `${last.text}; the new project was watched ${fmtMs(foundAfter)} after it was created (list refresh every minute), ${(await listings()).length} listings of the team`;
		},
		{ timeoutMs: 180_000 },
	);

	await check(
		'All Projects of a Team: a project the token can no longer read (403) and one deleted (404) leave the watch in the poll that meets them (one watch-change item each), the other projects’ events flow on in that poll, exactly once, with no failed execution; the project readable again comes back and its events are read from where its cursor stood; after one 429 the busy projects keep their turn',
		async () => {
			const [A, R, B, D, C, E] = team6Projects;
			const others = [A, B, C, E];
			const bodies = () => sink.bodies('/e2e/team-six');
			const watchItems = (change, gid) =>
				bodies().filter(
					(b) => b.type === 'watch_change' && b.change === change && b.project?.gid === gid,
				);
			const listings = async () =>
				(await sim.requestLog()).filter((r) => r.path === `/api/1.0/teams/${team6.gid}/projects`);
			const res = await n8n.activate(team6Workflow.id);
			assert(
				res.ok,
				`${team6Workflow.name}: ${res.status} ${JSON.stringify(res.raw).slice(0, 1500)}`,
			);
			try {
				// Only this workflow reads these projects: its first poll took a cursor for each.
				await waitFor(
					'the first poll of all six projects',
					async () => {
						const requests = await sim.requestLog();
						return team6Projects.every((gid) =>
							requests.some((r) => eventsOf(gid)(r) && r.endedAt > 0),
						);
					},
					{ timeoutMs: FAST_POLL_GAP_MS + 15_000, intervalMs: 500 },
				);
				const cursors = new Map();
				for (const gid of [...others, R]) cursors.set(gid, await sim.syncToken(gid));
				await sleep(1500);
				const restrictedAt = Date.now();
				await sim.restrictProject(R);
				await sim.deleteProject(D);
				for (const gid of others) await sim.completeTask(await sim.createTask('Flows on', [gid]));
				const madeAt = Date.now();
				const expectedOf = async (gids) => {
					const keys = [];
					for (const gid of gids)
						keys.push(...(await sim.eventsSince(gid, cursors.get(gid))).events.map(eventKey));
					return keys;
				};
				const othersKeys = await expectedOf(others);
				const compare = (label, keys) =>
					compareExactlyOnce(
						label,
						keys,
						bodies()
							.filter((b) => b.type !== 'watch_change')
							.map(eventKey),
					);
				const problems = [];
				let last;
				// Waits up to the list refresh, to tell how long events were held back.
				await timed('team of six: other projects’ events', () =>
					waitFor(
						'the other projects’ events and the two watch-change items',
						() =>
							(last = compare('events of the other four projects', othersKeys)).complete &&
							watchItems('removed', R).length &&
							watchItems('removed', D).length,
						{ timeoutMs: 60_000 + 3 * FAST_POLL_GAP_MS, intervalMs: 500 },
					).catch((error) => problems.push(error.message)),
				);
				// The cron polls at every tenth second: the first poll after the events were made reads
				// and emits them, and takes the unreadable and the deleted project out of the watch.
				const nextPoll = Math.ceil(madeAt / FAST_POLL_GAP_MS) * FAST_POLL_GAP_MS;
				const arrivedAt = (pick) =>
					Math.max(
						...sink.records
							.filter((r) => r.path === '/e2e/team-six' && pick(r.body))
							.map((r) => r.at),
					);
				const eventsAt = arrivedAt((b) => othersKeys.includes(eventKey(b)));
				const removedAt = arrivedAt((b) => b.type === 'watch_change' && b.change === 'removed');
				for (const [what, at] of [
					['the other projects’ events', eventsAt],
					['the watch-change items of the unreadable and the deleted project', removedAt],
				])
					if (at >= nextPoll + FAST_POLL_GAP_MS)
						problems.push(
							`${what} came in a later poll than the first after the events were made: the last arrived ${fmtMs(at - madeAt)} after the events were made, ${fmtMs(at - nextPoll)} after that poll began`,
						);

				// Made while the project is unreadable: read from its cursor once it is back.
				await sim.completeTask(await sim.createTask('Made while unreadable', [R]));
				await sim.restrictProject(R, { restricted: false });
				const backFrom = Date.now();
				const allKeys = [...othersKeys, ...(await expectedOf([R]))];
				let back;
				await timed('team of six: restricted project back', () =>
					waitFor(
						'the project readable again, back in the watch with its events',
						() => {
							last = compare('events of the other four projects and the one back', allKeys);
							return (
								watchItems('added', R).length && last.complete && (back = Date.now() - backFrom)
							);
						},
						{ timeoutMs: 60_000 + 3 * FAST_POLL_GAP_MS, intervalMs: 500 },
					).catch((error) => problems.push(error.message)),
				);
				await nextPollDone([...others, R].map(eventsOf), Date.now());
				last = compare('events of the other four projects and the one back', allKeys);
				if (!last.ok) problems.push(last.text);

				// One 429 on a busy project's read halves the credential's rate: busy projects keep
				// their turn, each round of events out within two poll intervals.
				await sim.fault({ kind: '429', path: '/events', resource: A, retryAfterSec: 2 });
				await waitFor(
					'the trigger’s read of a busy project answered 429',
					async () =>
						(await sim.requestLog()).some((r) => r.fault === '429' && r.query.resource === A),
					{ timeoutMs: 4 * FAST_POLL_GAP_MS, intervalMs: 500 },
				).catch((error) => problems.push(error.message));
				const delays = [];
				for (let round = 0; round < 3; round++) {
					const before = new Map();
					for (const gid of others) before.set(gid, await sim.syncToken(gid));
					for (const gid of others)
						await sim.completeTask(await sim.createTask(`After the 429, round ${round}`, [gid]));
					const roundAt = Date.now();
					const roundKeys = [];
					for (const gid of others)
						roundKeys.push(...(await sim.eventsSince(gid, before.get(gid))).events.map(eventKey));
					allKeys.push(...roundKeys);
					await waitFor(
						`round ${round} of events after the 429`,
						() => compare('events after the 429', roundKeys).complete,
						{ timeoutMs: 3 * FAST_POLL_GAP_MS, intervalMs: 250 },
					).catch((error) => problems.push(error.message));
					delays.push(arrivedAt((b) => roundKeys.includes(eventKey(b))) - roundAt);
				}
				if (delays.some((delay) => delay > 2 * FAST_POLL_GAP_MS))
					problems.push(
						`after one 429, events of busy projects waited ${delays.map(fmtMs).join(', ')} (want at most two poll intervals, ${fmtMs(2 * FAST_POLL_GAP_MS)})`,
					);
				last = compare('every event of the phase', allKeys);
				if (!last.ok) problems.push(last.text);
				// As the README documents them: `reason` "refused" with Asana's `status`, "readable" back.
				const watch = bodies().filter((b) => b.type === 'watch_change');
				const removed = [
					[R, 403],
					[D, 404],
				].map(([gid, status]) => {
					const items = watchItems('removed', gid);
					return items.length === 1 && items[0].reason === 'refused' && items[0].status === status;
				});
				const added = watchItems('added', R);
				if (
					watch.length !== 3 ||
					!removed.every(Boolean) ||
					added.length !== 1 ||
					added[0].reason !== 'readable'
				)
					problems.push(
						`watch-change items (want one "removed", reason "refused", for ${R} (403) and ${D} (404), one "added", reason "readable", for ${R}): ${JSON.stringify(watch)}`,
					);
				const executions = await executionsOf(team6Workflow.id);
				const failed = executions.filter((e) => !['success', 'running', 'new'].includes(e.status));
				if (failed.length) {
					const first = await n8n.restOk('GET', `/rest/executions/${failed[0].id}`);
					const data =
						typeof first.data === 'string' ? flattedParser(runtime)(first.data) : first.data;
					problems.push(
						`${failed.length} of ${executions.length} executions failed (${failed.map((e) => `${e.id}:${e.status}`).join(', ')}); the first: ${data?.resultData?.error?.message}`,
					);
				}
				assert(!problems.length, problems.join('\n'));
				return `${last.text}; the other projects’ events arrived ${fmtMs(eventsAt - madeAt)} after they were made, in the first poll after that; the unreadable and the deleted project left the watch ${fmtMs(removedAt - restrictedAt)} after they became so (refused: 403, 404); readable again, the project was back ${fmtMs(back)} later (list refresh every minute), with its events since its cursor; after one 429, three rounds of events on the busy projects out in ${delays.map(fmtMs).join(', ')}; ${executions.length} executions, none failed; ${(await listings()).length} listings of the team`;
			} finally {
				await n8n.deactivate(team6Workflow.id);
			}
		},
		{ timeoutMs: 300_000 },
	);

	let patPublished = false;
	await check(
		'hard kill: n8n killed (SIGKILL) while a poll waits on Asana, started again → every event exactly once over the executions before and after',
		async () => {
			await stopPolling(overlapWorkflows);
			const res = await n8n.activate(killWorkflow.id);
			assert(
				res.ok,
				`${killWorkflow.name}: ${res.status} ${JSON.stringify(res.raw).slice(0, 1500)}`,
			);
			const cursor = await sim.syncToken(P2);
			await sleep(1500);
			const compare = async () =>
				compareExactlyOnce(
					'events trigger',
					(await sim.eventsSince(P2, cursor)).events.map(eventKey),
					sink.bodies(sinkPath.killEvents).map(eventKey),
				);
			let last;
			const arrived = (what, timeoutMs) =>
				waitFor(what, async () => (last = await compare()).complete, {
					timeoutMs,
					intervalMs: 1000,
				}).catch((error) => {
					throw new Error(`${error.message}\n${last?.text ?? ''}`);
				});

			await sim.activity(8, P2);
			await arrived('the events made before the kill', 2 * FAST_POLL_GAP_MS + 10_000);
			const before = sink.bodies(sinkPath.killEvents).length;
			// The next poll's answer takes 8 s (shorter than the gap: no overlap); n8n dies meanwhile.
			await sim.fault({ kind: 'slow', path: '/events', delayMs: 8000, times: 1 });
			await sim.activity(8, P2);
			const waiting = await waitFor(
				'a poll waiting on the slow answer',
				async () => (await slowAnswers(eventsOf(P2))).find((r) => r.endedAt === 0),
				{ timeoutMs: FAST_POLL_GAP_MS + 5000, intervalMs: 250 },
			);
			await sleep(1000);
			const killedAt = Date.now();
			await n8n.kill();
			assert(killedAt < waiting.startedAt + 8000, 'the kill came after the slow answer');
			log(
				`n8n killed ${fmtMs(killedAt - waiting.startedAt)} into a poll's request; events while it is down`,
			);

			await sim.activity(8, P2);
			// Published while n8n is down: activated, and refused, at the next start.
			for (const wf of patWorkflows) await n8n.publishWithCli(wf.id);
			patPublished = true;
			const startAgainMs = await timed('n8n start (after the kill)', () => n8n.start());
			log(`n8n started again in ${fmtMs(startAgainMs)}`);
			await arrived('every event after the restart', 3 * FAST_POLL_GAP_MS);
			await nextPollDone([eventsOf(P2)], Date.now());
			const results = [await compare()];
			const { executions, items } = await triggerOutput(killWorkflow.id);
			results.push(
				compareExactlyOnce(
					'events trigger output in executions',
					(await sim.eventsSince(P2, cursor)).events.map(eventKey),
					items.map(eventKey),
				),
			);
			const failed = executions.filter((e) => !['success', 'running', 'new'].includes(e.status));
			const problems = results.filter((c) => !c.ok).map((c) => c.text);
			if (failed.length)
				problems.push(
					`${failed.length} executions not successful (${failed.map((e) => `${e.id}:${e.status}`).join(', ')})`,
				);
			assert(!problems.length, problems.join('\n'));
			return `${results.map((c) => c.text).join('; ')} (${before} before the kill), ${executions.length} executions`;
		},
		{ timeoutMs: 180_000 },
	);

	await check(
		'n8n started with those personal-token workflows published keeps an activation error that names the service account (REST, what the editor shows)',
		async () => {
			if (!patPublished)
				skip('the workflows were not published (the hard kill check stopped early)');
			const shown = [];
			const problems = [];
			for (const wf of patWorkflows) {
				const message = await waitFor(
					`the activation error of ${wf.name}`,
					() => n8n.activationError(wf.id),
					{ timeoutMs: 30_000, intervalMs: 500 },
				);
				shown.push(`${wf.name}: ${message}`);
				const problem = namesServiceAccount(wf.name, message);
				if (problem) problems.push(problem);
			}
			assert(!problems.length, problems.join('\n'));
			return shown.join('; ');
		},
	);

	// ---- one item per change: two projects that share tasks ----------------------------------
	const sharedBodies = (key) => sink.bodies(sinkPath[key]);
	const sharedStreams = [eventsOf(shared.A), eventsOf(shared.B)];
	const summaryOf = (b) => `${b.resource?.gid}: ${b.summary}`;
	let completedActive = false;
	/** Set once a poll of both projects followed the changes, so no late item is still to come. */
	let sharedSettled = false;
	await check(
		'one item per change: a task in two watched projects completed once → Task Completed emits one item with one event_id, Any Event each of the change’s events once, though both projects’ streams report them',
		async () => {
			for (const wf of sharedWorkflows) {
				const res = await n8n.activate(wf.id);
				assert(res.ok, `${wf.name}: ${res.status} ${JSON.stringify(res.raw).slice(0, 1500)}`);
				if (wf === completedWorkflow) completedActive = true;
			}
			const from = { A: await sim.syncToken(shared.A), B: await sim.syncToken(shared.B) };
			await sleep(1500);
			// For the Filters check below: one assignment by the credential's user (alice), one by bob.
			await sim.assignTask(sharedTasks.assignedByMe, users.bob.gid, users.alice.gid);
			await sim.assignTask(sharedTasks.assignedByOther, users.alice.gid, users.bob.gid);
			await sim.completeTask(sharedTasks.inBoth);
			const keysSince = async (gid, sync) =>
				(await sim.eventsSince(gid, sync)).events.map(eventKey);
			const inA = await keysSince(shared.A, from.A);
			const inB = await keysSince(shared.B, from.B);
			const compare = () =>
				compareExactlyOnce('Any Event', [...inA, ...inB], sharedBodies('anyAB').map(eventKey));
			let last;
			await waitFor(
				'the completion through both triggers',
				() => (last = compare()).complete && sharedBodies('completedAB').length > 0,
				{ timeoutMs: 4 * FAST_POLL_GAP_MS, intervalMs: 1000 },
			).catch((error) => {
				throw new Error(`${error.message}\n${last?.text}`);
			});
			await nextPollDone(sharedStreams, Date.now());
			sharedSettled = true;
			const completed = sharedBodies('completedAB');
			assert(
				completed.length === 1 &&
					completed[0].resource?.gid === sharedTasks.inBoth &&
					completed[0].trigger_on === 'taskCompleted',
				`Task Completed items: ${JSON.stringify(completed.map(summaryOf))}`,
			);
			const { event_id: eventId, summary } = completed[0];
			assert(typeof eventId === 'string' && eventId, `event_id: ${JSON.stringify(eventId)}`);
			assert(/ completed “In A and B”/.test(summary), `summary: ${summary}`);
			last = compare();
			assert(last.ok, last.text);
			const reportedByBoth = inA.filter((key) => inB.includes(key)).length;
			assert(reportedByBoth > 0, 'no event of the completion reached both projects’ streams');
			const ids = sharedBodies('anyAB').map((b) => b.event_id);
			assert(
				ids.every(Boolean) && new Set(ids).size === ids.length,
				`Any Event event_ids: ${ids.join(', ')}`,
			);
			return `Task Completed: 1 item, event_id ${eventId} (${summary}); ${last.text}, ${reportedByBoth} of them reported by both streams, each with its own event_id`;
		},
		{ timeoutMs: 120_000 },
	);

	await check(
		"Filters under Trigger On: Task Assigned with Ignore Events by the Credential's User → an assignment made by the credential's user does not start the workflow, one made by another user does",
		async () => {
			try {
				if (!completedActive) skip('the shared projects’ workflows were not activated');
				await waitFor(
					'the assignment made by another user',
					() => sharedBodies('assignedNotMe').length > 0,
					{ timeoutMs: 4 * FAST_POLL_GAP_MS, intervalMs: 1000 },
				);
				// Both assignments came before the completion the check above saw arrive.
				if (!sharedSettled) await nextPollDone(sharedStreams, Date.now());
				const items = sharedBodies('assignedNotMe');
				assert(
					items.length === 1 &&
						items[0].resource?.gid === sharedTasks.assignedByOther &&
						items[0].trigger_on === 'taskAssigned' &&
						items[0].user?.gid === users.bob.gid,
					`Task Assigned items: ${JSON.stringify(items.map(summaryOf))}`,
				);
				return `1 item: ${items[0].summary}; none for the assignment by ${users.alice.name}`;
			} finally {
				for (const wf of [anyEventWorkflow, assignedWorkflow])
					await n8n.rest('POST', `/rest/workflows/${wf.id}/deactivate`, {});
			}
		},
		{ timeoutMs: 90_000 },
	);

	// ---- what is never lost: Replay From, then Recover Changes --------------------------------
	const neverLost = () => sink.bodies(sinkPath.neverLost);
	const deliveredOnce = async (label, keys, pick) => {
		let last;
		await waitFor(
			label,
			() => (last = compareExactlyOnce(label, keys, pick(neverLost()))).complete,
			{ timeoutMs: 4 * FAST_POLL_GAP_MS, intervalMs: 1000 },
		).catch((error) => {
			throw new Error(`${error.message}\n${last?.text}`);
		});
		await sleep(FAST_POLL_GAP_MS + 2000);
		const settled = compareExactlyOnce(label, keys, pick(neverLost()));
		assert(settled.ok, settled.text);
		return settled.text;
	};
	const liveEvents = (bodies) => bodies.filter((b) => b.resource && !b.replayed).map(eventKey);
	let neverLostActive = false;
	/** Where the Task Completed workflow's items stood when its projects' gap began. */
	let sharedGap;
	await check(
		'Replay From set in the editor (parameter changed, workflow published again) → the window since then once more, marked "replayed", then live events once',
		async () => {
			// Only this workflow polls project 2 from here on (the others may be inactive already);
			// the Task Completed one of the shared projects polls on, for its gap below.
			for (const wf of [...activated, ...overlapWorkflows, killWorkflow])
				await n8n.rest('POST', `/rest/workflows/${wf.id}/deactivate`, {});
			const activatedNow = await n8n.activate(neverLostWorkflow.id);
			assert(
				activatedNow.ok,
				`${activatedNow.status} ${JSON.stringify(activatedNow.raw).slice(0, 800)}`,
			);
			neverLostActive = true;
			const first = await sim.syncToken(P2);
			await sleep(2000);
			await sim.activity(3, P2);
			const before = (await sim.eventsSince(P2, first)).events.map(eventKey);
			await deliveredOnce('events before the replay time', before, liveEvents);
			const replayFrom = new Date().toISOString();
			const atReplayFrom = await sim.syncToken(P2);
			await sleep(1000);
			await sim.activity(4, P2);
			const window = (await sim.eventsSince(P2, atReplayFrom)).events.map(eventKey);
			await deliveredOnce('events of the window', [...before, ...window], liveEvents);

			const published = await n8n.changeNodeParameters(
				neverLostWorkflow.id,
				'Trigger',
				(parameters) => ({ ...parameters, options: { ...parameters.options, replayFrom } }),
			);
			assert(published.ok, `${published.status} ${JSON.stringify(published.raw).slice(0, 800)}`);
			const replayed = (bodies) => bodies.filter((b) => b.replayed === true).map(eventKey);
			const replayText = await deliveredOnce('replayed events', window, replayed);
			const after = await sim.syncToken(P2);
			await sim.activity(2, P2);
			const later = (await sim.eventsSince(P2, after)).events.map(eventKey);
			const liveText = await deliveredOnce(
				'live events after the replay',
				[...before, ...window, ...later],
				liveEvents,
			);
			return `replay: ${replayText}; live: ${liveText}`;
		},
		{ timeoutMs: 240_000 },
	);

	await check(
		'Replay From at a time whose sync token Asana refuses while the live one is still accepted → one replay notice "refused", and the live events made meanwhile arrive once, with no gap notice',
		async () => {
			if (!neverLostActive) skip('the replay check did not activate the workflow');
			const from = neverLost().length;
			const arrived = () => neverLost().slice(from);
			const replayFrom = new Date().toISOString();
			await sleep(1000);
			// Tokens issued before this one are refused from now on: the checkpoint the replay starts
			// from, not the live cursor. n8n stores static data when an execution ends, so a publish
			// starts from the cursor of the last poll that emitted: make that one come after the fence.
			const fence = await sim.syncToken(P2);
			await sim.activity(2, P2);
			const afterFence = (await sim.eventsSince(P2, fence)).events.map(eventKey);
			await waitFor(
				'the events after the fence, their executions ended',
				async () =>
					compareExactlyOnce('after the fence', afterFence, liveEvents(arrived())).complete &&
					(await executionsOf(neverLostWorkflow.id)).every(
						(e) => !['new', 'running', 'waiting'].includes(e.status),
					),
				{ timeoutMs: 3 * FAST_POLL_GAP_MS, intervalMs: 1000 },
			);
			await sim.expireSync(P2, { before: fence });
			await sim.activity(3, P2);
			const published = await n8n.changeNodeParameters(
				neverLostWorkflow.id,
				'Trigger',
				(parameters) => ({ ...parameters, options: { ...parameters.options, replayFrom } }),
			);
			assert(published.ok, `${published.status} ${JSON.stringify(published.raw).slice(0, 800)}`);
			await sim.activity(2, P2);
			const live = (await sim.eventsSince(P2, fence)).events.map(eventKey);
			const compare = () => compareExactlyOnce('live events', live, liveEvents(arrived()));
			const notices = () => arrived().filter((b) => b.replay_notice === true);
			let last;
			await waitFor(
				'the live events and the replay notice',
				() => (last = compare()).complete && notices().length > 0,
				{ timeoutMs: 4 * FAST_POLL_GAP_MS, intervalMs: 1000 },
			).catch((error) => {
				throw new Error(`${error.message}\n${last?.text}; notices: ${JSON.stringify(notices())}`);
			});
			await nextPollDone([eventsOf(P2)], Date.now());
			last = compare();
			assert(last.ok, last.text);
			const [notice, ...more] = notices();
			assert(
				!more.length &&
					notice.reason === 'refused' &&
					notice.stream?.gid === P2 &&
					/not replayed/.test(notice.summary) &&
					typeof notice.event_id === 'string',
				`replay notices: ${JSON.stringify(notices())}`,
			);
			const unexpected = arrived().filter((b) => b.gap_notice || b.recovered || b.replayed);
			assert(
				!unexpected.length,
				`gap notices, recovered or replayed items: ${JSON.stringify(unexpected).slice(0, 1500)}`,
			);
			return `${last.text}; ${notice.summary}`;
		},
		{ timeoutMs: 180_000 },
	);

	await check(
		'Recover Changes: n8n down for longer than the token life (the simulator ages tokens 25 h) → after the restart the gap notice, then one recovered item per task changed meanwhile, with its current state',
		async () => {
			if (!neverLostActive) skip('the replay check did not activate the workflow');
			const stopMs = await timed('n8n stop (token life)', () => n8n.stop());
			log(`n8n stopped in ${fmtMs(stopMs)}; changing tasks while it is down`);
			await sleep(1000);
			const downFrom = await sim.syncToken(P2);
			await sim.activity(15, P2);
			const gapEvents = (await sim.eventsSince(P2, downFrom)).events;
			// The shared projects' gap, recovered under Task Completed (checked below).
			if (completedActive) {
				await sim.completeTask(sharedTasks.completedInGap, true, users.bob.gid);
				await sim.completeTask(sharedTasks.inBothCompletedInGap);
				await sim.assignTask(sharedTasks.reassignedInGap, users.bob.gid);
				sharedGap = { from: sharedBodies('completedAB').length };
			}
			await sim.control('advance-clock', { ms: 25 * 3600 * 1000 });
			const state = await sim.state();
			const inProject = new Set(
				state.tasks.filter((t) => !t.deleted && t.projectGids.includes(P2)).map((t) => t.gid),
			);
			const touched = new Set(
				gapEvents
					.map((e) => (e.resource.resource_type === 'story' ? e.parent?.gid : e.resource.gid))
					.filter((gid) => gid && inProject.has(gid)),
			);
			await timed('n8n start (after the token life)', () => n8n.start());
			await waitFor('the gap notice', () => neverLost().some((b) => b.gap_notice === true), {
				timeoutMs: 4 * FAST_POLL_GAP_MS,
				intervalMs: 1000,
			});
			const recoveredText = await deliveredOnce('recovered tasks', [...touched], (bodies) =>
				bodies.filter((b) => b.recovered === true && b.resource_type === 'task').map((b) => b.gid),
			);
			const notices = neverLost().filter((b) => b.gap_notice === true);
			assert(notices.length === 1 && notices[0].recovery === 'recovering', JSON.stringify(notices));
			const byGid = new Map(state.tasks.map((t) => [t.gid, t]));
			for (const item of neverLost().filter(
				(b) => b.recovered === true && b.resource_type === 'task',
			))
				assert(
					item.current?.name === byGid.get(item.gid)?.name,
					`current state of ${item.gid}: ${JSON.stringify(item.current)}`,
				);
			return `${touched.size} tasks changed while n8n was down: ${recoveredText}`;
		},
		{ timeoutMs: 300_000 },
	);

	await check(
		'Recover Changes under Trigger On: Task Completed (the same gap) → a gap notice per project, then exactly the completions of the gap, each once though one task is in both projects, marked "recovered" with a summary, link and event_id; not the task only reassigned',
		async () => {
			if (!sharedGap)
				skip(
					'no gap in the shared projects (their workflow was not active, or the check above stopped early)',
				);
			const arrived = () => sharedBodies('completedAB').slice(sharedGap.from);
			const want = [sharedTasks.completedInGap, sharedTasks.inBothCompletedInGap];
			const compare = () =>
				compareExactlyOnce(
					'recovered completions',
					want,
					arrived()
						.filter((b) => b.recovered === true)
						.map((b) => b.resource?.gid),
				);
			let last;
			await waitFor('the recovered completions', () => (last = compare()).complete, {
				timeoutMs: 4 * FAST_POLL_GAP_MS,
				intervalMs: 1000,
			}).catch((error) => {
				throw new Error(`${error.message}\n${last?.text}`);
			});
			await nextPollDone(sharedStreams, Date.now());
			last = compare();
			const items = arrived();
			const notices = items.filter((b) => b.gap_notice === true);
			const recovered = items.filter((b) => b.recovered === true);
			const problems = last.ok ? [] : [last.text];
			const noticed = notices.map((n) => n.stream?.gid).sort();
			if (
				noticed.join() !== [shared.A, shared.B].sort().join() ||
				!notices.every((n) => n.recovery === 'recovering' && n.summary && n.event_id && 'url' in n)
			)
				problems.push(`gap notices: ${JSON.stringify(notices)}`);
			for (const item of recovered)
				if (
					item.trigger_on !== 'taskCompleted' ||
					!/ completed “/.test(item.summary) ||
					!/^https:\/\/app\.asana\.com\//.test(item.url) ||
					typeof item.event_id !== 'string'
				)
					problems.push(`recovered item: ${JSON.stringify(item)}`);
			if (new Set(recovered.map((i) => i.event_id)).size !== recovered.length)
				problems.push(`event_ids repeat: ${recovered.map((i) => i.event_id).join(', ')}`);
			const other = items.filter((b) => !b.gap_notice && !b.recovered);
			if (other.length) problems.push(`other items: ${JSON.stringify(other.map(summaryOf))}`);
			assert(!problems.length, problems.join('\n'));
			return `${last.text}: ${recovered.map((i) => i.summary).join('; ')}; ${notices.length} gap notices (${notices.map((n) => n.summary).join('; ')})`;
		},
		{ timeoutMs: 120_000 },
	);
}

function compareMultiset(label, want, got) {
	const count = (list) => list.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map());
	const w = count(want);
	const g = count(got);
	const missing = [...w].filter(([k, n]) => (g.get(k) ?? 0) < n).map(([k]) => k);
	const extra = [...g].filter(([k, n]) => (w.get(k) ?? 0) < n).map(([k]) => k);
	const problems = [];
	if (missing.length)
		problems.push(`${missing.length} missing (e.g. ${missing.slice(0, 3).join(', ')})`);
	if (extra.length)
		problems.push(`${extra.length} extra or duplicated (e.g. ${extra.slice(0, 3).join(', ')})`);
	return {
		ok: !problems.length,
		complete: !missing.length,
		text: `${label}: ${problems.length ? problems.join('; ') : `all ${want.length} exactly once`}`,
	};
}

async function executionsOf(workflowId) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const body = await n8n.restOk('GET', `/rest/executions?filter=${filter}&limit=250`);
	return body.results ?? [];
}

/** The last top-level JSON object printed (lines starting with "{" are candidates). */
/**
 * The last JSON object printed at the start of a line, whatever n8n logs after it (e.g. "Database
 * ping failed" at exit).
 */
function lastJsonDocument(text) {
	const starts = [...text.matchAll(/^\{/gm)].map((m) => m.index).reverse();
	const ends = [...text.matchAll(/\}[^\S\n]*$/gm)].map((m) => m.index + 1).reverse();
	for (const start of starts) {
		for (const end of ends.filter((end) => end > start)) {
			try {
				return JSON.parse(text.slice(start, end));
			} catch {}
		}
	}
	return null;
}

function lowerFirst(s) {
	return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The processes below `pid`, from `ps`. */
function descendantsOf(pid) {
	const children = new Map();
	for (const line of execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
		.trim()
		.split('\n')) {
		const [child, parent] = line.trim().split(/\s+/).map(Number);
		children.set(parent, [...(children.get(parent) ?? []), child]);
	}
	const found = [];
	for (let queue = [pid]; queue.length;) {
		const next = children.get(queue.shift()) ?? [];
		found.push(...next);
		queue.push(...next);
	}
	return found;
}

function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** A process manager stops `npm run demo` by signalling npm alone: nothing may be left behind. */
async function demoStopsOnSigterm() {
	const port = await freePort();
	const npm = spawn('npm', ['run', 'demo'], {
		cwd: REPO_ROOT,
		env: { ...process.env, DEMO_PORT: String(port) },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	let output = '';
	npm.stdout.on('data', (chunk) => (output += chunk));
	npm.stderr.on('data', (chunk) => (output += chunk));
	try {
		await waitFor(
			'npm run demo to print its banner',
			() => npm.exitCode !== null || output.includes('Ctrl-C stops everything'),
			{ timeoutMs: 300_000, intervalMs: 500 },
		);
		assert(npm.exitCode === null, `npm run demo exited:\n${output.slice(-3000)}`);
		const started = descendantsOf(npm.pid);
		const simulator = /Asana simulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
		assert(
			started.length >= 3 && simulator,
			`the demo, n8n and the simulator run under npm:\n${output.slice(-3000)}`,
		);
		process.kill(npm.pid, 'SIGTERM');
		await waitFor(
			'every process of the demo to exit',
			() => started.every((pid) => !isAlive(pid)),
			{
				timeoutMs: 45_000,
				intervalMs: 500,
			},
		);
		await waitFor('the demo to say "stopped"', () => /^stopped$/m.test(output), {
			timeoutMs: 5000,
		});
		assert(await portIsFree(port), `port ${port} is free again`);
		const answer = await fetch(`${simulator}/_sim/state`).then(
			() => 'answered',
			() => 'refused',
		);
		assert(answer === 'refused', 'the simulator is gone');
		// Its own temporary folder, removed on stop: demos in two checkouts do not collide.
		const folder = /\(demo folder: (.+)\) …/.exec(output)?.[1];
		assert(
			folder?.startsWith(path.join(os.tmpdir(), 'asana-events-demo-')) && !fs.existsSync(folder),
			`the demo's folder should be a temporary one of its own, gone after the stop: ${folder}`,
		);
		return `${started.length} processes under npm, all gone after SIGTERM to npm; its folder ${folder} removed`;
	} finally {
		if (npm.exitCode === null) process.kill(-npm.pid, 'SIGKILL');
	}
}

/**
 * The README's way in, after the suite's own n8n has stopped: a fresh n8n user folder, the
 * tarball installed as the README says, the first workflow in five minutes as it is written;
 * then n8n's node panel finds each node by the words of its codex.
 */
async function frontDoorChecks() {
	const ready = await check(
		'front door: a fresh n8n with the tarball installed as the README says (npm install in ~/.n8n/nodes)',
		async () => {
			runtime ??= await timed('install n8n runtime', () => ensureRuntime());
			packed ??= await timed('build + npm pack', () => buildAndPack(workDir));
			sim ??= await startSimulator({ logFile: path.join(workDir, 'simulator.log') });
			frontDoor = await timed('front door: install + n8n start', () =>
				startFrontDoor({
					runtime,
					workDir: path.join(workDir, 'front-door'),
					tarball: packed.tarball,
					owner: {
						email: 'front-door@example.com',
						password: randomPassword(),
						firstName: 'Front',
						lastName: 'Door',
					},
				}),
			);
			return `${path.basename(packed.tarball)} in ${frontDoor.n8n.nodesDir}; n8n on ${frontDoor.n8n.baseUrl}`;
		},
	);
	if (!ready) return;
	let workflowId;
	await check(
		"front door: the README's first workflow in five minutes — a project picked from the list, Trigger On: Task Completed, Fetch Test Event, n8n's Slack node with {{ $json.summary }} {{ $json.url }}, Publish — posts the completed task's summary to Slack",
		async () => {
			const done = await timed('front door: five-minute path', () =>
				fiveMinutePath({ n8n: frontDoor.n8n, slack: frontDoor.slack, sim, runtime }),
			);
			workflowId = done.workflowId;
			return done.steps;
		},
		{ timeoutMs: 240_000 },
	);
	await check(
		"front door (Chromium): n8n's node panel finds each node of the package by two words of its codex that its name does not contain",
		async () => {
			if (!workflowId) skip('the five-minute workflow was not made');
			const types = await frontDoor.n8n.restOk('GET', '/types/nodes.json');
			const editorDir = path.join(workDir, 'front-door', 'editor');
			const result = await timed('front door: node panel search (browser)', () =>
				runEditorCheck({
					runtime,
					workDir: editorDir,
					plan: {
						baseUrl: `http://localhost:${frontDoor.n8n.port}`,
						owner: frontDoor.n8n.owner,
						requireTypes: [],
						search: nodePanelSearch(types, workflowId),
					},
				}),
			);
			assert(
				!result.problems.length,
				`${result.problems.join('\n')}\n(browser log: ${result.logFile})`,
			);
			return result.searches
				.map((s) => `"${s.word}" → ${s.type.slice(PACKAGE.length + 1)}`)
				.join(', ');
		},
		{ timeoutMs: 300_000 },
	);
	await frontDoor.n8n.stop(20_000).catch(() => {});
}

let exitCode = 0;
try {
	if (!FRONT_DOOR_ONLY) await main();
} catch (error) {
	await check('suite set-up', () => Promise.reject(error));
}
await n8n?.stop(20_000).catch(() => {});
await frontDoorChecks();
await cleanupAll();
// After the suite's own n8n has stopped: the demo starts one of its own.
if (!FRONT_DOOR_ONLY)
	await check(
		'npm run demo stops n8n and the simulator when its npm process gets SIGTERM, and says "stopped"',
		demoStopsOnSigterm,
		{ timeoutMs: 360_000 },
	);
const failures = summary('e2e summary');
exitCode = failures ? 1 : 0;
if (failures || process.env.E2E_KEEP === '1') {
	log(
		`kept the work folder for inspection: ${workDir} (n8n log: ${path.join(workDir, 'n8n', 'n8n.log')}, CLI log: ${path.join(workDir, 'n8n', 'cli.log')})`,
	);
} else {
	fs.rmSync(workDir, { recursive: true, force: true });
}
process.exit(exitCode);
