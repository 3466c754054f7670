import * as crypto from 'crypto';

import type { AsanaEvent } from '../asana/types';

/** The gid of a change's value when it is an Asana object (a user, a custom field …). */
export function valueGid(value: unknown): string | undefined {
	return value && typeof value === 'object' && 'gid' in value
		? String((value as { gid: unknown }).gid)
		: undefined;
}

/**
 * Events carry no id, so identity is the combination of everything that tells two
 * events apart: time, resource, action, changed field, parent, actor and value. The stream is
 * not part of it: one change that reaches several streams is one event.
 */
export function eventIdentity(event: AsanaEvent): string {
	const change = event.change ?? undefined;
	const value =
		valueGid(change?.new_value) ??
		valueGid(change?.added_value) ??
		valueGid(change?.removed_value) ??
		'';
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

export function eventKey(event: AsanaEvent): string {
	return shortKey(eventIdentity(event));
}

/**
 * The key of each occurrence of an event: two identical events (the same field changed twice
 * in one millisecond) are two real events, the first keyed as the event, the n-th by its
 * number. `occurrences` counts the events keyed so far, and is updated.
 */
export function occurrenceKey(event: AsanaEvent, occurrences: Map<string, number>): string {
	const key = eventKey(event);
	const count = (occurrences.get(key) ?? 0) + 1;
	occurrences.set(key, count);
	return count === 1 ? key : shortKey(`${key}|${count}`);
}
