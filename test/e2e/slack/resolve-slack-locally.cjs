// Test only, loaded into n8n with NODE_OPTIONS=--require: TLS connections to slack.com go to
// the local Slack stand-in (test/e2e/lib/slackStandIn.mjs) instead. The name and certificate
// check stay as they are: the stand-in's certificate is for slack.com, trusted through
// NODE_EXTRA_CA_CERTS; nothing else n8n connects to changes.
const tls = require('node:tls');

const port = Number(process.env.E2E_SLACK_STAND_IN_PORT);
const connect = tls.connect;

tls.connect = function connectSlackLocally(...args) {
	const options = args.find((arg) => arg && typeof arg === 'object');
	const host = options?.host ?? (typeof args[1] === 'string' ? args[1] : undefined);
	if (port && host === 'slack.com' && options) {
		const local = { ...options, host: '127.0.0.1', port, servername: 'slack.com' };
		return connect.call(this, local, ...args.filter((arg) => typeof arg === 'function'));
	}
	return connect.apply(this, args);
};
