/**
 * Binds many report PDFs into one volume: a cover, a contents page (titles and page numbers),
 * then every report, with one bookmark per report pointing at its first page.
 *
 * - The cover and contents are Chinese text, which needs the CJK fonts: they are printed as HTML
 *   by the same Chromium (a small built-in page, every text escaped), not drawn with pdf-lib,
 *   whose standard fonts have no Chinese glyphs.
 * - Pages are merged with pdf-lib's copyPages, which keeps each report's fonts and content as
 *   printed; pdf-lib has no outline API, so the bookmarks are built from its low-level objects.
 * - The contents' page numbers are the volume's own page numbers (what a PDF viewer shows); they
 *   depend on how many pages the contents take, so the front matter is printed until that
 *   number is stable (once, normally twice).
 * - The cover names what was left out (a county whose data was refused, one never rendered
 *   because the batch was cancelled) and why: a bound volume of 10 reports must not read as the
 *   whole set when 12 were asked for.
 * - The volume is a tagged PDF like each report (screen readers, reflow, PDF/UA checkers): the
 *   cover and contents are printed tagged, and every report's structure tree is carried over with
 *   its pages (StructureMerger below). copyPages alone would keep the marked content in the page
 *   streams but drop the tree that gives it meaning.
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFObjectCopier,
  PDFPage,
  PDFPageLeaf,
  PDFRef,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import type { PdfRenderer } from '../core/ports';

export interface VolumeEntry {
  /** Shown in the contents and as the bookmark, e.g. the report's title. */
  readonly title: string;
  /** The report's PDF; loaded one at a time, so a volume of many reports is not all in memory twice. */
  readonly load: () => Promise<Uint8Array>;
}

/** Something that was asked for but is not in the volume, with the reason, both as a reader should see them. */
export interface LeftOutEntry {
  /** e.g. the county: 芸湾县, or 第 34 行 for a record without a usable id. */
  readonly name: string;
  /** In Chinese, short: 数据有误（地区生产总值（亿元））, 批次已取消，未生成. */
  readonly reason: string;
}

export interface VolumeOptions {
  /** The volume's title, on the cover and in the PDF metadata. */
  readonly title: string;
  /** A second line on the cover, e.g. 汇编. */
  readonly subtitle?: string;
  /** The date printed on the cover. */
  readonly date: Date;
  readonly entries: readonly VolumeEntry[];
  /** Named on the cover (the first few) and, when there are more, in a list after the contents. */
  readonly leftOut?: readonly LeftOutEntry[];
  /** Prints the cover and contents; pass a ChromiumRenderer so the CJK fonts are those of the reports. */
  readonly printer: PdfRenderer;
}

export interface BoundVolume {
  readonly pdf: Uint8Array;
  readonly pages: number;
  /** Cover plus contents pages, before the first report. */
  readonly frontPages: number;
  /** 1-based page on which each entry starts, in entry order. */
  readonly firstPages: readonly number[];
  /**
   * Whether the volume is a tagged PDF (`/MarkInfo /Marked true`, a structure tree covering every
   * page): true when every entry was tagged, as the service's reports are. An untagged entry's
   * pages have no marked content to point at, so the volume then does not claim to be tagged.
   */
  readonly tagged: boolean;
}

/** Left-out entries named on the cover itself; more go to a list after the contents. */
const COVER_LEFT_OUT = 6;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Same page geometry and font stacks as the reports (GB/T 9704: A4, 37/26/35/28 mm margins). */
const VOLUME_CSS = `
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
:root {
  --font-fangsong: "仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif SC", "Noto Serif SC Extended", serif;
  --font-title: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif SC", "Noto Serif SC Extended", serif;
  --font-hei: "黑体", "SimHei", "Noto Sans SC", "Noto Sans SC Extended", sans-serif;
}
html { font-family: var(--font-fangsong); font-size: 16pt; line-height: 28.9pt; color: #000; }
body { margin: 0; }
.cover { height: 225mm; display: flex; flex-direction: column; align-items: center; text-align: center; break-after: page; }
.cover h1 { font-family: var(--font-title); font-weight: normal; font-size: 26pt; line-height: 1.5; margin: 40mm 0 0; }
.cover .subtitle { font-family: var(--font-title); font-size: 22pt; margin: 8mm 0 0; }
.cover .count { margin: 24mm 0 0; }
.cover .date { margin-top: auto; }
.contents h2 { font-family: var(--font-hei); font-weight: normal; font-size: 22pt; text-align: center; margin: 0 0 4mm; letter-spacing: 1em; }
.contents .note { font-size: 12pt; line-height: 20pt; text-align: center; margin: 0 0 4mm; }
.contents ol { list-style: none; margin: 0; padding: 0; }
.contents li { display: flex; align-items: baseline; break-inside: avoid; }
.contents .leader { flex: 1; border-bottom: 1.2pt dotted #000; margin: 0 4pt; min-width: 2em; }
.contents .page { font-variant-numeric: tabular-nums; }
.cover.has-left-out h1 { margin-top: 24mm; }
.cover.has-left-out .count { margin-top: 14mm; }
.left-out { margin: 10mm 0 0; font-size: 12pt; line-height: 20pt; text-align: left; max-width: 150mm; }
.left-out p { margin: 0 0 2mm; }
.left-out ul + p { margin: 2mm 0 0 2em; }
.left-out ul { margin: 0; padding: 0 0 0 2em; }
.left-out-all { break-before: page; }
.left-out-all h2 { font-family: var(--font-hei); font-weight: normal; font-size: 18pt; text-align: center; margin: 0 0 4mm; }
.left-out-all ol { margin: 0; padding: 0 0 0 2.5em; font-size: 14pt; line-height: 24pt; }
`;

/** A cover line stays one line: long reasons are cut, the full one is in the manifest. */
const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function frontMatterHtml(options: VolumeOptions, firstPages: readonly number[]): string {
  const d = options.date;
  const date = `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
  const rows = options.entries
    .map((entry, i) => `<li><span class="title">${escapeHtml(entry.title)}</span><span class="leader"></span><span class="page">${firstPages[i]}</span></li>`)
    .join('\n');
  const leftOut = options.leftOut ?? [];
  const line = (entry: LeftOutEntry, max: number): string => `<li>${escapeHtml(shorten(entry.name, 20))}：${escapeHtml(shorten(entry.reason, max))}</li>`;
  const more = leftOut.length > COVER_LEFT_OUT;
  const onCover = leftOut.length === 0
    ? ''
    : `<div class="left-out">
<p>另有${leftOut.length}份未收入本汇编：</p>
<ul>
${leftOut.slice(0, more ? COVER_LEFT_OUT - 1 : COVER_LEFT_OUT).map((entry) => line(entry, 28)).join('\n')}
</ul>
${more ? '<p>……等，完整名单见目录之后</p>' : ''}
</div>`;
  const listAfterContents = more
    ? `<section class="left-out-all">
<h2>未收入本汇编的${leftOut.length}份</h2>
<ol>
${leftOut.map((entry) => line(entry, 60)).join('\n')}
</ol>
</section>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title><link rel="stylesheet" href="volume.css"></head>
<body>
<section class="cover${leftOut.length > 0 ? ' has-left-out' : ''}">
<h1>${escapeHtml(options.title)}</h1>
${options.subtitle ? `<p class="subtitle">${escapeHtml(options.subtitle)}</p>` : ''}
<p class="count">共${options.entries.length}份</p>
${onCover}
<p class="date">${date}</p>
</section>
<section class="contents">
<h2>目录</h2>
<p class="note">页码为本汇编的页次</p>
<ol>
${rows}
</ol>
</section>
${listAfterContents}
</body></html>`;
}

async function printFrontMatter(options: VolumeOptions, bodyStarts: readonly number[]): Promise<PDFDocument> {
  // A guess: the cover and ~20 contents lines a page (and the list of what was left out, when it
  // does not fit on the cover). Corrected below if the print disagrees.
  const leftOut = options.leftOut?.length ?? 0;
  let frontPages = 1 + Math.ceil((options.entries.length + 2) / 20) + (leftOut > COVER_LEFT_OUT ? Math.ceil((leftOut + 2) / 24) : 0);
  for (let attempt = 0; ; attempt++) {
    const firstPages = bodyStarts.map((start) => frontPages + start);
    const { pdf } = await options.printer.renderPdf({
      html: frontMatterHtml(options, firstPages),
      assets: new Map([['volume.css', { contentType: 'text/css; charset=utf-8', body: Buffer.from(VOLUME_CSS) }]]),
      // Asks Chromium for a tagged PDF (its outline is not used): the volume's structure tree
      // starts with the cover and contents.
      outline: true,
    });
    const doc = await PDFDocument.load(pdf);
    // More digits can lengthen a line only by a character, so this settles within a few prints.
    if (doc.getPageCount() === frontPages || attempt >= 4) return doc;
    frontPages = doc.getPageCount();
  }
}

/** An outline (bookmarks) with one top-level item per entry, pointing at its first page. */
function addOutline(volume: PDFDocument, items: readonly { title: string; page: PDFRef }[]): void {
  if (items.length === 0) return;
  const context = volume.context;
  const outlinesRef = context.nextRef();
  const refs = items.map(() => context.nextRef());
  items.forEach((item, i) => {
    const dest = PDFArray.withContext(context);
    // XYZ with null left/top/zoom: go to the page and keep the reader's zoom.
    dest.push(item.page);
    dest.push(PDFName.of('XYZ'));
    dest.push(PDFNull);
    dest.push(PDFNull);
    dest.push(PDFNull);
    const dict = context.obj({ Title: PDFHexString.fromText(item.title), Parent: outlinesRef, Dest: dest });
    if (i > 0) dict.set(PDFName.of('Prev'), refs[i - 1]);
    if (i < items.length - 1) dict.set(PDFName.of('Next'), refs[i + 1]);
    context.assign(refs[i], dict);
  });
  const outlines = context.obj({ Type: 'Outlines', First: refs[0], Last: refs[refs.length - 1] });
  outlines.set(PDFName.of('Count'), PDFNumber.of(items.length));
  context.assign(outlinesRef, outlines);
  volume.catalog.set(PDFName.of('Outlines'), outlinesRef);
  // Open with the bookmarks panel showing: a volume of many reports is navigated by them.
  volume.catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}

const name = (value: string): PDFName => PDFName.of(value);

/** The (key, value) pairs of a number tree (the parent tree), from its root down. */
function numberTreeEntries(node: PDFDict | undefined, seen = new Set<PDFDict>()): [number, PDFObject][] {
  if (!node || seen.has(node)) return [];
  seen.add(node);
  const entries: [number, PDFObject][] = [];
  const nums = node.lookupMaybe(name('Nums'), PDFArray);
  for (let i = 0; nums && i + 1 < nums.size(); i += 2) {
    const key = nums.get(i);
    if (key instanceof PDFNumber) entries.push([key.asNumber(), nums.get(i + 1)]);
  }
  const kids = node.lookupMaybe(name('Kids'), PDFArray);
  for (let i = 0; kids && i < kids.size(); i++) entries.push(...numberTreeEntries(kids.lookupMaybe(i, PDFDict), seen));
  return entries;
}

/** A structure element's children as stored: one object or an array of them (possibly indirect). */
function kidsOf(value: PDFObject | undefined, context?: PDFDocument['context']): PDFObject[] {
  if (value === undefined) return [];
  const array = value instanceof PDFRef ? context?.lookup(value) : value;
  return array instanceof PDFArray ? array.asArray() : [value];
}

/** The bytes of a PDF string, as hex: IDs are byte strings, compared and sorted byte by byte. */
function stringHex(value: PDFObject | undefined): string | undefined {
  if (value instanceof PDFString || value instanceof PDFHexString) return Buffer.from(value.asBytes()).toString('hex').toUpperCase();
  return undefined;
}

/**
 * Carries the logical structure (the tag tree) of each merged document into the volume:
 *
 * - each document's pages are copied with the same object copier as its structure elements, so an
 *   element's `/Pg` points at the volume's copy of its page, not at a second, orphaned copy;
 * - the parent tree (marked content on a page → its elements) is keyed by the page's
 *   `/StructParents` number, which every document starts at 0: each document's keys are shifted
 *   past the previous ones, on the pages and in the merged tree alike;
 * - element IDs (Chromium's `node00000075`, referred to by table cells' `/Headers`) are unique
 *   per document only, so each document's are prefixed and collected into one ID tree;
 * - Chromium's top element, `/Document`, becomes a `/Part` (PDF 1.7 keeps Document for the root)
 *   titled like the report's bookmark, under one `/Document` for the whole volume.
 */
class StructureMerger {
  private readonly parts: PDFRef[] = [];
  private readonly parentTree: [number, PDFObject][] = [];
  private readonly ids: [string, PDFRef][] = [];
  private readonly roleMap = new Map<string, PDFObject>();
  private nextKey = 0;
  private untagged = 0;
  private readonly documentRef: PDFRef;

  constructor(private readonly volume: PDFDocument) {
    this.documentRef = volume.context.nextRef();
  }

  /** The pages of `source`, copied into the volume (not yet placed), with their structure. */
  copy(source: PDFDocument, title: string, position: 'first' | 'last'): PDFPage[] {
    const context = this.volume.context;
    const copier = PDFObjectCopier.for(source.context, context);
    const root = source.catalog.lookupMaybe(name('StructTreeRoot'), PDFDict);
    const topKids = root ? kidsOf(root.get(name('K')), source.context) : [];
    // Copying an element follows its /P up to the source's root and would copy the whole source
    // tree a second time from there; the top elements get their new parent below instead.
    for (const kid of topKids) (kid instanceof PDFRef ? source.context.lookupMaybe(kid, PDFDict) : kid instanceof PDFDict ? kid : undefined)?.delete(name('P'));
    const pages = source.getPages().map((page) => {
      const ref = copier.copy(page.ref) as PDFRef;
      const leaf = context.lookup(ref);
      if (!(leaf instanceof PDFPageLeaf)) throw new Error(`page ${page.ref.toString()} did not copy as a page`);
      return PDFPage.of(leaf, ref, this.volume);
    });
    if (!root || topKids.length === 0) {
      // Keys into a parent tree this document does not have would point into another's.
      for (const page of pages) {
        page.node.delete(name('StructParents'));
        const annots = page.node.lookupMaybe(name('Annots'), PDFArray);
        for (let i = 0; annots && i < annots.size(); i++) annots.lookupMaybe(i, PDFDict)?.delete(name('StructParent'));
      }
      this.untagged++;
      return pages;
    }

    const offset = this.nextKey;
    let next = offset + (root.lookupMaybe(name('ParentTreeNextKey'), PDFNumber)?.asNumber() ?? 0);
    const shift = (dict: PDFDict, key: string): void => {
      const value = dict.lookupMaybe(name(key), PDFNumber);
      if (!value) return;
      dict.set(name(key), PDFNumber.of(value.asNumber() + offset));
      next = Math.max(next, value.asNumber() + offset + 1);
    };
    for (const page of pages) {
      shift(page.node, 'StructParents');
      const annots = page.node.lookupMaybe(name('Annots'), PDFArray);
      for (let i = 0; annots && i < annots.size(); i++) {
        const annot = annots.lookupMaybe(i, PDFDict);
        if (annot) shift(annot, 'StructParent');
      }
    }
    for (const [key, value] of numberTreeEntries(root.lookupMaybe(name('ParentTree'), PDFDict))) {
      this.parentTree.push([key + offset, copier.copy(value)]);
      next = Math.max(next, key + offset + 1);
    }
    this.nextKey = next;
    const roles = root.lookupMaybe(name('RoleMap'), PDFDict);
    for (const [key, value] of roles?.entries() ?? []) if (!this.roleMap.has(key.asString())) this.roleMap.set(key.asString(), copier.copy(value));

    const kids = topKids.map((kid) => copier.copy(kid));
    const single = kids.length === 1 && kids[0] instanceof PDFRef ? kids[0] : undefined;
    const singleDict = single && context.lookupMaybe(single, PDFDict);
    let partRef: PDFRef;
    if (single && singleDict && singleDict.get(name('S')) === name('Document')) {
      partRef = single;
      singleDict.set(name('S'), name('Part'));
    } else {
      partRef = context.nextRef();
      context.assign(partRef, context.obj({ Type: 'StructElem', S: 'Part', K: kids }));
      for (const kid of kids) (kid instanceof PDFRef ? context.lookupMaybe(kid, PDFDict) : kid instanceof PDFDict ? kid : undefined)?.set(name('P'), partRef);
    }
    const part = context.lookup(partRef, PDFDict);
    part.set(name('P'), this.documentRef);
    part.set(name('T'), PDFHexString.fromText(title));
    this.renameIds(partRef, `v${this.parts.length + 1}-`);
    if (position === 'first') this.parts.unshift(partRef);
    else this.parts.push(partRef);
    return pages;
  }

  /** Writes the volume's structure tree root; returns whether the volume is a tagged PDF. */
  finish(): boolean {
    const context = this.volume.context;
    if (this.parts.length === 0) return false;
    const rootRef = context.nextRef();
    context.assign(this.documentRef, context.obj({ Type: 'StructElem', S: 'Document', P: rootRef, K: this.parts }));
    const nums: PDFObject[] = [];
    for (const [key, value] of [...this.parentTree].sort((a, b) => a[0] - b[0])) nums.push(PDFNumber.of(key), value);
    const root = context.obj({
      Type: 'StructTreeRoot',
      K: this.documentRef,
      ParentTree: context.register(context.obj({ Nums: nums })),
      ParentTreeNextKey: this.nextKey,
    });
    if (this.ids.length > 0) {
      const names: PDFObject[] = [];
      for (const [hex, ref] of [...this.ids].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) names.push(PDFHexString.of(hex), ref);
      root.set(name('IDTree'), context.register(context.obj({ Names: names })));
    }
    if (this.roleMap.size > 0) {
      const roleMap = context.obj({});
      for (const [key, value] of this.roleMap) roleMap.set(name(key.replace(/^\//, '')), value);
      root.set(name('RoleMap'), roleMap);
    }
    context.assign(rootRef, root);
    this.volume.catalog.set(name('StructTreeRoot'), rootRef);
    const tagged = this.untagged === 0;
    if (tagged) this.volume.catalog.set(name('MarkInfo'), context.obj({ Marked: true }));
    return tagged;
  }

  /** Prefixes the IDs of the elements under `top` (and the `/Headers` that name them), collecting them for the ID tree. */
  private renameIds(top: PDFRef, prefix: string): void {
    const context = this.volume.context;
    const prefixHex = Buffer.from(prefix, 'latin1').toString('hex').toUpperCase();
    const renamed = (value: PDFObject | undefined): PDFHexString | undefined => {
      const hex = stringHex(value);
      return hex === undefined ? undefined : PDFHexString.of(prefixHex + hex);
    };
    const seen = new Set<PDFObject>();
    const visit = (object: PDFObject): void => {
      const ref = object instanceof PDFRef ? object : undefined;
      const element = ref ? context.lookupMaybe(ref, PDFDict) : object instanceof PDFDict ? object : undefined;
      if (!element || seen.has(element)) return;
      seen.add(element);
      // Marked-content and object references are leaves, not elements.
      const type = element.get(name('Type'));
      if (type === name('MCR') || type === name('OBJR')) return;
      const id = renamed(element.get(name('ID')));
      if (id) {
        element.set(name('ID'), id);
        if (ref) this.ids.push([id.asString().toUpperCase(), ref]);
      }
      const attributes = element.lookup(name('A'));
      for (const owner of kidsOf(attributes)) {
        const dict = owner instanceof PDFRef ? context.lookupMaybe(owner, PDFDict) : owner instanceof PDFDict ? owner : undefined;
        const headers = dict?.lookupMaybe(name('Headers'), PDFArray);
        for (let i = 0; headers && i < headers.size(); i++) {
          const header = renamed(headers.get(i));
          if (header) headers.set(i, header);
        }
      }
      for (const kid of kidsOf(element.get(name('K')))) visit(kid);
    };
    visit(top);
  }
}

export async function bindVolume(options: VolumeOptions): Promise<BoundVolume> {
  const volume = await PDFDocument.create();
  volume.setTitle(options.title, { showInWindowTitleBar: true });
  volume.setLanguage('zh-CN');
  volume.setCreator('pdf-export');
  volume.setProducer('pdf-export (pdf-lib)');

  const structure = new StructureMerger(volume);
  // Body first: the contents need every report's page count.
  const bodyStarts: number[] = [];
  const firstPageRefs: PDFRef[] = [];
  for (const entry of options.entries) {
    const source = await PDFDocument.load(await entry.load());
    const pages = structure.copy(source, entry.title, 'last');
    bodyStarts.push(volume.getPageCount() + 1);
    pages.forEach((page) => volume.addPage(page));
    firstPageRefs.push(pages[0].ref);
  }

  const front = await printFrontMatter(options, bodyStarts);
  const frontPages = structure.copy(front, `${options.title}：封面与目录`, 'first');
  frontPages.forEach((page, i) => volume.insertPage(i, page));
  const tagged = structure.finish();

  addOutline(
    volume,
    options.entries.map((entry, i) => ({ title: entry.title, page: firstPageRefs[i] })),
  );
  const pdf = await volume.save({ useObjectStreams: true });
  return {
    pdf,
    pages: volume.getPageCount(),
    frontPages: frontPages.length,
    firstPages: bodyStarts.map((start) => frontPages.length + start),
    tagged,
  };
}
