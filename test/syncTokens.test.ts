import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { decodeSyncToken, encodeSyncToken } from '../nodes/AsanaEvents/resources/event/getEvents';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { eventIdentity } from '../nodes/shared/events/eventKey';
import type { AsanaEvent } from '../nodes/shared/asana/types';
import { runPoll, runWorkflow } from './harness';
import { AsanaSimulator } from './simulator';

/**
 * Sync tokens are Asana's and opaque: whatever characters one holds, the action node and the
 * trigger hand it back to Asana unchanged. The simulator makes every third token one with
 * "+", "/", "=" and "~".
 */

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
const OPAQUE = /[+/=~]/;
const identities = (events: unknown[]) => (events as AsanaEvent[]).map(eventIdentity);
const streamSince = (gid: string, from: number) =>
	identities((sim.domain.streams.get(gid) ?? []).slice(from));
/** The tokens the nodes sent Asana: each must be one the simulator issued, byte for byte. */
const sentTokens = () =>
	sim.requestLog.filter((r) => r.path.endsWith('/events') && r.query.sync).map((r) => r.query.sync);

function actionParams(operation: 'getEvents' | 'getSyncToken', extra: INodeParameters = {}) {
	return {
		authentication: 'accessToken',
		resource: 'event',
		operation,
		source: 'resource',
		asanaObject: { __rl: true, mode: 'id', value: '={{ $json.project }}' },
		...(operation === 'getEvents'
			? { sync: '={{ $json.sync }}', options: { format: 'raw', splitIntoItems: false } }
			: {}),
		...extra,
	};
}

const runAction = (parameters: INodeParameters, inputItems: IDataObject[]) =>
	runWorkflow({ nodeType: new AsanaEvents(), parameters, credentials: credentials(), inputItems });

describe('sync tokens are opaque', () => {
	it('Get Sync Token → Get Events takes back tokens with "+", "/", "=" and "~", also with events left in a page', async () => {
		const projects = ['A', 'B', 'C'].map((name) => sim.createProject(name));
		const started = await runAction(
			actionParams('getSyncToken'),
			projects.map((p) => ({ project: p.gid })),
		);
		expect(started.error).toBeUndefined();
		const tokens = started.items.map((i) => String(i.json.sync));
		expect(tokens.filter((t) => OPAQUE.test(t))).toHaveLength(1);

		const before = projects.map((p) => sim.eventsEmitted(p.gid));
		for (const project of projects) sim.generateActivity(5, { projectGid: project.gid });
		sim.resetLog();
		// Limit ends inside each stream's page: the node's suffix follows Asana's token.
		const capped = await runAction(
			actionParams('getEvents', { limit: 2 }),
			projects.map((p, i) => ({ project: p.gid, sync: tokens[i] })),
		);
		expect(capped.error).toBeUndefined();
		const cappedOut = capped.items.map((i) => i.json);
		cappedOut.forEach((out, i) => {
			expect(out.sync_token_expired).toBe(false);
			expect(identities(out.events as unknown[])).toEqual(
				streamSince(projects[i].gid, before[i]).slice(0, 2),
			);
		});

		const rest = await runAction(
			actionParams('getEvents'),
			projects.map((p, i) => ({ project: p.gid, sync: cappedOut[i].sync })),
		);
		expect(rest.error).toBeUndefined();
		rest.items.forEach((item, i) => {
			expect(item.json.sync_token_expired).toBe(false);
			expect(identities(item.json.events as unknown[])).toEqual(
				streamSince(projects[i].gid, before[i]).slice(2),
			);
		});
		expect(sentTokens().filter((t) => OPAQUE.test(t)).length).toBeGreaterThanOrEqual(2);
		for (const token of sentTokens()) expect(sim.domain.syncTokenPosition(token)).toBeDefined();
		expect(sim.counters.byStatus['412']).toBeUndefined();
	});

	it('the trigger keeps polling on tokens with "+", "/", "=" and "~"', async () => {
		const projects = ['A', 'B', 'C'].map((name) => sim.createProject(name));
		const parameters: INodeParameters = {
			authentication: 'accessToken',
			source: 'resources',
			resources: {
				items: projects.map((p) => ({ resource: { __rl: true, mode: 'id', value: p.gid } })),
			},
		};
		const staticData: IDataObject = {};
		const poll = () =>
			runPoll({
				nodeType: new AsanaEventsTrigger(),
				parameters,
				credentials: credentials(),
				staticData,
			});
		expect((await poll()).error).toBeUndefined();
		const started = sentTokens().length;

		for (let round = 0; round < 2; round++) {
			const before = projects.map((p) => sim.eventsEmitted(p.gid));
			for (const project of projects) sim.generateActivity(2, { projectGid: project.gid });
			const outcome = await poll();
			expect(outcome.error).toBeUndefined();
			const emitted = identities((outcome.items?.[0] ?? []).map((item) => item.json));
			const expected = projects.flatMap((p, i) => streamSince(p.gid, before[i]));
			expect(emitted.sort()).toEqual(expected.sort());
		}
		const polled = sentTokens().slice(started);
		expect(polled.filter((t) => OPAQUE.test(t)).length).toBeGreaterThanOrEqual(1);
		for (const token of polled) expect(sim.domain.syncTokenPosition(token)).toBeDefined();
		expect(sim.counters.byStatus['412']).toBe(projects.length);
	});

	it.each([
		['spaces', 'not a token'],
		['a line break', 'abc\ndef'],
		['a control character', 'abc\u0007def'],
		['more than 4,096 characters', 'a'.repeat(4097)],
		['a list of keys only', '~abcdefghijkl'],
	])('refuses a Sync Token with %s, without echoing it', async (_case, token) => {
		const project = sim.createProject('P');
		const result = await runAction(actionParams('getEvents'), [
			{ project: project.gid, sync: token },
		]);
		expect(result.error?.message).toMatch(/^Item 0: Sync Token: this is not a sync token/);
		const shown = `${result.error?.message} ${(result.error as { description?: string }).description}`;
		expect(shown).not.toContain(token.trim());
		expect(sentTokens()).toEqual([]);
	});

	it('reads back what it writes, whatever Asana put in its part', () => {
		const keys = ['AAAAAAAAAAAA', 'b-c_d0123456'];
		for (const sync of [
			'5a888cbba4065641bffe1b44dced2fcf:0',
			'++//a1B2c3==~17',
			'ends~with~AAAAAAAAAAAA',
			'ends~with~AAAAAAAAAAAA.BBBBBBBBBBBB',
			'ends~',
			'~~',
			'a.b~c.d',
		]) {
			expect(decodeSyncToken(encodeSyncToken({ sync }))).toEqual({ sync });
			expect(decodeSyncToken(encodeSyncToken({ sync, handled: keys }))).toEqual({
				sync,
				handled: keys,
			});
		}
		// Asana's tokens as Asana hands them out are read as they are.
		expect(decodeSyncToken('++//a1B2c3==~17')).toEqual({ sync: '++//a1B2c3==~17' });
		expect(encodeSyncToken({ sync: 'abc:1' })).toBe('abc:1');
	});
});
