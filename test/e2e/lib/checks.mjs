// A tiny check runner for suites that are scripts: named checks with a time limit, skips,
// exactly-once comparisons, timings and a summary.
import { fmtMs, log } from './procs.mjs';

export class Skip extends Error {}
export const skip = (why) => {
	throw new Skip(why);
};

export function assert(condition, message) {
	if (!condition) throw new Error(message);
}

export function createRunner() {
	const started = Date.now();
	const results = [];
	const timings = {};
	return {
		results,
		timings,
		/** Runs `fn` as a named check; resolves true when it passed. */
		async check(name, fn, { timeoutMs = 300_000 } = {}) {
			const t0 = Date.now();
			let timer;
			try {
				const detail = await Promise.race([
					fn(),
					new Promise((_, reject) => {
						timer = setTimeout(
							() => reject(new Error(`step timed out after ${fmtMs(timeoutMs)}`)),
							timeoutMs,
						);
					}),
				]);
				results.push({ name, status: 'pass', ms: Date.now() - t0, detail });
				log(`PASS ${name} (${fmtMs(Date.now() - t0)})${detail ? ` — ${detail}` : ''}`);
				return true;
			} catch (error) {
				if (error instanceof Skip) {
					results.push({ name, status: 'skip', ms: Date.now() - t0, detail: error.message });
					log(`SKIP ${name} — ${error.message}`);
					return false;
				}
				results.push({ name, status: 'fail', ms: Date.now() - t0, detail: error.stack });
				log(
					`FAIL ${name} (${fmtMs(Date.now() - t0)})\n${String(error.stack ?? error).replace(/^/gm, '     ')}`,
				);
				return false;
			} finally {
				clearTimeout(timer);
			}
		},
		/** Adds the time `fn` takes to `timings[label]`. */
		timed(label, fn) {
			const t0 = Date.now();
			return Promise.resolve(fn()).finally(() => {
				timings[label] = (timings[label] ?? 0) + (Date.now() - t0);
			});
		},
		/** Prints every check with its detail, the timings; resolves the number of failures. */
		summary(title) {
			const lines = ['', `──────── ${title} ────────`];
			for (const r of results) {
				const mark = r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'SKIP';
				lines.push(`${mark}  ${r.name} (${fmtMs(r.ms)})`);
				if (r.detail && r.status !== 'fail') lines.push(`      ${r.detail}`);
			}
			lines.push('', 'timings:');
			for (const [label, ms] of Object.entries(timings))
				lines.push(`  ${label.padEnd(34)} ${fmtMs(ms)}`);
			lines.push(`  ${'total'.padEnd(34)} ${fmtMs(Date.now() - started)}`);
			const count = (status) => results.filter((r) => r.status === status).length;
			lines.push('', `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
			process.stderr.write(lines.join('\n') + '\n');
			return count('fail');
		},
	};
}

/** What arrived against what was expected: every key exactly once. */
export function compareExactlyOnce(label, expectedKeys, receivedKeys) {
	const counts = new Map();
	for (const key of receivedKeys) counts.set(key, (counts.get(key) ?? 0) + 1);
	const expected = new Set(expectedKeys);
	const missing = [...expected].filter((k) => !counts.has(k));
	const duplicated = [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
	const unexpected = [...counts.keys()].filter((k) => !expected.has(k));
	const problems = [];
	if (missing.length)
		problems.push(`${missing.length} missing (e.g. ${missing.slice(0, 3).join(', ')})`);
	if (duplicated.length)
		problems.push(`${duplicated.length} duplicated (e.g. ${duplicated.slice(0, 3).join(', ')})`);
	if (unexpected.length)
		problems.push(`${unexpected.length} unexpected (e.g. ${unexpected.slice(0, 3).join(', ')})`);
	return {
		ok: problems.length === 0,
		complete: missing.length === 0,
		missing,
		duplicated,
		unexpected,
		text: `${label}: ${problems.length ? problems.join('; ') : `all ${expected.size} exactly once`}`,
	};
}
