import { createServer, type IncomingMessage, type Server } from 'http';
import type { AddressInfo } from 'net';

import { LoggerProxy, type IDataObject, type INodeParameters } from 'n8n-workflow';

import {
	capturedLogs,
	countSecretOccurrences,
	PersistentStaticData,
	runPoll,
	runWorkflow,
	testCredential,
	type HarnessCredentials,
} from './harness';
import { Probe, ProbeTrigger } from './harness/fixtures';

/*
 * A stand-in API on 127.0.0.1: Bearer tokens, a refresh-token grant at /-/oauth_token,
 * and a few endpoints that misbehave on purpose.
 */
interface SeenRequest {
	method: string;
	url: string;
	authorization?: string;
	body: string;
	status: number;
}

let server: Server;
let origin: string;
let baseUrl: string;
let seen: SeenRequest[];
let validTokens: Set<string>;
let issued: number;

async function readBody(req: IncomingMessage): Promise<string> {
	let body = '';
	for await (const chunk of req) body += String(chunk);
	return body;
}

beforeAll(async () => {
	server = createServer((req, res) => {
		void readBody(req).then((body) => {
			const url = new URL(req.url ?? '/', origin);
			const record: SeenRequest = {
				method: req.method ?? '',
				url: req.url ?? '',
				authorization: req.headers.authorization,
				body,
				status: 0,
			};
			seen.push(record);
			const send = (status: number, json: unknown) => {
				record.status = status;
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(json));
			};
			if (req.method === 'POST' && url.pathname === '/-/oauth_token') {
				const form = new URLSearchParams(body);
				const valid =
					form.get('grant_type') === 'refresh_token' &&
					form.get('refresh_token') === 'refresh-1' &&
					form.get('client_id') === 'client-1' &&
					form.get('client_secret') === 'secret-1';
				if (!valid) return send(400, { error: 'invalid_grant' });
				const token = `access-${++issued}`;
				validTokens.add(token);
				return send(200, { access_token: token, token_type: 'bearer', expires_in: 3600 });
			}
			if (!validTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
				return send(401, { errors: [{ message: 'Not Authorized' }] });
			}
			if (url.pathname === '/api/reset') return req.socket.destroy();
			if (url.pathname === '/api/slow') {
				const timer = setTimeout(() => send(200, { data: {} }), 1500);
				return void res.on('close', () => clearTimeout(timer));
			}
			const status = /^\/api\/status\/(\d+)$/.exec(url.pathname);
			if (status) return send(Number(status[1]), { errors: [{ message: `status ${status[1]}` }] });
			const user = /^\/api\/users\/([^/]+)$/.exec(url.pathname);
			if (user) return send(200, { data: { gid: user[1] === 'me' ? '1' : user[1] }, url: req.url });
			return send(404, { errors: [{ message: 'Not found' }] });
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	baseUrl = `${origin}/api`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
	seen = [];
	validTokens = new Set(['good-token']);
	issued = 0;
});

const tokenCredentials = (token = 'good-token'): HarnessCredentials => ({
	asanaEventsApi: { accessToken: token, baseUrl },
});

function oauthCredentials(accessToken: string): HarnessCredentials {
	return {
		asanaEventsOAuth2Api: {
			clientId: 'client-1',
			clientSecret: 'secret-1',
			accessTokenUrl: `${origin}/-/oauth_token`,
			authUrl: `${origin}/-/oauth_authorize`,
			authentication: 'body',
			grantType: 'pkce',
			scope: 'default',
			baseUrl,
			oauthTokenData: {
				access_token: accessToken,
				refresh_token: 'refresh-1',
				token_type: 'bearer',
			},
		},
	};
}

/** Every string inside a value, own non-enumerable fields (an Error's message, stack) included. */
function allStrings(value: unknown, seenObjects = new WeakSet<object>()): string[] {
	if (typeof value === 'string') return [value];
	if (typeof value !== 'object' || value === null || seenObjects.has(value)) return [];
	seenObjects.add(value);
	return Object.getOwnPropertyNames(value).flatMap((key) => {
		try {
			return allStrings((value as Record<string, unknown>)[key], seenObjects);
		} catch {
			return [];
		}
	});
}

describe('credentials', () => {
	it("token credential: the type's own authenticate sends the Bearer header; the test request passes and names a failure", async () => {
		await expect(
			testCredential('asanaEventsApi', { accessToken: 'good-token', baseUrl }),
		).resolves.toEqual({
			status: 'OK',
			message: 'Connection successful!',
		});
		expect(seen).toMatchObject([
			{ method: 'GET', url: '/api/users/me', authorization: 'Bearer good-token', status: 200 },
		]);

		const bad = await testCredential('asanaEventsApi', { accessToken: 'wrong-token', baseUrl });
		// n8n-core's NodeApiError carries no `cause.response`, so n8n shows the error's own message.
		expect(bad).toEqual({
			status: 'Error',
			message: 'Authorization failed - please check your credentials',
		});

		const closedPort = await testCredential('asanaEventsApi', {
			accessToken: 'good-token',
			baseUrl: 'http://127.0.0.1:1/api',
		});
		expect(closedPort).toEqual({
			status: 'Error',
			message: 'The service refused the connection - perhaps it is offline',
		});
	});

	it('OAuth2 credential: a 401 makes n8n-core refresh at the access token URL, retry, and store the new token', async () => {
		const credentials = oauthCredentials('expired-token');
		const run = await runWorkflow({
			nodeType: new Probe(),
			parameters: { authentication: 'oAuth2' },
			credentials,
			inputItems: [{}],
		});
		expect(run.error).toBeUndefined();
		expect(run.items[0].json.reply).toMatchObject({ data: { gid: '1' } });
		expect(seen.map((r) => [r.method, r.url, r.authorization, r.status])).toEqual([
			['GET', '/api/users/me', 'Bearer expired-token', 401],
			['POST', '/-/oauth_token', undefined, 200],
			['GET', '/api/users/me', 'Bearer access-1', 200],
		]);
		expect(new URLSearchParams(seen[1].body).get('grant_type')).toBe('refresh_token');
		// Stored back like n8n's database: the refresh token survives the refresh.
		expect(credentials.asanaEventsOAuth2Api.oauthTokenData).toMatchObject({
			access_token: 'access-1',
			refresh_token: 'refresh-1',
		});
		expect(run.credentialsHelper.tokenUpdates).toHaveLength(1);

		// The stored token is used next time: no second refresh.
		seen = [];
		const again = await runWorkflow({
			nodeType: new Probe(),
			parameters: { authentication: 'oAuth2' },
			credentials,
			inputItems: [{}],
		});
		expect(again.error).toBeUndefined();
		expect(seen.map((r) => r.authorization)).toEqual(['Bearer access-1']);
		await expect(
			testCredential('asanaEventsOAuth2Api', credentials.asanaEventsOAuth2Api),
		).resolves.toMatchObject({ status: 'OK' });
	});

	it('OAuth2 credential: a refused refresh asks the user to reconnect', async () => {
		const credentials = oauthCredentials('expired-token');
		credentials.asanaEventsOAuth2Api.oauthTokenData = {
			access_token: 'expired-token',
			refresh_token: 'revoked',
			token_type: 'bearer',
		};
		const run = await runWorkflow({
			nodeType: new Probe(),
			parameters: { authentication: 'oAuth2' },
			credentials,
			inputItems: [{}],
		});
		expect(run.error?.message).toMatch(/needs to be reconnected/);
		expect(run.credentialsHelper.tokenUpdates).toHaveLength(0);
	});
});

describe('runPoll', () => {
	const params: INodeParameters = { authentication: 'accessToken' };

	it('keeps static data across polls, throws manual-mode changes away, and returns errors', async () => {
		const staticData: IDataObject = {};
		const first = await runPoll({
			nodeType: new ProbeTrigger(),
			parameters: params,
			credentials: tokenCredentials(),
			staticData,
		});
		expect(first.error).toBeUndefined();
		expect(first.items?.[0][0].json).toMatchObject({ polls: 1, reply: { data: { gid: '1' } } });
		const second = await runPoll({
			nodeType: new ProbeTrigger(),
			parameters: params,
			credentials: tokenCredentials(),
			staticData,
		});
		expect(second.items?.[0][0].json.polls).toBe(2);
		expect(staticData).toEqual({ polls: 2 });
		expect(second.logs).toEqual([
			expect.stringContaining('Poll trigger initiated'),
			expect.stringMatching(
				/Probe trigger polled .*"polls":2,"mode":"trigger","activation":"activate"/,
			),
		]);

		const manual = await runPoll({
			nodeType: new ProbeTrigger(),
			parameters: params,
			credentials: tokenCredentials(),
			staticData,
			mode: 'manual',
		});
		expect(manual.items?.[0][0].json.polls).toBe(3);
		expect(manual.logs.join('\n')).toMatch(/"mode":"manual","activation":"manual"/);
		expect(staticData).toEqual({ polls: 2 });

		const failed = await runPoll({
			nodeType: new ProbeTrigger(),
			parameters: params,
			credentials: tokenCredentials('wrong-token'),
			staticData,
		});
		expect(failed.items).toBeNull();
		expect(failed.error?.name).toBe('NodeApiError');
		expect(failed.error?.message).toMatch(/Authorization failed/);
		// The failed poll's own change stays in memory.
		expect(staticData).toEqual({ polls: 3 });
		for (const line of [...first.logs, ...second.logs, ...manual.logs, ...failed.logs])
			expect(line).not.toMatch(/good-token|wrong-token/);
	});

	it('with manualWritesThrough, a manual poll works on the given static data itself', async () => {
		const staticData: IDataObject = { polls: 5 };
		const manual = await runPoll({
			nodeType: new ProbeTrigger(),
			parameters: params,
			credentials: tokenCredentials(),
			staticData,
			mode: 'manual',
			manualWritesThrough: true,
		});
		expect(manual.error).toBeUndefined();
		expect(manual.items?.[0][0].json.polls).toBe(6);
		expect(manual.logs.join('\n')).toMatch(/"mode":"manual","activation":"manual"/);
		expect(staticData).toEqual({ polls: 6 });
	});

	it('answers getActivationMode() with the activation given, as after a restart', async () => {
		const restarted = await runPoll({
			nodeType: new ProbeTrigger(),
			parameters: params,
			credentials: tokenCredentials(),
			activation: 'init',
		});
		expect(restarted.logs.join('\n')).toMatch(/"mode":"trigger","activation":"init"/);
	});

	it('PersistentStaticData saves what n8n saves: at activation and when a poll emits', async () => {
		const store = new PersistentStaticData();
		const poll = async (emit: boolean, activation = false, token = 'good-token') => {
			const result = await runPoll({
				nodeType: new ProbeTrigger(),
				parameters: { ...params, emit },
				credentials: tokenCredentials(token),
				staticData: store.working,
			});
			store.afterPoll(result.items, activation, result.error);
			return result;
		};
		await poll(false, true);
		expect(store.database).toEqual({ polls: 1 });
		await poll(false);
		expect(store.working).toEqual({ polls: 2 });
		expect(store.database).toEqual({ polls: 1 });
		store.restart();
		expect(store.working).toEqual({ polls: 1 });
		await poll(true);
		expect(store.database).toEqual({ polls: 2 });
		await poll(true, false, 'wrong-token');
		expect(store.working).toEqual({ polls: 3 });
		expect(store.database).toEqual({ polls: 2 });
	});
});

describe('runWorkflow', () => {
	it('resolves expressions per item, pairs each output with its item, and honours continue-on-fail', async () => {
		const run = await runWorkflow({
			nodeType: new Probe(),
			parameters: { authentication: 'accessToken', path: '=/users/{{ $json.user }}' },
			credentials: tokenCredentials(),
			inputItems: [{ user: '11' }, { user: '22' }, { user: '33' }],
		});
		expect(run.error).toBeUndefined();
		expect(run.items.map((i) => (i.json.reply as IDataObject).data)).toEqual([
			{ gid: '11' },
			{ gid: '22' },
			{ gid: '33' },
		]);
		expect(run.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(run.run.status).toBe('success');

		const inputItems = [{ path: '/users/1' }, { path: '/status/500' }, { path: '/users/3' }];
		const parameters = { authentication: 'accessToken', path: '={{ $json.path }}' };
		const continued = await runWorkflow({
			nodeType: new Probe(),
			parameters,
			credentials: tokenCredentials(),
			inputItems,
			continueOnFail: true,
		});
		expect(continued.error).toBeUndefined();
		expect(continued.items.map((i) => Object.keys(i.json))).toEqual([
			['reply'],
			['error'],
			['reply'],
		]);
		expect(continued.items[1]).toMatchObject({
			json: { error: 'The service was not able to process your request' },
			pairedItem: { item: 1 },
		});

		const stopped = await runWorkflow({
			nodeType: new Probe(),
			parameters,
			credentials: tokenCredentials(),
			inputItems,
		});
		expect(stopped.items).toEqual([]);
		expect(stopped.error).toMatchObject({ name: 'NodeApiError', httpCode: '500' });
		expect(stopped.run.status).toBe('error');
	});
});

describe("n8n-core's HTTP layer", () => {
	async function probe(parameters: INodeParameters) {
		const run = await runWorkflow({
			nodeType: new Probe(),
			parameters: { authentication: 'accessToken', ...parameters },
			credentials: tokenCredentials(),
			inputItems: [{}],
		});
		return { reply: run.items[0]?.json.reply as IDataObject | undefined, error: run.error };
	}

	it('with ignoreHttpStatusErrors returns the body of a non-2xx reply, and its status only with returnFullResponse', async () => {
		const full = await probe({
			path: '/status/503',
			ignoreHttpStatusErrors: true,
			returnFullResponse: true,
		});
		expect(full.reply).toMatchObject({
			statusCode: 503,
			statusMessage: 'Service Unavailable',
			body: { errors: [{ message: 'status 503' }] },
		});
		const bodyOnly = await probe({ path: '/status/503', ignoreHttpStatusErrors: true });
		expect(bodyOnly.reply).toEqual({ errors: [{ message: 'status 503' }] });
	});

	it('percent-encodes query values, ":" and "," included', async () => {
		const { reply } = await probe({
			path: '/users/me',
			query: { 'created_at.after': '2024-01-01T00:00:00.000Z', opt_fields: 'a,b', text: 'x y/z&' },
		});
		expect(reply?.url).toBe(
			'/api/users/me?created_at.after=2024-01-01T00%3A00%3A00.000Z&opt_fields=a%2Cb&text=x%20y%2Fz%26',
		);
	});

	it('turns HTTP and network failures into NodeApiErrors with a code in httpCode and a generic message', async () => {
		const status = await probe({ path: '/status/500' });
		expect(status.error).toMatchObject({
			name: 'NodeApiError',
			httpCode: '500',
			message: 'The service was not able to process your request',
			description: 'Request failed with status code 500',
			context: { data: { errors: [{ message: 'status 500' }] } },
		});
		const reset = await probe({ path: '/reset' });
		expect(reset.error).toMatchObject({
			httpCode: 'ECONNRESET',
			messages: expect.arrayContaining(['socket hang up']),
		});
		expect(reset.error?.message).toMatch(/closed unexpectedly/);
		const timeout = await probe({ path: '/slow', timeout: 300 });
		expect(timeout.error).toMatchObject({
			httpCode: 'ECONNABORTED',
			messages: expect.arrayContaining(['timeout of 300ms exceeded']),
		});
		expect(timeout.error?.message).toMatch(/aborted/);
	});

	it('keeps neither the request nor its Authorization header on the error', async () => {
		const parameters = { authentication: 'accessToken', path: '/status/500' };
		const thrown = (
			await runPoll({
				nodeType: new ProbeTrigger(),
				parameters,
				credentials: tokenCredentials(),
				staticData: {},
			})
		).error;
		expect(thrown?.name).toBe('NodeApiError');
		// The axios error is not kept: `cause` is undefined, so there is no `cause.response` either.
		expect(thrown).toHaveProperty('cause', undefined);
		const stored = (await probe(parameters)).error;
		expect(stored).toMatchObject({ name: 'NodeApiError', httpCode: '500' });
		for (const error of [thrown, stored])
			expect(allStrings(error).filter((text) => text.includes('good-token'))).toEqual([]);
	});
});

describe('leak scan', () => {
	const secret = 'secret-value-0123';

	it('countSecretOccurrences finds a secret in nested items, in any field of an error and its causes', () => {
		const item = { json: { reply: { headers: [`Bearer ${secret}`] } } };
		const described = Object.assign(new Error('failed'), { description: `token ${secret}` });
		const wrapped = new Error('outer', { cause: new Error(`inner ${secret}`) });
		// Not enumerable, as an axios request kept on an error would be.
		const hidden = new Error('plain');
		Object.defineProperty(hidden, 'request', { value: { authorization: secret } });
		for (const value of [[[item]], described, wrapped, hidden])
			expect(countSecretOccurrences(secret, [value])).toBeGreaterThan(0);
		expect(countSecretOccurrences(secret, [[[{ json: {} }]], new Error('failed'), 'text'])).toBe(0);
	});

	it('captured log lines keep the message of an error logged as metadata, so a scan finds a secret in it', () => {
		const start = capturedLogs.length;
		LoggerProxy.error('Poll failed', { error: new Error(`Asana said ${secret}`) });
		expect(capturedLogs.slice(start)).toEqual([expect.stringMatching(/^error Poll failed /)]);
		expect(countSecretOccurrences(secret, [capturedLogs.slice(start)])).toBeGreaterThan(0);
	});
});
