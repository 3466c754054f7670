/**
 * Runs `task` over `inputs` with at most `limit` in flight; results keep the input order.
 * After a failure no further task starts, and the first error is thrown once the tasks in
 * flight have settled: a failed poll leaves no request running behind it.
 */
export async function mapWithConcurrency<I, O>(
	inputs: readonly I[],
	limit: number,
	task: (input: I, index: number) => Promise<O>,
): Promise<O[]> {
	const results = new Array<O>(inputs.length);
	let next = 0;
	let failure: { error: unknown } | undefined;
	async function worker(): Promise<void> {
		while (next < inputs.length && !failure) {
			const index = next++;
			try {
				results[index] = await task(inputs[index], index);
			} catch (error) {
				failure ??= { error };
			}
		}
	}
	const workers = Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, worker);
	await Promise.all(workers);
	if (failure) throw failure.error;
	return results;
}
