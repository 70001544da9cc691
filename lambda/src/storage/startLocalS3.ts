/**
 * An S3-compatible server inside the dev server's process (s3rver), so `npm start` works on a
 * laptop with no AWS account and the printed links download with curl or a browser. Its data lives
 * in a git-ignored folder (default `.local-s3/`) and survives restarts, like a real bucket.
 *
 * s3rver does not check signatures and answers anonymous requests, so it listens on a private port
 * and only the gate in front of it (startS3Gate.ts) is reachable at the endpoint: it lets through
 * what S3 would (signed with the one key pair S3RVER/S3RVER, in time, addressed to the endpoint's
 * own host, keys inside the folder) and refuses the rest as S3 does. It is loaded only when the dev
 * server starts, so the Lambda bundle and the other CLI commands never load it.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../core/errors';
import { LOCAL_HOST } from '../config/configTable';
import { startS3Gate } from './startS3Gate';

/** The only credentials s3rver knows. */
export const LOCAL_S3_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

export interface LocalS3Options {
  /** Folder holding buckets and objects; created when missing. */
  readonly directory: string;
  /** The endpoint's port; 0 picks a free one. */
  readonly port: number;
  /** Created at start-up when missing. */
  readonly bucket: string;
}

export interface LocalS3 {
  /** e.g. `http://127.0.0.1:4569` (the gate; s3rver itself is not reachable); use with path-style addressing. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly credentials: typeof LOCAL_S3_CREDENTIALS;
  close(): Promise<void>;
}

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  readonly httpServer?: import('node:http').Server;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  mkdirSync(options.directory, { recursive: true });
  let S3rver: S3rverConstructor;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    S3rver = require('s3rver') as S3rverConstructor;
  } catch (error) {
    throw new ConfigError(
      'The embedded S3 needs the s3rver package: run `npm install` in the project, or set S3_ENDPOINT / REPORTS_BUCKET to use another S3.',
      { cause: error },
    );
  }
  const server = new S3rver({
    address: LOCAL_HOST,
    // Private: only the gate knows this port, and the gate checks every request.
    port: 0,
    directory: options.directory,
    silent: true,
    // Path-style only: virtual-host buckets would need DNS names for 127.0.0.1.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket }],
  });
  const address = await server.run();
  const stopS3rver = async (): Promise<void> => {
    const stopped = server.close();
    // Keep-alive sockets (the gate's pool) would hold close() open indefinitely.
    server.httpServer?.closeIdleConnections();
    const cut = setTimeout(() => server.httpServer?.closeAllConnections(), 1_000);
    try {
      await stopped;
    } finally {
      clearTimeout(cut);
    }
  };
  let gate;
  try {
    gate = await startS3Gate({ host: LOCAL_HOST, port: options.port, upstream: { host: LOCAL_HOST, port: address.port }, credentials: LOCAL_S3_CREDENTIALS });
  } catch (error) {
    await stopS3rver();
    throw error;
  }
  const started = gate;
  let closing: Promise<void> | undefined;
  return {
    endpoint: started.endpoint,
    bucket: options.bucket,
    credentials: LOCAL_S3_CREDENTIALS,
    // The gate first (no new requests reach s3rver), then s3rver.
    close: () =>
      (closing ??= (async () => {
        try {
          await started.close();
        } finally {
          await stopS3rver();
        }
      })()),
  };
}
