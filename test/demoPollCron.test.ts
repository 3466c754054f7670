import { spawnSync } from 'child_process';
import { join } from 'path';

const DEMO = join(__dirname, '..', 'scripts', 'demo.mjs');

/** The demo with DEMO_POLL_CRON on an n8n line; a refused cron must stop it before anything starts. */
function demo(line: string, cron: string) {
	return spawnSync(process.execPath, [DEMO], {
		env: { ...process.env, N8N_ASANA_N8N: line, DEMO_POLL_CRON: cron, DEMO_DIR: '' },
		encoding: 'utf8',
		timeout: 20_000,
	});
}

describe('npm run demo with DEMO_POLL_CRON', () => {
	it.each(['0,20,40 * * * * *', '*/15 * * * * *', '0-59 * * * * *'])(
		'n8n 2.41 refuses "%s" (more than one poll a minute): the demo fails at once, naming DEMO_POLL_CRON and a cron it takes',
		(cron) => {
			const run = demo('2.41', cron);
			expect(run.status).toBe(1);
			expect(run.stdout + run.stderr).toContain(`demo failed: DEMO_POLL_CRON "${cron}" polls more`);
			expect(run.stdout + run.stderr).toMatch(
				/than once a minute, which n8n 2\.41\.\d+ refuses: set one fixed second, e\.g\. DEMO_POLL_CRON="0 \* \* \* \* \*", or unset it \(every minute\)/,
			);
			expect(run.stdout + run.stderr).not.toMatch(/building and packing/);
		},
	);

	it('n8n 2.30 refuses "*" in the seconds field: the demo fails at once and offers listed seconds', () => {
		const run = demo('2', '*/10 * * * * *');
		expect(run.status).toBe(1);
		expect(run.stdout + run.stderr).toContain(
			'demo failed: DEMO_POLL_CRON "*/10 * * * * *" has "*" in its seconds field, which n8n 2.',
		);
		expect(run.stdout + run.stderr).toContain(
			'refuses: list the seconds, e.g. DEMO_POLL_CRON="0,20,40 * * * * *"',
		);
	});
});
