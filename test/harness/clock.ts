/**
 * A simulated wall clock: `Date` is jest's, set from `now`; timers, ticks and sockets stay
 * real, so n8n-core and the simulator run as they do.
 */
export function simulateDate(now: number): void {
	jest.useFakeTimers({
		now,
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
