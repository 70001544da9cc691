// A minimal Lambda runtime for Node.js, run by /var/lang/bin/node inside the sandbox
// (scripts/lambda-sandbox/enter.sh) the way Lambda's nodejs22.x runtime runs a function:
//
// - init: load the module `_HANDLER` names from LAMBDA_TASK_ROOT (`index.handler` → /var/task/index.js,
//   else index.mjs / index.cjs), CommonJS by require(), ES modules by import(); a failure is posted to
//   /runtime/init/error and the process exits;
// - then forever: GET /runtime/invocation/next (Lambda Runtime API 2018-06-01 at
//   AWS_LAMBDA_RUNTIME_API), call `handler(event, context)`, POST the result to …/response, or an
//   error to …/error as Lambda's Node runtime reports it: {"errorType": error.name, "errorMessage",
//   "trace": stack lines}, with the Lambda-Runtime-Function-Error-Type header. That errorType is the
//   Error name Step Functions matches in Retry/Catch.
//
// Not imitated: callback-style handlers, response streaming, the JSON rewriting of console.* when
// the log format is JSON (the service logs JSON itself), X-Ray, extensions.
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? '/var/task';
const handlerSpec = process.env._HANDLER ?? 'index.handler';
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One Runtime API call; resolves with status, headers and body text. No timeout: `next` long-polls. */
function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = request(
      { host: api.split(':')[0], port: Number(api.split(':')[1]), method, path: `/2018-06-01${path}`, agent, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) } },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function errorPayload(error, type) {
  const isError = error instanceof Error;
  return {
    errorType: type ?? (isError ? error.name : typeof error),
    errorMessage: isError ? error.message : String(error),
    trace: isError && typeof error.stack === 'string' ? error.stack.split('\n') : [],
  };
}

async function postError(path, payload) {
  await call('POST', path, JSON.stringify(payload), { 'lambda-runtime-function-error-type': payload.errorType });
}

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf('.');
  const moduleName = handlerSpec.slice(0, dot);
  const exportName = handlerSpec.slice(dot + 1);
  const base = join(taskRoot, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((path) => existsSync(path));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: 'Runtime.ImportModuleError' });
  let mod;
  if (file.endsWith('.mjs')) {
    mod = await import(pathToFileURL(file).href);
  } else {
    try {
      mod = createRequire(join(taskRoot, 'noop.js'))(file);
    } catch (error) {
      if (error?.code !== 'ERR_REQUIRE_ESM') throw error;
      mod = await import(pathToFileURL(file).href);
    }
  }
  const handler = mod?.[exportName] ?? mod?.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

let current; // the request id being handled

async function reportFatal(error, type) {
  try {
    if (current) await postError(`/runtime/invocation/${current}/error`, errorPayload(error, type));
    else await postError('/runtime/init/error', errorPayload(error, type));
  } finally {
    process.exit(129);
  }
}
process.on('uncaughtException', (error) => {
  console.error('Uncaught Exception', error);
  void reportFatal(error);
});
process.on('unhandledRejection', (reason) => {
  console.error('Unhandled Promise Rejection', reason);
  void reportFatal(reason, 'Runtime.UnhandledPromiseRejection');
});

let handler;
let loadedAt;
try {
  handler = await loadHandler();
  loadedAt = Date.now();
} catch (error) {
  const type = error?.code === 'MODULE_NOT_FOUND' ? 'Runtime.ImportModuleError' : undefined;
  const payload = errorPayload(error, type);
  console.error('Init Error', JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace }));
  await postError('/runtime/init/error', payload);
  process.exit(129);
}

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
for (;;) {
  // Not Lambda's: when Node started and the handler was loaded, for the sandbox's init figures.
  const next = await call('GET', '/runtime/invocation/next', undefined, { 'x-sandbox-node-start': String(Math.round(performance.timeOrigin)), 'x-sandbox-handler-loaded': String(loadedAt) });
  const requestId = next.headers['lambda-runtime-aws-request-id'];
  const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
  if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  current = requestId;
  let outcome;
  try {
    const event = JSON.parse(next.body);
    outcome = { ok: true, value: await handler(event, context) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) {
    await call('POST', `/runtime/invocation/${requestId}/response`, JSON.stringify(outcome.value ?? null));
  } else {
    // As Lambda's runtime logs it: type, message and stack only (an Error's `cause` is not shown).
    const payload = errorPayload(outcome.error);
    console.error('Invoke Error', JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace }));
    await postError(`/runtime/invocation/${requestId}/error`, payload);
  }
  current = undefined;
}
