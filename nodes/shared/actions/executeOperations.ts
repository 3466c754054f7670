import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { invalidParameter } from '../asana/errors';

type Operation = (ctx: IExecuteFunctions, itemIndex: number) => Promise<IDataObject[]>;

/** Operations by resource, then by operation value. */
export type OperationTable = Record<string, Record<string, Operation>>;

/**
 * The execute loop of the action nodes: one call per input item, each output item paired
 * with its input, and with "continue on fail" an error item in place of a failed item.
 */
export async function executeOperations(
	ctx: IExecuteFunctions,
	operations: OperationTable,
	choices: string,
): Promise<INodeExecutionData[][]> {
	const returnData: INodeExecutionData[] = [];
	const itemCount = ctx.getInputData().length;
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		const pairedItem = { item: itemIndex };
		const resource = ctx.getNodeParameter('resource', itemIndex) as string;
		const operationName = ctx.getNodeParameter('operation', itemIndex) as string;
		const operation = operations[resource]?.[operationName];
		if (!operation) {
			throw invalidParameter(
				ctx,
				`Operation "${operationName}" is not supported`,
				`Choose ${choices}.`,
				itemIndex,
			);
		}
		const toItems = (results: IDataObject[]) => results.map((json) => ({ json, pairedItem }));
		// Without "continue on fail" nothing is caught: the error reaches n8n as the node built it.
		if (!ctx.continueOnFail()) {
			returnData.push(...toItems(await operation(ctx, itemIndex)));
			continue;
		}
		try {
			returnData.push(...toItems(await operation(ctx, itemIndex)));
		} catch (error) {
			returnData.push({ json: { error: (error as Error).message }, pairedItem });
		}
	}
	return [returnData];
}
