// Copies what n8n reads next to the compiled code: the node and credential icons, and each
// node's codex (`<Node>.node.json`: categories, search aliases, documentation links), which
// n8n's loader requires from beside `<Node>.node.js`. DIST_DIR builds elsewhere (the
// end-to-end suite's staging folder, the codex test); the default is dist/.
const { src, dest, parallel } = require('gulp');

const DIST = process.env.DIST_DIR || 'dist';

function buildIcons() {
	return src('icons/**/*.{png,svg}', { encoding: false }).pipe(dest(`${DIST}/icons`));
}

function buildCodex() {
	return src('nodes/*/*.node.json').pipe(dest(`${DIST}/nodes`));
}

exports['build:icons'] = buildIcons;
exports['build:codex'] = buildCodex;
exports.build = parallel(buildIcons, buildCodex);
