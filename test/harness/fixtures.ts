import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INodeCredentialDescription,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

/*
 * Test-only node types that prove the harness: they send one request through
 * `httpRequestWithAuthentication`, the way the pack's nodes do, and show what came back.
 */

const credentials: INodeCredentialDescription[] = [
	{
		name: 'asanaEventsApi',
		required: true,
		displayOptions: { show: { authentication: ['accessToken'] } },
	},
	{
		name: 'asanaEventsOAuth2Api',
		required: true,
		displayOptions: { show: { authentication: ['oAuth2'] } },
	},
];

const requestProperties: INodeProperties[] = [
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [
			{ name: 'Access Token', value: 'accessToken' },
			{ name: 'OAuth2', value: 'oAuth2' },
		],
		default: 'accessToken',
	},
	{ displayName: 'Path', name: 'path', type: 'string', default: '/users/me' },
	{ displayName: 'Query', name: 'query', type: 'json', default: '{}' },
	{
		displayName: 'Return Full Response',
		name: 'returnFullResponse',
		type: 'boolean',
		default: false,
	},
	{
		displayName: 'Ignore HTTP Status Errors',
		name: 'ignoreHttpStatusErrors',
		type: 'boolean',
		default: false,
	},
	{ displayName: 'Timeout (Ms)', name: 'timeout', type: 'number', default: 0 },
];

type RequestContext = IExecuteFunctions | IPollFunctions;

async function sendProbe(context: RequestContext, itemIndex: number): Promise<IDataObject> {
	const param = (name: string) => context.getNodeParameter(name, itemIndex);
	const credentialType =
		param('authentication') === 'oAuth2' ? 'asanaEventsOAuth2Api' : 'asanaEventsApi';
	const { baseUrl } = await context.getCredentials<{ baseUrl: string }>(credentialType);
	const query = param('query');
	const timeout = param('timeout') as number;
	const options: IHttpRequestOptions = {
		method: 'GET',
		url: `${baseUrl}${param('path') as string}`,
		qs: (typeof query === 'string' ? JSON.parse(query) : query) as IDataObject,
		json: true,
		returnFullResponse: param('returnFullResponse') as boolean,
		ignoreHttpStatusErrors: param('ignoreHttpStatusErrors') as boolean,
		...(timeout > 0 ? { timeout } : {}),
	};
	return (await context.helpers.httpRequestWithAuthentication.call(
		context,
		credentialType,
		options,
	)) as IDataObject;
}

/** Polls `Path` once per poll; counts polls in its static data; emits the reply unless told not to. */
export class ProbeTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Probe Trigger',
		name: 'harnessProbeTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Sends one authenticated request per poll',
		defaults: { name: 'Probe Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials,
		properties: [
			...requestProperties,
			{ displayName: 'Emit', name: 'emit', type: 'boolean', default: true },
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const state = this.getWorkflowStaticData('node');
		state.polls = ((state.polls as number | undefined) ?? 0) + 1;
		this.logger.info('Probe trigger polled', {
			polls: state.polls,
			mode: this.getMode(),
			activation: this.getActivationMode(),
		});
		const reply = await sendProbe(this, 0);
		if (!(this.getNodeParameter('emit') as boolean)) return null;
		return [[{ json: { polls: state.polls as number, reply } }]];
	}
}

/** Sends one request per input item; honours "On Error: Continue" with an error item. */
export class Probe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Probe',
		name: 'harnessProbe',
		group: ['transform'],
		version: 1,
		description: 'Sends one authenticated request per item',
		defaults: { name: 'Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials,
		properties: requestProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const output: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < this.getInputData().length; itemIndex++) {
			try {
				output.push({
					json: { reply: await sendProbe(this, itemIndex) },
					pairedItem: { item: itemIndex },
				});
			} catch (error) {
				if (!this.continueOnFail()) throw error;
				output.push({ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } });
			}
		}
		return [output];
	}
}
