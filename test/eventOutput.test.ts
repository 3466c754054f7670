/**
 * What every event item carries, on both event nodes: summary, url and event_id, in the raw
 * and the simplified shape; event_id the same across polls, restarts and a re-read page.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { runPoll, runWorkflow } from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

const credentials = () => ({
	asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl },
});

function triggerParams(gids: string[], options: INodeParameters = {}): INodeParameters {
	return {
		authentication: 'accessToken',
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: { __rl: true, mode: 'id', value: gid } })) },
		options,
	};
}

async function poll(parameters: INodeParameters, staticData: IDataObject) {
	const result = await runPoll({
		nodeType: new AsanaEventsTrigger(),
		parameters,
		credentials: credentials(),
		staticData,
	});
	if (result.error) throw result.error;
	return result;
}

const jsonOf = (items: INodeExecutionData[][] | null): IDataObject[] =>
	(items?.[0] ?? []).map((item) => item.json);

async function runAction(
	project: string,
	sync: string | undefined,
	extra: INodeParameters = {},
): Promise<IDataObject[]> {
	const outcome = await runWorkflow({
		nodeType: new AsanaEvents(),
		parameters: {
			authentication: 'accessToken',
			resource: 'event',
			operation: sync === undefined ? 'getSyncToken' : 'getEvents',
			source: 'resource',
			asanaObject: { __rl: true, mode: 'id', value: project },
			...(sync === undefined ? {} : { sync }),
			...extra,
		},
		credentials: credentials(),
		inputItems: [{}],
	});
	if (outcome.error) throw outcome.error;
	return outcome.items.map((item) => item.json);
}

const EVENT_ID = /^[\w-]{12}$/;

function expectReadable(item: IDataObject): void {
	expect(item.event_id).toMatch(EVENT_ID);
	expect(item.summary).toEqual(expect.any(String));
	const actor = item.user ? String((item.user as IDataObject).name) : 'Asana';
	expect(String(item.summary).startsWith(`${actor} `)).toBe(true);
	expect(String(item.url)).toMatch(/^https:\/\/app\.asana\.com\/0\/(goal\/)?\d+(\/\d+)?$/);
}

/** A flat item: no value is an object or a list. */
function expectFlat(item: IDataObject): void {
	for (const value of Object.values(item))
		expect(value === null || typeof value !== 'object').toBe(true);
	expect(item.event_id).toMatch(EVENT_ID);
	expect(item.summary).toEqual(expect.any(String));
	expect(String(item.url)).toMatch(/^https:\/\/app\.asana\.com\/0\//);
}

describe('event items', () => {
	it('every trigger item has a summary, a link and an event_id, raw and simplified', async () => {
		const project = sim.seeded.projects[0];
		const goal = sim.seeded.goals[0];
		const raw = triggerParams([project.gid, goal.gid]);
		const simplified = triggerParams([project.gid, goal.gid], { format: 'simplified' });
		const rawData: IDataObject = {};
		const simplifiedData: IDataObject = {};
		await poll(raw, rawData);
		await poll(simplified, simplifiedData);
		sim.generateActivity(300);
		sim.changeTask(sim.seeded.tasks[0].gid, 'custom_fields', undefined, null);

		const rawItems = jsonOf((await poll(raw, rawData)).items);
		const flatItems = jsonOf((await poll(simplified, simplifiedData)).items);
		expect(rawItems.length).toBeGreaterThan(250);
		for (const item of rawItems) expectReadable(item);
		for (const item of flatItems) expectFlat(item);
		expect(new Set(rawItems.map((i) => i.event_id)).size).toBe(rawItems.length);
		// The same events, the same ids and lines, in either shape.
		expect(flatItems.map((i) => [i.event_id, i.summary, i.url])).toEqual(
			rawItems.map((i) => [i.event_id, i.summary, i.url]),
		);
		expect(rawItems.some((i) => i.user === null && String(i.summary).startsWith('Asana '))).toBe(
			true,
		);
	});

	it('says who did what to which object, where, with the object’s link', async () => {
		const project = sim.createProject('Website relaunch');
		const task = sim.createTask({ name: 'Write launch post', projectGids: [project.gid] });
		// Picked from the list: the trigger knows the project by name.
		const params = {
			...triggerParams([], { fetchCurrentResource: true }),
			resources: {
				items: [
					{
						resource: {
							__rl: true,
							mode: 'list',
							value: project.gid,
							cachedResultName: 'Project: Website relaunch',
						},
					},
				],
			},
		};
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const bo = sim.users.bob.gid;
		sim.assignTask(task.gid, bo);
		sim.addComment(task.gid, 'Looks good to me', bo);
		const sub = sim.createTask({ name: 'Proofread', parentGid: task.gid });
		sim.completeTask(task.gid, bo);
		sim.changeTask(task.gid, 'notes', 'By a rule', null);
		sim.postStatusUpdate(project.gid, 'On track');
		sim.deleteTask(sub.gid);
		const items = jsonOf((await poll(params, staticData)).items);
		const taskUrl = `https://app.asana.com/0/${project.gid}/${task.gid}`;
		// Fetch Current Resource read the task: its own link wins over one made from gids.
		const permalink = `https://app.asana.com/0/${sim.workspaceGid}/${task.gid}`;
		// Every event Asana sent, each in words: a change and the system story written with it.
		expect(items.map((i) => [i.summary, i.url])).toEqual([
			['Alice Admin assigned “Write launch post” to Bob Builder in Website relaunch', permalink],
			['Alice Admin assigned to Bob Builder on “Write launch post” in Website relaunch', taskUrl],
			[
				'Bob Builder commented on “Write launch post”: “Looks good to me” in Website relaunch',
				taskUrl,
			],
			[
				'Alice Admin added subtask “Proofread” to “Write launch post” in Website relaunch',
				`https://app.asana.com/0/${project.gid}/${sub.gid}`,
			],
			['Bob Builder completed “Write launch post” in Website relaunch', permalink],
			[
				'Bob Builder changed the completion time of “Write launch post” in Website relaunch',
				permalink,
			],
			['Bob Builder marked this task complete on “Write launch post” in Website relaunch', taskUrl],
			['Asana changed notes of “Write launch post” in Website relaunch', permalink],
			[
				'Alice Admin posted a status update “On track” on project “Website relaunch”',
				`https://app.asana.com/0/${project.gid}`,
			],
			[
				'Alice Admin posted a status update on project “Website relaunch”',
				`https://app.asana.com/0/${project.gid}`,
			],
			[
				'Alice Admin deleted “Proofread” in Website relaunch',
				`https://app.asana.com/0/${project.gid}/${sub.gid}`,
			],
		]);
	});

	it('keeps each event_id across a restart that reads the same page again', async () => {
		const project = sim.seeded.projects[0];
		const params = triggerParams([project.gid]);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		sim.generateActivity(40);
		// What n8n's database holds before the poll: a crash after emitting leaves it so.
		const saved = JSON.stringify(staticData);
		const first = jsonOf((await poll(params, staticData)).items);
		const restarted = jsonOf((await poll(params, JSON.parse(saved) as IDataObject)).items);
		expect(first.length).toBeGreaterThan(30);
		expect(restarted.map((i) => i.event_id)).toEqual(first.map((i) => i.event_id));
		expect(restarted.map((i) => i.summary)).toEqual(first.map((i) => i.summary));
		// And the poll that went on from the saved cursors does not emit them again.
		expect((await poll(params, staticData)).items).toBeNull();
	});

	it('gives an event that reaches two watched streams one item, with the event_id the Asana Events node gives it', async () => {
		const project = sim.seeded.projects[0];
		const task = sim.seeded.tasks[0];
		const params = triggerParams([project.gid, task.gid]);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const sync = String((await runAction(task.gid, undefined))[0].sync);
		sim.changeTask(task.gid, 'notes', 'Changed');
		const items = jsonOf((await poll(params, staticData)).items);
		expect(items).toHaveLength(1);
		expect((await runAction(task.gid, sync)).map((i) => i.event_id)).toEqual([items[0].event_id]);
	});

	it('the Asana Events node gives the same summary, link and event_id as the trigger, in both shapes', async () => {
		const project = sim.seeded.projects[0];
		const params = triggerParams([project.gid]);
		const staticData: IDataObject = {};
		await poll(params, staticData);
		const sync = String((await runAction(project.gid, undefined))[0].sync);
		sim.generateActivity(60);

		const fromTrigger = jsonOf((await poll(params, staticData)).items);
		const raw = { returnAll: true, options: { format: 'raw' } };
		const each = await runAction(project.gid, sync, raw);
		const all = await runAction(project.gid, sync, {
			...raw,
			options: { format: 'raw', splitIntoItems: false },
		});
		// Simplified is the node's default Output Format.
		const flat = await runAction(project.gid, sync, { returnAll: true });
		const flatAll = await runAction(project.gid, sync, {
			returnAll: true,
			options: { splitIntoItems: false },
		});
		const ids = fromTrigger.map((i) => [i.event_id, i.summary, i.url]);
		expect(ids.length).toBeGreaterThan(50);
		for (const item of each) expectReadable(item);
		expect(each.map((i) => [i.event_id, i.summary, i.url])).toEqual(ids);
		const listed = all[0].events as IDataObject[];
		expect(listed.map((i) => [i.event_id, i.summary, i.url])).toEqual(ids);
		for (const item of flat) expectFlat({ ...item, sync: null });
		expect(flat.map((i) => [i.event_id, i.summary, i.url])).toEqual(ids);
		expect((flatAll[0].events as IDataObject[]).map((i) => [i.event_id, i.summary, i.url])).toEqual(
			ids,
		);
	});
});
