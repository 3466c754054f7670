import fs from 'node:fs';
import path from 'node:path';

import type { INodeParameters, INodeProperties, INodeType } from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';

const EXAMPLES = path.join(__dirname, '..', 'examples');
const PACKAGE = 'n8n-nodes-asana-events';

const nodeTypes: Record<string, INodeType> = Object.fromEntries(
	[
		new AsanaEventsTrigger(),
		new AsanaAuditLogTrigger(),
		new AsanaEvents(),
		new AsanaAuditLog(),
	].map((nodeType) => [`${PACKAGE}.${nodeType.description.name}`, nodeType]),
);

/**
 * What in `parameters` the properties do not declare: a name no property has, or a value an
 * options property does not offer. Collections are checked one level down.
 */
function undeclared(parameters: INodeParameters, properties: INodeProperties[], at = ''): string[] {
	return Object.entries(parameters).flatMap(([name, value]) => {
		const declared = properties.filter((property) => property.name === name);
		if (!declared.length) return [`${at}${name}: no such parameter`];
		const isExpression = typeof value === 'string' && value.startsWith('=');
		const problemsWith = (property: INodeProperties): string[] => {
			if (property.type === 'options' && !isExpression) {
				const values = (property.options as Array<{ value: unknown }>).map((o) => o.value);
				return values.includes(value)
					? []
					: [`${at}${name}: "${String(value)}" is not one of ${values.join(', ')}`];
			}
			if (property.type === 'collection' && value && typeof value === 'object')
				return undeclared(
					value as INodeParameters,
					property.options as INodeProperties[],
					`${at}${name} › `,
				);
			return [];
		};
		// A name declared once per operation is fine when one of its declarations takes the value.
		const problems = declared.map(problemsWith);
		return problems.some((list) => !list.length) ? [] : problems[0];
	});
}

describe('example workflows', () => {
	const files = fs.readdirSync(EXAMPLES).filter((file) => file.endsWith('.json'));

	it.each(files)('%s sets only parameters and values the pack’s nodes declare', (file) => {
		const workflow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as {
			nodes: Array<{ name: string; type: string; parameters: INodeParameters }>;
		};
		const ours = workflow.nodes.filter((node) => node.type.startsWith(`${PACKAGE}.`));
		expect(ours.length).toBeGreaterThan(0);
		for (const node of ours) {
			const nodeType = nodeTypes[node.type];
			expect(nodeType).toBeDefined();
			// n8n adds Poll Times to every polling trigger itself.
			const { pollTimes, ...parameters } = node.parameters;
			if (!nodeType.description.polling) expect(pollTimes).toBeUndefined();
			expect([node.name, undeclared(parameters, nodeType.description.properties)]).toEqual([
				node.name,
				[],
			]);
		}
	});
});
