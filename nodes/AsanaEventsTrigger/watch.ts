/**
 * What one poll of the events trigger watches and reads: the streams of its source (for a
 * team, portfolio or workspace, its project list, listed again when due), and of those the
 * ones the request scheduler has requests for.
 */
import type { INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import type { AsanaTransport, RequestGate } from '../shared/asana/transport';
import type { StreamTarget } from '../shared/asana/types';
import {
	listProjects,
	sourceKey,
	sourceLabel,
	watchChangeItem,
	watchChanges,
} from '../shared/events/projectDiscovery';
import type { StreamToPoll } from '../shared/events/streamPoll';
import {
	joinCredentialRate,
	planReads,
	type CredentialRate,
	type SchedulePolicy,
} from '../shared/polling/requestScheduler';
import type { EventsTriggerSettings, WatchedTarget } from './parameters';
import type { EventsTriggerState } from './state';

export interface Watched {
	targets: WatchedTarget[];
	/** "Emit Watch Changes": an item per project that joined or left the watch. */
	changes: INodeExecutionData[];
	/** The project list was read at this poll. */
	listed: boolean;
}

/**
 * The streams to watch. A project source lists its projects at the first poll and again
 * when the refresh is due; a project found starts listening at this poll, one no longer
 * listed is no longer read and its cursor is dropped with it. When a listing cannot be read
 * within the time budget, the list watched so far stays.
 */
export async function watchedTargets(
	settings: Pick<EventsTriggerSettings, 'targets' | 'projects'>,
	transport: AsanaTransport,
	state: EventsTriggerState,
	now: number,
): Promise<Watched> {
	const projects = settings.projects;
	if (!projects) return { targets: settings.targets, changes: [], listed: false };
	const key = sourceKey(projects.source);
	let list = state.projectList(key);
	const changes: INodeExecutionData[] = [];
	let listed = false;
	if (!list || now - list.listedAt >= projects.refreshMs) {
		const found = await listProjects(
			transport,
			projects.source,
			`${sourceLabel(projects.source)} › projects`,
		);
		if (found) {
			// The first list is where the watch starts, not a change.
			if (list && projects.emitWatchChanges) {
				for (const change of watchChanges(list.projects, found))
					changes.push(watchChangeItem(change, projects.source, now));
			}
			list = state.replaceProjectList({ source: key, projects: found, listedAt: now });
			listed = true;
		}
	}
	const targets = (list?.projects ?? []).map((project): WatchedTarget => ({
		kind: 'resource',
		gid: project.gid,
		resourceType: 'project',
		...(project.name ? { listedName: project.name } : {}),
	}));
	return { targets, changes, listed };
}

/** Of `streams`, those the trigger's allowance of the credential's rate reads at `now`, and the others. */
export function chooseStreams(
	rate: CredentialRate,
	consumer: string,
	policy: SchedulePolicy,
	streams: StreamToPoll[],
	state: EventsTriggerState,
	now: number,
): { read: StreamToPoll[]; skipped: StreamTarget[] } {
	const allowance = rate.allowance(consumer, policy.pollGapMs, now);
	const read = planReads(state.schedulable(streams), allowance, now, policy);
	const chosen = new Set(read);
	const skipped = streams.filter((stream) => !chosen.has(stream)).map((stream) => stream.target);
	return { read, skipped };
}

/** The trigger's part in its credential's request rate, for one poll. */
export interface TriggerRate {
	/** For the transport: every request of the poll counts. */
	gate: RequestGate;
	policy: SchedulePolicy;
	/** Of `streams`, the ones to read now; the others, for `advance()`. */
	choose(
		streams: StreamToPoll[],
		state: EventsTriggerState,
	): {
		read: StreamToPoll[];
		skipped: StreamTarget[];
	};
}

/** Joins the credential's rate with this trigger's Max Requests per Minute and Max Staleness. */
export async function joinTriggerRate(
	ctx: IPollFunctions,
	settings: EventsTriggerSettings,
): Promise<TriggerRate> {
	const { rate, consumer, pollGapMs, gate } = await joinCredentialRate(
		ctx,
		settings.authentication,
		settings.scheduler.maxRequestsPerMinute,
	);
	const policy = { pollGapMs, maxStalenessMs: settings.scheduler.maxStalenessMs };
	return {
		gate,
		policy,
		choose(streams, state) {
			const chosen = chooseStreams(rate, consumer, policy, streams, state, Date.now());
			if (chosen.skipped.length)
				ctx.logger.debug(
					`${chosen.read.length} of ${streams.length} streams read this poll; the others wait for the credential's Max Requests per Minute`,
				);
			return chosen;
		},
	};
}
