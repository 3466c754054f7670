/**
 * The changes a trigger emitted lately, by key and instant: a change that a second stream, a
 * page read again or a recovery brings once more is not emitted twice. A change is kept while
 * a watched stream may still bring it: from the oldest position of the streams, less the time
 * Asana may take to deliver an event to every stream it reaches, and at most SEEN_CAPACITY.
 */

/** Asana delivers most events within ten minutes, to each stream on its own. */
export const DELIVERY_LAG_MS = 10 * 60_000;
/** About 48 KB of static data. */
export const SEEN_CAPACITY = 4000;
const KEY_LENGTH = 12;
const MINUTE = 60_000;

/** As kept in static data: per minute of the changes' instants, their keys run together. */
export interface StoredSeen {
	minutes: Array<[minute: number, keys: string]>;
	/** Epoch ms of the newest change emitted. */
	newest?: number;
}

export class SeenChanges {
	private readonly keys = new Set<string>();

	/** Keys by minute of their change, oldest minute first. */
	private readonly byMinute = new Map<number, string[]>();

	private count = 0;

	/** Epoch ms of the newest change emitted; 0 before any. */
	newest: number;

	constructor(stored: StoredSeen | undefined) {
		this.newest = typeof stored?.newest === 'number' ? stored.newest : 0;
		const minutes = Array.isArray(stored?.minutes) ? stored.minutes : [];
		for (const [minute, joined] of minutes) {
			if (!Number.isInteger(minute) || typeof joined !== 'string') continue;
			for (let at = 0; at + KEY_LENGTH <= joined.length; at += KEY_LENGTH)
				this.add(joined.slice(at, at + KEY_LENGTH), minute * MINUTE);
		}
	}

	/** More than half of SEEN_CAPACITY is taken: streams far apart could outrun it. */
	isCrowded(): boolean {
		return this.count > SEEN_CAPACITY / 2;
	}

	has(key: string): boolean {
		return this.keys.has(key);
	}

	/** The change of `key` at `instant` (epoch ms) went out. */
	add(key: string, instant: number): void {
		if (this.keys.has(key)) return;
		this.newest = Math.max(this.newest, instant);
		this.keys.add(key);
		const minute = Math.floor(instant / MINUTE);
		const list = this.byMinute.get(minute);
		if (list) list.push(key);
		else this.byMinute.set(minute, [key]);
		this.count++;
	}

	/**
	 * Forgets the changes of minutes before `from` (epoch ms), then, beyond SEEN_CAPACITY, the
	 * oldest ones.
	 */
	prune(from: number): void {
		const minutes = [...this.byMinute.keys()].sort((a, b) => a - b);
		const first = Math.floor(from / MINUTE);
		for (const minute of minutes) {
			if (minute >= first && this.count <= SEEN_CAPACITY) break;
			const keys = this.byMinute.get(minute) ?? [];
			const drop = minute < first ? keys.length : Math.min(keys.length, this.count - SEEN_CAPACITY);
			for (const key of keys.splice(0, drop)) this.keys.delete(key);
			this.count -= drop;
			if (!keys.length) this.byMinute.delete(minute);
		}
	}

	toStored(): StoredSeen {
		return {
			minutes: [...this.byMinute]
				.sort((a, b) => a[0] - b[0])
				.map(([minute, keys]) => [minute, keys.join('')]),
			...(this.newest ? { newest: this.newest } : {}),
		};
	}
}
