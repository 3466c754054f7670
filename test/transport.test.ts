import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { hintForStatus } from '../nodes/shared/errors';
import { TransportProbe } from './fixtures/transportProbe';
import { runWorkflow, testCredential } from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;

beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

async function probe(parameters: INodeParameters, token = sim.tokens.alice) {
	const run = await runWorkflow({
		nodeType: new TransportProbe(),
		parameters,
		credentials: { asanaEventsApi: { accessToken: token, baseUrl: sim.baseUrl } },
		inputItems: [{}],
	});
	return { ...run, reply: run.items[0]?.json as IDataObject | undefined };
}

function errorText(error: Error | undefined): string {
	const e = error as (Error & { description?: string; context?: unknown }) | undefined;
	return JSON.stringify({ message: e?.message, description: e?.description, context: e?.context, stack: e?.stack });
}

describe('credentials', () => {
	it('token credential: the test request succeeds with a valid token and explains a bad one', async () => {
		await expect(testCredential('asanaEventsApi', { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl })).resolves.toMatchObject({
			status: 'OK',
		});
		const bad = await testCredential('asanaEventsApi', { accessToken: 'wrong-token-value', baseUrl: sim.baseUrl });
		expect(bad.status).toBe('Error');
		expect(bad.message).toMatch(/401|Authorization|authorized/i);
		expect(bad.message).not.toContain('wrong-token-value');
		const call = sim.requestLog.find((r) => r.path === '/api/1.0/users/me' && r.status === 200);
		expect(call?.userGid).toBe(sim.users.alice.gid);
	});

	it('OAuth2 credential: a 401 makes n8n refresh the access token and the request succeeds', async () => {
		sim.registerOAuthClient('client-1', 'client-secret-1');
		const tokens = sim.issueOAuthTokens(sim.users.alice.gid, 'client-1');
		sim.expireAccessToken(tokens.access_token);
		const run = await runWorkflow({
			nodeType: new TransportProbe(),
			parameters: { authentication: 'oAuth2', path: '/users/me' },
			credentials: {
				asanaEventsOAuth2Api: {
					clientId: 'client-1',
					clientSecret: 'client-secret-1',
					accessTokenUrl: sim.oauthTokenUrl,
					authUrl: `${sim.origin}/-/oauth_authorize`,
					authentication: 'body',
					grantType: 'pkce',
					scope: 'default',
					baseUrl: sim.baseUrl,
					oauthTokenData: { access_token: tokens.access_token, refresh_token: tokens.refresh_token, token_type: 'bearer' },
				},
			},
			inputItems: [{}],
		});
		expect(run.error).toBeUndefined();
		expect(run.items[0].json).toMatchObject({ kind: 'ok', status: 200, body: { data: { gid: sim.users.alice.gid } } });
		const statuses = sim.requestLog.filter((r) => r.path === '/api/1.0/users/me').map((r) => r.status);
		expect(statuses).toEqual([401, 200]);
	});
});

describe('transport', () => {
	it('waits what Retry-After says after a 429, measured on the simulator', async () => {
		sim.injectFault({ kind: '429', path: '/users/me', retryAfterSec: 1, times: 1 });
		const { reply } = await probe({ path: '/users/me' });
		expect(reply).toMatchObject({ kind: 'ok', status: 200 });
		const calls = sim.requestLog.filter((r) => r.path === '/api/1.0/users/me');
		expect(calls.map((c) => c.status)).toEqual([429, 200]);
		expect(calls[1].startedAt - calls[0].endedAt).toBeGreaterThanOrEqual(1000);
	});

	it('retries 500, 503, connection resets, timeouts and malformed JSON', async () => {
		sim.injectFault({ kind: '500', path: '/users/me', phrase: 'six sad squid', times: 1 });
		sim.injectFault({ kind: '503', path: '/users/me', times: 1 });
		sim.injectFault({ kind: 'reset', path: '/users/me', times: 1 });
		sim.injectFault({ kind: 'timeout', path: '/users/me', delayMs: 2000, times: 1 });
		const { reply, error } = await probe({ path: '/users/me', timeoutMs: 300, baseDelayMs: 5 });
		expect(error).toBeUndefined();
		expect(reply).toMatchObject({ kind: 'ok', status: 200 });
		sim.resetLog();
		sim.injectFault({ kind: 'malformed', path: '/users/me', times: 1 });
		expect((await probe({ path: '/users/me', baseDelayMs: 5 })).reply).toMatchObject({ kind: 'ok', status: 200 });
		expect(sim.requestLog.filter((r) => r.path === '/api/1.0/users/me')).toHaveLength(2);
	});

	it('gives up after bounded attempts with an error carrying Asana’s phrase, and no token', async () => {
		sim.injectFault({ kind: '500', path: '/users/me', phrase: 'six sad squid', times: 10 });
		const { error } = await probe({ path: '/users/me', baseDelayMs: 5 });
		expect(error?.name).toBe('NodeApiError');
		expect(error?.message).toMatch(/500/);
		expect(errorText(error)).toContain('six sad squid');
		expect(errorText(error)).not.toContain(sim.tokens.alice);
		expect(sim.requestLog.filter((r) => r.path === '/api/1.0/users/me')).toHaveLength(5);
	});

	it('stops waiting when the wait would pass the caller’s time budget', async () => {
		sim.injectFault({ kind: '429', path: '/users/me', retryAfterSec: 30, times: 1 });
		const started = Date.now();
		const { reply } = await probe({ path: '/users/me', budgetMs: 2000 });
		expect(reply).toMatchObject({ kind: 'deferred' });
		expect(Date.now() - started).toBeLessThan(2000);
		expect(sim.requestLog).toHaveLength(1);
	});

	it('returns a 412 with the fresh sync token as data, and encodes tokens containing ":"', async () => {
		const project = sim.createProject('P');
		const first = await probe({ path: '/events', query: JSON.stringify({ resource: project.gid }), accept412: true });
		expect(first.reply).toMatchObject({ kind: 'ok', status: 412, body: { sync: expect.stringContaining(':') } });
		const sync = ((first.reply as IDataObject).body as IDataObject).sync as string;
		const second = await probe({ path: '/events', query: JSON.stringify({ resource: project.gid, sync }), accept412: true });
		expect(second.reply).toMatchObject({ kind: 'ok', status: 200, body: { has_more: false } });
		expect(sim.requestLog[1].query.sync).toBe(sync);
	});

	it.each([
		['401', 'not-a-token', '/users/me', /token/],
		['404', undefined, '/tasks/424242', /id/],
		['403', undefined, '__audit__', /service account/],
	])('turns a %s into a NodeApiError with a hint', async (status, token, path, hint) => {
		const resolved = path === '__audit__' ? `/workspaces/${sim.workspaceGid}/audit_log_events` : path;
		const { error } = await probe({ path: resolved }, token ?? sim.tokens.alice);
		expect(error?.name).toBe('NodeApiError');
		expect(error?.message).toContain(status);
		expect((error as { description?: string }).description).toMatch(hint);
		expect(errorText(error)).not.toContain(token ?? sim.tokens.alice);
	});

	it('has a hint for every status Asana documents', () => {
		for (const status of [400, 401, 402, 403, 404, 429, 451, 500, 503]) {
			expect(hintForStatus(status)).not.toMatch(/^Asana answered with HTTP/);
		}
	});
});
