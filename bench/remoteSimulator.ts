import { fork, type ChildProcess } from 'child_process';
import { join } from 'path';

import type { Counters, FaultSpec } from '../test/simulator';

interface Ready {
	baseUrl: string;
	workspaceGid: string;
	tokens: { alice: string; bob: string; serviceAccount: string };
	seededProjects: string[];
}

interface Reply {
	id: number;
	value?: unknown;
	error?: string;
}

/** The simulator's driving methods the bench uses, answered by bench/simulatorProcess.ts. */
export class RemoteSimulator {
	private nextId = 0;
	private readonly pending = new Map<
		number,
		{ resolve: (value: unknown) => void; reject: (error: Error) => void }
	>();

	private constructor(
		private readonly child: ChildProcess,
		readonly info: Ready,
	) {
		child.on('message', (reply: Reply) => {
			const waiting = this.pending.get(reply.id);
			if (!waiting) return;
			this.pending.delete(reply.id);
			if (reply.error !== undefined) waiting.reject(new Error(`simulator: ${reply.error}`));
			else waiting.resolve(reply.value);
		});
	}

	static async start(seed: number): Promise<RemoteSimulator> {
		const child = fork(join(__dirname, 'simulatorProcess.ts'), [String(seed)], {
			execArgv: ['--import', 'tsx'],
		});
		const ready = await new Promise<Ready>((resolve, reject) => {
			child.once('error', reject);
			child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`)));
			child.on('message', (message: { ready?: Ready }) => {
				if (message.ready) resolve(message.ready);
			});
		});
		return new RemoteSimulator(child, ready);
	}

	get baseUrl(): string {
		return this.info.baseUrl;
	}
	get workspaceGid(): string {
		return this.info.workspaceGid;
	}
	get tokens(): Ready['tokens'] {
		return this.info.tokens;
	}

	private async call<T>(method: string, ...args: unknown[]): Promise<T> {
		const id = this.nextId++;
		const reply = new Promise<unknown>((resolve, reject) =>
			this.pending.set(id, { resolve, reject }),
		);
		this.child.send({ id, method, args });
		return (await reply) as T;
	}

	async createProject(name: string): Promise<{ gid: string }> {
		return await this.call('createProject', name);
	}
	async createTask(name: string, projectGid: string): Promise<{ gid: string }> {
		return await this.call('createTask', { name, projectGids: [projectGid] });
	}
	async renameTask(taskGid: string, name: string): Promise<void> {
		await this.call('renameTask', taskGid, name);
	}
	async bulkTaskEvents(projectGid: string, count: number): Promise<void> {
		await this.call('bulkTaskEvents', projectGid, count);
	}
	async generateActivity(count: number, projectGid: string): Promise<void> {
		await this.call('generateActivity', count, { projectGid });
	}
	async generateAuditEvents(count: number, from: number, to: number): Promise<void> {
		await this.call('generateAuditEvents', count, { from, to });
	}
	async setLatency(ms: number): Promise<void> {
		await this.call('setLatency', ms);
	}
	async injectFault(fault: FaultSpec & { path?: string }): Promise<void> {
		await this.call('injectFault', fault);
	}
	async resetLog(): Promise<void> {
		await this.call('resetLog');
	}
	async expireSyncTokens(): Promise<void> {
		await this.call('expireSyncTokens');
	}
	async counters(): Promise<Counters> {
		return await this.call('counters');
	}

	async stop(): Promise<void> {
		const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
		await this.call('stop');
		await exited;
	}
}
