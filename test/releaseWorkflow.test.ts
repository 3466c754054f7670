import { readFileSync } from 'fs';
import { load } from 'js-yaml';
import { join } from 'path';

/**
 * The workflows as GitHub Actions reads them. CI (ci.yml) runs the README's test commands on
 * every push and pull request; the release (release.yml) runs them again and publishes: n8n
 * accepts a community node only when it was published from a GitHub Actions workflow with an
 * npm provenance statement.
 */
const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Step {
	name?: string;
	run?: string;
	uses?: string;
}
interface Job {
	permissions?: Record<string, string>;
	steps: Step[];
}
interface Trigger {
	tags?: string[];
	branches?: string[];
	paths?: string[];
}
interface Workflow {
	on: { push?: Trigger | null; pull_request?: Trigger | null } & Record<string, unknown>;
	permissions?: Record<string, string>;
	jobs: Record<string, Job>;
}

const workflow = load(read('.github/workflows/release.yml')) as Workflow;
const pkg = JSON.parse(read('package.json')) as {
	name: string;
	version: string;
	homepage: string;
	repository: { type: string; url: string };
	bugs: { url: string };
};

/** GitHub's filter pattern: `*` is anything but `/`. */
function matchesFilter(pattern: string, ref: string): boolean {
	const source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
	return new RegExp(`^${source}$`).test(ref);
}

/** The commands .ci/run runs after `npm ci`: the README's tests. */
function ciTestCommands(): string[] {
	return read('.ci/run')
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => /^npm (test|run \S+)$/.test(line));
}

/** The steps' commands, trimmed. */
const commandsOf = (job: Job) => job.steps.map((step) => (step.run ?? '').trim());

describe('the README’s test commands', () => {
	it('.ci/run runs them all, and the README names each', () => {
		const commands = ciTestCommands();
		expect(commands).toEqual(
			expect.arrayContaining(['npm test', 'npm run test:e2e', 'npm run test:e2e:queue']),
		);
		const readme = read('README.md');
		expect(commands.filter((command) => !readme.includes(command))).toEqual([]);
	});
});

describe('CI workflow (.github/workflows/ci.yml)', () => {
	const ci = load(read('.github/workflows/ci.yml')) as Workflow;
	const jobs = Object.values(ci.jobs);

	it('runs on every push and every pull request, to any branch', () => {
		expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
		for (const trigger of [ci.on.push, ci.on.pull_request])
			expect(trigger?.branches ?? trigger?.tags ?? trigger?.paths).toBeUndefined();
	});

	it('only reads: no permission to write, no secret, nothing published', () => {
		const permissions = [ci.permissions, ...jobs.map((job) => job.permissions)];
		expect(permissions.flatMap((p) => Object.values(p ?? {}))).not.toContain('write');
		expect(ci.permissions?.contents).toBe('read');
		const text = read('.github/workflows/ci.yml');
		expect(text).not.toMatch(/secrets\.|npm publish/);
	});

	it('installs with npm ci, then runs every test command .ci/run runs, in its order', () => {
		expect(jobs).toHaveLength(1);
		const runs = commandsOf(jobs[0]);
		const install = runs.indexOf('npm ci');
		expect(install).toBeGreaterThanOrEqual(0);
		const at = ciTestCommands().map((command) => ({ command, at: runs.indexOf(command) }));
		expect(at.filter(({ at }) => at <= install)).toEqual([]);
		expect(at.map(({ at }) => at)).toEqual([...at.map(({ at }) => at)].sort((a, b) => a - b));
		// Nothing else runs: what CI proves is what the README says.
		expect(
			runs.filter((run) => run && run !== 'npm ci' && !at.some((a) => a.command === run)),
		).toEqual([]);
	});
});

describe('release workflow (.github/workflows/release.yml)', () => {
	const [job] = Object.values(workflow.jobs);
	const runs = job.steps.map((step) => step.run ?? '');
	const indexOf = (match: (run: string) => boolean) => runs.findIndex(match);
	const publish = indexOf((run) => /\bnpm publish\b/.test(run));

	it('runs on a version tag and on nothing else', () => {
		expect(Object.keys(workflow.on)).toEqual(['push']);
		expect(workflow.on.push?.branches).toBeUndefined();
		const tags = workflow.on.push?.tags ?? [];
		expect(tags.some((tag) => matchesFilter(tag, `v${pkg.version}`))).toBe(true);
		expect(tags.some((tag) => matchesFilter(tag, 'main'))).toBe(false);
	});

	it('has one job, allowed to mint the OIDC token provenance needs, and nothing else to write', () => {
		expect(Object.keys(workflow.jobs)).toHaveLength(1);
		expect(job.permissions?.['id-token']).toBe('write');
		const writes = Object.entries({ ...workflow.permissions, ...job.permissions })
			.filter(([, access]) => access === 'write')
			.map(([scope]) => scope);
		expect(writes).toEqual(['id-token']);
	});

	it('installs with npm ci, then runs every test command .ci/run runs, before it publishes', () => {
		const install = indexOf((run) => run.trim() === 'npm ci');
		expect(install).toBeGreaterThanOrEqual(0);
		expect(publish).toBeGreaterThan(install);
		const commands = ciTestCommands();
		expect(commands).toEqual(
			expect.arrayContaining(['npm test', 'npm run test:e2e', 'npm run test:e2e:queue']),
		);
		for (const command of commands) {
			const at = indexOf((run) => run.trim() === command);
			expect({ command, at: at > install && at < publish }).toEqual({ command, at: true });
		}
	});

	it('publishes with --provenance, then checks that the registry shows the attestation', () => {
		expect(runs[publish]).toMatch(/npm publish\b.*--provenance/);
		const check = indexOf((run) => /dist\.attestations/.test(run));
		expect(check).toBeGreaterThan(publish);
		expect(runs[check]).toMatch(/slsa\.dev\/provenance/);
	});

	it('refuses a tag that does not name package.json’s version, or a version CHANGELOG.md lacks', () => {
		const guard = indexOf((run) => /GITHUB_REF_NAME/.test(run) && /CHANGELOG\.md/.test(run));
		expect(guard).toBeGreaterThanOrEqual(0);
		expect(guard).toBeLessThan(publish);
	});
});

describe('package.json: what n8n’s verification compares with the repository', () => {
	it('repository, bugs and homepage name the same GitHub repository', () => {
		const repo = /^git\+https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\.git$/.exec(
			pkg.repository.url,
		)?.[1];
		expect(pkg.repository.type).toBe('git');
		expect(repo).toBeDefined();
		expect(pkg.bugs.url).toBe(`https://github.com/${repo}/issues`);
		expect(pkg.homepage).toBe(`https://github.com/${repo}#readme`);
	});

	it('CHANGELOG.md has a section for the version in package.json', () => {
		expect(read('CHANGELOG.md')).toMatch(
			new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')}\\b`, 'm'),
		);
	});
});
