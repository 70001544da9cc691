/**
 * The HTTP API over node's http module, for `pdf-export serve`: it only turns an IncomingMessage
 * into an HttpRequest (raw bytes as base64, like API Gateway does for binary bodies) and writes the
 * HttpResponse back. Loopback only.
 *
 * Bodies over the limit are not buffered: reading stops counting into memory at the limit and the
 * request is answered 413 by the same error mapping as every other error.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_HOST } from '../config/configTable';
import { LimitExceededError } from '../core/errors';
import { errorResponse } from './errorResponse';
import type { HttpRequest, HttpResponse } from './httpMessages';

export interface LocalServerOptions {
  readonly handle: (request: HttpRequest) => Promise<HttpResponse>;
  /** 0 picks a free port. */
  readonly port: number;
  readonly maxBodyBytes: number;
  /** How long `close()` lets requests in progress finish before cutting their connections. */
  readonly shutdownGraceMs?: number;
  /**
   * Local-only routes answered before the API (the playground page and its batch routes): return
   * true when the request was answered, false to let `handle` answer it. They read the raw node
   * request themselves (their own body limits, binary responses) and never reach Lambda.
   */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}


/** Reads the body up to `max` bytes; undefined when it is larger (the rest is drained, not kept). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > max;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: HttpResponse): void {
  res.writeHead(response.statusCode, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const inProgress = new Set<Promise<void>>();
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    try {
      if (options.intercept && (await options.intercept(req, res))) return;
      const body = await readBody(req, options.maxBodyBytes);
      if (body === undefined) {
        const declared = req.headers['content-length'] ?? 'more than that';
        send(res, errorResponse(new LimitExceededError(`The request body is ${declared} bytes, over the limit of ${options.maxBodyBytes}; send less data.`), requestId));
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const url = new URL(req.url ?? '/', `http://${LOCAL_HOST}`);
      const response = await options.handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        headers,
        body: body.length > 0 ? body.toString('base64') : undefined,
        isBase64Encoded: body.length > 0,
        requestId,
      });
      send(res, response);
    } catch (error) {
      // handleHttpRequest never throws; this is a broken socket or a bug, still answered safely.
      if (!res.headersSent) send(res, errorResponse(error, requestId));
      else res.destroy();
    }
  };

  const server = createServer((req, res) => {
    const task = serve(req, res);
    inProgress.add(task);
    const forget = (): void => void inProgress.delete(task);
    task.then(forget, forget);
  });
  // A stalled client must not hold a socket for node's default 5 minutes.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, LOCAL_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${LOCAL_HOST}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Let renders in progress answer their clients, but never wait forever.
        const grace = new Promise<void>((resolve) => setTimeout(resolve, options.shutdownGraceMs ?? 10_000).unref());
        await Promise.race([Promise.allSettled([...inProgress]), grace]);
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
