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

/**
 * Simplified: Asana's audit record has no line a person reads; the flat shape adds `summary`,
 * `change` and `login_method`. SIEMs get their schema by picking it.
 */
const DEFAULT_AUDIT_FORMAT: AuditOutputFormat = 'simplified';

/** Output Format of the audit trigger and the audit action node. */
export function auditOutputFormatProperty(extra: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Output Format',
		name: 'format',
		type: 'options',
		options: [
			{
				name: 'Asana',
				value: 'asana',
				description: 'Asana’s audit log event as it is, with every detail it has',
			},
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
					'A flat shape for chat and routing: time, type, category, actor, resource, IP, user agent, what changed, summary',
			},
		],
		default: DEFAULT_AUDIT_FORMAT,
		description:
			'The shape of each event: a flat one with a summary line, Asana’s own, or a schema SIEMs read',
		...extra,
	};
}

/** Output Format as set, Simplified where it is not. */
export function readAuditOutputFormat(
	node: INode,
	format: unknown,
	itemIndex?: number,
): AuditOutputFormat {
	const value = format ?? DEFAULT_AUDIT_FORMAT;
	if (typeof value !== 'string' || !Object.prototype.hasOwnProperty.call(SHAPERS, value)) {
		throw invalidParameter(
			{ getNode: () => node },
			`Output Format: "${String(value)}" is not a format`,
			'Pick Simplified, Asana, OCSF or Elastic Common Schema.',
			itemIndex,
		);
	}
	return value as AuditOutputFormat;
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
