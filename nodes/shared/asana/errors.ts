import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

/** What Asana puts in an error body: `{ errors: [{ message, help, phrase }] }`. */
export interface AsanaErrorDetail {
	message?: string;
	help?: string;
	phrase?: string;
}

/** What to do about a status, in the user's words. */
const STATUS_HINTS: Record<number, string> = {
	400: 'Asana rejected a parameter. Check the ids, dates and filters set on this node.',
	401: 'The Asana token is missing, wrong, revoked or expired. Open the credential and paste a valid personal access token or service account token, or reconnect the OAuth2 credential.',
	402: 'This feature needs a paid Asana plan for the workspace.',
	403: 'The token has no access to this object. The audit log and workspace events need a service account token of an Enterprise+ domain (Asana Admin console → Apps → Service accounts); resource events need a token whose user can see the task, project or goal.',
	404: 'Asana does not know this object id, or the token cannot see it. Check the id or URL, and that it belongs to the workspace of the token.',
	429: 'Asana rate limit reached. The node waited as long as it could within this run; the next run continues where this one stopped.',
	451: 'Asana refuses requests from this region (HTTP 451).',
};

export function hintForStatus(status: number): string {
	if (STATUS_HINTS[status]) return STATUS_HINTS[status];
	// 0: no answer at all, so there is no status to quote.
	if (status === 0) {
		return 'Asana could not be reached: the connection was reset, refused or timed out. The node retried with backoff before giving up; a trigger tries again at its next poll, an action node when it runs again.';
	}
	if (status >= 500) {
		return 'Asana had a server problem. The node retried with backoff before giving up; quote the phrase above to Asana support if it persists.';
	}
	return `Asana answered with HTTP ${status}.`;
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

/**
 * Builds the error a user sees. The error object is assembled from scratch, never from
 * the HTTP library's error, so no request header (and so no token) can reach it.
 */
export function asanaApiError(
	node: INode,
	status: number,
	detail: AsanaErrorDetail,
	context: { path: string; itemIndex?: number; subject?: string; extraHint?: string },
): NodeApiError {
	const asanaMessage = detail.message ?? (status ? `HTTP ${status}` : 'no response');
	const parts = [context.extraHint ?? hintForStatus(status)];
	if (detail.help) parts.push(`Asana: ${detail.help}`);
	if (detail.phrase) parts.push(`Error phrase: ${detail.phrase}`);
	const response: JsonObject = { status, path: context.path, message: asanaMessage };
	if (detail.help) response.help = detail.help;
	if (detail.phrase) response.phrase = detail.phrase;
	return new NodeApiError(node, response, {
		message: `${context.subject ? `${context.subject}: ` : ''}Asana ${status || 'request'} on ${context.path}: ${asanaMessage}`,
		description: parts.join('\n'),
		httpCode: status ? String(status) : undefined,
		itemIndex: context.itemIndex,
	});
}
