/**
 * Configuration of the HTTP adapters, read once at start-up into a frozen object. Every variable,
 * its default and its meaning is listed in docs/http-api.md.
 */
import { readInt, type Env } from '../core/env';

export interface HttpConfig {
  /** MAX_BODY_BYTES: largest accepted request body, in bytes after base64 decoding. */
  readonly maxBodyBytes: number;
}

export const HTTP_DEFAULTS = Object.freeze({
  maxBodyBytes: 1024 * 1024,
});

export function loadHttpConfig(env: Env = process.env): HttpConfig {
  return Object.freeze({
    // Lambda refuses synchronous payloads over 6 MB before our code runs, so a higher limit would lie.
    maxBodyBytes: readInt(env, 'MAX_BODY_BYTES', HTTP_DEFAULTS.maxBodyBytes, 1024, 6 * 1024 * 1024),
  });
}
