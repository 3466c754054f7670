/**
 * Checks documents against Elastic's published ECS field set (@elastic/ecs): every field
 * name, the value's shape per field type, the required fields, the allowed values of
 * event.kind, event.category, event.type and event.outcome, and that each event.type is one
 * its categories expect. Fields under `asana.` are the pack's own namespace, as ECS asks for
 * vendor fields, and are not ECS's to check.
 */
import { EcsFlat, EcsVersion } from '@elastic/ecs';
import { isIP } from 'net';

interface EcsField {
	type: string;
	required?: boolean;
	normalize?: string[];
	allowed_values?: Array<{ name: string; expected_event_types?: string[] }>;
}

const FIELDS = EcsFlat as unknown as Record<string, EcsField>;
export const ECS_FIELD_SET_VERSION = EcsVersion;
const CUSTOM_NAMESPACE = 'asana';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** Leaf field paths with their values; object-typed ECS fields (labels) are leaves too. */
function leaves(document: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
	return Object.entries(document).flatMap(([key, value]) => {
		const path = prefix ? `${prefix}.${key}` : key;
		if (isPlainObject(value) && !['object', 'flattened'].includes(FIELDS[path]?.type ?? '')) {
			return leaves(value, path);
		}
		return [[path, value] as [string, unknown]];
	});
}

function shapeError(path: string, field: EcsField, value: unknown): string | undefined {
	const bad = `${path}: ${JSON.stringify(value)} is not a ${field.type}`;
	switch (field.type) {
		case 'keyword':
		case 'constant_keyword':
		case 'wildcard':
		case 'text':
		case 'match_only_text':
			return typeof value === 'string' ? undefined : bad;
		case 'ip':
			return typeof value === 'string' && isIP(value) ? undefined : bad;
		case 'date':
			return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : bad;
		case 'long':
		case 'integer':
		case 'double':
		case 'float':
		case 'scaled_float':
			return typeof value === 'number' ? undefined : bad;
		case 'boolean':
			return typeof value === 'boolean' ? undefined : bad;
		case 'object':
		case 'flattened':
			return isPlainObject(value) ? undefined : bad;
		default:
			return `${path}: field type ${field.type} is not checked here`;
	}
}

/** Every way the document breaks ECS; empty when it is valid. */
export function ecsErrors(document: Record<string, unknown>): string[] {
	const errors: string[] = [];
	const emitted = leaves(document);
	const names = new Set(emitted.map(([path]) => path));
	for (const [name, field] of Object.entries(FIELDS)) {
		if (field.required && !names.has(name)) errors.push(`${name}: required by ECS`);
	}
	for (const [path, value] of emitted) {
		if (path === CUSTOM_NAMESPACE || path.startsWith(`${CUSTOM_NAMESPACE}.`)) continue;
		const field = FIELDS[path];
		if (!field) {
			errors.push(`${path}: not an ECS field`);
			continue;
		}
		const isArrayField = field.normalize?.includes('array') === true;
		if (Array.isArray(value) !== isArrayField) {
			errors.push(`${path}: ${isArrayField ? 'ECS expects an array' : 'ECS expects one value'}`);
		}
		for (const one of Array.isArray(value) ? value : [value]) {
			const shape = shapeError(path, field, one);
			if (shape) errors.push(shape);
			if (field.allowed_values && !field.allowed_values.some((allowed) => allowed.name === one)) {
				errors.push(`${path}: ${JSON.stringify(one)} is not an allowed value`);
			}
		}
	}
	const event = isPlainObject(document.event) ? document.event : {};
	const categories = FIELDS['event.category'].allowed_values ?? [];
	const list = (value: unknown) => (Array.isArray(value) ? (value as string[]) : []);
	for (const category of list(event.category)) {
		const expected = categories.find((c) => c.name === category)?.expected_event_types ?? [];
		for (const type of list(event.type)) {
			if (!expected.includes(type))
				errors.push(`event.type: ${type} is not expected for ${category}`);
		}
	}
	return errors;
}
