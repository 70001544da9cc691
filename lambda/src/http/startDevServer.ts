/**
 * `pdf-export serve`: the HTTP API on 127.0.0.1 with the same handler as Lambda, storing into the
 * embedded S3 (or into the S3 named by configuration), plus the playground page at `/` and its
 * local-only batch routes (docs/playground.md), which exist only here, never on Lambda. Returns a
 * handle whose close() stops the socket first (no new requests), then the playground's batch
 * browsers, then Chromium, then S3, in that order.
 */
import type { Env } from '../core/env';
import { loadPlaygroundConfig, type PlaygroundConfig } from '../playground/playgroundConfig';
import { createPlayground, type Playground } from '../playground/playgroundServer';
import { createHttpApp, createLogger, type HttpApp, type HttpAppOptions } from './createHttpApp';
import { loadDevServerConfig, type DevServerConfig } from './devServerConfig';
import { startLocalS3, type LocalS3 } from './startLocalS3';
import { startLocalServer, type LocalServer } from './startLocalServer';

export interface DevServerOptions {
  readonly env?: Env;
  /** --port; overrides PORT. */
  readonly port?: number;
  readonly logger?: HttpAppOptions['logger'];
  readonly shutdownGraceMs?: number;
  /** Serve the playground page and its batch routes (default true). */
  readonly playground?: boolean;
}

export interface DevServer {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string;
  readonly config: DevServerConfig;
  readonly app: HttpApp;
  /** The embedded S3, when one was started. */
  readonly localS3: LocalS3 | undefined;
  /** The playground's settings; undefined when it is off. */
  readonly playground: PlaygroundConfig | undefined;
  close(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const env = options.env ?? process.env;
  const config = loadDevServerConfig(env, { port: options.port });
  const playgroundConfig = options.playground === false ? undefined : loadPlaygroundConfig(env);
  const logger = options.logger ?? createLogger();
  const localS3 = config.useExternalS3
    ? undefined
    : await startLocalS3({ directory: config.localS3Dir, port: config.localS3Port, bucket: config.defaultBucket });
  let app: HttpApp | undefined;
  let playground: Playground | undefined;
  let server: LocalServer | undefined;
  try {
    app = createHttpApp({
      env,
      defaultBucket: config.defaultBucket,
      storageOverrides: localS3 ? { endpoint: localS3.endpoint, forcePathStyle: true } : undefined,
      storeOptions: localS3 ? { credentials: localS3.credentials } : undefined,
      logger,
    });
    playground = playgroundConfig ? createPlayground({ app, config: playgroundConfig, logger }) : undefined;
    server = await startLocalServer({
      handle: app.handle,
      intercept: playground?.handle,
      port: config.port,
      maxBodyBytes: app.config.http.maxBodyBytes,
      shutdownGraceMs: options.shutdownGraceMs,
    });
  } catch (error) {
    await playground?.close();
    await app?.close();
    await localS3?.close();
    throw error;
  }
  const started = { app, server, playground };
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    config,
    app,
    localS3,
    playground: playgroundConfig,
    close: () =>
      (closing ??= (async () => {
        await started.server.close();
        await started.playground?.close();
        await started.app.close();
        await localS3?.close();
      })()),
  };
}
