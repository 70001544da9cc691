/**
 * `pdf-export`: the command-line adapter over the core. It parses arguments, asks the app
 * (compose.ts, through `CliContext`) for what a command needs, and maps results to files, lines on
 * stdout and an exit code: 0 success, 1 when any item (or the render) failed, 2 bad usage or
 * input, with a one-line reason on stderr (docs/architecture.md lists the contract).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { App } from '../compose';
import type { TemplateStore } from '../core/TemplateStore';
import { ConfigError, DataValidationError, InvalidRequestError, invalidDataLine, isPdfExportError, TemplateNotFoundError } from '../core/errors';
import type { DevServer, DevServerOptions } from '../entrypoints/devServer';
import { writeFileAtomic } from '../files/writeFileAtomic';
import { batchCommand } from './batchCommand';
import { checkCommand } from './checkCommand';
import type { CliIo } from './CliIo';
import { serveCommand } from './serveCommand';
import { sheetCommand } from './sheetCommand';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** What a command may ask of the app it starts. */
export interface StartHooks {
  readonly onBlockedRequest: (url: string) => void;
  /** Serve these templates instead of TEMPLATES_DIR's (`check`). */
  readonly templates?: TemplateStore;
}

/** What the commands run on; entrypoints/cli.ts gives the real ones. */
export interface CliContext {
  /** The app for this run; blocked document requests become warnings on stderr. */
  readonly start: (hooks: StartHooks) => App;
  /** `pdf-export serve`. */
  readonly serve: (options: DevServerOptions) => Promise<DevServer>;
  /** PDF_EXPORT_DEBUG: print the stack and cause of an unexpected failure. */
  readonly debug: () => boolean;
}

/** Thrown by commands for bad usage or input; becomes exit code 2 with its message. */
export class UsageError extends Error {}

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

function buildProgram(io: CliIo, context: CliContext): Command {
  const program = new Command('pdf-export')
    .description('Render report data (JSON) with a template into a PDF.')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  const warnBlocked = { onBlockedRequest: (url: string) => io.stderr(`warning: blocked request ${url}\n`) };

  program
    .command('render')
    .description('render one report')
    .argument('<template>', 'template id (see `pdf-export templates`)')
    .argument('<data>', 'report data as a JSON file')
    .requiredOption('-o, --output <file>', 'where to write the PDF')
    .option('--html <file>', 'also write the HTML that was printed')
    .action(async (templateId: string, dataPath: string, opts: { output: string; html?: string }) => {
      const app = context.start(warnBlocked);
      try {
        // Configuration and templates first: a broken setup is reported before the data file.
        const { reports } = app;
        const data = await readJsonFile(dataPath, 'data file');
        const prepared = reports.prepare(templateId, data);
        if (opts.html) await writeFileAtomic(resolve(opts.html), prepared.html);
        const report = await reports.print(prepared);
        await writeFileAtomic(resolve(opts.output), report.pdf);
        io.stdout(`${opts.output}: ${report.pages} pages, ${report.bytes} bytes, ${report.renderMs} ms\n`);
      } finally {
        await app.close();
      }
    });

  program
    .command('templates')
    .description('list the available templates')
    .action(() => {
      for (const t of context.start(warnBlocked).templates.list()) {
        io.stdout(`${t.id}\t${t.title}\tsamples: ${t.samples.join(', ')}\n`);
      }
    });

  program.addCommand(serveCommand(io, context.serve));
  program.addCommand(batchCommand(io, (hooks) => context.start(hooks)));
  program.addCommand(sheetCommand(io, (hooks) => context.start(hooks)));
  program.addCommand(checkCommand(io, (hooks) => context.start(hooks)));

  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it in-process. */
export async function runProgram(argv: readonly string[], io: CliIo, context: CliContext): Promise<number> {
  const program = buildProgram(io, context);
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
    if (context.debug()) io.stderr(`${(error as Error).stack ?? ''}\n${String((error as Error).cause ?? '')}\n`);
    return EXIT_FAILED;
  }
}
