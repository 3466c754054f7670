/**
 * The option tables of the docs against the nodes' panels: each docs page that documents a
 * node's Options has one table `| Option | Default | Range | … |`, with a row for every
 * option of the node's *Options* collection and nothing else, and the default and range
 * the panel declares. An option added, renamed or re-bounded without its row fails here.
 */
import { readFileSync } from 'fs';
import type { INodeProperties, INodePropertyOptions, INodeType } from 'n8n-workflow';
import { join } from 'path';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';

const ROOT = join(__dirname, '..');

interface DocumentedOptions {
	page: string;
	/** The heading the table sits under, for pages that document several nodes. */
	heading: string;
	nodeType: INodeType;
}

const PAGES: DocumentedOptions[] = [
	{ page: 'docs/trigger-on.md', heading: '## Options', nodeType: new AsanaEventsTrigger() },
	{ page: 'docs/audit-formats.md', heading: '## Options', nodeType: new AsanaAuditLogTrigger() },
	{ page: 'docs/action-nodes.md', heading: '### Get Events', nodeType: new AsanaEvents() },
	{ page: 'docs/action-nodes.md', heading: '### Get Many', nodeType: new AsanaAuditLog() },
];

interface Row {
	option: string;
	default: string;
	range: string;
}

/** The first `| Option | Default | Range |` table after `heading`. */
function optionTable(page: string, heading: string): Row[] {
	const text = readFileSync(join(ROOT, page), 'utf8');
	const start = text.split('\n').findIndex((line) => line.trim() === heading);
	if (start < 0) throw new Error(`${page} has no heading "${heading}"`);
	const lines = text.split('\n').slice(start + 1);
	const header = lines.findIndex((line) => /^\| Option \| Default \| Range \|/.test(line));
	if (header < 0) throw new Error(`${page} has no option table under "${heading}"`);
	const rows: Row[] = [];
	for (const line of lines.slice(header + 2)) {
		if (!line.startsWith('|')) break;
		const [option, byDefault, range] = line
			.split('|')
			.slice(1)
			.map((cell) => cell.trim());
		rows.push({ option, default: byDefault, range });
	}
	return rows;
}

const plain = (text: string) => text.replace(/,/g, '');

/** The default as the docs say it: a choice by its name, a switch as on/off, a number. */
function documentedDefault(property: INodeProperties): string {
	if (property.type === 'boolean') return property.default ? 'on' : 'off';
	if (property.type === 'options') {
		const chosen = (property.options as INodePropertyOptions[]).find(
			(option) => option.value === property.default,
		);
		return chosen?.name ?? '';
	}
	if (property.default === '' || property.default === undefined) return '';
	return String(property.default);
}

function documentedRange(property: INodeProperties): string {
	if (property.type !== 'number') return '';
	const { minValue, maxValue } = property.typeOptions ?? {};
	return `${minValue}–${maxValue}`;
}

describe.each(PAGES)('$page › $heading', ({ page, heading, nodeType }) => {
	const options = nodeType.description.properties.filter(
		(property) => property.name === 'options' && property.type === 'collection',
	);
	const panel = options.flatMap((collection) => collection.options as INodeProperties[]);
	const rows = optionTable(page, heading);

	it('has one row per option of the panel, and no other', () => {
		expect(rows.map((row) => row.option).sort()).toEqual(
			[...new Set(panel.map((property) => property.displayName))].sort(),
		);
	});

	it.each(panel.map((property) => [property.displayName, property] as const))(
		'%s: the default and range the panel declares',
		(_name, property) => {
			const row = rows.find((candidate) => candidate.option === property.displayName);
			expect(row && plain(row.default)).toBe(documentedDefault(property));
			expect(row && plain(row.range)).toBe(documentedRange(property));
		},
	);
});
