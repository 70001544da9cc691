// The batch tab: upload an items file (.jsonl / .json / .csv), watch each county's state while
// the dev server renders them, read the manifest as a table (failures highlighted, with the
// reason), and download the ZIP and the bound volume. Progress is polled.

import { fieldMessage, formatBytes, formatSeconds } from './messages.js';

const POLL_MS = 500;

const STATUS_TEXT = {
  pending: '等待',
  rendering: '生成中…',
  ok: '完成',
  failed: '失败',
  skipped: '已是最新',
  not_done: '未开始',
};

const $ = (id) => document.getElementById(id);

/** `must be >= 0（地区生产总值（亿元））` → `地区生产总值（亿元）：不能小于 0` */
function detailText(detail) {
  const message = String(detail.message);
  const open = message.indexOf('（');
  const label = open > 0 && message.endsWith('）') ? message.slice(open + 1, -1) : detail.path;
  return `${label}：${fieldMessage(message)}`;
}

/** `line 3` / `row 4` / `item 2` → 第 3 行 / 第 4 行 / 第 2 条 */
function whereText(where) {
  const m = /^(line|row|item) (\d+)$/.exec(where);
  if (!m) return where;
  return m[1] === 'item' ? `第 ${m[2]} 条` : `第 ${m[2]} 行`;
}

function itemNote(item) {
  if (!item.error) return item.title ?? '';
  if (item.error.details?.length) return `数据有误：${item.error.details.map(detailText).join('；')}`;
  return item.error.message;
}

export function createBatchPanel() {
  const ui = {
    templateName: $('batch-template'),
    example: $('batch-example'),
    file: $('batch-file'),
    volume: $('batch-volume'),
    start: $('batch-start'),
    box: $('batch-progress-box'),
    status: $('batch-status'),
    progress: $('batch-progress'),
    phase: $('batch-phase'),
    downloads: $('batch-downloads'),
    tableWrap: $('batch-table-wrap'),
    table: $('batch-table'),
    body: $('batch-table').querySelector('tbody'),
  };
  let template;
  let job;
  let timer;
  let rows = [];

  const setBusy = (busy) => {
    ui.start.disabled = busy || !ui.file.files?.length || !template;
    ui.table.setAttribute('aria-busy', String(busy));
  };

  ui.file.addEventListener('change', () => setBusy(Boolean(job && !isFinished(job))));

  const isFinished = (view) => view.phase === 'done' || view.phase === 'failed';

  function link(href, text, download) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    a.className = 'button';
    if (download) a.setAttribute('download', '');
    return a;
  }

  function renderRows(view) {
    if (rows.length !== view.items.length || ui.body.dataset.job !== view.id) {
      ui.body.dataset.job = view.id;
      rows = view.items.map(() => {
        const tr = document.createElement('tr');
        for (let i = 0; i < 7; i++) tr.append(document.createElement(i === 1 ? 'th' : 'td'));
        tr.children[1].setAttribute('scope', 'row');
        return tr;
      });
      ui.body.replaceChildren(...rows);
    }
    view.items.forEach((item, i) => {
      const tr = rows[i];
      const key = `${item.status}|${item.file}|${item.error ? 1 : 0}`;
      if (tr.dataset.key === key) return;
      tr.dataset.key = key;
      tr.className = `status-${item.status}`;
      tr.dataset.id = item.id;
      const [index, id, status, pages, bytes, ms, note] = tr.children;
      index.textContent = String(item.index + 1);
      if (item.file && (item.status === 'ok' || item.status === 'skipped')) {
        const a = document.createElement('a');
        a.href = `/playground/batches/${view.id}/files/${encodeURIComponent(item.file)}`;
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = item.id;
        id.replaceChildren(a);
      } else {
        id.textContent = item.id;
      }
      status.textContent = STATUS_TEXT[item.status] ?? item.status;
      pages.textContent = item.pages ?? '';
      bytes.textContent = item.bytes === null ? '' : formatBytes(item.bytes);
      ms.textContent = item.ms === null ? '' : formatSeconds(item.ms);
      note.textContent = item.status === 'failed' ? `${whereText(item.where)}：${itemNote(item)}` : itemNote(item);
    });
  }

  function render(view) {
    job = view;
    const { total, done, ok, failed, skipped } = view.counts;
    ui.box.hidden = false;
    ui.tableWrap.hidden = false;
    ui.box.dataset.phase = view.phase;
    ui.box.dataset.job = view.id;
    ui.progress.max = total;
    ui.progress.value = done;
    const tally = `成功 ${ok}，失败 ${failed}${skipped ? `，已是最新 ${skipped}` : ''}`;
    const seconds = view.finishedAt ? (Date.parse(view.finishedAt) - Date.parse(view.startedAt)) / 1000 : 0;
    const rate = seconds > 0 && ok > 0 ? `，${(ok / seconds).toFixed(1)} 份/秒` : '';
    const phase = {
      rendering: `正在生成：${done} / ${total}（${tally}）`,
      packing: `正在打包 ZIP…（${tally}）`,
      binding: `正在装订合订本…（${tally}）`,
      done: `完成：共 ${total} 个县，${tally}。`,
      failed: `批次中断：${view.error?.message ?? ''}（${tally}）`,
    }[view.phase];
    const detail = view.phase === 'done' ? `生成用时 ${seconds.toFixed(1)} 秒${rate}；文件来源：${view.source}` : phase;
    // The live region speaks at the start and the end; the progress bar shows the rest.
    if (view.phase === 'done' || view.phase === 'failed' || ui.status.dataset.job !== view.id) {
      ui.status.dataset.job = view.id;
      ui.status.textContent = view.phase === 'rendering' ? `开始生成：${view.source}，${total} 个县。` : phase;
    }
    ui.progress.setAttribute('aria-valuetext', phase);
    ui.progress.title = phase;
    ui.phase.textContent = detail;
    renderRows(view);
    const base = `/playground/batches/${view.id}`;
    const downloads = [];
    if (view.zip) downloads.push(link(`${base}/reports.zip`, `下载 ZIP（${ok + skipped} 份 PDF 和清单，${formatBytes(view.zip.bytes)}）`, true));
    if (view.volume) downloads.push(link(`${base}/volume.pdf`, `下载合订本（${view.volume.pages} 页，${formatBytes(view.volume.bytes)}）`, true));
    if (isFinished(view) && view.finishedAt) downloads.push(link(`${base}/manifest.json`, '下载清单 manifest.json', true));
    const ids = downloads.map((a) => a.href).join('|');
    if (ui.downloads.dataset.links !== ids) {
      ui.downloads.dataset.links = ids;
      ui.downloads.replaceChildren(...downloads);
    }
    setBusy(!isFinished(view));
  }

  async function poll(id) {
    clearTimeout(timer);
    try {
      const response = await fetch(`/playground/batches/${id}`);
      const body = await response.json();
      if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
      render(body);
      if (!isFinished(body)) timer = setTimeout(() => poll(id), POLL_MS);
    } catch (error) {
      ui.status.textContent = `无法读取进度：${error.message}`;
      setBusy(false);
    }
  }

  ui.start.addEventListener('click', async () => {
    const file = ui.file.files?.[0];
    if (!file || !template) return;
    setBusy(true);
    ui.box.hidden = false;
    ui.status.dataset.job = '';
    ui.status.textContent = `正在上传 ${file.name}…`;
    const query = new URLSearchParams({ template: template.id, name: file.name, volume: ui.volume.checked ? '1' : '0' });
    try {
      const response = await fetch(`/playground/batches?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: await file.arrayBuffer(),
      });
      const body = await response.json().catch(() => undefined);
      if (response.status !== 202) {
        const reason = body?.error?.message ?? `HTTP ${response.status}`;
        ui.status.textContent = response.status === 503 ? `已有批次在运行：${reason}` : `文件无法使用，没有生成任何报告：${reason}`;
        setBusy(false);
        return;
      }
      render(body);
      timer = setTimeout(() => poll(body.id), POLL_MS);
    } catch (error) {
      ui.status.textContent = `上传失败：${error.message}`;
      setBusy(false);
    }
  });

  return {
    setTemplate(next) {
      template = next;
      ui.templateName.textContent = `${next.title}（${next.id}）`;
      ui.example.href = `/playground/templates/${encodeURIComponent(next.id)}/example.jsonl`;
      setBusy(Boolean(job && !isFinished(job)));
    },
  };
}
