/**
 * Runs the simulator on its own:
 *   npx tsx test/simulator/cli.ts [--port 5680] [--latency 0] [--activity-every-ms 5000] [--audit-every-ms 15000] [--seed 1]
 * Prints one JSON line (URLs, workspace, tokens, projects, goals, curl lines that drive it),
 * then keeps generating activity and audit events until SIGINT or SIGTERM. 0 turns a
 * generator off.
 */
import { AsanaSimulator, controlExamples } from './index';

const OPTIONS = ['port', 'latency', 'activity-every-ms', 'audit-every-ms', 'seed'] as const;
type Option = (typeof OPTIONS)[number];

function parseArgs(argv: string[]): Record<Option, number> {
	const values: Record<Option, number> = {
		port: 0,
		latency: 0,
		'activity-every-ms': 5000,
		'audit-every-ms': 15000,
		seed: 1,
	};
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2);
		const name = flag.replace(/^--/, '') as Option;
		if (!flag.startsWith('--') || !OPTIONS.includes(name))
			throw new Error(
				`unknown option ${argv[i]}; known: ${OPTIONS.map((o) => `--${o}`).join(' ')}`,
			);
		const raw = inline ?? argv[++i];
		const value = Number(raw);
		if (raw === undefined || !Number.isInteger(value) || value < 0)
			throw new Error(`--${name} needs a non-negative integer`);
		values[name] = value;
	}
	return values;
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const sim = await AsanaSimulator.start({
		port: args.port,
		latencyMs: args.latency,
		seed: args.seed,
	});
	const { projects, goals } = sim.seeded;
	console.log(
		JSON.stringify({
			baseUrl: sim.baseUrl,
			oauthTokenUrl: sim.oauthTokenUrl,
			control: `${sim.origin}/_sim/state`,
			workspaceGid: sim.workspaceGid,
			tokens: sim.tokens,
			projects: projects.map((p) => ({ gid: p.gid, name: p.name })),
			goals: goals.map((g) => ({ gid: g.gid, name: g.name })),
			curl: controlExamples(sim.origin),
		}),
	);
	const timers: NodeJS.Timeout[] = [];
	let turn = 0;
	if (args['activity-every-ms'] > 0) {
		timers.push(
			setInterval(() => {
				turn++;
				sim.generateActivity(1 + (turn % 3), { projectGid: projects[turn % projects.length].gid });
			}, args['activity-every-ms']),
		);
	}
	if (args['audit-every-ms'] > 0)
		timers.push(setInterval(() => sim.recentAuditEvents(2), args['audit-every-ms']));

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		for (const timer of timers) clearInterval(timer);
		sim.stop().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
