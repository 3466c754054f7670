import './environment';

import {
	ICredentialsHelper,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type IWorkflowExecuteAdditionalData,
	type Workflow,
} from 'n8n-workflow';

import { AsanaEventsApi } from '../../credentials/AsanaEventsApi.credentials';
import { AsanaEventsOAuth2Api } from '../../credentials/AsanaEventsOAuth2Api.credentials';

/** Credential data per credential type name, as a user would have entered it. */
export type HarnessCredentials = Record<string, ICredentialDataDecryptedObject>;

export const credentialTypes: Record<string, ICredentialType> = Object.fromEntries(
	[new AsanaEventsApi(), new AsanaEventsOAuth2Api()].map((type) => [type.name, type]),
);

function defaultsOf(type: ICredentialType): ICredentialDataDecryptedObject {
	return Object.fromEntries(type.properties.map((p) => [p.name, p.default])) as ICredentialDataDecryptedObject;
}

/** Resolves `={{$credentials.name}}` the way n8n's expressions do for these simple templates. */
function resolveCredentialExpression(value: unknown, credentials: ICredentialDataDecryptedObject): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	return value
		.slice(1)
		.replace(/\{\{\s*\$credentials\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, name: string) => String(credentials[name] ?? ''));
}

/**
 * The part of n8n's credential service a node execution touches: decrypting (here: the
 * data given), applying the credential type's own `authenticate`, and storing refreshed
 * OAuth2 tokens.
 */
export class TestCredentialsHelper extends ICredentialsHelper {
	/** OAuth2 token data n8n stored after refreshing, per credential type. */
	readonly storedTokenData: Record<string, IDataObject> = {};

	constructor(private readonly data: HarnessCredentials) {
		super();
	}

	getParentTypes(name: string): string[] {
		return credentialTypes[name]?.extends ?? [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
	): Promise<IHttpRequestOptions> {
		const authenticate = credentialTypes[typeName]?.authenticate;
		const options = { ...requestOptions } as IHttpRequestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, options);
		if (!authenticate || authenticate.type !== 'generic') return options;
		const { headers, qs, body } = authenticate.properties;
		for (const [target, values] of [
			['headers', headers],
			['qs', qs],
			['body', body],
		] as const) {
			if (!values) continue;
			const resolved: IDataObject = Object.fromEntries(
				Object.entries(values).map(([key, value]) => [key, resolveCredentialExpression(value, credentials)]),
			) as IDataObject;
			(options as unknown as Record<string, IDataObject>)[target] = {
				...((options as unknown as Record<string, IDataObject>)[target] ?? {}),
				...resolved,
			};
		}
		return options;
	}

	async preAuthentication(
		_helpers: IHttpRequestHelper,
		_credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		_node: INode,
		_expired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(_details: INodeCredentialsDetails, _type: string): Promise<ICredentials> {
		throw new Error('not used by node executions');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_details: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const given = this.data[type];
		if (!given) throw new Error(`The test gave no credentials of type ${type}`);
		const credentialType = credentialTypes[type];
		return {
			...(credentialType ? defaultsOf(credentialType) : {}),
			...structuredClone(given),
			...(this.storedTokenData[type] ? { oauthTokenData: this.storedTokenData[type] } : {}),
		};
	}

	async updateCredentials(_details: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		this.data[type] = data;
	}

	async updateCredentialsOauthTokenData(
		_details: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.storedTokenData[type] = data.oauthTokenData as IDataObject;
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return credentialTypes[type]?.properties ?? [];
	}
}

export function nodeCredentials(credentials: HarnessCredentials): Record<string, { id: string; name: string }> {
	return Object.fromEntries(Object.keys(credentials).map((type) => [type, { id: `cred-${type}`, name: type }]));
}

export type { Workflow };
