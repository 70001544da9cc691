/**
 * A Lambda-like execution environment for one synthesized function, on a Linux machine as root:
 * a private mount namespace with the layer at /opt and the asset at /var/task (read-only), a fresh
 * tmpfs /tmp of the function's ephemeral size, uid 993 with no capabilities, no HOME, no /dev/shm,
 * Node 22 at /var/lang, the template's environment plus Lambda's own variables
 * (scripts/lambda-sandbox/enter.sh builds it), and a tiny runtime (scripts/lambda-sandbox/bootstrap.mjs)
 * that talks to the Runtime API emulated here, on 127.0.0.1 in this process.
 *
 * Like a Lambda container the process is started by the first invocation (a cold start), kept
 * warm for the next ones, and replaced after it crashed, timed out or `stop()`; docs/lambda-sandbox.md
 * says what it imitates and what not.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectRoot } from '../../../lambda/src/config/projectRoot';
import type { SynthesizedFunction } from './synthesize';

const PROJECT_ROOT = findProjectRoot(__dirname);
/** scripts/lambda-sandbox: enter.sh and bootstrap.mjs (mounted at /var/runtime). */
export const SANDBOX_SCRIPTS = join(PROJECT_ROOT, 'scripts', 'lambda-sandbox');
/** Lambda runs functions as sbx_user1051. */
export const LAMBDA_UID = 993;
export const LAMBDA_GID = 990;
const API_PREFIX = '/2018-06-01';

export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

interface InvokeBase {
  readonly requestId: string;
  /** This invocation started a new process (init included in `totalMs`). */
  readonly cold: boolean;
  /** Spawn → the runtime's first `next`: sandbox set-up + Node start + loading the bundle; cold starts only. */
  readonly initMs?: number;
  /** Node's start → handler loaded (what Lambda reports as Init Duration, less the runtime's own start); cold starts only. */
  readonly loadMs?: number;
  /** Spawn → Node's start: building the sandbox (mounts, privileges), not something Lambda has; cold starts only. */
  readonly setupMs?: number;
  /** Event handed over → response posted. */
  readonly ms: number;
  /** invoke() called → result: what a caller waits, init included. */
  readonly totalMs: number;
  /** Log lines the process wrote during this invocation (and its init). */
  readonly logs: readonly string[];
}
export type InvokeResult = (InvokeBase & { readonly ok: true; readonly payload: any }) | (InvokeBase & { readonly ok: false; readonly error: LambdaError });

export interface InvokeOptions {
  /** Milliseconds the context reports left at the start (Lambda-Runtime-Deadline-Ms); default the function timeout. */
  readonly remainingMs?: number;
}

export interface SandboxOptions {
  readonly fn: SynthesizedFunction;
  /** The template's environment, resolved, plus what the test points elsewhere (S3_ENDPOINT…). */
  readonly environment: Readonly<Record<string, string>>;
  /** What Lambda would give the role's session: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly region: string;
  /** A folder with bin/node (lambdaNode.ts). */
  readonly nodeDir: string;
  /** /tmp size; default the function's ephemeral storage. */
  readonly tmpMb?: number;
  /** Take this much of /tmp before the next cold start with a file the function cannot remove (see freeTmp). */
  readonly tmpFillMb?: number;
  /** `taskset -c` CPU list, e.g. "0". */
  readonly cpus?: string;
  /** Function name (AWS_LAMBDA_FUNCTION_NAME); default the construct's. */
  readonly functionName?: string;
  /** Echo the function's output to this process's stderr. */
  readonly echo?: boolean;
}

/** Why the sandbox cannot run here, or undefined when it can. */
export function sandboxProblem(): string | undefined {
  if (process.platform !== 'linux') return `it needs Linux mount namespaces; this is ${process.platform}`;
  if (process.getuid?.() !== 0) {
    return `it mounts file systems in a private mount namespace and switches to uid ${LAMBDA_UID}, which needs root; this process runs as uid ${process.getuid?.()} (CI runs as root)`;
  }
  for (const command of ['unshare', 'setpriv', 'chroot', 'mount', 'fallocate', 'env']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `the command \`${command}\` is missing (util-linux / coreutils)`;
  }
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount -t tmpfs -o size=1m probe /mnt 2>&1 || mount -t tmpfs -o size=1m probe /tmp 2>&1'], { encoding: 'utf8' });
  if (probe.status !== 0) return `\`unshare --mount\` cannot mount here (${(probe.stderr || probe.stdout || `exit ${probe.status}`).trim()}); a container needs CAP_SYS_ADMIN`;
  return undefined;
}

/** Throws with the reason when the sandbox cannot run here: the tests must fail, not skip. */
export function assertSandboxSupported(): void {
  const problem = sandboxProblem();
  if (problem) throw new Error(`The Lambda sandbox cannot be built on this machine: ${problem}. See docs/lambda-sandbox.md.`);
}

interface Pending {
  readonly requestId: string;
  readonly body: string;
  readonly deadlineMs: number;
  delivered?: number;
  settle(result: { ok: true; payload: any } | { ok: false; error: LambdaError }): void;
}

/** The Runtime API on 127.0.0.1: one invocation at a time, as a Lambda execution environment. */
class RuntimeApi {
  private server!: Server;
  port = 0;
  private parked: ServerResponse | undefined;
  private pending: Pending | undefined;
  /** Called on the runtime's first `next` after a (re)start. */
  onNext?: (headers: IncomingMessage['headers']) => void;
  onInitError?: (error: LambdaError) => void;

  async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    }));
    this.server.keepAliveTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.requestTimeout = 0;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.parked?.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  submit(pending: Pending): void {
    if (this.pending) throw new Error('one invocation at a time: this sandbox is busy');
    this.pending = pending;
    this.deliver();
  }

  /** The in-flight invocation ends without the runtime answering (crash, timeout, init error). */
  abandon(): Pending | undefined {
    const pending = this.pending;
    this.pending = undefined;
    this.parked?.destroy();
    this.parked = undefined;
    return pending;
  }

  get current(): Pending | undefined {
    return this.pending;
  }

  private deliver(): void {
    const pending = this.pending;
    const res = this.parked;
    if (!pending || pending.delivered !== undefined || !res) return;
    this.parked = undefined;
    pending.delivered = Date.now();
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': pending.requestId,
      'lambda-runtime-deadline-ms': String(pending.deadlineMs),
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:sandbox',
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`,
    });
    res.end(pending.body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${API_PREFIX}/runtime/invocation/next`) {
      this.parked?.destroy();
      this.parked = res;
      res.on('close', () => {
        if (this.parked === res) this.parked = undefined;
      });
      this.onNext?.(req.headers);
      this.deliver();
      return;
    }
    const invocation = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && invocation) {
      const pending = this.pending;
      if (!pending || pending.requestId !== decodeURIComponent(invocation[1]) || pending.delivered === undefined) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errorType: 'InvalidRequestID', errorMessage: 'not the current invocation' }));
        return;
      }
      this.pending = undefined;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      if (invocation[2] === 'response') pending.settle({ ok: true, payload: body === '' ? null : JSON.parse(body) });
      else pending.settle({ ok: false, error: parseError(body, req.headers['lambda-runtime-function-error-type']) });
      return;
    }
    if (req.method === 'POST' && url === `${API_PREFIX}/runtime/init/error`) {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      this.onInitError?.(parseError(body, req.headers['lambda-runtime-function-error-type']));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errorType: 'NotFound', errorMessage: `${req.method} ${url}` }));
  }
}

function parseError(body: string, headerType: string | string[] | undefined): LambdaError {
  try {
    const parsed = JSON.parse(body) as Partial<LambdaError>;
    return { errorType: String(parsed.errorType ?? headerType ?? 'Unknown'), errorMessage: String(parsed.errorMessage ?? ''), trace: parsed.trace };
  } catch {
    return { errorType: String(headerType ?? 'Unknown'), errorMessage: body };
  }
}

/** Lambda's own variables for a function (reserved: they win over the function's environment). */
export function lambdaVariables(fn: SynthesizedFunction, options: { functionName: string; region: string; runtimeApi: string; credentials: SandboxOptions['credentials'] }): Record<string, string> {
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  const variables: Record<string, string> = {
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${today}/[$LATEST]${randomBytes(16).toString('hex')}`,
    AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    LAMBDA_TASK_ROOT: '/var/task',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
    NODE_PATH: '/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
  };
  if (options.credentials.sessionToken) variables.AWS_SESSION_TOKEN = options.credentials.sessionToken;
  if (fn.loggingFormat === 'JSON') {
    variables.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    if (fn.applicationLogLevel) variables.AWS_LAMBDA_LOG_LEVEL = fn.applicationLogLevel;
  }
  return variables;
}

export class LambdaSandbox {
  private readonly api = new RuntimeApi();
  private listening: Promise<void> | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private workDir: string | undefined;
  private mountNamespace: string | undefined;
  private ready: Promise<{ nodeStart?: number; loaded?: number }> | undefined;
  private initError: LambdaError | undefined;
  private fillNext: number | undefined;
  private readonly lines: string[] = [];
  /** Every log line of every process of this sandbox so far. */
  get logs(): readonly string[] {
    return this.lines;
  }
  coldStarts = 0;
  readonly functionName: string;

  constructor(readonly options: SandboxOptions) {
    this.functionName = options.functionName ?? options.fn.name;
    this.fillNext = options.tmpFillMb;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The sandboxed node's pid (host view), while running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Takes `mb` of /tmp at the next cold start with a file only root can remove. */
  fillTmpAtNextStart(mb: number): void {
    this.fillNext = mb;
  }

  /** Removes the filling: the next invocation finds that space free again. */
  freeTmp(): void {
    if (!this.child?.pid) throw new Error('the sandbox is not running');
    unlinkSync(`/proc/${this.child.pid}/root/tmp/.sandbox-fill`);
  }

  /** Bytes used and size of the sandbox's /tmp, while running. */
  tmpUsage(): { usedBytes: number; sizeBytes: number } {
    if (!this.child?.pid) throw new Error('the sandbox is not running');
    const stats = statfsSync(`/proc/${this.child.pid}/root/tmp`);
    return { usedBytes: (stats.blocks - stats.bfree) * stats.bsize, sizeBytes: stats.blocks * stats.bsize };
  }

  /** Pids of every process in the sandbox's mount namespace (node, Chromium…). */
  private processes(): number[] {
    const ns = this.mountNamespace;
    if (!ns) return [];
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/ns/mnt`) === ns) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  }

  /** Resident memory of all its processes now and at their peaks (VmRSS, VmHWM), in bytes. */
  memory(): { rssBytes: number; peakBytes: number; processes: number } {
    let rss = 0;
    let peak = 0;
    const pids = this.processes();
    for (const pid of pids) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
        peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      } catch {
        // gone meanwhile
      }
    }
    return { rssBytes: rss, peakBytes: peak, processes: pids.length };
  }

  private async start(): Promise<number> {
    this.listening ??= this.api.listen();
    await this.listening;
    const { fn } = this.options;
    const started = Date.now();
    const work = (this.workDir = mkdtempSync(join(tmpdir(), `lambda-sandbox-${fn.name}-`)));
    mkdirSync(join(work, 'root'));
    const passwd = readFileSync('/etc/passwd', 'utf8').replace(/\n?$/, '\n') + `sbx_user1051:x:${LAMBDA_UID}:${LAMBDA_GID}::/home/sbx_user1051:/sbin/nologin\n`;
    const group = readFileSync('/etc/group', 'utf8').replace(/\n?$/, '\n') + `sbx_user1051:x:${LAMBDA_GID}:\n`;
    writeFileSync(join(work, 'passwd'), passwd, { mode: 0o644 });
    writeFileSync(join(work, 'group'), group, { mode: 0o644 });
    const environment = {
      ...this.options.environment,
      ...lambdaVariables(fn, { functionName: this.functionName, region: this.options.region, runtimeApi: `127.0.0.1:${this.api.port}`, credentials: this.options.credentials }),
    };
    writeFileSync(join(work, 'env'), Object.entries(environment).map(([name, value]) => `${name}=${value}\0`).join(''), { mode: 0o600 });
    if (fn.layerDirs.length > 1) throw new Error(`${fn.name}: the sandbox mounts one layer at /opt; this function has ${fn.layerDirs.length}`);
    const tmpMb = this.options.tmpMb ?? fn.ephemeralMb;
    const command = [
      ...(this.options.cpus ? ['taskset', '-c', this.options.cpus] : []),
      'unshare', '--mount', '--propagation', 'private', '--', '/bin/bash', join(SANDBOX_SCRIPTS, 'enter.sh'),
    ];
    const child = spawn(command[0], command.slice(1), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        SANDBOX_ROOT: join(work, 'root'),
        SANDBOX_TASK: fn.assetDir,
        SANDBOX_OPT: fn.layerDirs[0] ?? '',
        SANDBOX_LANG: this.options.nodeDir,
        SANDBOX_RUNTIME: SANDBOX_SCRIPTS,
        SANDBOX_TMP_MB: String(tmpMb),
        SANDBOX_TMP_FILL_MB: String(this.fillNext ?? 0),
        SANDBOX_UID: String(LAMBDA_UID),
        SANDBOX_GID: String(LAMBDA_GID),
        SANDBOX_ENV_FILE: join(work, 'env'),
        SANDBOX_PASSWD: join(work, 'passwd'),
        SANDBOX_GROUP: join(work, 'group'),
      },
    });
    this.fillNext = undefined;
    this.child = child;
    this.coldStarts++;
    this.initError = undefined;
    const pipe = (stream: NodeJS.ReadableStream, tag: string): void => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) this.log(tag, line);
      });
      stream.on('end', () => rest && this.log(tag, rest));
    };
    pipe(child.stdout!, 'out');
    pipe(child.stderr!, 'err');
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.log('sandbox', `process exited (${signal ?? `status ${code}`})`);
      if (this.child === child) this.child = undefined;
      this.killNamespace();
      this.removeWorkDir(work);
      const pending = this.api.abandon();
      const initError = this.initError;
      pending?.settle({
        ok: false,
        error: initError ?? { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${pending.requestId} Error: Runtime exited ${signal ? `with signal: ${signal}` : `with error: exit status ${code}`}` },
      });
      resolve();
    }));
    this.ready = new Promise<{ nodeStart?: number; loaded?: number }>((resolve) => {
      this.api.onNext = (headers) => {
        this.api.onNext = undefined;
        // bootstrap.mjs says when Node started and when the handler was loaded (epoch ms).
        const at = (name: string): number | undefined => (headers[name] === undefined ? undefined : Number(headers[name]));
        resolve({ nodeStart: at('x-sandbox-node-start'), loaded: at('x-sandbox-handler-loaded') });
      };
    });
    this.api.onInitError = (error) => {
      this.initError = error;
    };
    // The namespace's id, to find Chromium and anything else it starts (for stop() and memory()).
    for (let i = 0; i < 200 && this.child === child; i++) {
      try {
        const ns = readlinkSync(`/proc/${child.pid}/ns/mnt`);
        if (ns !== readlinkSync('/proc/self/ns/mnt')) {
          this.mountNamespace = ns;
          break;
        }
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return started;
  }

  /** Output lines as the function wrote them (stdout and stderr alike, as in CloudWatch); the sandbox's own notes start with `[sandbox]`. */
  private log(tag: string, line: string): void {
    const text = tag === 'sandbox' ? `[sandbox] ${line}` : line;
    this.lines.push(text);
    if (this.options.echo) process.stderr.write(`${this.functionName} ${tag}: ${line}\n`);
  }

  private killNamespace(): void {
    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private removeWorkDir(work: string): void {
    // The root folder is only a mount point inside the (now gone) namespace: empty here.
    rmSync(work, { recursive: true, force: true });
    if (this.workDir === work) this.workDir = undefined;
  }

  /** Invokes the function as Lambda would: starts a process first when none is warm. */
  async invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    const called = Date.now();
    const firstLine = this.lines.length;
    let cold = false;
    let initMs: number | undefined;
    let loadMs: number | undefined;
    let setupMs: number | undefined;
    if (!this.child) {
      cold = true;
      const started = await this.start();
      const ready = this.ready!;
      const exited = this.exited!;
      const times = await Promise.race([ready, exited.then(() => undefined)]);
      initMs = Date.now() - started;
      if (times?.nodeStart !== undefined && times.loaded !== undefined) {
        setupMs = Math.round(times.nodeStart - started);
        loadMs = Math.round(times.loaded - times.nodeStart);
      }
      if (!this.child) {
        // Died during init: Lambda answers the invocation with the init error.
        await exited;
        const error = this.initError ?? { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited during init' };
        return { ok: false, error, requestId: '', cold, initMs, loadMs, setupMs, ms: 0, totalMs: Date.now() - called, logs: this.lines.slice(firstLine) };
      }
    }
    const timeoutMs = this.options.fn.timeoutSeconds * 1000;
    const requestId = randomUUID();
    let handed: number | undefined;
    let answered = 0;
    const outcome = await new Promise<{ ok: true; payload: any } | { ok: false; error: LambdaError }>((settle) => {
      const pending: Pending = {
        requestId,
        body: JSON.stringify(event),
        deadlineMs: Date.now() + (options.remainingMs ?? timeoutMs),
        settle: (result) => {
          clearTimeout(timer);
          handed = pending.delivered;
          answered = Date.now();
          settle(result);
        },
      };
      const timer = setTimeout(() => {
        // Lambda stops the environment at the timeout; the next invocation starts a new one.
        if (this.api.current !== pending) return;
        this.api.abandon();
        pending.settle({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${this.options.fn.timeoutSeconds.toFixed(2)} seconds` } });
        void this.stop();
      }, timeoutMs);
      this.api.submit(pending);
    });
    const base = { requestId, cold, initMs, loadMs, setupMs, ms: answered - (handed ?? answered), totalMs: Date.now() - called, logs: this.lines.slice(firstLine) };
    return outcome.ok ? { ...base, ok: true, payload: outcome.payload } : { ...base, ok: false, error: outcome.error };
  }

  /** Kills the process (and Chromium): the next invocation is a cold start on a fresh /tmp. */
  async stop(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      this.killNamespace();
    }
    await exited;
  }

  /** Stops the process and the Runtime API. */
  async close(): Promise<void> {
    await this.stop();
    if (this.listening) {
      await this.listening;
      await this.api.close();
    }
  }
}
