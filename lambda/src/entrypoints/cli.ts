#!/usr/bin/env node
/**
 * `pdf-export` (bin/pdf-export.js runs the compiled copy): the command line, composed from the
 * environment's configuration. The commands themselves are cli/'s.
 */
import { compose } from '../compose';
import { loadConfig, readVariable } from '../config/loadConfig';
import type { CliIo } from '../cli/CliIo';
import { runProgram } from '../cli/program';
import { startDevServer } from './devServer';

const processIo: CliIo = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) };

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it in-process. */
export function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runProgram(argv, io, {
    // Blocked requests are the CLI's warnings; the structured logger stays silent unless something fails.
    start: (hooks) => compose(loadConfig(), { onBlockedRequest: hooks.onBlockedRequest, ...(hooks.templates ? { templates: hooks.templates } : {}) }),
    serve: (options) => startDevServer(options),
    debug: () => {
      try {
        return readVariable(process.env, 'PDF_EXPORT_DEBUG');
      } catch {
        return true; // set, if not to true or false: the user asked for details
      }
    },
  });
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
