/**
 * The Events Trigger's Custom Field Names or IDs list under every source, asked for as n8n's
 * editor asks: a one-node workflow of the current parameters and a LoadOptionsContext on it,
 * over real HTTP to the loopback simulator.
 */
import type { INodeParameters, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { CUSTOM_FIELD_PROJECTS } from '../nodes/AsanaEventsTrigger/customFields';
import { editorContext } from './harness';
import { AsanaSimulator, type Project } from './simulator';

let sim: AsanaSimulator;
beforeEach(async () => {
	sim = await AsanaSimulator.start();
});
afterEach(async () => {
	await sim.stop();
});

type ProjectSourceName = 'teamProjects' | 'portfolioProjects' | 'workspaceProjects' | 'workspace';

const CONTAINER_PARAMETER: Record<ProjectSourceName, string> = {
	teamProjects: 'team',
	portfolioProjects: 'portfolio',
	workspaceProjects: 'workspace',
	workspace: 'workspace',
};

function sourceParams(
	source: ProjectSourceName,
	value: unknown,
	options: INodeParameters = {},
): INodeParameters {
	return {
		authentication: 'accessToken',
		triggerOn: ['customFieldChanged'],
		source,
		[CONTAINER_PARAMETER[source]]: { __rl: true, mode: 'id', value },
		options,
	} as INodeParameters;
}

function resourceParams(gids: string[]): INodeParameters {
	return {
		authentication: 'accessToken',
		triggerOn: ['customFieldChanged'],
		source: 'resources',
		resources: { items: gids.map((gid) => ({ resource: { __rl: true, mode: 'id', value: gid } })) },
	};
}

const customFieldsProperty = (): INodeProperties =>
	new AsanaEventsTrigger().description.properties.find(
		(property) => property.name === 'customFields',
	) as INodeProperties;

/** What n8n's DynamicNodeParametersService.getOptionsViaMethodName does for the editor. */
async function listFields(parameters: INodeParameters): Promise<INodePropertyOptions[]> {
	const nodeType = new AsanaEventsTrigger();
	const credentials = {
		asanaEventsApi: { accessToken: sim.tokens.alice, baseUrl: sim.baseUrl },
	};
	const { context, workflow, node } = editorContext(
		nodeType,
		parameters,
		credentials,
		'parameters.customFields',
	);
	const method = customFieldsProperty().typeOptions?.loadOptionsMethod as string;
	const registered = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion).methods
		?.loadOptions?.[method];
	if (!registered) throw new Error(`${node.type} registers no loadOptions method "${method}"`);
	return await registered.call(context);
}

async function failureOf(parameters: INodeParameters): Promise<Error | undefined> {
	return await listFields(parameters).then(
		() => undefined,
		(error: unknown) => error as Error,
	);
}

const names = (options: INodePropertyOptions[]) => options.map((option) => option.name);
const settingsReads = () => sim.requestLog.filter((r) => r.path.endsWith('/custom_field_settings'));

/** A project with fields of its own, named as given. */
function projectWithFields(
	name: string,
	fields: string[],
	place: { workspaceGid?: string; teamGid?: string; portfolioGid?: string } = {},
): Project {
	const project = sim.createProject(name, place.workspaceGid, place);
	for (const field of fields) sim.addCustomField(project.gid, field);
	return project;
}

describe('Custom Field Names or IDs: listed from the source’s projects', () => {
	it('All Projects of a Team: the fields of the team’s projects, each once; archived ones only with Include Archived Projects', async () => {
		const team = sim.createTeam('Platform');
		const api = projectWithFields('API', ['Priority', 'Effort'], { teamGid: team.gid });
		const billing = projectWithFields('Billing', ['Invoice status'], { teamGid: team.gid });
		// One field of the workspace's library on two projects: one entry.
		const severity = sim.addCustomField(api.gid, 'Severity');
		sim.addCustomFieldSetting(billing.gid, severity.gid);
		const legacy = projectWithFields('Legacy', ['Old code'], { teamGid: team.gid });
		sim.archiveProject(legacy.gid);
		projectWithFields('Elsewhere', ['Mood']);
		projectWithFields('Other team', ['Budget'], { teamGid: sim.createTeam('Sales').gid });

		const listed = await listFields(sourceParams('teamProjects', team.gid));
		expect(names(listed)).toEqual(['Effort', 'Invoice status', 'Priority', 'Severity']);
		expect(listed.find((option) => option.name === 'Severity')?.value).toBe(severity.gid);
		expect(
			names(await listFields(sourceParams('teamProjects', team.gid, { includeArchived: true }))),
		).toEqual(['Effort', 'Invoice status', 'Old code', 'Priority', 'Severity']);
	});

	it('All Projects in a Portfolio: the fields of the projects directly in it, not of nested portfolios or other projects', async () => {
		const portfolio = sim.createPortfolio('Bets');
		projectWithFields('Launch', ['Launch date'], { portfolioGid: portfolio.gid });
		projectWithFields('Pricing', ['Price tier'], { portfolioGid: portfolio.gid });
		const nested = sim.createPortfolio('Side bets');
		sim.addToPortfolio(portfolio.gid, nested.gid);
		projectWithFields('Experiment', ['Hypothesis'], { portfolioGid: nested.gid });
		projectWithFields('Elsewhere', ['Mood']);

		expect(names(await listFields(sourceParams('portfolioProjects', portfolio.gid)))).toEqual([
			'Launch date',
			'Price tier',
		]);
	});

	it('All Projects in a Workspace and Workspace: the fields of the workspace’s projects, not of another workspace’s', async () => {
		const [relaunch, onboarding] = sim.seeded.projects;
		sim.addCustomField(relaunch.gid, 'Priority');
		sim.addCustomField(onboarding.gid, 'Customer tier');
		projectWithFields('Platform API', ['Effort'], { teamGid: sim.createTeam('Platform').gid });
		const beta = sim.addWorkspace('Beta Labs');
		projectWithFields('Beta roadmap', ['Beta only'], { workspaceGid: beta.gid });

		for (const source of ['workspaceProjects', 'workspace'] as const) {
			expect(names(await listFields(sourceParams(source, sim.workspaceGid)))).toEqual([
				'Customer tier',
				'Effort',
				'Priority',
			]);
		}
		expect(names(await listFields(sourceParams('workspace', beta.gid)))).toEqual(['Beta only']);
	});

	it(`a big team: the fields of its first ${CUSTOM_FIELD_PROJECTS} projects only, one listing page, a few reads at a time, as the field’s description says`, async () => {
		const team = sim.createTeam('Everything');
		const projects = Array.from({ length: 120 }, (_, i) =>
			projectWithFields(`Project ${i + 1}`, [`Field ${String(i + 1).padStart(3, '0')}`], {
				teamGid: team.gid,
			}),
		);
		sim.setLatency(10);
		sim.resetLog();

		const listed = await listFields(sourceParams('teamProjects', team.gid));
		expect(names(listed)).toEqual(
			projects
				.slice(0, CUSTOM_FIELD_PROJECTS)
				.map((_, i) => `Field ${String(i + 1).padStart(3, '0')}`),
		);
		const listings = sim.requestLog.filter((r) => r.path.endsWith('/projects'));
		expect(listings).toHaveLength(1);
		expect(settingsReads().map((r) => r.path)).toEqual(
			expect.arrayContaining(
				projects
					.slice(0, CUSTOM_FIELD_PROJECTS)
					.map((p) => `/api/1.0/projects/${p.gid}/custom_field_settings`),
			),
		);
		expect(settingsReads()).toHaveLength(CUSTOM_FIELD_PROJECTS);
		expect(sim.counters.maxInFlight).toBeGreaterThan(1);
		expect(sim.counters.maxInFlight).toBeLessThanOrEqual(10);
		expect(customFieldsProperty().description).toContain(
			`reading the first ${CUSTOM_FIELD_PROJECTS} projects only`,
		);

		// The picked projects, tasks or goals are read within the same bound.
		sim.resetLog();
		const picked = await listFields(resourceParams(projects.map((p) => p.gid)));
		expect(picked).toHaveLength(CUSTOM_FIELD_PROJECTS);
		expect(settingsReads()).toHaveLength(CUSTOM_FIELD_PROJECTS);
	});
});

describe('Custom Field Names or IDs: a source not set or not valid', () => {
	it('lists nothing, and asks Asana nothing, while the team, portfolio or workspace is not picked yet', async () => {
		for (const source of Object.keys(CONTAINER_PARAMETER) as ProjectSourceName[]) {
			sim.resetLog();
			expect(await listFields(sourceParams(source, ''))).toEqual([]);
			const { [CONTAINER_PARAMETER[source]]: _unset, ...withoutContainer } = sourceParams(
				source,
				'',
			);
			expect(await listFields(withoutContainer)).toEqual([]);
			expect(sim.requestLog).toEqual([]);
		}
	});

	it('a value that is no ID fails naming the field and the fix, as the poll does; an unknown ID with Asana’s 404', async () => {
		for (const [source, field, kind] of [
			['teamProjects', 'Team', 'team'],
			['portfolioProjects', 'Portfolio', 'portfolio'],
		] as const) {
			expect((await failureOf(sourceParams(source, 'Platform')))?.message).toBe(
				`${field}: "Platform" is not a ${kind} ID. Pick the ${kind} from the list, or enter its ID (digits only; it is the number in the ${kind}'s URL).`,
			);
		}
		for (const source of ['workspaceProjects', 'workspace'] as const) {
			expect((await failureOf(sourceParams(source, 'Acme')))?.message).toBe(
				'Workspace: "Acme" is not a workspace ID. Pick the workspace from the list, or enter its ID (digits only; Asana URLs show it after /1/).',
			);
		}
		expect((await failureOf(sourceParams('teamProjects', '99999')))?.message).toBe(
			'Custom field list › Team 99999 › projects: Asana 404 on /teams/99999/projects: team: Unknown object: 99999. Asana does not know this ID, or the token cannot see it: check the ID or URL.',
		);
		expect(
			(await failureOf({ ...sourceParams('teamProjects', '1'), source: 'everything' }))?.message,
		).toBe(
			'Source: "everything" is not supported. Choose "Specific Projects, Tasks or Goals", "All Projects of a Team", "All Projects in a Portfolio", "All Projects in a Workspace" or "All Events of a Workspace".',
		);
	});
});

/** A parameter path as lodash's `get` reads it, e.g. `resources.items[0].resource.value`. */
function valueAt(parameters: INodeParameters, path: string): unknown {
	return path
		.split(/[.[\]]/)
		.filter(Boolean)
		.reduce<unknown>(
			(value, key) =>
				value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
			parameters,
		);
}

describe('Custom Field Names or IDs: when the editor reloads the list', () => {
	/** n8n's editor reloads the options when this text changes (ParameterInput's dependentParametersValues). */
	const reloadKey = (parameters: INodeParameters) =>
		(customFieldsProperty().typeOptions?.loadOptionsDependsOn as string[])
			.map((path) => valueAt(parameters, path))
			.join('|');

	it('depends on parameters of the node, and reloads when the source or what it names changes', () => {
		const parameterNames = new Set(
			new AsanaEventsTrigger().description.properties.map((property) => property.name),
		);
		for (const path of customFieldsProperty().typeOptions?.loadOptionsDependsOn as string[])
			expect(parameterNames).toContain(path.split(/[.[]/)[0]);

		const changes: Array<[INodeParameters, INodeParameters]> = [
			[sourceParams('teamProjects', '11'), sourceParams('portfolioProjects', '11')],
			[sourceParams('teamProjects', '11'), sourceParams('teamProjects', '12')],
			[sourceParams('portfolioProjects', '11'), sourceParams('portfolioProjects', '12')],
			[sourceParams('workspaceProjects', '11'), sourceParams('workspaceProjects', '12')],
			[sourceParams('workspace', '11'), sourceParams('workspace', '12')],
			[
				sourceParams('teamProjects', '11'),
				sourceParams('teamProjects', '11', { includeArchived: true }),
			],
			// A project picked into the first row, as the default row is filled in.
			[resourceParams(['']), resourceParams(['21'])],
			[resourceParams(['21']), resourceParams(['21', '22'])],
			[resourceParams(['21', '22']), resourceParams(['21', '23'])],
		];
		for (const [before, after] of changes) expect(reloadKey(after)).not.toBe(reloadKey(before));
	});
});
