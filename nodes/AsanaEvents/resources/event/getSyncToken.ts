import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { AuthenticationMethod } from '../../../shared/asana/constants';
import { startStream } from '../../../shared/events/eventStream';
import { createTransport } from '../../../shared/asana/transport';
import { encodeSyncToken } from './getEvents';
import { readStreamTarget, streamSubject } from './streamTarget';

/** Starts listening now: Asana answers a request without token with a token that marks "now". */
export async function getSyncToken(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<IDataObject[]> {
	const target = readStreamTarget(ctx, itemIndex);
	const authentication = ctx.getNodeParameter(
		'authentication',
		itemIndex,
		'accessToken',
	) as AuthenticationMethod;
	const transport = createTransport(ctx, { authentication, itemIndex });
	const sync = await startStream(transport, target, { subject: streamSubject(target, itemIndex) });
	return [{ sync: sync === undefined ? null : encodeSyncToken({ sync }) }];
}
