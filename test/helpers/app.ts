/**
 * The app as the entry points compose it (lambda/src/compose.ts), for tests: the same wiring, the
 * same checks, never a copy of it.
 */
import { join } from 'node:path';
import { compose, type App, type ComposeOptions } from '../../lambda/src/compose';
import { loadConfig, requireTemplatesDir, type Env } from '../../lambda/src/config/loadConfig';
import type { PdfRenderer } from '../../lambda/src/core/ports';
import type { ReportRenderer } from '../../lambda/src/core/ReportRenderer';
import type { TemplateFiles, TemplateStore } from '../../lambda/src/core/TemplateStore';
import { readTemplateFolder } from '../../lambda/src/files/loadTemplateStore';

/** The app over `env` (default: this process's environment); close it when it printed anything. */
export function testApp(env: Env = process.env, options: ComposeOptions = {}): App {
  return compose(loadConfig(env), options);
}

let app: App | undefined;

/** This process's app, composed once per test file; the helpers below never print with it, so it needs no closing. */
function projectApp(): App {
  return (app ??= testApp());
}

/** The project's templates, read once per test file as every entry point reads them. */
export function projectTemplates(): TemplateStore {
  return projectApp().templates;
}

/**
 * One template folder's files as the service reads them from TEMPLATES_DIR, before TemplateStore
 * checks and compiles them: for tests about the files as written (template.html still links
 * style.css; the store's `html` has it inlined).
 */
export function projectTemplateFiles(id: string): TemplateFiles {
  return readTemplateFolder(join(requireTemplatesDir(projectApp().config.render), id), id);
}

/** A printer for tests that must stop before Chromium: it refuses every document. */
export const refusingPrinter: PdfRenderer = {
  async renderPdf() {
    throw new Error('Chromium must not be reached in this test');
  },
  async close() {},
};

/**
 * The service's ReportRenderer with the project's templates and view models, over `refusingPrinter`:
 * `prepare(id, data).html` is the HTML the service would print (data checked, view model built,
 * Mustache rendered, stylesheets inlined).
 */
export function htmlRenderer(): ReportRenderer {
  return projectApp().rendererFor(refusingPrinter);
}
