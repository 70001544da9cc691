/**
 * `pdf-export serve [--port 3000]` (also `npm start`): the HTTP API on 127.0.0.1 with an embedded
 * S3, until Ctrl-C (SIGINT) or SIGTERM, which stop the socket, Chromium and S3 in that order.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/errors';
import type { DevServer, DevServerOptions } from '../entrypoints/devServer';
import type { CliIo } from './CliIo';

/** Resolves with the name of the first SIGINT/SIGTERM; the listeners are removed afterwards. */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    const listener = (signal: NodeJS.Signals): void => {
      for (const s of signals) process.off(s, listener);
      resolve(signal);
    };
    for (const s of signals) process.on(s, listener);
  });
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError('must be a port number between 0 and 65535.');
  return Number(value);
}

function describe(server: DevServer): string {
  const { url, localS3, app } = server;
  const storage = localS3
    ? `embedded S3 at ${localS3.endpoint}, bucket ${localS3.bucket}, data in ${server.config.localS3Dir}`
    : `S3 bucket ${app.config.storage.bucket}${app.config.storage.endpoint ? ` at ${app.config.storage.endpoint}` : ` in ${app.config.storage.region}`}`;
  const templates = app.templates.list().map((t) => t.id);
  const sample = templates[0] ?? '<template>';
  return [
    `pdf-export: serving ${url}`,
    ...(server.playground ? [`  open:      ${url}/ in a browser: pick a template, edit the data, watch the PDF (docs/playground.md)`] : []),
    `  templates: ${templates.join(', ') || '(none)'}`,
    `  storage:   ${storage}`,
    `  try:       curl -s ${url}/templates/${sample}`,
    `             curl -s -X POST ${url}/reports -H 'content-type: application/json' -d '{"template":"${sample}","data":{...}}'`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

export function serveCommand(
  io: CliIo,
  start: (options: DevServerOptions) => Promise<DevServer>,
  waitForShutdown: () => Promise<string> = waitForShutdownSignal,
): Command {
  return (
    new Command('serve')
      .description('serve the HTTP API on 127.0.0.1 with an embedded S3 (Ctrl-C stops it)')
      .option('-p, --port <port>', 'port on 127.0.0.1 (default: PORT or 3000; 0 picks a free one)', parsePort)
      // addCommand() does not pass the program's settings on; the CLI's exit codes rely on them.
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError(false)
      .exitOverride()
      .action(async (opts: { port?: number }) => {
        let server: DevServer;
        try {
          server = await start({ port: opts.port });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            const { address, port } = error as { address?: string; port?: number };
            throw new ConfigError(`${address ?? '127.0.0.1'}:${port ?? '?'} is already in use; pick another --port (or LOCAL_S3_PORT), or stop the other server.`);
          }
          throw error;
        }
        const shutdown = waitForShutdown();
        io.stdout(describe(server));
        const signal = await shutdown;
        io.stdout(`pdf-export: ${signal} received, shutting down…\n`);
        await server.close();
        io.stdout('pdf-export: stopped.\n');
      })
  );
}
