import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Personal access token or service account token, sent as a Bearer header.
 * The audit log and workspace events only answer service account tokens.
 */
export class AsanaEventsApi implements ICredentialType {
	name = 'asanaEventsApi';

	displayName = 'Asana Events API';

	icon: Icon = { light: 'file:../icons/asana.svg', dark: 'file:../icons/asana.dark.svg' };

	documentationUrl = 'https://developers.asana.com/docs/personal-access-token';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A personal access token (Asana: My settings → Apps → Developer apps → Create new token) or a service account token. The audit log and workspace events need a service account token of an Enterprise+ domain: Admin console → Apps → Service accounts → Add service account.',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'hidden',
			default: 'https://app.asana.com/api/1.0',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/users/me',
		},
	};
}
