import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { PackageDirectoryLoader } from 'n8n-core';
import type { INodeType, INodeTypeBaseDescription } from 'n8n-workflow';
import { tmpdir } from 'os';
import { basename, dirname, join } from 'path';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';

/**
 * Each node's codex (`<Node>.node.json`): what n8n's node panel searches (its aliases), files
 * it under (categories) and links as the node's documentation. n8n's loader requires it from
 * beside the compiled `<Node>.node.js`, so the build must put it there and the tarball carry it.
 */
const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
	name: string;
	repository: { url: string };
	n8n: { nodes: string[] };
};
const REPO_URL = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');

interface Codex {
	node: string;
	nodeVersion: string;
	codexVersion: string;
	categories: string[];
	subcategories?: Record<string, string[]>;
	alias: string[];
	resources: {
		primaryDocumentation: Array<{ url: string }>;
		credentialDocumentation: Array<{ url: string }>;
	};
}

const NODES: Record<string, INodeType> = {
	AsanaEventsTrigger: new AsanaEventsTrigger(),
	AsanaAuditLogTrigger: new AsanaAuditLogTrigger(),
	AsanaEvents: new AsanaEvents(),
	AsanaAuditLog: new AsanaAuditLog(),
};
/** The categories of n8n's node panel (those its own nodes use). */
const N8N_CATEGORIES = [
	'AI',
	'Analytics',
	'Communication',
	'Core Nodes',
	'Data & Storage',
	'Development',
	'Finance & Accounting',
	'Marketing',
	'Miscellaneous',
	'Productivity',
	'Sales',
	'Utility',
];
/** What a user types into the node panel, per node: each must be one of its aliases. */
const SEARCH_WORDS: Record<string, string[]> = {
	AsanaEventsTrigger: ['asana', 'task completed', 'polling', 'webhook alternative'],
	AsanaAuditLogTrigger: ['asana', 'audit log', 'siem', 'security'],
	AsanaEvents: ['asana', 'events', 'sync token'],
	AsanaAuditLog: ['asana', 'audit log', 'siem', 'security'],
};

const nodeDirs = pkg.n8n.nodes.map((file) => basename(file, '.node.js'));
const readCodex = (dir: string) =>
	JSON.parse(readFileSync(join(ROOT, 'nodes', dir, `${dir}.node.json`), 'utf8')) as Codex;

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens. */
const githubSlug = (heading: string) =>
	heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');

/** A documentation link: a file of this repository on GitHub (main), and a heading of it. */
function problemsOfLink(url: string): string[] {
	const match = new RegExp(
		`^${REPO_URL.replace(/[.]/g, '\\.')}(?:/blob/main/([^#?]+))?(?:#([^?]+))?$`,
	).exec(url);
	if (!match) return [`${url} is not a page of ${REPO_URL} on its main branch`];
	const [, file = 'README.md', anchor] = match;
	const local = join(ROOT, file);
	if (!existsSync(local)) return [`${url}: ${file} is not in the repository`];
	if (!anchor) return [];
	const headings = readFileSync(local, 'utf8')
		.split('\n')
		.filter((line) => /^#{1,6}\s/.test(line))
		.map((line) => githubSlug(line.replace(/^#+\s+/, '')));
	return headings.includes(anchor) ? [] : [`${url}: ${file} has no heading #${anchor}`];
}

describe('codex files (<Node>.node.json)', () => {
	it('every node of package.json has one, beside its source', () => {
		expect(nodeDirs.sort()).toEqual(Object.keys(NODES).sort());
		for (const dir of nodeDirs)
			expect({ dir, exists: existsSync(join(ROOT, 'nodes', dir, `${dir}.node.json`)) }).toEqual({
				dir,
				exists: true,
			});
	});

	it.each(Object.keys(NODES))('%s: names its node type and versions as n8n’s own do', (dir) => {
		const codex = readCodex(dir);
		const description = NODES[dir].description as INodeTypeBaseDescription;
		expect(codex.node).toBe(`${pkg.name}.${description.name}`);
		expect(codex.nodeVersion).toBe('1.0');
		expect(codex.codexVersion).toBe('1.0');
	});

	it.each(Object.keys(NODES))(
		'%s: categories of n8n’s panel; no subcategories (n8n reads those under Core Nodes, AI and HITL only)',
		(dir) => {
			const codex = readCodex(dir);
			expect(codex.categories.length).toBeGreaterThan(0);
			expect(N8N_CATEGORIES).toEqual(expect.arrayContaining(codex.categories));
			expect(codex.subcategories).toBeUndefined();
		},
	);

	it.each(Object.keys(NODES))(
		'%s: aliases in lower case, each once, with the words a user searches for',
		(dir) => {
			const { alias } = readCodex(dir);
			expect(alias.every((word) => word === word.toLowerCase() && word.trim() === word)).toBe(true);
			expect(new Set(alias).size).toBe(alias.length);
			expect(alias).toEqual(expect.arrayContaining(SEARCH_WORDS[dir]));
		},
	);

	it('an action node carries its trigger’s aliases: n8n lists the trigger under the action’s entry and searches that entry by the action’s aliases', () => {
		// n8n 2.30.8's node panel shows "Asana Events Trigger" as "Asana Events" inside the entry
		// of the Asana Events node; a word only the trigger's codex has finds nothing there.
		for (const [app, trigger] of [
			['AsanaEvents', 'AsanaEventsTrigger'],
			['AsanaAuditLog', 'AsanaAuditLogTrigger'],
		]) {
			const appAliases = readCodex(app).alias;
			const missing = readCodex(trigger).alias.filter((word) => !appAliases.includes(word));
			expect({ app, missing }).toEqual({ app, missing: [] });
		}
	});

	it.each(Object.keys(NODES))(
		'%s: its documentation links are pages (and headings) of this repository that exist',
		(dir) => {
			const { resources } = readCodex(dir);
			const [primary] = resources.primaryDocumentation;
			// n8n's panel appends "?utm_source=…" to the primary link: no query, no anchor of its own.
			expect(primary.url).toMatch(/^https:\/\/[^#?]+\.md$/);
			const links = [...resources.primaryDocumentation, ...resources.credentialDocumentation];
			expect(links.length).toBeGreaterThanOrEqual(2);
			expect(links.flatMap(({ url }) => problemsOfLink(url))).toEqual([]);
		},
	);

	it('a link to a missing page or heading is reported', () => {
		expect(problemsOfLink(`${REPO_URL}/blob/main/docs/no-such-page.md`)).toEqual([
			`${REPO_URL}/blob/main/docs/no-such-page.md: docs/no-such-page.md is not in the repository`,
		]);
		expect(problemsOfLink(`${REPO_URL}#no-such-heading`)).toEqual([
			`${REPO_URL}#no-such-heading: README.md has no heading #no-such-heading`,
		]);
		expect(problemsOfLink('https://example.com/docs.md')).toHaveLength(1);
	});
});

describe('the build and the tarball', () => {
	let stage: string;
	beforeAll(() => {
		// The build's own copy step (gulpfile.js) into a staging folder, packed as `npm pack` would.
		stage = mkdtempSync(join(tmpdir(), 'asana-events-codex-'));
		writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg));
		symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'));
		const gulp = spawnSync(
			process.execPath,
			[join(ROOT, 'node_modules', 'gulp', 'bin', 'gulp.js'), 'build'],
			{ cwd: ROOT, env: { ...process.env, DIST_DIR: join(stage, 'dist') }, encoding: 'utf8' },
		);
		expect(gulp.status).toBe(0);
	}, 60_000);
	afterAll(() => rmSync(stage, { recursive: true, force: true }));

	it('puts each codex beside where package.json says the compiled node is', () => {
		for (const file of pkg.n8n.nodes)
			expect(existsSync(join(stage, file.replace(/\.node\.js$/, '.node.json')))).toBe(true);
	});

	it('n8n’s loader reads it from there: categories, aliases and documentation links', () => {
		const loader = new PackageDirectoryLoader(stage) as unknown as {
			addCodex(node: { description: Record<string, unknown> }, filePath: string): void;
		};
		for (const file of pkg.n8n.nodes) {
			const dir = basename(file, '.node.js');
			const node = { description: {} as Record<string, unknown> };
			loader.addCodex(node, join(stage, file));
			const codex = readCodex(dir);
			expect(node.description.codex).toEqual({
				categories: codex.categories,
				alias: codex.alias,
				resources: codex.resources,
			});
		}
	});

	it('npm pack lists every codex beside its node', () => {
		const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
			cwd: stage,
			encoding: 'utf8',
		});
		expect(packed.status).toBe(0);
		const [{ files }] = JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>;
		const paths = files.map((f) => f.path);
		for (const file of pkg.n8n.nodes)
			expect(paths).toContain(join(dirname(file), basename(file, '.js') + '.json'));
	});
});
