import type { INodeProperties } from 'n8n-workflow';

import { auditOutputFormatProperty } from '../shared/audit/auditOutput';
import { auditLogFilterOptions, auditTriggerOnProperty } from '../shared/audit/auditParameters';
import { AUDIT_LOG_RETENTION_DAYS } from '../shared/asana/constants';
import {
	maxEventsPerPollProperty,
	pollTimesNotice,
	workspaceLocator,
} from '../shared/editor/descriptions';
import { replayFromProperty } from '../shared/editor/replayFromOption';

export const auditTriggerProperties: INodeProperties[] = [
	pollTimesNotice,
	workspaceLocator({
		description:
			'The workspace (organization) whose audit log to read. Its ID is the number after /1/ in Asana URLs.',
	}),
	auditTriggerOnProperty('Trigger On', 'triggerOn'),
	{
		displayName: 'Start',
		name: 'start',
		type: 'options',
		options: [
			{ name: 'From Now', value: 'now', description: 'Emit events that happen after activation' },
			{
				name: 'Look Back',
				value: 'lookBack',
				description: 'Also emit the events of a recent period, oldest first',
			},
			{
				name: 'From Date',
				value: 'fromDate',
				description: 'Also emit every event since a date, oldest first',
			},
		],
		default: 'now',
		description: 'Where a new stream starts. Changing the filters starts a new stream.',
	},
	{
		displayName: 'Look Back (Days)',
		name: 'lookBackDays',
		type: 'number',
		typeOptions: { minValue: 0.01, maxValue: AUDIT_LOG_RETENTION_DAYS, numberPrecision: 2 },
		default: 1,
		displayOptions: { show: { start: ['lookBack'] } },
		description: `How far back to start, up to ${AUDIT_LOG_RETENTION_DAYS} days (Asana deletes older events)`,
	},
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
			maxEventsPerPollProperty,
			replayFromProperty(
				`Set a time to emit again every event since then that Asana still has (up to ${AUDIT_LOG_RETENTION_DAYS} days back), marked "replayed", before going on with new events. Acts once per value.`,
			),
		],
	},
];
