#!/usr/bin/env node
// Runs first in `npm test`, `npm run demo` and `npm run test:e2e`: fails at once, saying what to
// do, when Node.js is older than package.json's `engines.node` or `npm ci` has not been run,
// instead of an obscure error later (after the demo's multi-minute n8n install, say).
//
//   node scripts/preflight.cjs
//
// CommonJS in plain old syntax, so that it runs, and says so, on any Node.js a newcomer has.
'use strict';

const fs = require('fs');
const path = require('path');

/** `>=20.18` (the only form package.json uses) as [major, minor, patch]. */
function minimumOf(range) {
	const match = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range).trim());
	if (!match) throw new Error('package.json engines.node must read ">=MAJOR.MINOR", got ' + range);
	return [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
}

/** What is wrong with running on Node.js `version` (e.g. "v18.19.0"), or null. */
function checkNodeVersion(version, range) {
	const minimum = minimumOf(range);
	const have = String(version)
		.replace(/^v/, '')
		.split('.')
		.map((part) => Number.parseInt(part, 10) || 0);
	for (let i = 0; i < 3; i++) {
		if ((have[i] || 0) > minimum[i]) return null;
		if ((have[i] || 0) < minimum[i]) {
			const wanted = minimum[2] ? minimum.join('.') : minimum.slice(0, 2).join('.');
			return (
				'this project needs Node.js \u2265 ' +
				wanted +
				'; you have ' +
				version +
				'. Install Node.js ' +
				wanted +
				' or newer (https://nodejs.org).'
			);
		}
	}
	return null;
}

/** What is wrong with the packages installed under `root`, or null. */
function checkInstalled(root, packageJson) {
	const wanted = Object.keys(packageJson.devDependencies || {});
	const missing = wanted.filter(
		(name) => !fs.existsSync(path.join(root, 'node_modules', name, 'package.json')),
	);
	if (!missing.length) return null;
	const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ', …' : '');
	return (
		'the development packages are not installed (' +
		missing.length +
		' of ' +
		wanted.length +
		' missing: ' +
		shown +
		'): run npm ci first.'
	);
}

module.exports = { checkNodeVersion, checkInstalled };

if (require.main === module) {
	const root = path.join(__dirname, '..');
	const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const problem =
		checkNodeVersion(process.version, packageJson.engines.node) ||
		checkInstalled(root, packageJson);
	if (problem) {
		process.stderr.write(packageJson.name + ': ' + problem + '\n');
		process.exit(1);
	}
}
