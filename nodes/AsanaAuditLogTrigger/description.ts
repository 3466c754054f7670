import type { INodeProperties } from 'n8n-workflow';

import { auditOutputFormatProperty } from '../shared/audit/auditOutput';
import { auditLogFilterOptions, auditTriggerOnProperty } from '../shared/audit/auditParameters';
import { AUDIT_LOG_RETENTION_DAYS } from '../shared/asana/constants';
import {
	MAX_EVENTS_PER_POLL,
	pollTimesNotice,
	workspaceLocator,
} from '../shared/editor/descriptions';
import { replayFromProperty } from '../shared/editor/replayFromOption';
import { AUDIT_START, LOOK_BACK_DAYS } from './settings';

export const auditTriggerProperties: INodeProperties[] = [
	pollTimesNotice,
	workspaceLocator({
		description:
			'The workspace (organization) whose audit log to read. Its ID is the number after /1/ in Asana URLs.',
	}),
	auditTriggerOnProperty('Trigger On', 'triggerOn'),
	AUDIT_START.property,
	LOOK_BACK_DAYS.property,
	{
		displayName: 'From Date',
		name: 'fromDate',
		type: 'dateTime',
		default: '',
		displayOptions: { show: { start: ['fromDate'] } },
		description: `Start of the backfill; dates older than ${AUDIT_LOG_RETENTION_DAYS} days or before 2021-10-08 start at the oldest event Asana still holds`,
	},
	auditOutputFormatProperty(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: auditLogFilterOptions,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			MAX_EVENTS_PER_POLL.property,
			replayFromProperty(
				`Set a time to emit again every event since then that Asana still has (up to ${AUDIT_LOG_RETENTION_DAYS} days back), marked "replayed", before going on with new events. Acts once per value.`,
			),
		],
	},
];
