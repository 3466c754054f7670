import {
	NodeConnectionTypes,
	NodeHelpers,
	UnexpectedError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IVersionedNodeType,
} from 'n8n-workflow';
import { commonPollingParameters } from 'n8n-core/dist/nodes-loader/constants';

/**
 * What n8n's node loader adds to every polling node type (`applySpecialNodeParameters`):
 * the Poll Times parameter, so a poll reads its own schedule as it does in n8n.
 */
function withPollTimes(type: INodeType | IVersionedNodeType): INodeType | IVersionedNodeType {
	const { description } = type as INodeType;
	if (
		description.polling &&
		!description.properties?.some((property) => property.name === 'pollTimes')
	)
		description.properties.unshift(...commonPollingParameters);
	return type;
}

/** The node-type registry n8n-core looks types up in, holding only the given types. */
export function nodeTypesOf(...types: Array<INodeType | IVersionedNodeType>): INodeTypes {
	const byName = new Map(types.map((type) => [type.description.name, withPollTimes(type)]));
	const get = (name: string) => {
		const type = byName.get(name);
		if (!type) throw new UnexpectedError(`The harness registered no node type "${name}"`);
		return type;
	};
	return {
		getByName: get,
		getByNameAndVersion: (name, version) => NodeHelpers.getVersionedNodeType(get(name), version),
		getKnownTypes: () =>
			Object.fromEntries(
				[...byName.keys()].map((name) => [name, { className: name, sourcePath: '' }]),
			),
	};
}

/**
 * Start node of action-node workflows: emits the test's items, each as its own item, the
 * way a Manual Trigger followed by a Code node would hand them on.
 */
export class InputItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Input Items',
		name: 'harnessInputItems',
		group: ['input'],
		version: 1,
		description: 'Emits the items given by the test',
		defaults: { name: 'Input' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// JSON, not an object parameter: n8n would try to resolve expressions inside an object.
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as IDataObject[];
		return [items.map((json) => ({ json }))];
	}
}
