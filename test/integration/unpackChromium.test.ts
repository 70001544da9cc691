/**
 * The Chromium unpack as a Lambda container lives through it: a fresh /tmp, a second start that
 * reuses the unpack, a binary left truncated by an earlier failure, and an unpack that runs out of
 * space and must say so, leave nothing behind, and succeed once there is room. Real brotli pack,
 * real files; the small /tmp is a real tmpfs (CI runs as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const COMPILED = resolve(__dirname, '..', '..', 'dist', 'lambda', 'src', 'chromium');

type Outcome = { path?: string; error?: { name: string; message: string } };

/**
 * `fn(...args)` of the compiled module `file` (`npm test` builds first) in its own node process
 * with TMPDIR at `dir`, as a Lambda container with that /tmp runs it (@sparticuz/chromium reads
 * os.tmpdir() from the real process environment, which a test cannot change in place).
 */
function runIn(dir: string, file: string, fn: string, args: readonly string[]): Outcome {
  const script = `require(${JSON.stringify(join(COMPILED, file))}).${fn}(${args.map((a) => JSON.stringify(a)).join(', ')}).then(
    (path) => process.stdout.write(JSON.stringify({ path })),
    (e) => process.stdout.write(JSON.stringify({ error: { name: e.name, message: e.message } })))`;
  const result = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`the unpacker process failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Outcome;
}

const unpackIn = (dir: string, packDir?: string): Outcome => runIn(dir, 'unpackChromium.js', 'unpackChromium', packDir ? [packDir] : []);

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

/** A function of unpackFonts.js (as unpackIn). */
const unpackFontsIn = (dir: string, pack: string, conf: string, fn = 'unpackFonts'): Outcome => runIn(dir, 'unpackFonts.js', fn, [pack, conf]);

/**
 * The Lambda layer's font pack (its uncompressed layout): a gzip tar of the fonts and licensed/,
 * unpacked into <tmp>/pdf-export-fonts with the folder time the layer's prebuilt fontconfig cache
 * was made for, under the same rules as Chromium's unpack. Stand-in "fonts" of random bytes.
 */
describe('unpackFonts', () => {
  let dir: string;
  let pack: string;
  let conf: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'unpack-fonts-'));
    const source = join(dir, 'source');
    execFileSync('mkdir', ['-p', join(source, 'licensed')]);
    writeFileSync(join(source, 'A.ttf'), randomBytes(3_000_000));
    writeFileSync(join(source, 'licensed', 'B.ttf'), randomBytes(1_000_000));
    pack = join(dir, 'fonts.tar.gz');
    execFileSync('tar', ['-c', '-z', '-f', pack, '-C', source, 'A.ttf', 'licensed']);
    conf = join(dir, 'fonts.conf');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const tmpOf = (name: string): string => {
    const tmp = join(dir, name);
    execFileSync('mkdir', ['-p', tmp]);
    writeFileSync(conf, `<fontconfig><dir>${join(tmp, 'pdf-export-fonts')}</dir><dir>${join(tmp, 'pdf-export-fonts-extended')}</dir></fontconfig>`);
    return tmp;
  };

  it('keeps the Extended folder empty until a document needs it, then fills it in place', () => {
    const tmp = tmpOf('tmp');
    const folder = join(tmp, 'pdf-export-fonts-extended');
    // Before Chromium starts: there, empty, with the time fontconfig's prebuilt cache expects.
    expect(runIn(tmp, 'unpackFonts.js', 'prepareExtendedFonts', [conf])).toEqual({});
    expect(readdirSync(folder)).toEqual([]);
    expect(statSync(folder).mtimeMs).toBe(946_684_800_000);
    // On demand: the pack's files land in that folder, which keeps its time.
    expect(unpackFontsIn(tmp, pack, conf, 'unpackExtendedFonts')).toEqual({ path: folder });
    expect(readdirSync(folder).sort()).toEqual(['A.ttf', 'licensed']);
    expect(statSync(folder).mtimeMs).toBe(946_684_800_000);
    expect(readdirSync(tmp).sort()).toEqual(['pdf-export-fonts-extended', 'pdf-export-fonts-extended.unpacked.json']);
    // A later start prepares it again without emptying it.
    expect(runIn(tmp, 'unpackFonts.js', 'prepareExtendedFonts', [conf])).toEqual({});
    expect(unpackFontsIn(tmp, pack, conf, 'unpackExtendedFonts')).toEqual({ path: folder });
    expect(statSync(join(folder, 'A.ttf')).size).toBe(3_000_000);
  }, 60_000);

  it('unpacks once with the fixed folder times, and reuses the folder on the next start', () => {
    const tmp = tmpOf('tmp');
    const { path } = unpackFontsIn(tmp, pack, conf);
    expect(path).toBe(join(tmp, 'pdf-export-fonts'));
    expect(readdirSync(path!).sort()).toEqual(['A.ttf', 'licensed']);
    expect(statSync(join(path!, 'licensed', 'B.ttf')).size).toBe(1_000_000);
    // The times fontconfig's prebuilt cache was made for (UNPACKED_FONTS_MTIME_SECONDS).
    expect(statSync(path!).mtimeMs).toBe(946_684_800_000);
    expect(statSync(join(path!, 'licensed')).mtimeMs).toBe(946_684_800_000);
    expect(readdirSync(tmp).sort()).toEqual(['pdf-export-fonts', 'pdf-export-fonts.unpacked.json']);
    expect(unpackFontsIn(tmp, pack, conf)).toEqual({ path });
  }, 60_000);

  it('unpacks again over a folder an earlier start left short of a file', () => {
    const tmp = tmpOf('tmp');
    const { path } = unpackFontsIn(tmp, pack, conf);
    rmSync(join(path!, 'licensed', 'B.ttf'));
    expect(unpackFontsIn(tmp, pack, conf)).toEqual({ path });
    expect(statSync(join(path!, 'licensed', 'B.ttf')).size).toBe(1_000_000);
  }, 60_000);

  it('refuses a fonts.conf that does not list the folder it unpacks into', () => {
    const tmp = tmpOf('tmp');
    writeFileSync(conf, '<fontconfig><dir>/opt/fonts</dir></fontconfig>');
    const { error } = unpackFontsIn(tmp, pack, conf);
    expect(error?.name).toBe('ChromiumError');
    expect(error?.message).toMatch(/^FONTS_PACK unpacks into .*pdf-export-fonts, which .*fonts\.conf does not list/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('runs out of space with the real cause in the message, leaves nothing behind, and succeeds once there is room', () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a small tmpfs and must run as root (CI does)');
    const small = tmpOf('small');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]);
    try {
      const { error } = unpackFontsIn(small, pack, conf);
      expect(error?.name).toBe('ChromiumError');
      expect(error?.message).toMatch(/^Unpacking the fonts into .*small failed \(ENOSPC: no space left on device.*\); .*the unpacked fonts need about \d+ MB there; give the function more ephemeral storage/);
      expect(readdirSync(small)).toEqual([]);
      execFileSync('mount', ['-o', 'remount,size=16m', small]);
      expect(unpackFontsIn(small, pack, conf).path).toBe(join(small, 'pdf-export-fonts'));
    } finally {
      execFileSync('umount', [small]);
    }
  }, 60_000);
});

/** The Lambda layer's compact layout: the binary as chromium.gz, unpacked here rather than by the package. */
describe('unpackChromium with a gzip pack', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'unpack-gz-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gunzips the binary into place, executable, marked complete, and reuses it', () => {
    const pack = join(dir, 'pack');
    execFileSync('mkdir', [pack]);
    const binary = Buffer.concat([Buffer.from('#!/bin/sh\necho chromium\n'), randomBytes(2_000_000)]);
    writeFileSync(join(pack, 'chromium.gz'), gzipSync(binary));
    const tmp = join(dir, 'tmp');
    execFileSync('mkdir', [tmp]);
    const { path } = unpackIn(tmp, pack);
    expect(path).toBe(join(tmp, 'chromium'));
    expect(readFileSync(path!)).toEqual(binary);
    expect(statSync(path!).mode & 0o111).toBe(0o111);
    expect(readdirSync(tmp).sort()).toEqual(['chromium', 'chromium.unpacked.json']);
    expect(unpackIn(tmp, pack)).toEqual({ path });
  }, 60_000);
});
