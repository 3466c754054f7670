import './logs';

import { Credentials } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	UnexpectedError,
	isExpression,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IExecuteData,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentials,
	type INodeCredentialsDetails,
	type INodeParameters,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type IWorkflowExecuteAdditionalData,
	type Workflow,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { AsanaEventsApi } from '../../credentials/AsanaEventsApi.credentials';
import { AsanaEventsOAuth2Api } from '../../credentials/AsanaEventsOAuth2Api.credentials';

/**
 * Credential data per credential type name: what n8n's database holds. The helper writes
 * refreshed OAuth2 tokens back into this object, so passing the same object to several
 * runs behaves like one stored credential.
 */
export interface HarnessCredentials {
	[credentialTypeName: string]: ICredentialDataDecryptedObject;
}

/**
 * Stand-in for n8n-nodes-base's `oAuth2Api` (not installed here): the fields a child type
 * inherits, with n8n's defaults. Without them n8n's default handling would drop the
 * client id and secret, which the child type does not declare.
 */
const oAuth2Api: ICredentialType = {
	name: 'oAuth2Api',
	displayName: 'OAuth2 API',
	genericAuth: true,
	properties: [
		{ displayName: 'Grant Type', name: 'grantType', type: 'string', default: 'authorizationCode' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'string', default: '' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'string', default: '' },
		{ displayName: 'Client ID', name: 'clientId', type: 'string', default: '' },
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{ displayName: 'Scope', name: 'scope', type: 'string', default: '' },
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'string',
			default: '',
		},
		{ displayName: 'Authentication', name: 'authentication', type: 'string', default: 'header' },
	],
};

export const credentialTypes: Readonly<Record<string, ICredentialType>> = Object.fromEntries(
	[oAuth2Api, new AsanaEventsApi(), new AsanaEventsOAuth2Api()].map((type) => [type.name, type]),
);

function credentialType(name: string): ICredentialType {
	const type = credentialTypes[name];
	if (!type) throw new UnexpectedError(`The harness knows no credential type "${name}"`);
	return type;
}

/** The id/name a node refers to its credential by; one stored credential per type. */
export function credentialDetails(type: string): { id: string; name: string } {
	return { id: `cred-${type}`, name: `Test ${type}` };
}

export function nodeCredentials(credentials: HarnessCredentials): INodeCredentials {
	return Object.fromEntries(
		Object.keys(credentials).map((type) => [type, credentialDetails(type)]),
	);
}

/**
 * n8n's credential service, minus the database and encryption at rest: the data comes from
 * the test, everything else (defaults, the type's own `authenticate`, token storage)
 * follows n8n's CredentialsHelper as n8n-core 2.30 calls it.
 */
export class TestCredentialsHelper extends ICredentialsHelper {
	/** Every OAuth2 token data n8n-core stored after fetching or refreshing a token, oldest first. */
	readonly tokenUpdates: Array<{ type: string; oauthTokenData: IDataObject }> = [];

	constructor(readonly stored: HarnessCredentials) {
		super();
	}

	getParentTypes(name: string): string[] {
		const parents = credentialTypes[name]?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(type: string, nodeType: string): boolean {
		const definition = credentialTypes[type];
		return (
			!definition?.restrictToSupportedNodes || (definition.supportedNodes ?? []).includes(nodeType)
		);
	}

	/** Applies the credential type's own `authenticate`, resolving `={{$credentials.x}}` with n8n's expression engine. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = credentialType(typeName);
		if (typeof authenticate === 'function')
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		if (authenticate?.type !== 'generic') return requestOptions as IHttpRequestOptions;
		// Like n8n: the incoming options object is changed in place, keys and values may be expressions.
		const target = requestOptions as unknown as Record<string, Record<string, unknown> | undefined>;
		target.headers ??= {};
		const resolve = (value: unknown) => {
			if (typeof value !== 'string' || !isExpression(value)) return value;
			const resolved = workflow.expression.getSimpleParameterValue(
				node,
				value,
				'internal',
				{ $credentials: credentials },
				undefined,
				'',
			);
			return resolved ? String(resolved) : '';
		};
		for (const [section, entries] of Object.entries(authenticate.properties)) {
			const destination = (target[section] ??= {});
			for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
				destination[String(resolve(key))] = resolve(value);
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	/** n8n's rule: call the type's `preAuthentication` when its expirable field is empty or expired, and store the result. */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = credentialType(typeName);
		const expirable = type.properties.find(
			(p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
		);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;
		const output = (await type.preAuthentication.call(
			helpers,
			credentials,
		)) as ICredentialDataDecryptedObject;
		if (output[expirable.name] === undefined || !node.credentials?.[typeName]) return undefined;
		await this.updateCredentials(node.credentials[typeName], typeName, {
			...this.stored[typeName],
			...output,
		});
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const { preAuthentication } = credentialType(typeName);
		if (typeof preAuthentication !== 'function') return undefined;
		return (await preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject;
	}

	async getCredentials(details: INodeCredentialsDetails, type: string): Promise<Credentials> {
		const credentials = new Credentials({ id: details.id, name: details.name }, type);
		await credentials.setData(this.storedData(type));
		return credentials;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_details: INodeCredentialsDetails,
		type: string,
		_mode: WorkflowExecuteMode,
		_executeData?: IExecuteData,
		raw?: boolean,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.storedData(type);
		return raw === true ? data : this.applyDefaults(type, data);
	}

	/**
	 * What n8n hands a node: the type's properties (its parents' included) with their
	 * defaults; fields the type does not declare are dropped, OAuth token data is kept.
	 */
	applyDefaults(
		type: string,
		data: ICredentialDataDecryptedObject,
	): ICredentialDataDecryptedObject {
		const withDefaults = NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			data as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
		if (data.oauthTokenData !== undefined) withDefaults.oauthTokenData = data.oauthTokenData;
		return withDefaults;
	}

	async updateCredentials(
		_details: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.stored[type] = structuredClone(data);
	}

	async updateCredentialsOauthTokenData(
		_details: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const oauthTokenData = structuredClone(data.oauthTokenData as IDataObject);
		this.stored[type] = { ...this.storedData(type), oauthTokenData };
		this.tokenUpdates.push({ type, oauthTokenData });
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const definition = credentialType(type);
		if (!definition.extends) return definition.properties;
		const combined: INodeProperties[] = [];
		for (const parent of definition.extends)
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		// The child's own properties win over the parents'.
		NodeHelpers.mergeNodeProperties(combined, definition.properties);
		return combined;
	}

	private storedData(type: string): ICredentialDataDecryptedObject {
		const data = this.stored[type];
		if (!data) throw new UnexpectedError(`The test stored no credential of type "${type}"`);
		return structuredClone(data);
	}
}
