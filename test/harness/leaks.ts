/**
 * Counts where a secret shows up in what the nodes produced: items, errors (message,
 * description, cause chain) and captured log lines. Used by every suite that claims
 * "no secret leaks".
 */
export function countSecretOccurrences(secret: string, values: unknown[]): number {
	if (!secret) throw new Error('countSecretOccurrences needs the secret to look for');
	let count = 0;
	const seen = new WeakSet<object>();
	const visit = (value: unknown): void => {
		if (typeof value === 'string') {
			count += value.split(secret).length - 1;
			return;
		}
		if (!value || typeof value !== 'object' || seen.has(value)) return;
		seen.add(value);
		if (value instanceof Error) {
			visit(value.message);
			visit(value.stack);
			visit((value as { cause?: unknown }).cause);
		}
		for (const key of Object.getOwnPropertyNames(value)) {
			visit(key);
			visit((value as Record<string, unknown>)[key]);
		}
	};
	for (const value of values) visit(value);
	return count;
}
