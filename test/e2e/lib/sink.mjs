// A loopback HTTP endpoint that stands in for Slack webhooks, a SIEM and other receivers:
// it records every request (path, headers, parsed body) and answers 200 like Slack does.
// `GET /` shows what reached `/slack/<channel>` the way Slack shows it (`?channel=` picks one).
import http from 'node:http';

export async function startSink({ port = 0, onRequest } = {}) {
	const records = [];
	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://sink');
		if (req.method === 'GET' && url.pathname === '/') {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end(slackPage(records, url.searchParams.get('channel')));
			return;
		}
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

// ---- the Slack-style page ------------------------------------------------------------------

const EMOJI = {
	white_check_mark: '✅',
	leftwards_arrow_with_hook: '↩️',
	bust_in_silhouette: '👤',
	warning: '⚠️',
	rotating_light: '🚨',
	speech_balloon: '💬',
	calendar: '📅',
	heavy_plus_sign: '➕',
	wastebasket: '🗑️',
	file_folder: '📁',
	bar_chart: '📊',
};

const escapeHtml = (text) =>
	String(text).replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
	);

/** Slack's mrkdwn subset the examples use: `<url|label>`, *bold*, _italic_, `code`, :emoji:. */
function mrkdwn(text) {
	const inline = (part) =>
		escapeHtml(part)
			.replace(/`([^`]+)`/g, '<code>$1</code>')
			.replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
			.replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
			.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] ?? whole)
			.replace(/\n/g, '<br>');
	let html = '';
	let last = 0;
	for (const m of String(text).matchAll(/<([^|>\s]+)(?:\|([^>]*))?>/g)) {
		html += inline(String(text).slice(last, m.index));
		html += `<a href="${escapeHtml(m[1])}">${inline(m[2] ?? m[1])}</a>`;
		last = m.index + m[0].length;
	}
	return html + inline(String(text).slice(last));
}

/** Channels in the order they first got a message, each with its messages (oldest first). */
function slackChannels(records) {
	const channels = new Map();
	for (const r of records) {
		const channel = /^\/slack\/([^/?]+)/.exec(r.path)?.[1];
		if (!channel || r.method !== 'POST') continue;
		const text = typeof r.body === 'object' && r.body ? r.body.text : r.body;
		if (!channels.has(channel)) channels.set(channel, []);
		channels.get(channel).push({ at: r.at, text: String(text ?? '') });
	}
	return channels;
}

function slackPage(records, wanted) {
	const channels = slackChannels(records);
	const shown = wanted ?? channels.keys().next().value ?? 'projects';
	const messages = channels.get(shown) ?? [];
	const time = (at) => new Date(at).toISOString().slice(11, 16);
	const sidebar = [...new Set([shown, ...channels.keys()])]
		.map(
			(name) =>
				`<a class="channel${name === shown ? ' active' : ''}" href="?channel=${encodeURIComponent(name)}"># ${escapeHtml(name)}</a>`,
		)
		.join('');
	const list = messages.length
		? messages
				.map(
					(m) =>
						`<div class="message"><div class="avatar">${ASANA_DOTS}</div><div><div class="meta"><b>Asana Events</b><span class="app">APP</span><span class="time">${time(m.at)}</span></div><div class="text">${mrkdwn(m.text)}</div></div></div>`,
				)
				.join('')
		: '<p class="empty">No messages yet.</p>';
	return `<!doctype html><html><head><meta charset="utf-8"><title># ${escapeHtml(shown)}</title>
<meta http-equiv="refresh" content="5"><style>${SLACK_CSS}</style></head>
<body><nav><div class="workspace">Acme</div>${sidebar}</nav>
<main><header># ${escapeHtml(shown)}</header><section class="messages">${list}</section></main></body></html>`;
}

const ASANA_DOTS =
	'<svg viewBox="0 0 64 64" width="22" height="22"><circle cx="32" cy="17" r="12" fill="#fff"/><circle cx="15" cy="44" r="12" fill="#fff"/><circle cx="49" cy="44" r="12" fill="#fff"/></svg>';

const SLACK_CSS = `
body { margin: 0; display: flex; height: 100vh; font: 15px/1.46 Lato, 'DejaVu Sans', sans-serif; color: #1d1c1d; }
nav { width: 220px; background: #3f0e40; color: #cfc3cf; padding: 12px 0; flex: none; }
.workspace { color: #fff; font-weight: bold; font-size: 18px; padding: 0 16px 12px; border-bottom: 1px solid #5d2c5d; margin-bottom: 8px; }
.channel { display: block; padding: 4px 16px; color: inherit; text-decoration: none; }
.channel.active { background: #1164a3; color: #fff; }
main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
header { padding: 14px 20px; font-weight: bold; font-size: 18px; border-bottom: 1px solid #ddd; }
.messages { padding: 8px 0; overflow: auto; }
.message { display: flex; gap: 10px; padding: 8px 20px; }
.message:hover { background: #f8f8f8; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #f06a6a; display: flex; align-items: center; justify-content: center; flex: none; }
.meta { display: flex; align-items: baseline; gap: 6px; }
.app { font-size: 10px; font-weight: bold; color: #616061; background: #e8e8e8; border-radius: 2px; padding: 0 3px; }
.time { font-size: 12px; color: #616061; }
.text a { color: #1264a3; text-decoration: none; }
code { font: 12px 'DejaVu Sans Mono', monospace; color: #e01e5a; background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 1px 3px; }
.empty { color: #616061; padding: 0 20px; }
`;
