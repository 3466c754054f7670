import * as crypto from 'crypto';

import type { AsanaEvent } from '../asana/types';

function valueGid(value: unknown): string {
	if (value && typeof value === 'object' && 'gid' in value)
		return String((value as { gid: unknown }).gid);
	return '';
}

/**
 * Events carry no id, so identity is the combination of everything that tells two
 * events apart: time, resource, action, changed field, parent, actor and value.
 */
export function eventIdentity(event: AsanaEvent): string {
	const change = event.change ?? undefined;
	const value =
		valueGid(change?.new_value) || valueGid(change?.added_value) || valueGid(change?.removed_value);
	// One template, not an array joined: this runs for up to a thousand events a poll.
	return `${event.created_at ?? ''}|${event.resource?.gid ?? ''}|${event.action ?? ''}|${change?.field ?? ''}|${change?.action ?? ''}|${event.parent?.gid ?? ''}|${event.user?.gid ?? ''}|${value}`;
}

/**
 * SHA-256 in base64url. The one-shot `crypto.hash` (Node.js 20.12 and later) costs less than
 * half a Hash object; n8n 1.x may run on an older Node.js, which gets the same digest the long way.
 */
const sha256 =
	typeof crypto.hash === 'function'
		? (text: string) => crypto.hash('sha256', text, 'base64url')
		: (text: string) => crypto.createHash('sha256').update(text).digest('base64url');

/** A short digest of an identity: 72 bits keep collisions out of reach in a window of thousands. */
export function shortKey(identity: string): string {
	return sha256(identity).slice(0, 12);
}

/**
 * An event's key within a stream: an event that reaches two watched streams (a task and its
 * project) is one item per stream.
 */
export function streamEventKey(stream: string, event: AsanaEvent): string {
	return shortKey(`${stream}|${eventIdentity(event)}`);
}

export function eventKey(event: AsanaEvent): string {
	return shortKey(eventIdentity(event));
}

/**
 * The most recent keys, oldest first, bounded so static data stays small. Lives in
 * static data as a plain array. A key may be held more than once: two identical events
 * (the same field changed twice in one millisecond) are two emitted events.
 */
export class RecentKeys {
	private keys: string[];

	/** How often each key is held. */
	private readonly counts = new Map<string, number>();

	constructor(
		stored: unknown,
		private readonly capacity: number,
	) {
		this.keys = Array.isArray(stored)
			? stored.filter((k): k is string => typeof k === 'string')
			: [];
		this.keys = this.keys.slice(-capacity);
		for (const key of this.keys) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
	}

	has(key: string): boolean {
		return this.counts.has(key);
	}

	count(key: string): number {
		return this.counts.get(key) ?? 0;
	}

	add(key: string): void {
		this.keys.push(key);
		this.counts.set(key, this.count(key) + 1);
		this.trim();
	}

	toJSON(): string[] {
		return this.keys.slice(-this.capacity);
	}

	/** Trims in batches: shifting one key per add would make a long drain quadratic. */
	private trim(): void {
		if (this.keys.length <= this.capacity * 2) return;
		for (const key of this.keys.splice(0, this.keys.length - this.capacity)) {
			const left = this.count(key) - 1;
			if (left > 0) this.counts.set(key, left);
			else this.counts.delete(key);
		}
	}
}

/** How often each key occurs in `keys`. */
export function countKeys(keys: readonly string[] | undefined): Map<string, number> | undefined {
	if (!keys?.length) return undefined;
	const counts = new Map<string, number>();
	for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
	return counts;
}
