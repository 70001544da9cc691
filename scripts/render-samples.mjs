#!/usr/bin/env node
// The main local job: render every sample of every template into out/samples/<template>/<sample>.pdf
// with one warm browser. No AWS account needed.
import { createRequire } from 'node:module';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { compose, loadConfig, writeFileAtomic } = require('pdf-export');

const outDir = resolve(process.argv[2] ?? join(root, 'out', 'samples'));
const app = compose(loadConfig(), { onBlockedRequest: (url) => console.warn(`warning: blocked ${url}`) });
let failed = 0;
try {
  for (const { id, samples } of app.templates.list()) {
    for (const sample of samples) {
      const file = join(outDir, id, `${sample}.pdf`);
      try {
        const report = await app.reports.render(id, app.templates.get(id).sampleData[sample]);
        await writeFileAtomic(file, report.pdf);
        console.log(`${relative(process.cwd(), file)}  ${report.pages} pages  ${(report.bytes / 1024).toFixed(0)} KB  ${report.renderMs} ms`);
      } catch (error) {
        failed += 1;
        console.error(`${id}/${sample}: ${error.message}`);
      }
    }
  }
} finally {
  await app.close();
}
process.exitCode = failed > 0 ? 1 : 0;
