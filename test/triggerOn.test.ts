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
import { TRIGGER_ON_OPTIONS, type TriggerOn } from '../nodes/shared/events/triggerOn';
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
	step('goal status field', 'statusUpdate', () =>
		sim.changeGoal(w.goalGid, 'current_status_update'),
	);
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

	it('tells completed from reopened across polls, reading each task once per poll', async () => {
		const w = world();
		const parameters = params([w.project.gid], { triggerOn: ['taskCompleted'] });
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.completeTask(w.existing.gid);
		sim.completeTask(w.doomed.gid);
		sim.changeTask(w.doomed.gid, 'completed', false);
		sim.resetLog();
		const first = jsonOf((await poll(parameters, staticData)).items);
		expect(first.map((item) => (item.resource as IDataObject).gid)).toEqual([
			w.existing.gid,
			w.doomed.gid,
		]);
		const reads = sim.requestLog.filter((r) => r.path.includes('/tasks/'));
		expect(reads.map((r) => r.path).sort()).toEqual(
			[`/api/1.0/tasks/${w.existing.gid}`, `/api/1.0/tasks/${w.doomed.gid}`].sort(),
		);

		sim.changeTask(w.existing.gid, 'completed', false);
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

	it('Any Event keeps every event and the Filters; the other options leave the Filters out', async () => {
		const w = world();
		const filters = { actions: ['deleted'] };
		const any = params(w.watched, { triggerOn: ['anyEvent'], filters });
		const completed = params(w.watched, { triggerOn: ['taskCompleted'], filters });
		const anyData: IDataObject = {};
		const completedData: IDataObject = {};
		await poll(any, anyData);
		await poll(completed, completedData);
		sim.completeTask(w.existing.gid);
		sim.deleteTask(w.doomed.gid);
		expect(jsonOf((await poll(any, anyData)).items).map((i) => i.action)).toEqual(['deleted']);
		expect(jsonOf((await poll(completed, completedData)).items).map((i) => i.action)).toEqual([
			'changed',
		]);
	});

	it('emits nothing and keeps the cursors when a task it must read cannot be read, then emits it', async () => {
		const w = world();
		const parameters = params([w.project.gid], { triggerOn: ['taskCompleted'] });
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.completeTask(w.existing.gid);
		const before = JSON.stringify(staticData);
		sim.injectFault({ kind: '500', path: `/tasks/${w.existing.gid}`, times: 10 });
		const failed = await runPoll({
			nodeType: new AsanaEventsTrigger(),
			parameters,
			credentials: { asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl } },
			staticData,
		});
		expect(failed.error).toBeDefined();
		expect(JSON.stringify(staticData)).toBe(before);
		sim.clearFaults();
		expect(jsonOf((await poll(parameters, staticData)).items).map((i) => i.trigger_on)).toEqual([
			'taskCompleted',
		]);
	});

	it('leaves out a completion whose task is gone when read, and moves on', async () => {
		const w = world();
		const parameters = params([w.project.gid], { triggerOn: ['taskCompleted', 'taskDeleted'] });
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.completeTask(w.doomed.gid);
		sim.deleteTask(w.doomed.gid);
		expect(jsonOf((await poll(parameters, staticData)).items).map((i) => i.trigger_on)).toEqual([
			'taskDeleted',
		]);
		sim.completeTask(w.existing.gid);
		expect(jsonOf((await poll(parameters, staticData)).items).map((i) => i.trigger_on)).toEqual([
			'taskCompleted',
		]);
	});

	it('emits nothing and keeps the cursors when the poll’s time ran out before the task was read', async () => {
		const w = world();
		// Every second: a budget of one second, which a slow events page uses up.
		const parameters = params([w.project.gid], {
			triggerOn: ['taskCompleted'],
			pollTimes: { item: [{ mode: 'custom', cronExpression: '* * * * * *' }] },
		});
		const staticData: IDataObject = {};
		await poll(parameters, staticData);
		sim.completeTask(w.existing.gid);
		const before = JSON.stringify(staticData);
		sim.injectFault({ kind: 'slow', path: '/events', delayMs: 1500 });
		sim.resetLog();
		const late = await poll(parameters, staticData);
		expect(late.items).toBeNull();
		expect(sim.requestLog.filter((r) => r.path.includes('/tasks/'))).toHaveLength(0);
		expect(late.logs.some((line) => line.includes('read again next poll'))).toBe(true);
		expect(JSON.stringify(staticData)).toBe(before);
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
			['taskCompleted', 'Alice Admin completed “Not this one” in Website relaunch'],
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
