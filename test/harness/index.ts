/**
 * Runs this pack's nodes through n8n-core's own execution code (PollContext,
 * WorkflowExecute, RoutingNode, the HTTP helpers and OAuth2 refresh), with real HTTP to
 * local servers. Only n8n's server side is stood in for: credentials storage and the
 * database copy of static data.
 */
import './environment';

export { activateWorkflow } from './activation';
export { simulateDate } from './clock';
export { capturedLogs } from './logs';
export { countSecretOccurrences } from './leaks';
export { TestCredentialsHelper, type HarnessCredentials } from './credentials';
export { testCredential } from './credentialTest';
export { editorContext } from './editor';
export { InputItems, nodeTypesOf } from './nodeTypes';
export { PersistentStaticData, runPoll, type PollOutcome } from './poll';
export { runWorkflow } from './workflow';
