// Builds this package and `npm pack`s it from a staging folder, so the checkout's dist/ is
// left alone; the tarball holds exactly what `npm pack` in the checkout would hold.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { log, runCommand } from './procs.mjs';

export const REPO_ROOT = path.resolve(
	path.dirname(fileURLToPath(import.meta.url)),
	'..',
	'..',
	'..',
);

export function packageJson() {
	return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
}

/** Compiles into `<workDir>/stage/dist`, packs, and returns the tarball's path. */
export async function buildAndPack(workDir) {
	const stage = path.join(workDir, 'stage');
	fs.rmSync(stage, { recursive: true, force: true });
	fs.mkdirSync(path.join(stage, 'dist'), { recursive: true });
	const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
	const built = await runCommand(
		process.execPath,
		[tsc, '-p', 'tsconfig.json', '--outDir', path.join(stage, 'dist')],
		{
			cwd: REPO_ROOT,
			timeoutMs: 180_000,
		},
	);
	if (built.code !== 0) throw new Error(`tsc failed:\n${built.stdout}${built.stderr}`);
	// The build's own copy step (gulpfile.js): icons and each node's codex beside its code.
	const gulp = path.join(REPO_ROOT, 'node_modules', 'gulp', 'bin', 'gulp.js');
	const copied = await runCommand(process.execPath, [gulp, 'build'], {
		cwd: REPO_ROOT,
		env: { DIST_DIR: path.join(stage, 'dist') },
		timeoutMs: 60_000,
	});
	if (copied.code !== 0) throw new Error(`gulp build failed:\n${copied.stdout}${copied.stderr}`);
	for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
		if (fs.existsSync(path.join(REPO_ROOT, file)))
			fs.copyFileSync(path.join(REPO_ROOT, file), path.join(stage, file));
	}
	const pkg = packageJson();
	const missing = [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])].filter(
		(file) => !fs.existsSync(path.join(stage, file)),
	);
	if (missing.length)
		log(`warning: package.json lists files the build did not produce: ${missing.join(', ')}`);
	const packed = await runCommand(
		'npm',
		['pack', '--ignore-scripts', '--json', '--pack-destination', workDir],
		{
			cwd: stage,
			timeoutMs: 120_000,
		},
	);
	if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stdout}${packed.stderr}`);
	const [info] = JSON.parse(packed.stdout);
	return {
		tarball: path.join(workDir, info.filename),
		files: info.files.map((f) => f.path),
		missing,
		name: pkg.name,
		version: pkg.version,
		n8n: pkg.n8n,
	};
}
