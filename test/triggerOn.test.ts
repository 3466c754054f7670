/**
 * Trigger On through the real trigger, on event sequences from the simulator that mix
 * look-alikes: Asana's event model on one side, the user's intent on the other.
 */
import {
	type IDataObject,
	type INodeExecutionData,
	type INodeParameters,
	type INodePropertyOptions,
} from 'n8n-workflow';

import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { TRIGGER_ON_OPTIONS } from '../nodes/AsanaEventsTrigger/triggerOn';
import type { TriggerOn } from '../nodes/shared/events/intent';
import { editorContext, runPoll } from './harness';
import { AsanaSimulator, type Project, type Task } from './simulator';

const MINUTE = 60_000;
let clock = Date.parse('2026-03-02T09:00:00.000Z');
let sim: AsanaSimulator;

beforeEach(async () => {
	sim = await AsanaSimulator.start({ now: () => clock });
});
afterEach(async () => {
	await sim.stop();
});

function params(gids: string[], extra: INodeParameters = {}): INodeParameters {
	return {
		authentication: 'accessToken',
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: { __rl: true, mode: 'id', value: gid } })) },
		...extra,
	};
}

async function poll(parameters: INodeParameters, staticData: IDataObject) {
	const result = await runPoll({
		nodeType: new AsanaEventsTrigger(),
		parameters,
		credentials: { asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl } },
		staticData,
	});
	if (result.error) throw result.error;
	return result;
}

/** As n8n's editor asks for the Custom Field options: a one-node workflow of the current parameters. */
async function loadOptions(parameters: INodeParameters): Promise<INodePropertyOptions[]> {
	const nodeType = new AsanaEventsTrigger();
	const credentials = {
		asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl },
	};
	const { context } = editorContext(nodeType, parameters, credentials, 'parameters.customFields');
	return await nodeType.methods.loadOptions.getCustomFields.call(context);
}

const jsonOf = (items: INodeExecutionData[][] | null): IDataObject[] =>
	(items?.[0] ?? []).map((item) => item.json);

interface World {
	project: Project;
	goalGid: string;
	existing: Task;
	doomed: Task;
	watched: string[];
	priority: string;
	effort: string;
}

/** Objects made before listening starts, far enough back that none counts as just created. */
function world(): World {
	const project = sim.createProject('Website relaunch');
	const existing = sim.createTask({ name: 'Write launch post', projectGids: [project.gid] });
	const doomed = sim.createTask({ name: 'Old draft', projectGids: [project.gid] });
	const priority = sim.addCustomField(project.gid, 'Priority').gid;
	const effort = sim.addCustomField(project.gid, 'Effort', 'number').gid;
	const goal = sim.seeded.goals[0];
	clock += 60 * MINUTE;
	return {
		project,
		goalGid: goal.gid,
		existing,
		doomed,
		watched: [project.gid, goal.gid],
		priority,
		effort,
	};
}

/**
 * One of each look-alike, labelled with the intent it is. Steps a minute apart, as people
 * work; the new task's section placement comes with its creation.
 */
function mixedSequence(w: World): Array<{ label: string; on?: TriggerOn }> {
	const other = sim.createProject('Blog');
	const section = sim.createSection(w.project.gid, 'Doing');
	const steps: Array<{ label: string; on?: TriggerOn }> = [];
	const step = (label: string, on: TriggerOn | undefined, act: () => void) => {
		clock += MINUTE;
		act();
		steps.push({ label, on });
	};
	const bob = sim.users.bob.gid;
	const { existing } = w;
	let created: Task | undefined;
	step('created “Fresh task”', 'taskCreated', () => {
		created = sim.createTask({
			name: 'Fresh task',
			projectGids: [w.project.gid],
			sectionGid: section.gid,
		});
	});
	// The same creation's placement in its first section: no event of its own.
	steps.push({ label: 'first section of the new task' });
	step('added to Blog', 'taskAddedToProject', () => sim.addTaskToProject(existing.gid, other.gid));
	step('moved to section', 'taskMovedToSection', () =>
		sim.moveTaskToSection(existing.gid, section.gid),
	);
	step('completed', 'taskCompleted', () => sim.completeTask(existing.gid));
	step('reopened', 'taskReopened', () => sim.changeTask(existing.gid, 'completed', false));
	step('completed again', 'taskCompleted', () => sim.completeTask(existing.gid));
	step('completed the new task', 'taskCompleted', () => sim.completeTask(created!.gid));
	step('assigned', 'taskAssigned', () => sim.assignTask(existing.gid, bob));
	step('unassigned', undefined, () => sim.changeTask(existing.gid, 'assignee', undefined));
	step('due date', 'dueDateChanged', () => sim.changeTask(existing.gid, 'due_on', '2026-04-01'));
	step('due time', 'dueDateChanged', () => sim.changeTask(existing.gid, 'due_at'));
	step('renamed', undefined, () => sim.renameTask(existing.gid, 'Write the launch post'));
	step('notes', undefined, () => sim.changeTask(existing.gid, 'notes', 'Draft in the doc'));
	step('follower', undefined, () => sim.changeTask(existing.gid, 'followers', bob));
	step('comment', 'commentAdded', () => sim.addComment(existing.gid, 'Looks good to me'));
	step('subtask', 'subtaskAdded', () =>
		sim.createTask({ name: 'Proofread', parentGid: existing.gid }),
	);
	step('priority', 'customFieldChanged', () => sim.setCustomFieldValue(existing.gid, w.priority));
	step('effort', 'customFieldChanged', () => sim.setCustomFieldValue(existing.gid, w.effort));
	step('project status', 'statusUpdate', () => sim.postStatusUpdate(w.project.gid, 'On track'));
	step('goal status', 'statusUpdate', () => sim.postStatusUpdate(w.goalGid, 'At risk'));
	// A goal's current status changed with no status update posted (one was deleted): no update.
	step('goal status field', undefined, () => sim.changeGoal(w.goalGid, 'current_status_update'));
	step('goal field', undefined, () => sim.changeGoal(w.goalGid, 'due_on'));
	step('deleted', 'taskDeleted', () => sim.deleteTask(w.doomed.gid));
	step('restored', undefined, () => sim.undeleteTask(w.doomed.gid));
	step('removed from Blog', undefined, () => sim.removeTaskFromProject(existing.gid, other.gid));
	return steps;
}

describe('Trigger On', () => {
	const options = TRIGGER_ON_OPTIONS.map((option) => option.value).filter(
		(value) => value !== 'anyEvent',
	);

	it.each(options)('%s emits exactly the events it names, nothing else', async (option) => {
		const w = world();
		const parameters = params(w.watched, { triggerOn: [option] });
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		const steps = mixedSequence(w);
		const items = jsonOf((await poll(parameters, staticData)).items);

		const expected = steps.filter((s) => s.on === option);
		expect(expected.length).toBeGreaterThan(0);
		expect(items.map((item) => item.trigger_on)).toEqual(expected.map(() => option));
		expect(items).toHaveLength(expected.length);
		// Asana's order, one item per event: the n-th item is the n-th step of its kind.
		const times = items.map((item) => String(item.created_at));
		expect([...times].sort()).toEqual(times);
		expect(new Set(times).size).toBe(times.length);
		expect((await poll(parameters, staticData)).items).toBeNull();
	});

	it('tells each event of a mixed sequence apart when several options are chosen', async () => {
		const w = world();
		const parameters = params(w.watched, {
			triggerOn: ['taskCreated', 'taskCompleted', 'taskReopened', 'taskAddedToProject'],
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		mixedSequence(w);
		const items = jsonOf((await poll(parameters, staticData)).items);
		expect(items.map((item) => [item.trigger_on, item.summary])).toEqual([
			['taskCreated', 'Alice Admin created “Fresh task” in Website relaunch'],
			['taskAddedToProject', 'Alice Admin added “Write launch post” to project “Blog”'],
			['taskCompleted', 'Alice Admin completed “Write launch post” in Website relaunch'],
			['taskReopened', 'Alice Admin reopened “Write launch post” in Website relaunch'],
			['taskCompleted', 'Alice Admin completed “Write launch post” in Website relaunch'],
			['taskCompleted', 'Alice Admin completed “Fresh task” in Website relaunch'],
		]);
	});

	it('tells completed from reopened by the story Asana writes with each, reading nothing more', async () => {
		const w = world();
		const parameters = params([w.project.gid], { triggerOn: ['taskCompleted'] });
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.completeTask(w.existing.gid);
		sim.completeTask(w.doomed.gid);
		sim.reopenTask(w.doomed.gid);
		sim.resetLog();
		const first = jsonOf((await poll(parameters, staticData)).items);
		expect(first.map((item) => (item.resource as IDataObject).gid)).toEqual([
			w.existing.gid,
			w.doomed.gid,
		]);
		expect(sim.requestLog.filter((r) => r.path.includes('/tasks/'))).toHaveLength(0);

		sim.reopenTask(w.existing.gid);
		expect((await poll(parameters, staticData)).items).toBeNull();
		sim.completeTask(w.existing.gid);
		expect(jsonOf((await poll(parameters, staticData)).items)).toHaveLength(1);
	});

	it('Custom Field Changed emits only the picked fields, and lists the project’s fields to pick from', async () => {
		const w = world();
		const parameters = params([w.project.gid], {
			triggerOn: ['customFieldChanged'],
			customFields: [w.effort],
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.setCustomFieldValue(w.existing.gid, w.priority);
		sim.setCustomFieldValue(w.existing.gid, w.effort);
		const items = jsonOf((await poll(parameters, staticData)).items);
		expect(items.map((item) => item.summary)).toEqual([
			'Alice Admin changed custom field “Effort” of “Write launch post”',
		]);

		const listed = await loadOptions(params([w.project.gid, w.existing.gid, w.goalGid]));
		expect(listed).toEqual([
			{ name: 'Effort', value: w.effort },
			{ name: 'Priority', value: w.priority },
		]);
	});

	it('applies the Filters to every Trigger On choice, after the intent: the loop guard under a preset', async () => {
		const w = world();
		const bob = sim.users.bob.gid;
		const assigned = params(w.watched, {
			triggerOn: ['taskAssigned'],
			filters: { ignoreOwnEvents: true },
		});
		const byUsers = params(w.watched, {
			triggerOn: ['taskCompleted', 'taskReopened'],
			filters: { ignoredUserGids: bob },
		});
		const assignedData: IDataObject = {};
		const byUsersData: IDataObject = {};
		await poll(assigned, assignedData);
		await poll(byUsers, byUsersData);
		// Alice is the credential's user: "assigned, not by me" keeps Bob's assignment only.
		sim.assignTask(w.existing.gid, bob, sim.users.alice.gid);
		sim.assignTask(w.doomed.gid, sim.users.alice.gid, bob);
		sim.completeTask(w.existing.gid, bob);
		sim.completeTask(w.doomed.gid, sim.users.alice.gid);
		expect(
			jsonOf((await poll(assigned, assignedData)).items).map((i) => [i.trigger_on, i.summary]),
		).toEqual([['taskAssigned', 'Bob Builder assigned “Old draft” to Alice Admin']]);
		expect(
			jsonOf((await poll(byUsers, byUsersData)).items).map((i) => [i.trigger_on, i.summary]),
		).toEqual([['taskCompleted', 'Alice Admin completed “Old draft”']]);
	});

	it('waits at a completion whose story it must read but cannot, emitting what came before it, then emits it', async () => {
		const w = world();
		const parameters = params([w.project.gid], {
			triggerOn: ['taskCompleted', 'commentAdded'],
			options: { maxEventsPerPoll: 2 },
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		// The completion is the last event of a page, its story the first of the next one, which
		// the cap leaves for the next poll.
		sim.bulkTaskEvents(w.project.gid, 98);
		sim.addComment(w.existing.gid, 'Before');
		sim.completeTask(w.existing.gid);
		sim.addComment(w.existing.gid, 'After');
		// Asana asks to wait longer than the poll has.
		sim.injectFault({ kind: '429', path: '/stories', retryAfterSec: 120 });
		const held = await poll(parameters, staticData);
		expect(jsonOf(held.items).map((i) => i.trigger_on)).toEqual(['commentAdded']);
		sim.clearFaults();
		const rest: unknown[] = [];
		for (let polls = 0; polls < 5; polls++)
			rest.push(...jsonOf((await poll(parameters, staticData)).items).map((i) => i.trigger_on));
		expect(rest).toEqual(['taskCompleted', 'commentAdded']);
	});

	it('emits the completion of a task deleted since: the story Asana wrote with it tells', async () => {
		const w = world();
		const parameters = params([w.project.gid], { triggerOn: ['taskCompleted', 'taskDeleted'] });
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.completeTask(w.doomed.gid);
		sim.deleteTask(w.doomed.gid);
		expect(jsonOf((await poll(parameters, staticData)).items).map((i) => i.trigger_on)).toEqual([
			'taskCompleted',
			'taskDeleted',
		]);
	});

	it('waits when the poll’s time runs out before a story it needs is read, and emits it next poll', async () => {
		const w = world();
		// Every second (explicit seconds, as n8n before 2.41 takes them): a budget of one second,
		// which a slow stories page uses up.
		const parameters = params([w.project.gid], {
			triggerOn: ['taskCompleted'],
			pollTimes: { item: [{ mode: 'custom', cronExpression: '0-59 * * * * *' }] },
			options: { maxEventsPerPoll: 1 },
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.bulkTaskEvents(w.project.gid, 99);
		sim.completeTask(w.existing.gid);
		const cursor = () =>
			JSON.stringify(
				(staticData.eventsTrigger as IDataObject).streams as Record<string, { cursor: unknown }>,
				['cursor', 'sync', 'handled', `resource:${w.project.gid}`],
			);
		const before = cursor();
		// The page takes the poll's whole time: no time is left to read the task's stories.
		sim.injectFault({ kind: 'slow', path: '/events', delayMs: 1500 });
		const late = await poll(parameters, staticData);
		expect(late.items).toBeNull();
		expect(late.logs.some((line) => line.includes('read again next poll'))).toBe(true);
		expect(cursor()).toBe(before);
		expect(jsonOf((await poll(parameters, staticData)).items).map((i) => i.trigger_on)).toEqual([
			'taskCompleted',
		]);
	});

	it('Fetch Test Event waits for an event Trigger On names and returns it, cursors untouched', async () => {
		const w = world();
		const parameters = params([w.project.gid], {
			triggerOn: ['taskCompleted'],
			options: { testEventWaitSeconds: 10 },
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		const before = JSON.stringify(staticData);
		const pending = runPoll({
			nodeType: new AsanaEventsTrigger(),
			parameters,
			credentials: { asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl } },
			staticData,
			mode: 'manual',
			manualWritesThrough: true,
		});
		setTimeout(() => sim.renameTask(w.existing.gid, 'Not this one'), 200);
		setTimeout(() => sim.completeTask(w.existing.gid), 2500);
		const result = await pending;
		expect(result.error).toBeUndefined();
		expect(jsonOf(result.items).map((i) => [i.trigger_on, i.summary])).toEqual([
			['taskCompleted', 'Alice Admin completed “Not this one”'],
		]);
		expect(JSON.stringify(staticData)).toBe(before);
	});

	it('rejects a Trigger On value it does not know, and an empty choice, naming the field', async () => {
		const w = world();
		for (const triggerOn of [['taskFinished'], []]) {
			const result = await runPoll({
				nodeType: new AsanaEventsTrigger(),
				parameters: params([w.project.gid], { triggerOn }),
				credentials: { asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl } },
				staticData: {},
			});
			expect(result.error?.message).toMatch(/^Trigger On: .*Choose/);
		}
	});
});

describe('one real change, one right item', () => {
	it('a task that lives in two watched projects: one item for its completion, one event_id, under Task Completed and Any Event', async () => {
		const one = sim.createProject('Project 1');
		const two = sim.createProject('Project 2');
		const shared = sim.createTask({ name: 'Task 1', projectGids: [one.gid, two.gid] });
		clock += MINUTE;
		const completed = params([one.gid, two.gid], { triggerOn: ['taskCompleted'] });
		const any = params([one.gid, two.gid], { triggerOn: ['anyEvent'] });
		const completedData: IDataObject = {};
		const anyData: IDataObject = {};
		await poll(completed, completedData);
		await poll(any, anyData);
		sim.completeTask(shared.gid, sim.users.bob.gid);
		const items = jsonOf((await poll(completed, completedData)).items);
		expect(items.map((i) => [i.trigger_on, (i.resource as IDataObject).gid])).toEqual([
			['taskCompleted', shared.gid],
		]);
		// The change, its time and its story: three events, each once, though both projects report them.
		const events = jsonOf((await poll(any, anyData)).items);
		expect(events).toHaveLength(3);
		expect(new Set(events.map((e) => e.event_id)).size).toBe(3);
		expect((await poll(completed, completedData)).items).toBeNull();
	});

	it('a completion and a reopening one event a poll apart are what they were, whatever splits them', async () => {
		const w = world();
		const options = { maxEventsPerPoll: 1 };
		const completed = params([w.project.gid], { triggerOn: ['taskCompleted'], options });
		const reopened = params([w.project.gid], { triggerOn: ['taskReopened'], options });
		const completedData: IDataObject = {};
		const reopenedData: IDataObject = {};
		await poll(completed, completedData);
		await poll(reopened, reopenedData);
		sim.completeTask(w.existing.gid);
		sim.reopenTask(w.existing.gid);
		const drain = async (parameters: INodeParameters, staticData: IDataObject) => {
			const out: unknown[] = [];
			for (let i = 0; i < 8; i++)
				out.push(...jsonOf((await poll(parameters, staticData)).items).map((x) => x.trigger_on));
			return out;
		};
		expect(await drain(completed, completedData)).toEqual(['taskCompleted']);
		expect(await drain(reopened, reopenedData)).toEqual(['taskReopened']);
	});

	it('an existing task added to a project lands in a section: Task Added to Project, not Task Moved to Section', async () => {
		const w = world();
		const board = sim.createProject('Board');
		const todo = sim.createSection(board.gid, 'To do');
		const doing = sim.createSection(board.gid, 'Doing');
		clock += MINUTE;
		const parameters = params([board.gid, w.project.gid], {
			triggerOn: ['taskAddedToProject', 'taskMovedToSection', 'taskCreated'],
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.addTaskToProject(w.existing.gid, board.gid);
		// Created in another project, added to the board seconds later: created once, added once.
		const fresh = sim.createTask({ name: 'Fresh', projectGids: [w.project.gid] });
		clock += 3000;
		sim.addTaskToProject(fresh.gid, board.gid);
		sim.moveTaskToSection(w.existing.gid, doing.gid);
		const items = jsonOf((await poll(parameters, staticData)).items);
		expect(items.map((i) => [i.trigger_on, i.summary])).toEqual([
			['taskAddedToProject', 'Alice Admin added “Write launch post” to project “Board”'],
			['taskCreated', 'Alice Admin created “Fresh” in Website relaunch'],
			['taskAddedToProject', 'Alice Admin added “Fresh” to project “Board”'],
			['taskMovedToSection', 'Alice Admin moved “Write launch post” to section “Doing”'],
		]);
		expect(todo.gid).toBeDefined();
	});

	it('summaries say what is true: the due date or its clearing, which task was renamed without names, a landing section', async () => {
		const w = world();
		const todo = sim.createSection(w.project.gid, 'To do');
		clock += MINUTE;
		const due = params([w.project.gid], { triggerOn: ['dueDateChanged'] });
		const any = params([w.project.gid], { triggerOn: ['anyEvent'] });
		const dueData: IDataObject = {};
		const anyData: IDataObject = {};
		await poll(due, dueData);
		await poll(any, anyData);
		sim.changeTask(w.existing.gid, 'due_on', '2026-04-01');
		sim.changeTask(w.existing.gid, 'due_on', null);
		expect(jsonOf((await poll(due, dueData)).items).map((i) => i.summary)).toEqual([
			'Alice Admin changed the due date of “Write launch post” to 2026-04-01',
			'Alice Admin cleared the due date of “Write launch post”',
		]);
		await poll(any, anyData);
		sim.createTask({ name: 'Fresh', projectGids: [w.project.gid] });
		const landed = jsonOf((await poll(any, anyData)).items).map((i) => i.summary);
		expect(landed).toContain('Alice Admin added “Fresh” to section “To do”');
		expect(landed.some((s) => String(s).includes(' moved '))).toBe(false);
		// As Asana's webhooks deliver events: gids, no names.
		sim.setWebhookStyleEvents(true);
		sim.renameTask(w.doomed.gid, 'Renamed');
		const renamed = jsonOf((await poll(any, anyData)).items).map((i) => i.summary);
		expect(renamed).toContain(
			`User ${sim.users.alice.gid} renamed task ${w.doomed.gid} in Website relaunch`,
		);
		expect(todo.gid).toBeDefined();
	});
	it('a backlog a task stream runs through faster than its project stream still goes out once per change', async () => {
		const project = sim.createProject('Busy');
		const tasks = [1, 2, 3, 4].map((n) =>
			sim.createTask({ name: `Task ${n}`, projectGids: [project.gid] }),
		);
		clock += MINUTE;
		const any = params([project.gid, ...tasks.map((task) => task.gid)], {
			triggerOn: ['anyEvent'],
		});
		const data: IDataObject = {};
		await poll(any, data);
		// Each change reaches its task's stream and the project's: the five streams share each
		// poll's 1,000 events, so the task streams together move four times as fast as the project's.
		const changes = 6000;
		sim.bulkTaskEvents(project.gid, changes);
		const itemsOf = new Map<unknown, number>();
		// A poll may bring nothing new while the project's stream catches up: read the streams to their end.
		for (let polls = 0; polls < 40; polls++) {
			const items = jsonOf((await poll(any, data)).items);
			for (const item of items) itemsOf.set(item.event_id, (itemsOf.get(item.event_id) ?? 0) + 1);
		}
		expect(itemsOf.size).toBe(changes);
		expect([...itemsOf.values()].filter((count) => count > 1)).toHaveLength(0);
	});
});
