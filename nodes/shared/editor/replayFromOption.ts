/**
 * The triggers' "Replay From" option: a time from which the next polls emit again what was
 * emitted before. Each value acts once; the trigger keeps the value it acted on last.
 */
import type { IDataObject, INode, INodeProperties } from 'n8n-workflow';

import { invalidParameter } from '../asana/errors';

export function replayFromProperty(description: string): INodeProperties {
	return {
		displayName: 'Replay From',
		name: 'replayFrom',
		type: 'dateTime',
		default: '',
		description,
	};
}

/** A Replay From value: as configured (what is compared with the last one acted on) and as a time. */
export interface ReplayFrom {
	value: string;
	at: number;
}

export function readReplayFrom(
	ctx: { getNode(): INode },
	options: IDataObject,
	now: number,
): ReplayFrom | undefined {
	const raw = options.replayFrom;
	if (raw === undefined || raw === null || raw === '') return undefined;
	const value =
		typeof raw === 'object' && typeof (raw as { toISO?: unknown }).toISO === 'function'
			? String((raw as { toISO: () => string }).toISO())
			: raw instanceof Date
				? raw.toISOString()
				: String(raw);
	const at = Date.parse(value);
	if (Number.isNaN(at)) {
		throw invalidParameter(
			ctx,
			`Options › Replay From: "${value}" is not a date`,
			'Pick a date and time, e.g. 2026-11-01T09:00:00Z, or remove the option.',
		);
	}
	if (at > now) {
		throw invalidParameter(
			ctx,
			`Options › Replay From: ${value} is in the future`,
			'Pick a time in the past: the events emitted since then go out again, marked "replayed".',
		);
	}
	return { value, at };
}
