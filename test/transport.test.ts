import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { hintForStatus } from '../nodes/shared/asana/errors';
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

const ASANA_HELP = 'https://developers.asana.com/docs/errors';

function errorText(error: Error | undefined): string {
	const e = error as
		(Error & { description?: string; context?: unknown; errorResponse?: unknown }) | undefined;
	return JSON.stringify({
		message: e?.message,
		description: e?.description,
		context: e?.context,
		errorResponse: e?.errorResponse,
		stack: e?.stack,
	});
}

describe('credentials', () => {
	it('token credential: the test request succeeds with a valid token and explains a bad one', async () => {
		await expect(
			testCredential('asanaEventsApi', { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl }),
		).resolves.toMatchObject({
			status: 'OK',
		});
		const bad = await testCredential('asanaEventsApi', {
			accessToken: 'wrong-token-value',
			baseUrl: sim.baseUrl,
		});
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
			credentials: sim.oauth2Credentials(tokens.access_token, tokens.refresh_token),
			inputItems: [{}],
		});
		expect(run.error).toBeUndefined();
		expect(run.items[0].json).toMatchObject({
			kind: 'ok',
			status: 200,
			body: { data: { gid: sim.users.alice.gid } },
		});
		const statuses = sim.requestLog
			.filter((r) => r.path === '/api/1.0/users/me')
			.map((r) => r.status);
		expect(statuses).toEqual([401, 200]);
	});

	it('OAuth2 credential: a refused refresh is not retried and asks the user to reconnect, naming no token', async () => {
		sim.registerOAuthClient('client-1', 'client-secret-1');
		const tokens = sim.issueOAuthTokens(sim.users.alice.gid, 'client-1');
		sim.expireAccessToken(tokens.access_token);
		// A refresh token the simulator never issued (or that was revoked): the token endpoint answers invalid_grant.
		const revoked = `2/${sim.users.alice.gid}/0123456789abcdef0123456789abcdef`;
		const run = await runWorkflow({
			nodeType: new TransportProbe(),
			parameters: { authentication: 'oAuth2', path: '/users/me', baseDelayMs: 5 },
			credentials: sim.oauth2Credentials(tokens.access_token, revoked),
			inputItems: [{}],
		});
		expect(sim.requestLog.map((r) => [r.method, r.path, r.status])).toEqual([
			['GET', '/api/1.0/users/me', 401],
			['POST', '/-/oauth_token', 400],
		]);
		expect(run.error?.name).toBe('NodeApiError');
		expect(run.error?.message).toBe(
			'Asana request on /users/me: the Asana OAuth2 credential could not be authorised or refreshed. Reconnect the Asana OAuth2 credential.',
		);
		expect((run.error as { description?: string }).description).toMatch(/reconnect it/);
		const text = errorText(run.error);
		expect(text).not.toMatch(/HTTP 0|failed before Asana answered/);
		for (const secret of [tokens.access_token, revoked, 'client-secret-1']) {
			expect(text).not.toContain(secret);
			expect(run.logs.join('\n')).not.toContain(secret);
		}
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
		// Each fault was served, in order, and retried once; the fifth request succeeded.
		const calls = sim.requestLog.filter((r) => r.path === '/api/1.0/users/me');
		expect(calls.map((r) => r.fault)).toEqual(['500', '503', 'reset', 'timeout', undefined]);
		expect(calls.map((r) => r.status)).toEqual([500, 503, 0, 0, 200]);
		sim.resetLog();
		sim.injectFault({ kind: 'malformed', path: '/users/me', times: 1 });
		expect((await probe({ path: '/users/me', baseDelayMs: 5 })).reply).toMatchObject({
			kind: 'ok',
			status: 200,
		});
		const again = sim.requestLog.filter((r) => r.path === '/api/1.0/users/me');
		expect(again.map((r) => [r.fault, r.status])).toEqual([
			['malformed', 200],
			[undefined, 200],
		]);
	});

	it('gives up after bounded attempts with an error carrying Asana’s phrase, and no token', async () => {
		sim.injectFault({ kind: '500', path: '/users/me', phrase: 'six sad squid', times: 10 });
		const { error } = await probe({ path: '/users/me', baseDelayMs: 5 });
		expect(error?.name).toBe('NodeApiError');
		expect(error?.message).toMatch(/500/);
		expect(errorText(error)).toContain('six sad squid');
		// Asana's `help` travels with the error: in the description and in the response n8n keeps.
		expect((error as { description?: string }).description).toContain(
			`Asana: For more information`,
		);
		expect((error as { description?: string }).description).toContain(ASANA_HELP);
		expect((error as { errorResponse?: { help?: string } }).errorResponse?.help).toContain(
			ASANA_HELP,
		);
		expect(errorText(error)).not.toContain(sim.tokens.alice);
		expect(sim.requestLog.filter((r) => r.path === '/api/1.0/users/me')).toHaveLength(5);
	});

	it('after bounded attempts at an unreachable Asana, says it could not be reached, not "HTTP 0"', async () => {
		sim.injectFault({ kind: 'reset', path: '/users/me', times: 10 });
		const { error } = await probe({ path: '/users/me', baseDelayMs: 5 });
		expect(
			sim.requestLog.filter((r) => r.path === '/api/1.0/users/me').map((r) => r.fault),
		).toEqual(Array(5).fill('reset'));
		expect(error?.name).toBe('NodeApiError');
		expect(error?.message).toBe(
			'Asana request on /users/me: could not reach Asana (connection reset). Check the network and the credential’s Base URL.',
		);
		const description = (error as { description?: string }).description;
		expect(description).toMatch(
			/Asana could not be reached: the connection was reset, refused or timed out/,
		);
		expect(description).toMatch(/next poll/);
		expect(description).not.toMatch(/HTTP 0/);
	});

	it('without a deadline, gives up at once when Retry-After asks for far longer than the cap', async () => {
		sim.injectFault({ kind: '429', path: '/users/me', retryAfterSec: 3600, times: 1 });
		const started = Date.now();
		const { reply, error } = await probe({ path: '/users/me' });
		expect(Date.now() - started).toBeLessThan(5000);
		expect(reply).toBeUndefined();
		expect(sim.requestLog.map((r) => [r.path, r.status])).toEqual([['/api/1.0/users/me', 429]]);
		expect(error?.name).toBe('NodeApiError');
		expect((error as { httpCode?: string }).httpCode).toBe('429');
		expect(error?.message).toMatch(
			/^Asana 429 on \/users\/me: .*Asana asked to wait 3600 s more, longer than this node waits \(60 s at once/,
		);
		expect(error?.message).toMatch(/retry later/);
	});

	it('stops waiting when the wait would pass the caller’s time budget', async () => {
		sim.injectFault({ kind: '429', path: '/users/me', retryAfterSec: 30, times: 1 });
		const started = Date.now();
		const { reply } = await probe({ path: '/users/me', budgetMs: 2000 });
		expect(reply).toMatchObject({ kind: 'deferred' });
		expect(Date.now() - started).toBeLessThan(2000);
		expect(sim.requestLog).toHaveLength(1);
	});

	it('sends query values as given, "+", "/", "=" and ":" included', async () => {
		// A "+" sent unencoded would arrive as a space.
		const sync = 'a+b/c=d:1';
		await probe({ path: '/events', query: JSON.stringify({ resource: '42', sync }) });
		expect(sim.requestLog.map((r) => r.query)).toEqual([{ resource: '42', sync }]);
	});

	it('returns a 412 with the fresh sync token as data, and encodes tokens containing ":"', async () => {
		const project = sim.createProject('P');
		const first = await probe({
			path: '/events',
			query: JSON.stringify({ resource: project.gid }),
			accept412: true,
		});
		expect(first.reply).toMatchObject({
			kind: 'ok',
			status: 412,
			body: { sync: expect.stringContaining(':') },
		});
		const sync = ((first.reply as IDataObject).body as IDataObject).sync as string;
		const second = await probe({
			path: '/events',
			query: JSON.stringify({ resource: project.gid, sync }),
			accept412: true,
		});
		expect(second.reply).toMatchObject({ kind: 'ok', status: 200, body: { has_more: false } });
		expect(sim.requestLog[1].query.sync).toBe(sync);
	});

	const audit = () => `/workspaces/${sim.workspaceGid}/audit_log_events`;
	it.each([
		[
			'401',
			() => ({ token: 'not-a-token' }),
			/paste a valid personal access token/,
			/Open the Asana credential/,
		],
		[
			'402',
			() => ({ fault: '402' as const }),
			/needs a paid Asana plan/,
			/Upgrade the workspace’s plan/,
		],
		[
			'403',
			() => ({ path: audit() }),
			/Use a service account token of an Enterprise\+ domain/,
			/Personal access tokens and OAuth apps cannot read the audit log/,
		],
		[
			'404',
			() => ({ path: '/tasks/424242' }),
			/check the ID or URL/,
			/belongs to the workspace of the token/,
		],
		[
			'451',
			() => ({ fault: '451' as const }),
			/Asana refuses requests from this region/,
			/Run n8n where Asana serves requests/,
		],
	])(
		'turns a %s into a NodeApiError with the short fix in its message and the long one in its description',
		async (status, setup, fix, detail) => {
			const { token, path, fault } = setup() as {
				token?: string;
				path?: string;
				fault?: '402' | '451';
			};
			if (fault) sim.injectFault({ kind: fault, path: '/users/me' });
			const { error } = await probe({ path: path ?? '/users/me' }, token ?? sim.tokens.alice);
			expect(error?.name).toBe('NodeApiError');
			expect(error?.message).toMatch(new RegExp(`^Asana ${status} on `));
			expect(error?.message).toMatch(fix);
			expect(error?.message).not.toContain('\n');
			expect((error as { description?: string }).description).toMatch(detail);
			expect(errorText(error)).not.toContain(token ?? sim.tokens.alice);
		},
	);

	it('after as many 429s as it takes, an action node says how long Asana asked to wait and to run again', async () => {
		sim.injectFault({ kind: '429', path: '/users/me', retryAfterSec: 0, times: 20 });
		const { error } = await probe({ path: '/users/me' });
		expect(sim.requestLog).toHaveLength(8);
		expect(error?.message).toBe(
			'Asana 429 on /users/me: You have made too many requests recently. Please, be chill. Rate limited 8 times in a row (Asana asked to wait 0 s); run the node again after that.',
		);
	});

	it('has a hint for every status Asana documents, and a short fix for all but 429 (whose fix says how long to wait)', () => {
		for (const status of [0, 400, 401, 402, 403, 404, 429, 451, 500, 503]) {
			const hint = hintForStatus(status);
			expect(hint.detail).not.toMatch(/^Asana answered with HTTP/);
			if (status !== 429) expect(hint.fix).toMatch(/^[A-Z].*\.$/);
		}
	});
});
