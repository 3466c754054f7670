/**
 * The polling primitives both triggers share, without n8n or HTTP: how long a poll may
 * fetch, read from the trigger's own Poll Times, and the lock that keeps two polls of one
 * trigger off the same cursor.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { INodeType, IPollFunctions } from 'n8n-workflow';
import * as n8nWorkflow from 'n8n-workflow';

import {
	DEFAULT_POLL_GAP_MS,
	MAX_POLL_BUDGET_MS,
	hostCronRefusal,
	pollBudgetMs,
	refusedBeforeN8n241,
	shortestPollGapMs,
	type CronRefusal,
} from '../nodes/shared/polling/pollBudget';
import { lockPoll } from '../nodes/shared/polling/pollLock';
import { AsanaAuditLogTrigger } from '../nodes/AsanaAuditLogTrigger/AsanaAuditLogTrigger.node';
import { AsanaEventsTrigger } from '../nodes/AsanaEventsTrigger/AsanaEventsTrigger.node';
import { nodeTypesOf } from './harness/nodeTypes';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Poll Times as n8n hands them to a node: its defaults filled into each entry. */
const pollTimes = (...item: object[]) => ({ item });
const custom = (cronExpression: string) => ({ mode: 'custom', cronExpression });

describe('shortestPollGapMs: every Poll Times mode n8n offers', () => {
	it.each([
		['Every Minute', { mode: 'everyMinute' }, MINUTE],
		['Every X, 5 minutes', { mode: 'everyX', value: 5, unit: 'minutes' }, 5 * MINUTE],
		// 0, 7, …, 56 and then 0 of the next hour: four minutes apart.
		['Every X, 7 minutes', { mode: 'everyX', value: 7, unit: 'minutes' }, 4 * MINUTE],
		['Every X, 2 hours', { mode: 'everyX', value: 2, unit: 'hours' }, 2 * HOUR],
		['Every X, 5 hours', { mode: 'everyX', value: 5, unit: 'hours' }, 4 * HOUR],
		['Every Hour', { mode: 'everyHour', minute: 15 }, HOUR],
		['Every Day', { mode: 'everyDay', hour: 14, minute: 0 }, 24 * HOUR],
		['Every Week', { mode: 'everyWeek', hour: 14, minute: 0, weekday: '1' }, 24 * HOUR],
		['Every Month', { mode: 'everyMonth', hour: 14, minute: 0, dayOfMonth: 1 }, 24 * HOUR],
	])('%s', (_label, item, gap) => {
		expect(shortestPollGapMs(pollTimes(item))).toBe(gap);
	});

	it.each([
		['explicit seconds, every 10 s', '0,10,20,30,40,50 * * * * *', 10 * SECOND],
		['a step over a range of seconds', '0-59/15 * * * * *', 15 * SECOND],
		// n8n refuses `*` in the seconds field: where it ran, it would be once a minute.
		['a step over all seconds (refused: the floor)', '*/15 * * * * *', MINUTE],
		['a step from a start second', '5/20 * * * * *', 20 * SECOND],
		['uneven seconds: the shorter gap counts', '0,5 * * * * *', 5 * SECOND],
		['every second', '0-59 * * * * *', SECOND],
		['5 fields, every minute', '* * * * *', MINUTE],
		['5 fields, every 5 minutes', '*/5 * * * *', 5 * MINUTE],
		['5 fields, weekdays at 9', '0 9 * * 1-5', 24 * HOUR],
		['around midnight: 23:00 to 00:00', '0 0 0,23 * * *', HOUR],
		['extra spaces', '  0,30   * * * * * ', 30 * SECOND],
		['a preset: @daily', '@daily', 24 * HOUR],
		['a preset: @secondly (n8n lets it through)', '@secondly', SECOND],
		['a preset in capitals: @HOURLY', '@HOURLY', HOUR],
	])('Custom: %s', (_label, expression, gap) => {
		expect(shortestPollGapMs(pollTimes(custom(expression)))).toBe(gap);
	});

	it.each([
		['seven fields', '0 0 * * * * 2026'],
		['a hash', 'H * * * *'],
		['a wildcard inside a field', '1* * * * * *'],
		['a reversed range', '50-10 * * * * *'],
		['a step of zero', '*/0 * * * * *'],
		['out of range', '0 60 * * * *'],
		['empty', ''],
	])('Custom: an unreadable expression (%s) counts as every minute', (_label, expression) => {
		expect(shortestPollGapMs(pollTimes(custom(expression)))).toBe(DEFAULT_POLL_GAP_MS);
	});

	it('an entry without its fields counts as every minute', () => {
		expect(shortestPollGapMs(pollTimes({ mode: 'custom' }))).toBe(DEFAULT_POLL_GAP_MS);
		expect(shortestPollGapMs(undefined)).toBe(DEFAULT_POLL_GAP_MS);
		expect(shortestPollGapMs({})).toBe(DEFAULT_POLL_GAP_MS);
		expect(shortestPollGapMs(pollTimes())).toBe(DEFAULT_POLL_GAP_MS);
	});

	describe('several entries', () => {
		it('two Every Minute entries fire twice a minute', () => {
			expect(shortestPollGapMs(pollTimes({ mode: 'everyMinute' }, { mode: 'everyMinute' }))).toBe(
				30 * SECOND,
			);
		});

		it('two custom entries half a minute apart', () => {
			expect(shortestPollGapMs(pollTimes(custom('0 * * * * *'), custom('30 * * * * *')))).toBe(
				30 * SECOND,
			);
		});

		it('a rare entry beside a frequent one hardly shortens the frequent one’s gap', () => {
			const gap = shortestPollGapMs(
				pollTimes(custom('0,10,20,30,40,50 * * * * *'), {
					mode: 'everyDay',
					hour: 3,
					minute: 0,
				}),
			);
			expect(gap).toBeGreaterThan(9.9 * SECOND);
			expect(gap).toBeLessThanOrEqual(10 * SECOND);
		});

		it('never more than the shortest gap of one entry', () => {
			expect(
				shortestPollGapMs(pollTimes(custom('0,5 * * * * *'), { mode: 'everyHour', minute: 0 })),
			).toBe(5 * SECOND);
		});
	});
});

/**
 * n8n 2.41's own check, `isSubMinuteCron` of its n8n-workflow, when the 2.41 runtime of the
 * end-to-end suite is installed (`node scripts/n8n-runtime.mjs --n8n 2.41`); the jest suites
 * otherwise run against n8n-workflow 2.30, which has none.
 */
function installedN8n241Check(): CronRefusal | undefined {
	const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	const pinned = JSON.parse(
		fs.readFileSync(path.join(__dirname, 'e2e', 'runtime-n8n241', 'package.json'), 'utf8'),
	) as { dependencies: { n8n: string } };
	const dir =
		process.env.N8N_ASANA_RUNTIME_DIR_241 ??
		path.join(cache, 'n8n-nodes-asana-events', `n8n-${pinned.dependencies.n8n}`);
	const file = path.join(dir, 'node_modules', 'n8n-workflow', 'dist', 'cjs', 'cron.js');
	if (!fs.existsSync(file)) return undefined;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return (require(file) as { isSubMinuteCron: CronRefusal }).isSubMinuteCron;
}

/** n8n 2.41's rule, as its n8n-workflow states it: six fields, seconds not one number. */
const refusesLikeN8n241: CronRefusal = (expression) => {
	const fields = expression.trim().split(/\s+/);
	return fields.length === 6 && !/^\d+$/.test(fields[0]);
};

describe('the minute floor: Poll Times as the host n8n accepts them', () => {
	const n8n241 = refusesLikeN8n241;
	const expressions = [
		'0,10,20,30,40,50 * * * * *',
		'0-59 * * * * *',
		'*/15 * * * * *',
		'5/20 * * * * *',
		'0 * * * * *',
		'30 */5 * * * *',
		'* * * * *',
		'@secondly',
	];

	it('the n8n this suite runs with (2.30) has no isSubMinuteCron: the older rule applies', () => {
		expect('isSubMinuteCron' in n8nWorkflow).toBe(false);
		expect(hostCronRefusal()).toBe(refusedBeforeN8n241);
		expect(expressions.filter(refusedBeforeN8n241)).toEqual(['*/15 * * * * *']);
	});

	it('an n8n that exports isSubMinuteCron (2.41 and later) is asked with its own check', () => {
		const refuses = hostCronRefusal({ isSubMinuteCron: n8n241 });
		expect(expressions.filter(refuses)).toEqual([
			'0,10,20,30,40,50 * * * * *',
			'0-59 * * * * *',
			'*/15 * * * * *',
			'5/20 * * * * *',
		]);
	});

	const real241 = installedN8n241Check();
	(real241 ? it : it.skip)(
		'n8n 2.41’s own isSubMinuteCron (from its runtime) refuses exactly those',
		() => {
			expect(expressions.filter(real241!)).toEqual(expressions.filter(n8n241));
		},
	);

	it('before 2.41 a list of seconds polls every 10 s, and the budget is sized from that', () => {
		const tenSeconds = pollTimes(custom('0,10,20,30,40,50 * * * * *'));
		expect(shortestPollGapMs(tenSeconds, refusedBeforeN8n241)).toBe(10 * SECOND);
		expect(pollBudgetMs(tenSeconds, undefined, refusedBeforeN8n241)).toBe(6 * SECOND);
	});

	it('from 2.41 an entry is never read as faster than once a minute', () => {
		const refuses = hostCronRefusal({ isSubMinuteCron: n8n241 });
		const tenSeconds = pollTimes(custom('0,10,20,30,40,50 * * * * *'));
		expect(shortestPollGapMs(tenSeconds, refuses)).toBe(MINUTE);
		expect(pollBudgetMs(tenSeconds, undefined, refuses)).toBe(36 * SECOND);
		expect(pollBudgetMs(pollTimes(custom('0-59 * * * * *')), undefined, refuses)).toBe(36 * SECOND);
		// Accepted entries read as before: one fixed second, every 5 minutes.
		expect(shortestPollGapMs(pollTimes(custom('30 */5 * * * *')), refuses)).toBe(5 * MINUTE);
		// Entries n8n takes one by one still add up: seconds 0 and 30 poll every 30 s.
		expect(
			shortestPollGapMs(pollTimes(custom('0 * * * * *'), custom('30 * * * * *')), refuses),
		).toBe(30 * SECOND);
	});

	it('the durable scheduler’s budget (36 s of a 45 s poll timeout) keeps a minute poll well inside it', () => {
		const refuses = hostCronRefusal({ isSubMinuteCron: n8n241 });
		expect(pollBudgetMs(pollTimes({ mode: 'everyMinute' }), 36 * SECOND, refuses)).toBe(
			21.6 * SECOND,
		);
	});
});

describe('the panel says what Poll Times takes on which n8n', () => {
	it.each([
		['Asana Events Trigger', new AsanaEventsTrigger()],
		['Asana Audit Log Trigger', new AsanaAuditLogTrigger()],
	])('%s: a notice right below n8n’s Poll Times', (_label, type) => {
		const { name } = type.description;
		// As n8n's loader hands the description to the editor: Poll Times first.
		const { properties } = (nodeTypesOf(type).getByName(name) as INodeType).description;
		expect(properties[0].name).toBe('pollTimes');
		const notice = properties[1];
		expect(notice.type).toBe('notice');
		const text = notice.displayName;
		expect(text).toMatch(/n8n 2\.41 and later poll at most once a minute/);
		// Its example of a faster schedule: taken before 2.41, refused from 2.41 on.
		const example = /(\d+(?:,\d+)+(?: \*){5})/.exec(text)?.[1];
		expect(example).toBe('0,10,20,30,40,50 * * * * *');
		expect(refusedBeforeN8n241(example!)).toBe(false);
		expect(hostCronRefusal({ isSubMinuteCron: refusesLikeN8n241 })(example!)).toBe(true);
		expect(shortestPollGapMs(pollTimes(custom(example!)), refusedBeforeN8n241)).toBe(10 * SECOND);
	});
});

describe('pollBudgetMs', () => {
	it('is 60 % of the gap to the next poll', () => {
		expect(pollBudgetMs(pollTimes({ mode: 'everyMinute' }))).toBe(36 * SECOND);
		// Under n8n 2.30 (these suites): a list of seconds polls every 10 s.
		expect(pollBudgetMs(pollTimes(custom('0,10,20,30,40,50 * * * * *')))).toBe(6 * SECOND);
	});

	it('is at most five minutes however rare the polls', () => {
		expect(pollBudgetMs(pollTimes({ mode: 'everyX', value: 10, unit: 'minutes' }))).toBe(
			MAX_POLL_BUDGET_MS,
		);
		expect(pollBudgetMs(pollTimes({ mode: 'everyDay', hour: 14, minute: 0 }))).toBe(
			MAX_POLL_BUDGET_MS,
		);
	});

	it('is at least a second, however often the polls', () => {
		expect(pollBudgetMs(pollTimes(custom('@secondly')))).toBe(SECOND);
	});

	it('keeps within what the host allows, where it says', () => {
		expect(pollBudgetMs(pollTimes({ mode: 'everyMinute' }), 20 * SECOND)).toBe(12 * SECOND);
		expect(pollBudgetMs(pollTimes({ mode: 'everyDay', hour: 1, minute: 0 }), HOUR)).toBe(
			MAX_POLL_BUDGET_MS,
		);
		// A host that allows less than a second gets less than a second.
		expect(pollBudgetMs(pollTimes({ mode: 'everyMinute' }), 500)).toBe(300);
	});
});

describe('lockPoll', () => {
	const pollOf = (workflowId: string, nodeName: string) =>
		({
			getWorkflow: () => ({ id: workflowId, name: 'Some workflow', active: true }),
			getNode: () => ({ name: nodeName }),
		}) as unknown as IPollFunctions;

	it('holds one poll per workflow and node until it releases', () => {
		const first = lockPoll(pollOf('w1', 'Audit'));
		expect(first).toHaveProperty('release');
		const second = lockPoll(pollOf('w1', 'Audit'));
		expect(second).toEqual({ busySince: expect.any(Number) });
		expect((second as { busySince: number }).busySince).toBeLessThanOrEqual(Date.now());
		(first as { release(): void }).release();
		const third = lockPoll(pollOf('w1', 'Audit'));
		expect(third).toHaveProperty('release');
		(third as { release(): void }).release();
	});

	it('lets other nodes and other workflows poll meanwhile', () => {
		const held = lockPoll(pollOf('w1', 'Audit'));
		const otherNode = lockPoll(pollOf('w1', 'Audit 2'));
		const otherWorkflow = lockPoll(pollOf('w2', 'Audit'));
		expect(otherNode).toHaveProperty('release');
		expect(otherWorkflow).toHaveProperty('release');
		for (const lock of [held, otherNode, otherWorkflow]) (lock as { release(): void }).release();
	});

	it('a second release does not free a lock another poll took since', () => {
		const first = lockPoll(pollOf('w1', 'Audit')) as { release(): void };
		first.release();
		const second = lockPoll(pollOf('w1', 'Audit')) as { release(): void };
		first.release();
		expect(lockPoll(pollOf('w1', 'Audit'))).toHaveProperty('busySince');
		second.release();
	});
});
