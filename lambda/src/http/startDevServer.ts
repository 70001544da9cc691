/**
 * `pdf-export serve`: the HTTP API on 127.0.0.1 with the same handler as Lambda, storing into the
 * embedded S3 (or into the S3 named by configuration). Returns a handle whose close() stops the
 * socket first (no new requests), then Chromium, then S3, in that order.
 */
import type { Env } from '../core/env';
import { createHttpApp, type HttpApp, type HttpAppOptions } from './createHttpApp';
import { loadDevServerConfig, type DevServerConfig } from './devServerConfig';
import { startLocalS3, type LocalS3 } from './startLocalS3';
import { startLocalServer, type LocalServer } from './startLocalServer';

export interface DevServerOptions {
  readonly env?: Env;
  /** --port; overrides PORT. */
  readonly port?: number;
  readonly logger?: HttpAppOptions['logger'];
  readonly shutdownGraceMs?: number;
}

export interface DevServer {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string;
  readonly config: DevServerConfig;
  readonly app: HttpApp;
  /** The embedded S3, when one was started. */
  readonly localS3: LocalS3 | undefined;
  close(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const env = options.env ?? process.env;
  const config = loadDevServerConfig(env, { port: options.port });
  const localS3 = config.useExternalS3
    ? undefined
    : await startLocalS3({ directory: config.localS3Dir, port: config.localS3Port, bucket: config.defaultBucket });
  let app: HttpApp | undefined;
  let server: LocalServer | undefined;
  try {
    app = createHttpApp({
      env,
      defaultBucket: config.defaultBucket,
      storageOverrides: localS3 ? { endpoint: localS3.endpoint, forcePathStyle: true } : undefined,
      storeOptions: localS3 ? { credentials: localS3.credentials } : undefined,
      logger: options.logger,
    });
    server = await startLocalServer({
      handle: app.handle,
      port: config.port,
      maxBodyBytes: app.config.http.maxBodyBytes,
      shutdownGraceMs: options.shutdownGraceMs,
    });
  } catch (error) {
    await app?.close();
    await localS3?.close();
    throw error;
  }
  const started = { app, server };
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    config,
    app,
    localS3,
    close: () =>
      (closing ??= (async () => {
        await started.server.close();
        await started.app.close();
        await localS3?.close();
      })()),
  };
}
