#!/usr/bin/env node
// The main local job: render every sample of every template into out/samples/<template>/<sample>.pdf
// with one warm browser. No AWS account needed.
import { createRequire } from 'node:module';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { loadRenderConfig } = require(join(root, 'dist/lambda/src/core/renderConfig.js'));
const { createReportRenderer } = require(join(root, 'dist/lambda/src/createReportRenderer.js'));
const { writeFileAtomic } = require(join(root, 'dist/lambda/src/cli/main.js'));

const outDir = resolve(process.argv[2] ?? join(root, 'out', 'samples'));
const handle = createReportRenderer(loadRenderConfig(), { onBlockedRequest: (url) => console.warn(`warning: blocked ${url}`) });
let failed = 0;
try {
  for (const template of handle.reports.templates.list()) {
    for (const sample of template.samples) {
      const file = join(outDir, template.id, `${sample}.pdf`);
      try {
        const data = handle.reports.templates.get(template.id).sampleData[sample];
        const report = await handle.reports.render(template.id, data);
        await writeFileAtomic(file, report.pdf);
        console.log(`${relative(process.cwd(), file)}  ${report.pages} pages  ${(report.bytes / 1024).toFixed(0)} KB  ${report.renderMs} ms`);
      } catch (error) {
        failed += 1;
        console.error(`${template.id}/${sample}: ${error.message}`);
      }
    }
  }
} finally {
  await handle.close();
}
process.exitCode = failed > 0 ? 1 : 0;
