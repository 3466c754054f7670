import type { IPollFunctions } from 'n8n-workflow';

/** Polls running in this n8n process, by workflow and node: the hold each took, with the time it began. */
const running = new Map<string, { since: number }>();

export interface PollLock {
	release(): void;
}

/** Why a poll did not run: another poll of the same trigger holds the cursor. */
export interface PollBusy {
	busySince: number;
}

/**
 * n8n starts a poll at every tick even while the previous one of the same trigger still
 * runs; both would read the same cursor and emit the same events. The first holds the
 * lock until it releases it; the other gets `busySince` and must emit nothing.
 * Per process: in queue mode only the main polls, so that is the whole instance.
 */
export function lockPoll(ctx: IPollFunctions): PollLock | PollBusy {
	const key = `${ctx.getWorkflow().id ?? ''}\u0000${ctx.getNode().name}`;
	const holder = running.get(key);
	if (holder) return { busySince: holder.since };
	// An object, not the time: two polls in one millisecond must not release each other's hold.
	const hold = { since: Date.now() };
	running.set(key, hold);
	return {
		release: () => {
			if (running.get(key) === hold) running.delete(key);
		},
	};
}
