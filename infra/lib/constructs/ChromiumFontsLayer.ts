import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync, gzipSync } from 'node:zlib';
import { AssetHashType, DockerImage, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { PATHS } from '../projectPaths';

export interface ChromiumFontsLayerProps {
  /**
   * A local folder with licensed fonts an office owns (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312,
   * 黑体 …). Its font files are copied to `/opt/fonts/licensed`, which the layer's fonts.conf
   * lists, so the templates' CSS (licensed names first) picks them up with no code change.
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
   * Layer removal policy. RETAIN keeps old layer versions that running functions may still use.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

const FONT_FILE = /\.(ttf|otf|ttc)$/i;
/** Bump when the layer's layout changes, so the asset is rebuilt. */
const LAYOUT_VERSION = '4';
/** Written by scripts/build-fonts.mjs beside fonts.conf; the service refuses characters outside it. */
const COVERAGE_FILE = 'glyph-coverage.json';

function listFonts(dir: string | undefined): string[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && FONT_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/**
 * One Lambda layer with everything Chromium needs at run time:
 *
 *   /opt/chromium/chromium.gz                    the Chromium binary, recompressed with gzip -9
 *   /opt/chromium/al2023.tar.br                  the package's Amazon Linux 2023 libraries
 *   /opt/nodejs/node_modules/@sparticuz/chromium the package's JS (one esbuild file, with its
 *                                                two dependencies inlined), so `require` resolves
 *   /opt/fonts/*.ttf, /opt/fonts/fonts.conf      the open CJK stand-ins, each split into a GB 2312
 *                                                core and an "Extended" rest; fonts.conf lists
 *                                                /opt/fonts and /opt/fonts/licensed only
 *   /opt/fonts/glyph-coverage.json               the characters every font stack of the templates
 *                                                can print, licensed fonts included: the service
 *                                                refuses data with any other (fonts/README.md)
 *   /opt/fonts/licensed/*                        an office's licensed fonts (optional)
 *
 * Functions using it set CHROMIUM_PACK_DIR=/opt/chromium and FONTCONFIG_FILE=/opt/fonts/fonts.conf;
 * lambda/src/chromium/unpackChromium.ts unpacks the binary into /tmp once per container.
 *
 * Why gzip for the binary: unpacking it is most of a cold start. Streamed to a tmpfs on one core
 * (2026-12-06), the package's brotli file (63.6 MB) takes ~1.4 s, the same binary as gzip -9
 * (87.2 MB) ~0.5 s; the layer grows by ~24 MB (within Lambda's 250 MB for function + layers).
 * The package's fonts and SwiftShader are left out: the service prints with its own fonts and no
 * GPU. The recompression (~10 s) is cached in build/layer-chromium, keyed by the brotli file.
 *
 * Built at synth time by a local bundling step (no Docker, no network): copies the brotli files,
 * bundles the package's JS with esbuild, and runs scripts/build-fonts.mjs with `/opt/fonts` paths
 * (into build/layer-fonts, which it updates incrementally).
 * The asset hash covers the Chromium package version, the fonts script and font package versions,
 * the licensed fonts' names and sizes, and the templates' font stacks (they decide the coverage),
 * so an unchanged layer is not uploaded again.
 */
export class ChromiumFontsLayer extends Construct {
  /** Where the layer puts Chromium's compressed files: the CHROMIUM_PACK_DIR to set. */
  static readonly CHROMIUM_PACK_DIR = '/opt/chromium';
  /** The fontconfig file to set as FONTCONFIG_FILE. */
  static readonly FONTCONFIG_FILE = '/opt/fonts/fonts.conf';
  static readonly FONTS_DIR = '/opt/fonts';
  static readonly LICENSED_FONTS_DIR = '/opt/fonts/licensed';

  readonly layer: lambda.LayerVersion;
  /** Licensed font files found and shipped (names only). */
  readonly licensedFonts: readonly string[];

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

    const assetHash = ChromiumFontsLayer.fingerprint(chromiumDir, licensedDir, this.licensedFonts);
    const bundle = (outputDir: string): boolean => {
      ChromiumFontsLayer.assemble(outputDir, chromiumDir, licensedDir, this.licensedFonts);
      return true;
    };

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: `@sparticuz/chromium ${ChromiumFontsLayer.packageVersion(chromiumDir)} (x86_64) + CJK fonts${this.licensedFonts.length > 0 ? ` + ${this.licensedFonts.length} licensed` : ''}`,
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

  static packageVersion(chromiumDir: string): string {
    return (JSON.parse(readFileSync(join(chromiumDir, 'package.json'), 'utf8')) as { version: string }).version;
  }

  /** Cheap and stable: versions, script text and file names/sizes, never the 130 MB of content. */
  static fingerprint(chromiumDir: string, licensedDir: string, licensedFonts: readonly string[], templatesDir: string = PATHS.templates): string {
    const hash = createHash('sha256');
    hash.update(`layout ${LAYOUT_VERSION}\n`);
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

  /** The binary of `brotliFile` as gzip -9, made once and kept in build/layer-chromium (see the class comment for why). */
  static gzippedChromium(brotliFile: string): string {
    const info = statSync(brotliFile);
    const cacheDir = join(PATHS.root, 'build', 'layer-chromium');
    const cached = join(cacheDir, `chromium-${info.size}-${Math.round(info.mtimeMs)}.gz`);
    if (!existsSync(cached)) {
      mkdirSync(cacheDir, { recursive: true });
      const gzipped = gzipSync(brotliDecompressSync(readFileSync(brotliFile)), { level: 9 });
      // Written under another name first: an interrupted synth must not leave a truncated cache.
      writeFileSync(`${cached}.partial`, gzipped);
      renameSync(`${cached}.partial`, cached);
    }
    return cached;
  }

  /** The templates' font stacks as JSON, read by scripts/build-fonts.mjs itself (~0.1 s). */
  static fontStacks(templatesDir: string): string {
    const script = `import { templateFontStacks } from ${JSON.stringify(pathToFileURL(PATHS.buildFontsScript).href)};
      process.stdout.write(JSON.stringify(await templateFontStacks(process.argv[1])));`;
    return execFileSync(process.execPath, ['--input-type=module', '-e', script, templatesDir], { encoding: 'utf8' });
  }

  /** Writes the layer's content into `outputDir` (synchronous: CDK's local bundling is). */
  static assemble(outputDir: string, chromiumDir: string, licensedDir: string, licensedFonts: readonly string[]): void {
    const packDir = join(outputDir, 'chromium');
    mkdirSync(packDir, { recursive: true });
    copyFileSync(ChromiumFontsLayer.gzippedChromium(join(chromiumDir, 'bin', 'chromium.br')), join(packDir, 'chromium.gz'));
    copyFileSync(join(chromiumDir, 'bin', 'al2023.tar.br'), join(packDir, 'al2023.tar.br'));

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
          description: 'Bundled by infra/lib/constructs/ChromiumFontsLayer.ts; the brotli files are in /opt/chromium.',
          license: 'MIT',
          main: './build/cjs/index.cjs',
          exports: { '.': { require: './build/cjs/index.cjs', default: './build/cjs/index.cjs' } },
        },
        null,
        2,
      )}\n`,
    );
    if (existsSync(join(chromiumDir, 'LICENSE'))) copyFileSync(join(chromiumDir, 'LICENSE'), join(pkgOut, 'LICENSE'));

    // scripts/build-fonts.mjs is incremental per output folder (the WOFF2 → TTF conversion takes
    // seconds), so it builds into a cache under build/ and the result is copied into the layer.
    const fontsOut = join(outputDir, 'fonts');
    const fontsCache = join(PATHS.root, 'build', 'layer-fonts');
    execFileSync(
      process.execPath,
      [
        PATHS.buildFontsScript,
        '--out-dir',
        fontsCache,
        '--fonts-dir-in-config',
        ChromiumFontsLayer.FONTS_DIR,
        '--cache-dir',
        '/tmp/fontconfig-cache',
        '--extra-dir',
        ChromiumFontsLayer.LICENSED_FONTS_DIR,
        // The coverage counts the licensed fonts where they are now, not where the layer puts them.
        '--scan-dir',
        licensedDir,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    mkdirSync(fontsOut, { recursive: true });
    for (const name of readdirSync(fontsCache)) {
      if (name === 'fonts.conf' || name === COVERAGE_FILE || name.endsWith('.ttf')) copyFileSync(join(fontsCache, name), join(fontsOut, name));
    }
    const licensedOut = join(fontsOut, 'licensed');
    mkdirSync(licensedOut, { recursive: true });
    for (const name of licensedFonts) copyFileSync(join(licensedDir, name), join(licensedOut, name));
  }
}
