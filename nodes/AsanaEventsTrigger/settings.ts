/**
 * The events trigger's settings, read from its parameters once per poll. A value the trigger
 * cannot use fails here, before any request, with a message that names the field and the fix.
 */
import type { IDataObject, INode, IPollFunctions } from 'n8n-workflow';

import { MAX_CONCURRENCY, type AuthenticationMethod } from '../shared/asana/constants';
import { invalidParameter } from '../shared/asana/errors';
import type { StreamTarget } from '../shared/asana/types';
import {
	choiceOption,
	numberOption,
	readDeclared,
	type DeclaredOption,
} from '../shared/editor/declaredOptions';
import { MAX_EVENTS_PER_POLL } from '../shared/editor/descriptions';
import { locatorValue, readAsanaObject, readWorkspace } from '../shared/editor/parameters';
import { readReplayFrom, type ReplayFrom } from '../shared/editor/replayFromOption';
import { GID_PATTERN } from '../shared/editor/resourceRef';
import { splitList, type EventFilters } from '../shared/events/eventFilters';
import { eventFormatOption, type EventFormat } from '../shared/events/eventShape';
import type { TriggerOnRules } from '../shared/events/intent';
import { DEFAULT_MAX_REQUESTS_PER_MINUTE } from '../shared/polling/credentialRate';
import type { ProjectSource, ProjectSourceKind } from './projectList';
import { isTriggerOn } from './triggerOn';

type OnExpiredSyncToken = 'recover' | 'notify' | 'fail' | 'ignore';

/** Shows an option only for the sources that watch every project of a team, portfolio or workspace. */
const PROJECT_SOURCES_ONLY = {
	show: { '/source': ['teamProjects', 'portfolioProjects', 'workspaceProjects'] },
};

/** The Options of the trigger, each declared once: the panel's field and its reader. */
export const EVENTS_TRIGGER_OPTIONS = {
	// Raw: it alone carries `current`, `stream` and the changed value in full.
	format: eventFormatOption('raw'),
	onExpiredSyncToken: choiceOption<OnExpiredSyncToken>({
		name: 'onExpiredSyncToken',
		displayName: 'On Expired Sync Token',
		collection: 'Options',
		description:
			'What to do when the trigger was stopped or failing for over 24 hours: Asana then forgets where it was, and its events of that time are lost. The default emits what changed from Asana’s current state.',
		options: [
			{
				name: 'Recover Changes',
				value: 'recover',
				description:
					'Emit the gap notice, then one item per task, story, project or goal that changed in the gap, read from Asana’s current state (marked "recovered")',
			},
			{
				name: 'Emit a Gap Notice Item',
				value: 'notify',
				description:
					'Emit one item that says which resource, since when, and that events may be missing',
			},
			{
				name: 'Fail the Poll',
				value: 'fail',
				description: 'Report an error so the error workflow runs; the next poll continues from now',
			},
			{
				name: 'Ignore',
				value: 'ignore',
				description: 'Continue from now without telling',
			},
		],
		default: 'recover',
	}),
	concurrency: numberOption({
		name: 'concurrency',
		displayName: 'Concurrency',
		collection: 'Options',
		default: 5,
		min: 1,
		max: MAX_CONCURRENCY,
		rangeReason: 'Asana allows 50 requests in flight per token',
		description:
			'How many projects, tasks or goals are read at the same time. Raise it when a poll watching many of them takes too long; lower it when other apps of the same Asana user hit Asana’s limit of 50 requests in flight.',
	}),
	maxRequestsPerMinute: numberOption({
		name: 'maxRequestsPerMinute',
		displayName: 'Max Requests per Minute',
		collection: 'Options',
		default: DEFAULT_MAX_REQUESTS_PER_MINUTE,
		min: 1,
		max: 100_000,
		description:
			'The trigger’s share of Asana’s rate limit, together with every other Asana Events Trigger of the same credential in this n8n (the lowest setting counts). Asana allows 150 requests per minute on free plans and 1,500 on paid ones, shared with the user’s other apps: raise it on a paid plan that watches many projects.',
	}),
	maxStalenessMinutes: numberOption({
		name: 'maxStalenessMinutes',
		displayName: 'Max Staleness (Minutes)',
		collection: 'Options',
		default: 10,
		min: 1,
		max: 1440,
		description:
			'When Max Requests per Minute does not cover every watched object every poll, quiet ones are read less often, but at least once in this time (busy ones every poll). Lower it when a first change after a quiet spell must arrive sooner.',
	}),
	projectListRefreshMinutes: numberOption({
		name: 'projectListRefreshMinutes',
		displayName: 'Project List Refresh (Minutes)',
		collection: 'Options',
		default: 10,
		min: 1,
		max: 1440,
		displayOptions: PROJECT_SOURCES_ONLY,
		description:
			'How often the list of projects is read again to watch new projects and drop archived ones. Lower it when new projects must be watched sooner; raise it to save requests when projects rarely change.',
	}),
	recoveryRequestsPerPoll: numberOption({
		name: 'recoveryRequestsPerPoll',
		displayName: 'Recovery Requests per Poll',
		collection: 'Options',
		default: 20,
		min: 1,
		max: 1000,
		description:
			'How many requests one poll may spend recovering what changed while a sync token was expired (On Expired Sync Token "Recover Changes"); a larger recovery goes on in the next polls. Raise it to finish a large recovery sooner on a paid plan.',
	}),
	testEventWaitSeconds: numberOption({
		name: 'testEventWaitSeconds',
		displayName: 'Test Event Wait (Seconds)',
		collection: 'Options',
		default: 20,
		min: 0,
		max: 120,
		description:
			'How long "Fetch Test Event" waits for a change in Asana before explaining what to do. Raise it to have time to make the change in Asana while it waits.',
	}),
} satisfies Record<string, DeclaredOption<unknown>>;

/** How the panel and errors name the list of Source "Specific Projects, Tasks or Goals". */
export const PICKED_OBJECTS_LABEL = 'Projects, Tasks or Goals';

/** A watched stream, with the name it was picked from the list by. */
export type WatchedTarget = StreamTarget & { listedName?: string };

/** A stream's identity, the same in every poll: the key of its record in the trigger's state. */
export function recordKey(target: StreamTarget): string {
	return `${target.kind}:${target.gid}`;
}

/** The request scheduler's options. */
interface SchedulerSettings {
	maxRequestsPerMinute: number;
	maxStalenessMs: number;
}

/** A source that watches every project of a team, portfolio or workspace. */
export interface ProjectSourceSettings {
	source: ProjectSource;
	refreshMs: number;
	emitWatchChanges: boolean;
}

export interface EventsTriggerSettings {
	authentication: AuthenticationMethod;
	/** The watched streams; for a project source, read from its project list instead. */
	targets: WatchedTarget[];
	triggerOn: TriggerOnRules;
	projects?: ProjectSourceSettings;
	scheduler: SchedulerSettings;
	onExpired: OnExpiredSyncToken;
	filters: EventFilters;
	ignoreOwnEvents: boolean;
	maxEventsPerPoll: number;
	concurrency: number;
	fetchCurrentResource: boolean;
	testEventWaitSeconds: number;
	format: EventFormat;
	replayFrom?: ReplayFrom;
	/** Requests one poll may make to recover what changed while a token was expired. */
	recoveryRequestsPerPoll: number;
}

/** A source that lists its projects: the kind of container and the parameter that names it. */
export interface ProjectSourceSpec {
	kind: ProjectSourceKind;
	parameter: string;
	label: string;
}

export const PROJECT_SOURCES: Record<string, ProjectSourceSpec> = {
	teamProjects: { kind: 'team', parameter: 'team', label: 'Team' },
	portfolioProjects: { kind: 'portfolio', parameter: 'portfolio', label: 'Portfolio' },
	workspaceProjects: { kind: 'workspace', parameter: 'workspace', label: 'Workspace' },
};

/** The team, portfolio or workspace of a source's locator, by ID or picked from its list. */
export function readSourceContainer(
	ctx: { getNode(): INode },
	spec: ProjectSourceSpec,
	raw: unknown,
): { gid: string; name?: string } {
	if (spec.kind === 'workspace') return readWorkspace(ctx, raw);
	const value = locatorValue(raw);
	const gid = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (!GID_PATTERN.test(gid)) {
		throw invalidParameter(
			ctx,
			`${spec.label}: "${gid}" is not a ${spec.kind} ID`,
			`Pick the ${spec.kind} from the list, or enter its ID (digits only; it is the number in the ${spec.kind}'s URL).`,
		);
	}
	const name = (raw as { mode?: unknown; cachedResultName?: unknown } | undefined)
		?.cachedResultName;
	return typeof name === 'string' && name ? { gid, name } : { gid };
}

/** The team, portfolio or workspace of a project source, with the options of its project list. */
function readProjectSource(
	ctx: IPollFunctions,
	source: string,
	options: IDataObject,
): ProjectSourceSettings | undefined {
	const spec = PROJECT_SOURCES[source];
	if (!spec) return undefined;
	const picked = readSourceContainer(ctx, spec, ctx.getNodeParameter(spec.parameter, undefined));
	return {
		source: {
			kind: spec.kind,
			gid: picked.gid,
			...(picked.name ? { listedName: picked.name } : {}),
			includeArchived: options.includeArchived === true,
		},
		refreshMs:
			readDeclared(ctx, EVENTS_TRIGGER_OPTIONS.projectListRefreshMinutes, options) * 60_000,
		emitWatchChanges: options.emitWatchChanges === true,
	};
}

/** A Source value the trigger has no option for, e.g. set by an expression. */
export function unsupportedSource(ctx: { getNode(): INode }, source: string): Error {
	return invalidParameter(
		ctx,
		`Source: "${source}" is not supported`,
		'Choose "Specific Projects, Tasks or Goals", "All Projects of a Team", "All Projects in a Portfolio", "All Projects in a Workspace" or "All Events of a Workspace".',
	);
}

function readTargets(ctx: IPollFunctions): WatchedTarget[] {
	const source = ctx.getNodeParameter('source', 'resources') as string;
	if (Object.hasOwn(PROJECT_SOURCES, source)) return [];
	if (source === 'workspace') {
		const { gid, name } = readWorkspace(ctx, ctx.getNodeParameter('workspace', undefined));
		return [{ kind: 'workspace', gid, ...(name ? { listedName: name } : {}) }];
	}
	if (source !== 'resources') throw unsupportedSource(ctx, source);

	const collection = ctx.getNodeParameter('resources', {}) as {
		items?: Array<{ resource?: unknown }>;
	};
	const items = collection.items ?? [];
	if (items.length === 0) {
		throw invalidParameter(
			ctx,
			`${PICKED_OBJECTS_LABEL}: the list is empty`,
			'Add at least one project, task or goal to watch, or choose another Source.',
		);
	}
	const targets: WatchedTarget[] = [];
	const seen = new Set<string>();
	items.forEach((item, index) => {
		const parsed = readAsanaObject(
			ctx,
			item.resource,
			`${PICKED_OBJECTS_LABEL} › item ${index + 1}`,
		);
		if (seen.has(parsed.gid)) return;
		seen.add(parsed.gid);
		targets.push({
			kind: 'resource',
			gid: parsed.gid,
			resourceType: parsed.type,
			...(parsed.name ? { listedName: parsed.name } : {}),
		});
	});
	return targets;
}

function readTriggerOn(ctx: IPollFunctions): TriggerOnRules {
	const chosen = splitList(ctx.getNodeParameter('triggerOn', ['anyEvent']));
	const unknown = chosen.find((value) => !isTriggerOn(value));
	if (unknown) {
		throw invalidParameter(
			ctx,
			`Trigger On: "${unknown}" is not an option`,
			'Choose one or more options from the list, e.g. Task Completed, or Any Event for every event.',
		);
	}
	if (chosen.length === 0) {
		throw invalidParameter(
			ctx,
			'Trigger On: nothing is chosen',
			'Choose at least one option, e.g. Task Completed, or Any Event for every event.',
		);
	}
	const options = new Set(chosen.filter(isTriggerOn));
	const customFieldGids = options.has('customFieldChanged')
		? splitList(ctx.getNodeParameter('customFields', []))
		: [];
	const badField = customFieldGids.find((gid) => !GID_PATTERN.test(gid));
	if (badField) {
		throw invalidParameter(
			ctx,
			`Custom Field Names or IDs: "${badField}" is not a custom field ID`,
			'Pick the fields from the list, or enter their IDs (digits only) as an expression, e.g. {{ ["1201234567890123"] }}.',
		);
	}
	return { options: options.has('anyEvent') ? new Set(['anyEvent']) : options, customFieldGids };
}

/** Every action Asana's events carry. */
const EVENT_ACTIONS = ['added', 'changed', 'deleted', 'removed', 'undeleted'];

export function readEventsTriggerSettings(ctx: IPollFunctions): EventsTriggerSettings {
	const triggerOn = readTriggerOn(ctx);
	// The Filters apply to what every Trigger On choice matches: "Task Assigned, not by me".
	const filters = ctx.getNodeParameter('filters', {}) as IDataObject;
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	// An action no event has would filter out every event, and the cursors would move past them.
	const actions = splitList(filters.actions);
	const badAction = actions.find((action) => !EVENT_ACTIONS.includes(action));
	if (badAction) {
		throw invalidParameter(
			ctx,
			`Filters › Actions: "${badAction}" is not an event action`,
			'Choose from added, changed, deleted, removed or undeleted (a completed task is a "changed" event; add Changed Fields "completed" to get only those).',
		);
	}
	const ignoredUserGids = splitList(filters.ignoredUserGids);
	const badUser = ignoredUserGids.find((gid) => !GID_PATTERN.test(gid));
	if (badUser) {
		throw invalidParameter(
			ctx,
			`Filters › Ignore Events by User Names or IDs: "${badUser}" is not a user ID`,
			'Pick the users from the list, or enter their IDs (digits only) as an expression, e.g. {{ ["1201234567890123"] }}. A user’s ID is in the URL of their profile.',
		);
	}
	const source = ctx.getNodeParameter('source', 'resources') as string;
	const projects = readProjectSource(ctx, source, options);
	return {
		authentication: ctx.getNodeParameter('authentication', 'accessToken') as AuthenticationMethod,
		targets: readTargets(ctx),
		triggerOn,
		...(projects ? { projects } : {}),
		scheduler: {
			maxRequestsPerMinute: readDeclared(ctx, EVENTS_TRIGGER_OPTIONS.maxRequestsPerMinute, options),
			maxStalenessMs:
				readDeclared(ctx, EVENTS_TRIGGER_OPTIONS.maxStalenessMinutes, options) * 60_000,
		},
		onExpired: readDeclared(ctx, EVENTS_TRIGGER_OPTIONS.onExpiredSyncToken, options),
		filters: {
			actions,
			resourceTypes: splitList(filters.resourceTypes),
			resourceSubtypes: splitList(filters.resourceSubtypes),
			changedFields: splitList(filters.changedFields),
			ignoredUserGids,
		},
		ignoreOwnEvents: filters.ignoreOwnEvents === true,
		maxEventsPerPoll: readDeclared(ctx, MAX_EVENTS_PER_POLL, options),
		concurrency: readDeclared(ctx, EVENTS_TRIGGER_OPTIONS.concurrency, options),
		fetchCurrentResource: options.fetchCurrentResource === true,
		testEventWaitSeconds: readDeclared(ctx, EVENTS_TRIGGER_OPTIONS.testEventWaitSeconds, options),
		format: readDeclared(ctx, EVENTS_TRIGGER_OPTIONS.format, options),
		replayFrom: readReplayFrom(ctx, options, Date.now()),
		recoveryRequestsPerPoll: readDeclared(
			ctx,
			EVENTS_TRIGGER_OPTIONS.recoveryRequestsPerPoll,
			options,
		),
	};
}
