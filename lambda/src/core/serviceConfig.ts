/**
 * Configuration of the report service (links and render concurrency), read once at start-up into a
 * frozen object. Every variable, its default and its meaning is listed in docs/http-api.md.
 */
import { readInt, type Env } from './env';

export interface ServiceConfig {
  /** LINK_EXPIRY_SECONDS: lifetime of a signed download link. */
  readonly linkExpirySeconds: number;
  /** MAX_CONCURRENT_RENDERS: renders running at once in this process. */
  readonly maxConcurrentRenders: number;
  /** MAX_QUEUED_RENDERS: renders allowed to wait for a slot; the next request gets 503. */
  readonly maxQueuedRenders: number;
  /** RETRY_AFTER_SECONDS: the Retry-After sent with a 503 when the renderer is saturated. */
  readonly retryAfterSeconds: number;
}

export const SERVICE_DEFAULTS = Object.freeze({
  linkExpirySeconds: 3600,
  maxConcurrentRenders: 2,
  maxQueuedRenders: 8,
  retryAfterSeconds: 2,
});

/** SigV4 presigned URLs cannot live longer than 7 days. */
export const MAX_LINK_EXPIRY_SECONDS = 7 * 24 * 3600;

export function loadServiceConfig(env: Env = process.env): ServiceConfig {
  return Object.freeze({
    // Below a minute a link could expire between the response and the click.
    linkExpirySeconds: readInt(env, 'LINK_EXPIRY_SECONDS', SERVICE_DEFAULTS.linkExpirySeconds, 60, MAX_LINK_EXPIRY_SECONDS),
    maxConcurrentRenders: readInt(env, 'MAX_CONCURRENT_RENDERS', SERVICE_DEFAULTS.maxConcurrentRenders, 1, 16),
    maxQueuedRenders: readInt(env, 'MAX_QUEUED_RENDERS', SERVICE_DEFAULTS.maxQueuedRenders, 0, 1000),
    retryAfterSeconds: readInt(env, 'RETRY_AFTER_SECONDS', SERVICE_DEFAULTS.retryAfterSeconds, 1, 300),
  });
}
