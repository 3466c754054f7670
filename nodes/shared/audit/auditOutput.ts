import type { IDataObject, INode, INodeProperties } from 'n8n-workflow';

import type { AuditLogEvent } from '../asana/types';
import { invalidParameter } from '../asana/errors';
import { simplifyAuditEvent } from './auditFormat';
import { toEcs } from './ecs';
import { toOcsf } from './ocsf';

export type AuditOutputFormat = 'asana' | 'simplified' | 'ocsf' | 'ecs';

const SHAPERS: Record<AuditOutputFormat, (event: AuditLogEvent) => IDataObject> = {
	asana: (event) => event as unknown as IDataObject,
	simplified: simplifyAuditEvent,
	ocsf: toOcsf,
	ecs: toEcs,
};

/** The Output Format parameter of the audit trigger and the audit action node. */
export function auditOutputFormatProperty(extra: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Output Format',
		name: 'outputFormat',
		type: 'options',
		options: [
			{ name: 'Asana', value: 'asana', description: 'Asana’s audit log event as it is' },
			{
				name: 'Elastic Common Schema',
				value: 'ecs',
				description:
					'An ECS document (@timestamp, event.*, user.*, source.ip, user_agent.original)',
			},
			{
				name: 'OCSF',
				value: 'ocsf',
				description:
					'An OCSF 1.x event: Authentication, Account Change, User Access Management or Entity Management',
			},
			{
				name: 'Simplified',
				value: 'simplified',
				description:
					'A flat shape for chat and routing: time, type, category, actor, resource, IP, user agent, summary',
			},
		],
		default: 'asana',
		description: 'The shape of each event: Asana’s own, a flat one, or a schema SIEMs read',
		...extra,
	};
}

/** The Simplify option that Output Format replaced, kept so that workflows using it keep their output. */
export const legacySimplifyOption: INodeProperties = {
	displayName: 'Simplify',
	name: 'simplify',
	type: 'boolean',
	default: false,
	description:
		'Whether to emit the flat shape. Replaced by Output Format: turned on, it means Output Format Simplified while Output Format is Asana.',
};

/** Output Format, with the legacy Simplify option read as Simplified where Output Format is left at Asana. */
export function readAuditOutputFormat(
	node: INode,
	outputFormat: unknown,
	options: IDataObject,
	itemIndex?: number,
): AuditOutputFormat {
	const format = outputFormat ?? 'asana';
	if (typeof format !== 'string' || !Object.prototype.hasOwnProperty.call(SHAPERS, format)) {
		throw invalidParameter(
			{ getNode: () => node },
			`Output Format: "${String(format)}" is not a format`,
			'Pick Asana, Simplified, OCSF or Elastic Common Schema.',
			itemIndex,
		);
	}
	if (format === 'asana' && options.simplify === true) return 'simplified';
	return format as AuditOutputFormat;
}

export function formatAuditEvent(event: AuditLogEvent, format: AuditOutputFormat): IDataObject {
	return SHAPERS[format](event);
}
