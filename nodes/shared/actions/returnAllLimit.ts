import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { invalidParameter } from '../asana/errors';

type Show = NonNullable<NonNullable<INodeProperties['displayOptions']>['show']>;

/** n8n's own Get Many default; n8n's linter wants it written as a literal in the description. */
const DEFAULT_LIMIT = 50;
const MIN_LIMIT = 1;

/**
 * Return All and Limit, as n8n's own Get Many operations have them; `limitHint` says where the
 * next run continues when Limit stops the read.
 */
export function returnAllLimitProperties(show: Show, limitHint: string): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
			displayOptions: { show },
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			hint: limitHint,
			displayOptions: { show: { ...show, returnAll: [false] } },
		},
	];
}

/** How many results to return: Infinity for Return All. */
export function readLimit(ctx: IExecuteFunctions, itemIndex: number): number {
	if (ctx.getNodeParameter('returnAll', itemIndex, false) === true) return Number.POSITIVE_INFINITY;
	const limit = Number(ctx.getNodeParameter('limit', itemIndex, DEFAULT_LIMIT));
	if (!Number.isInteger(limit) || limit < MIN_LIMIT) {
		throw invalidParameter(
			ctx,
			`Limit: ${String(limit)} is out of range`,
			`Enter a whole number of at least ${MIN_LIMIT}, or turn on Return All.`,
			itemIndex,
		);
	}
	return limit;
}

/** Options › Split Into Items of both action nodes: one item per event, or one with them all. */
export function splitIntoItemsOption(description: string): INodeProperties {
	return {
		displayName: 'Split Into Items',
		name: 'splitIntoItems',
		type: 'boolean',
		default: true,
		description,
	};
}

/** Split Into Items, unset meaning on. */
export function readSplitIntoItems(options: IDataObject): boolean {
	return options.splitIntoItems !== false;
}
