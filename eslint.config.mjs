// Lints with exactly the configuration n8n's community-package scanner uses, on the same files.
import {
	buildScanConfig,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

export default [
	{
		ignores: [
			'**/*',
			...SOURCE_FILE_PATTERNS.map((pattern) => `!${pattern}`),
			'!nodes/',
			'!nodes/**/',
			'!credentials/',
			'!credentials/**/',
		],
	},
	...(await buildScanConfig()),
];
