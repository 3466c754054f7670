/**
 * Runs the pack's nodes the way n8n does (through the test harness: n8n-core's PollContext,
 * PollTriggerExecutor and WorkflowExecute, real HTTP to the simulator) and hands every item
 * and error to the secret scan before they are dropped.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import {
	capturedLogs,
	countSecretOccurrences,
	runPoll,
	runWorkflow,
	type PollOutcome,
} from '../test/harness';

/** Where the simulator answers; it runs in a process of its own (bench/simulatorProcess.ts). */
interface Simulator {
	baseUrl: string;
}

/** Counts the simulator's tokens in everything the nodes hand back. */
export class SecretScan {
	private itemOccurrences = 0;
	private errorOccurrences = 0;
	itemsScanned = 0;
	errorsScanned = 0;

	private readonly secrets = new Set<string>();

	addSecrets(secrets: string[]): void {
		for (const secret of secrets) this.secrets.add(secret);
	}

	items(items: unknown[]): void {
		this.itemsScanned += items.length;
		for (const secret of this.secrets)
			this.itemOccurrences += countSecretOccurrences(secret, items);
	}

	error(error: Error | undefined): void {
		if (!error) return;
		this.errorsScanned++;
		for (const secret of this.secrets)
			this.errorOccurrences += countSecretOccurrences(secret, [error]);
	}

	/** Log lines are scanned once at the end: every line n8n or a node logged in this process. */
	total(): { occurrences: number; items: number; errors: number; logLines: number } {
		let logOccurrences = 0;
		for (const secret of this.secrets)
			logOccurrences += countSecretOccurrences(secret, capturedLogs);
		return {
			occurrences: this.itemOccurrences + this.errorOccurrences + logOccurrences,
			items: this.itemsScanned,
			errors: this.errorsScanned,
			logLines: capturedLogs.length,
		};
	}
}

function tokenCredentials(sim: Simulator, token: string) {
	return { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } };
}

/**
 * The speed rows measure the node, not Asana's rate limit: the request scheduler's budget is
 * set out of their reach (its own rows are in bench/scheduling.ts).
 */
const UNTHROTTLED = { maxRequestsPerMinute: 100_000 };

export function resourcesParameters(
	gids: string[],
	options: INodeParameters = {},
): INodeParameters {
	return {
		authentication: 'accessToken',
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: { __rl: true, mode: 'id', value: gid } })) },
		options: { ...UNTHROTTLED, ...options },
	};
}

export function workspaceParameters(
	workspaceGid: string,
	options: INodeParameters = {},
): INodeParameters {
	return {
		authentication: 'accessToken',
		source: 'workspace',
		workspace: { __rl: true, mode: 'id', value: workspaceGid },
		options: { ...UNTHROTTLED, ...options },
	};
}

export function auditTriggerParameters(
	workspaceGid: string,
	extra: INodeParameters = {},
): INodeParameters {
	return {
		workspace: { __rl: true, mode: 'id', value: workspaceGid },
		start: 'lookBack',
		lookBackDays: 1,
		...extra,
	};
}

const eventsTrigger = new AsanaEventsTrigger();
const auditTrigger = new AsanaAuditLogTrigger();
const eventsNode = new AsanaEvents();
const auditNode = new AsanaAuditLog();

export interface ScannedPoll {
	outcome: PollOutcome;
	items: number;
	ms: number;
}

/** One scheduled poll; the time covers the whole run through n8n-core, not the scan after it. */
async function poll(
	scan: SecretScan,
	nodeType: AsanaEventsTrigger | AsanaAuditLogTrigger,
	sim: Simulator,
	token: string,
	parameters: INodeParameters,
	staticData: IDataObject,
): Promise<ScannedPoll> {
	const start = performance.now();
	const outcome = await runPoll({
		nodeType,
		parameters,
		credentials: tokenCredentials(sim, token),
		staticData,
	});
	const ms = performance.now() - start;
	const items = outcome.items?.[0] ?? [];
	scan.items(items);
	scan.error(outcome.error);
	return { outcome, items: items.length, ms };
}

export async function pollEvents(
	scan: SecretScan,
	sim: Simulator,
	token: string,
	parameters: INodeParameters,
	staticData: IDataObject,
) {
	return await poll(scan, eventsTrigger, sim, token, parameters, staticData);
}

export async function pollAudit(
	scan: SecretScan,
	sim: Simulator,
	token: string,
	parameters: INodeParameters,
	staticData: IDataObject,
) {
	return await poll(scan, auditTrigger, sim, token, parameters, staticData);
}

export async function runEventsNode(
	scan: SecretScan,
	sim: Simulator,
	token: string,
	parameters: INodeParameters,
	inputItems: IDataObject[],
) {
	const outcome = await runWorkflow({
		nodeType: eventsNode,
		parameters,
		credentials: tokenCredentials(sim, token),
		inputItems,
	});
	scan.items(outcome.items);
	scan.error(outcome.error);
	return outcome;
}

export async function runAuditNode(
	scan: SecretScan,
	sim: Simulator,
	token: string,
	parameters: INodeParameters,
) {
	const outcome = await runWorkflow({
		nodeType: auditNode,
		parameters,
		credentials: tokenCredentials(sim, token),
		inputItems: [{}],
	});
	scan.items(outcome.items);
	scan.error(outcome.error);
	return outcome;
}
