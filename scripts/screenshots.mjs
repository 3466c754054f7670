#!/usr/bin/env node
// `npm run screenshots`: starts `npm run demo` (its own folder and port, the simulator, polls
// every minute), runs the editor check in Chromium against it — every node panel of the package
// must open without errors — and saves the README's pictures into docs/images/:
//   events-trigger-panel.png  the Slack example's Asana Events Trigger panel
//   execution-items.png       that trigger's items in an execution of the executions list
//   slack-messages.png        what the Slack example sent, on the sink's Slack-style page
// Installs Chromium first when it is missing (scripts/install-chromium.sh, as root).
// SCREENSHOTS_DIR: where to save them instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runEditorCheck } from '../test/e2e/lib/browser.mjs';
import { REPO_ROOT } from '../test/e2e/lib/pack.mjs';
import {
	fmtMs,
	freePort,
	installCleanup,
	log,
	startProcess,
	waitFor,
} from '../test/e2e/lib/procs.mjs';
import { IDS, T } from '../test/e2e/lib/workflows.mjs';
import { ensureRuntime } from './n8n-runtime.mjs';

const started = Date.now();
const screenshotDir = path.resolve(
	process.env.SCREENSHOTS_DIR || path.join(REPO_ROOT, 'docs', 'images'),
);
const owner = { email: 'demo@example.com', password: 'Asana-Demo-2026' };
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asana-events-screenshots-'));
let demo;
installCleanup(async () => {
	await demo?.stop(60_000);
});

async function startDemo() {
	const port = await freePort();
	let banner = '';
	demo = startProcess('demo', process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.mjs')], {
		cwd: REPO_ROOT,
		env: {
			DEMO_DIR: path.join(workDir, 'demo'),
			DEMO_PORT: String(port),
			DEMO_EMAIL: owner.email,
			DEMO_PASSWORD: owner.password,
			// n8n's default Poll Times (every minute), as the pictures show the panel.
			DEMO_POLL_CRON: '',
			// The pictures show the simulator and the sink, whatever this shell points at.
			ASANA_TOKEN: '',
			SLACK_WEBHOOK_URL: '',
			SIEM_URL: '',
		},
		logFile: path.join(workDir, 'demo.log'),
		onLine: (line) => (banner += `${line}\n`),
	});
	await waitFor(
		'the demo to print its banner',
		() => {
			if (demo.done) throw new Error(`the demo exited:\n${demo.output().slice(-3000)}`);
			return /Ctrl-C stops everything/.test(banner);
		},
		{ timeoutMs: 600_000, intervalMs: 500 },
	);
	const sinkPage = /• (http:\/\/127\.0\.0\.1:\d+)\/ : the "Slack" messages/.exec(banner)?.[1];
	const simulator = /Asana simulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
	if (!sinkPage || !simulator)
		throw new Error(`the demo's banner names no Slack-style page or simulator:\n${banner}`);
	return { baseUrl: `http://localhost:${port}`, sinkPage, simulator };
}

async function main() {
	log(`work folder: ${workDir}`);
	const runtime = await ensureRuntime();
	const { baseUrl, sinkPage, simulator } = await startDemo();
	const demoMs = Date.now() - started;
	// More activity than the demo's own, so that the pictures fill up sooner.
	const busier = setInterval(() => {
		fetch(`${simulator}/_sim/activity`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ count: 15 }),
		}).catch(() => {});
	}, 10_000);
	log(`demo running at ${baseUrl} (${fmtMs(demoMs)}); editor check …`);
	let result;
	try {
		result = await runEditorCheck({
			runtime,
			workDir,
			plan: {
				baseUrl,
				owner,
				screenshotDir,
				workflows: [
					{ id: IDS.exampleSlack },
					{ id: IDS.exampleAudit },
					{ id: IDS.exampleScheduled },
					{ id: IDS.demoAuditSearch },
				],
				screenshots: {
					panel: {
						workflowId: IDS.exampleSlack,
						nodeType: T.eventsTrigger,
						file: 'events-trigger-panel.png',
					},
					execution: {
						workflowId: IDS.exampleSlack,
						nodeType: T.eventsTrigger,
						file: 'execution-items.png',
						waitMs: 180_000,
					},
					slack: {
						url: `${sinkPage}/?channel=projects`,
						file: 'slack-messages.png',
						minMessages: 3,
						waitMs: 180_000,
					},
				},
			},
		});
	} finally {
		clearInterval(busier);
	}
	for (const panel of result.panels)
		log(
			`${panel.problems.length ? 'FAIL' : 'ok  '} ${panel.workflowId} › ${panel.node}${panel.problems.length ? `: ${panel.problems.join('; ')}` : ''}${panel.notes.length ? ` (notes: ${panel.notes.join('; ')})` : ''}`,
		);
	for (const file of result.screenshots) log(`saved ${path.relative(process.cwd(), file)}`);
	log(
		`demo start ${fmtMs(demoMs)}, browser ${fmtMs(result.ms)}, total ${fmtMs(Date.now() - started)}`,
	);
	if (result.problems.length) {
		log(`problems:\n  ${result.problems.join('\n  ')}\nbrowser log: ${result.logFile}`);
		return 1;
	}
	return 0;
}

let code = 1;
try {
	code = await main();
} catch (error) {
	log(`screenshots failed: ${error.stack ?? error}`);
}
await demo?.stop(60_000);
if (code === 0) fs.rmSync(workDir, { recursive: true, force: true });
else log(`kept ${workDir} (demo log: ${path.join(workDir, 'demo.log')})`);
process.exit(code);
