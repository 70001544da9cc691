/**
 * Runs in a fresh `node` whose working directory is a function's asset folder (cdk.out/asset.…),
 * and loads `./index.js` as Lambda would. Used by test/infra/stack.test.ts to see what the *built*
 * bundle throws (names survive minification only through esbuild's keepNames).
 *
 * Before loading, it records every name esbuild's keepNames helper gives a class or function: the
 * helper is `__name = (target, value) => Object.defineProperty(target, "name", {value, …})`, taken
 * from Object.defineProperty when the bundle starts. Then:
 *
 *   PROBE_EVENT    (JSON) calls `handler(event, context)` and reports how it ended;
 *   PROBE_CLASSES  (comma-separated names) instantiates each error class by the name it kept and
 *                  reports the instance's `name` and `code`.
 *
 * Prints one line, `@@PROBE@@` + JSON, on stdout.
 */
'use strict';
const defineProperty = Object.defineProperty;
const named = new Map();
Object.defineProperty = function (target, key, descriptor) {
  if (key === 'name' && typeof target === 'function' && descriptor && typeof descriptor.value === 'string') {
    if (!named.has(descriptor.value)) named.set(descriptor.value, []);
    named.get(descriptor.value).push(target);
  }
  return defineProperty.apply(this, arguments);
};

const describe = (error) =>
  error instanceof Error || (error && typeof error === 'object')
    ? { name: error.name, code: typeof error.code === 'string' ? error.code : undefined, message: String(error.message), stack: String(error.stack), isError: error instanceof Error }
    : { name: undefined, message: String(error), isError: false };

async function main() {
  const bundle = require(`${process.cwd()}/index.js`);
  const report = {};
  if (process.env.PROBE_EVENT) {
    const context = { getRemainingTimeInMillis: () => 300_000, awsRequestId: 'probe', functionName: 'probe' };
    try {
      report.resolved = await bundle.handler(JSON.parse(process.env.PROBE_EVENT), context);
    } catch (error) {
      report.rejected = describe(error);
    }
  }
  if (process.env.PROBE_CLASSES) {
    report.classes = {};
    for (const name of process.env.PROBE_CLASSES.split(',')) {
      const errorClasses = (named.get(name) ?? []).filter((f) => f.prototype instanceof Error);
      report.classes[name] = errorClasses.map((ErrorClass) => {
        try {
          return describe(new ErrorClass('probe'));
        } catch (error) {
          return { constructionFailed: describe(error).message };
        }
      });
    }
  }
  process.stdout.write(`\n@@PROBE@@${JSON.stringify(report)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
