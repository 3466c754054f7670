/**
 * What Asana stated about the tasks a poll's events are about: their system stories among the
 * events read, the tasks that joined a project, and, for the tasks a decision asks for, their
 * stories as Asana lists them (one request per page of a task's stories).
 */
import { isGone, type AsanaTransport } from '../asana/transport';
import { mapWithConcurrency } from '../asana/concurrency';
import type { AsanaEvent } from '../asana/types';
import { decidingStory, joinsProject, type SystemStory, type TaskEvidence } from './intent';

/** Asana's largest page of a task's stories. */
const STORIES_PAGE = 100;
const STORY_FIELDS = 'resource_subtype,created_at,new_dates';

interface StoryRecord {
	gid: string;
	resource_subtype?: string;
	created_at?: string;
	new_dates?: SystemStory['new_dates'];
}

/**
 * A task's stories with `fields`, page after page while `mayAsk()` allows another request:
 * null when the task is gone or no longer visible (its stories cannot tell anything),
 * undefined when stopped before the last page.
 */
export async function readTaskStories<T>(
	transport: AsanaTransport,
	taskGid: string,
	fields: string,
	mayAsk: () => boolean,
	subject = `Stories of task ${taskGid}`,
): Promise<T[] | null | undefined> {
	const stories: T[] = [];
	let offset: string | undefined;
	do {
		if (!mayAsk()) return undefined;
		const reply = await transport.get<{ data?: T[]; next_page?: { offset?: string } | null }>(
			`/tasks/${taskGid}/stories`,
			{ opt_fields: fields, limit: STORIES_PAGE, offset },
			{ accept: isGone, subject },
		);
		if (reply.kind === 'deferred') return undefined;
		if (isGone(reply.status)) return null;
		stories.push(...(reply.body.data ?? []));
		offset = reply.body.next_page?.offset || undefined;
	} while (offset);
	return stories;
}

export class TaskStories implements Omit<TaskEvidence, 'readPast'> {
	/** Deciding stories among the events read, by task and instant. */
	private readonly seen = new Map<string, SystemStory[]>();

	/** Tasks added to a project, by task and instant, among the events read. */
	private readonly joined = new Set<string>();

	private readonly read = new Map<string, SystemStory[] | null>();

	/** Takes what `events` state: the stories they carry, the tasks that joined a project. */
	constructor(events: Iterable<AsanaEvent>) {
		for (const event of events) {
			const story = decidingStory(event);
			if (story) {
				const key = `${event.parent?.gid ?? ''}|${event.created_at}`;
				const list = this.seen.get(key);
				if (list) list.push(story);
				else this.seen.set(key, [story]);
			} else if (joinsProject(event)) this.joined.add(`${event.resource.gid}|${event.created_at}`);
		}
	}

	storiesAt(taskGid: string, instant: string): readonly SystemStory[] {
		return this.seen.get(`${taskGid}|${instant}`) ?? [];
	}

	joinedProjectAt(taskGid: string, instant: string): boolean {
		return this.joined.has(`${taskGid}|${instant}`);
	}

	stories(taskGid: string): readonly SystemStory[] | null | undefined {
		return this.read.get(taskGid);
	}

	/** What is known when deciding an event of a stream read up to `newestRead` (ISO). */
	ofStream(newestRead: string): TaskEvidence {
		return {
			storiesAt: (taskGid, instant) => this.storiesAt(taskGid, instant),
			joinedProjectAt: (taskGid, instant) => this.joinedProjectAt(taskGid, instant),
			stories: (taskGid) => this.stories(taskGid),
			readPast: (instant) => newestRead > instant,
		};
	}

	/**
	 * Reads the stories of `taskGids`, page after page, a few tasks at a time, while time is
	 * left; a task not read by then stays unknown.
	 */
	async readStories(
		transport: AsanaTransport,
		taskGids: Iterable<string>,
		concurrency: number,
		isOutOfTime: () => boolean,
	): Promise<void> {
		const wanted = [...new Set(taskGids)].filter((gid) => !this.read.has(gid));
		await mapWithConcurrency(wanted, concurrency, async (gid) => {
			const read = await readTaskStories<StoryRecord>(
				transport,
				gid,
				STORY_FIELDS,
				() => !isOutOfTime(),
			);
			if (read === undefined) return;
			this.read.set(
				gid,
				read &&
					read.flatMap((story): SystemStory[] =>
						story.resource_subtype && story.created_at
							? [
									{
										gid: story.gid,
										subtype: story.resource_subtype,
										created_at: story.created_at,
										...(story.new_dates ? { new_dates: story.new_dates } : {}),
									},
								]
							: [],
					),
			);
		});
	}
}
