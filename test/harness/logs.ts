import './environment';

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { LoggerProxy } from 'n8n-workflow';

/**
 * Every line n8n-core or a node logs through `this.logger` during a test, with its
 * metadata, so tests can scan what a user's log would contain (for example for secrets).
 */
export const capturedLogs: string[] = [];

/** JSON of log metadata that survives what n8n puts there: errors, cycles, sockets. */
function serialize(metadata: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(metadata, function (_key, value: unknown) {
		if (typeof value === 'bigint') return value.toString();
		if (typeof value !== 'object' || value === null) return value;
		if (seen.has(value)) return '[circular]';
		seen.add(value);
		// Error fields (message, stack) are not enumerable: copy them so a scan sees them.
		if (value instanceof Error)
			return { ...value, name: value.name, message: value.message, stack: value.stack };
		return value;
	});
}

function record(level: string) {
	return (message: string, metadata?: unknown) => {
		capturedLogs.push(
			`${level} ${message}${metadata === undefined ? '' : ` ${serialize(metadata)}`}`,
		);
	};
}

const captureLogger = {
	error: record('error'),
	warn: record('warn'),
	info: record('info'),
	debug: record('debug'),
	scoped: () => captureLogger,
};

// n8n-core resolves its Logger from the container on every `this.logger` access; the
// execution engine logs through n8n-workflow's LoggerProxy, which n8n's Logger feeds.
Container.set(Logger, captureLogger as unknown as Logger);
LoggerProxy.init(captureLogger);
