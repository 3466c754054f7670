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
import { asanaApiError, readAsanaError, type AsanaErrorDetail } from './errors';

export type AsanaContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

export type QueryValue = string | number | boolean | null | undefined;
/** Array values are sent comma-separated, the way Asana reads `opt_fields`. */
export type Query = Record<string, QueryValue | string[]>;

/**
 * `ok` carries a 2xx answer, or a status the caller said it expects (the events endpoints
 * answer 412 with a fresh sync token). `deferred` means a retry wait would have
 * run past the caller's deadline: nothing was consumed, so the caller keeps its cursor.
 */
export type AsanaReply<T> =
	| { kind: 'ok'; status: number; body: T }
	| { kind: 'deferred'; reason: string };

export interface RequestOptions {
	/** Which non-2xx answers are data for the caller rather than errors. */
	accept?: (status: number, body: unknown) => boolean;
	/** Names what was asked for in error messages, e.g. "Resources › project 123". */
	subject?: string;
}

export interface AsanaTransport {
	get<T>(path: string, query?: Query, options?: RequestOptions): Promise<AsanaReply<T>>;
}

export interface RetryPolicy {
	/** Attempts for 5xx, timeouts, resets and malformed bodies. */
	maxAttempts: number;
	/** Attempts for 429, each waiting what `Retry-After` says. */
	maxRateLimitAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 5,
	maxRateLimitAttempts: 8,
	baseDelayMs: 500,
	maxDelayMs: 20_000,
	requestTimeoutMs: 30_000,
};

export interface TransportOptions {
	authentication: AuthenticationMethod;
	/** Epoch milliseconds after which no retry wait is started. */
	deadline?: number;
	itemIndex?: number;
	retry?: Partial<RetryPolicy>;
	/** Jitter source, replaceable so tests can make waits exact. */
	random?: () => number;
	/** Replaces the generic 403 hint where the node knows what access it needs. */
	forbiddenHint?: string;
	/** Node parameter behind each query parameter, named in a 400 that blames it. */
	queryLabels?: Record<string, string>;
}

/** Asana starts a 400 message with the query parameter at fault, e.g. "actor_type: …". */
function specificHint(status: number, detail: AsanaErrorDetail, options: TransportOptions): string | undefined {
	if (status === 403) return options.forbiddenHint;
	if (status !== 400 || !options.queryLabels) return undefined;
	const parameter = /^(\w+):/.exec(detail.message ?? '')?.[1];
	const label = parameter ? options.queryLabels[parameter] : undefined;
	return label ? `Asana rejected ${label} (sent as ${parameter}). Correct ${label} on this node, or clear it.` : undefined;
}

export function credentialTypeFor(authentication: AuthenticationMethod): string {
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

const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'ECONNREFUSED',
	'EAI_AGAIN',
	'UND_ERR_SOCKET',
	'UND_ERR_CONNECT_TIMEOUT',
	'ERR_BAD_RESPONSE',
]);

interface FailedAttempt {
	/** 0 when no HTTP answer arrived. */
	status: number;
	detail: AsanaErrorDetail;
	retryable: boolean;
	waitMs?: number;
}

/** Finds the HTTP status and body, or the network error code, inside what n8n threw. */
function inspectThrown(error: unknown): { status: number; body: unknown; code?: string } {
	let current: unknown = error;
	for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
		const candidate = current as {
			response?: { status?: number; data?: unknown };
			httpCode?: unknown;
			code?: unknown;
			cause?: unknown;
		};
		if (candidate.response?.status) {
			return { status: candidate.response.status, body: parseBody(candidate.response.data) };
		}
		// n8n's own wrapper keeps only the status of a 401 it could not recover from.
		if (typeof candidate.httpCode === 'string' && /^\d{3}$/.test(candidate.httpCode)) {
			return { status: Number(candidate.httpCode), body: undefined };
		}
		if (typeof candidate.code === 'string' && RETRYABLE_NETWORK_CODES.has(candidate.code)) {
			return { status: 0, body: undefined, code: candidate.code };
		}
		current = candidate.cause;
	}
	return { status: 0, body: undefined };
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
		if (baseUrl === undefined) {
			const credentials = await ctx.getCredentials(credentialType, options.itemIndex ?? 0);
			const configured = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
			baseUrl = (configured || DEFAULT_BASE_URL).replace(/\/+$/, '');
		}
		return baseUrl;
	}

	async function attempt<T>(
		url: string,
		accept: RequestOptions['accept'],
	): Promise<{ ok: true; status: number; body: T } | ({ ok: false } & FailedAttempt)> {
		const request: IHttpRequestOptions = {
			method: 'GET',
			url,
			encoding: 'text',
			json: false,
			headers: { Accept: 'application/json' },
			returnFullResponse: true,
			// A 401 must throw: that is what makes n8n refresh an OAuth2 token and retry.
			ignoreHttpStatusErrors: { ignore: true, except: [401] },
			timeout: policy.requestTimeoutMs,
		};
		let response: IN8nHttpFullResponse;
		try {
			response = (await ctx.helpers.httpRequestWithAuthentication.call(
				ctx,
				credentialType,
				request,
			)) as IN8nHttpFullResponse;
		} catch (error) {
			const thrown = inspectThrown(error);
			if (thrown.status) {
				return { ok: false, status: thrown.status, detail: readAsanaError(thrown.body), retryable: false };
			}
			return {
				ok: false,
				status: 0,
				retryable: true,
				detail: {
					message: thrown.code
						? `network error ${thrown.code}`
						: 'the request failed before Asana answered',
				},
			};
		}
		const status = response.statusCode;
		const body = parseBody(response.body);
		if (status >= 200 && status < 300) {
			if (body === MALFORMED || body === undefined) {
				return { ok: false, status, retryable: true, detail: { message: 'malformed JSON in the response' } };
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
				waitMs: retryAfterMs(response.headers?.['retry-after'], Date.now()),
			};
		}
		return { ok: false, status, detail, retryable: status >= 500 };
	}

	return {
		async get<T>(path: string, query?: Query, requestOptions: RequestOptions = {}) {
			const url = `${await resolveBaseUrl()}${path}${buildQueryString(query)}`;
			let failures = 0;
			let rateLimited = 0;
			for (;;) {
				const result = await attempt<T>(url, requestOptions.accept);
				if (result.ok) return { kind: 'ok', status: result.status, body: result.body };
				const errorContext = {
					path,
					itemIndex: options.itemIndex,
					subject: requestOptions.subject,
					extraHint: specificHint(result.status, result.detail, options),
				};
				if (!result.retryable) throw asanaApiError(ctx.getNode(), result.status, result.detail, errorContext);

				let waitMs: number;
				if (result.status === 429) {
					rateLimited++;
					if (rateLimited >= policy.maxRateLimitAttempts) {
						throw asanaApiError(ctx.getNode(), result.status, result.detail, errorContext);
					}
					waitMs = result.waitMs ?? backoffDelay(rateLimited, policy, random);
				} else {
					failures++;
					if (failures >= policy.maxAttempts) {
						throw asanaApiError(ctx.getNode(), result.status, result.detail, errorContext);
					}
					waitMs = backoffDelay(failures, policy, random);
				}
				if (options.deadline !== undefined && Date.now() + waitMs > options.deadline) {
					return {
						kind: 'deferred',
						reason: `Asana answered ${result.status || result.detail.message} on ${path}; waiting ${waitMs} ms more would pass this run's time budget`,
					};
				}
				ctx.logger.debug(
					`Asana ${result.status || result.detail.message} on ${path}; retrying in ${waitMs} ms`,
				);
				await sleep(waitMs);
			}
		},
	};
}
