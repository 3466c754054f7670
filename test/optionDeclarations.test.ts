/**
 * Every option of every node, walked from the node descriptions (collections and fixed
 * collections included), against what the node's settings reader accepts: the panel's
 * default is what an unset option reads as, and the panel's bounds are the reader's. A new
 * option is checked without editing this file.
 *
 * Numbers: the reader, run through the real node, takes min and max and refuses one step
 * beyond either with a message that names the option. Lists: the default is one of the
 * choices. Options of a collection are left unset by n8n (it fills only top-level
 * parameters with their defaults), so a number or a list there must be declared with
 * nodes/shared/editor/declaredOptions.ts, whose reader falls back to the panel's default.
 */
import type {
	IDisplayOptions,
	INode,
	INodeParameters,
	INodeProperties,
	INodePropertyCollection,
	INodePropertyOptions,
	INodeType,
} from 'n8n-workflow';

import { AsanaAuditLog } from '../nodes/AsanaAuditLog/AsanaAuditLog.node';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEvents } from '../nodes/AsanaEvents/AsanaEvents.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { declarationOf } from '../nodes/shared/editor/declaredOptions';
import { runPoll, runWorkflow } from './harness';
import { AsanaSimulator } from './simulator';

let sim: AsanaSimulator;
let teamGid: string;
beforeAll(async () => {
	sim = await AsanaSimulator.start();
	const team = sim.createTeam('Option checks');
	teamGid = team.gid;
	sim.createProject('Option checks project', sim.workspaceGid, { teamGid });
});
afterAll(async () => {
	await sim.stop();
});

const id = (value: string) => ({ __rl: true, mode: 'id', value });

interface NodeUnderTest {
	nodeType: () => INodeType;
	/**
	 * Parameters a run succeeds with, choosing where there is a choice the branch that shows
	 * the most options (a team's projects: its project list options too).
	 */
	good: () => INodeParameters;
	token: () => string;
	trigger: boolean;
}

const NODES: NodeUnderTest[] = [
	{
		nodeType: () => new AsanaEventsTrigger(),
		good: () => ({
			authentication: 'accessToken',
			source: 'teamProjects',
			team: id(teamGid),
			// Triggers of one credential share a rate: keep it out of the way but where it is tested.
			options: { maxRequestsPerMinute: 100_000 },
		}),
		token: () => sim.tokens.alice,
		trigger: true,
	},
	{
		nodeType: () => new AsanaAuditLogTrigger(),
		good: () => ({ workspace: id(sim.workspaceGid), start: 'now' }),
		token: () => sim.tokens.serviceAccount,
		trigger: true,
	},
	{
		nodeType: () => new AsanaEvents(),
		good: () => ({
			authentication: 'accessToken',
			resource: 'event',
			operation: 'getEvents',
			source: 'resource',
			asanaObject: id(sim.seeded.projects[0].gid),
			sync: '',
		}),
		token: () => sim.tokens.alice,
		trigger: false,
	},
	{
		nodeType: () => new AsanaAuditLog(),
		good: () => ({
			resource: 'auditLogEvent',
			operation: 'getAll',
			workspace: id(sim.workspaceGid),
		}),
		token: () => sim.tokens.serviceAccount,
		trigger: false,
	},
];

/** An option where the walk found it: the collections it sits in, outermost first. */
interface FoundOption {
	node: NodeUnderTest;
	nodeName: string;
	property: INodeProperties;
	/** Parameter names from the top level down to the option's collection ([] at the top). */
	path: string[];
	/** The display conditions of the option and of every collection around it, with their level. */
	conditions: Array<{ show: NonNullable<IDisplayOptions['show']>; path: string[] }>;
}

function walk(
	node: NodeUnderTest,
	nodeName: string,
	properties: INodeProperties[],
	path: string[],
	conditions: FoundOption['conditions'],
): FoundOption[] {
	return properties.flatMap((property) => {
		const here = property.displayOptions?.show
			? [...conditions, { show: property.displayOptions.show, path }]
			: conditions;
		if (property.type === 'collection')
			return walk(
				node,
				nodeName,
				property.options as INodeProperties[],
				[...path, property.name],
				here,
			);
		if (property.type === 'fixedCollection')
			return (property.options as INodePropertyCollection[]).flatMap((group) =>
				walk(node, nodeName, group.values, [...path, property.name, group.name], here),
			);
		return [{ node, nodeName, property, path, conditions: here }];
	});
}

const OPTIONS = NODES.flatMap((node) => {
	const { description } = node.nodeType();
	return walk(node, description.displayName, description.properties, [], []);
});

function label(option: FoundOption): string {
	return [...option.path, option.property.name].join(' › ');
}

function getAt(parameters: INodeParameters, path: string[]): INodeParameters {
	let level = parameters;
	for (const name of path) {
		const next = level[name];
		level[name] = next && typeof next === 'object' && !Array.isArray(next) ? next : {};
		level = level[name] as INodeParameters;
	}
	return level;
}

/**
 * The good parameters with the option shown (each display condition met with its first
 * value where it is not met already) and set to `value`, or left unset for undefined.
 */
function parametersWith(option: FoundOption, value: unknown): INodeParameters {
	const parameters = option.node.good();
	for (const condition of option.conditions) {
		for (const [key, allowed] of Object.entries(condition.show)) {
			const root = key.startsWith('/');
			const level = getAt(parameters, root ? [] : condition.path);
			const name = root ? key.slice(1) : key;
			if (!(allowed ?? []).includes(level[name] as never))
				level[name] = (allowed ?? [])[0] as never;
		}
	}
	const level = getAt(parameters, option.path);
	if (value === undefined) delete level[option.property.name];
	else level[option.property.name] = value as never;
	return parameters;
}

async function run(option: FoundOption, value: unknown): Promise<Error | undefined> {
	const { node } = option;
	const credentials = { asanaEventsApi: { accessToken: node.token(), baseUrl: sim.baseUrl } };
	const parameters = parametersWith(option, value);
	if (node.trigger)
		return (await runPoll({ nodeType: node.nodeType(), parameters, credentials, staticData: {} }))
			.error;
	return (
		await runWorkflow({ nodeType: node.nodeType(), parameters, credentials, inputItems: [{}] })
	).error;
}

const NUMBERS = OPTIONS.filter((option) => option.property.type === 'number');
const CHOICES = OPTIONS.filter((option) => option.property.type === 'options');

/** A value no bound allows: a stand-in for "no upper bound". */
const HUGE = 1_000_000_000;

function boundsOf(property: INodeProperties) {
	const typeOptions = property.typeOptions ?? {};
	const step = 10 ** -(typeOptions.numberPrecision ?? 0);
	return {
		min: typeOptions.minValue,
		max: typeOptions.maxValue,
		step,
	};
}

it('finds the options of all four nodes, those in collections included', () => {
	expect(new Set(OPTIONS.map((option) => option.nodeName)).size).toBe(NODES.length);
	expect(NUMBERS.length).toBeGreaterThanOrEqual(8);
	expect(NUMBERS.some((option) => option.path.length > 0)).toBe(true);
});

describe.each(NUMBERS.map((option) => [`${option.nodeName}: ${label(option)}`, option] as const))(
	'%s',
	(_title, option) => {
		const { property } = option;
		const { min, max, step } = boundsOf(property);
		const fail = (value: number) => `${property.displayName} refuses ${value}`;

		it('has a lower bound, and a default within its bounds', () => {
			expect(min).toEqual(expect.any(Number));
			expect(property.default).toBeGreaterThanOrEqual(min as number);
			if (max !== undefined) expect(property.default).toBeLessThanOrEqual(max);
		});

		it('reads as its default when unset', async () => {
			const declared = declarationOf(property);
			if (option.path.length > 0) {
				// n8n leaves an option of a collection unset: only a declared reader falls back to the panel's default.
				expect(declared).toBeDefined();
			}
			if (declared) {
				const ctx = { getNode: () => ({ name: 'Node' }) as INode };
				expect(declared.read(ctx, undefined)).toBe(property.default);
				expect(declared.read(ctx, '')).toBe(property.default);
			}
			expect(await run(option, undefined)).toBeUndefined();
		});

		it('accepts its bounds', async () => {
			expect({ value: min, error: (await run(option, min))?.message }).toEqual({
				value: min,
				error: undefined,
			});
			const upper = max ?? HUGE;
			expect({ value: upper, error: (await run(option, upper))?.message }).toEqual({
				value: upper,
				error: undefined,
			});
		});

		it('refuses one step beyond each bound, naming the option', async () => {
			const below = Number(((min as number) - step).toFixed(6));
			const error = await run(option, below);
			expect(error?.message ?? fail(below)).toContain(`${property.displayName}: ${below}`);
			if (max !== undefined) {
				const above = Number((max + step).toFixed(6));
				const beyond = await run(option, above);
				expect(beyond?.message ?? fail(above)).toContain(`${property.displayName}: ${above}`);
			}
		});
	},
);

describe.each(CHOICES.map((option) => [`${option.nodeName}: ${label(option)}`, option] as const))(
	'%s',
	(_title, option) => {
		const { property } = option;
		const values = (property.options as INodePropertyOptions[]).map((choice) => choice.value);

		it('defaults to one of its choices', () => {
			expect(values).toContain(property.default);
		});

		const declared = declarationOf(property);
		if (declared) {
			it('reads as its default when unset, takes each choice and refuses another, naming the option', () => {
				const ctx = { getNode: () => ({ name: 'Node' }) as INode };
				expect(declared.read(ctx, undefined)).toBe(property.default);
				for (const value of values) expect(declared.read(ctx, value)).toBe(value);
				expect(() => declared.read(ctx, 'no-such-choice')).toThrow(
					`${property.displayName}: "no-such-choice" is not a choice`,
				);
			});
		}
	},
);
