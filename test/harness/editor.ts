/**
 * What n8n's dynamic-parameters service builds for the editor's list searches and option
 * lists: a one-node workflow of the node's current parameters and a LoadOptionsContext on it.
 */
import { LoadOptionsContext } from 'n8n-core';
import { Workflow, type INode, type INodeParameters, type INodeType } from 'n8n-workflow';

import { additionalDataFor } from './additionalData';
import { nodeCredentials, TestCredentialsHelper, type HarnessCredentials } from './credentials';
import { nodeTypesOf } from './nodeTypes';
import { latestVersion } from './poll';

export interface EditorContext {
	context: LoadOptionsContext;
	workflow: Workflow;
	node: INode;
}

/** `path` is the parameter the editor asks for, e.g. `parameters.customFields`. */
export function editorContext(
	nodeType: INodeType,
	parameters: INodeParameters,
	credentials: HarnessCredentials,
	path: string,
): EditorContext {
	const workflow = new Workflow({
		nodes: [
			{
				id: 'temp-node',
				name: 'Temp-Node',
				type: nodeType.description.name,
				typeVersion: latestVersion(nodeType),
				position: [0, 0],
				parameters,
				credentials: nodeCredentials(credentials),
			},
		],
		connections: {},
		active: false,
		nodeTypes: nodeTypesOf(nodeType),
	});
	const node = workflow.getNode('Temp-Node') as INode;
	const additionalData = additionalDataFor(new TestCredentialsHelper(credentials));
	additionalData.currentNodeParameters = parameters;
	return { context: new LoadOptionsContext(workflow, node, additionalData, path), workflow, node };
}
