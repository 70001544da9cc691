/**
 * `pdf-export serve` (also `npm start`): the HTTP API on 127.0.0.1 with the same handler as
 * Lambda, storing into the embedded S3 (or into the S3 named by configuration), plus the
 * playground page at `/` and its local-only batch routes (docs/playground.md), which exist only
 * here, never on Lambda. close() stops the socket first (no new requests), then the playground's
 * batch browsers, then Chromium and S3 clients, then the embedded S3, in that order.
 */
import { compose, type App } from '../compose';
import { loadConfig, type DevServerConfig, type Env, type PlaygroundConfig } from '../config/loadConfig';
import type { Logger } from '../core/ports';
import { startLocalServer, type LocalServer } from '../http/startLocalServer';
import { createPlayground, type Playground } from '../playground/playgroundServer';
import { startLocalS3, type LocalS3 } from '../storage/startLocalS3';

export interface DevServerOptions {
  readonly env?: Env;
  /** --port; overrides PORT. */
  readonly port?: number;
  readonly logger?: Logger;
  readonly shutdownGraceMs?: number;
  /** Serve the playground page and its batch routes (default true). */
  readonly playground?: boolean;
}

export interface DevServer {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string;
  readonly config: DevServerConfig;
  readonly app: App;
  /** The embedded S3, when one was started. */
  readonly localS3: LocalS3 | undefined;
  /** The playground's settings; undefined when it is off. */
  readonly playground: PlaygroundConfig | undefined;
  close(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const loaded = loadConfig(options.env ?? process.env, { port: options.port });
  const devServer = loaded.devServer;
  const localS3 = devServer.useExternalS3
    ? undefined
    : await startLocalS3({ directory: devServer.localS3Dir, port: devServer.localS3Port, bucket: devServer.defaultBucket });
  // The embedded S3 is path-style only, and holds the local bucket.
  const config = localS3
    ? { ...loaded, storage: { ...loaded.storage, bucket: localS3.bucket, endpoint: localS3.endpoint, forcePathStyle: true } }
    : loaded;
  const app = compose(config, { logger: options.logger, s3Credentials: localS3?.credentials });
  let playground: Playground | undefined;
  let server: LocalServer | undefined;
  try {
    const handle = app.httpApi();
    playground = options.playground === false ? undefined : createPlayground({ app, config: config.playground });
    server = await startLocalServer({
      handle,
      intercept: playground,
      port: devServer.port,
      maxBodyBytes: config.http.maxBodyBytes,
      // As many whole bodies as renders can run and wait at once: more bodies arriving together
      // would mostly meet RENDERER_BUSY once read, so past that they are refused before being held.
      maxHeldBodyBytes: (config.service.maxConcurrentRenders + config.service.maxQueuedRenders) * config.http.maxBodyBytes,
      retryAfterSeconds: config.service.retryAfterSeconds,
      logger: app.logger,
      shutdownGraceMs: options.shutdownGraceMs,
    });
  } catch (error) {
    await playground?.close();
    await app.close();
    await localS3?.close();
    throw error;
  }
  const started = { server, playground };
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    config: devServer,
    app,
    localS3,
    playground: playground ? config.playground : undefined,
    close: () =>
      (closing ??= (async () => {
        await started.server.close();
        await started.playground?.close();
        await app.close();
        await localS3?.close();
      })()),
  };
}
