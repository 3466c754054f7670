// A real n8n (from scripts/n8n-runtime.mjs) in its own user folder: the community package
// installed the way n8n installs it, CLI commands, start/stop, and a REST client that logs
// in as the owner (set up through n8n's N8N_INSTANCE_OWNER_* variables).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { fmtMs, log, runCommand, sleep, startProcess, waitFor } from './procs.mjs';

export class N8n {
	/**
	 * @param {object} o
	 * @param {{ dir: string, nodeBin: string, n8nBin: string }} o.runtime
	 * @param {string} o.userFolder  N8N_USER_FOLDER (n8n keeps its data in `<userFolder>/.n8n`)
	 * @param {number} o.port
	 * @param {number} o.brokerPort  task broker port (n8n's default 5679 would clash between instances)
	 * @param {{ email: string, password: string }} o.owner
	 * @param {Record<string,string>} [o.env]
	 * @param {'start' | 'worker'} [o.command]  `worker`: a queue-mode worker (no editor, no REST)
	 */
	constructor({
		runtime,
		userFolder,
		port,
		brokerPort,
		owner,
		env = {},
		logLevel = 'info',
		command = 'start',
	}) {
		this.runtime = runtime;
		this.userFolder = userFolder;
		this.port = port;
		this.brokerPort = brokerPort;
		this.owner = owner;
		this.extraEnv = env;
		this.logLevel = logLevel;
		this.command = command;
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.logFile = path.join(userFolder, 'n8n.log');
		this.process = null;
		this.cookie = null;
		this.browserId = `asana-events-${randomBytes(6).toString('hex')}`;
		this.starts = 0;
		fs.mkdirSync(path.join(userFolder, '.n8n', 'nodes'), { recursive: true });
	}

	/** n8n's major version: 1.x lacks a few things the suites use on 2.x. */
	get major() {
		return Number(String(this.runtime.n8nVersion ?? '2').split('.')[0]);
	}

	get nodesDir() {
		return path.join(this.userFolder, '.n8n', 'nodes');
	}

	/** bcrypt hash of the owner password, with the runtime's own bcryptjs. */
	ownerPasswordHash() {
		if (!this._hash) {
			const require = createRequire(path.join(this.runtime.dir, 'package.json'));
			this._hash = require('bcryptjs').hashSync(this.owner.password, 10);
		}
		return this._hash;
	}

	env() {
		return {
			PATH: `${path.dirname(this.runtime.nodeBin)}${path.delimiter}${process.env.PATH}`,
			HOME: process.env.HOME,
			TMPDIR: process.env.TMPDIR ?? '/tmp',
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: 'localhost',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: `http://localhost:${this.port}`,
			WEBHOOK_URL: `http://localhost:${this.port}/`,
			N8N_SECURE_COOKIE: 'false',
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			// Fetches a registry from api.n8n.io at start: no internet here, and not needed (1.x
			// has no such module, and refuses to start when told to disable one it does not know).
			...(this.major >= 2 ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}),
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_RUNNERS_TASK_TIMEOUT: '300',
			N8N_LOG_LEVEL: this.logLevel,
			N8N_LOG_OUTPUT: 'console',
			GENERIC_TIMEZONE: 'UTC',
			TZ: 'UTC',
			N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
			N8N_INSTANCE_OWNER_EMAIL: this.owner.email,
			N8N_INSTANCE_OWNER_FIRST_NAME: this.owner.firstName ?? 'Demo',
			N8N_INSTANCE_OWNER_LAST_NAME: this.owner.lastName ?? 'Owner',
			N8N_INSTANCE_OWNER_PASSWORD_HASH: this.ownerPasswordHash(),
			...this.extraEnv,
		};
	}

	/**
	 * Installs a packed tarball the way the README says: a plain `npm install <tarball>` in
	 * `.n8n/nodes`. n8n-workflow, an optional peer dependency, must come from n8n, not npm.
	 */
	async installPackage(tarball) {
		const pkgFile = path.join(this.nodesDir, 'package.json');
		if (!fs.existsSync(pkgFile))
			fs.writeFileSync(
				pkgFile,
				JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
			);
		const result = await runCommand(
			'npm',
			['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', tarball],
			{ cwd: this.nodesDir, timeoutMs: 180_000, env: { npm_config_loglevel: 'error' } },
		);
		if (result.code !== 0)
			throw new Error(`npm install ${tarball} failed:\n${result.stdout}${result.stderr}`);
		return fs
			.readdirSync(path.join(this.nodesDir, 'node_modules'))
			.filter((name) => !name.startsWith('.'));
	}

	/** Runs an n8n CLI command (n8n must be stopped: the CLI shares the SQLite database). */
	async cli(args, { timeoutMs = 180_000, allowFailure = false, logLevel = 'warn' } = {}) {
		const started = Date.now();
		const result = await runCommand(this.runtime.nodeBin, [this.runtime.n8nBin, ...args], {
			cwd: this.userFolder,
			env: { ...this.env(), N8N_LOG_LEVEL: logLevel },
			timeoutMs,
		});
		result.ms = Date.now() - started;
		fs.appendFileSync(
			path.join(this.userFolder, 'cli.log'),
			`\n$ n8n ${args.join(' ')}  (exit ${result.code}, ${fmtMs(result.ms)})\n${result.stdout}\n${result.stderr}\n`,
		);
		if (result.code !== 0 && !allowFailure) {
			throw new Error(
				`n8n ${args.join(' ')} failed (exit ${result.code}):\n${(result.stdout + result.stderr).slice(-4000)}`,
			);
		}
		return result;
	}

	async start({ timeoutMs = 150_000 } = {}) {
		if (this.process && !this.process.done) throw new Error('n8n is already running');
		const started = Date.now();
		this.starts++;
		fs.appendFileSync(
			this.logFile,
			`\n===== n8n start #${this.starts} at ${new Date().toISOString()} =====\n`,
		);
		this.process = startProcess(
			`n8n ${this.command}`,
			this.runtime.nodeBin,
			[this.runtime.n8nBin, this.command],
			{
				cwd: this.userFolder,
				env: this.env(),
				inheritEnv: false,
				logFile: this.logFile,
			},
		);
		this.logOffset = this.process.output().length;
		const proc = this.process;
		const worker = this.command === 'worker';
		await waitFor(
			`n8n ${worker ? 'worker' : `on ${this.baseUrl}`} to be ready (log: ${this.logFile})`,
			async () => {
				if (proc.done)
					throw Object.assign(
						new Error(`n8n exited during start:\n${proc.output().slice(-3000)}`),
						{ fatal: true },
					);
				if (worker) return /n8n worker is now ready/.test(proc.output());
				const res = await fetch(`${this.baseUrl}/healthz/readiness`, {
					signal: AbortSignal.timeout(2000),
				});
				return res.ok && /Editor is now accessible/.test(proc.output());
			},
			{ timeoutMs, intervalMs: 500 },
		).catch((error) => {
			if (proc.done) throw new Error(`n8n exited during start:\n${proc.output().slice(-3000)}`);
			throw error;
		});
		this.cookie = null;
		if (!worker && this.major < 2) await this.setUpOwner();
		return Date.now() - started;
	}

	/** n8n 1.x has no N8N_INSTANCE_OWNER_* variables: the owner is set up as the editor's first page does. */
	async setUpOwner() {
		const res = await fetch(`${this.baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': this.browserId },
			body: JSON.stringify({
				email: this.owner.email,
				password: this.owner.password,
				firstName: this.owner.firstName ?? 'Demo',
				lastName: this.owner.lastName ?? 'Owner',
			}),
			signal: AbortSignal.timeout(15_000),
		});
		const text = await res.text();
		if (!res.ok && !/already setup/i.test(text))
			throw new Error(`owner setup failed: ${res.status} ${text}`);
	}

	/** Marks a workflow active in the database (n8n stopped, or at its next start). */
	publishWithCli(workflowId) {
		return this.cli(
			this.major >= 2
				? ['publish:workflow', `--id=${workflowId}`]
				: ['update:workflow', `--id=${workflowId}`, '--active=true'],
		);
	}

	/** SIGTERM (n8n shuts down gracefully), SIGKILL after the grace period. */
	async stop(graceMs = 30_000) {
		if (!this.process || this.process.done) return 0;
		const started = Date.now();
		await this.process.stop(graceMs);
		// The task runner and broker ports must be free before a CLI command or a restart.
		await sleep(300);
		return Date.now() - started;
	}

	/** SIGKILL, no grace: whatever n8n had in memory and not in its database is lost. */
	async kill() {
		if (!this.process || this.process.done) return;
		await this.process.kill();
		// The task runner and broker ports must be free before a CLI command or a restart.
		await sleep(300);
	}

	get running() {
		return !!this.process && !this.process.done;
	}

	/** Everything n8n printed since it was started (all starts: read the log file). */
	output() {
		return this.process ? this.process.output() : '';
	}

	fullLog() {
		return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
	}

	async login() {
		const res = await fetch(`${this.baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': this.browserId },
			body: JSON.stringify({ emailOrLdapLoginId: this.owner.email, password: this.owner.password }),
			signal: AbortSignal.timeout(15_000),
		});
		if (!res.ok)
			throw new Error(`login as ${this.owner.email} failed: ${res.status} ${await res.text()}`);
		const cookies = res.headers.getSetCookie?.() ?? [res.headers.get('set-cookie')];
		const auth = cookies.map((c) => String(c).split(';')[0]).find((c) => c.startsWith('n8n-auth='));
		if (!auth) throw new Error('login answered without an n8n-auth cookie');
		this.cookie = auth;
		return (await res.json()).data;
	}

	/** REST call as the owner; returns { status, body } (`data` unwrapped when present). */
	async rest(method, urlPath, body, { timeoutMs = 60_000 } = {}) {
		if (!this.cookie) await this.login();
		const res = await fetch(`${this.baseUrl}${urlPath}`, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': this.browserId,
				cookie: this.cookie,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await res.text();
		let parsed = text;
		try {
			parsed = JSON.parse(text);
		} catch {}
		const data = parsed && typeof parsed === 'object' && 'data' in parsed ? parsed.data : parsed;
		return { status: res.status, ok: res.ok, body: data, raw: parsed };
	}

	/** Publishes (activates) a workflow's current version, as the editor's "Publish" does. */
	async activate(workflowId) {
		const wf = await this.restOk('GET', `/rest/workflows/${workflowId}`);
		return this.rest('POST', `/rest/workflows/${workflowId}/activate`, { versionId: wf.versionId });
	}

	/**
	 * Changes one node's parameters and publishes the workflow again, as the editor does
	 * (the parameter changed, then "Publish"); resolves the answer to the publish.
	 */
	async changeNodeParameters(workflowId, nodeName, change) {
		const wf = await this.restOk('GET', `/rest/workflows/${workflowId}`);
		const nodes = wf.nodes.map((node) =>
			node.name === nodeName ? { ...node, parameters: change(node.parameters) } : node,
		);
		await this.restOk('PATCH', `/rest/workflows/${workflowId}`, {
			versionId: wf.versionId,
			name: wf.name,
			nodes,
			connections: wf.connections,
		});
		return this.activate(workflowId);
	}

	/** Runs a workflow as the editor does; n8n 1.x wants the workflow itself in the body. */
	async runManually(workflowId, body) {
		const workflowData =
			this.major < 2 ? await this.restOk('GET', `/rest/workflows/${workflowId}`) : undefined;
		return this.restOk('POST', `/rest/workflows/${workflowId}/run`, { workflowData, ...body });
	}

	async deactivate(workflowId) {
		return this.restOk('POST', `/rest/workflows/${workflowId}/deactivate`, {});
	}

	/** The activation error n8n keeps for a workflow (the editor shows it), or null. */
	async activationError(workflowId) {
		return this.restOk('GET', `/rest/active-workflows/error/${workflowId}`);
	}

	async restOk(method, urlPath, body, options) {
		const res = await this.rest(method, urlPath, body, options);
		if (!res.ok)
			throw new Error(
				`${method} ${urlPath} → ${res.status}: ${JSON.stringify(res.raw).slice(0, 2000)}`,
			);
		return res.body;
	}
}

/**
 * Executions are stored "flatted" (objects and strings deduplicated into one array). The
 * runtime ships the `flatted` package; use it to decode.
 */
export function flattedParser(runtime) {
	const require = createRequire(path.join(runtime.dir, 'package.json'));
	return require('flatted').parse;
}

export function randomPassword() {
	// n8n wants 8-64 characters with a digit and an uppercase letter.
	return `Asana-${randomBytes(6).toString('base64url')}-9`;
}

export function describeExit(proc) {
	return proc?.done ? 'exited' : 'running';
}

export { log };
