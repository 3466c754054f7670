// A loopback HTTP endpoint that stands in for Slack webhooks, a SIEM and other receivers:
// it records every request (path, headers, parsed body) and answers 200 like Slack does.
import http from 'node:http';

export async function startSink({ port = 0, onRequest } = {}) {
	const records = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body = text;
			try {
				body = JSON.parse(text);
			} catch {}
			const record = {
				at: Date.now(),
				method: req.method,
				path: req.url,
				headers: req.headers,
				body,
			};
			records.push(record);
			try {
				onRequest?.(record);
			} catch {}
			if (req.url?.startsWith('/slack')) {
				res.writeHead(200, { 'content-type': 'text/plain' });
				res.end('ok');
			} else {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ received: true }));
			}
		});
	});
	server.keepAliveTimeout = 1000;
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const url = `http://127.0.0.1:${server.address().port}`;
	return {
		url,
		records,
		/** Bodies received on `path` (exact path, query ignored). */
		bodies(path) {
			return records.filter((r) => r.path.split('?')[0] === path).map((r) => r.body);
		},
		count(path) {
			return this.bodies(path).length;
		},
		close() {
			server.closeAllConnections?.();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}
