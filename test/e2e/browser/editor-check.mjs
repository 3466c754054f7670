#!/usr/bin/env node
// Drives n8n's editor in Chromium (puppeteer-core): logs in as the owner, opens the panel of
// every node of this package in the given workflows and reports what each panel shows wrong
// (parameter or node issues, error toasts, console errors, failed requests); optionally takes
// the screenshots the README shows. Runs with the n8n runtime's Node.js 24 (puppeteer-core
// needs Node.js ≥ 22): test/e2e/lib/browser.mjs starts it.
//
//   node editor-check.mjs <plan.json> <result.json>
//
// The plan: { baseUrl, owner: { email, password }, chromium, n8nMajor, screenshotDir?,
//   requireTypes?, workflows: [{ id, expectIssues? }],
//   screenshots?: { panel?: { workflowId, nodeType, file },
//                   execution?: { workflowId, nodeType, file, waitMs? },
//                   slack?: { url, file, minMessages?, waitMs? } },
//   search?: [{ workflowId?, type, label, entryTypes, words }] }
//   (search: typed into n8n's node panel — the "+" of an empty workflow, which lists triggers,
//   or of `workflowId`'s canvas, which lists actions — each word must list an entry of one of
//   `entryTypes`: the node's own, or the app entry n8n lists a trigger under.)
// The result: { panels: [{ workflowId, node, type, ms, problems, notes }], searches: [{ type,
//   word, found, shown }], screenshots, problems, ms }.
// Exit code 0 when `problems` is empty.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import puppeteer from 'puppeteer-core';

const PACKAGE = 'n8n-nodes-asana-events';
// What makes headless Chromium behave without a network: no background requests to Google.
const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];
const started = Date.now();
const VIEWPORT = { width: 1440, height: 1080 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (text) =>
	process.stderr.write(`[editor-check ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);

const [planFile, resultFile] = process.argv.slice(2);
if (!planFile || !resultFile) {
	say('usage: editor-check.mjs <plan.json> <result.json>');
	process.exit(2);
}
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));
const result = { panels: [], searches: [], screenshots: [], problems: [], ms: 0 };

/**
 * What the page reports while a panel is open. Errors count against the panel when they come
 * from this package: requests for its node types, lists and options (dynamic-node-parameters),
 * console errors other than n8n's echo of a failed request, uncaught errors. Failed requests
 * of n8n's own (a core node's schema, say) are notes.
 */
class PageWatch {
	constructor(page, origin) {
		this.origin = origin;
		this.problems = [];
		this.notes = [];
		this.inFlight = new Set();
		this.lastActivity = Date.now();
		const local = (url) => url.startsWith(origin) && !url.includes('/rest/push');
		const ours = (request) =>
			request.url().includes(PACKAGE) ||
			request.url().includes('/rest/dynamic-node-parameters/') ||
			(request.postData() ?? '').includes(PACKAGE);
		const report = (request, what) => {
			const line = `${request.method()} ${request.url().slice(origin.length)} ${what}`;
			(ours(request) ? this.problems : this.notes).push(line);
		};
		page.on('request', (request) => {
			if (!local(request.url())) return;
			this.inFlight.add(request);
			this.lastActivity = Date.now();
			if (request.method() !== 'GET' && /\/rest\/workflows\/[^/?]+$/.test(request.url()))
				this.notes.push(`the editor saved the workflow: ${request.method()} ${request.url()}`);
		});
		const done = (request) => {
			this.inFlight.delete(request);
			this.lastActivity = Date.now();
		};
		page.on('requestfinished', (request) => {
			done(request);
			const status = request.response()?.status() ?? 0;
			if (local(request.url()) && status >= 400) report(request, `→ ${status}`);
		});
		page.on('requestfailed', (request) => {
			done(request);
			if (local(request.url())) report(request, `failed: ${request.failure()?.errorText}`);
		});
		// A new document abandons the requests of the old one without a word.
		page.on('framenavigated', (frame) => {
			if (frame === page.mainFrame()) this.inFlight.clear();
		});
		page.on('console', (message) => {
			if (message.type() !== 'error') return;
			// n8n's echo of a failed request, judged above.
			if (/^Failed to load resource/.test(message.text())) return;
			this.problems.push(`console error: ${message.text()}`);
		});
		page.on('pageerror', (error) => this.problems.push(`uncaught error: ${error.message}`));
	}
	mark() {
		return { problems: this.problems.length, notes: this.notes.length };
	}
	since(mark) {
		return { problems: this.problems.slice(mark.problems), notes: this.notes.slice(mark.notes) };
	}
	/** Until no request to n8n (its push connection aside) was open for `quietMs`. */
	async settled(quietMs = 600, timeoutMs = 20_000) {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (!this.inFlight.size && Date.now() - this.lastActivity >= quietMs) return;
			await sleep(100);
		}
		say(`still open after ${timeoutMs} ms: ${[...this.inFlight].map((r) => r.url()).join(', ')}`);
	}
}

async function login(page) {
	await page.goto(`${plan.baseUrl}/signin`, { waitUntil: 'domcontentloaded' });
	await page.waitForSelector('input[name="emailOrLdapLoginId"]', {
		visible: true,
		timeout: 60_000,
	});
	await page.type('input[name="emailOrLdapLoginId"]', plan.owner.email);
	await page.type('input[name="password"]', plan.owner.password);
	await page.click('[data-test-id="form-submit-button"]');
	await page
		.waitForFunction(() => location.pathname !== '/signin', { timeout: 30_000 })
		.catch(() => {
			throw new Error(`login as ${plan.owner.email} did not leave the sign-in page`);
		});
}

/** A REST call from the page, with the session the editor itself uses. */
function rest(page, urlPath) {
	return page.evaluate(async (p) => {
		const res = await fetch(p, {
			headers: { 'browser-id': localStorage.getItem('n8n-browserId') ?? '' },
		});
		if (!res.ok) throw new Error(`GET ${p} → ${res.status}`);
		return (await res.json()).data;
	}, urlPath);
}

const nodeSelector = (type, name) =>
	`[data-test-id="canvas-node"][data-node-type="${type}"]${name ? `[data-node-name=${JSON.stringify(name)}]` : ''}`;

/**
 * Where n8n draws an execution (the one thing of the editor this check meets that differs by
 * major version): on the page's own canvas in 2.x; in 1.x in a preview iframe, an editor of its
 * own (/workflows/demo) with the same canvas and panels.
 */
async function executionCanvas(page) {
	if (plan.n8nMajor >= 2) return page;
	const preview = await page.waitForSelector('[data-test-id="workflow-preview-iframe"]', {
		visible: true,
		timeout: 60_000,
	});
	return preview.contentFrame();
}

/** Opens `urlPath` and returns the page or frame whose canvas shows the workflow. */
async function openWorkflow(page, watch, urlPath, canvasOf = async () => page) {
	await page.goto(`${plan.baseUrl}${urlPath}`, { waitUntil: 'domcontentloaded' });
	const canvas = await canvasOf(page);
	await canvas.waitForSelector('[data-test-id="canvas-node"]', { visible: true, timeout: 60_000 });
	await watch.settled();
	return canvas;
}

async function openPanel(canvas, watch, type, name) {
	const node = await canvas.waitForSelector(nodeSelector(type, name), {
		visible: true,
		timeout: 15_000,
	});
	await node.click({ count: 2 });
	await canvas.waitForSelector('[data-test-id="ndv"] [data-test-id="node-parameters"]', {
		visible: true,
		timeout: 15_000,
	});
	// Lists, options and credentials load once the panel is open.
	await watch.settled();
}

async function closePanel(page, canvas = page) {
	await page.keyboard.press('Escape');
	await canvas
		.waitForSelector('[data-test-id="ndv"]', { hidden: true, timeout: 5000 })
		.catch(() => {});
}

/** What the open panel of `nodeName` shows wrong: parameter issues, node issues, error toasts. */
function shownIssues(page, nodeName) {
	return page.evaluate((nodeName) => {
		const visible = (el) => !!el.getClientRects().length;
		const issues = [];
		for (const el of document.querySelectorAll(
			'[data-test-id="ndv"] [data-test-id="parameter-issues"]',
		)) {
			if (!visible(el)) continue;
			const item = el.closest('[data-test-id="parameter-item"], .parameter-item');
			// The label holds the Fixed / Expression switch too.
			const label = item
				?.querySelector('label, [data-test-id="input-label"]')
				?.textContent?.replace(/\s*Fixed\s*Expression\s*$/, '');
			const tip = el.getAttribute('title') || el.textContent || '';
			issues.push(
				`parameter issue on "${(label ?? '?').trim()}"${tip.trim() ? `: ${tip.trim()}` : ''}`,
			);
		}
		// In the panel, or on this node's canvas box (other nodes' issues are theirs).
		const canvasNode = [...document.querySelectorAll('[data-test-id="canvas-node"]')].find(
			(el) => el.dataset.nodeName === nodeName,
		);
		const nodeIssues = [
			...document.querySelectorAll('[data-test-id="ndv"] [data-test-id="node-issues"]'),
			...(canvasNode?.querySelectorAll('[data-test-id="node-issues"]') ?? []),
		];
		if (nodeIssues.some(visible)) issues.push('node issues shown');
		for (const el of document.querySelectorAll('.el-notification')) {
			if (!visible(el)) continue;
			const error = el.querySelector('.el-notification--error, .el-icon-error') !== null;
			if (error) issues.push(`error toast: ${el.textContent?.trim().replace(/\s+/g, ' ')}`);
		}
		return issues;
	}, nodeName);
}

async function screenshot(page, selector, file, canvas = page) {
	const target = path.join(plan.screenshotDir, file);
	const element = selector ? await canvas.waitForSelector(selector, { visible: true }) : page;
	await element.screenshot({ path: target });
	result.screenshots.push(target);
	say(`screenshot ${target}`);
}

async function checkWorkflow(page, watch, { id, expectIssues = false }) {
	await openWorkflow(page, watch, `/workflow/${id}`);
	const nodes = await page.$$eval(
		'[data-test-id="canvas-node"]',
		(els, prefix) =>
			els
				.map((el) => ({ name: el.dataset.nodeName, type: el.dataset.nodeType }))
				.filter((n) => n.type?.startsWith(prefix)),
		`${PACKAGE}.`,
	);
	if (!nodes.length) result.problems.push(`workflow ${id}: no node of ${PACKAGE} on the canvas`);
	for (const node of nodes) {
		const t0 = Date.now();
		const mark = watch.mark();
		const panel = { workflowId: id, node: node.name, type: node.type, problems: [], notes: [] };
		try {
			await openPanel(page, watch, node.type, node.name);
			panel.opened = true;
			panel.problems.push(...(await shownIssues(page, node.name)));
			const wantShot = plan.screenshots?.panel;
			if (
				plan.screenshotDir &&
				wantShot?.workflowId === id &&
				wantShot.nodeType === node.type &&
				!panel.problems.length
			)
				await screenshot(page, '[data-test-id="ndv"]', wantShot.file);
			await closePanel(page);
		} catch (error) {
			panel.problems.push(`the panel did not open: ${error.message}`);
		}
		const seen = watch.since(mark);
		panel.problems.push(...seen.problems);
		panel.notes.push(...seen.notes);
		panel.ms = Date.now() - t0;
		result.panels.push(panel);
		const label = `${id} › ${node.name} (${node.type.slice(PACKAGE.length + 1)})`;
		if (expectIssues) {
			if (!panel.problems.length)
				result.problems.push(`${label}: made to show an issue, but the check saw none`);
		} else result.problems.push(...panel.problems.map((p) => `${label}: ${p}`));
		say(
			`${label}: ${panel.problems.length ? panel.problems.join('; ') : 'no problems'} (${panel.ms} ms)`,
		);
	}
}

/**
 * The trigger's output in the executions list: the execution with the most data among the last
 * ones (1.x lists no sizes: the newest).
 */
async function executionShot(page, watch, { workflowId, nodeType, file, waitMs = 60_000 }) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId, status: ['success'] }));
	const deadline = Date.now() + waitMs;
	let executions = [];
	while (!executions.length) {
		executions = (
			(await rest(page, `/rest/executions?filter=${filter}&limit=20`)).results ?? []
		).filter((e) => e.mode !== 'manual');
		if (executions.length) break;
		if (Date.now() > deadline)
			throw new Error(`no successful execution of ${workflowId} within ${waitMs} ms`);
		await sleep(2000);
	}
	const [biggest] = executions.sort((a, b) => (b.jsonSizeBytes ?? 0) - (a.jsonSizeBytes ?? 0));
	const canvas = await openWorkflow(
		page,
		watch,
		`/workflow/${workflowId}/executions/${biggest.id}`,
		executionCanvas,
	);
	await openPanel(canvas, watch, nodeType);
	// The items as JSON: readable whatever their shape.
	await canvas.click('[data-test-id="ndv"] [data-test-id="radio-button-json"]');
	await watch.settled(300);
	const count = await canvas
		.waitForSelector('[data-test-id="ndv"] [data-test-id="ndv-items-count"]', { timeout: 15_000 })
		.then((el) => el.evaluate((e) => e.textContent?.trim()));
	if (!/[1-9]/.test(count ?? ''))
		result.problems.push(`execution ${biggest.id}: the output panel shows "${count}"`);
	await screenshot(page, '[data-test-id="ndv"]', file, canvas);
	await closePanel(page, canvas);
	return `execution ${biggest.id} (${count})`;
}

/** The sink's Slack-style page, once it shows enough messages. */
async function slackShot(page, { url, file, minMessages = 1, waitMs = 90_000 }) {
	await page.setViewport({ width: 1000, height: 440 });
	const deadline = Date.now() + waitMs;
	let count = 0;
	for (;;) {
		await page.goto(url, { waitUntil: 'load' });
		count = await page.$$eval('.message', (els) => els.length);
		if (count >= minMessages) break;
		if (Date.now() > deadline)
			throw new Error(`the Slack-style page showed ${count} messages, not ${minMessages}`);
		await sleep(2000);
	}
	// The latest messages that fit, none cut in half.
	await page.$$eval('.message', (els) => els.slice(0, -6).forEach((el) => el.remove()));
	await screenshot(page, null, file);
	await page.setViewport(VIEWPORT);
	return `${count} messages`;
}

const SEARCH_BOX = 'input[data-test-id="node-creator-search-bar"]';

/**
 * Opens n8n's node panel as a user does: on an empty workflow "Add first step" (the trigger
 * list), on a workflow's canvas its "+" (the action list).
 */
async function openNodePanel(page, watch, workflowId) {
	if (workflowId) {
		await openWorkflow(page, watch, `/workflow/${workflowId}`);
		await page.click('[data-test-id="node-creator-plus-button"]');
	} else {
		await page.goto(`${plan.baseUrl}/workflow/new`, { waitUntil: 'domcontentloaded' });
		const add = await page.waitForSelector(
			'[data-test-id="canvas-add-button"] [data-test-id="canvas-plus-button"]',
			{ visible: true, timeout: 60_000 },
		);
		await watch.settled();
		await add.click();
	}
	await page.waitForSelector(SEARCH_BOX, { visible: true, timeout: 15_000 });
	await watch.settled();
}

/**
 * The entries the node panel lists for `word`: each one's name and node type (n8n keys an
 * entry `<node type>-<uuid>`).
 */
async function searchNodePanel(page, word) {
	// The panel may draw its search box anew while it opens: find it each time.
	await page.waitForSelector(SEARCH_BOX, { visible: true, timeout: 15_000 });
	await page.$eval(SEARCH_BOX, (el) => el.focus());
	await page.keyboard.down('Control');
	await page.keyboard.press('a');
	await page.keyboard.up('Control');
	await page.keyboard.press('Backspace');
	await page.keyboard.type(word);
	// The list follows the search box at once; let it render.
	await sleep(700);
	return page.$$eval('[data-test-id="node-creator"] [data-test-id="item-iterator-item"]', (els) =>
		els
			.filter((el) => el.dataset.keyboardNavType === 'node')
			.map((el) => ({
				name: el.querySelector('[data-test-id="node-creator-item-name"]')?.textContent?.trim(),
				type: el.dataset.keyboardNavId?.replace(/-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/, ''),
			})),
	);
}

async function checkSearch(page, watch) {
	const byView = new Map();
	for (const entry of plan.search) {
		const key = entry.workflowId ?? '';
		byView.set(key, [...(byView.get(key) ?? []), entry]);
	}
	for (const [workflowId, entries] of byView) {
		await openNodePanel(page, watch, workflowId || undefined);
		for (const { type, label, entryTypes, words } of entries) {
			for (const word of words) {
				const shown = await searchNodePanel(page, word);
				const found = shown.some((item) => entryTypes.includes(item.type));
				const names = shown.map((item) => `${item.name} (${item.type})`);
				result.searches.push({ type, word, found, shown: names.slice(0, 12) });
				say(
					`node panel "${word}": ${found ? `finds ${label}` : `no ${label} in ${shown.length} entries`}`,
				);
				if (!found)
					result.problems.push(
						`node panel: "${word}" does not find ${label} (${type}); it lists: ${names.slice(0, 12).join(' | ') || 'nothing'}`,
					);
			}
		}
		await page.keyboard.press('Escape');
	}
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'asana-events-chromium-'));
let browser;
try {
	browser = await puppeteer.launch({
		executablePath: plan.chromium,
		userDataDir: profile,
		args: CHROMIUM_FLAGS,
		defaultViewport: VIEWPORT,
		protocolTimeout: 120_000,
	});
	say(`${await browser.version()}, n8n ${plan.n8nMajor}.x at ${plan.baseUrl}`);
	const page = await browser.newPage();
	page.on('dialog', (dialog) => void dialog.dismiss());
	const watch = new PageWatch(page, new URL(plan.baseUrl).origin);
	await login(page);
	if (plan.screenshotDir) fs.mkdirSync(plan.screenshotDir, { recursive: true });
	for (const workflow of plan.workflows ?? []) await checkWorkflow(page, watch, workflow);
	if (plan.search?.length) await checkSearch(page, watch);
	const opened = new Set(result.panels.filter((p) => p.opened).map((p) => p.type));
	for (const type of plan.requireTypes ?? [])
		if (!opened.has(type)) result.problems.push(`no panel of ${type} was opened`);
	const shots = plan.screenshotDir ? (plan.screenshots ?? {}) : {};
	if (shots.panel && !result.screenshots.length)
		result.problems.push(
			`no screenshot of the ${shots.panel.nodeType} panel in ${shots.panel.workflowId}`,
		);
	if (shots.execution) say(await executionShot(page, watch, shots.execution));
	if (shots.slack) say(await slackShot(page, shots.slack));
} catch (error) {
	result.problems.push(`editor check stopped: ${error.stack ?? error}`);
} finally {
	await browser?.close().catch(() => {});
	fs.rmSync(profile, { recursive: true, force: true });
}
result.ms = Date.now() - started;
fs.writeFileSync(resultFile, JSON.stringify(result, null, 2));
process.exit(result.problems.length ? 1 : 0);
