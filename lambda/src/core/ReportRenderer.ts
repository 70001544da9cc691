/**
 * The core: report data + template → validated view → HTML → PDF. Every entry point (CLI, HTTP
 * handler, batch handler, dev server) calls this and only maps its results; nothing here knows
 * about Lambda events, HTTP or S3. The printer and the PDF finisher are ports (core/ports.ts) that
 * compose.ts fills in; what the data looks like in print comes from the template's view.json.
 */
import { performance } from 'node:perf_hooks';
import Mustache from 'mustache';
import { reportInputHash, sha256Hex } from './contentHash';
import { DataValidationError, LimitExceededError } from './errors';
import { findUnprintable, type GlyphCoverage } from './glyphCoverage';
import { inspectInput } from './inspectInput';
import type { PdfFinisher, PdfMetadata, PdfRenderer } from './ports';
import type { BuiltView, Template, TemplateStore } from './TemplateStore';

export interface ReportLimits {
  readonly maxHtmlBytes: number;
  readonly maxPages: number;
}

/** What a ReportRenderer is built from besides its printer. */
export interface ReportRendererParts {
  readonly templates: TemplateStore;
  readonly finishPdf: PdfFinisher;
  readonly limits: ReportLimits;
  /** The characters the fonts print in every font stack (glyph-coverage.json); data with others is refused. */
  readonly printable: GlyphCoverage;
}

export interface PreparedReport {
  readonly template: Template;
  readonly html: string;
  readonly meta: PdfMetadata;
  /** Identifies template version + data; equal inputs give equal hashes. */
  readonly inputHash: string;
}

export interface RenderedReport {
  readonly templateId: string;
  readonly inputHash: string;
  readonly meta: PdfMetadata;
  readonly pdf: Buffer;
  readonly bytes: number;
  readonly pages: number;
  readonly sha256: string;
  readonly renderMs: number;
  /** Requests the document tried to make and the seal aborted (normally none). */
  readonly blockedRequests: readonly string[];
}

/** Metadata from view.json's `meta`, falling back to the template's title. */
function metadataOf({ meta }: BuiltView, template: Template): PdfMetadata {
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  return {
    title: text(meta.title) ?? template.title,
    author: text(meta.author),
    subject: text(meta.subject) ?? template.title,
    keywords: meta.keywords?.filter((k) => k.length > 0),
    lang: 'zh-CN',
  };
}

export class ReportRenderer {
  readonly templates: TemplateStore;

  constructor(
    private readonly parts: ReportRendererParts,
    private readonly pdfRenderer: PdfRenderer,
  ) {
    this.templates = parts.templates;
  }

  /** Validation, view model and Mustache: everything before Chromium. Throws on bad data. */
  prepare(templateId: string, data: unknown): PreparedReport {
    const template = this.templates.get(templateId);
    const shapeProblems = inspectInput(data);
    if (shapeProblems.length > 0) {
      throw new DataValidationError(`The report data cannot be accepted: ${shapeProblems.map((d) => d.path || '/').join(', ')}.`, {
        details: shapeProblems,
      });
    }
    template.validate(data);
    // After the schema, so a clerk first hears what is structurally wrong; before Chromium, because
    // a character no font has prints as blank space (core/glyphCoverage.ts). ~0.03 ms for a county
    // sample (2026-12-06), ~3% of this method.
    const unprintable = findUnprintable(data, this.parts.printable);
    if (unprintable.length > 0) {
      throw new DataValidationError(`Some characters cannot be printed with the report fonts: ${unprintable.map((d) => d.path || '/').join(', ')}.`, {
        details: unprintable,
      });
    }
    const built = template.buildView(data);
    const html = Mustache.render(template.html, built.view, template.partials);
    const htmlBytes = Buffer.byteLength(html);
    if (htmlBytes > this.parts.limits.maxHtmlBytes) {
      throw new LimitExceededError(
        `The document would be ${htmlBytes} bytes of HTML, over the limit of ${this.parts.limits.maxHtmlBytes}; send less data.`,
      );
    }
    return { template, html, meta: metadataOf(built, template), inputHash: reportInputHash(template.id, template.fingerprint, data) };
  }

  async render(templateId: string, data: unknown): Promise<RenderedReport> {
    const prepared = this.prepare(templateId, data);
    return this.print(prepared);
  }

  /** Prints an already prepared report; split out so callers can check storage between the two steps. */
  async print(prepared: PreparedReport): Promise<RenderedReport> {
    const started = performance.now();
    const { pdf: raw, blockedRequests } = await this.pdfRenderer.renderPdf({
      html: prepared.html,
      assets: prepared.template.assets,
      outline: true,
    });
    const { pdf, pages } = await this.parts.finishPdf(raw, prepared.meta);
    if (pages > this.parts.limits.maxPages) {
      throw new LimitExceededError(`The document has ${pages} pages, over the limit of ${this.parts.limits.maxPages}; send less data.`);
    }
    return {
      templateId: prepared.template.id,
      inputHash: prepared.inputHash,
      meta: prepared.meta,
      pdf,
      bytes: pdf.length,
      pages,
      sha256: sha256Hex(pdf),
      renderMs: Math.round(performance.now() - started),
      blockedRequests,
    };
  }
}
