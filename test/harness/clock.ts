/**
 * A simulated wall clock: `Date` is jest's, set from `now`; timers, ticks and sockets stay
 * real, so n8n-core and the simulator run as they do. `running`: the clock goes on from `now`
 * at real speed, so that a wait for the credential's rate (a real timer) ends; otherwise it
 * stands still until set again.
 */
export function simulateDate(now: number, running = false): void {
	jest.useFakeTimers({
		now,
		advanceTimers: running,
		doNotFake: [
			'hrtime',
			'nextTick',
			'performance',
			'queueMicrotask',
			'setImmediate',
			'clearImmediate',
			'setInterval',
			'clearInterval',
			'setTimeout',
			'clearTimeout',
		],
	});
}
