import { NodeOperationError, type IDataObject, type INode } from 'n8n-workflow';

import { GID_PATTERN } from './resourceRef';

/**
 * A parameter the node cannot use: the message names it, the description gives the fix.
 * With an item index (action nodes) the message starts with "Item N: ".
 */
export function invalidParameter(
	ctx: { getNode(): INode },
	message: string,
	fix: string,
	itemIndex?: number,
): NodeOperationError {
	if (itemIndex === undefined)
		return new NodeOperationError(ctx.getNode(), message, { description: fix });
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${message}`, {
		description: fix,
		itemIndex,
	});
}

/** A resource locator's value, whether n8n handed over the locator or the value it extracted. */
export function locatorValue(raw: unknown): unknown {
	return raw && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
}

/** The workspace gid of a Workspace locator. */
export function readWorkspaceGid(
	ctx: { getNode(): INode },
	raw: unknown,
	itemIndex?: number,
): string {
	const value = locatorValue(raw);
	const gid = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (!GID_PATTERN.test(gid)) {
		throw invalidParameter(
			ctx,
			`Workspace: "${gid}" is not a workspace ID`,
			'Pick the workspace from the list, or enter its ID (digits only; Asana URLs show it after /1/).',
			itemIndex,
		);
	}
	return gid;
}

/** A whole-number option in [min, max]; `fallback` when it is not set. */
export function readIntegerOption(
	ctx: { getNode(): INode },
	options: IDataObject,
	name: string,
	label: string,
	fallback: number,
	min: number,
	max: number,
): number {
	const value = options[name] === undefined ? fallback : Number(options[name]);
	if (!Number.isInteger(value) || value < min || value > max) {
		throw invalidParameter(
			ctx,
			`Options › ${label}: ${String(options[name])} is out of range`,
			`Enter a whole number from ${min} to ${max}.`,
		);
	}
	return value;
}

/** Options › Max Events per Poll of both triggers. */
export function readMaxEventsPerPoll(ctx: { getNode(): INode }, options: IDataObject): number {
	return readIntegerOption(
		ctx,
		options,
		'maxEventsPerPoll',
		'Max Events per Poll',
		1000,
		1,
		1_000_000,
	);
}
