import './environment';

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';

/**
 * Every line n8n-core or a node logs through `this.logger` during a test, with its
 * metadata, so tests can scan what a user's log would contain.
 */
export const capturedLogs: string[] = [];

function record(level: string) {
	return (message: string, metadata?: unknown) => {
		capturedLogs.push(`${level} ${message}${metadata ? ` ${JSON.stringify(metadata)}` : ''}`);
	};
}

const captureLogger = {
	error: record('error'),
	warn: record('warn'),
	info: record('info'),
	debug: record('debug'),
	scoped() {
		return captureLogger;
	},
};

Container.set(Logger, captureLogger as unknown as Logger);
