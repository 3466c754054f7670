// Child processes in their own process groups, bounded waits, and clean-up on exit.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const running = new Set();

export function log(msg) {
	const t = new Date().toISOString().slice(11, 23);
	process.stderr.write(`[${t}] ${msg}\n`);
}

export function fmtMs(ms) {
	const s = ms / 1000;
	if (s < 60) return `${s.toFixed(1)}s`;
	return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `fn` until it returns a truthy value; throws `what` after `timeoutMs`, or at once an
 * error of `fn` marked `fatal` (waiting cannot help).
 */
export async function waitFor(what, fn, { timeoutMs = 30_000, intervalMs = 250 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let lastError;
	for (;;) {
		try {
			const value = await fn();
			if (value) return value;
		} catch (error) {
			if (error.fatal) throw error;
			lastError = error;
		}
		if (Date.now() > deadline) {
			throw new Error(
				`timed out after ${fmtMs(timeoutMs)} waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`,
			);
		}
		await sleep(intervalMs);
	}
}

/**
 * Starts a long-running process in its own process group. Output goes to `logFile` (and is
 * kept in memory for `output()`); `onLine` sees stdout lines.
 */
export function startProcess(
	name,
	cmd,
	args,
	{ cwd, env, logFile, onLine, inheritEnv = true } = {},
) {
	const child = spawn(cmd, args, {
		cwd,
		env: inheritEnv ? { ...process.env, ...env } : env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	const out = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
	let buffer = '';
	let text = '';
	let atLineStart = true;
	const record = (chunk) => {
		const s = chunk.toString();
		text += s;
		if (text.length > 4_000_000) text = text.slice(-2_000_000);
		if (out) {
			// The log file gets a time stamp on every line.
			const stamp = new Date().toISOString().slice(11, 23);
			let stamped = s.replace(/\n(?=.)/g, `\n${stamp} `);
			if (atLineStart) stamped = `${stamp} ${stamped}`;
			atLineStart = s.endsWith('\n');
			out.write(stamped);
		}
	};
	child.stdout.on('data', (chunk) => {
		record(chunk);
		if (onLine) {
			buffer += chunk.toString();
			let i;
			while ((i = buffer.indexOf('\n')) >= 0) {
				const line = buffer.slice(0, i);
				buffer = buffer.slice(i + 1);
				try {
					onLine(line);
				} catch {}
			}
		}
	});
	child.stderr.on('data', record);
	const exited = new Promise((resolve) => {
		child.on('exit', (code, signal) => resolve({ code, signal }));
		child.on('error', (error) => resolve({ code: -1, signal: null, error }));
	});
	const handle = {
		name,
		child,
		pid: child.pid,
		exited,
		done: false,
		output: () => text,
		/** SIGTERM to the group, SIGKILL after `graceMs`. */
		async stop(graceMs = 15_000) {
			if (handle.done) return exited;
			signalGroup(child.pid, 'SIGTERM');
			const result = await Promise.race([exited, sleep(graceMs).then(() => null)]);
			if (!result) {
				log(`${name}: did not stop within ${fmtMs(graceMs)}, killing`);
				signalGroup(child.pid, 'SIGKILL');
				await Promise.race([exited, sleep(5000)]);
			}
			return exited;
		},
		/** SIGKILL to the group at once: no shutdown handler runs, as in a crash or an OOM kill. */
		async kill() {
			if (!handle.done) signalGroup(child.pid, 'SIGKILL');
			return exited;
		},
	};
	exited.then(() => {
		handle.done = true;
		running.delete(handle);
		out?.end();
	});
	running.add(handle);
	return handle;
}

function signalGroup(pid, signal) {
	try {
		process.kill(-pid, signal);
	} catch {
		try {
			process.kill(pid, signal);
		} catch {}
	}
}

/** Runs a command to completion (bounded); resolves { code, stdout, stderr }. */
export function runCommand(cmd, args, { cwd, env, timeoutMs = 120_000, input } = {}) {
	return new Promise((resolve) => {
		const child = spawn(cmd, args, {
			cwd,
			env: { ...process.env, ...env },
			stdio: ['pipe', 'pipe', 'pipe'],
			detached: true,
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c) => (stdout += c));
		child.stderr.on('data', (c) => (stderr += c));
		if (input !== undefined) child.stdin.end(input);
		else child.stdin.end();
		const handle = {
			name: `${cmd} ${args[0] ?? ''}`,
			pid: child.pid,
			done: false,
			stop: async () => signalGroup(child.pid, 'SIGKILL'),
		};
		running.add(handle);
		const timer = setTimeout(() => {
			stderr += `\n[timed out after ${fmtMs(timeoutMs)}]`;
			signalGroup(child.pid, 'SIGKILL');
		}, timeoutMs);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			running.delete(handle);
			resolve({ code: code ?? (signal ? 128 : -1), signal, stdout, stderr });
		});
		child.on('error', (error) => {
			clearTimeout(timer);
			running.delete(handle);
			resolve({ code: -1, stdout, stderr: stderr + String(error) });
		});
	});
}

/** Stops every process started here (reverse order). */
export async function stopAll() {
	const list = [...running].reverse();
	await Promise.all(list.map((handle) => handle.stop(10_000).catch(() => {})));
}

let cleanupInstalled = false;
/** Ctrl-C, SIGTERM and crashes stop every child process group before exiting. */
export function installCleanup(extra = async () => {}) {
	if (cleanupInstalled) return;
	cleanupInstalled = true;
	let stopping = false;
	const finish = async (code) => {
		if (stopping) return;
		stopping = true;
		try {
			await Promise.race([
				(async () => {
					await extra();
					await stopAll();
				})(),
				sleep(30_000),
			]);
		} finally {
			process.exit(code);
		}
	};
	process.on('SIGINT', () => {
		log('interrupted, stopping everything …');
		void finish(130);
	});
	process.on('SIGTERM', () => void finish(143));
	process.on('uncaughtException', (error) => {
		log(`uncaught: ${error.stack ?? error}`);
		void finish(1);
	});
	// Last resort when the process exits without the handlers above.
	process.on('exit', () => {
		for (const handle of running) signalGroup(handle.pid, 'SIGKILL');
	});
	return finish;
}

/** Ports `freePort` gave out: each goes to one taker, who binds it later. */
const portsGivenOut = new Set();
/** Where the kernel picks ports for `listen(0)` and outgoing connections; `freePort` stays below it. */
const [EPHEMERAL_LOW] = fs
	.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
	.trim()
	.split(/\s+/)
	.map(Number);
const FIRST_PORT = 10_000;

/**
 * A port free now, for a server started later (n8n, PostgreSQL, Redis): never one given out
 * before in this process, and below the kernel's ephemeral range, so no socket of a service
 * starting meanwhile takes it first.
 */
export async function freePort() {
	for (;;) {
		const port = FIRST_PORT + Math.floor(Math.random() * (EPHEMERAL_LOW - FIRST_PORT));
		if (portsGivenOut.has(port) || !(await portIsFree(port))) continue;
		portsGivenOut.add(port);
		return port;
	}
}

export function portIsFree(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.unref();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}
