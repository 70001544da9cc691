#!/usr/bin/env node
/**
 * `pdf-export`: the command-line adapter over the core.
 * Exit codes (DESIGN.md): 0 success, 1 when any item failed, 2 bad usage or input, with a
 * one-line reason on stderr.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { createReportRenderer } from '../createReportRenderer';
import { ConfigError, DataValidationError, InvalidRequestError, invalidDataLine, isPdfExportError, TemplateNotFoundError } from '../core/errors';
import { loadRenderConfig } from '../core/renderConfig';
import { TemplateStore } from '../core/TemplateStore';
import { serveCommand } from './serveCommand';
import { batchCommand } from './batchCommand';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Thrown by commands for bad usage or input; becomes exit code 2 with its message. */
class UsageError extends Error {}

/** Errors the user can fix by changing the command or the input: exit 2. */
function isInputError(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof DataValidationError ||
    error instanceof InvalidRequestError ||
    error instanceof TemplateNotFoundError ||
    error instanceof ConfigError ||
    (isPdfExportError(error) && error.code === 'LIMIT_EXCEEDED')
  );
}

/** One line naming every invalid field, e.g. `invalid data: /year: must be <= 2100; /county/name: is required`. */
export function oneLineReason(error: unknown): string {
  if (error instanceof DataValidationError) {
    return invalidDataLine(error.details);
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ');
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Writes through a temporary file and a rename, so an interrupted run never leaves a truncated file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

function buildProgram(io: { stdout: (s: string) => void; stderr: (s: string) => void }): Command {
  const program = new Command('pdf-export')
    .description('Render report data (JSON) with a template into a PDF.')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('render')
    .description('render one report')
    .argument('<template>', 'template id (see `pdf-export templates`)')
    .argument('<data>', 'report data as a JSON file')
    .requiredOption('-o, --output <file>', 'where to write the PDF')
    .option('--html <file>', 'also write the HTML that was printed')
    .action(async (templateId: string, dataPath: string, opts: { output: string; html?: string }) => {
      const config = loadRenderConfig();
      const data = await readJsonFile(dataPath, 'data file');
      const handle = createReportRenderer(config, { onBlockedRequest: (url) => io.stderr(`warning: blocked request ${url}\n`) });
      try {
        const prepared = handle.reports.prepare(templateId, data);
        if (opts.html) await writeFileAtomic(resolve(opts.html), prepared.html);
        const report = await handle.reports.print(prepared);
        await writeFileAtomic(resolve(opts.output), report.pdf);
        io.stdout(`${opts.output}: ${report.pages} pages, ${report.bytes} bytes, ${report.renderMs} ms\n`);
      } finally {
        await handle.close();
      }
    });

  program
    .command('templates')
    .description('list the available templates')
    .action(() => {
      const config = loadRenderConfig();
      for (const t of TemplateStore.load(config.templatesDir).list()) {
        io.stdout(`${t.id}\t${t.title}\tsamples: ${t.samples.join(', ')}\n`);
      }
    });

  program.addCommand(serveCommand(io));
  program.addCommand(batchCommand(io));

  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it in-process. */
export async function runCli(
  argv: readonly string[],
  io = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) },
): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    io.stderr(`pdf-export: ${oneLineReason(error)}\n`);
    if (isInputError(error)) return EXIT_USAGE;
    if (process.env.PDF_EXPORT_DEBUG) io.stderr(`${(error as Error).stack ?? ''}\n${String((error as Error).cause ?? '')}\n`);
    return EXIT_FAILED;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
