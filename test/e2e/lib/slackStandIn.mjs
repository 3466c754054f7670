// A local stand-in for Slack's Web API, so that n8n's own Slack node can be used as a user uses
// it: an HTTPS server with a certificate for slack.com made here with openssl, which n8n trusts
// through NODE_EXTRA_CA_CERTS, and a --require hook in n8n (../slack/resolve-slack-locally.cjs)
// that sends its connections to slack.com here. It records what chat.postMessage receives.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

import { REPO_ROOT } from './pack.mjs';
import { runCommand } from './procs.mjs';

const HOOK = path.join(REPO_ROOT, 'test', 'e2e', 'slack', 'resolve-slack-locally.cjs');

export async function startSlackStandIn(dir) {
	fs.mkdirSync(dir, { recursive: true });
	const key = path.join(dir, 'slack.com.key');
	const cert = path.join(dir, 'slack.com.crt');
	const made = await runCommand('openssl', [
		'req',
		'-x509',
		'-newkey',
		'rsa:2048',
		'-nodes',
		'-keyout',
		key,
		'-out',
		cert,
		'-days',
		'2',
		'-subj',
		'/CN=slack.com',
		'-addext',
		'subjectAltName=DNS:slack.com',
		'-addext',
		'basicConstraints=critical,CA:TRUE',
	]);
	if (made.code !== 0) throw new Error(`openssl failed:\n${made.stdout}${made.stderr}`);
	/** chat.postMessage calls: { authorization, body }. */
	const messages = [];
	const server = https.createServer(
		{ key: fs.readFileSync(key), cert: fs.readFileSync(cert) },
		(req, res) => {
			let raw = '';
			req.on('data', (chunk) => (raw += chunk));
			req.on('end', () => {
				let body = {};
				try {
					body = JSON.parse(raw);
				} catch {}
				const answer = (status, json) => {
					res.writeHead(status, { 'content-type': 'application/json' });
					res.end(JSON.stringify(json));
				};
				if (req.method === 'POST' && req.url?.split('?')[0] === '/api/chat.postMessage') {
					messages.push({ authorization: req.headers.authorization, body });
					const ts = `${Math.floor(Date.now() / 1000)}.${String(messages.length).padStart(6, '0')}`;
					return answer(200, {
						ok: true,
						channel: body.channel,
						ts,
						message: { type: 'message', text: body.text, ts },
					});
				}
				answer(200, { ok: false, error: 'unknown_method' });
			});
		},
	);
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	return {
		port,
		messages,
		/** What n8n's process needs to reach the stand-in as slack.com. */
		n8nEnv: {
			NODE_OPTIONS: `--require ${HOOK}`,
			NODE_EXTRA_CA_CERTS: cert,
			E2E_SLACK_STAND_IN_PORT: String(port),
		},
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}
