import type { IDataObject, INode, INodeProperties } from 'n8n-workflow';

import type { AuditLogEvent } from '../asana/types';
import { invalidParameter } from '../asana/errors';
import { settingWeakened } from './auditChange';
import { simplifyAuditEvent } from './auditFormat';
import type { AuditIntent } from './auditIntents';
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

/**
 * Where the node's own fields go: OCSF and ECS documents take no top-level field of their
 * own, so there they go where each schema allows the source's own data.
 */
const OWN_FIELDS_PARENT: Partial<Record<AuditOutputFormat, string>> = {
	ocsf: 'unmapped',
	ecs: 'asana',
};

/** The item with the node's own fields (next_offset, matched_intents) where its format allows them. */
export function withOwnFields(
	item: IDataObject,
	format: AuditOutputFormat,
	fields: IDataObject,
): IDataObject {
	const parent = OWN_FIELDS_PARENT[format];
	if (!parent) return { ...item, ...fields };
	return { ...item, [parent]: { ...(item[parent] as IDataObject), ...fields } };
}

/** The event in `format`; with Trigger On intents, also which matched and whether a setting was weakened. */
export function formatAuditEvent(
	event: AuditLogEvent,
	format: AuditOutputFormat,
	intents: AuditIntent[] = [],
): IDataObject {
	const item = SHAPERS[format](event);
	if (!intents.length) return item;
	const weakened = intents.some((intent) => intent.startsWith('securitySetting'))
		? settingWeakened(event)
		: undefined;
	return withOwnFields(item, format, {
		matched_intents: intents,
		...(weakened === undefined ? {} : { setting_weakened: weakened }),
	});
}
