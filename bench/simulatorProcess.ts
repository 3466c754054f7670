/**
 * The simulator in a process of its own, driven over IPC by bench/remoteSimulator.ts: its
 * CPU time and memory are then not counted as the nodes', as with a real, remote Asana.
 */
import { AsanaSimulator } from '../test/simulator';

interface Call {
	id: number;
	method: string;
	args: unknown[];
}

/** What crosses the IPC channel: created objects as their gid, generated lists as their length. */
function transferable(value: unknown): unknown {
	if (Array.isArray(value)) return value.length;
	if (value && typeof value === 'object' && 'gid' in value)
		return { gid: (value as { gid: string }).gid };
	return value;
}

async function main(): Promise<void> {
	const sim = await AsanaSimulator.start({ seed: Number(process.argv[2] ?? 1) });
	const send = (message: unknown) => process.send?.(message);
	process.on('message', (message: Call) => {
		const { id, method, args } = message;
		const member = (sim as unknown as Record<string, unknown>)[method];
		Promise.resolve()
			.then(() =>
				typeof member === 'function'
					? (member as (...a: unknown[]) => unknown).apply(sim, args)
					: member,
			)
			.then(
				(value) => {
					send({ id, value: transferable(value) });
					if (method === 'stop') process.disconnect();
				},
				(error: Error) => send({ id, error: error.message }),
			);
	});
	send({
		ready: {
			baseUrl: sim.baseUrl,
			workspaceGid: sim.workspaceGid,
			tokens: sim.tokens,
			seededProjects: sim.seeded.projects.map((p) => p.gid),
		},
	});
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
