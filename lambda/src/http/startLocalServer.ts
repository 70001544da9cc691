/**
 * The HTTP API over node's http module, for `pdf-export serve`: it only turns an IncomingMessage
 * into an HttpRequest (raw bytes as base64, like API Gateway does for binary bodies) and writes the
 * HttpResponse back. Loopback only.
 *
 * Before anything else reads a request, on every route: its Host must name this server
 * (localHost.ts, against DNS rebinding), and its path is read by the same function as on Lambda
 * (requestTarget.ts), so the playground and the API see the path Lambda would see. Then the
 * playground may answer; everything else goes to the API.
 *
 * Bodies cost memory only up to a bound: a declared Content-Length over the limit is answered 413
 * before a byte is read (and before `100 Continue`, when the client asked for it); a body that grows
 * over the limit is answered 413 the moment it does; and the bytes held for bodies still arriving,
 * over all connections together, are capped (`maxHeldBodyBytes`): a request that would go past the
 * cap is answered 503 with Retry-After and its bytes are let go. A refused body's rest is read and
 * dropped for a moment (so the client sees the answer rather than a reset), then the connection closes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_HOST } from '../config/configTable';
import { LimitExceededError, RendererBusyError } from '../core/errors';
import type { Logger } from '../core/ports';
import { errorCodeOf, errorResponse } from './errorResponse';
import type { HttpRequest, HttpResponse } from './httpMessages';
import { forbiddenResponse, foreignHostProblem } from './localHost';
import { parseRequestTarget, type RequestTarget } from './requestTarget';

export interface LocalServerOptions {
  readonly handle: (request: HttpRequest) => Promise<HttpResponse>;
  /** 0 picks a free port. */
  readonly port: number;
  /** MAX_BODY_BYTES: the largest body of one request. */
  readonly maxBodyBytes: number;
  /** The most bytes held for request bodies still arriving, over all connections together. */
  readonly maxHeldBodyBytes: number;
  /** RETRY_AFTER_SECONDS: what a client refused for load is told to wait. */
  readonly retryAfterSeconds: number;
  /** Where the refusals made here, before the API sees a request, are logged (as the API logs its own). */
  readonly logger?: Logger;
  /** How long `close()` lets requests in progress finish before cutting their connections. */
  readonly shutdownGraceMs?: number;
  /**
   * Local-only routes answered before the API (the playground page and its batch routes). They
   * get a request once its Host is checked, with its path read as `handle` reads it; they read the
   * body themselves (their own limits, binary responses) and never reach Lambda.
   */
  readonly intercept?: LocalRoutes;
}

export interface LocalRoutes {
  /** Whether the request is theirs: decided from the path alone, before its body is asked for. */
  claims(target: RequestTarget): boolean;
  /** Answers a claimed request. */
  handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void>;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** How long the rest of a refused body is read and dropped before the connection is cut. */
const LINGER_MS = 2_000;

/** Bytes held for request bodies still arriving, over all connections. */
class BodyBudget {
  private held = 0;
  constructor(readonly max: number) {}
  take(bytes: number): boolean {
    if (this.held + bytes > this.max) return false;
    this.held += bytes;
    return true;
  }
  give(bytes: number): void {
    this.held -= bytes;
  }
}

type BodyOutcome = { readonly body: Buffer } | { readonly refused: 'too-large' | 'busy' };

/**
 * Reads the body, counting each chunk against `max` and the shared budget; stops at the first
 * chunk either refuses (the caller answers at once). `taken` is what the caller gives back to the
 * budget once the request is answered.
 */
function readBody(req: IncomingMessage, max: number, budget: BodyBudget, taken: { bytes: number }): Promise<BodyOutcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const settle = (finish: () => void): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      chunks.length = 0;
      finish();
    };
    const onData = (chunk: Buffer): void => {
      if (taken.bytes + chunk.length > max) return settle(() => resolve({ refused: 'too-large' }));
      if (!budget.take(chunk.length)) return settle(() => resolve({ refused: 'busy' }));
      taken.bytes += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const body = Buffer.concat(chunks);
      settle(() => resolve({ body }));
    };
    const onError = (error: Error): void => settle(() => reject(error));
    const onClose = (): void => {
      if (!req.complete) onError(new Error('the client closed the connection before the body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function send(res: ServerResponse, response: HttpResponse): void {
  // A HEAD answer carries the Content-Length of the GET answer it stands for.
  const length = response.headers['content-length'] ?? Buffer.byteLength(response.body);
  res.writeHead(response.statusCode, { ...response.headers, 'content-length': length });
  res.end(response.body);
}

/**
 * Answers before the body is read. The rest of the body is read and dropped (node does that once
 * the answer is sent), so a client still sending sees the answer rather than a reset; one that
 * neither finishes nor stops within LINGER_MS loses the connection.
 */
function answerEarly(req: IncomingMessage, res: ServerResponse, response: HttpResponse): void {
  send(res, response);
  if (req.complete) return;
  req.resume();
  const timer = setTimeout(() => {
    if (!req.complete) req.socket.destroy();
  }, LINGER_MS);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const inProgress = new Set<Promise<void>>();
  const budget = new BodyBudget(options.maxHeldBodyBytes);
  const { maxBodyBytes, retryAfterSeconds } = options;

  const serve = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> => {
    const requestId = randomUUID();
    const taken = { bytes: 0 };
    const refuse = (response: HttpResponse, code: string, reason: string): void => {
      options.logger?.warn('request refused', { requestId, method: req.method, path: (req.url ?? '').slice(0, 200), status: response.statusCode, code, reason });
      answerEarly(req, res, response);
    };
    const refuseWith = (error: unknown): void => refuse(errorResponse(error, requestId), errorCodeOf(error), (error as Error).message);
    try {
      const hostProblem = foreignHostProblem(req.headers.host, req.socket.localPort ?? 0);
      if (hostProblem !== undefined) return refuse(forbiddenResponse(hostProblem, requestId), 'FORBIDDEN', hostProblem);
      let target: RequestTarget;
      try {
        target = parseRequestTarget(req.url ?? '/');
      } catch (error) {
        return refuseWith(error);
      }
      if (options.intercept?.claims(target)) {
        if (expectsContinue) res.writeContinue();
        return await options.intercept.handle(req, res, target);
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        return refuseWith(new LimitExceededError(`The request body is ${declared} bytes, over the limit of ${maxBodyBytes}; send less data.`));
      }
      if (expectsContinue) res.writeContinue();
      const outcome = await readBody(req, maxBodyBytes, budget, taken);
      if ('refused' in outcome) {
        const refusal =
          outcome.refused === 'too-large'
            ? new LimitExceededError(`The request body is over the limit of ${maxBodyBytes} bytes; send less data.`)
            : new RendererBusyError(`The server is receiving too many request bodies at once; retry in ${retryAfterSeconds} s.`, retryAfterSeconds);
        budget.give(taken.bytes);
        taken.bytes = 0;
        return refuseWith(refusal);
      }
      const { body } = outcome;
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const response = await options.handle({
        method: req.method ?? 'GET',
        path: target.path,
        query: Object.fromEntries(target.query),
        headers,
        body: body.length > 0 ? body.toString('base64') : undefined,
        isBase64Encoded: body.length > 0,
        requestId,
      });
      send(res, response);
    } catch (error) {
      // handleHttpRequest never throws; this is a broken socket or a bug, still answered safely.
      if (!res.headersSent) send(res, errorResponse(error, requestId, { retryAfterSeconds }));
      else res.destroy();
    } finally {
      budget.give(taken.bytes);
    }
  };

  const accept = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    const task = serve(req, res, expectsContinue);
    inProgress.add(task);
    const forget = (): void => void inProgress.delete(task);
    task.then(forget, forget);
  };
  const server = createServer((req, res) => accept(req, res, false));
  // `Expect: 100-continue` (curl sends it for bodies over 1 MiB): the client waits for the go-ahead,
  // so an oversized or refused body is never sent at all.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => accept(req, res, true));
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
