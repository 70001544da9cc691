// The batch tab: upload an items file (.xlsx / .csv / .jsonl / .json), watch each county's state
// while the dev server renders them, read the manifest as a table (failures highlighted, with the
// reason), and download the ZIP and the bound volume. Progress is polled.
//
// A clerk may leave and come back: the last batch of each template is remembered in this browser
// (localStorage) and reattached on load, running or finished, and the server's list of batches
// offers the others. A batch can be cancelled (what was finished is kept), and the counties
// without a PDF re-run or downloaded as rows to fix.

import { fieldMessage, formatBytes, formatSeconds } from './messages.js';

const POLL_MS = 500;
/** A failed poll (server restarting, laptop asleep) is tried again, this much later, a few times. */
const RETRY_MS = 2000;
const MAX_POLL_FAILURES = 15;

const STATUS_TEXT = {
  pending: '等待',
  rendering: '生成中…',
  ok: '完成',
  failed: '失败',
  skipped: '已是最新',
  not_done: '未生成',
};

const PHASE_TEXT = {
  rendering: '生成中',
  packing: '打包中',
  binding: '装订中',
  done: '完成',
  cancelled: '已取消',
  failed: '中断',
};

const COLUMNS = ['序号', '县', '状态', '页数', '大小', '用时', '说明'];

const $ = (id) => document.getElementById(id);

/** The last batch of a template, per browser: what a reload reattaches to. */
const LAST_BATCH_KEY = (templateId) => `pdf-export.playground.batch.${templateId}`;

function readLast(templateId) {
  try {
    return localStorage.getItem(LAST_BATCH_KEY(templateId)) ?? undefined;
  } catch {
    return undefined;
  }
}

function writeLast(templateId, id) {
  try {
    if (id) localStorage.setItem(LAST_BATCH_KEY(templateId), id);
    else localStorage.removeItem(LAST_BATCH_KEY(templateId));
  } catch {
    // Private windows may refuse storage; the batch is still shown, only not found after a reload.
  }
}

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

function itemNote(item, view) {
  if (item.status === 'not_done') return view.phase === 'cancelled' ? '批次已取消，未生成' : '未生成';
  if (!item.error) return item.title ?? '';
  if (item.error.details?.length) return `数据有误：${item.error.details.map(detailText).join('；')}`;
  return item.error.message;
}

/** Seconds left, as a clerk says it: 不到 10 秒, 约 25 秒, 约 1 分 20 秒, 约 3 分钟, 约 1 小时 5 分. */
export function formatEta(seconds) {
  if (seconds < 10) return '不到 10 秒';
  if (seconds < 60) return `约 ${Math.round(seconds / 5) * 5} 秒`;
  if (seconds < 3600) {
    let minutes = Math.floor(seconds / 60);
    let rest = Math.round((seconds % 60) / 10) * 10;
    if (rest === 60) {
      minutes += 1;
      rest = 0;
    }
    return rest === 0 ? `约 ${minutes} 分钟` : `约 ${minutes} 分 ${rest} 秒`;
  }
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return minutes === 0 ? `约 ${hours} 小时` : `约 ${hours} 小时 ${minutes} 分`;
}

const isFinished = (view) => view.phase === 'done' || view.phase === 'failed' || view.phase === 'cancelled';

/** 2024-11-28T14:15:30Z → 14:15 (today) or 11月28日 14:15. */
function shortTime(iso) {
  const d = new Date(iso);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return d.toDateString() === new Date().toDateString() ? hm : `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
}

async function readError(response) {
  const body = await response.json().catch(() => undefined);
  return body?.error ?? { code: `HTTP_${response.status}`, message: `服务器答复 ${response.status}`, details: [] };
}

export function createBatchPanel() {
  const ui = {
    tab: $('tab-batch'),
    templateName: $('batch-template'),
    sheet: $('batch-sheet'),
    example: $('batch-example'),
    file: $('batch-file'),
    volume: $('batch-volume'),
    start: $('batch-start'),
    recent: $('batch-recent'),
    recentSelect: $('batch-recent-select'),
    alert: $('batch-alert'),
    box: $('batch-progress-box'),
    status: $('batch-status'),
    progress: $('batch-progress'),
    phase: $('batch-phase'),
    eta: $('batch-eta'),
    cancel: $('batch-cancel'),
    rerun: $('batch-rerun'),
    failedRows: $('batch-failed-rows'),
    downloads: $('batch-downloads'),
    tableWrap: $('batch-table-wrap'),
    table: $('batch-table'),
    body: $('batch-table').querySelector('tbody'),
    onlyFailed: $('batch-only-failed'),
    onlyFailedLabel: $('batch-only-failed-label'),
    filterEmpty: $('batch-filter-empty'),
  };
  let template;
  /** The batch shown, as last read from the server. */
  let job;
  let timer;
  let rows = [];
  let pollFailures = 0;
  /** `#batch=<id>`: a link to a batch (the refusal's link, opened in a new tab) is followed once. */
  let linked = /(?:^#|&)batch=([^&]+)/.exec(location.hash)?.[1];

  const setBusy = () => {
    const running = Boolean(job && !isFinished(job));
    ui.start.disabled = running || !ui.file.files?.length || !template;
    ui.table.setAttribute('aria-busy', String(running));
  };

  ui.file.addEventListener('change', setBusy);

  function link(href, text, download) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    a.className = 'button';
    if (download) a.setAttribute('download', '');
    return a;
  }

  /** A problem that concerns the page, not one county: a refused file, a batch already running. */
  function showAlert(text, lines = [], action) {
    const p = document.createElement('p');
    p.textContent = text;
    const parts = [p];
    if (lines.length > 0) {
      const ul = document.createElement('ul');
      ul.append(...lines.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
      parts.push(ul);
    }
    if (action) parts.push(action);
    ui.alert.replaceChildren(...parts);
    ui.alert.hidden = false;
  }

  function clearAlert() {
    ui.alert.hidden = true;
    ui.alert.replaceChildren();
  }

  function applyFilter() {
    const failed = job ? job.counts.failed : 0;
    ui.onlyFailedLabel.textContent = `只看失败的县（${failed}）`;
    ui.table.classList.toggle('only-failed', ui.onlyFailed.checked);
    ui.filterEmpty.hidden = !(ui.onlyFailed.checked && failed === 0);
  }

  ui.onlyFailed.addEventListener('change', applyFilter);

  function renderRows(view) {
    if (rows.length !== view.items.length || ui.body.dataset.job !== view.id) {
      ui.body.dataset.job = view.id;
      rows = view.items.map(() => {
        const tr = document.createElement('tr');
        for (let i = 0; i < COLUMNS.length; i++) {
          const cell = document.createElement(i === 1 ? 'th' : 'td');
          // The phone layout shows each row as a card, each cell with its column's name.
          cell.dataset.label = COLUMNS[i];
          tr.append(cell);
        }
        tr.children[1].setAttribute('scope', 'row');
        return tr;
      });
      ui.body.replaceChildren(...rows);
    }
    view.items.forEach((item, i) => {
      const tr = rows[i];
      const key = `${item.status}|${item.file}|${item.error ? 1 : 0}|${view.phase === 'cancelled'}`;
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
      ms.textContent = item.ms === null || item.status === 'not_done' ? '' : formatSeconds(item.ms);
      note.textContent = item.status === 'failed' ? `${whereText(item.where)}：${itemNote(item, view)}` : itemNote(item, view);
    });
  }

  function renderActions(view) {
    ui.cancel.hidden = view.phase !== 'rendering';
    ui.cancel.disabled = view.cancelRequested;
    ui.cancel.textContent = view.cancelRequested ? '正在取消…' : '取消批次';
    const { failed, notDone } = view.unfinished;
    const count = failed + notDone;
    ui.rerun.hidden = count === 0;
    ui.failedRows.hidden = count === 0;
    if (count === 0) return;
    ui.rerun.textContent =
      notDone === 0 ? `重新生成失败的 ${failed} 个县` : failed === 0 ? `生成其余未生成的 ${notDone} 个县` : `重新生成未完成的 ${count} 个县（失败 ${failed}，未生成 ${notDone}）`;
    ui.rerun.title = '用同样的数据再生成一次，适合打印出错或超时的县；数据有误的县请下载它们的行，改好后重新上传。';
    ui.failedRows.href = `/playground/batches/${view.id}/failed-rows`;
    ui.failedRows.textContent = `下载${notDone === 0 ? '失败' : '未完成'}的 ${count} 行（.${view.format}），改好后重新上传`;
  }

  function render(view) {
    job = view;
    const { total, done, ok, failed, skipped, notDone } = view.counts;
    ui.box.hidden = false;
    ui.tableWrap.hidden = false;
    ui.box.dataset.phase = view.phase;
    ui.box.dataset.job = view.id;
    ui.progress.max = total;
    ui.progress.value = done;
    const tally = `成功 ${ok}，失败 ${failed}${skipped ? `，已是最新 ${skipped}` : ''}`;
    const seconds = view.finishedAt ? (Date.parse(view.finishedAt) - Date.parse(view.startedAt)) / 1000 : 0;
    const rate = seconds > 0 && ok > 0 ? `，${(ok / seconds).toFixed(1)} 份/秒` : '';
    const rerun = view.rerunOf ? `重新生成（批次 ${view.rerunOf} 中未完成的县）：` : '';
    const phase = {
      rendering: view.cancelRequested
        ? `正在取消：等正在生成的几份完成，其余不再生成（${done} / ${total}，${tally}）`
        : `正在生成：${done} / ${total}（${tally}）`,
      packing: `正在打包 ZIP…（${tally}）`,
      binding: `正在装订合订本…（${tally}）`,
      done: `完成：共 ${total} 个县，${tally}。`,
      cancelled: `已取消：共 ${total} 个县，已生成 ${ok + skipped}，失败 ${failed}，未生成 ${notDone}。已完成的部分可以下载。`,
      failed: `批次中断：${view.error?.message ?? ''}（${tally}）`,
    }[view.phase];
    const detail = isFinished(view) && view.phase !== 'failed' ? `${rerun}生成用时 ${seconds.toFixed(1)} 秒${rate}；文件来源：${view.source}` : `${rerun}${phase}`;
    // The live region speaks at the start and the end; the progress bar shows the rest.
    if (isFinished(view) || ui.status.dataset.job !== view.id || ui.status.dataset.cancel !== String(view.cancelRequested)) {
      ui.status.dataset.job = view.id;
      ui.status.dataset.cancel = String(view.cancelRequested);
      ui.status.textContent = view.phase === 'rendering' && !view.cancelRequested ? `开始生成：${view.source}，${total} 个县。` : phase;
    }
    ui.progress.setAttribute('aria-valuetext', phase);
    ui.progress.title = phase;
    ui.phase.textContent = detail;
    ui.eta.textContent = view.etaSeconds === null ? '' : `预计还需${formatEta(view.etaSeconds)}`;
    renderRows(view);
    renderActions(view);
    applyFilter();
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
    setBusy();
  }

  /** Hides the batch shown (another template's, or one the server no longer has). */
  function detach() {
    clearTimeout(timer);
    job = undefined;
    rows = [];
    ui.box.hidden = true;
    ui.tableWrap.hidden = true;
    ui.body.replaceChildren();
    ui.body.dataset.job = '';
    ui.status.textContent = '';
    ui.status.dataset.job = '';
    delete ui.box.dataset.job;
    delete ui.box.dataset.phase;
    setBusy();
  }

  async function poll(id) {
    clearTimeout(timer);
    let response;
    try {
      response = await fetch(`/playground/batches/${encodeURIComponent(id)}`);
    } catch {
      // The server may be restarting; the batch is then gone, which the next answer says.
      if (++pollFailures <= MAX_POLL_FAILURES) {
        ui.phase.textContent = '暂时读不到进度（服务器没有答复），正在重试…';
        timer = setTimeout(() => poll(id), RETRY_MS);
      } else {
        ui.status.textContent = '读不到进度：服务器没有答复。请检查 npm start 是否还在运行，然后刷新页面。';
      }
      return;
    }
    if (job && job.id !== id) return;
    pollFailures = 0;
    if (response.status === 404) {
      if (job) writeLast(job.template, undefined);
      ui.status.textContent = '服务器已经重新启动，这个批次不再保留：已生成的文件仍在 .playground/batches/ 下。';
      ui.eta.textContent = '';
      ui.cancel.hidden = true;
      return;
    }
    if (!response.ok) {
      ui.status.textContent = `读不到进度：${(await readError(response)).message}`;
      return;
    }
    const view = await response.json();
    const wasRunning = job && !isFinished(job);
    render(view);
    if (!isFinished(view)) timer = setTimeout(() => poll(id), POLL_MS);
    else if (wasRunning) refreshRecent();
  }

  /** Shows batch `id` and follows it while it runs. Quietly forgets an id the server no longer has. */
  async function attach(id) {
    clearTimeout(timer);
    let response;
    try {
      response = await fetch(`/playground/batches/${encodeURIComponent(id)}`);
    } catch {
      return false;
    }
    if (!response.ok) {
      if (template && readLast(template.id) === id) writeLast(template.id, undefined);
      return false;
    }
    const view = await response.json();
    rows = [];
    render(view);
    writeLast(view.template, view.id);
    ui.recentSelect.value = view.id;
    if (!isFinished(view)) timer = setTimeout(() => poll(view.id), POLL_MS);
    return true;
  }

  /** The batches the server holds, newest first, to go back to any of them. */
  async function refreshRecent() {
    let batches = [];
    try {
      const response = await fetch('/playground/batches');
      if (response.ok) ({ batches } = await response.json());
    } catch {
      return [];
    }
    ui.recent.hidden = batches.length === 0;
    const options = batches.map((b) => {
      const option = document.createElement('option');
      option.value = b.id;
      const counts = b.counts.failed > 0 ? `成功 ${b.counts.ok}，失败 ${b.counts.failed}` : `${b.counts.ok + b.counts.skipped} / ${b.counts.total}`;
      option.textContent = `${shortTime(b.startedAt)} · ${b.templateTitle} · ${b.source} · ${PHASE_TEXT[b.phase] ?? b.phase}（${counts}）`;
      return option;
    });
    const none = Object.assign(document.createElement('option'), { value: '', textContent: '— 选择一个批次查看 —' });
    ui.recentSelect.replaceChildren(none, ...options);
    ui.recentSelect.value = job && batches.some((b) => b.id === job.id) ? job.id : '';
    return batches;
  }

  ui.recentSelect.addEventListener('change', () => {
    const id = ui.recentSelect.value;
    if (id) {
      clearAlert();
      attach(id);
    }
  });

  /** A link that shows batch `id` here (and, opened in a new tab, there). */
  function batchLink(id, text) {
    const a = document.createElement('a');
    a.href = `#batch=${encodeURIComponent(id)}`;
    a.textContent = text;
    a.className = 'batch-link';
    a.addEventListener('click', (event) => {
      event.preventDefault();
      clearAlert();
      attach(id);
    });
    return a;
  }

  /** 503 while another batch runs: the server's words, and a link to that batch. */
  async function refusedBusy(error) {
    const batches = await refreshRecent();
    const running = batches.find((b) => !isFinished(b)) ?? batches[0];
    const action = running ? batchLink(running.id, `查看正在运行的批次：${running.templateTitle} · ${running.source}`) : undefined;
    showAlert(error.message, [], action);
  }

  /** Starts a batch (an upload or a re-run) and follows it; a refusal is shown as the server said it. */
  async function launch(request, what) {
    clearAlert();
    ui.start.disabled = true;
    let response;
    try {
      response = await fetch(request.url, request.init);
    } catch (error) {
      showAlert(`${what}失败：服务器没有答复（${error.message}）。请检查 npm start 是否还在运行。`);
      setBusy();
      return;
    }
    if (response.status !== 202) {
      const error = await readError(response);
      if (response.status === 503 && error.code === 'RENDERER_BUSY') await refusedBusy(error);
      else if (request.upload) {
        // The reason as the parser wrote it (header problems name the columns), and each detail.
        showAlert(`文件无法使用，没有生成任何报告：${error.message}`, (error.details ?? []).map((d) => (d.path ? `${d.path}：${d.message}` : d.message)));
      } else showAlert(`${what}失败：${error.message}`);
      setBusy();
      return;
    }
    const view = await response.json();
    ui.onlyFailed.checked = false;
    rows = [];
    render(view);
    writeLast(view.template, view.id);
    refreshRecent();
    timer = setTimeout(() => poll(view.id), POLL_MS);
  }

  ui.start.addEventListener('click', async () => {
    const file = ui.file.files?.[0];
    if (!file || !template) return;
    clearTimeout(timer);
    const query = new URLSearchParams({ template: template.id, name: file.name, volume: ui.volume.checked ? '1' : '0' });
    await launch(
      {
        url: `/playground/batches?${query}`,
        init: { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: await file.arrayBuffer() },
        upload: true,
      },
      '上传',
    );
  });

  ui.rerun.addEventListener('click', async () => {
    if (!job) return;
    const from = job.id;
    ui.rerun.disabled = true;
    await launch({ url: `/playground/batches/${from}/rerun`, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' } }, '重新生成');
    ui.rerun.disabled = false;
  });

  ui.cancel.addEventListener('click', async () => {
    if (!job || isFinished(job)) return;
    ui.cancel.disabled = true;
    ui.cancel.textContent = '正在取消…';
    try {
      const response = await fetch(`/playground/batches/${job.id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (response.ok) render(await response.json());
      else showAlert(`取消失败：${(await readError(response)).message}`);
    } catch (error) {
      showAlert(`取消失败：服务器没有答复（${error.message}）。`);
    }
  });

  return {
    setTemplate(next) {
      template = next;
      ui.templateName.textContent = next.title;
      ui.sheet.href = `/playground/templates/${encodeURIComponent(next.id)}/sheet.xlsx`;
      ui.example.href = `/playground/templates/${encodeURIComponent(next.id)}/example.jsonl`;
      const followLink = linked !== undefined;
      const wanted = linked ?? readLast(next.id);
      linked = undefined;
      refreshRecent();
      if (job && (job.id === wanted || (!wanted && job.template === next.id))) {
        setBusy();
        return;
      }
      if (!wanted) {
        if (job && job.template !== next.id) detach();
        setBusy();
        return;
      }
      attach(wanted).then((found) => {
        if (!found && job && job.template !== next.id) detach();
        // A link to a batch opens the batch tab; a reattached batch waits there quietly.
        if (found && followLink) ui.tab?.click();
      });
      setBusy();
    },
  };
}
