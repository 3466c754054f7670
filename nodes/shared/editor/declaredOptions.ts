/**
 * Options declared once: the panel's field and the settings reader are both built from one
 * declaration, so the default and range the panel shows are the ones the reader applies.
 * n8n fills an unset top-level parameter with its default but leaves an option of a
 * collection unset: the reader then falls back to the same default.
 */
import type {
	IDataObject,
	IDisplayOptions,
	INode,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { invalidParameter } from '../asana/errors';

interface Declaration {
	/** The parameter's name in the workflow. */
	name: string;
	/** The field's label in the panel. */
	displayName: string;
	/** Why the option exists and when to change it. */
	description: string;
	displayOptions?: IDisplayOptions;
	/**
	 * Where the option sits, as errors name it, e.g. "Options" for Options › Concurrency;
	 * absent for a top-level parameter.
	 */
	collection?: string;
}

interface Ctx {
	getNode(): INode;
}

/** A declared option: its panel field, and the reader of the value n8n hands over. */
export interface DeclaredOption<T> {
	readonly property: INodeProperties;
	/** How errors name the option, e.g. "Options › Concurrency". */
	readonly label: string;
	/** The value to use: the default when unset; a value the panel would not allow throws. */
	read(ctx: Ctx, value: unknown, itemIndex?: number): T;
}

/** The declaration each declared field was built from, for the test that walks every node. */
const declarations = new WeakMap<INodeProperties, DeclaredOption<unknown>>();

export function declarationOf(property: INodeProperties): DeclaredOption<unknown> | undefined {
	return declarations.get(property);
}

function declared<T>(option: DeclaredOption<T>): DeclaredOption<T> {
	declarations.set(option.property, option as DeclaredOption<unknown>);
	return option;
}

function labelOf(declaration: Declaration): string {
	return declaration.collection
		? `${declaration.collection} › ${declaration.displayName}`
		: declaration.displayName;
}

/** An unset value: absent, or cleared in the panel or by an expression. */
function isUnset(value: unknown): boolean {
	return value === undefined || value === null || value === '';
}

export interface NumberDeclaration extends Declaration {
	default: number;
	min: number;
	max: number;
	/** Decimals allowed; whole numbers when absent. */
	decimals?: number;
	/** Why the range ends where it does, said with the fix, e.g. "Asana deletes older events". */
	rangeReason?: string;
}

/** A number in [min, max], whole unless decimals are declared. */
export function numberOption(declaration: NumberDeclaration): DeclaredOption<number> {
	const { name, displayName, description, displayOptions, decimals } = declaration;
	const fallback = declaration.default;
	const label = labelOf(declaration);
	const kind = decimals ? 'number' : 'whole number';
	const reason = declaration.rangeReason ? ` (${declaration.rangeReason})` : '';
	return declared({
		property: {
			displayName,
			name,
			type: 'number',
			typeOptions: {
				minValue: declaration.min,
				maxValue: declaration.max,
				...(decimals ? { numberPrecision: decimals } : {}),
			},
			default: fallback,
			description,
			...(displayOptions ? { displayOptions } : {}),
		},
		label,
		read(ctx, value, itemIndex) {
			if (isUnset(value)) return fallback;
			const number = Number(value);
			const scaled = number * 10 ** (decimals ?? 0);
			// A tolerance for binary fractions: 0.29 × 100 is 28.999999999999996.
			const inSteps = Math.abs(scaled - Math.round(scaled)) < 1e-6;
			if (
				!Number.isFinite(number) ||
				!inSteps ||
				number < declaration.min ||
				number > declaration.max
			) {
				throw invalidParameter(
					ctx,
					`${label}: ${String(value)} is out of range`,
					`Enter a ${kind} from ${declaration.min} to ${declaration.max}${reason}${decimals ? `, with at most ${decimals} decimals` : ''}.`,
					itemIndex,
				);
			}
			return number;
		},
	});
}

export interface ChoiceDeclaration<T extends string> extends Declaration {
	default: T;
	options: Array<INodePropertyOptions & { value: T }>;
}

/** One value of a list. */
export function choiceOption<T extends string>(
	declaration: ChoiceDeclaration<T>,
): DeclaredOption<T> {
	const { name, displayName, description, displayOptions, options } = declaration;
	const fallback = declaration.default;
	const label = labelOf(declaration);
	return declared({
		property: {
			displayName,
			name,
			type: 'options',
			options,
			default: fallback,
			description,
			...(displayOptions ? { displayOptions } : {}),
		},
		label,
		read(ctx, value, itemIndex) {
			if (isUnset(value)) return fallback;
			const chosen = options.find((option) => option.value === value);
			if (!chosen) {
				throw invalidParameter(
					ctx,
					`${label}: "${String(value)}" is not a choice`,
					`Choose ${options.map((option) => `"${option.name}"`).join(', ')}.`,
					itemIndex,
				);
			}
			return chosen.value;
		},
	});
}

/** The value of a declared option of a collection. */
export function readDeclared<T>(
	ctx: Ctx,
	option: DeclaredOption<T>,
	collection: IDataObject,
	itemIndex?: number,
): T {
	return option.read(ctx, collection[option.property.name], itemIndex);
}
