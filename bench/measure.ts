import { cpus, availableParallelism, totalmem, type as osType, release } from 'os';

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
	const start = performance.now();
	const value = await work();
	return { ms: performance.now() - start, value };
}

export const MB = 1024 * 1024;

/** Full collections when node runs with --expose-gc, so heap figures are what is retained. */
export function collectGarbage(): void {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (gc) {
		gc();
		gc();
	}
}

export function gcExposed(): boolean {
	return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

/** Peak RSS and heap while work runs: sampled every few ms and after each step the caller reports. */
export class MemoryPeak {
	rss = 0;
	heapUsed = 0;
	private readonly timer: NodeJS.Timeout;

	constructor(intervalMs = 5) {
		this.sample();
		this.timer = setInterval(() => this.sample(), intervalMs);
	}

	sample(): void {
		const { rss, heapUsed } = process.memoryUsage();
		this.rss = Math.max(this.rss, rss);
		this.heapUsed = Math.max(this.heapUsed, heapUsed);
	}

	stop(): void {
		clearInterval(this.timer);
		this.sample();
	}
}

export function machineDescription(): string[] {
	const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
	return [
		`CPU: ${cpu}`,
		`Cores: ${availableParallelism()}`,
		`RAM: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
		`Node.js: ${process.version}`,
		`OS: ${osType()} ${release()}`,
	];
}
