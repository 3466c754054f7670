import { Container } from '@n8n/di';
import { ExternalSecretsProxy } from 'n8n-core';
import { UnexpectedError, type IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import type { TestCredentialsHelper } from './credentials';

function unsupported(what: string) {
	return async (): Promise<never> => {
		throw new UnexpectedError(`${what} is not available in the test harness`);
	};
}

/**
 * What n8n's server hands the execution engine. `ssrfBridge` stays unset, as in n8n's
 * default configuration (N8N_SSRF_PROTECTION_ENABLED=false): with it set, n8n-core would
 * refuse 127.0.0.0/8 unless N8N_SSRF_ALLOWED_IP_RANGES lists it.
 */
export function additionalDataFor(
	credentialsHelper: TestCredentialsHelper,
	executionId?: string,
): IWorkflowExecuteAdditionalData {
	const base = 'http://127.0.0.1:5678';
	return {
		credentialsHelper,
		executionId,
		// No secrets manager: `$secrets` finds no providers, as on an instance without external secrets.
		externalSecretsProxy: Container.get(ExternalSecretsProxy),
		executeWorkflow: unsupported('Running sub-workflows'),
		getRunExecutionData: unsupported('Reading other executions'),
		getRuntimeCredential: unsupported('Runtime credentials'),
		startRunnerTask: unsupported('The task runner (Code node)'),
		currentNodeExecutionIndex: 0,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		variables: {},
		logAiEvent: () => {},
	};
}
