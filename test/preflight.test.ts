import { spawnSync } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** The check that runs before `npm test`, the demo, the e2e suite and the bench. */
const { checkNodeVersion, checkInstalled } = require('../scripts/preflight.cjs') as {
	checkNodeVersion(version: string, range: string): string | null;
	checkInstalled(
		root: string,
		packageJson: { devDependencies?: Record<string, string> },
	): string | null;
};

const ROOT = join(__dirname, '..');
const PREFLIGHT = join(ROOT, 'scripts', 'preflight.cjs');

let work: string;
beforeEach(() => {
	work = mkdtempSync(join(tmpdir(), 'asana-events-preflight-'));
});
afterEach(() => {
	rmSync(work, { recursive: true, force: true });
});

describe('preflight', () => {
	it('names the Node.js it needs and the one it got, comparing versions as numbers', () => {
		expect(checkNodeVersion('v18.19.0', '>=20.18')).toBe(
			'this project needs Node.js ≥ 20.18; you have v18.19.0. Install Node.js 20.18 or newer (https://nodejs.org).',
		);
		for (const old of ['v20.9.0', 'v20.17.9', 'v16.20.2'])
			expect(checkNodeVersion(old, '>=20.18')).toMatch(
				/^this project needs Node\.js ≥ 20\.18; you have v/,
			);
		for (const fine of ['v20.18.0', 'v20.18.3', 'v21.0.0', 'v24.11.1'])
			expect(checkNodeVersion(fine, '>=20.18')).toBeNull();
		expect(checkNodeVersion('v20.18.0', '>=20.18.1')).toMatch(/needs Node\.js ≥ 20\.18\.1;/);
		expect(checkNodeVersion(process.version, readPackageJson().engines.node)).toBeNull();
	});

	it('says "run npm ci first" when development packages are missing', () => {
		const packageJson = { devDependencies: { jest: '*', '@n8n/scan-community-package': '*' } };
		expect(checkInstalled(work, packageJson)).toBe(
			'the development packages are not installed (2 of 2 missing: jest, @n8n/scan-community-package): run npm ci first.',
		);
		mkdirSync(join(work, 'node_modules', '@n8n', 'scan-community-package'), { recursive: true });
		writeFileSync(
			join(work, 'node_modules', '@n8n', 'scan-community-package', 'package.json'),
			'{}',
		);
		expect(checkInstalled(work, packageJson)).toMatch(/\(1 of 2 missing: jest\)/);
		expect(checkInstalled(ROOT, readPackageJson())).toBeNull();
	});

	it('as a script: exits 1 with the message in a fresh clone without node_modules, 0 here', () => {
		mkdirSync(join(work, 'scripts'));
		copyFileSync(PREFLIGHT, join(work, 'scripts', 'preflight.cjs'));
		writeFileSync(
			join(work, 'package.json'),
			JSON.stringify({ ...readPackageJson(), devDependencies: { typescript: '*' } }),
		);
		const fresh = spawnSync(process.execPath, [join(work, 'scripts', 'preflight.cjs')], {
			encoding: 'utf8',
		});
		expect([fresh.status, fresh.stderr]).toEqual([
			1,
			'n8n-nodes-asana-events: the development packages are not installed (1 of 1 missing: typescript): run npm ci first.\n',
		]);
		const here = spawnSync(process.execPath, [PREFLIGHT], { encoding: 'utf8' });
		expect([here.status, here.stderr]).toEqual([0, '']);
	});

	it('runs first in npm test, the demo, the e2e suite and the bench', () => {
		const { scripts } = readPackageJson();
		for (const name of ['test', 'demo', 'test:e2e', 'bench'])
			expect(scripts[name]).toMatch(/^node scripts\/preflight\.cjs && /);
		// npm passes SIGTERM and SIGINT to its shell only: `exec` makes the script that shell.
		for (const name of ['demo', 'test:e2e', 'bench'])
			expect(scripts[name]).toMatch(/&& exec node /);
	});
});

function readPackageJson() {
	return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
		engines: { node: string };
		scripts: Record<string, string>;
		devDependencies: Record<string, string>;
	};
}
