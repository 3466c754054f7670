import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import type { AuthenticationMethod } from './constants';

/** What Asana puts in an error body: `{ errors: [{ message, help, phrase }] }`. */
export interface AsanaErrorDetail {
	message?: string;
	help?: string;
	phrase?: string;
}

/**
 * What to do about an error. `fix` is one short sentence for the message: where a workflow
 * fails to activate, n8n shows the message only. `detail` is the long form, for the description.
 */
export interface ErrorHint {
	fix?: string;
	detail: string;
}

const SERVICE_ACCOUNT_FIX =
	'Use a service account token of an Enterprise+ domain (Asana Admin console → Apps → Service accounts).';
const SERVICE_ACCOUNT_STEPS =
	'Create one in Asana: Admin console → Apps → Service accounts → Add service account, copy its token into an "Asana Events API" credential, and use that credential here.';

/** What to do about a status, in the user's words. */
const STATUS_HINTS: Record<number, ErrorHint> = {
	400: {
		fix: 'Check the IDs, dates and filters set on this node.',
		detail: 'Asana rejected a parameter. Check the IDs, dates and filters set on this node.',
	},
	402: {
		fix: 'This needs a paid Asana plan for the workspace.',
		detail:
			'Asana answers this only for a workspace on a paid plan (HTTP 402, payment required). Upgrade the workspace’s plan in Asana, or use a workspace that has one.',
	},
	403: {
		fix: 'The token’s user has no access to this object: use a token of a user who can see it.',
		detail:
			'The token has no access to this object. The audit log and workspace events need a service account token of an Enterprise+ domain (Asana Admin console → Apps → Service accounts); resource events need a token whose user can see the task, project or goal.',
	},
	404: {
		fix: 'Asana does not know this ID, or the token cannot see it: check the ID or URL.',
		detail:
			'Asana does not know this object ID, or the token cannot see it. Check the ID or URL, and that it belongs to the workspace of the token.',
	},
	429: {
		detail:
			'Asana rate limit reached (per token and minute: 150 requests on free plans, 1,500 on paid ones). The node waited as long as it could within this run; the next run continues where this one stopped.',
	},
	451: {
		fix: 'Asana refuses requests from this region.',
		detail:
			'Asana refuses requests from the region this n8n runs in (HTTP 451, unavailable for legal reasons). Run n8n where Asana serves requests.',
	},
};

/** A 401 by the credential it is about. */
const REFUSED_CREDENTIAL_HINTS: Record<AuthenticationMethod, ErrorHint> = {
	accessToken: {
		fix: 'The token is invalid, expired or revoked: paste a valid personal access token or service account token into the credential.',
		detail:
			'Asana refused the token: it is wrong, revoked or expired. Open the Asana credential and paste a valid personal access token or service account token.',
	},
	oAuth2: {
		fix: 'The OAuth2 access is invalid, expired or revoked: reconnect the Asana OAuth2 credential.',
		detail:
			'Asana refused the OAuth2 access token, even after n8n refreshed it: access was revoked, or the app lost its permission. Open the Asana OAuth2 credential and reconnect it.',
	},
};

/** A 403 where the endpoint tells what access it needs: the events and audit-log endpoints. */
const ACCESS_HINTS: Array<{ path: RegExp; hint: ErrorHint }> = [
	{
		path: /^\/workspaces\/\d+\/audit_log_events$/,
		hint: {
			fix: SERVICE_ACCOUNT_FIX,
			detail: `The audit log only answers a service account token of an Enterprise+ (or legacy Enterprise) domain. ${SERVICE_ACCOUNT_STEPS} Personal access tokens and OAuth apps cannot read the audit log.`,
		},
	},
	{
		path: /^\/workspaces\/\d+\/events$/,
		hint: {
			fix: SERVICE_ACCOUNT_FIX,
			detail: `Workspace events only answer a service account token of an Enterprise+ domain. ${SERVICE_ACCOUNT_STEPS} Personal access tokens and OAuth apps cannot read workspace events; to follow single tasks, projects or goals, watch those instead of the workspace.`,
		},
	},
	{
		path: /^\/events$/,
		hint: {
			fix: 'The token’s user must be able to see this task, project or goal: share it with them, or use a token of a user who can.',
			detail:
				'Resource events need a token whose user can see the task, project or goal: a member of its project, or a follower of the task. Share the object with the token’s user in Asana, or connect a credential of a user who can see it.',
		},
	},
];

/** What was asked: the path (without query) and the credential it was asked with. */
export interface AsanaRequest {
	path: string;
	authentication?: AuthenticationMethod;
}

export function hintForStatus(status: number, request: AsanaRequest = { path: '' }): ErrorHint {
	if (status === 401) return REFUSED_CREDENTIAL_HINTS[request.authentication ?? 'accessToken'];
	if (status === 403) {
		const access = ACCESS_HINTS.find((entry) => entry.path.test(request.path));
		if (access) return access.hint;
	}
	if (STATUS_HINTS[status]) return STATUS_HINTS[status];
	// 0: no answer at all, so there is no status to quote.
	if (status === 0) {
		return {
			fix: 'Check the network and the credential’s Base URL.',
			detail:
				'Asana could not be reached: the connection was reset, refused or timed out. The node retried with backoff before giving up; a trigger tries again at its next poll, an action node when it runs again.',
		};
	}
	if (status >= 500) {
		return {
			fix: 'Asana had a server problem; the node retried before giving up.',
			detail:
				'Asana had a server problem. The node retried with backoff before giving up; quote the phrase above to Asana support if it persists.',
		};
	}
	return { detail: `Asana answered with HTTP ${status}.` };
}

/** Reads Asana's error body defensively: it may be absent, text or malformed. */
export function readAsanaError(body: unknown): AsanaErrorDetail {
	if (body && typeof body === 'object') {
		const errors = (body as { errors?: unknown }).errors;
		if (Array.isArray(errors) && errors[0] && typeof errors[0] === 'object') {
			const { message, help, phrase } = errors[0] as Record<string, unknown>;
			return {
				message: typeof message === 'string' ? message : undefined,
				help: typeof help === 'string' ? help : undefined,
				phrase: typeof phrase === 'string' ? phrase : undefined,
			};
		}
	}
	return {};
}

/** One line ending in a full stop, so the fix reads as the next sentence. */
function asSentence(text: string): string {
	const line = text.replace(/\s+/g, ' ').trim();
	return /[.!?]$/.test(line) ? line : `${line}.`;
}

/**
 * Builds the error a user sees: the message says what failed and the short fix, the
 * description the long form. The error object is assembled from scratch, never from the
 * HTTP library's error, so no request header (and so no token) can reach it.
 */
export function asanaApiError(
	node: INode,
	status: number,
	detail: AsanaErrorDetail,
	context: AsanaRequest & { itemIndex?: number; subject?: string; hint?: ErrorHint },
): NodeApiError {
	const asanaMessage = detail.message ?? (status ? `HTTP ${status}` : 'no response');
	const hint = context.hint ?? hintForStatus(status, context);
	// Without Asana's words the status says it all: "Asana 401 on /events: <fix>".
	const said = detail.message ? asSentence(detail.message) : undefined;
	const parts = [hint.detail];
	if (detail.help) parts.push(`Asana: ${detail.help}`);
	if (detail.phrase) parts.push(`Error phrase: ${detail.phrase}`);
	const response: JsonObject = { status, path: context.path, message: asanaMessage };
	if (detail.help) response.help = detail.help;
	if (detail.phrase) response.phrase = detail.phrase;
	const what = `${context.subject ? `${context.subject}: ` : ''}Asana ${status || 'request'} on ${context.path}`;
	return new NodeApiError(node, response, {
		message: `${what}: ${hint.fix ? [said, hint.fix].filter(Boolean).join(' ') : asanaMessage}`,
		description: parts.join('\n'),
		httpCode: status ? String(status) : undefined,
		itemIndex: context.itemIndex,
	});
}

/** A message about one input item of an action node starts with "Item N: "; a trigger's has no item. */
export function forItem(message: string, itemIndex?: number): string {
	return itemIndex === undefined ? message : `Item ${itemIndex}: ${message}`;
}

/**
 * A parameter the node cannot use. The message names it and gives the fix: where activation
 * fails, n8n shows the message alone.
 */
export function invalidParameter(
	ctx: { getNode(): INode },
	message: string,
	fix: string,
	itemIndex?: number,
): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), forItem(`${message}. ${fix}`, itemIndex), {
		itemIndex,
	});
}
