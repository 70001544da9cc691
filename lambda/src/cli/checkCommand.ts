/**
 * `pdf-export check <template-dir>`: everything a template author needs to hear before a folder
 * goes live, in one run, as `file:line: problem` lines (docs/templates.md):
 *   1. the files: schema.json is a valid JSON Schema, template.html and style.css pass the seal's
 *      rules, view.json's paths and formatter calls fit the schema (what loading checks);
 *   2. the schema serves its users: every field titled and described, figures, texts and lists
 *      bounded (core/lintSchema.ts);
 *   3. every sample is valid data, renders in real Chromium within view.json's page range, and
 *      prints no template syntax or broken value.
 * The folder is checked on its own: other templates, broken or not, play no part. Exit code 0 when
 * nothing was found, 1 otherwise, 2 when the folder cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';
import type { App } from '../compose';
import { InvalidRequestError } from '../core/errors';
import type { LintProblem } from '../core/lintTemplate';
import { lintSchema } from '../core/lintSchema';
import { TemplateStore } from '../core/TemplateStore';
import { readTemplateFolder } from '../files/loadTemplateStore';
import type { CliIo } from './CliIo';

/** What a printed report must never show: template syntax that was not filled, or a value JavaScript broke. */
const LEAKS = /\{\{|\}\}|undefined|NaN|Infinity|\[object |\bnull\b/;

/** The text a reader sees in the HTML (tags, comments and the head left out), for the leak check. */
function visibleText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/i, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/&[a-z#0-9]+;/gi, ' ');
}

/** What `check` asks of the app it starts: the folder's own templates, and where blocked requests go. */
export interface CheckHooks {
  readonly onBlockedRequest: (url: string) => void;
  readonly templates: TemplateStore;
}

export function checkCommand(io: CliIo, start: (hooks: CheckHooks) => App): Command {
  return new Command('check')
    .description('check a template folder: schema, template rules, view.json, and every sample rendered (see docs/templates.md)')
    .argument('<template-dir>', 'the template folder, e.g. templates/county-quarterly-brief')
    .option('--no-render', 'skip rendering the samples (no Chromium)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false)
    .exitOverride()
    .action(async (dirArgument: string, opts: { render: boolean }) => {
      const dir = resolve(dirArgument);
      const id = basename(dir);
      let files;
      let schemaText: string;
      try {
        files = readTemplateFolder(dir, id);
        schemaText = await readFile(join(dir, 'schema.json'), 'utf8');
      } catch (error) {
        throw new InvalidRequestError(`cannot check ${dirArgument}: ${(error as Error).message}`);
      }
      // Compiles the schema and view.json once; what the service's load would refuse comes first.
      const loadProblems = TemplateStore.problemsOf(files);
      const problems: LintProblem[] = [...loadProblems, ...lintSchema(schemaText)];
      const report = (): void => {
        for (const p of problems) io.stdout(`${join(dirArgument, p.file)}:${p.line}: ${p.message}\n`);
      };
      // A folder that does not load cannot render: say what is wrong with it first.
      if (loadProblems.length > 0) {
        report();
        io.stdout(`${id}: ${problems.length} problem(s); the template does not load\n`);
        throw new CheckFailed();
      }
      const store = TemplateStore.fromFiles([files]);
      const template = store.get(id);
      if (template.samples.length === 0) problems.push({ file: 'samples', line: 1, message: 'no samples: add at least one samples/<name>.json, the data the playground and the tests start from' });
      for (const name of template.samples) {
        for (const detail of template.check(template.sampleData[name])) {
          problems.push({ file: `samples/${name}.json`, line: 1, message: `${detail.path || '/'} ${detail.message}` });
        }
      }
      const printed: string[] = [];
      if (opts.render && problems.every((p) => !p.file.startsWith('samples'))) {
        const app = start({ onBlockedRequest: (url) => problems.push({ file: 'template.html', line: 1, message: `the document asked for ${url}, which the seal blocked` }), templates: store });
        try {
          for (const name of template.samples) {
            const file = `samples/${name}.json`;
            try {
              const prepared = app.reports.prepare(id, template.sampleData[name]);
              const leak = LEAKS.exec(visibleText(prepared.html));
              if (leak) problems.push({ file, line: 1, message: `the printed text shows "${leak[0]}": a view.json value is missing or not formatted for print` });
              const pdf = await app.reports.print(prepared);
              printed.push(`${name} ${pdf.pages} p.`);
              const range = template.pages;
              if (range && (pdf.pages < range.min || pdf.pages > range.max)) {
                problems.push({ file, line: 1, message: `printed ${pdf.pages} pages, outside view.json's "pages" ${range.min}–${range.max}` });
              }
            } catch (error) {
              problems.push({ file, line: 1, message: `does not render: ${(error as Error).message}` });
            }
          }
        } finally {
          await app.close();
        }
      }
      report();
      const rendered = printed.length > 0 ? `; rendered ${printed.join(', ')}` : '';
      if (problems.length > 0) {
        io.stdout(`${id}: ${problems.length} problem(s)${rendered}\n`);
        throw new CheckFailed();
      }
      io.stdout(`${id}: ok${rendered}\n`);
    });
}

/** Ends `check` with exit code 1 after its report; nothing more to print. */
export class CheckFailed extends Error {
  constructor() {
    super('the template has problems (listed above)');
  }
}
