/**
 * A PdfRenderer that replaces its browser with a fresh one once the browser has grown too big.
 *
 * *Measured*: left alone, the bundled Chromium's resident memory grows ~4–5 MB with every 11-page
 * report (font and glyph caches), to over 1.1 GB after 200 reports. ChromiumRenderer now sends
 * memory-pressure notifications that keep it flat (~170 MB); this is the backstop for a batch of
 * a province's ~2,800 counties: between two documents the browser is checked and, past the limit,
 * closed and relaunched (~0.1 s plus a slower first print).
 */
import { readFile } from 'node:fs/promises';
import type { PdfRenderer, PdfRenderRequest, PdfRenderResult } from '../core/ports';
import type { ChromiumRenderer } from './ChromiumRenderer';

export interface RecycleLimits {
  /** Relaunch when the browser's resident memory exceeds this many MB (read from /proc). */
  readonly maxBrowserRssMb: number;
  /** Relaunch after this many documents regardless (also the only limit where /proc is unreadable). */
  readonly maxDocuments: number;
}

/**
 * A fresh browser is ~210 MB after its first report, so 250 MB means a relaunch every 10–15
 * reports: no measurable cost (60 reports took the same time with and without), and two browsers
 * plus node stay within ~700 MB.
 */
export const DEFAULT_RECYCLE_LIMITS: RecycleLimits = Object.freeze({ maxBrowserRssMb: 250, maxDocuments: 1000 });

/** Resident memory of a process in MB, or undefined where /proc cannot tell (not Linux, gone). */
async function residentMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export class RecyclingRenderer implements PdfRenderer {
  private current: ChromiumRenderer;
  private documents = 0;
  private inFlight = 0;
  /** Browsers replaced so far, for logs and tests. */
  recycled = 0;

  constructor(
    private readonly create: () => ChromiumRenderer,
    private readonly limits: RecycleLimits = DEFAULT_RECYCLE_LIMITS,
  ) {
    this.current = create();
  }

  async renderPdf(request: PdfRenderRequest): Promise<PdfRenderResult> {
    await this.recycleIfDue();
    this.inFlight++;
    this.documents++;
    try {
      return await this.current.renderPdf(request);
    } finally {
      this.inFlight--;
    }
  }

  /** The running browser's pid; starts it if none is running. */
  browserPid(): Promise<number | undefined> {
    return this.current.browserPid();
  }

  close(): Promise<void> {
    return this.current.close();
  }

  private async recycleIfDue(): Promise<void> {
    // Never under a render in flight (closing would fail it), and never a browser not yet used.
    if (this.inFlight > 0 || this.documents === 0) return;
    const due = this.documents >= this.limits.maxDocuments || ((await residentMb(await this.current.browserPid().catch(() => undefined))) ?? 0) > this.limits.maxBrowserRssMb;
    if (!due || this.inFlight > 0) return;
    const old = this.current;
    this.current = this.create();
    this.documents = 0;
    this.recycled++;
    await old.close();
  }
}
