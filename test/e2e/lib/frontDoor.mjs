// The README's "first workflow in five minutes", done as it is written, in a fresh n8n: the
// tarball installed with `npm install` in ~/.n8n/nodes, an Asana credential with a personal
// access token, the Asana Events Trigger with the default Source and a project picked from
// its list, Trigger On: Task Completed, Fetch Test Event, then n8n's own Slack node (Send a
// message, text `{{ $json.summary }} {{ $json.url }}`) reaching a local stand-in for
// slack.com, and Publish.
import fs from 'node:fs';
import path from 'node:path';

import { assert } from './checks.mjs';
import { N8n, flattedParser } from './n8n.mjs';
import { freePort, runCommand, sleep, waitFor } from './procs.mjs';
import { startSlackStandIn } from './slackStandIn.mjs';
import { PACKAGE, T } from './workflows.mjs';

const SLACK_TOKEN = 'xoxb-e2e-front-door';
const SLACK_CHANNEL = 'C0E2EALERTS';
const PROJECT_NAME = 'Website relaunch';
const SLACK_NODE = {
	type: 'n8n-nodes-base.slack',
	// What n8n 2.x adds from its panel; 1.x has 2.3 at most.
	typeVersion: { 1: 2.3, 2: 2.5 },
};

/** A fresh n8n user folder with the package installed as the README says; n8n started. */
export async function startFrontDoor({ runtime, workDir, tarball, owner }) {
	const slack = await startSlackStandIn(path.join(workDir, 'slack'));
	const n8n = new N8n({
		runtime,
		userFolder: path.join(workDir, 'n8n'),
		port: await freePort(),
		brokerPort: await freePort(),
		owner,
		env: slack.n8nEnv,
	});
	// README: in ~/.n8n/nodes (created with `npm init -y` if missing), `npm install <tarball>`.
	const npm = async (...args) => {
		const result = await runCommand('npm', args, {
			cwd: n8n.nodesDir,
			timeoutMs: 180_000,
			env: { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_loglevel: 'error' },
		});
		assert(result.code === 0, `npm ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
	};
	if (!fs.existsSync(path.join(n8n.nodesDir, 'package.json'))) await npm('init', '-y');
	await npm('install', tarball);
	const installed = fs.readdirSync(path.join(n8n.nodesDir, 'node_modules'));
	assert(installed.includes(PACKAGE), `~/.n8n/nodes/node_modules holds ${installed.join(', ')}`);
	await n8n.start();
	return { n8n, slack };
}

/** The Asana Events Trigger as n8n describes it to its editor. */
async function triggerDescription(n8n) {
	const types = await n8n.restOk('GET', '/types/nodes.json');
	const description = types.find((t) => t.name === T.eventsTrigger);
	assert(description, `n8n does not list ${T.eventsTrigger}`);
	return description;
}

/**
 * The panel's fields by their labels, as the README names them: Trigger On › Task Completed,
 * and under the default Source the project list (a resource locator in list mode).
 */
function panelFields(description) {
	const byLabel = (label) => description.properties.find((p) => p.displayName === label);
	const triggerOn = byLabel('Trigger On');
	const taskCompleted = triggerOn?.options?.find((o) => o.name === 'Task Completed');
	assert(taskCompleted, 'the panel has no Trigger On › Task Completed');
	const source = byLabel('Source');
	assert(source, 'the panel has no Source');
	// What the default Source shows: a list of one or more tasks, projects or goals.
	const list = description.properties.find(
		(p) =>
			p.type === 'fixedCollection' &&
			p.displayOptions?.show?.[source.name]?.includes(source.default),
	);
	const entry = list?.options?.[0];
	const locator = entry?.values?.find((v) => v.type === 'resourceLocator');
	const listMode = locator?.modes?.find((m) => m.name === 'list');
	assert(listMode, `the default Source (${source.default}) shows no list to pick from`);
	return {
		triggerOn: { name: triggerOn.name, value: taskCompleted.value },
		source: { name: source.name, label: source.options.find((o) => o.value === source.default) },
		list: {
			name: list.name,
			entry: entry.name,
			locator: locator.name,
			method: listMode.typeOptions.searchListMethod,
		},
	};
}

async function execution(n8n, runtime, id) {
	let found;
	await waitFor(
		`execution ${id} to finish`,
		async () => {
			found = await n8n.restOk('GET', `/rest/executions/${id}`);
			return found.finished || ['success', 'error', 'crashed'].includes(found.status);
		},
		{ timeoutMs: 90_000, intervalMs: 1000 },
	);
	const data = typeof found.data === 'string' ? flattedParser(runtime)(found.data) : found.data;
	return { status: found.status, runData: data?.resultData?.runData ?? {}, raw: found };
}

const itemsOf = (runData, node) =>
	(runData[node]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json);

/** Steps 1–6 of the README's first workflow; resolves what each step showed. */
export async function fiveMinutePath({ n8n, slack, sim, runtime }) {
	const steps = [];
	const project = (await sim.control('projects', { name: PROJECT_NAME })).gid;
	const task = await sim.createTask('Write launch post', [project]);

	// 1. An Asana credential with a personal access token.
	const asana = await n8n.restOk('POST', '/rest/credentials', {
		name: 'Asana account',
		type: 'asanaEventsApi',
		data: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl },
	});
	const asanaCredential = { asanaEventsApi: { id: asana.id, name: asana.name } };
	const description = await triggerDescription(n8n);
	const fields = panelFields(description);
	steps.push(`Source by default: ${fields.source.label?.name}`);

	// 2. The project, picked from the list as the panel offers it (typed into its search box).
	const trigger = {
		name: 'Asana Events Trigger',
		type: T.eventsTrigger,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: asanaCredential,
	};
	// The panel's values as the editor sends them with a list request: the defaults.
	const shownParameters = Object.fromEntries(
		description.properties.filter((p) => !p.displayOptions).map((p) => [p.name, p.default]),
	);
	const listed = await n8n.restOk(
		'POST',
		'/rest/dynamic-node-parameters/resource-locator-results',
		{
			path: `parameters.${fields.list.name}.${fields.list.entry}[0].${fields.list.locator}`,
			nodeTypeAndVersion: { name: T.eventsTrigger, version: 1 },
			methodName: fields.list.method,
			filter: 'Website',
			currentNodeParameters: shownParameters,
			credentials: asanaCredential,
		},
	);
	const picked = listed.results?.find((r) => r.value === project);
	assert(picked, `the list did not offer the project: ${JSON.stringify(listed).slice(0, 600)}`);
	steps.push(`picked "${picked.name}" from the list`);
	// 3. Trigger On: Task Completed.
	trigger.parameters = {
		[fields.triggerOn.name]: [fields.triggerOn.value],
		[fields.list.name]: {
			[fields.list.entry]: [
				{
					[fields.list.locator]: {
						__rl: true,
						mode: 'list',
						value: picked.value,
						cachedResultName: picked.name,
						cachedResultUrl: picked.url,
					},
				},
			],
		},
	};
	const created = await n8n.restOk('POST', '/rest/workflows', {
		name: 'Task completed → Slack',
		nodes: [trigger],
		connections: {},
		settings: { executionOrder: 'v1' },
		active: false,
	});

	// 4. Fetch Test Event, and a task completed while it listens.
	const run = await n8n.runManually(created.id, {
		triggerToStartFrom: { name: trigger.name },
		destinationNode: { nodeName: trigger.name, mode: 'inclusive' },
	});
	assert(run.executionId, `Fetch Test Event started no execution: ${JSON.stringify(run)}`);
	await sleep(3000);
	await sim.completeTask(task);
	const test = await execution(n8n, runtime, run.executionId);
	const [sample] = itemsOf(test.runData, trigger.name);
	assert(
		test.status === 'success' && sample?.trigger_on === fields.triggerOn.value && sample.summary,
		`Fetch Test Event: ${test.status}, items ${JSON.stringify(itemsOf(test.runData, trigger.name)).slice(0, 800)}`,
	);
	steps.push(`Fetch Test Event: "${sample.summary}"`);

	// 5. A Slack node: Send a message, text {{ $json.summary }} {{ $json.url }}.
	const slackCredential = await n8n.restOk('POST', '/rest/credentials', {
		name: 'Slack account',
		type: 'slackApi',
		data: { accessToken: SLACK_TOKEN },
	});
	const saved = await n8n.restOk('GET', `/rest/workflows/${created.id}`);
	const slackNode = {
		name: 'Send a message',
		type: SLACK_NODE.type,
		typeVersion: SLACK_NODE.typeVersion[n8n.major] ?? SLACK_NODE.typeVersion[2],
		position: [260, 0],
		parameters: {
			select: 'channel',
			channelId: { __rl: true, mode: 'id', value: SLACK_CHANNEL },
			text: '={{ $json.summary }} {{ $json.url }}',
			otherOptions: {},
		},
		credentials: { slackApi: { id: slackCredential.id, name: slackCredential.name } },
	};
	await n8n.restOk('PATCH', `/rest/workflows/${created.id}`, {
		versionId: saved.versionId,
		name: saved.name,
		nodes: [...saved.nodes, slackNode],
		connections: { [trigger.name]: { main: [[{ node: slackNode.name, type: 'main', index: 0 }]] } },
	});

	// 6. Publish; a task completed afterwards reaches Slack once the trigger polls (every minute).
	const published = await n8n.activate(created.id);
	assert(
		published.ok,
		`Publish: ${published.status} ${JSON.stringify(published.raw).slice(0, 600)}`,
	);
	// n8n runs the first poll at publication (its answer waits for it): the trigger has its place.
	const second = await sim.createTask('Fix footer links', [project]);
	await sim.completeTask(second);
	const before = slack.messages.length;
	await waitFor('the Slack node to post the completion', () => slack.messages.length > before, {
		timeoutMs: 90_000,
		intervalMs: 500,
	});
	const [posted] = slack.messages.slice(before);
	const executions = await n8n.restOk(
		'GET',
		`/rest/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: created.id }))}`,
	);
	const last = executions.results?.find((e) => e.mode === 'trigger');
	const items = last ? itemsOf((await execution(n8n, runtime, last.id)).runData, trigger.name) : [];
	const item = items.find((i) => i.resource?.gid === second);
	const summary = item?.summary;
	// n8n's Slack node adds its "Automated with this n8n workflow" line below the text.
	assert(
		summary && item.url && posted.body.text?.startsWith(`${summary} ${item.url}\n`),
		`Slack got ${JSON.stringify(posted.body)}; the trigger emitted ${JSON.stringify(items).slice(0, 600)}`,
	);
	assert(
		posted.body.channel === SLACK_CHANNEL && posted.authorization === `Bearer ${SLACK_TOKEN}`,
		`chat.postMessage to ${posted.body.channel} with ${posted.authorization}`,
	);
	steps.push(`Slack: "${summary}" in ${posted.body.channel}`);
	return { workflowId: created.id, steps: steps.join('; ') };
}
