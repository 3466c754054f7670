import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

// Imported before anything from n8n: n8n-core's InstanceSettings reads the user folder
// once and writes its settings file (encryption key) there; never let it touch $HOME.
process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'asana-events-n8n-'));

// n8n's HTTP layer honours HTTP(S)_PROXY / NO_PROXY: a proxy set on the machine must not
// swallow requests to the loopback servers the tests start.
const loopback = ['127.0.0.1', 'localhost', '[::1]'];
for (const name of ['NO_PROXY', 'no_proxy']) {
	const current = (process.env[name] ?? '').split(',').filter(Boolean);
	process.env[name] = [...new Set([...current, ...loopback])].join(',');
}
