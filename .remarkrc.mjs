// The link check in `npm run lint` (remark-cli with remark-validate-links): every link between
// the Markdown files, to a heading, or to this repository on GitHub (read from package.json)
// must resolve in the checkout. Other web links are not fetched.
import fs from 'node:fs';

import remarkValidateLinks from 'remark-validate-links';

const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default {
	plugins: [[remarkValidateLinks, { repository: pkg.repository.url, root: '.' }]],
};
