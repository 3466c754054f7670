/**
 * Errors at activation: n8n runs the first poll when a workflow is activated and, when it
 * throws, shows only the error's message ("There was a problem activating the workflow:
 * …"), never its description. So every Asana answer whose fix the user must know carries
 * that fix in the message itself.
 */
import type { INodeParameters, INodeType } from 'n8n-workflow';

import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { activateWorkflow, countSecretOccurrences, type HarnessCredentials } from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

const id = (value: string) => ({ __rl: true, mode: 'id', value });
const unknownGid = '1209000000999999';
const WRONG_TOKEN = '2/1209999999999999/1209999999999998:wrongtokenthatmustnotleak42';

const tokenCredential = (token: string): HarnessCredentials => ({
	asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl },
});
const projectEvents = (gid = sim.seeded.projects[0].gid): INodeParameters => ({
	authentication: 'accessToken',
	source: 'resources',
	resources: { items: [{ resource: id(gid) }] },
});
const workspaceEvents = (): INodeParameters => ({
	authentication: 'accessToken',
	source: 'workspace',
	workspace: id(sim.workspaceGid),
});
const auditLog = (): INodeParameters => ({ workspace: id(sim.workspaceGid), start: 'now' });

async function activate(
	nodeType: INodeType,
	parameters: INodeParameters,
	credentials: HarnessCredentials,
) {
	const outcome = await activateWorkflow({ nodeType, parameters, credentials });
	expect(outcome.error?.name).toBe('WorkflowActivationError');
	// What the editor shows: the activation error's message, which quotes the poll's message.
	const shown = outcome.error?.message ?? '';
	expect(shown).toMatch(/^There was a problem activating the workflow: "/);
	// The poll's description travels along, but n8n does not show it where activation fails.
	const description = outcome.error?.description ?? '';
	for (const secret of [sim.tokens.alice, sim.tokens.serviceAccount, WRONG_TOKEN]) {
		expect(countSecretOccurrences(secret, [shown, description, outcome.logs])).toBe(0);
	}
	expect(shown).not.toContain('\n');
	return { shown, description, outcome };
}

describe('activating a trigger whose token Asana refuses', () => {
	it('workspace events with a personal access token: the message asks for a service account token', async () => {
		const { shown, description } = await activate(
			new AsanaEventsTrigger(),
			workspaceEvents(),
			tokenCredential(sim.tokens.alice),
		);
		expect(shown).toMatch(/Asana 403/);
		// The node's own words, not Asana's: Asana's 403 may say no more than "Forbidden".
		expect(shown).toMatch(/use a service account token of an Enterprise\+ domain/i);
		expect(shown).toMatch(/Admin console → Apps → Service accounts/);
		expect(description).toMatch(/Admin console → Apps → Service accounts → Add service account/);
	});

	it('the audit log with a personal access token: the message asks for a service account token', async () => {
		const { shown, description } = await activate(
			new AsanaAuditLogTrigger(),
			auditLog(),
			tokenCredential(sim.tokens.alice),
		);
		expect(shown).toMatch(/Asana 403/);
		// The node's own words, not Asana's: Asana's 403 may say no more than "Forbidden".
		expect(shown).toMatch(/use a service account token of an Enterprise\+ domain/i);
		expect(shown).toMatch(/Admin console → Apps → Service accounts/);
		expect(description).toMatch(/Personal access tokens and OAuth apps cannot read the audit log/);
	});

	it('the same triggers activate with the service account token, and start their cursors', async () => {
		sim.setTier('enterprise_plus');
		for (const [nodeType, parameters] of [
			[new AsanaEventsTrigger(), workspaceEvents()],
			[new AsanaAuditLogTrigger(), auditLog()],
		] as const) {
			const outcome = await activateWorkflow({
				nodeType,
				parameters,
				credentials: tokenCredential(sim.tokens.serviceAccount),
			});
			expect(outcome.error).toBeUndefined();
			// The poll at activation starts listening now: nothing to emit yet, a cursor stored.
			expect(outcome.items).toBeNull();
			expect(Object.keys(outcome.staticData)).not.toEqual([]);
		}
	});

	it('401, a wrong token: the message says to paste a valid token', async () => {
		const { shown } = await activate(
			new AsanaEventsTrigger(),
			projectEvents(),
			tokenCredential(WRONG_TOKEN),
		);
		expect(shown).toMatch(/Asana 401/);
		expect(shown).toMatch(/invalid, expired or revoked/);
		expect(shown).toMatch(/paste a valid/i);
	});

	it('a refused OAuth2 refresh: the message says to reconnect the credential', async () => {
		sim.registerOAuthClient('client-1', 'client-secret-1');
		const tokens = sim.issueOAuthTokens(sim.users.alice.gid, 'client-1');
		sim.expireAccessToken(tokens.access_token);
		const revoked = `2/${sim.users.alice.gid}/0123456789abcdef0123456789abcdef`;
		const { shown, description } = await activate(
			new AsanaEventsTrigger(),
			{ ...projectEvents(), authentication: 'oAuth2' },
			sim.oauth2Credentials(tokens.access_token, revoked),
		);
		expect(shown).toMatch(/reconnect the Asana OAuth2 credential/i);
		for (const secret of [tokens.access_token, revoked, 'client-secret-1']) {
			expect(shown).not.toContain(secret);
			expect(description).not.toContain(secret);
		}
	});
});

describe('activating a trigger Asana answers with an error', () => {
	it('402: the message says a paid plan is needed', async () => {
		sim.injectFault({ kind: '402', path: '/events', times: 1 });
		const { shown } = await activate(
			new AsanaEventsTrigger(),
			projectEvents(),
			tokenCredential(sim.tokens.alice),
		);
		expect(shown).toMatch(/Asana 402/);
		expect(shown).toMatch(/needs a paid Asana plan/);
	});

	it('404: the message names the object and says to check its ID or URL', async () => {
		const { shown } = await activate(
			new AsanaEventsTrigger(),
			projectEvents(unknownGid),
			tokenCredential(sim.tokens.alice),
		);
		expect(shown).toMatch(
			new RegExp(`Projects, Tasks or Goals › resource ${unknownGid}: Asana 404`),
		);
		expect(shown).toMatch(/check the ID or URL/i);
	});

	it('404 of the audit log’s workspace: the message says to check its ID', async () => {
		sim.setTier('enterprise_plus');
		const { shown } = await activate(
			new AsanaAuditLogTrigger(),
			{ ...auditLog(), workspace: id(unknownGid) },
			tokenCredential(sim.tokens.serviceAccount),
		);
		expect(shown).toMatch(new RegExp(`Workspace ${unknownGid}: Asana 404`));
		expect(shown).toMatch(/check the ID or URL/i);
	});

	it('451: the message says Asana refuses the region', async () => {
		sim.injectFault({ kind: '451', path: '/events', times: 1 });
		const { shown } = await activate(
			new AsanaEventsTrigger(),
			projectEvents(),
			tokenCredential(sim.tokens.alice),
		);
		expect(shown).toMatch(/Asana 451/);
		expect(shown).toMatch(/Asana refuses requests from this region/);
	});

	it('429 without end: the message says how long Asana asked to wait and that the next poll continues', async () => {
		sim.injectFault({ kind: '429', path: '/events', retryAfterSec: 1, times: 20 });
		const { shown } = await activate(
			new AsanaEventsTrigger(),
			projectEvents(),
			tokenCredential(sim.tokens.alice),
		);
		expect(shown).toMatch(/Asana 429/);
		expect(shown).toMatch(/asked to wait 1 s/);
		expect(shown).toMatch(/next poll continues/);
	});
});
