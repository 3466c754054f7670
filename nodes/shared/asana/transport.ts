import {
	sleep,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type ILoadOptionsFunctions,
	type IN8nHttpFullResponse,
	type IPollFunctions,
} from 'n8n-workflow';

import {
	DEFAULT_BASE_URL,
	CONNECTED_APP_CREDENTIAL,
	TOKEN_CREDENTIAL,
	type AuthenticationMethod,
} from './constants';
import {
	asanaApiError,
	hintForStatus,
	readAsanaError,
	type AsanaErrorDetail,
	type ErrorHint,
} from './errors';
import { invalidParameter } from './errors';

export type AsanaContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

type QueryValue = string | number | boolean | null | undefined;
/** Array values are sent comma-separated, the way Asana reads `opt_fields`. */
export type Query = Record<string, QueryValue | string[]>;

/**
 * `ok` carries a 2xx answer, or a status the caller said it expects (the events endpoints
 * answer 412 with a fresh sync token). `deferred` means a retry wait would have
 * run past the caller's deadline: nothing was consumed, so the caller keeps its cursor.
 */
export type AsanaReply<T> =
	{ kind: 'ok'; status: number; body: T } | { kind: 'deferred'; reason: string };

export interface RequestOptions {
	/** Which non-2xx answers are data for the caller rather than errors. */
	accept?: (status: number, body: unknown) => boolean;
	/** Names what was asked for in error messages, e.g. "Resources › project 123". */
	subject?: string;
}

/** For `accept`: deleted since, or no longer visible to the token; the caller reads on without it. */
export const isGone = (status: number): boolean => status === 404 || status === 403;

/** Errors of requests n8n could not authorise with the credential (no HTTP status tells them). */
const credentialRefusals = new WeakSet<Error>();

/** The credential itself is refused: no request with it can succeed, whatever it asks. */
export function refusesCredential(error: Error): boolean {
	return (error as { httpCode?: string }).httpCode === '401' || credentialRefusals.has(error);
}

export interface AsanaTransport {
	get<T>(path: string, query?: Query, options?: RequestOptions): Promise<AsanaReply<T>>;
}

/** The credential's request rate, asked before every request (see polling/credentialRate.ts). */
export interface RequestGate {
	/** Waits for a free slot until `deadline`; false when there is none by then and the request is not sent. */
	take(deadline?: number): Promise<boolean>;
	/** Asana answered 429, asking to wait `retryAfterMs`. */
	rateLimited(retryAfterMs?: number): void;
}

export interface RetryPolicy {
	/** Attempts for 5xx, timeouts, resets and malformed bodies. */
	maxAttempts: number;
	/** Attempts for 429, each waiting what `Retry-After` says. */
	maxRateLimitAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	requestTimeoutMs: number;
	/** Without a deadline: the longest single wait, `Retry-After` included (Asana's rate windows are a minute). */
	maxWaitMs: number;
	/** Without a deadline: the most time one request may spend waiting in all. */
	maxTotalWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 5,
	maxRateLimitAttempts: 8,
	baseDelayMs: 500,
	maxDelayMs: 20_000,
	requestTimeoutMs: 30_000,
	maxWaitMs: 60_000,
	maxTotalWaitMs: 120_000,
};

export interface TransportOptions {
	authentication: AuthenticationMethod;
	/** Epoch milliseconds after which no retry wait is started. */
	deadline?: number;
	itemIndex?: number;
	retry?: Partial<RetryPolicy>;
	/** Jitter source, replaceable so tests can make waits exact. */
	random?: () => number;
	/** Node parameter behind each query parameter, named in a 400 that blames it. */
	queryLabels?: Record<string, string>;
	/** The credential's request rate, which every request of this transport counts against. */
	gate?: RequestGate;
}

/** Asana starts a 400 message with the query parameter at fault, e.g. "actor_type: …". */
function specificHint(
	status: number,
	detail: AsanaErrorDetail,
	options: TransportOptions,
): ErrorHint | undefined {
	if (status !== 400 || !options.queryLabels) return undefined;
	const parameter = /^(\w+):/.exec(detail.message ?? '')?.[1];
	const label = parameter ? options.queryLabels[parameter] : undefined;
	return label
		? {
				fix: `Correct ${label} on this node, or clear it.`,
				detail: `Asana rejected ${label} (sent as ${parameter}). Correct ${label} on this node, or clear it.`,
			}
		: undefined;
}

function credentialTypeFor(authentication: AuthenticationMethod): string {
	return authentication === 'oAuth2' ? CONNECTED_APP_CREDENTIAL : TOKEN_CREDENTIAL;
}

/** Builds a query string with every value percent-encoded (sync tokens contain `:`). */
export function buildQueryString(query: Query = {}): string {
	const pairs: string[] = [];
	for (const [key, raw] of Object.entries(query)) {
		if (raw === undefined || raw === null || raw === '') continue;
		const value = Array.isArray(raw) ? raw.join(',') : String(raw);
		if (value === '') continue;
		pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
	}
	return pairs.length ? `?${pairs.join('&')}` : '';
}

/** Exponential backoff with jitter in [50 %, 100 %] of the step, capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
	const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return Math.round(step * (0.5 + random() / 2));
}

/** `Retry-After` in seconds (Asana sends seconds); an HTTP date is honoured too. */
export function retryAfterMs(header: unknown, now: number): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
	const date = Date.parse(String(value));
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Failures of the connection itself, worth another attempt, in words: a message naming
 * the code would be replaced by n8n's generic text for it.
 */
const NETWORK_FAILURES: Record<string, string> = {
	ECONNRESET: 'connection reset',
	EPIPE: 'connection reset',
	UND_ERR_SOCKET: 'connection reset',
	ECONNABORTED: 'timed out',
	ETIMEDOUT: 'timed out',
	ESOCKETTIMEDOUT: 'timed out',
	UND_ERR_CONNECT_TIMEOUT: 'timed out',
	ECONNREFUSED: 'connection refused',
	EAI_AGAIN: 'host name not resolved',
	ENOTFOUND: 'host name not resolved',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	ERR_BAD_RESPONSE: 'broken response',
};

/** An HTTP answer, returned by n8n or found in what it threw; the body as received. */
interface Answer {
	status: number;
	body: unknown;
	headers: IN8nHttpFullResponse['headers'];
	thrown: boolean;
}

interface FailedAttempt {
	/** 0 when no HTTP answer arrived. */
	status: number;
	/** n8n could not authorise the request with the credential. */
	credentialRefused?: boolean;
	detail: AsanaErrorDetail;
	retryable: boolean;
	waitMs?: number;
	/** Replaces the hint for the status. */
	hint?: ErrorHint;
}

type Thrown =
	| { kind: 'http'; answer: Answer }
	| { kind: 'network'; code: string }
	/** Neither an answer nor a connection failure: n8n could not authorise the request (e.g. a refused OAuth2 refresh). */
	| { kind: 'other' };

/** Finds the HTTP status and body, or the network error code, inside what n8n threw. */
function inspectThrown(error: unknown): Thrown {
	let current: unknown = error;
	for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
		const candidate = current as {
			response?: { status?: number; data?: unknown };
			httpCode?: unknown;
			code?: unknown;
			cause?: unknown;
		};
		if (candidate.response?.status) {
			const { status, data, headers } = candidate.response as {
				status: number;
				data?: unknown;
				headers?: IN8nHttpFullResponse['headers'];
			};
			return { kind: 'http', answer: { status, body: data, headers: headers ?? {}, thrown: true } };
		}
		// n8n's own wrapper keeps only the status of a 401 it could not recover from.
		if (typeof candidate.httpCode === 'string' && /^\d{3}$/.test(candidate.httpCode)) {
			return {
				kind: 'http',
				answer: { status: Number(candidate.httpCode), body: undefined, headers: {}, thrown: true },
			};
		}
		// n8n's NodeApiError keeps a network error's code in `httpCode`, the raw error in `code`.
		for (const code of [candidate.httpCode, candidate.code]) {
			if (typeof code === 'string' && Object.hasOwn(NETWORK_FAILURES, code))
				return { kind: 'network', code };
		}
		current = candidate.cause;
	}
	return { kind: 'other' };
}

/**
 * What a request that n8n could not authorise turns into. n8n's own message is not
 * repeated: it can quote the token endpoint's answer, and so a token.
 */
function authorisationFailure(authentication: AuthenticationMethod): FailedAttempt {
	return authentication === 'oAuth2'
		? {
				status: 0,
				retryable: false,
				credentialRefused: true,
				detail: { message: 'the Asana OAuth2 credential could not be authorised or refreshed' },
				hint: {
					fix: 'Reconnect the Asana OAuth2 credential.',
					detail:
						'Open the Asana OAuth2 credential and reconnect it. Asana refused to refresh its access: access was revoked, the refresh token expired, or the client ID or secret changed.',
				},
			}
		: {
				status: 0,
				retryable: false,
				credentialRefused: true,
				detail: { message: 'the Asana credential could not be authorised' },
				hint: {
					fix: 'Paste a valid personal access token or service account token into the credential.',
					detail:
						'Open the Asana credential and check it: paste a valid personal access token or service account token.',
				},
			};
}

/** Authentication names a credential type the node has none of. */
function missingCredential(
	ctx: AsanaContext,
	options: Pick<TransportOptions, 'authentication' | 'itemIndex'>,
): Error {
	const [chosen, other] =
		options.authentication === 'oAuth2' ? ['OAuth2', 'Access Token'] : ['Access Token', 'OAuth2'];
	return invalidParameter(
		ctx,
		`Authentication is "${chosen}" but no ${chosen} credential is selected`,
		`Select or create an Asana Events ${chosen === 'OAuth2' ? 'OAuth2 API' : 'API'} credential under "Credential to connect with", or set Authentication to "${other}" to use the credential you have.`,
		options.itemIndex,
	);
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

/** The 429 after as many rate-limited attempts as the policy allows. */
function rateLimitedTooOften(
	waitMs: number | undefined,
	attempts: number,
	polling: boolean,
): ErrorHint {
	const asked =
		waitMs === undefined
			? 'Asana did not say how long to wait'
			: `Asana asked to wait ${seconds(waitMs)} s`;
	const next = polling
		? 'the next poll continues where this one stopped'
		: 'run the node again after that';
	return {
		...hintForStatus(429),
		fix: `Rate limited ${attempts} times in a row (${asked}); ${next}.`,
	};
}

/** The 429 for a caller without a deadline when Asana asks for a longer wait than the policy allows. */
function rateLimitTooLong(waitMs: number, waitedMs: number, policy: RetryPolicy): ErrorHint {
	const already = waitedMs ? ` after ${seconds(waitedMs)} s of waiting` : '';
	return {
		...hintForStatus(429),
		fix: `Asana asked to wait ${seconds(waitMs)} s more${already}, longer than this node waits (${seconds(policy.maxWaitMs)} s at once, ${seconds(policy.maxTotalWaitMs)} s in all); retry later.`,
	};
}

/** How every request to Asana is asked of n8n: the body as text, so malformed JSON can be told apart. */
export function asanaGetRequest(url: string, timeoutMs: number): IHttpRequestOptions {
	return {
		method: 'GET',
		url,
		encoding: 'text',
		json: false,
		headers: { Accept: 'application/json' },
		returnFullResponse: true,
		// A 401 must throw: that is what makes n8n refresh an OAuth2 token and retry.
		ignoreHttpStatusErrors: { ignore: true, except: [401] },
		timeout: timeoutMs,
	};
}

const isAnswer = (outcome: Answer | FailedAttempt): outcome is Answer => 'thrown' in outcome;

/**
 * n8n 1.x reads `ignoreHttpStatusErrors` as a plain boolean: it answers an OAuth2 request's 401
 * instead of throwing it, so its refresh-on-401 never runs (n8n 2.x throws it, refreshes and
 * retries).
 */
function answerSkippedRefresh(answer: Answer, authentication: AuthenticationMethod): boolean {
	return authentication === 'oAuth2' && answer.status === 401 && !answer.thrown;
}

const MALFORMED = Symbol('malformed');

function parseBody(raw: unknown): unknown {
	if (typeof raw !== 'string') return raw;
	if (raw.trim() === '') return undefined;
	try {
		return JSON.parse(raw) as unknown;
	} catch {
		return MALFORMED;
	}
}

/** The API root the credential points at: its Base URL, or Asana's. */
export async function asanaBaseUrl(
	ctx: AsanaContext,
	options: Pick<TransportOptions, 'authentication' | 'itemIndex'>,
): Promise<string> {
	const credentials = await ctx
		.getCredentials(credentialTypeFor(options.authentication), options.itemIndex ?? 0)
		.catch((error: unknown) => {
			// The credential is read here first: n8n's error for a missing one names neither field nor fix.
			throw error instanceof Error && /does not have any credentials set/.test(error.message)
				? missingCredential(ctx, options)
				: error;
		});
	const configured = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	return (configured || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/**
 * The one place that talks HTTP to Asana. Every request goes through
 * `httpRequestWithAuthentication`, so credentials are injected (and OAuth2 tokens
 * refreshed) by n8n; errors are rebuilt from the status and Asana's error body only.
 */
export function createTransport(ctx: AsanaContext, options: TransportOptions): AsanaTransport {
	const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	const random = options.random ?? Math.random;
	const credentialType = credentialTypeFor(options.authentication);
	let baseUrl: string | undefined;

	async function resolveBaseUrl(): Promise<string> {
		baseUrl ??= await asanaBaseUrl(ctx, options);
		return baseUrl;
	}

	/** One request through n8n: its answer, or why there is none. */
	async function ask(request: IHttpRequestOptions): Promise<Answer | FailedAttempt> {
		try {
			const response = (await ctx.helpers.httpRequestWithAuthentication.call(
				ctx,
				credentialType,
				request,
			)) as IN8nHttpFullResponse;
			return {
				status: response.statusCode,
				body: response.body,
				headers: response.headers ?? {},
				thrown: false,
			};
		} catch (error) {
			const thrown = inspectThrown(error);
			if (thrown.kind === 'http') return thrown.answer;
			if (thrown.kind === 'network') {
				return {
					status: 0,
					retryable: true,
					detail: { message: `could not reach Asana (${NETWORK_FAILURES[thrown.code]})` },
				};
			}
			// Retrying would only ask the token endpoint again, and be refused again.
			return authorisationFailure(options.authentication);
		}
	}

	async function attempt<T>(
		url: string,
		accept: RequestOptions['accept'],
	): Promise<{ ok: true; status: number; body: T } | ({ ok: false } & FailedAttempt)> {
		const request = asanaGetRequest(url, policy.requestTimeoutMs);
		let answer = await ask(request);
		if (isAnswer(answer) && answerSkippedRefresh(answer, options.authentication)) {
			// Asked with status errors thrown, the 401 makes n8n 1.x refresh the token and retry.
			// What 1.x throws then keeps only the status: an answer other than 2xx or 401 is
			// asked for once more, as usual, with the fresh token.
			const refreshed = await ask({ ...request, ignoreHttpStatusErrors: false });
			const bodyLost = isAnswer(refreshed) && refreshed.thrown && refreshed.status !== 401;
			answer = bodyLost ? await ask(request) : refreshed;
		}
		if (!isAnswer(answer)) return { ok: false, ...answer };
		const status = answer.status;
		const body = parseBody(answer.body);
		if (status >= 200 && status < 300) {
			if (body === MALFORMED || body === undefined) {
				return {
					ok: false,
					status,
					retryable: true,
					detail: { message: 'malformed JSON in the response' },
				};
			}
			return { ok: true, status, body: body as T };
		}
		const detail = body === MALFORMED ? {} : readAsanaError(body);
		if (body !== MALFORMED && accept?.(status, body)) {
			return { ok: true, status, body: body as T };
		}
		if (status === 429) {
			return {
				ok: false,
				status,
				detail,
				retryable: true,
				waitMs: retryAfterMs(answer.headers['retry-after'], Date.now()),
			};
		}
		return { ok: false, status, detail, retryable: status >= 500 };
	}

	return {
		async get<T>(path: string, query?: Query, requestOptions: RequestOptions = {}) {
			const url = `${await resolveBaseUrl()}${path}${buildQueryString(query)}`;
			let failures = 0;
			let rateLimited = 0;
			let waitedMs = 0;
			for (;;) {
				if (options.gate && !(await options.gate.take(options.deadline))) {
					return {
						kind: 'deferred',
						reason: `the credential's Max Requests per Minute is used up for now (${path})`,
					};
				}
				const result = await attempt<T>(url, requestOptions.accept);
				if (result.ok) return { kind: 'ok', status: result.status, body: result.body };
				const errorContext = {
					path,
					authentication: options.authentication,
					itemIndex: options.itemIndex,
					subject: requestOptions.subject,
					hint: result.hint ?? specificHint(result.status, result.detail, options),
				};
				if (!result.retryable) {
					const error = asanaApiError(ctx.getNode(), result.status, result.detail, errorContext);
					if (result.credentialRefused) credentialRefusals.add(error);
					throw error;
				}

				let waitMs: number;
				if (result.status === 429) {
					options.gate?.rateLimited(result.waitMs);
					rateLimited++;
					if (rateLimited >= policy.maxRateLimitAttempts) {
						throw asanaApiError(ctx.getNode(), result.status, result.detail, {
							...errorContext,
							hint: rateLimitedTooOften(result.waitMs, rateLimited, options.deadline !== undefined),
						});
					}
					waitMs = result.waitMs ?? backoffDelay(rateLimited, policy, random);
				} else {
					failures++;
					if (failures >= policy.maxAttempts) {
						throw asanaApiError(ctx.getNode(), result.status, result.detail, errorContext);
					}
					waitMs = backoffDelay(failures, policy, random);
				}
				if (options.deadline !== undefined) {
					if (Date.now() + waitMs > options.deadline) {
						return {
							kind: 'deferred',
							reason: `${result.status ? `Asana answered ${result.status}` : result.detail.message} on ${path}; waiting ${waitMs} ms more would pass this run's time budget`,
						};
					}
				} else if (waitMs > policy.maxWaitMs || waitedMs + waitMs > policy.maxTotalWaitMs) {
					// Without a deadline nothing else bounds the wait: Retry-After: 3600 would hold the run for an hour.
					throw asanaApiError(ctx.getNode(), result.status, result.detail, {
						...errorContext,
						hint:
							result.status === 429
								? rateLimitTooLong(waitMs, waitedMs, policy)
								: errorContext.hint,
					});
				}
				ctx.logger.debug(
					`Asana ${result.status || result.detail.message} on ${path}; retrying in ${waitMs} ms`,
				);
				waitedMs += waitMs;
				await sleep(waitMs);
			}
		},
	};
}
