import { createHash } from 'crypto';

import type { AsanaEvent } from './types';

function valueGid(value: unknown): string {
	if (value && typeof value === 'object' && 'gid' in value) return String((value as { gid: unknown }).gid);
	return '';
}

/**
 * Events carry no id, so identity is the combination of everything that tells two
 * events apart: time, resource, action, changed field, parent, actor and value.
 */
export function eventIdentity(event: AsanaEvent): string {
	const change = event.change ?? undefined;
	return [
		event.created_at,
		event.resource?.gid,
		event.action,
		change?.field ?? '',
		change?.action ?? '',
		event.parent?.gid ?? '',
		event.user?.gid ?? '',
		valueGid(change?.new_value) || valueGid(change?.added_value) || valueGid(change?.removed_value),
	].join('|');
}

/** A short digest of an identity: 72 bits keep collisions out of reach in a window of thousands. */
export function shortKey(identity: string): string {
	return createHash('sha256').update(identity).digest('base64url').slice(0, 12);
}

export function eventKey(event: AsanaEvent): string {
	return shortKey(eventIdentity(event));
}

/**
 * The most recent keys, oldest first, bounded so static data stays small. Lives in
 * static data as a plain array.
 */
export class RecentKeys {
	private keys: string[];

	private readonly index: Set<string>;

	constructor(
		stored: unknown,
		private readonly capacity: number,
	) {
		this.keys = Array.isArray(stored) ? stored.filter((k): k is string => typeof k === 'string') : [];
		this.keys = this.keys.slice(-capacity);
		this.index = new Set(this.keys);
	}

	has(key: string): boolean {
		return this.index.has(key);
	}

	add(key: string): void {
		if (this.index.has(key)) return;
		this.keys.push(key);
		this.index.add(key);
		this.trim();
	}

	toJSON(): string[] {
		return this.keys.slice(-this.capacity);
	}

	/** Trims in batches: shifting one key per add would make a long drain quadratic. */
	private trim(): void {
		if (this.keys.length <= this.capacity * 2) return;
		for (const key of this.keys.splice(0, this.keys.length - this.capacity)) this.index.delete(key);
	}
}
