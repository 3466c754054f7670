// The editor check in a real browser (test/e2e/browser/editor-check.mjs): Debian's Chromium,
// installed by scripts/install-chromium.sh, driven with puppeteer-core under the n8n runtime's
// Node.js 24 (puppeteer-core needs Node.js ≥ 22), in a process group of its own; puppeteer
// closes Chromium when the check ends or gets SIGTERM.
import fs from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from './pack.mjs';
import { log, runCommand, startProcess } from './procs.mjs';
import { IDS, T, manualWorkflow } from './workflows.mjs';

const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-chromium.sh');
const EDITOR_CHECK = path.join(REPO_ROOT, 'test', 'e2e', 'browser', 'editor-check.mjs');

/** Installs Chromium when it is missing (apt-get, as root or through sudo); returns its path. */
export async function ensureChromium() {
	const result = await runCommand('bash', [INSTALL_SCRIPT], { cwd: REPO_ROOT, timeoutMs: 900_000 });
	if (result.code !== 0)
		throw new Error(
			`scripts/install-chromium.sh failed:\n${(result.stdout + result.stderr).slice(-3000)}`,
		);
	return result.stdout.trim().split('\n').pop();
}

/** Every node type of this package: the editor check must open a panel of each. */
export const PACKAGE_NODE_TYPES = Object.values(T);

/** The runtime's n8n major version: the editor check finds a few things elsewhere in 1.x. */
const n8nMajor = (runtime) => Number(String(runtime.n8nVersion).split('.')[0]);

/**
 * Runs the editor check with `plan` (see editor-check.mjs) and returns its result; the
 * browser's log goes to `<workDir>/editor-check.log`.
 */
export async function runEditorCheck({ runtime, workDir, plan, timeoutMs = 600_000 }) {
	const chromium = await ensureChromium();
	fs.mkdirSync(workDir, { recursive: true });
	const planFile = path.join(workDir, 'editor-check-plan.json');
	const resultFile = path.join(workDir, 'editor-check-result.json');
	fs.rmSync(resultFile, { force: true });
	fs.writeFileSync(
		planFile,
		JSON.stringify(
			{ chromium, n8nMajor: n8nMajor(runtime), requireTypes: PACKAGE_NODE_TYPES, ...plan },
			null,
			2,
		),
		{ mode: 0o600 },
	);
	const logFile = path.join(workDir, 'editor-check.log');
	const proc = startProcess('editor check', runtime.nodeBin, [EDITOR_CHECK, planFile, resultFile], {
		cwd: REPO_ROOT,
		logFile,
	});
	const timer = setTimeout(() => {
		log(`editor check: still running after ${timeoutMs} ms, stopping it`);
		void proc.stop(15_000);
	}, timeoutMs);
	const exit = await proc.exited.finally(() => clearTimeout(timer));
	if (!fs.existsSync(resultFile))
		throw new Error(
			`the editor check ended (${exit.code ?? exit.signal}) without a result:\n${proc.output().slice(-3000)}`,
		);
	return { ...JSON.parse(fs.readFileSync(resultFile, 'utf8')), logFile };
}

/**
 * A workflow whose Asana Events node lacks its required Task, Project or Goal: the editor
 * check must see the issue its panel shows.
 */
export function workflowWithIssue(id) {
	return manualWorkflow({
		id,
		name: 'E2E: Asana Events without its Task, Project or Goal',
		node: {
			name: 'Asana Events',
			type: T.events,
			typeVersion: 1,
			parameters: {
				authentication: 'accessToken',
				resource: 'event',
				operation: 'getSyncToken',
				source: 'resource',
			},
			credentials: { asanaEventsApi: { id: IDS.credToken, name: 'Asana account' } },
		},
	});
}

/**
 * What the editor check types into n8n's node panel, per node type: aliases of its codex
 * (nodes/<Node>/<Node>.node.json) that its name does not already match (n8n's search matches
 * the letters of a name in order), so that only the codex can make the panel find the node.
 */
export const NODE_PANEL_WORDS = {
	[T.eventsTrigger]: ['task completed', 'webhook alternative'],
	[T.auditTrigger]: ['siem', 'security'],
	[T.events]: ['sync token', 'changes'],
	[T.auditLog]: ['siem', 'compliance'],
};

/** n8n's search: the word's letters appear in the name in order, whatever their case. */
const matchesName = (word, name) => {
	let at = 0;
	for (const letter of name.toLowerCase()) if (letter === word[at]?.toLowerCase()) at++;
	return at === word.length;
};

/**
 * The `search` plan of the editor check: triggers from an empty workflow's "Add first step",
 * actions from the "+" of `workflowId`'s canvas. `types` is n8n's /types/nodes.json.
 */
export function nodePanelSearch(types, workflowId) {
	return Object.entries(NODE_PANEL_WORDS).map(([type, words]) => {
		const description = types.find((t) => t.name === type);
		if (!description) throw new Error(`n8n does not list ${type}`);
		const aliases = description.codex?.alias ?? [];
		const notAliases = words.filter((word) => !aliases.includes(word));
		if (notAliases.length)
			throw new Error(`${type}: ${notAliases.join(', ')} not among its aliases (${aliases})`);
		const byName = words.filter((word) => matchesName(word, description.displayName));
		if (byName.length) throw new Error(`${type}: its name already matches ${byName.join(', ')}`);
		const trigger = description.group.includes('trigger');
		// n8n lists a trigger under the entry of its app: the node named as the trigger less
		// " Trigger" (Asana Events Trigger under Asana Events), which opens both.
		const app = types.find(
			(t) =>
				!t.group.includes('trigger') &&
				t.displayName === description.displayName.replace(/ Trigger$/, ''),
		);
		return {
			...(trigger ? {} : { workflowId }),
			type,
			label: description.displayName,
			entryTypes: trigger && app ? [type, app.name] : [type],
			words,
		};
	});
}
