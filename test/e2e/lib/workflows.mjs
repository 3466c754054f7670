// Workflows and credentials for the demo and the end-to-end suite: the example workflows
// of examples/ with their placeholders filled in, plus small test workflows.
import fs from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from './pack.mjs';

export const PACKAGE = 'n8n-nodes-asana-events';
export const T = {
	eventsTrigger: `${PACKAGE}.asanaEventsTrigger`,
	auditTrigger: `${PACKAGE}.asanaAuditLogTrigger`,
	events: `${PACKAGE}.asanaEvents`,
	auditLog: `${PACKAGE}.asanaAuditLog`,
};

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

/** Fixed ids (n8n accepts any 16-character id on import). */
export const IDS = {
	credToken: 'asanaToken000001',
	credServiceAccount: 'asanaSvcAcct0001',
	credBadToken: 'asanaBadToken001',
	credOAuth2: 'asanaOAuth2Cred1',
	exampleSlack: 'exampleSlack0001',
	exampleAudit: 'exampleAudit0001',
	exampleScheduled: 'exampleSched0001',
	demoAuditSearch: 'demoAuditSrch001',
	exampleSplunk: 'exampleSplunk001',
	exampleElastic: 'exampleElastic01',
	exampleSentinel: 'exampleSentinel1',
	credSplunkHec: 'splunkHecToken01',
	credElastic: 'elasticWriter001',
	credSentinel: 'sentinelEntraApp',
};

const EXAMPLE_FILES = {
	slack: '01-task-completed-to-slack.json',
	audit: '02-audit-log-security-alerts-and-siem.json',
	scheduled: '03-scheduled-events-with-stored-sync-token.json',
	splunk: '04-audit-log-to-splunk-hec.json',
	elastic: '05-audit-log-to-elasticsearch-bulk.json',
	sentinel: '06-audit-log-to-sentinel.json',
};

export function readExample(key) {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, EXAMPLE_FILES[key]), 'utf8'));
}

export function credentials({ baseUrl, token, serviceAccountToken, badToken = true }) {
	const list = [
		{
			id: IDS.credToken,
			name: 'Asana account',
			type: 'asanaEventsApi',
			data: { accessToken: token, baseUrl },
		},
		{
			id: IDS.credServiceAccount,
			name: 'Asana service account',
			type: 'asanaEventsApi',
			data: { accessToken: serviceAccountToken ?? token, baseUrl },
		},
	];
	if (badToken) {
		list.push({
			id: IDS.credBadToken,
			name: 'Asana account (wrong token)',
			type: 'asanaEventsApi',
			data: { accessToken: '0/this-token-is-wrong', baseUrl },
		});
	}
	return list;
}

/** The SIEM recipes' credentials, as a user fills them in n8n (see docs/siem-*.md). */
export function siemCredentials(secrets, { entraTokenUrl }) {
	return [
		{
			id: IDS.credSplunkHec,
			name: 'Splunk HEC token',
			type: 'httpHeaderAuth',
			data: { name: 'Authorization', value: `Splunk ${secrets.hecToken}` },
		},
		{
			id: IDS.credElastic,
			name: 'Elasticsearch writer',
			type: 'httpBasicAuth',
			data: { user: secrets.elasticUser, password: secrets.elasticPassword },
		},
		{
			id: IDS.credSentinel,
			name: 'Microsoft Entra app (Logs Ingestion)',
			type: 'oAuth2Api',
			data: {
				grantType: 'clientCredentials',
				accessTokenUrl: entraTokenUrl,
				clientId: secrets.clientId,
				clientSecret: secrets.clientSecret,
				scope: 'https://monitor.azure.com//.default',
				authentication: 'body',
			},
		},
	];
}

/** The OAuth2 credential, from the simulator's `/_sim/oauth-tokens` answer. */
export function oauth2Credential(data) {
	return { id: IDS.credOAuth2, name: 'Asana OAuth2', type: 'asanaEventsOAuth2Api', data };
}

const rl = (value) => ({ __rl: true, mode: 'id', value: String(value) });

/** Walks the nodes and fills in what the examples leave to the user. */
export function prepareWorkflow(
	workflow,
	{
		id,
		name,
		projectGid,
		projectName,
		workspaceGid,
		urls = {},
		pollTimes,
		scheduleSeconds,
		credentialIds = {},
	},
) {
	const wf = structuredClone(workflow);
	if (id) wf.id = id;
	if (name) wf.name = name;
	for (const node of wf.nodes) {
		const p = node.parameters;
		if (node.type === T.eventsTrigger) {
			// Named: picked from the list, as the panel stores it; else entered by ID.
			const project = projectName
				? { ...rl(projectGid), mode: 'list', cachedResultName: `Project: ${projectName}` }
				: rl(projectGid);
			if (projectGid && p.source !== 'workspace') p.resources = { items: [{ resource: project }] };
			if (workspaceGid && p.source === 'workspace') p.workspace = rl(workspaceGid);
		}
		if (node.type === T.auditTrigger || node.type === T.auditLog) {
			if (workspaceGid) p.workspace = rl(workspaceGid);
		}
		if (node.type === T.events) {
			if (p.source === 'workspace' && workspaceGid) p.workspace = rl(workspaceGid);
			else if (projectGid) p.asanaObject = rl(projectGid);
		}
		if (pollTimes && p.pollTimes) p.pollTimes = pollTimes;
		if (scheduleSeconds && node.type === 'n8n-nodes-base.scheduleTrigger') {
			p.rule = { interval: [{ field: 'seconds', secondsInterval: scheduleSeconds }] };
		}
		if (node.type === 'n8n-nodes-base.httpRequest' && urls[node.name]) p.url = urls[node.name];
		for (const [type, ref] of Object.entries(node.credentials ?? {})) {
			const wanted = credentialIds[ref.id] ?? credentialIds[type];
			if (wanted) node.credentials[type] = wanted;
		}
	}
	wf.active = false;
	return wf;
}

let counter = 0;
function nodeId() {
	counter++;
	return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

/**
 * Trigger → one HTTP request per item to `url` (the sink records what the trigger emitted).
 * `waitSeconds`: a Wait node in between, so that an execution is under way for that long.
 */
export function triggerToSink({ id, name, trigger, url, waitSeconds }) {
	const wait = waitSeconds
		? {
				id: nodeId(),
				name: 'Wait',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1.1,
				position: [130, 0],
				parameters: { resume: 'timeInterval', amount: waitSeconds, unit: 'seconds' },
			}
		: undefined;
	const to = (node) => ({ main: [[{ node, type: 'main', index: 0 }]] });
	return {
		id,
		name,
		nodes: [
			{ id: nodeId(), name: 'Trigger', position: [0, 0], ...trigger },
			...(wait ? [wait] : []),
			{
				id: nodeId(),
				name: 'Record Item',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [260, 0],
				parameters: {
					method: 'POST',
					url,
					sendBody: true,
					specifyBody: 'json',
					jsonBody: '={{ JSON.stringify($json) }}',
					options: {},
				},
			},
		],
		connections: wait
			? { Trigger: to('Wait'), Wait: to('Record Item') }
			: { Trigger: to('Record Item') },
		settings: { executionOrder: 'v1' },
		pinData: {},
		active: false,
	};
}

/** Manual Trigger → one node: what `n8n execute` runs. */
export function manualWorkflow({ id, name, node }) {
	return {
		id,
		name,
		nodes: [
			{
				id: nodeId(),
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{ id: nodeId(), position: [260, 0], ...node },
		],
		connections: { Start: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
		active: false,
	};
}

export function eventsTriggerNode({
	gids,
	workspaceGid,
	credentialId = IDS.credToken,
	pollTimes,
	triggerOn,
	onExpiredSyncToken = 'notify',
	filters = {},
	options = {},
}) {
	return {
		type: T.eventsTrigger,
		typeVersion: 1,
		parameters: {
			...(triggerOn ? { triggerOn } : {}),
			pollTimes: pollTimes ?? { item: [{ mode: 'everyMinute' }] },
			authentication: 'accessToken',
			source: workspaceGid ? 'workspace' : 'resources',
			...(workspaceGid
				? { workspace: rl(workspaceGid) }
				: { resources: { items: gids.map((gid) => ({ resource: rl(gid) })) } }),
			filters,
			options: { onExpiredSyncToken, ...options },
		},
		credentials: { asanaEventsApi: { id: credentialId, name: 'Asana' } },
	};
}

export function auditTriggerNode({
	workspaceGid,
	credentialId = IDS.credServiceAccount,
	pollTimes,
}) {
	return {
		type: T.auditTrigger,
		typeVersion: 1,
		parameters: {
			pollTimes: pollTimes ?? { item: [{ mode: 'everyMinute' }] },
			workspace: rl(workspaceGid),
			start: 'now',
			filters: {},
			options: {},
		},
		credentials: { asanaEventsApi: { id: credentialId, name: 'Asana' } },
	};
}
