/**
 * The Chromium unpack as a Lambda container lives through it: a fresh /tmp, a second start that
 * reuses the unpack, a binary left truncated by an earlier failure, and an unpack that runs out of
 * space and must say so, leave nothing behind, and succeed once there is room. Real brotli pack,
 * real files; the small /tmp is a real tmpfs (CI runs as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const UNPACKER = resolve(__dirname, '..', '..', 'dist', 'lambda', 'src', 'chromium', 'unpackChromium.js');

/**
 * unpackChromium in its own node process with TMPDIR at `dir`, as a Lambda container with that
 * /tmp runs it (@sparticuz/chromium reads os.tmpdir() from the real process environment, which a
 * test cannot change in place). The compiled module: `npm test` builds first.
 */
function unpackIn(dir: string, packDir?: string): { path?: string; error?: { name: string; message: string } } {
  const script = `require(${JSON.stringify(UNPACKER)}).unpackChromium(${packDir ? JSON.stringify(packDir) : ''}).then(
    (path) => process.stdout.write(JSON.stringify({ path })),
    (e) => process.stdout.write(JSON.stringify({ error: { name: e.name, message: e.message } })))`;
  const result = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`the unpacker process failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { path?: string; error?: { name: string; message: string } };
}

describe('unpackChromium', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'unpack-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('unpacks once into a fresh /tmp, marks it complete, and reuses it on the next start', () => {
    const { path } = unpackIn(dir);
    expect(path).toBe(join(dir, 'chromium'));
    const first = statSync(path!);
    expect(first.size).toBeGreaterThan(100_000_000);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['chromium', 'chromium.unpacked.json']));
    expect(readdirSync(dir)).not.toContain('chromium.unpack.lock');
    expect(unpackIn(dir)).toEqual({ path });
    expect(statSync(path!).mtimeMs).toBe(first.mtimeMs);
  }, 60_000);

  it('unpacks again over a binary an earlier unpack left truncated', () => {
    const { path } = unpackIn(dir);
    const size = statSync(path!).size;
    truncateSync(path!, 4096);
    expect(unpackIn(dir)).toEqual({ path });
    expect(statSync(path!).size).toBe(size);
  }, 60_000);

  it('runs out of space with the real cause in the message, leaves nothing behind, and succeeds once there is room', () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a small tmpfs and must run as root (CI does)');
    const small = join(dir, 'small');
    execFileSync('mkdir', [small]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', small]);
    try {
      const { error } = unpackIn(small);
      expect(error?.name).toBe('ChromiumError');
      expect(error?.message).toMatch(/^Unpacking Chromium into .*small failed \(ENOSPC: no space left on device.*\); .*needs about 200 MB there; give the function more ephemeral storage/);
      // Nothing a later start could mistake for a Chromium.
      expect(readdirSync(small)).toEqual([]);
      execFileSync('mount', ['-o', 'remount,size=400m', small]);
      const { path } = unpackIn(small);
      expect(statSync(path!).size).toBeGreaterThan(100_000_000);
    } finally {
      execFileSync('umount', [small]);
    }
  }, 90_000);

  it('takes over a lock left by a process that died while unpacking, at once', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'chromium.unpack.lock'), dead);
    const started = Date.now();
    expect(unpackIn(dir).path).toBe(join(dir, 'chromium'));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(readdirSync(dir)).not.toContain('chromium.unpack.lock');
  }, 60_000);

  it('names the missing pack folder', () => {
    expect(unpackIn(dir, join(dir, 'no-such-pack')).error?.message).toMatch(/No Chromium pack at .*no-such-pack: set CHROMIUM_PACK_DIR/);
  });
});
