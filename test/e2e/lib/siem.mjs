// Loopback stand-ins for the three SIEM destinations of the example recipes (examples/04–06).
// Each enforces its destination's documented contract and answers as the destination does; what
// it accepted, what it refused and why are kept for the suite to compare.
//
// Splunk HTTP Event Collector
//   https://help.splunk.com/en/splunk-enterprise/get-data-in/collect-http-event-data/http-event-collector-rest-api-endpoints
//   https://help.splunk.com/splunk-enterprise/get-data-in/collect-http-event-data/format-events-for-http-event-collector
// Elasticsearch / OpenSearch bulk API
//   https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html
// Azure Monitor Logs Ingestion API (Microsoft Sentinel)
//   https://learn.microsoft.com/en-us/azure/azure-monitor/logs/logs-ingestion-api-overview
//   https://learn.microsoft.com/en-us/azure/azure-monitor/service-limits (Logs Ingestion API)
//   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
import crypto from 'node:crypto';
import http from 'node:http';

const secret = () => crypto.randomBytes(18).toString('base64url');

/** The secrets a user would put into n8n's credentials; the suite scans for them. */
export function siemSecrets() {
	return {
		hecToken: crypto.randomUUID(), // HEC tokens are GUIDs
		elasticUser: 'asana_writer',
		elasticPassword: secret(),
		tenantId: crypto.randomUUID(),
		clientId: crypto.randomUUID(),
		clientSecret: secret(),
		dcrImmutableId: `dcr-${crypto.randomBytes(16).toString('hex')}`,
		stream: 'Custom-AsanaAudit_CL',
		index: 'asana-audit',
	};
}

/** Sentinel's documented limit per call (1 MB), HEC's default max_content_length is larger. */
const SENTINEL_MAX_BYTES = 1024 * 1024;
const ES_MAX_BYTES = 100 * 1024 * 1024; // http.max_content_length default

export async function startSiemReceivers(secrets) {
	const state = {
		splunk: destination(),
		elastic: destination(),
		sentinel: destination(),
		tokensIssued: [],
		tokenRequests: 0,
	};
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks);
			const url = new URL(req.url ?? '/', 'http://siem');
			let answer;
			try {
				if (url.pathname === `/${secrets.tenantId}/oauth2/v2.0/token`)
					answer = entraToken(state, secrets, req, raw);
				else if (url.pathname.startsWith('/services/collector'))
					answer = splunk(state.splunk, secrets, req, url, raw);
				else if (url.pathname.endsWith('/_bulk'))
					answer = elastic(state.elastic, secrets, req, url, raw);
				else if (url.pathname.startsWith('/dataCollectionRules/'))
					answer = sentinel(state, secrets, req, url, raw);
				else answer = { status: 404, body: { error: 'no such endpoint' } };
			} catch (error) {
				answer = { status: 500, body: { error: String(error) } };
			}
			res.writeHead(answer.status, {
				...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
				...answer.headers,
			});
			res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
		});
	});
	server.keepAliveTimeout = 1000;
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const url = `http://127.0.0.1:${server.address().port}`;
	return {
		url,
		state,
		urls: {
			splunk: `${url}/services/collector/event`,
			elastic: `${url}/${secrets.index}/_bulk`,
			sentinel: `${url}/dataCollectionRules/${secrets.dcrImmutableId}/streams/${secrets.stream}?api-version=2023-01-01`,
			entraToken: `${url}/${secrets.tenantId}/oauth2/v2.0/token`,
		},
		/** The `nth` data request (1-based, counted from now) of each destination is refused as busy. */
		refuseNth(nth) {
			for (const d of [state.splunk, state.elastic, state.sentinel]) d.refuseAt = d.requests + nth;
		},
		close() {
			server.closeAllConnections?.();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}

function destination() {
	return {
		requests: 0,
		refuseAt: 0,
		/** Accepted event keys, one per write (a key twice = delivered twice). */
		accepted: [],
		/** Injected "busy" answers: { at, retryAfterMs }. */
		busy: [],
		/** Requests refused for breaking the contract: what a real destination would refuse. */
		violations: [],
		/** Each accepted request's event count. */
		batches: [],
		/** Requests that came back while a Retry-After still held. */
		early: 0,
		retryUntil: 0,
		/** Elasticsearch: the documents stored, `<index>/<id>`. */
		stored: new Set(),
	};
}

const refuse = (d, status, body, rule) => {
	d.violations.push(`${status} ${rule}`);
	return { status, body };
};

const isBusy = (d) => {
	d.requests++;
	return d.refuseAt && d.requests === d.refuseAt;
};

// ---- Splunk HEC ------------------------------------------------------------------------------

function splunk(d, secrets, req, url, raw) {
	// Endpoint: /services/collector/event (and its /1.0 alias) take the JSON event protocol.
	if (req.method !== 'POST' || !/^\/services\/collector\/event(\/1\.0)?$/.test(url.pathname))
		return refuse(
			d,
			404,
			{ text: 'The requested URL was not found on this server.', code: 404 },
			'path',
		);
	// Auth: "Authorization: Splunk <hec_token>"; missing → 401 code 2, malformed → 401 code 3,
	// unknown token → 403 code 4.
	const auth = req.headers.authorization;
	if (!auth) return refuse(d, 401, { text: 'Token is required', code: 2 }, 'no token');
	const m = /^Splunk (\S+)$/.exec(auth);
	if (!m) return refuse(d, 401, { text: 'Invalid authorization', code: 3 }, 'auth scheme');
	if (m[1] !== secrets.hecToken) return refuse(d, 403, { text: 'Invalid token', code: 4 }, 'token');
	// 503 code 9 "Server is busy": the client sends the same request again later.
	if (isBusy(d)) {
		d.busy.push({ at: Date.now() });
		return { status: 503, body: { text: 'Server is busy', code: 9 } };
	}
	const text = raw.toString('utf8');
	if (!text.trim()) return refuse(d, 400, { text: 'No data', code: 5 }, 'no data');
	// Batch format: event envelopes (JSON objects) one after another, optionally whitespace
	// between them; each needs a non-blank "event"; "time" is epoch seconds.
	let envelopes;
	try {
		envelopes = stackedJson(text);
	} catch {
		return refuse(d, 400, { text: 'Invalid data format', code: 6 }, 'not stacked JSON objects');
	}
	for (const [i, e] of envelopes.entries()) {
		if (!e || typeof e !== 'object' || Array.isArray(e))
			return refuse(
				d,
				400,
				{ text: 'Invalid data format', code: 6, 'invalid-event-number': i },
				'envelope not an object',
			);
		if (!('event' in e))
			return refuse(
				d,
				400,
				{ text: 'Event field is required', code: 12, 'invalid-event-number': i },
				'event missing',
			);
		if (e.event === '' || e.event === null)
			return refuse(
				d,
				400,
				{ text: 'Event field cannot be blank', code: 13, 'invalid-event-number': i },
				'event blank',
			);
		if (e.time !== undefined && !(Number(e.time) > 1e9 && Number(e.time) < 1e11))
			return refuse(
				d,
				400,
				{ text: 'Invalid data format', code: 6, 'invalid-event-number': i },
				'time not epoch seconds',
			);
	}
	for (const e of envelopes) d.accepted.push(e);
	d.batches.push(envelopes.length);
	return { status: 200, body: { text: 'Success', code: 0 } };
}

/** `{…}{…}\n{…}` → objects; throws on anything else. */
function stackedJson(text) {
	const out = [];
	let i = 0;
	while (i < text.length) {
		while (i < text.length && /\s/.test(text[i])) i++;
		if (i >= text.length) break;
		if (text[i] !== '{') throw new Error('not an object');
		let depth = 0;
		let inString = false;
		let j = i;
		for (; j < text.length; j++) {
			const c = text[j];
			if (inString) {
				if (c === '\\') j++;
				else if (c === '"') inString = false;
			} else if (c === '"') inString = true;
			else if (c === '{') depth++;
			else if (c === '}' && --depth === 0) break;
		}
		out.push(JSON.parse(text.slice(i, j + 1)));
		i = j + 1;
	}
	return out;
}

// ---- Elasticsearch / OpenSearch _bulk ----------------------------------------------------------

function elastic(d, secrets, req, url, raw) {
	const esError = (status, type, reason) => ({
		error: { root_cause: [{ type, reason }], type, reason },
		status,
	});
	// Endpoint: POST /_bulk or /<target>/_bulk.
	const target = /^\/(?:([^/_][^/]*)\/)?_bulk$/.exec(url.pathname);
	if (req.method !== 'POST' || !target)
		return refuse(d, 405, esError(405, 'illegal_argument_exception', 'no handler'), 'path');
	// Security: Basic (user:password) or "ApiKey <base64(id:key)>"; otherwise 401.
	const want = `Basic ${Buffer.from(`${secrets.elasticUser}:${secrets.elasticPassword}`).toString('base64')}`;
	if (req.headers.authorization !== want)
		return {
			...refuse(d, 401, esError(401, 'security_exception', 'unable to authenticate user'), 'auth'),
			headers: { 'WWW-Authenticate': 'Basic realm="security" charset="UTF-8"' },
		};
	// "When sending requests to this endpoint the Content-Type header should be set to
	// application/x-ndjson."
	const type = String(req.headers['content-type'] ?? '')
		.split(';')[0]
		.trim();
	if (type !== 'application/x-ndjson')
		return refuse(
			d,
			406,
			esError(406, 'media_type_header_exception', `Content-Type header [${type}] is not supported`),
			'content-type',
		);
	if (raw.length > ES_MAX_BYTES)
		return refuse(d, 413, esError(413, 'content_too_long', 'request too large'), 'size');
	// Whole request rejected under load: 429 es_rejected_execution_exception, to be sent again.
	if (isBusy(d)) {
		d.busy.push({ at: Date.now() });
		return {
			status: 429,
			body: esError(
				429,
				'es_rejected_execution_exception',
				'rejected execution of coordinating operation',
			),
		};
	}
	const text = raw.toString('utf8');
	// "The final line of data must end with a newline character \n."
	if (!text.endsWith('\n'))
		return refuse(
			d,
			400,
			esError(
				400,
				'illegal_argument_exception',
				'The bulk request must be terminated by a newline [\\n]',
			),
			'trailing newline',
		);
	const lines = text
		.split('\n')
		.slice(0, -1)
		.map((l) => l.replace(/\r$/, ''));
	const items = [];
	const writes = [];
	for (let i = 0; i < lines.length; i++) {
		let action;
		try {
			action = JSON.parse(lines[i]);
		} catch {
			return refuse(
				d,
				400,
				esError(400, 'x_content_parse_exception', `Malformed action/metadata line [${i + 1}]`),
				'action line not JSON',
			);
		}
		const ops = Object.keys(action ?? {});
		if (ops.length !== 1 || !['index', 'create', 'update', 'delete'].includes(ops[0]))
			return refuse(
				d,
				400,
				esError(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}]`),
				'action',
			);
		const op = ops[0];
		const meta = action[op];
		const index = meta._index ?? target[1];
		if (!index)
			return refuse(
				d,
				400,
				esError(400, 'action_request_validation_exception', 'index is missing'),
				'index missing',
			);
		if (op === 'delete') continue;
		// index, create and update expect a source on the next line.
		const sourceLine = lines[++i];
		let source;
		try {
			source = JSON.parse(sourceLine ?? '');
		} catch {
			// Per item: a document that does not parse fails alone, `errors: true`.
			items.push({
				[op]: {
					_index: index,
					_id: meta._id,
					status: 400,
					error: { type: 'document_parsing_exception', reason: 'failed to parse' },
				},
			});
			continue;
		}
		if (!source || typeof source !== 'object' || Array.isArray(source)) {
			items.push({
				[op]: {
					_index: index,
					_id: meta._id,
					status: 400,
					error: { type: 'document_parsing_exception', reason: 'not an object' },
				},
			});
			continue;
		}
		const id = meta._id ?? crypto.randomUUID();
		const key = `${index}/${id}`;
		// create on an id that exists fails alone (409); index replaces the document.
		if (op === 'create' && d.stored.has(key)) {
			items.push({
				[op]: {
					_index: index,
					_id: id,
					status: 409,
					error: { type: 'version_conflict_engine_exception', reason: 'document already exists' },
				},
			});
			continue;
		}
		writes.push({ op, index, id: meta._id, source });
		items.push({
			[op]: d.stored.has(key)
				? { _index: index, _id: id, status: 200, result: 'updated' }
				: { _index: index, _id: id, status: 201, result: 'created' },
		});
		d.stored.add(key);
	}
	const errors = items.some((it) => Object.values(it)[0].error);
	if (errors)
		d.violations.push(
			`200 errors:true (${items.filter((it) => Object.values(it)[0].error).length} items)`,
		);
	for (const w of writes) d.accepted.push(w);
	d.batches.push(writes.length);
	return { status: 200, body: { took: 1, errors, items } };
}

// ---- Microsoft Entra ID token (client credentials) and Logs Ingestion ---------------------------

function entraToken(state, secrets, req, raw) {
	state.tokenRequests++;
	const form = new URLSearchParams(raw.toString('utf8'));
	// Client credentials grant: grant_type, client_id, client_secret, scope "<resource>/.default".
	// A secret sent in the Authorization header (client_secret_basic) is accepted as well.
	let clientId = form.get('client_id');
	let clientSecret = form.get('client_secret');
	const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
	if (basic) {
		const [id, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
		clientId = decodeURIComponent(id);
		clientSecret = decodeURIComponent(rest.join(':'));
	}
	if (form.get('grant_type') !== 'client_credentials')
		return { status: 400, body: { error: 'unsupported_grant_type' } };
	if (clientId !== secrets.clientId || clientSecret !== secrets.clientSecret)
		return { status: 401, body: { error: 'invalid_client' } };
	if (form.get('scope') !== 'https://monitor.azure.com//.default')
		return { status: 400, body: { error: 'invalid_scope' } };
	const token = secret();
	state.tokensIssued.push(token);
	return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: token } };
}

function sentinel(state, secrets, req, url, raw) {
	const d = state.sentinel;
	const azError = (code, message) => ({ error: { code, message } });
	// Endpoint: POST {endpoint}/dataCollectionRules/{immutable id}/streams/{stream}?api-version=2023-01-01
	const m = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
	if (req.method !== 'POST' || !m || m[1] !== secrets.dcrImmutableId)
		return refuse(d, 404, azError('NotFound', 'Data collection rule not found'), 'path / DCR id');
	if (url.searchParams.get('api-version') !== '2023-01-01')
		return refuse(d, 400, azError('InvalidApiVersion', 'api-version is required'), 'api-version');
	if (decodeURIComponent(m[2]) !== secrets.stream)
		return refuse(d, 400, azError('InvalidStream', 'Stream is not declared in the DCR'), 'stream');
	// Auth: "Authorization: Bearer <Entra ID token for https://monitor.azure.com>".
	const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
	if (!bearer)
		return refuse(
			d,
			401,
			azError('AuthenticationFailed', "The 'Authorization' header is missing."),
			'no bearer',
		);
	if (!state.tokensIssued.includes(bearer))
		return refuse(
			d,
			403,
			azError('InvalidAuthenticationToken', 'The access token is invalid.'),
			'token',
		);
	// Content-Type: application/json; the body a JSON array of records.
	const type = String(req.headers['content-type'] ?? '')
		.split(';')[0]
		.trim();
	if (type !== 'application/json')
		return refuse(d, 415, azError('UnsupportedMediaType', `Content-Type ${type}`), 'content-type');
	// "The maximum size of an API call is 1 MB" → 413.
	if (raw.length > SENTINEL_MAX_BYTES)
		return refuse(
			d,
			413,
			azError('ContentLengthLimitExceeded', 'Maximum request size is 1 MB'),
			'1 MB per call',
		);
	// Throttled: 429 with Retry-After; a call sent again before it passed is throttled again.
	const now = Date.now();
	if (now < d.retryUntil) {
		d.early++;
		return {
			status: 429,
			headers: { 'Retry-After': String(Math.ceil((d.retryUntil - now) / 1000)) },
			body: azError('TooManyRequests', 'Too many requests'),
		};
	}
	if (isBusy(d)) {
		const retryAfterSec = 2;
		d.retryUntil = now + retryAfterSec * 1000;
		d.busy.push({ at: now, retryAfterMs: retryAfterSec * 1000 });
		return {
			status: 429,
			headers: { 'Retry-After': String(retryAfterSec) },
			body: azError('TooManyRequests', 'Too many requests'),
		};
	}
	let records;
	try {
		records = JSON.parse(raw.toString('utf8'));
	} catch {
		return refuse(d, 400, azError('InvalidContent', 'The body is not JSON'), 'JSON');
	}
	if (!Array.isArray(records) || !records.length)
		return refuse(
			d,
			400,
			azError('InvalidContent', 'The body must be a non-empty JSON array'),
			'JSON array',
		);
	// The stream's declaration (see docs/siem-sentinel.md): TimeGenerated (datetime) on each record.
	for (const r of records) {
		if (!r || typeof r !== 'object' || Array.isArray(r))
			return refuse(
				d,
				400,
				azError('InvalidContent', 'Each record must be an object'),
				'record object',
			);
		if (typeof r.TimeGenerated !== 'string' || Number.isNaN(Date.parse(r.TimeGenerated)))
			return refuse(
				d,
				400,
				azError('InvalidContent', 'TimeGenerated is not a datetime'),
				'TimeGenerated',
			);
	}
	for (const r of records) d.accepted.push(r);
	d.batches.push(records.length);
	return { status: 204 };
}
