/**
 * Runs the simulator on its own: `npm run simulator -- --port 5680 --activity-every-ms 5000`.
 * Prints one JSON line (URLs, workspace, tokens, projects), then keeps generating activity
 * until stopped with Ctrl-C.
 */
import { AsanaSimulator } from './index';

function option(name: string, fallback: number): number {
	const index = process.argv.indexOf(`--${name}`);
	const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
	if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number`);
	return value;
}

async function main(): Promise<void> {
	const sim = await AsanaSimulator.start({ port: option('port', 0), latencyMs: option('latency', 0), seed: option('seed', 1) });
	const projects = ['Website relaunch', 'Customer onboarding'].map((name) => sim.createProject(name));
	for (const project of projects) {
		for (const name of ['Draft plan', 'Review copy', 'Ship it']) sim.createTask({ name, projectGids: [project.gid] });
	}
	sim.createGoal('Grow active customers');
	console.log(
		JSON.stringify({
			baseUrl: sim.baseUrl,
			oauthTokenUrl: sim.oauthTokenUrl,
			control: `${sim.origin}/_sim/state`,
			workspaceGid: sim.workspaceGid,
			tokens: sim.tokens,
			projects: projects.map((p) => ({ gid: p.gid, name: p.name })),
		}),
	);
	const timers: NodeJS.Timeout[] = [];
	const activityEvery = option('activity-every-ms', 5000);
	const auditEvery = option('audit-every-ms', 15000);
	let turn = 0;
	if (activityEvery > 0) {
		timers.push(setInterval(() => sim.generateActivity(1 + (turn++ % 3), { projectGid: projects[turn % projects.length].gid }), activityEvery));
	}
	if (auditEvery > 0) {
		timers.push(setInterval(() => sim.generateAuditEvents(2, { from: Date.now() - 1000, to: Date.now() }), auditEvery));
	}
	const stop = async () => {
		for (const timer of timers) clearInterval(timer);
		await sim.stop();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
