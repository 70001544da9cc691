/**
 * The dev server's one rule about who may talk to it: a request must name this server as its Host.
 *
 * The server listens on 127.0.0.1 only, but a web page in the developer's browser can still aim
 * requests at it: through DNS rebinding, a hostile site's own name resolves to 127.0.0.1 and the
 * browser treats the answers as that site's, readable by its scripts. Such requests arrive with the
 * hostile name in their Host header, so every route (the API, the playground and its batches)
 * refuses any Host but this server's own. On Lambda the Host is API Gateway's and this does not apply.
 */
import { LOCAL_HOST } from '../config/configTable';
import { jsonResponse, type HttpResponse } from './httpMessages';

/** The Host values that name a server on `port`: as its URL says, or as `localhost`. */
export function isLocalHost(host: string | undefined, port: number): boolean {
  return host === `${LOCAL_HOST}:${port}` || host === `localhost:${port}`;
}

/** Why a request with this Host is refused, or undefined when it names this server. */
export function foreignHostProblem(host: string | undefined, port: number): string | undefined {
  if (isLocalHost(host, port)) return undefined;
  return `This server answers only requests for http://${LOCAL_HOST}:${port}/ (or localhost:${port}); got Host "${(host ?? '').slice(0, 100)}". Open it by that address.`;
}

/** 403 in the API's error shape; `FORBIDDEN` is local-only (Lambda never refuses a caller itself). */
export function forbiddenResponse(message: string, requestId: string): HttpResponse {
  return jsonResponse(403, { error: { code: 'FORBIDDEN', message, details: [], requestId } }, requestId);
}
