/**
 * Checks events against the OCSF schema files kept in test/ocsf-schema: the class's and its
 * parents' attributes (resolved as the OCSF compiler does: dictionary, then each `extends`
 * level, enums merged), required attributes, constraints, the dictionary's types with their
 * regexes, enum ids, and every object's attributes the same way.
 */
import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';

const ROOT = join(__dirname, '..', 'ocsf-schema');

interface AttributeDef {
	type?: string;
	is_array?: boolean;
	requirement?: string;
	enum?: Record<string, unknown>;
}

interface SchemaDef {
	name: string;
	uid?: number;
	category?: string;
	extends?: string;
	attributes?: Record<string, AttributeDef | string[]>;
	constraints?: { at_least_one?: string[]; just_one?: string[] };
}

interface Compiled {
	name: string;
	uid?: number;
	category?: string;
	attributes: Record<string, AttributeDef>;
	constraints: { at_least_one?: string[]; just_one?: string[] };
}

interface TypeDef {
	type?: string;
	regex?: string;
	values?: unknown[];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function filesUnder(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
	);
}

function definitions(folder: 'events' | 'objects'): Map<string, SchemaDef> {
	const byName = new Map<string, SchemaDef>();
	for (const file of filesUnder(join(ROOT, folder)).filter((f) => f.endsWith('.json'))) {
		const def = readJson<SchemaDef>(file);
		if (byName.has(def.name)) throw new Error(`${relative(ROOT, file)}: ${def.name} twice`);
		byName.set(def.name, def);
	}
	return byName;
}

const dictionary = readJson<{
	attributes: Record<string, AttributeDef>;
	types: { attributes: Record<string, TypeDef> };
}>(join(ROOT, 'dictionary.json'));
const categories = readJson<{ attributes: Record<string, { uid: number }> }>(
	join(ROOT, 'categories.json'),
);
export const OCSF_SCHEMA_VERSION = readJson<{ version: string }>(
	join(ROOT, 'version.json'),
).version;
const eventDefs = definitions('events');
const objectDefs = definitions('objects');

function mergeAttribute(base: AttributeDef | undefined, over: AttributeDef): AttributeDef {
	const merged = { ...base, ...over };
	if (base?.enum || over.enum) merged.enum = { ...base?.enum, ...over.enum };
	return merged;
}

const compiled = new Map<string, Compiled>();
function compile(defs: Map<string, SchemaDef>, name: string): Compiled {
	const key = `${defs === eventDefs ? 'event' : 'object'}:${name}`;
	const known = compiled.get(key);
	if (known) return known;
	const def = defs.get(name);
	if (!def) throw new Error(`OCSF schema: no ${key} in test/ocsf-schema`);
	const parent = def.extends ? compile(defs, def.extends) : undefined;
	const attributes: Record<string, AttributeDef> = { ...parent?.attributes };
	for (const [attribute, own] of Object.entries(def.attributes ?? {})) {
		// Profiles' attributes ($include) are left out: the audit mapping emits none of them.
		if (attribute === '$include') continue;
		attributes[attribute] = mergeAttribute(
			attributes[attribute] ?? dictionary.attributes[attribute],
			own as AttributeDef,
		);
	}
	const result: Compiled = {
		name: def.name,
		uid: def.uid ?? parent?.uid,
		category: def.category ?? parent?.category,
		attributes,
		constraints: def.constraints ?? parent?.constraints ?? {},
	};
	compiled.set(key, result);
	return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkScalar(value: unknown, type: string, path: string, errors: string[]): void {
	const def = dictionary.types.attributes[type];
	const base = def?.type ?? type;
	const ok =
		base === 'string_t'
			? typeof value === 'string'
			: base === 'integer_t' || base === 'long_t'
				? Number.isInteger(value)
				: base === 'float_t'
					? typeof value === 'number'
					: base === 'boolean_t'
						? typeof value === 'boolean'
						: base === 'json_t';
	if (!ok) {
		errors.push(`${path}: ${JSON.stringify(value)} is not ${type}`);
		return;
	}
	if (def?.regex && !new RegExp(def.regex).test(String(value))) {
		errors.push(`${path}: ${JSON.stringify(value)} does not match ${type}`);
	}
	if (def?.values && !def.values.includes(value)) {
		errors.push(`${path}: ${JSON.stringify(value)} is not one of ${type}'s values`);
	}
}

function checkValue(value: unknown, def: AttributeDef, path: string, errors: string[]): void {
	const type = def.type ?? '';
	if (type === 'object') {
		// The dictionary's free-form Object type (e.g. unmapped): any JSON object.
		if (!isPlainObject(value)) errors.push(`${path}: not an object`);
	} else if (dictionary.types.attributes[type]) {
		checkScalar(value, type, path, errors);
	} else if (objectDefs.has(type)) {
		if (isPlainObject(value)) checkObject(value, compile(objectDefs, type), path, errors);
		else errors.push(`${path}: not a ${type} object`);
	} else {
		errors.push(`${path}: type ${type || '(none)'} is not in the kept schema`);
	}
	if (def.enum && !Object.hasOwn(def.enum, String(value))) {
		errors.push(`${path}: ${JSON.stringify(value)} is not in the enum`);
	}
}

function checkObject(
	value: Record<string, unknown>,
	schema: Compiled,
	path: string,
	errors: string[],
): void {
	const at = (attribute: string) => (path ? `${path}.${attribute}` : attribute);
	for (const [attribute, def] of Object.entries(schema.attributes)) {
		if (def.requirement === 'required' && value[attribute] === undefined) {
			errors.push(`${at(attribute)}: required by ${schema.name}`);
		}
	}
	const present = (names: string[]) => names.filter((name) => value[name] !== undefined);
	const { at_least_one: atLeastOne, just_one: justOne } = schema.constraints;
	if (atLeastOne && present(atLeastOne).length === 0) {
		errors.push(`${path || schema.name}: needs at least one of ${atLeastOne.join(', ')}`);
	}
	if (justOne && present(justOne).length !== 1) {
		errors.push(`${path || schema.name}: needs exactly one of ${justOne.join(', ')}`);
	}
	for (const [attribute, attributeValue] of Object.entries(value)) {
		const def = schema.attributes[attribute];
		if (!def) {
			errors.push(`${at(attribute)}: not an attribute of ${schema.name}`);
			continue;
		}
		if (def.is_array) {
			if (!Array.isArray(attributeValue)) errors.push(`${at(attribute)}: not an array`);
			else attributeValue.forEach((v, i) => checkValue(v, def, `${at(attribute)}[${i}]`, errors));
		} else if (Array.isArray(attributeValue)) {
			errors.push(`${at(attribute)}: an array where ${schema.name} takes one value`);
		} else {
			checkValue(attributeValue, def, at(attribute), errors);
		}
	}
}

/** The classes kept, by class_uid (category uid × 1000 + class uid). */
const OCSF_CLASSES = new Map(
	[...eventDefs.values()]
		.filter((def) => def.uid !== undefined)
		.map((def) => {
			const schema = compile(eventDefs, def.name);
			const category = categories.attributes[schema.category ?? ''];
			if (!category) throw new Error(`OCSF schema: ${def.name}: unknown category`);
			const classUid = category.uid * 1000 + (schema.uid as number);
			// As the OCSF compiler does: each class takes its own class and category ids.
			const attributes = {
				...schema.attributes,
				class_uid: { ...schema.attributes.class_uid, enum: { [classUid]: {} } },
				category_uid: { ...schema.attributes.category_uid, enum: { [category.uid]: {} } },
			};
			return [classUid, { ...schema, attributes }];
		}),
);

/** Every way the event breaks the schema of its class; empty when it is valid. */
export function ocsfErrors(event: Record<string, unknown>): string[] {
	const entry = OCSF_CLASSES.get(event.class_uid as number);
	if (!entry) return [`class_uid: ${String(event.class_uid)} is not a kept class`];
	const errors: string[] = [];
	checkObject(event, entry, '', errors);
	const typeUid = (event.class_uid as number) * 100 + (event.activity_id as number);
	if (event.type_uid !== typeUid) {
		errors.push(`type_uid: ${String(event.type_uid)}, class_uid × 100 + activity_id is ${typeUid}`);
	}
	return errors;
}
