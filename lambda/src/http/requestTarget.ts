/**
 * The one reading of a request's raw path, for every way a request arrives: the Lambda handler
 * (API Gateway's `rawPath`, stage removed) and the local server (the request line's target, before
 * the playground or the API sees it). Both used to read paths differently: node's URL parser turned
 * `//health` into a host name, `\` into `/` and resolved `..`, while API Gateway passes the path as
 * sent, so the same request could reach different handlers, or none.
 *
 * Nothing is collapsed or resolved here; a path that only means something after such repairs is
 * refused, so no layer can read it differently from another:
 *
 * - it starts with `/` (no `*`, no `http://host/…` absolute form);
 * - it holds only the characters RFC 3986 allows in a path (a `\`, a space, `#`, a raw non-ASCII
 *   byte must be percent-encoded), and every `%` starts a two-digit hex escape;
 * - no empty segment (`//`) except one trailing slash, which the routes forgive;
 * - no `.` or `..` segment, written plainly or percent-encoded (`%2e%2e`).
 *
 * Escapes of unreserved characters (letters, digits, `-._~`) are decoded, as RFC 3986 §6.2.2.2 says
 * they are equivalent (`/%68ealth` is `/health`); every other escape stays as it is, so an encoded
 * `/` (`%2F`) never becomes a separator: each route decodes its own parameters.
 */
import { InvalidRequestError } from '../core/errors';

/** pchar (RFC 3986 §3.3) and the separator, escapes checked apart. */
const PATH_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const UNRESERVED_ESCAPE = /%(2[DdEe]|3[0-9]|4[1-9A-Fa-f]|5[0-9Aa]|5[Ff]|6[1-9A-Fa-f]|7[0-9Aa]|7[Ee])/g;

export interface RequestTarget {
  /** The path as the routes read it (see canonicalPath). */
  readonly path: string;
  /** The query string's parameters (the playground's batch upload reads them). */
  readonly query: URLSearchParams;
}

function refuse(raw: string, problem: string): never {
  const shown = raw.length > 120 ? `${raw.slice(0, 120)}…` : raw;
  throw new InvalidRequestError(`The request path ${JSON.stringify(shown)} ${problem}.`, { details: [{ path: '', message: `request path ${problem}` }] });
}

/**
 * The path the routes match, or InvalidRequestError (400) saying what to change. Idempotent:
 * the HTTP core checks again what a transport already checked.
 */
export function canonicalPath(raw: string): string {
  if (!raw.startsWith('/')) refuse(raw, 'must start with "/"; send the path alone, e.g. /reports');
  if (!PATH_CHARACTERS.test(raw)) refuse(raw, 'has a character that must be percent-encoded (such as \\, a space, # or a non-ASCII character); encode it, or use / between segments');
  if (BAD_ESCAPE.test(raw)) refuse(raw, 'has a "%" that does not start a two-digit hex escape; write a literal % as %25');
  const path = raw.replace(UNRESERVED_ESCAPE, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
  const segments = path.split('/').slice(1);
  segments.forEach((segment, i) => {
    if (segment === '' && i < segments.length - 1) refuse(raw, 'has an empty segment ("//"); remove the extra slash');
    if (segment === '.' || segment === '..') refuse(raw, `has a "${segment}" segment; send the path it stands for, e.g. /reports`);
  });
  return path;
}

/** A request line's target (`/reports?x=1`): its canonical path and its query. */
export function parseRequestTarget(target: string): RequestTarget {
  const mark = target.indexOf('?');
  const path = canonicalPath(mark === -1 ? target : target.slice(0, mark));
  return { path, query: new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1)) };
}
