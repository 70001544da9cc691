/** Start-up configuration of the HTTP service: every default spelled out, every bad value refused with the variable's name. */
import { join } from 'node:path';
import { ConfigError } from '../../lambda/src/core/errors';
import { CONFIG_TABLE } from '../../lambda/src/config/configTable';
import { loadDevServerConfig, loadHttpConfig, loadServiceConfig, loadStorageSettings, requireBucket, type Env } from '../../lambda/src/config/loadConfig';
import { findProjectRoot } from '../../lambda/src/config/projectRoot';

/** The storage section as the S3 adapters get it: read, then a bucket required (compose.ts does the same). */
const loadStorageConfig = (env: Env, defaults: { bucket?: string } = {}) => requireBucket(loadStorageSettings(env, { defaultBucket: defaults.bucket }));

const SERVICE_DEFAULTS = {
  linkExpirySeconds: CONFIG_TABLE.LINK_EXPIRY_SECONDS.default,
  maxConcurrentRenders: CONFIG_TABLE.MAX_CONCURRENT_RENDERS.default,
  maxQueuedRenders: CONFIG_TABLE.MAX_QUEUED_RENDERS.default,
  retryAfterSeconds: CONFIG_TABLE.RETRY_AFTER_SECONDS.default,
};

function configError(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadServiceConfig', () => {
  it('has documented defaults and is frozen', () => {
    const config = loadServiceConfig({});
    expect(config).toEqual({ linkExpirySeconds: 3600, maxConcurrentRenders: 2, maxQueuedRenders: 8, retryAfterSeconds: 2 });
    expect(config).toEqual({ ...SERVICE_DEFAULTS });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('bounds the link expiry to 7 days and refuses nonsense', () => {
    expect(loadServiceConfig({ LINK_EXPIRY_SECONDS: '604800' }).linkExpirySeconds).toBe(604800);
    expect(configError(() => loadServiceConfig({ LINK_EXPIRY_SECONDS: '604801' }))).toBe('LINK_EXPIRY_SECONDS must be between 60 and 604800; got 604801.');
    expect(configError(() => loadServiceConfig({ LINK_EXPIRY_SECONDS: '0' }))).toContain('LINK_EXPIRY_SECONDS');
    expect(configError(() => loadServiceConfig({ LINK_EXPIRY_SECONDS: '1h' }))).toContain('whole number');
    expect(configError(() => loadServiceConfig({ MAX_CONCURRENT_RENDERS: '0' }))).toContain('MAX_CONCURRENT_RENDERS');
    expect(configError(() => loadServiceConfig({ MAX_QUEUED_RENDERS: '-1' }))).toContain('MAX_QUEUED_RENDERS');
    expect(configError(() => loadServiceConfig({ RETRY_AFTER_SECONDS: '3.5' }))).toContain('RETRY_AFTER_SECONDS');
  });
});

describe('loadStorageConfig', () => {
  it('needs a bucket, defaults to AWS S3 in AWS_REGION or us-east-1', () => {
    expect(configError(() => loadStorageConfig({}))).toContain('REPORTS_BUCKET is not set');
    expect(loadStorageConfig({ REPORTS_BUCKET: 'my-reports' })).toEqual({ bucket: 'my-reports', region: 'us-east-1', endpoint: undefined, forcePathStyle: false });
    expect(loadStorageConfig({ REPORTS_BUCKET: 'my-reports', AWS_REGION: 'eu-central-1' }).region).toBe('eu-central-1');
    expect(loadStorageConfig({ REPORTS_BUCKET: 'my-reports', AWS_REGION: 'eu-central-1', S3_REGION: 'cn-north-1' }).region).toBe('cn-north-1');
    expect(loadStorageConfig({}, { bucket: 'local' }).bucket).toBe('local');
    expect(Object.isFrozen(loadStorageConfig({ REPORTS_BUCKET: 'my-reports' }))).toBe(true);
  });

  it('points at any S3-compatible endpoint', () => {
    expect(loadStorageConfig({ REPORTS_BUCKET: 'b-1', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' })).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
  });

  it.each([
    [{ REPORTS_BUCKET: 'My_Bucket' }, 'REPORTS_BUCKET'],
    [{ REPORTS_BUCKET: 'ab' }, 'REPORTS_BUCKET'],
    [{ REPORTS_BUCKET: 'a..b' }, 'REPORTS_BUCKET'],
    [{ REPORTS_BUCKET: 'ok-bucket', S3_REGION: 'Frankfurt' }, 'S3_REGION'],
    [{ REPORTS_BUCKET: 'ok-bucket', S3_ENDPOINT: 'localhost:9000' }, 'S3_ENDPOINT'],
    [{ REPORTS_BUCKET: 'ok-bucket', S3_ENDPOINT: 'ftp://host' }, 'S3_ENDPOINT'],
    [{ REPORTS_BUCKET: 'ok-bucket', S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE'],
  ])('refuses %j naming %s', (env, name) => {
    expect(configError(() => loadStorageConfig(env))).toContain(name);
  });
});

describe('loadHttpConfig', () => {
  it('defaults to a 1 MiB body limit, bounded by what Lambda accepts', () => {
    expect(loadHttpConfig({})).toEqual({ maxBodyBytes: 1048576 });
    expect(CONFIG_TABLE.MAX_BODY_BYTES.default).toBe(1048576);
    expect(loadHttpConfig({ MAX_BODY_BYTES: '6291456' }).maxBodyBytes).toBe(6291456);
    expect(configError(() => loadHttpConfig({ MAX_BODY_BYTES: '6291457' }))).toContain('MAX_BODY_BYTES');
    expect(configError(() => loadHttpConfig({ MAX_BODY_BYTES: '1MB' }))).toContain('MAX_BODY_BYTES');
  });
});

describe('loadDevServerConfig', () => {
  it('starts the embedded S3 in .local-s3/ unless an S3 is configured', () => {
    const config = loadDevServerConfig({});
    expect(config).toEqual({
      port: 3000,
      localS3Dir: join(findProjectRoot(), '.local-s3'),
      localS3Port: 4569,
      defaultBucket: 'pdf-export-local',
      useExternalS3: false,
    });
    expect(CONFIG_TABLE.LOCAL_S3_DIR.default('/p')).toBe('/p/.local-s3');
    expect(loadDevServerConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' }).useExternalS3).toBe(true);
    expect(loadDevServerConfig({ REPORTS_BUCKET: 'real-bucket' }).useExternalS3).toBe(true);
    expect(loadDevServerConfig({ PORT: '8080' }, { port: 0 }).port).toBe(0);
    expect(loadDevServerConfig({ PORT: '8080' }).port).toBe(8080);
    expect(configError(() => loadDevServerConfig({ LOCAL_S3_PORT: '70000' }))).toContain('LOCAL_S3_PORT');
  });
});
