import type { ILoadOptionsFunctions } from 'n8n-workflow';

import type { AuthenticationMethod } from '../asana/constants';
import { createTransport, type AsanaTransport } from '../asana/transport';

/** The editor's requests (lists, options): few retries, so a panel never hangs. */
export function transportFor(ctx: ILoadOptionsFunctions): AsanaTransport {
	const authentication = ctx.getNodeParameter(
		'authentication',
		'accessToken',
	) as AuthenticationMethod;
	return createTransport(ctx, {
		authentication,
		retry: { maxAttempts: 2, maxRateLimitAttempts: 2 },
	});
}
