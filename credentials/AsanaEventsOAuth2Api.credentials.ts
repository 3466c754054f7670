import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * Asana OAuth 2 app (authorization code with PKCE). The events endpoints carry no
 * granular scope, so the app needs Asana's full permission ("default" scope).
 * OAuth apps cannot read the audit log: that needs a service account token.
 */
export class AsanaEventsOAuth2Api implements ICredentialType {
	name = 'asanaEventsOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Asana Events OAuth2 API';

	icon: Icon = { light: 'file:../icons/asana.svg', dark: 'file:../icons/asana.dark.svg' };

	documentationUrl = 'https://developers.asana.com/docs/oauth';

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'pkce',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: 'https://app.asana.com/-/oauth_authorize',
			required: true,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: 'https://app.asana.com/-/oauth_token',
			required: true,
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: 'default',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'body',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'hidden',
			default: 'https://app.asana.com/api/1.0',
		},
	];

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/users/me',
		},
	};
}
