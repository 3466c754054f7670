#!/usr/bin/env node
// `npm run demo`: this package in a real n8n on http://localhost:5678, fed by the Asana
// simulator (or by real Asana when ASANA_TOKEN is set), with the example workflows active.
//
//   npm run demo
//   ASANA_TOKEN=… ASANA_WORKSPACE_GID=… [ASANA_PROJECT_GID=…] npm run demo
//
// Environment: DEMO_PORT (5678), DEMO_EMAIL / DEMO_PASSWORD (owner login),
// DEMO_POLL_CRON (one Poll Times entry: e.g. "0,20,40 * * * * *" polls every 20 s on n8n before
// 2.41; from 2.41 n8n takes one fixed second at most, e.g. "0 * * * * *"),
// SLACK_WEBHOOK_URL / SIEM_URL (real receivers instead of the local sink), DEMO_DIR (the
// working folder; default a new temporary one per run, so demos can run side by side).
// Ctrl-C, SIGTERM (also to the npm process: package.json execs this script) and SIGHUP stop n8n,
// the simulator and the sink, and wait until they are gone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { N8n } from '../test/e2e/lib/n8n.mjs';
import { buildAndPack } from '../test/e2e/lib/pack.mjs';
import { fmtMs, freePort, log, portIsFree, sleep, stopAll } from '../test/e2e/lib/procs.mjs';
import { simulatorAvailable, startSimulator } from '../test/e2e/lib/simulator.mjs';
import { startSink } from '../test/e2e/lib/sink.mjs';
import {
	IDS,
	credentials,
	prepareWorkflow,
	manualWorkflow,
	readExample,
	triggerToSink,
	eventsTriggerNode,
	T,
} from '../test/e2e/lib/workflows.mjs';
import { ensureRuntime, runtimeTemplate } from './n8n-runtime.mjs';

const started = Date.now();
const timings = {};
const time = async (label, fn) => {
	const t0 = Date.now();
	try {
		return await fn();
	} finally {
		timings[label] = Date.now() - t0;
	}
};

const PORT = Number(process.env.DEMO_PORT || 5678);
const OWNER = {
	email: process.env.DEMO_EMAIL || 'demo@example.com',
	password: process.env.DEMO_PASSWORD || 'Asana-Demo-2026',
	firstName: 'Demo',
	lastName: 'Owner',
};
const REAL = !!process.env.ASANA_TOKEN;
const ASANA_API = 'https://app.asana.com/api/1.0';

/** Marks a folder as the demo's, so that a DEMO_DIR of an earlier run may be emptied. */
const DEMO_MARK = '.n8n-nodes-asana-events-demo';

let sim;
let sink;
let n8n;
let stopping;
/** The working folder: n8n's data and log, the simulator's log, the packed tarball. */
let demoDir;

/**
 * Stops what the demo started, once, whoever asks first: n8n's and the simulator's process
 * groups (SIGTERM, SIGKILL after a grace period), waiting until they exited, and the sink.
 */
function stopEverything(code) {
	stopping ??= (async () => {
		const clean = await Promise.race([
			(async () => {
				await n8n?.stop(20_000).catch(() => {});
				await sim?.stop().catch(() => {});
				await sink?.close().catch(() => {});
				await stopAll();
				return true;
			})(),
			sleep(30_000).then(() => false),
		]);
		// A temporary folder goes, unless the demo failed or left a process (its logs are
		// there); DEMO_DIR stays.
		if (demoDir && !process.env.DEMO_DIR) {
			if (code === 1 || !clean) log(`kept the demo folder for inspection: ${demoDir}`);
			else fs.rmSync(demoDir, { recursive: true, force: true });
		}
		// The exit handler below kills whatever has not exited by now.
		say(clean ? 'stopped' : 'stopped (killed what had not exited within 30 s)');
		process.exit(code);
	})();
	return stopping;
}

for (const [signal, code] of [
	['SIGINT', 130],
	['SIGTERM', 143],
	['SIGHUP', 129],
]) {
	process.on(signal, () => {
		if (!stopping) log(`${signal}: stopping n8n, the simulator and the sink …`);
		void stopEverything(code);
	});
}
process.on('uncaughtException', (error) => {
	log(`uncaught: ${error.stack ?? error}`);
	void stopEverything(1);
});
// Last resort when the process exits any other way: no process group outlives the demo.
process.on('exit', () => {
	for (const child of [n8n?.process, sim?.process]) {
		if (child && !child.done)
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {}
	}
});

function say(text = '') {
	process.stdout.write(`${text}\n`);
}

/** The sink prints what the workflows deliver, as a chat or SIEM would show it. */
function printDelivery(record) {
	const b = record.body ?? {};
	const at = new Date(record.at).toISOString().slice(11, 19);
	if (record.path.startsWith('/slack/security')) say(`${at} [slack #security] ${b.text}`);
	else if (record.path.startsWith('/slack')) say(`${at} [slack #projects] ${b.text}`);
	else if (record.path.startsWith('/siem'))
		say(
			`${at} [siem] OCSF ${b.class_uid} ${b.type_name} (${b.metadata?.event_code}) by ${b.actor?.user?.name} — event ${b.metadata?.uid}`,
		);
	else if (record.path.startsWith('/batches'))
		say(
			`${at} [batch] ${b.events?.length ?? 0} events${b.sync_token_expired ? ' (sync token had expired)' : ''}`,
		);
	else if (record.path.startsWith('/events')) {
		if (b.gap_notice) say(`${at} [events] GAP NOTICE: ${b.message}`);
		else say(`${at} [events] ${b.summary}`);
	} else say(`${at} [sink ${record.path}] ${JSON.stringify(b).slice(0, 200)}`);
}

async function asana(pathAndQuery) {
	const res = await fetch(`${ASANA_API}${pathAndQuery}`, {
		headers: { authorization: `Bearer ${process.env.ASANA_TOKEN}`, accept: 'application/json' },
		signal: AbortSignal.timeout(20_000),
	});
	const body = await res.json().catch(() => null);
	if (!res.ok)
		throw new Error(
			`Asana ${res.status} on ${pathAndQuery.split('?')[0]}: ${body?.errors?.[0]?.message ?? res.statusText}`,
		);
	return body.data;
}

/**
 * Why the n8n the demo runs would refuse DEMO_POLL_CRON at publication, or null. n8n 2.41 and
 * later (n8n-workflow's `isSubMinuteCron`) refuse a six-field cron whose seconds field is
 * anything but one number; older n8n only one with `*` in it.
 */
function pollCronProblem(expression, n8nVersion) {
	const fields = expression.trim().split(/\s+/);
	if (fields.length !== 6) return null;
	const [major, minor] = n8nVersion.split('.').map(Number);
	const minuteFloor = major > 2 || (major === 2 && minor >= 41);
	const refused = minuteFloor ? !/^\d+$/.test(fields[0]) : fields[0].includes('*');
	if (!refused) return null;
	return minuteFloor
		? `DEMO_POLL_CRON "${expression}" polls more often than once a minute, which n8n ${n8nVersion} refuses: set one fixed second, e.g. DEMO_POLL_CRON="0 * * * * *", or unset it (every minute)`
		: `DEMO_POLL_CRON "${expression}" has "*" in its seconds field, which n8n ${n8nVersion} refuses: list the seconds, e.g. DEMO_POLL_CRON="0,20,40 * * * * *"`;
}

async function main() {
	const n8nVersion = runtimeTemplate().n8nVersion;
	const cronProblem = process.env.DEMO_POLL_CRON
		? pollCronProblem(process.env.DEMO_POLL_CRON, n8nVersion)
		: null;
	if (cronProblem) throw new Error(cronProblem);
	if (!(await portIsFree(PORT)))
		throw new Error(`port ${PORT} is in use: stop what runs there or set DEMO_PORT`);
	const runtime = await time('n8n runtime', () => ensureRuntime());

	demoDir = prepareDemoDir(process.env.DEMO_DIR);
	log(`building and packing the package (demo folder: ${demoDir}) …`);
	const packed = await time('build + pack', () => buildAndPack(demoDir));

	sink = await startSink({ onRequest: printDelivery });
	const pollTimes = process.env.DEMO_POLL_CRON
		? { item: [{ mode: 'custom', cronExpression: process.env.DEMO_POLL_CRON }] }
		: undefined;

	let baseUrl;
	let token;
	let serviceAccountToken;
	let workspaceGid;
	let projectGid;
	let projectName;
	if (REAL) {
		baseUrl = ASANA_API;
		token = process.env.ASANA_TOKEN;
		serviceAccountToken = token;
		workspaceGid = process.env.ASANA_WORKSPACE_GID;
		if (!workspaceGid)
			throw new Error(
				'ASANA_WORKSPACE_GID is required with ASANA_TOKEN (the number after /1/ in Asana URLs)',
			);
		const me = await asana('/users/me?opt_fields=name,email');
		log(`real Asana: token of ${me.name}`);
		projectGid = process.env.ASANA_PROJECT_GID;
		if (!projectGid) {
			const [first] = await asana(
				`/projects?workspace=${workspaceGid}&archived=false&limit=1&opt_fields=name`,
			);
			if (!first) throw new Error('the workspace has no project: set ASANA_PROJECT_GID');
			projectGid = first.gid;
			projectName = first.name;
			log(`ASANA_PROJECT_GID not set: using the first project, "${first.name}" (${first.gid})`);
		}
	} else {
		if (!simulatorAvailable())
			throw new Error('test/simulator/cli.ts is missing; set ASANA_TOKEN to use real Asana');
		sim = await time('simulator', () =>
			startSimulator({
				activityEveryMs: 5000,
				auditEveryMs: 15000,
				seed: Date.now() % 100000,
				logFile: path.join(demoDir, 'simulator.log'),
			}),
		);
		baseUrl = sim.baseUrl;
		token = sim.tokens.alice;
		serviceAccountToken = sim.tokens.serviceAccount;
		workspaceGid = sim.workspaceGid;
		projectGid = sim.projects[0].gid;
		projectName = sim.projects[0].name;
	}

	n8n = new N8n({
		runtime,
		userFolder: path.join(demoDir, 'n8n'),
		port: PORT,
		brokerPort: await freePort(),
		owner: OWNER,
	});
	await time('install package', () => n8n.installPackage(packed.tarball));

	const credFile = path.join(demoDir, 'credentials.json');
	fs.writeFileSync(
		credFile,
		JSON.stringify(credentials({ baseUrl, token, serviceAccountToken, badToken: false }), null, 2),
		{ mode: 0o600 },
	);
	const wfDir = path.join(demoDir, 'workflows');
	fs.mkdirSync(wfDir);
	const workflows = [];
	const add = (wf) => {
		workflows.push(wf);
		fs.writeFileSync(path.join(wfDir, `${wf.id}.json`), JSON.stringify(wf, null, 2));
	};
	const slackUrl = (channel) => process.env.SLACK_WEBHOOK_URL || `${sink.url}/slack/${channel}`;
	add(
		triggerToSink({
			id: 'demoAllEvents001',
			name: `Demo: every event of "${projectName ?? projectGid}"`,
			url: `${sink.url}/events`,
			trigger: eventsTriggerNode({ gids: [projectGid], pollTimes }),
		}),
	);
	add(
		prepareWorkflow(readExample('slack'), {
			id: IDS.exampleSlack,
			projectGid,
			projectName,
			pollTimes,
			urls: { 'Send to Slack': slackUrl('projects') },
		}),
	);
	add(
		prepareWorkflow(readExample('audit'), {
			id: IDS.exampleAudit,
			workspaceGid,
			pollTimes,
			urls: {
				'Send to SIEM': process.env.SIEM_URL || `${sink.url}/siem`,
				'Security Alert to Slack': slackUrl('security'),
			},
		}),
	);
	add(
		prepareWorkflow(readExample('scheduled'), {
			id: IDS.exampleScheduled,
			projectGid,
			scheduleSeconds: 60,
			urls: { 'Send Batch': `${sink.url}/batches` },
		}),
	);
	// Not activated (a manual trigger): run it from the editor.
	const auditSearch = manualWorkflow({
		id: IDS.demoAuditSearch,
		name: 'Demo: search the audit log (run it by hand)',
		node: {
			name: 'Asana Audit Log',
			type: T.auditLog,
			typeVersion: 1,
			parameters: {
				resource: 'auditLogEvent',
				operation: 'getAll',
				workspace: { __rl: true, mode: 'id', value: String(workspaceGid) },
				returnAll: false,
				limit: 20,
				filters: {},
				options: {},
			},
			credentials: {
				asanaEventsApi: { id: IDS.credServiceAccount, name: 'Asana service account' },
			},
		},
	});
	fs.writeFileSync(
		path.join(wfDir, `${auditSearch.id}.json`),
		JSON.stringify(auditSearch, null, 2),
	);
	await time('import', async () => {
		await n8n.cli(['import:credentials', `--input=${credFile}`]);
		await n8n.cli(['import:workflow', '--separate', `--input=${wfDir}`]);
	});
	fs.rmSync(credFile, { force: true });

	log(`starting n8n on http://localhost:${PORT} …`);
	await time('n8n start', () => n8n.start());
	const activation = [];
	for (const wf of workflows) {
		const res = await n8n.activate(wf.id);
		const message = res.ok ? 'active' : `NOT active: ${res.raw?.message ?? res.status}`;
		activation.push(`  • ${wf.name} — ${message}`);
	}
	timings.total = Date.now() - started;

	say('');
	say('════════════════════════════════════════════════════════════════════════');
	say(` n8n with n8n-nodes-asana-events is running: http://localhost:${PORT}`);
	say(` Log in as ${OWNER.email} / ${OWNER.password}`);
	say('════════════════════════════════════════════════════════════════════════');
	say(
		REAL
			? ` Source: real Asana, workspace ${workspaceGid}, project ${projectGid}`
			: ` Source: Asana simulator at ${sim.origin} (new activity every 5 s, audit events every 15 s)`,
	);
	say(' Workflows (Overview → Workflows):');
	for (const line of activation) say(line);
	say(`  • ${auditSearch.name}`);
	say(' What to look at:');
	say('  • Executions tab: one execution per poll that found something (polls run every minute;');
	say('    the scheduled example every minute here instead of every 5).');
	say('  • This terminal: what the workflows send to "Slack", the "SIEM" and the batch endpoint');
	say('    (a local sink stands in for them).');
	if (!process.env.SLACK_WEBHOOK_URL)
		say(`  • ${sink.url}/ : the "Slack" messages as Slack shows them (reload for new ones).`);
	say('  • Open a workflow → the trigger node → "Fetch Test Event" to see a sample.');
	if (sim) {
		say(' Drive the simulator:');
		// The simulator's own lines: they send what its control API reads.
		const width = Math.max(...sim.info.curl.map(({ command }) => command.length));
		for (const { command, effect } of sim.info.curl) say(`  ${command.padEnd(width)}  # ${effect}`);
		say(`  Credentials use the simulator's fake tokens (Alice: ${sim.tokens.alice}).`);
	}
	say(` n8n log: ${n8n.logFile}`);
	say(
		` Started in ${fmtMs(timings.total)} (${Object.entries(timings)
			.filter(([k]) => k !== 'total')
			.map(([k, v]) => `${k} ${fmtMs(v)}`)
			.join(', ')})`,
	);
	say(' Ctrl-C stops everything.');
	say('');

	// Stay up until a signal; stop if n8n dies.
	const exit = await n8n.process.exited;
	if (stopping) return;
	log(`n8n exited (${exit.code ?? exit.signal}); see ${n8n.logFile}`);
	await stopEverything(1);
}

/**
 * The demo's own folder: DEMO_DIR when set (created, or emptied when an earlier demo made it;
 * any other folder with files in it is refused), else a new temporary one.
 */
function prepareDemoDir(named) {
	if (!named) return fs.mkdtempSync(path.join(os.tmpdir(), 'asana-events-demo-'));
	const dir = path.resolve(named);
	if (fs.existsSync(dir) && fs.readdirSync(dir).length) {
		if (!fs.existsSync(path.join(dir, DEMO_MARK)))
			throw new Error(
				`DEMO_DIR: ${dir} holds files of something else: name a new or empty folder, or unset DEMO_DIR for a temporary one`,
			);
		fs.rmSync(dir, { recursive: true, force: true });
	}
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, DEMO_MARK), '');
	return dir;
}

main().catch(async (error) => {
	if (stopping) return;
	log(`demo failed: ${error.message}`);
	if (n8n?.logFile && fs.existsSync(n8n.logFile)) log(`n8n log: ${n8n.logFile}`);
	await stopEverything(1);
});
