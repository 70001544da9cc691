/**
 * `pdf-export serve` as a user runs it (in-process through runCli): it prints where it listens,
 * the printed API renders and the link downloads with curl, and Ctrl-C (SIGINT) stops the socket,
 * Chromium and the embedded S3 and returns exit code 0. Bad configuration fails at start-up.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../lambda/src/entrypoints/cli';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import { postJson, samples, TEMPLATE } from '../helpers/httpClient';

const run = promisify(execFile);

/** Chromium processes started by this test process. */
async function chromiumChildren(): Promise<string[]> {
  const { stdout } = await run('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter((line) => /chrom/i.test(line));
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch (error) {
    return /ECONNREFUSED/.test(String((error as { cause?: unknown }).cause));
  }
}

async function waitFor(predicate: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('pdf-export serve', () => {
  const saved = { ...process.env };
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-serve-'));
    for (const name of ['REPORTS_BUCKET', 'S3_ENDPOINT', 'PORT']) delete process.env[name];
    Object.assign(process.env, { LOCAL_S3_DIR: join(dir, 's3'), LOCAL_S3_PORT: '0', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  });
  afterAll(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves until Ctrl-C, then stops the socket, Chromium and S3 and exits 0', async () => {
    expect(await chromiumChildren()).toEqual([]);
    let out = '';
    let err = '';
    const exit = runCli(['serve', '--port', '0'], { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
    await waitFor(() => out.includes('Press Ctrl-C'), 'the start-up banner');
    const api = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const s3 = /embedded S3 at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(api).toBeDefined();
    expect(s3).toBeDefined();
    expect(out).toContain(join(dir, 's3'));
    expect(out).toContain(`curl -s -X POST ${api}/reports`);

    const created = await postJson(`${api}/reports`, { template: TEMPLATE, data: Object.values(samples())[0] });
    expect(created.status).toBe(201);
    expect(created.json.url.startsWith(`${s3}/`)).toBe(true);
    const file = join(dir, 'report.pdf');
    await run('curl', ['-sS', '--fail', '--max-time', '20', '-o', file, created.json.url]);
    expect(sha256Hex(readFileSync(file))).toBe(created.json.sha256);
    expect((await chromiumChildren()).length).toBeGreaterThan(0);

    process.emit('SIGINT', 'SIGINT');
    expect(await exit).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('SIGINT received');
    expect(out).toContain('stopped');
    expect(await refused(`${api}/health`)).toBe(true);
    expect(await refused(`${s3}/`)).toBe(true);
    // Chromium is gone (give the kernel a moment to reap it).
    const deadline = Date.now() + 5_000;
    while ((await chromiumChildren()).some((line) => !/<defunct>/.test(line)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await chromiumChildren()).filter((line) => !/<defunct>/.test(line))).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('refuses bad options and configuration at start-up with exit code 2 and a one-line reason', async () => {
    let err = '';
    const io = { stdout: () => undefined, stderr: (s: string) => void (err += s) };
    expect(await runCli(['serve', '--port', 'eighty'], io)).toBe(2);
    expect(err).toMatch(/port/);

    err = '';
    process.env.LINK_EXPIRY_SECONDS = '604801';
    try {
      expect(await runCli(['serve', '--port', '0'], io)).toBe(2);
    } finally {
      delete process.env.LINK_EXPIRY_SECONDS;
    }
    expect(err).toMatch(/^pdf-export: LINK_EXPIRY_SECONDS must be between 60 and 604800; got 604801\.\n$/);
  });

  it('says which port is taken instead of crashing', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    let err = '';
    try {
      expect(await runCli(['serve', '--port', String(port)], { stdout: () => undefined, stderr: (s) => void (err += s) })).toBe(2);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(err).toContain(`127.0.0.1:${port} is already in use`);
    expect(await chromiumChildren()).toEqual([]);
  });
});
