/**
 * The report service: data in, signed link out. Every HTTP entry point (Lambda handler, local dev
 * server) calls this and only maps its results; it knows nothing of HTTP, Lambda events or the AWS
 * SDK (storage is behind the ReportStore port).
 *
 *   prepare (validate, view, HTML; throws before any work)
 *     → key `reports/<template>/<hash>.pdf` from template + data
 *     → stored already, intact and about this report? answer from its metadata (no render)
 *     → else print (bounded by the limiter), put, sign.
 *
 * Identical requests arriving together share one render (single flight), so a client retrying a
 * slow request, or twenty clerks posting the same sample, costs one Chromium run.
 */
import type { ReportStore, StoredReport } from './ports';
import type { ConcurrencyLimiter, LimiterStats } from './ConcurrencyLimiter';
import { ReportNotFoundError } from './errors';
import { parseReportId, reportAddress, type ReportAddress } from './reportAddress';
import { reportFileName } from './reportFileName';
import type { PreparedReport, RenderedReport } from './ReportRenderer';

/** The part of ReportRenderer the service needs. */
export interface ReportPrinter {
  prepare(templateId: string, data: unknown): PreparedReport;
  print(prepared: PreparedReport): Promise<RenderedReport>;
}

/** The response body of `POST /reports` and `GET /reports/{id}` (docs/architecture.md). */
export interface ReportLink {
  readonly id: string;
  readonly key: string;
  readonly url: string;
  /** ISO 8601, UTC. */
  readonly expiresAt: string;
  readonly bytes: number;
  readonly pages: number;
  readonly sha256: string;
}

/** A created report plus what the adapters log. */
export interface ReportOutcome {
  readonly link: ReportLink;
  readonly templateId: string;
  /** True when this request ran Chromium; false when the PDF was already stored or being rendered. */
  readonly rendered: boolean;
  /** Set when `rendered`. */
  readonly renderMs?: number;
  /** Requests the document tried and the seal aborted; set when `rendered`. */
  readonly blockedRequests?: readonly string[];
}

export interface ReportServiceOptions {
  readonly linkExpirySeconds: number;
  readonly limiter: ConcurrencyLimiter;
}

export interface ReportServiceStats extends LimiterStats {
  /** Chromium renders since start. */
  readonly renders: number;
  /** Requests answered from storage without rendering. */
  readonly storedHits: number;
}

interface Stored {
  readonly report: StoredReport;
  readonly rendered?: RenderedReport;
}

export class ReportService {
  private readonly inFlight = new Map<string, Promise<Stored>>();
  private renders = 0;
  private storedHits = 0;

  constructor(
    private readonly printer: ReportPrinter,
    private readonly store: ReportStore,
    private readonly options: ReportServiceOptions,
  ) {}

  stats(): ReportServiceStats {
    return { ...this.options.limiter.stats(), renders: this.renders, storedHits: this.storedHits };
  }

  /** Renders (or finds) the report for `templateId` + `data` and signs a fresh link to it. */
  async create(templateId: string, data: unknown): Promise<ReportOutcome> {
    const prepared = this.printer.prepare(templateId, data);
    const address = reportAddress(prepared.template.id, prepared.inputHash);

    let job = this.inFlight.get(address.key);
    const owner = job === undefined;
    if (job === undefined) {
      job = this.findOrRender(address, prepared);
      this.inFlight.set(address.key, job);
      const forget = (): void => void this.inFlight.delete(address.key);
      job.then(forget, forget);
    }
    const { report, rendered } = await job;
    const renderedHere = owner && rendered !== undefined;
    if (!renderedHere) this.storedHits++;
    return {
      link: await this.sign(address, report),
      templateId: address.templateId,
      rendered: renderedHere,
      renderMs: renderedHere ? rendered.renderMs : undefined,
      blockedRequests: renderedHere ? rendered.blockedRequests : undefined,
    };
  }

  /** A fresh link to a stored report; ReportNotFoundError for unknown or malformed ids. */
  async link(id: string): Promise<ReportLink> {
    const address = parseReportId(id);
    const report = address && (await this.store.find(address.key));
    if (!address || !report || report.templateId !== address.templateId) {
      throw new ReportNotFoundError(`No report with id "${id.slice(0, 120)}"; create it with POST /reports.`);
    }
    return this.sign(address, report);
  }

  private async findOrRender(address: ReportAddress, prepared: PreparedReport): Promise<Stored> {
    // The store has checked the bytes against their metadata (ReportStore.find); the metadata must
    // also be about this report, or it is rendered again and overwritten.
    const existing = await this.store.find(address.key);
    if (existing && existing.templateId === address.templateId) return { report: existing };
    const rendered = await this.options.limiter.run(() => this.printer.print(prepared));
    this.renders++;
    const metadata = {
      templateId: address.templateId,
      sha256: rendered.sha256,
      pages: rendered.pages,
      fileName: reportFileName(prepared.meta.title, address.templateId),
    };
    await this.store.put(address.key, rendered.pdf, metadata);
    return { report: { key: address.key, bytes: rendered.bytes, ...metadata }, rendered };
  }

  private async sign(address: ReportAddress, report: StoredReport): Promise<ReportLink> {
    const { url, expiresAt } = await this.store.presignGet(address.key, this.options.linkExpirySeconds, report.fileName);
    return {
      id: address.id,
      key: address.key,
      url,
      expiresAt: expiresAt.toISOString(),
      bytes: report.bytes,
      pages: report.pages,
      sha256: report.sha256,
    };
  }
}
