import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync, gzipSync } from 'node:zlib';
import { AssetHashType, DockerImage, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { ENV, UNPACKED_EXTENDED_FONTS_NAME, UNPACKED_FONTS_MTIME_SECONDS, UNPACKED_FONTS_NAME } from '../../../lambda/src/config/configTable';
import { PATHS } from '../projectPaths';

/**
 * How the layer holds Chromium and the fonts (see ChromiumFontsLayer for the figures):
 *   - `uncompressed`: the binary as it runs (nothing to unpack), the fonts as two gzip tars: the
 *     GB 2312 cores (and licensed fonts), unpacked into /tmp at a cold start, and the Extended
 *     halves, unpacked when a document first needs one;
 *   - `compact`: the binary as gzip, unpacked into /tmp at a cold start, the fonts as they are.
 */
export type ChromiumLayout = 'uncompressed' | 'compact';

export interface ChromiumFontsLayerProps {
  /**
   * A local folder with licensed fonts an office owns (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312,
   * 黑体 …). Its font files go to the `licensed` folder beside the open fonts, which the layer's
   * fonts.conf lists, so the templates' CSS (licensed names first) picks them up with no code change.
   * Use TrueType `.ttf` files (see fonts/README.md). A folder that does not exist is an error.
   * @default - the repository's git-ignored `fonts/` folder, if it holds any font file
   */
  readonly licensedFontsDir?: string;
  /**
   * Folder of the installed `@sparticuz/chromium` package (its `bin/` holds the brotli files).
   * @default node_modules/@sparticuz/chromium
   */
  readonly chromiumPackageDir?: string;
  /**
   * `auto` takes `uncompressed` (the faster cold start) when the layer then leaves
   * FUNCTION_CODE_RESERVE_BYTES of Lambda's size limit for the function's own code and the layer's
   * Chromium runs on the synthesizing machine (it makes fontconfig's cache), else `compact` (many or
   * large licensed fonts; a synth on macOS).
   * @default 'auto'
   */
  readonly layout?: ChromiumLayout | 'auto';
  /**
   * Layer removal policy. RETAIN keeps old layer versions that running functions may still use.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

const FONT_FILE = /\.(ttf|otf|ttc)$/i;
/** Bump when the layer's layout changes, so the asset is rebuilt. */
const LAYOUT_VERSION = '5';
/** Written by scripts/build-fonts.mjs beside fonts.conf; the service refuses characters outside it. */
const COVERAGE_FILE = 'glyph-coverage.json';
/**
 * Lambda's limit for a function's code and all its layers, unzipped, in bytes ("Function code
 * combined with layers exceeds the maximum allowed size of 262144000 bytes").
 */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000;
/** What the layout leaves of that limit for a render function's own code (its bundle, map and templates: ~8.4 MB). */
export const FUNCTION_CODE_RESERVE_BYTES = 16_000_000;
/** How long a file made into build/ for the layer is kept unused (see `cached`). */
const CACHE_UNUSED_MS = 24 * 3600 * 1000;
/** The layer's JS package, Amazon Linux's libraries, fonts.conf and the coverage file, rounded up: added to the big files when choosing. */
const SMALL_FILES_BYTES = 5_000_000;

function listFonts(dir: string | undefined): string[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && FONT_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/**
 * One Lambda layer with everything Chromium needs at run time. Layout `uncompressed` (the default):
 *
 *   /opt/chromium/chromium                       the Chromium binary, ready to run (CHROMIUM_PATH)
 *   /opt/lib/*.so*                               the package's Amazon Linux 2023 libraries (NSS,
 *                                                expat), found through Lambda's LD_LIBRARY_PATH
 *   /opt/fonts/fonts.tar.gz                      the open CJK stand-ins are each split into a GB 2312
 *                                                core and an "Extended" rest; this pack holds the
 *                                                cores and an office's licensed fonts under licensed/
 *                                                (FONTS_PACK): unpacked into /tmp/pdf-export-fonts
 *                                                before Chromium first starts
 *   /opt/fonts/fonts-extended.tar.gz             the Extended halves (FONTS_EXTENDED_PACK): unpacked
 *                                                into /tmp/pdf-export-fonts-extended when a document
 *                                                first has a character outside GB 2312
 *   /opt/fonts/fontconfig-cache/                 fontconfig's cache of those three folders
 *   /opt/fonts/fonts.conf                        lists those three folders only
 *   /opt/fonts/glyph-coverage.json               the characters every font stack of the templates
 *                                                can print, licensed fonts included: the service
 *                                                refuses data with any other (fonts/README.md)
 *   /opt/nodejs/node_modules/@sparticuz/chromium the package's JS (one esbuild file, with its
 *                                                two dependencies inlined), so `require` resolves
 *
 * Layout `compact`: /opt/chromium/chromium.gz and al2023.tar.br (CHROMIUM_PACK_DIR, unpacked into
 * /tmp by lambda/src/chromium/unpackChromium.ts), the fonts as files in /opt/fonts and
 * /opt/fonts/licensed, which fonts.conf lists; no FONTS_PACK.
 *
 * Why two layouts: a cold start spends most of its time unpacking whatever the layer holds
 * compressed, and Lambda's 262,144,000 bytes do not hold both the binary (197 MB) and the fonts
 * (68 MB) uncompressed. *Measured* in the Lambda sandbox on one core (2026-12-06, docs/lambda-sandbox.md):
 * the binary as gzip -9 (87 MB) took ~0.8 s to unpack, all the fonts as one gzip -9 tar (41 MB)
 * ~0.45 s, their cores alone (9 MB, 16 MB unpacked) ~0.15 s, and a binary run straight from /opt costs nothing to
 * start. So `uncompressed` packs the fonts, the rarely needed Extended halves apart, and leaves the
 * binary alone: ~241 MB of layer. Licensed fonts grow the pack; when the layer would no longer leave
 * FUNCTION_CODE_RESERVE_BYTES for the function, `auto` falls back to `compact` (~165 MB plus the
 * licensed fonts), whose cold start is slower by the difference.
 * Both leave out the package's fonts and SwiftShader: the service prints with its own fonts and no GPU.
 *
 * Built at synth time by a local bundling step (no Docker, no network): copies the binary
 * (decompressed once from the package's brotli into build/layer-chromium) and the libraries,
 * bundles the package's JS with esbuild, and runs scripts/build-fonts.mjs with the layout's paths
 * (into build/layer-fonts-<layout>, which it updates incrementally); the font packs and the
 * fontconfig cache are kept in build/layer-fonts-pack and build/layer-fontconfig.
 * The asset hash covers the layout, the Chromium package version, the fonts script and font package
 * versions, the licensed fonts' names and sizes, and the templates' font stacks (they decide the
 * coverage), so an unchanged layer is not uploaded again.
 */
export class ChromiumFontsLayer extends Construct {
  /** Where the `uncompressed` layout puts the binary: the CHROMIUM_PATH to set. */
  static readonly CHROMIUM_PATH = '/opt/chromium/chromium';
  /** Where the `compact` layout puts Chromium's compressed files: the CHROMIUM_PACK_DIR to set. */
  static readonly CHROMIUM_PACK_DIR = '/opt/chromium';
  /** The fontconfig file to set as FONTCONFIG_FILE. */
  static readonly FONTCONFIG_FILE = '/opt/fonts/fonts.conf';
  static readonly FONTS_DIR = '/opt/fonts';
  /** The `uncompressed` layout's font pack: the FONTS_PACK to set. */
  static readonly FONTS_PACK = '/opt/fonts/fonts.tar.gz';
  /** The `uncompressed` layout's pack of the fonts' Extended halves: the FONTS_EXTENDED_PACK to set. */
  static readonly FONTS_EXTENDED_PACK = '/opt/fonts/fonts-extended.tar.gz';
  /** Where the service unpacks FONTS_PACK (lambda/src/chromium/unpackFonts.ts), which fonts.conf lists. */
  static readonly UNPACKED_FONTS_DIR = `/tmp/${UNPACKED_FONTS_NAME}`;
  /** Where the service unpacks FONTS_EXTENDED_PACK, which fonts.conf lists. */
  static readonly UNPACKED_EXTENDED_FONTS_DIR = `/tmp/${UNPACKED_EXTENDED_FONTS_NAME}`;
  /** The `uncompressed` layout's fontconfig cache of the unpacked fonts, made at synth (see `fontconfigCache`). */
  static readonly PREBUILT_FONTCONFIG_CACHE = '/opt/fonts/fontconfig-cache';

  readonly layer: lambda.LayerVersion;
  /** Licensed font files found and shipped (names only). */
  readonly licensedFonts: readonly string[];
  /** The layout chosen (see ChromiumFontsLayerProps.layout). */
  readonly layout: ChromiumLayout;
  /** The variables a function using this layer sets: where Chromium and the fonts are. */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ChromiumFontsLayerProps = {}) {
    super(scope, id);
    const chromiumDir = props.chromiumPackageDir ?? PATHS.chromiumPackage;
    const binDir = join(chromiumDir, 'bin');
    if (!existsSync(binDir)) throw new Error(`${binDir} does not exist; run \`npm ci\` so @sparticuz/chromium is installed.`);
    if (props.licensedFontsDir !== undefined && !existsSync(props.licensedFontsDir)) {
      throw new Error(`licensedFontsDir ${props.licensedFontsDir} does not exist.`);
    }
    const licensedDir = props.licensedFontsDir ?? PATHS.licensedFonts;
    this.licensedFonts = listFonts(licensedDir);
    const problem = props.layout === 'compact' ? undefined : ChromiumFontsLayer.uncompressedProblem(chromiumDir, licensedDir, this.licensedFonts);
    if (props.layout === 'uncompressed' && problem !== undefined) throw new Error(`${id}: ${problem}; use layout 'compact' or 'auto'.`);
    this.layout = props.layout === 'compact' || problem !== undefined ? 'compact' : 'uncompressed';
    this.environment = Object.freeze<Record<string, string>>(
      this.layout === 'uncompressed'
        ? {
            [ENV.CHROMIUM_PATH]: ChromiumFontsLayer.CHROMIUM_PATH,
            [ENV.FONTS_PACK]: ChromiumFontsLayer.FONTS_PACK,
            [ENV.FONTS_EXTENDED_PACK]: ChromiumFontsLayer.FONTS_EXTENDED_PACK,
            [ENV.FONTCONFIG_FILE]: ChromiumFontsLayer.FONTCONFIG_FILE,
          }
        : { [ENV.CHROMIUM_PACK_DIR]: ChromiumFontsLayer.CHROMIUM_PACK_DIR, [ENV.FONTCONFIG_FILE]: ChromiumFontsLayer.FONTCONFIG_FILE },
    );

    const layout = this.layout;
    const assetHash = ChromiumFontsLayer.fingerprint(chromiumDir, licensedDir, this.licensedFonts, PATHS.templates, layout);
    const bundle = (outputDir: string): boolean => {
      ChromiumFontsLayer.assemble(outputDir, chromiumDir, licensedDir, this.licensedFonts, layout);
      return true;
    };

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: `@sparticuz/chromium ${ChromiumFontsLayer.packageVersion(chromiumDir)} (x86_64, ${layout}) + CJK fonts${this.licensedFonts.length > 0 ? ` + ${this.licensedFonts.length} licensed` : ''}`,
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X, lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.X86_64],
      license: 'MIT (@sparticuz/chromium), OFL-1.1 (Noto, LXGW WenKai); licensed fonts under their own terms',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      code: lambda.Code.fromAsset(chromiumDir, {
        assetHashType: AssetHashType.CUSTOM,
        assetHash,
        bundling: {
          // Never used: local bundling always succeeds or throws (a Docker fallback would hide errors).
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
          local: { tryBundle: bundle },
        },
      }),
    });
  }

  /**
   * Why the `uncompressed` layout cannot be used here, or undefined when it can: it must leave
   * FUNCTION_CODE_RESERVE_BYTES of Lambda's limit, and its fontconfig cache must be made here.
   * Without that cache Chromium would scan the Extended fonts' folder while it is still empty and
   * never know them: they would print as blanks. Builds (or finds) the fonts, packs and cache.
   */
  static uncompressedProblem(chromiumDir: string, licensedDir: string, licensedFonts: readonly string[]): string | undefined {
    const fontsDir = ChromiumFontsLayer.buildFonts('uncompressed', licensedDir);
    const bytes = ChromiumFontsLayer.uncompressedBytes(chromiumDir, licensedDir, licensedFonts, fontsDir);
    if (bytes + FUNCTION_CODE_RESERVE_BYTES > LAMBDA_UNZIPPED_LIMIT_BYTES) {
      return `the uncompressed layout would take ${(bytes / 1e6).toFixed(1)} MB, leaving less than ${FUNCTION_CODE_RESERVE_BYTES / 1e6} MB of Lambda's ${LAMBDA_UNZIPPED_LIMIT_BYTES / 1e6} MB for the function (ship fewer licensed fonts)`;
    }
    const binary = ChromiumFontsLayer.rawChromium(join(chromiumDir, 'bin', 'chromium.br'));
    if (ChromiumFontsLayer.fontconfigCache(binary, fontsDir, licensedDir, licensedFonts) === undefined) {
      return "the uncompressed layout needs fontconfig's cache made by the layer's Chromium, which cannot run on this machine (synthesize on Linux x86_64)";
    }
    return undefined;
  }

  /** The size of the `uncompressed` layout: the binary, the font packs (built and cached now) and the small files. */
  static uncompressedBytes(chromiumDir: string, licensedDir: string, licensedFonts: readonly string[], fontsDir = ChromiumFontsLayer.buildFonts('uncompressed', licensedDir)): number {
    const binary = statSync(ChromiumFontsLayer.rawChromium(join(chromiumDir, 'bin', 'chromium.br'))).size;
    const packs = ChromiumFontsLayer.packedFonts(fontsDir, licensedDir, licensedFonts);
    const pack = statSync(ChromiumFontsLayer.fontPack(packs.core)).size + statSync(ChromiumFontsLayer.fontPack(packs.extended)).size;
    return binary + pack + SMALL_FILES_BYTES;
  }

  static packageVersion(chromiumDir: string): string {
    return (JSON.parse(readFileSync(join(chromiumDir, 'package.json'), 'utf8')) as { version: string }).version;
  }

  /** Cheap and stable: versions, script text and file names/sizes, never the 200 MB of content. */
  static fingerprint(chromiumDir: string, licensedDir: string, licensedFonts: readonly string[], templatesDir: string = PATHS.templates, layout: ChromiumLayout = 'uncompressed'): string {
    const hash = createHash('sha256');
    hash.update(`layout ${LAYOUT_VERSION} ${layout}\n`);
    hash.update(readFileSync(join(chromiumDir, 'package.json')));
    for (const name of readdirSync(join(chromiumDir, 'bin')).sort()) hash.update(`bin ${name} ${statSync(join(chromiumDir, 'bin', name)).size}\n`);
    hash.update(readFileSync(PATHS.buildFontsScript));
    const lock = JSON.parse(readFileSync(PATHS.lockFile, 'utf8')) as { packages?: Record<string, { version?: string; integrity?: string }> };
    for (const [path, entry] of Object.entries(lock.packages ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (/node_modules\/(@expo-google-fonts\/|@fontsource\/|wawoff2$|subset-font$|harfbuzzjs$|@sparticuz\/chromium$|follow-redirects$|tar-fs$)/.test(path)) {
        hash.update(`lock ${path} ${entry.version ?? ''} ${entry.integrity ?? ''}\n`);
      }
    }
    for (const name of licensedFonts) {
      const stat = statSync(join(licensedDir, name));
      hash.update(`licensed ${name} ${stat.size} ${Math.floor(stat.mtimeMs)}\n`);
    }
    // The coverage file depends on the templates' font stacks: hashed as the fonts script reads
    // them, so a change to the rest of a stylesheet does not upload the layer again.
    hash.update(`stacks ${ChromiumFontsLayer.fontStacks(templatesDir)}\n`);
    return hash.digest('hex');
  }

  /**
   * A file made once into build/<folder>/<name> and kept. Written under a name of this process first:
   * an interrupted synth leaves no truncated cache, and test workers synthesizing at once never see
   * each other's half-written file (the last rename wins, with the same content). Making one removes
   * the folder's files unused for a day (another package version, another set of licensed fonts),
   * never one a synth running now may be copying.
   */
  private static cached(folder: string, name: string, make: (partial: string) => void): string {
    const dir = join(PATHS.root, 'build', folder);
    const file = join(dir, name);
    if (existsSync(file)) {
      const now = new Date();
      utimesSync(file, now, now); // in use: kept by the pruning below
      return file;
    }
    mkdirSync(dir, { recursive: true });
    for (const old of readdirSync(dir)) {
      const path = join(dir, old);
      if (Date.now() - statSync(path).mtimeMs > CACHE_UNUSED_MS) rmSync(path, { force: true, recursive: true });
    }
    const partial = `${file}.${process.pid}.partial`;
    try {
      make(partial);
      renameSync(partial, file);
    } finally {
      rmSync(partial, { force: true, recursive: true });
    }
    return file;
  }

  /** The binary of `brotliFile`, decompressed once and kept in build/layer-chromium (~1.5 s). */
  static rawChromium(brotliFile: string): string {
    const info = statSync(brotliFile);
    return ChromiumFontsLayer.cached('layer-chromium', `chromium-${info.size}-${Math.round(info.mtimeMs)}`, (partial) => {
      writeFileSync(partial, brotliDecompressSync(readFileSync(brotliFile)), { mode: 0o755 });
    });
  }

  /** The binary as gzip -9 for the `compact` layout: it unpacks in about a third of brotli's time. Made once (~10 s) and kept. */
  static gzippedChromium(brotliFile: string): string {
    const info = statSync(brotliFile);
    return ChromiumFontsLayer.cached('layer-chromium-gz', `chromium-${info.size}-${Math.round(info.mtimeMs)}.gz`, (partial) => {
      writeFileSync(partial, gzipSync(brotliDecompressSync(readFileSync(brotliFile)), { level: 9 }));
    });
  }

  /**
   * Runs scripts/build-fonts.mjs for `layout` into build/layer-fonts-<layout> (incremental: the
   * TrueType files are rebuilt only when their sources change, fonts.conf and the coverage each
   * time) and returns that folder. One folder per layout, since their fonts.conf differ.
   */
  static buildFonts(layout: ChromiumLayout, licensedDir: string): string {
    const fontsCache = join(PATHS.root, 'build', `layer-fonts-${layout}`);
    const fontsDir = layout === 'uncompressed' ? ChromiumFontsLayer.UNPACKED_FONTS_DIR : ChromiumFontsLayer.FONTS_DIR;
    execFileSync(
      process.execPath,
      [
        PATHS.buildFontsScript,
        '--out-dir',
        fontsCache,
        '--fonts-dir-in-config',
        fontsDir,
        // The prebuilt cache first (read-only); fontconfig writes a cache it has to make into the next.
        ...(layout === 'uncompressed' ? ['--cache-dir', ChromiumFontsLayer.PREBUILT_FONTCONFIG_CACHE] : []),
        '--cache-dir',
        '/tmp/fontconfig-cache',
        ...(layout === 'uncompressed' ? ['--extended-dir-in-config', ChromiumFontsLayer.UNPACKED_EXTENDED_FONTS_DIR] : []),
        '--extra-dir',
        `${fontsDir}/licensed`,
        // The coverage counts the licensed fonts where they are now, not where the layer puts them.
        '--scan-dir',
        licensedDir,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    return fontsCache;
  }

  /**
   * The files of the `uncompressed` layout's two font packs, where they come from and where they
   * are unpacked (relative to /tmp): the core halves of the open fonts and the licensed fonts
   * (under licensed/) in `core`, the Extended halves in `extended`.
   */
  static packedFonts(fontsDir: string, licensedDir: string, licensedFonts: readonly string[]): Record<'core' | 'extended', { from: string; to: string }[]> {
    const open = readdirSync(fontsDir).filter((name) => name.endsWith('.ttf')).sort();
    const extended = (name: string): boolean => name.endsWith('-Extended.ttf');
    return {
      core: [
        ...open.filter((name) => !extended(name)).map((name) => ({ from: join(fontsDir, name), to: `${UNPACKED_FONTS_NAME}/${name}` })),
        ...licensedFonts.map((name) => ({ from: join(licensedDir, name), to: `${UNPACKED_FONTS_NAME}/licensed/${name}` })),
      ],
      extended: open.filter(extended).map((name) => ({ from: join(fontsDir, name), to: `${UNPACKED_EXTENDED_FONTS_NAME}/${name}` })),
    };
  }

  /**
   * One of the `uncompressed` layout's font packs: `files` as a gzip -9 tar whose paths are relative
   * to the folder they unpack into (the core pack also holds an empty licensed/, so that folder
   * always exists). Made once per set of fonts (a few seconds) and kept.
   */
  static fontPack(files: readonly { from: string; to: string }[]): string {
    const key = createHash('sha256');
    for (const { from, to } of files) {
      const info = statSync(from);
      key.update(`${from} ${to} ${info.size} ${Math.round(info.mtimeMs)}\n`);
    }
    return ChromiumFontsLayer.cached('layer-fonts-pack', `fonts-${key.digest('hex').slice(0, 16)}.tar.gz`, (partial) => {
      const staging = `${partial}.d`;
      try {
        const top = files[0]?.to.split('/')[0] ?? UNPACKED_FONTS_NAME;
        if (top === UNPACKED_FONTS_NAME) mkdirSync(join(staging, top, 'licensed'), { recursive: true });
        for (const { from, to } of files) {
          mkdirSync(dirname(join(staging, to)), { recursive: true });
          copyFileSync(from, join(staging, to));
        }
        // tar(1) rather than a tar library: this step is synchronous (CDK's local bundling is).
        const tar = execFileSync('tar', ['-c', '-f', '-', '-C', join(staging, top), ...readdirSync(join(staging, top)).sort()], { maxBuffer: 1024 * 1024 * 1024 });
        writeFileSync(partial, gzipSync(tar, { level: 9 }));
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    });
  }

  /**
   * fontconfig's cache of the fonts as the service unpacks them (/tmp/pdf-export-fonts, its
   * licensed/ and /tmp/pdf-export-fonts-extended, with the fixed folder time
   * lambda/src/chromium/unpackFonts.ts gives them), so that Chromium's first start reads it instead
   * of scanning every font (*measured* 2026-12-06, one core: launch 380 → 165 ms), and knows the
   * extended files before they are unpacked. Made by the layer's own Chromium (its fontconfig
   * writes the cache format it reads) with FONTCONFIG_SYSROOT pointing at a copy of that tree, which
   * makes fontconfig name and fill the cache with the paths inside the tree. Kept in
   * build/layer-fontconfig per set of fonts and binary (~1 s to make). Returns the folder of cache
   * files, or undefined where the binary cannot run (a synth on macOS): the layout is then `compact`.
   */
  static fontconfigCache(binary: string, fontsDir: string, licensedDir: string, licensedFonts: readonly string[]): string | undefined {
    const { core, extended } = ChromiumFontsLayer.packedFonts(fontsDir, licensedDir, licensedFonts);
    const conf = readFileSync(join(fontsDir, 'fonts.conf'), 'utf8');
    const key = createHash('sha256').update(`${LAYOUT_VERSION} ${UNPACKED_FONTS_MTIME_SECONDS} ${statSync(binary).size}\n${conf}\n`);
    for (const { from, to } of [...core, ...extended]) {
      const info = statSync(from);
      key.update(`${to} ${info.size} ${Math.round(info.mtimeMs)}\n`);
    }
    const dir = join(PATHS.root, 'build', 'layer-fontconfig', key.digest('hex').slice(0, 16));
    if (existsSync(dir)) return dir;
    const root = `${dir}.${process.pid}.sysroot`;
    const folders = [UNPACKED_FONTS_NAME, `${UNPACKED_FONTS_NAME}/licensed`, UNPACKED_EXTENDED_FONTS_NAME].map((folder) => join(root, 'tmp', folder));
    for (const folder of folders) mkdirSync(folder, { recursive: true });
    try {
      for (const { from, to } of [...core, ...extended]) copyFileSync(from, join(root, 'tmp', to));
      const time = new Date(UNPACKED_FONTS_MTIME_SECONDS * 1000);
      for (const folder of folders.reverse()) utimesSync(folder, time, time);
      // The layer's fonts.conf, writing its caches into the tree.
      writeFileSync(join(root, 'fonts.conf'), conf.replace(/\s*<cachedir>[^<]*<\/cachedir>/g, '').replace('<config>', '<cachedir>/fontconfig-cache</cachedir>\n  <config>'));
      // Starting Chromium is enough: it reads the fonts' configuration at start-up.
      const script = `require('puppeteer-core').launch({ executablePath: process.argv[1], headless: 'shell', pipe: true, args: ['--no-sandbox', '--disable-gpu', '--single-process', '--no-zygote'] }).then((browser) => browser.close())`;
      try {
        execFileSync(process.execPath, ['-e', script, binary], {
          cwd: PATHS.root,
          env: { PATH: process.env.PATH ?? '', HOME: root, FONTCONFIG_SYSROOT: root, FONTCONFIG_FILE: join(root, 'fonts.conf') },
          stdio: ['ignore', 'ignore', 'pipe'],
          timeout: 60_000,
        });
      } catch (error) {
        // E.g. synth on macOS, where a Linux binary cannot run: the layer then takes the compact layout.
        const reason = (error as Error).message.split('\n')[0];
        process.stderr.write(`ChromiumFontsLayer: no fontconfig cache for the uncompressed layout (the layer's Chromium did not run here: ${reason}); the layer takes the compact layout, whose cold start is ~0.5–1 s slower.\n`);
        return undefined;
      }
      const made = readdirSync(join(root, 'fontconfig-cache')).filter((name) => name.includes('.cache-'));
      if (made.length < folders.length) throw new Error(`Chromium wrote ${made.length} fontconfig cache files for the layer's ${folders.length} font folders.`);
      const partial = `${dir}.${process.pid}.partial`;
      mkdirSync(partial, { recursive: true });
      for (const name of made) copyFileSync(join(root, 'fontconfig-cache', name), join(partial, name));
      try {
        renameSync(partial, dir);
      } catch (error) {
        if (!existsSync(dir)) throw error; // made meanwhile by another synth: theirs is the same
        rmSync(partial, { recursive: true, force: true });
      }
      return dir;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  /** The templates' font stacks as JSON, read by scripts/build-fonts.mjs itself (~0.1 s). */
  static fontStacks(templatesDir: string): string {
    const script = `import { templateFontStacks } from ${JSON.stringify(pathToFileURL(PATHS.buildFontsScript).href)};
      process.stdout.write(JSON.stringify(await templateFontStacks(process.argv[1])));`;
    return execFileSync(process.execPath, ['--input-type=module', '-e', script, templatesDir], { encoding: 'utf8' });
  }

  /** Writes the layer's content into `outputDir` (synchronous: CDK's local bundling is). */
  static assemble(outputDir: string, chromiumDir: string, licensedDir: string, licensedFonts: readonly string[], layout: ChromiumLayout = 'uncompressed'): void {
    const brotliBinary = join(chromiumDir, 'bin', 'chromium.br');
    const libraries = join(chromiumDir, 'bin', 'al2023.tar.br');
    const packDir = join(outputDir, 'chromium');
    mkdirSync(packDir, { recursive: true });
    if (layout === 'uncompressed') {
      copyFileSync(ChromiumFontsLayer.rawChromium(brotliBinary), join(packDir, 'chromium'));
      chmodSync(join(packDir, 'chromium'), 0o755);
      // The tar holds lib/…: it lands in /opt/lib, on Lambda's LD_LIBRARY_PATH.
      execFileSync('tar', ['-x', '-f', '-', '-C', outputDir], { input: brotliDecompressSync(readFileSync(libraries)) });
    } else {
      copyFileSync(ChromiumFontsLayer.gzippedChromium(brotliBinary), join(packDir, 'chromium.gz'));
      copyFileSync(libraries, join(packDir, 'al2023.tar.br'));
    }

    // The package's CommonJS build with follow-redirects and tar-fs inlined: one file, no tree to copy.
    const pkgOut = join(outputDir, 'nodejs', 'node_modules', '@sparticuz', 'chromium');
    buildSync({
      entryPoints: [join(chromiumDir, 'build', 'cjs', 'index.cjs')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: join(pkgOut, 'build', 'cjs', 'index.cjs'),
      logLevel: 'error',
      legalComments: 'inline',
    });
    const version = ChromiumFontsLayer.packageVersion(chromiumDir);
    writeFileSync(
      join(pkgOut, 'package.json'),
      `${JSON.stringify(
        {
          name: '@sparticuz/chromium',
          version,
          description: 'Bundled by infra/lib/constructs/ChromiumFontsLayer.ts; the binary is in /opt/chromium.',
          license: 'MIT',
          main: './build/cjs/index.cjs',
          exports: { '.': { require: './build/cjs/index.cjs', default: './build/cjs/index.cjs' } },
        },
        null,
        2,
      )}\n`,
    );
    if (existsSync(join(chromiumDir, 'LICENSE'))) copyFileSync(join(chromiumDir, 'LICENSE'), join(pkgOut, 'LICENSE'));

    const fontsOut = join(outputDir, 'fonts');
    mkdirSync(fontsOut, { recursive: true });
    const fontsCache = ChromiumFontsLayer.buildFonts(layout, licensedDir);
    for (const name of ['fonts.conf', COVERAGE_FILE]) copyFileSync(join(fontsCache, name), join(fontsOut, name));
    if (layout === 'uncompressed') {
      const packs = ChromiumFontsLayer.packedFonts(fontsCache, licensedDir, licensedFonts);
      copyFileSync(ChromiumFontsLayer.fontPack(packs.core), join(outputDir, ChromiumFontsLayer.FONTS_PACK.slice('/opt/'.length)));
      copyFileSync(ChromiumFontsLayer.fontPack(packs.extended), join(outputDir, ChromiumFontsLayer.FONTS_EXTENDED_PACK.slice('/opt/'.length)));
      const prebuilt = ChromiumFontsLayer.fontconfigCache(ChromiumFontsLayer.rawChromium(brotliBinary), fontsCache, licensedDir, licensedFonts);
      if (prebuilt === undefined) throw new Error('The uncompressed layout needs the fontconfig cache made by the layer\'s Chromium (see ChromiumFontsLayer.uncompressedProblem).');
      const cacheOut = join(outputDir, ChromiumFontsLayer.PREBUILT_FONTCONFIG_CACHE.slice('/opt/'.length));
      mkdirSync(cacheOut, { recursive: true });
      for (const name of readdirSync(prebuilt)) copyFileSync(join(prebuilt, name), join(cacheOut, name));
    } else {
      for (const name of readdirSync(fontsCache).filter((n) => n.endsWith('.ttf'))) copyFileSync(join(fontsCache, name), join(fontsOut, name));
      const licensedOut = join(fontsOut, 'licensed');
      mkdirSync(licensedOut, { recursive: true });
      for (const name of licensedFonts) copyFileSync(join(licensedDir, name), join(licensedOut, name));
    }
  }
}
