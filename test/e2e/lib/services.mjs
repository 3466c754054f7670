// PostgreSQL and Redis for n8n's queue mode: installed once by scripts/queue-services.sh,
// each started here on a free loopback port with its data in a temporary folder.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from './pack.mjs';
import { freePort, runCommand, startProcess, waitFor } from './procs.mjs';

/** Installs PostgreSQL and Redis when missing; resolves the milliseconds it took. */
export async function installQueueServices() {
	const started = Date.now();
	const result = await runCommand('bash', [path.join(REPO_ROOT, 'scripts', 'queue-services.sh')], {
		timeoutMs: 15 * 60_000,
	});
	if (result.code !== 0)
		throw new Error(`scripts/queue-services.sh failed:\n${result.stdout}${result.stderr}`);
	return { ms: Date.now() - started, said: result.stdout.trim() };
}

function postgresBinDir() {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs
				.readdirSync(root)
				.filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions.length) return path.join(root, versions[0], 'bin');
	const found = process.env.PATH.split(path.delimiter).find((dir) =>
		fs.existsSync(path.join(dir, 'initdb')),
	);
	if (!found) throw new Error('no PostgreSQL found: run scripts/queue-services.sh');
	return found;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
function asPostgresUser(cmd, args) {
	if (process.getuid?.() !== 0) return [cmd, args];
	return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]];
}

/**
 * A fresh cluster in `<dir>/postgres` with a password user `n8n` and database `n8n`, listening
 * on 127.0.0.1 only.
 */
export async function startPostgres(dir, { logFile } = {}) {
	const bin = postgresBinDir();
	const dataDir = path.join(dir, 'postgres');
	fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	const password = randomBytes(12).toString('hex');
	const pwFile = path.join(dir, 'postgres-password');
	fs.writeFileSync(pwFile, password);
	if (process.getuid?.() === 0) {
		// The postgres user must reach its folders.
		for (let d = dir; d !== path.dirname(d) && d.startsWith(os.tmpdir()); d = path.dirname(d))
			fs.chmodSync(d, 0o755);
		fs.chownSync(dataDir, ...postgresIds());
		fs.chownSync(pwFile, ...postgresIds());
	}
	const init = await runCommand(
		...asPostgresUser(path.join(bin, 'initdb'), [
			'-D',
			dataDir,
			'-U',
			'n8n',
			`--pwfile=${pwFile}`,
			'--auth-host=scram-sha-256',
			'--auth-local=trust',
			'-E',
			'UTF8',
			'--no-instructions',
		]),
		{ timeoutMs: 120_000 },
	);
	if (init.code !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);
	const port = await freePort();
	const proc = startProcess(
		'postgres',
		...asPostgresUser(path.join(bin, 'postgres'), [
			'-D',
			dataDir,
			'-p',
			String(port),
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			`unix_socket_directories=${dataDir}`,
			'-c',
			'fsync=off',
		]),
		{ logFile },
	);
	await waitFor(
		`PostgreSQL on 127.0.0.1:${port}`,
		async () => {
			if (proc.done) throw Object.assign(new Error(`postgres exited:\n${proc.output()}`));
			const ready = await runCommand(path.join(bin, 'pg_isready'), [
				'-h',
				'127.0.0.1',
				'-p',
				String(port),
			]);
			return ready.code === 0;
		},
		{ timeoutMs: 60_000, intervalMs: 300 },
	);
	const created = await runCommand(
		path.join(bin, 'createdb'),
		['-h', '127.0.0.1', '-p', String(port), '-U', 'n8n', 'n8n'],
		{ env: { PGPASSWORD: password } },
	);
	if (created.code !== 0) throw new Error(`createdb failed:\n${created.stdout}${created.stderr}`);
	const version = (await runCommand(path.join(bin, 'postgres'), ['--version'])).stdout.trim();
	return {
		process: proc,
		port,
		version,
		/** What every n8n process of the queue needs to reach the database. */
		env: {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: 'n8n',
			DB_POSTGRESDB_USER: 'n8n',
			DB_POSTGRESDB_PASSWORD: password,
		},
		/** Runs one SQL statement; resolves its rows as arrays of text. */
		async query(sql) {
			const result = await runCommand(
				path.join(bin, 'psql'),
				[
					'-h',
					'127.0.0.1',
					'-p',
					String(port),
					'-U',
					'n8n',
					'-d',
					'n8n',
					'-At',
					'-F',
					'\t',
					'-c',
					sql,
				],
				{ env: { PGPASSWORD: password } },
			);
			if (result.code !== 0) throw new Error(`psql failed: ${result.stderr}`);
			return result.stdout
				.split('\n')
				.filter(Boolean)
				.map((line) => line.split('\t'));
		},
		stop: () => proc.stop(15_000),
	};
}

function postgresIds() {
	const line = fs
		.readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((l) => l.startsWith('postgres:'));
	if (!line) throw new Error('no postgres user: run scripts/queue-services.sh');
	const [, , uid, gid] = line.split(':');
	return [Number(uid), Number(gid)];
}

/** A Redis without persistence on 127.0.0.1. */
export async function startRedis(dir, { logFile } = {}) {
	const dataDir = path.join(dir, 'redis');
	fs.mkdirSync(dataDir, { recursive: true });
	const port = await freePort();
	const proc = startProcess(
		'redis',
		'redis-server',
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--dir',
			dataDir,
			'--save',
			'',
			'--appendonly',
			'no',
		],
		{ logFile },
	);
	await waitFor(
		`Redis on 127.0.0.1:${port}`,
		() => {
			if (proc.done) throw new Error(`redis-server exited:\n${proc.output()}`);
			return /Ready to accept connections/.test(proc.output());
		},
		{ timeoutMs: 30_000, intervalMs: 200 },
	);
	const version = (await runCommand('redis-server', ['--version'])).stdout.trim();
	return {
		process: proc,
		port,
		version,
		env: { QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(port) },
		stop: () => proc.stop(10_000),
	};
}
