/**
 * What a poll watches: the streams the user named, or those of a team's, portfolio's or
 * workspace's projects (listed at the first poll, and again when the refresh is due), and how
 * each is called in items, errors and log lines.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { AsanaTransport } from '../shared/asana/transport';
import { objectLabel } from '../shared/editor/resourceRef';
import { noticeFields, streamUrl } from './items';
import {
	listProjects,
	sourceKey,
	sourceLabel,
	watchChanges,
	type ListedProject,
	type ProjectSource,
	type WatchChange,
} from './projectList';
import type { EventsTriggerSettings, WatchedTarget } from './settings';

/** The projects a team, portfolio or workspace source watches, and when they were listed. */
export interface StoredProjectList {
	/** `sourceKey()` of the source listed: another source starts a new list. */
	source: string;
	projects: ListedProject[];
	/** Epoch ms of the listing. */
	listedAt: number;
}

/** Names are kept for messages only: a long one is cut, so static data stays small. */
const MAX_NAME_LENGTH = 100;

export interface Watched {
	targets: WatchedTarget[];
	/** "Emit Watch Changes": an item per project that joined or left the watch. */
	changes: INodeExecutionData[];
	/** The project list to keep, when it was read at this poll. */
	projectList?: StoredProjectList;
}

/**
 * A stream in words: `project “Website relaunch” (1200000000000005)` with the type and name
 * Asana gave (its record) or the name it was picked from the list by, `resource
 * 1200000000000005` when only the id is known.
 */
export function streamLabel(
	target: WatchedTarget,
	known?: { resourceType?: string; name?: string },
): string {
	const type =
		target.kind === 'workspace'
			? 'workspace'
			: (known?.resourceType ?? target.resourceType ?? 'resource');
	return objectLabel(type, target.gid, known?.name ?? target.listedName);
}

/** What a watch change item says, by its reason. */
function watchChangeMessage(change: WatchChange): string {
	const name = change.project.name ?? change.project.gid;
	switch (change.reason) {
		case 'listed':
			return `Project ${name} is watched from now on`;
		case 'unlisted':
			return `Project ${name} is no longer watched (archived, deleted, moved or no longer visible); its events are not read any more`;
		case 'refused':
			return `Project ${name} is no longer watched: Asana answered ${change.status} to its events (deleted, or this credential's user lost access to it). The other projects are read as usual; it is watched again, from where it stopped, when it is listed and readable again`;
		case 'readable':
			return `Project ${name} is watched again: its events are read from where they stopped`;
	}
}

/** The item "Emit Watch Changes" adds for a project that joined or left the watch. */
export function watchChangeItem(
	change: WatchChange,
	source: ProjectSource,
	at: number,
): INodeExecutionData {
	const message = watchChangeMessage(change);
	const json: IDataObject = {
		type: 'watch_change',
		change: change.change,
		reason: change.reason,
		...(change.status !== undefined ? { status: change.status } : {}),
		project: {
			gid: change.project.gid,
			resource_type: 'project',
			name: change.project.name ?? null,
		},
		source: {
			type: source.kind,
			gid: source.gid,
			...(source.listedName ? { name: source.listedName } : {}),
		},
		message,
		detected_at: new Date(at).toISOString(),
		...noticeFields(
			`watch|${change.change}|${change.project.gid}|${at}`,
			message,
			streamUrl({ kind: 'resource', gid: change.project.gid }, 'project'),
		),
	};
	return { json };
}

/** When the project list is read, and which projects' changes the failures stage tells instead. */
export interface ListingOptions {
	/** Read the list now, refresh due or not: a project of it answered 403 or 404. */
	relist?: boolean;
	/** Projects refused by Asana: they leave and rejoin the watch by their reads. */
	refused?: (projectGid: string) => boolean;
}

/**
 * The streams to watch. A project source lists its projects at the first poll and again
 * when the refresh is due (or `relist` asks); a project found starts listening at this poll,
 * one no longer listed is no longer read and its cursor is dropped with it. When a listing
 * cannot be read within the time budget, the list watched so far stays.
 */
export async function watchedTargets(
	settings: Pick<EventsTriggerSettings, 'targets' | 'projects'>,
	transport: AsanaTransport,
	stored: StoredProjectList | undefined,
	now: number,
	options: ListingOptions = {},
): Promise<Watched> {
	const projects = settings.projects;
	if (!projects) return { targets: settings.targets, changes: [] };
	const key = sourceKey(projects.source);
	let list = stored?.source === key ? stored : undefined;
	const changes: INodeExecutionData[] = [];
	let listed: StoredProjectList | undefined;
	if (!list || options.relist || now - list.listedAt >= projects.refreshMs) {
		const found = await listProjects(
			transport,
			projects.source,
			`${sourceLabel(projects.source)} › projects`,
		);
		if (found) {
			// The first list is where the watch starts, not a change.
			if (list && projects.emitWatchChanges) {
				for (const change of watchChanges(list.projects, found))
					if (!options.refused?.(change.project.gid))
						changes.push(watchChangeItem(change, projects.source, now));
			}
			listed = list = {
				source: key,
				projects: found.map(({ gid, name }) =>
					name ? { gid, name: name.slice(0, MAX_NAME_LENGTH) } : { gid },
				),
				listedAt: now,
			};
		}
	}
	const targets = (list?.projects ?? []).map((project): WatchedTarget => ({
		kind: 'resource',
		gid: project.gid,
		resourceType: 'project',
		...(project.name ? { listedName: project.name } : {}),
	}));
	return { targets, changes, ...(listed ? { projectList: listed } : {}) };
}
