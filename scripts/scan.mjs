// Runs n8n's community-package scanner offline: on the source tree (its source patterns)
// and on the unpacked `npm pack` tarball (built by `prepack`), the way a user would receive
// the package; and checks that the tarball holds every node and credential package.json lists.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'asana-events-scan-'));

function report(label, result) {
	if (result.passed) {
		console.log(`scan ${label}: passed${result.message ? ` (${result.message})` : ''}`);
		return true;
	}
	console.error(`scan ${label}: FAILED - ${result.message}`);
	if (result.details) console.error(result.details);
	return false;
}

try {
	const sources = report('sources', await analyzePackage(root, SOURCE_FILE_PATTERNS));
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
		cwd: root,
		encoding: 'utf8',
	})
		.trim()
		.split('\n')
		.pop();
	const unpacked = join(work, 'package');
	execFileSync('tar', ['-xzf', join(work, tarball), '-C', work]);
	const packed = report(`tarball ${tarball}`, await analyzePackage(unpacked));
	const { n8n } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
	const missing = [...n8n.nodes, ...n8n.credentials].filter(
		(file) => !existsSync(join(unpacked, file)),
	);
	const complete = report(
		'tarball contents',
		missing.length
			? { passed: false, message: `package.json lists files it lacks: ${missing.join(', ')}` }
			: {
					passed: true,
					message: `${n8n.nodes.length} nodes, ${n8n.credentials.length} credentials`,
				},
	);
	process.exitCode = sources && packed && complete ? 0 : 1;
} finally {
	rmSync(work, { recursive: true, force: true });
}
