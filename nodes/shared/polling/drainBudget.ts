/**
 * What the drains of one poll share: how many events they may still emit, how many they may
 * still read, and until when they may ask Asana. A drain reserves a page's share before it
 * asks for a known backlog and releases it when the page is in, so drains running in
 * parallel never fetch pages that none of them could emit.
 */
export class DrainBudget {
	private unspent: number;

	private readsLeft: number;

	/**
	 * @param maxEmitted events the poll may emit
	 * @param deadline epoch ms after which no new page is requested
	 * @param maxRead events the poll may read, emitted or dropped (a bound on its work when
	 * filters drop most events); no bound unless given
	 */
	constructor(
		maxEmitted: number,
		readonly deadline: number,
		private readonly maxRead = Number.POSITIVE_INFINITY,
	) {
		this.unspent = maxEmitted;
		this.readsLeft = maxRead;
	}

	/** Events that may still be emitted, less the shares reserved for pages on their way. */
	get remaining(): number {
		return this.unspent;
	}

	/** Holds `count` of `remaining` for a page asked for. */
	reserve(count: number): void {
		this.unspent -= count;
	}

	/** Gives back a share held by `reserve`. */
	release(count: number): void {
		this.unspent += count;
	}

	/** `count` events were emitted. */
	spend(count: number): void {
		this.unspent -= count;
	}

	/** `count` events came from Asana, whether emitted or dropped. */
	countRead(count: number): void {
		this.readsLeft -= count;
	}

	isOverdue(): boolean {
		return Date.now() >= this.deadline;
	}

	/** Whether another page may be read, whatever is left to emit: events left to read, and time left. */
	mayRead(): boolean {
		return this.readsLeft > 0 && !this.isOverdue();
	}

	/** Whether another page may be asked for: events left to emit and to read, and time left. */
	mayAsk(): boolean {
		return this.unspent > 0 && this.readsLeft > 0 && !this.isOverdue();
	}

	/** Why no more pages may be asked for, in the words of the node's options. */
	limitReached(): string {
		if (this.readsLeft <= 0 && this.unspent > 0)
			return `the most events one poll reads (${this.maxRead}) reached`;
		if (this.isOverdue() && this.unspent > 0) return 'time budget';
		return 'Max Events per Poll reached';
	}
}
