/**
 * Every environment variable the service reads, once: its default, its range or rule, and what it
 * means. loadConfig.ts reads the variables only through this table, the README's and the docs'
 * configuration tables are generated from it (`npm run docs:config`), and the CDK stack names the
 * variables it sets through `ENV` (infra/lib/constructs/ServiceFunction.ts). A test fails when the
 * three disagree (test/unit/configTable.test.ts).
 */
import { join } from 'node:path';

/** Every server this program starts on a developer's machine (`npm start`, its S3) listens here only. */
export const LOCAL_HOST = '127.0.0.1';
/**
 * The folder under the temp directory FONTS_PACK unpacks into (lambda/src/chromium/unpackFonts.ts),
 * which the Lambda layer's fonts.conf lists (infra/lib/constructs/ChromiumFontsLayer.ts): one name for both.
 */
export const UNPACKED_FONTS_NAME = 'pdf-export-fonts';
/** Likewise for FONTS_EXTENDED_PACK. */
export const UNPACKED_EXTENDED_FONTS_NAME = 'pdf-export-fonts-extended';
/**
 * The modification time (seconds since the epoch: 2000-01-01) the unpacked font folders are given.
 * fontconfig trusts a cache of a folder only while the folder's time equals the one the cache was
 * made with, so the layer's prebuilt cache (ChromiumFontsLayer) is made for folders of this time.
 */
export const UNPACKED_FONTS_MTIME_SECONDS = 946_684_800;

/** The part of the program a variable configures; a section of the AppConfig object. */
export type ConfigSection = 'render' | 'storage' | 'service' | 'http' | 'batch' | 'devServer' | 'playground' | 'logging' | 'cli';

interface SpecBase {
  readonly section: ConfigSection;
  /** One or two sentences for the configuration tables. */
  readonly meaning: string;
  /** How the default reads in the tables, when the value alone says too little. */
  readonly shownDefault?: string;
}

/** A whole number within [min, max]. */
export interface IntSpec extends SpecBase {
  readonly kind: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** `true`/`false` (also 1/0, yes/no, on/off). */
export interface BooleanSpec extends SpecBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/** Text; undefined when unset and there is no default. `check` returns why a value is refused. */
export interface StringSpec extends SpecBase {
  readonly kind: 'string';
  readonly default?: string;
  readonly check?: (value: string, name: string) => string | undefined;
}

/** One of a few words. */
export interface EnumSpec extends SpecBase {
  readonly kind: 'enum';
  readonly values: readonly string[];
  readonly default: string;
}

/** A file or folder, made absolute; the default is relative to the project root. */
export interface PathSpec extends SpecBase {
  readonly kind: 'path';
  readonly default?: (projectRoot: string) => string;
}

export type VariableSpec = IntSpec | BooleanSpec | StringSpec | EnumSpec | PathSpec;

const MIB = 1024 * 1024;
/** SigV4 presigned URLs cannot live longer than 7 days. */
export const MAX_LINK_EXPIRY_SECONDS = 7 * 24 * 3600;
/** Lambda refuses synchronous payloads over 6 MB before our code runs, so a higher limit would lie. */
const LAMBDA_PAYLOAD_BYTES = 6 * MIB;

/** S3's bucket naming rules (the subset that matters: length, characters, no dots at the ends). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const STATE_MACHINE_ARN = /^arn:[\w-]+:states:[\w-]+:\d{12}:stateMachine:[\w-]+$/;

function httpUrl(value: string, name: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} "${value}" is not a URL; use e.g. http://127.0.0.1:4569.`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `${name} must be an http:// or https:// URL; got "${value}".`;
}

export const CONFIG_TABLE = {
  // ── Rendering ──
  TEMPLATES_DIR: {
    section: 'render',
    kind: 'path',
    default: (root) => join(root, 'templates'),
    shownDefault: '`templates/` of the project',
    meaning: 'Folder with one sub-folder per template.',
  },
  FONTCONFIG_FILE: {
    section: 'render',
    kind: 'path',
    default: (root) => join(root, 'build', 'fonts', 'fonts.conf'),
    shownDefault: '`build/fonts/fonts.conf`',
    meaning: 'Font configuration Chromium prints with (`/opt/fonts/fonts.conf` on Lambda); `npm run build` writes it.',
  },
  CHROMIUM_PATH: {
    section: 'render',
    kind: 'path',
    shownDefault: 'unset (bundled @sparticuz/chromium)',
    meaning: 'Another Chromium binary.',
  },
  CHROMIUM_PACK_DIR: {
    section: 'render',
    kind: 'path',
    shownDefault: "unset (the npm package's `bin/`)",
    meaning: "Folder with @sparticuz/chromium's brotli files, or the Lambda layer's `chromium.gz` in its compact layout (`/opt/chromium`).",
  },
  FONTS_PACK: {
    section: 'render',
    kind: 'path',
    shownDefault: 'unset (the fonts are where `FONTCONFIG_FILE` lists them)',
    meaning: "A gzip tar of fonts, unpacked into `/tmp/pdf-export-fonts` before Chromium first starts, which `FONTCONFIG_FILE` must list (the Lambda layer's `/opt/fonts/fonts.tar.gz`).",
  },
  FONTS_EXTENDED_PACK: {
    section: 'render',
    kind: 'path',
    shownDefault: 'unset (no fonts are unpacked on demand)',
    meaning: "A gzip tar of the fonts' Extended halves (characters outside GB 2312), unpacked into `/tmp/pdf-export-fonts-extended` when a document first has such a character; `FONTCONFIG_FILE` must list that folder (the Lambda layer's `/opt/fonts/fonts-extended.tar.gz`).",
  },
  RENDER_TIMEOUT_MS: {
    section: 'render',
    kind: 'int',
    default: 20_000,
    min: 1_000,
    max: 120_000,
    meaning: 'Upper bound for one HTML-to-PDF render.',
  },
  MAX_HTML_BYTES: {
    section: 'render',
    kind: 'int',
    default: 2 * MIB,
    min: 64 * 1024,
    max: 64 * MIB,
    meaning: 'Largest HTML a template may produce from the data (its inlined stylesheet included): a template loop must not turn a small input into a huge document.',
  },
  MAX_PAGES: {
    section: 'render',
    kind: 'int',
    default: 200,
    min: 1,
    max: 10_000,
    meaning: 'Renders with more pages are refused.',
  },

  // ── Storage ──
  REPORTS_BUCKET: {
    section: 'storage',
    kind: 'string',
    shownDefault: 'required on Lambda; `pdf-export-local` for `npm start`',
    meaning: 'Private bucket holding the PDFs. Setting it for `npm start` uses that bucket instead of the embedded S3.',
    check: (value, name) =>
      BUCKET_NAME.test(value) && !value.includes('..')
        ? undefined
        : `${name} "${value}" is not a valid S3 bucket name (3–63 lower-case letters, digits, dots, dashes).`,
  },
  S3_REGION: {
    section: 'storage',
    kind: 'string',
    shownDefault: '`AWS_REGION`, else `us-east-1`',
    meaning: "The bucket's region; links are signed for it.",
    check: (value, name) => (REGION.test(value) ? undefined : `${name} "${value}" is not a region name like eu-central-1.`),
  },
  S3_ENDPOINT: {
    section: 'storage',
    kind: 'string',
    shownDefault: 'unset (AWS S3)',
    meaning: 'Base URL of an S3-compatible server, e.g. `http://127.0.0.1:9000` (MinIO). Setting it for `npm start` uses that server instead of the embedded S3.',
    check: httpUrl,
  },
  S3_FORCE_PATH_STYLE: {
    section: 'storage',
    kind: 'boolean',
    default: false,
    shownDefault: '`false` (`true` for the embedded S3)',
    meaning: '`http://host/bucket/key` instead of `http://bucket.host/key`; most S3-compatible servers need `true`.',
  },

  // ── The report service ──
  LINK_EXPIRY_SECONDS: {
    section: 'service',
    kind: 'int',
    default: 3600,
    // Below a minute a link could expire between the response and the click.
    min: 60,
    max: MAX_LINK_EXPIRY_SECONDS,
    meaning: 'Lifetime of a signed download link (7 days is the SigV4 maximum).',
  },
  MAX_CONCURRENT_RENDERS: {
    section: 'service',
    kind: 'int',
    default: 2,
    min: 1,
    max: 16,
    meaning:
      'Renders running at once in one process, at most 2: the bundled Chromium is single-process, so more only add memory and latency (docs/architecture.md). Renders set above 2 wait in the queue instead.',
  },
  MAX_QUEUED_RENDERS: {
    section: 'service',
    kind: 'int',
    default: 8,
    min: 0,
    max: 1000,
    meaning: 'Renders allowed to wait for a slot, plus those `MAX_CONCURRENT_RENDERS` sets above 2; beyond, 503 with `Retry-After`. Bounds memory.',
  },
  RETRY_AFTER_SECONDS: {
    section: 'service',
    kind: 'int',
    default: 2,
    min: 1,
    max: 300,
    meaning: '`Retry-After` sent with a 503 (`RENDERER_BUSY`, `RENDER_TIMEOUT`).',
  },

  // ── The HTTP adapters ──
  MAX_BODY_BYTES: {
    section: 'http',
    kind: 'int',
    default: MIB,
    min: 1024,
    max: LAMBDA_PAYLOAD_BYTES,
    meaning: "Largest request body after base64 decoding (Lambda's payload limit is 6 MB).",
  },

  // ── Batches ──
  BATCH_RESERVE_MS: {
    section: 'batch',
    kind: 'int',
    default: 5_000,
    min: 0,
    max: 600_000,
    meaning: 'Lambda batch: time kept free before the deadline; an item starts only if `RENDER_TIMEOUT_MS` + this is left.',
  },
  BATCH_STATE_MACHINE_ARN: {
    section: 'batch',
    kind: 'string',
    shownDefault: 'set by the stack',
    meaning: '`POST /batches` on AWS: the batch state machine it starts (docs/deploy.md).',
    check: (value, name) => (STATE_MACHINE_ARN.test(value) ? undefined : `${name} must be the batch state machine's ARN.`),
  },
  MAX_BATCH_BODY_BYTES: {
    section: 'batch',
    kind: 'int',
    default: LAMBDA_PAYLOAD_BYTES,
    min: 1024,
    max: LAMBDA_PAYLOAD_BYTES,
    meaning: 'Largest items file `POST /batches` accepts, after base64 decoding.',
  },
  MAX_BATCH_ITEMS: {
    section: 'batch',
    kind: 'int',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    meaning: 'Most items one `POST /batches` may hold, and most county rows an Excel workbook may have wherever it is read.',
  },
  MAX_WORKBOOK_BYTES: {
    section: 'batch',
    kind: 'int',
    // 10,000 counties of county-annual-report are ~7 MB as a workbook.
    default: 20 * MIB,
    min: 64 * 1024,
    max: 256 * MIB,
    meaning: 'Largest Excel workbook (`.xlsx`) a batch reads: `pdf-export batch`, the playground, `POST /batches` (whose body limit comes first). 10,000 counties are ~7 MB.',
  },
  MAX_WORKBOOK_UNZIPPED_BYTES: {
    section: 'batch',
    kind: 'int',
    // The same 10,000 counties inflate to ~45 MB of XML.
    default: 100 * MIB,
    min: MIB,
    max: 1024 * MIB,
    meaning:
      "Most bytes a workbook's parts may inflate to, summed from the ZIP's directory before anything is inflated, and no part past its declared size: a ZIP bomb is refused unread. 10,000 counties are ~45 MB.",
  },
  SFN_ENDPOINT: {
    section: 'batch',
    kind: 'string',
    shownDefault: 'unset (AWS Step Functions)',
    meaning: 'Another Step Functions endpoint, e.g. a local stand-in in tests.',
    check: httpUrl,
  },

  // ── `npm start` ──
  PORT: {
    section: 'devServer',
    kind: 'int',
    default: 3000,
    min: 0,
    max: 65_535,
    meaning: '`npm start` port on 127.0.0.1 (`--port` wins; `0` picks a free one).',
  },
  LOCAL_S3_DIR: {
    section: 'devServer',
    kind: 'path',
    default: (root) => join(root, '.local-s3'),
    shownDefault: '`.local-s3/`',
    meaning: 'Where the embedded S3 keeps its buckets and objects (git-ignored).',
  },
  LOCAL_S3_PORT: {
    section: 'devServer',
    kind: 'int',
    // A fixed port keeps links printed before a restart working while they are valid.
    default: 4569,
    min: 0,
    max: 65_535,
    meaning: 'Embedded S3 port on 127.0.0.1; fixed so links printed before a restart keep working; `0` picks a free one.',
  },

  // ── The playground ──
  PLAYGROUND_DIR: {
    section: 'playground',
    kind: 'path',
    default: (root) => join(root, '.playground'),
    shownDefault: '`.playground/`',
    meaning: 'Where playground batches write their PDFs, manifest, ZIP and volume (git-ignored).',
  },
  PLAYGROUND_BATCH_CONCURRENCY: {
    section: 'playground',
    kind: 'int',
    // The API keeps its own warm browser for previews; one more for batches suits two cores.
    default: 1,
    min: 1,
    max: 4,
    meaning: "Browsers a playground batch renders with, besides the API's own (each ~220 MB).",
  },
  PLAYGROUND_MAX_UPLOAD_BYTES: {
    section: 'playground',
    kind: 'int',
    // ~3.5 KB a county as JSON lines: all ~2,800 county-level divisions are ~10 MB.
    default: 32 * MIB,
    min: 1024,
    max: 256 * MIB,
    meaning: 'Largest batch file the playground accepts. All ~2,800 counties as JSON lines are ~10 MB.',
  },
  PLAYGROUND_KEEP_BATCHES: {
    section: 'playground',
    kind: 'int',
    default: 10,
    min: 1,
    max: 1000,
    meaning: 'Playground batch folders kept; the oldest are removed when a new batch starts.',
  },

  // ── Logs ──
  POWERTOOLS_LOG_LEVEL: {
    section: 'logging',
    kind: 'enum',
    values: ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'],
    default: 'INFO',
    meaning: 'Level of the structured JSON logs (Powertools Logger).',
  },
  POWERTOOLS_SERVICE_NAME: {
    section: 'logging',
    kind: 'string',
    default: 'pdf-export',
    meaning: 'The `service` field of every log line.',
  },

  // ── The command line ──
  PDF_EXPORT_DEBUG: {
    section: 'cli',
    kind: 'boolean',
    default: false,
    meaning: '`pdf-export` prints the stack and cause of an unexpected failure.',
  },
} as const satisfies Readonly<Record<string, VariableSpec>>;

export type ConfigVariable = keyof typeof CONFIG_TABLE;

/**
 * The variable names, for code that sets them rather than reads them (the CDK stack):
 * `ENV.REPORTS_BUCKET === 'REPORTS_BUCKET'`, and a misspelt name does not compile.
 */
export const ENV: { readonly [N in ConfigVariable]: N } = Object.freeze(
  Object.fromEntries(Object.keys(CONFIG_TABLE).map((name) => [name, name])) as { [N in ConfigVariable]: N },
);

/** Looks a variable up by a name that is only known at run time (tests, docs). */
export function specOf(name: string): VariableSpec | undefined {
  return Object.prototype.hasOwnProperty.call(CONFIG_TABLE, name) ? (CONFIG_TABLE as Readonly<Record<string, VariableSpec>>)[name] : undefined;
}

// ── The configuration tables in README.md and docs/ ──

function shownDefault(spec: VariableSpec): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  switch (spec.kind) {
    case 'int':
      return `\`${spec.default}\` (${spec.min}–${spec.max})`;
    case 'boolean':
      return `\`${spec.default}\``;
    case 'enum':
      return `\`${spec.default}\` (${spec.values.map((v) => `\`${v}\``).join(', ')})`;
    case 'string':
      return spec.default === undefined ? 'unset' : `\`${spec.default}\``;
    case 'path':
      return 'unset';
  }
}

export const CONFIG_SECTIONS: readonly ConfigSection[] = ['render', 'storage', 'service', 'http', 'batch', 'devServer', 'playground', 'logging', 'cli'];

/** The Markdown table of the variables of `sections` (all when omitted), in table order. */
export function configMarkdownTable(sections?: readonly ConfigSection[]): string {
  const unknown = (sections ?? []).filter((section) => !CONFIG_SECTIONS.includes(section));
  if (unknown.length > 0) throw new RangeError(`no configuration section ${unknown.join(', ')}; there are ${CONFIG_SECTIONS.join(', ')}`);
  const rows = Object.entries(CONFIG_TABLE as Readonly<Record<string, VariableSpec>>)
    .filter(([, spec]) => sections === undefined || sections.includes(spec.section))
    .map(([name, spec]) => {
      const shown = spec.kind === 'int' && spec.shownDefault !== undefined ? `${spec.shownDefault} (${spec.min}–${spec.max})` : shownDefault(spec);
      return `| \`${name}\` | ${shown} | ${spec.meaning} |`;
    });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
