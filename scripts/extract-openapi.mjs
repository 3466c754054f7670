#!/usr/bin/env node
// Writes test/simulator/openapi/asana_oas.subset.yaml: the part of Asana's OpenAPI description
// that test/simulator-conformance.test.ts validates the simulator against, so the tests need
// nothing outside the repository.
//
//   node scripts/extract-openapi.mjs path/to/asana_oas.yaml
//
// The full file is Asana's, https://github.com/Asana/openapi (defs/asana_oas.yaml), under the
// Apache License 2.0. Kept: `info` without its x- extensions, the GET operations of PATHS (with
// their path's parameters), the component schemas of SCHEMAS, and every component those reach
// through $ref, each copied unchanged; everything else is left out.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';

const PATHS = [
	'/events',
	'/workspaces/{workspace_gid}/events',
	'/workspaces/{workspace_gid}/audit_log_events',
	'/workspaces',
	'/users/{user_gid}',
	'/workspaces/{workspace_gid}/users',
	'/tasks/{task_gid}',
	'/projects/{project_gid}',
	'/goals/{goal_gid}',
	'/projects/{project_gid}/custom_field_settings',
	'/tasks',
	'/tasks/{task_gid}/subtasks',
	'/tasks/{task_gid}/stories',
	'/workspaces/{workspace_gid}/tasks/search',
	'/workspaces/{workspace_gid}/teams',
	'/teams/{team_gid}/projects',
	'/portfolios',
	'/portfolios/{portfolio_gid}/items',
	'/projects',
];
const SCHEMAS = ['AuditLogEvent', 'ErrorResponse', 'GoalCompact', 'StoryResponse'];

const OUTPUT = path.join(
	path.dirname(fileURLToPath(import.meta.url)),
	'..',
	'test',
	'simulator',
	'openapi',
	'asana_oas.subset.yaml',
);

const source = process.argv[2];
if (!source) {
	process.stderr.write('usage: node scripts/extract-openapi.mjs path/to/asana_oas.yaml\n');
	process.exit(2);
}
const text = fs.readFileSync(source, 'utf8');
const oas = yaml.load(text);

const picked = { paths: {}, components: {} };
const pending = [];

/** Queues every `#/components/<section>/<name>` that `value` refers to. */
function collectRefs(value) {
	if (Array.isArray(value)) return value.forEach(collectRefs);
	if (!value || typeof value !== 'object') return;
	for (const [key, child] of Object.entries(value)) {
		if (key === '$ref' && typeof child === 'string') pending.push(child);
		else collectRefs(child);
	}
}

for (const route of PATHS) {
	const { parameters, get } = oas.paths[route] ?? {};
	if (!get) throw new Error(`${source} has no GET ${route}`);
	picked.paths[route] = parameters ? { parameters, get } : { get };
	collectRefs(picked.paths[route]);
}
pending.push(...SCHEMAS.map((name) => `#/components/schemas/${name}`));

while (pending.length) {
	const ref = pending.pop();
	const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
	if (!match) throw new Error(`unsupported $ref ${ref}`);
	const [, section, name] = match;
	if (picked.components[section]?.[name] !== undefined) continue;
	const component = oas.components[section]?.[name];
	if (component === undefined) throw new Error(`${source} has no ${ref}`);
	(picked.components[section] ??= {})[name] = component;
	collectRefs(component);
}
for (const section of Object.keys(picked.components))
	picked.components[section] = Object.fromEntries(
		Object.entries(picked.components[section]).sort(([a], [b]) => a.localeCompare(b)),
	);

function withoutExtensions(object) {
	return Object.fromEntries(Object.entries(object).filter(([key]) => !key.startsWith('x-')));
}

const digest = createHash('sha256').update(text).digest('hex');
const header = [
	"# Part of Asana's OpenAPI description (https://github.com/Asana/openapi, defs/asana_oas.yaml),",
	'# licensed under the Apache License 2.0: see NOTICE in this folder.',
	'#',
	'# Modified: an extract, written by scripts/extract-openapi.mjs from the full file',
	`# (sha256 ${digest}).`,
	"# Kept unchanged: `info` without its x- extensions; the GET operations, with their path's",
	'# parameters, of',
	...PATHS.map((route) => `#   ${route}`),
	`# the schemas ${SCHEMAS.join(', ')}; and every component these reach through $ref.`,
	'# Everything else of the file is left out.',
	'',
].join('\n');
const body = yaml.dump(
	{ openapi: oas.openapi, info: withoutExtensions(oas.info), ...picked },
	{ lineWidth: 100, noRefs: true },
);
fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
fs.writeFileSync(OUTPUT, header + body);
process.stdout.write(
	`wrote ${path.relative(process.cwd(), OUTPUT)} (${Buffer.byteLength(header + body)} bytes)\n`,
);
