// The playground page: pick a template, edit its data in a generated form (or as raw JSON) and
// see the PDF re-rendered shortly after typing stops. Talks only to the HTTP API of `npm start`
// (GET /templates, POST /reports, GET /reports/{id}) and the dev server's /playground/ routes.
//
// What the page promises a clerk:
// - the preview and 下载 PDF are "current" only while every field holds what it shows: a number
//   that does not read as one, or raw JSON that is not applied, keeps the last PDF marked stale;
// - nothing they typed is replaced without asking first (载入示例, 打开文件, 打开草稿), and every
//   replacement can be undone (撤销, Ctrl+Z);
// - named drafts per template in this browser, and one county's data saved and opened as a file.

import { createBatchPanel } from './batch.js';
import { errorText, fieldMessage, formatBytes, formatSeconds, jsonProblem } from './messages.js';
import { createSchemaForm } from './schemaForm.js';

const RENDER_DELAY_MS = 450;
const JSON_DELAY_MS = 300;
const UNDO_LIMIT = 30;
const DRAFT_KEY = (id) => `pdf-export.playground.draft.${id}`;
const DRAFTS_KEY = (id) => `pdf-export.playground.drafts.${id}`;
/** What is typed in number fields that do not read as numbers: kept with the autosave, not in the data. */
const TEXTS_KEY = (id) => `pdf-export.playground.draft-texts.${id}`;

const $ = (id) => document.getElementById(id);

const ui = {
  templateSelect: $('template-select'),
  sampleSelect: $('sample-select'),
  sampleLoad: $('sample-load'),
  description: $('template-description'),
  form: $('report-form'),
  nav: $('section-nav'),
  summary: $('error-summary'),
  summaryTitle: $('error-summary-title'),
  summaryList: $('error-summary-list'),
  rename: $('rename-notice'),
  renameTitle: $('rename-title'),
  renameList: $('rename-list'),
  renameFix: $('rename-fix'),
  renameIgnore: $('rename-ignore'),
  jsonText: $('json-text'),
  jsonStatus: $('json-status'),
  jsonGoto: $('json-goto'),
  jsonHint: $('json-hint-box'),
  jsonHintText: $('json-hint-text'),
  jsonUse: $('json-use'),
  jsonErrors: $('json-errors'),
  undo: $('undo'),
  redo: $('redo'),
  dataNote: $('data-note'),
  draftsOpen: $('drafts-open'),
  draftsDialog: $('drafts-dialog'),
  draftName: $('draft-name'),
  draftSave: $('draft-save'),
  draftsList: $('drafts-list'),
  draftsEmpty: $('drafts-empty'),
  draftsStatus: $('drafts-status'),
  draftsClose: $('drafts-close'),
  fileOpen: $('file-open'),
  fileDialog: $('file-dialog'),
  saveJson: $('save-json'),
  saveXlsx: $('save-xlsx'),
  openFile: $('open-file'),
  openFileInput: $('open-file-input'),
  fileStatus: $('file-status'),
  fileClose: $('file-close'),
  confirmDialog: $('confirm-dialog'),
  confirmTitle: $('confirm-title'),
  confirmText: $('confirm-text'),
  confirmOk: $('confirm-ok'),
  confirmCancel: $('confirm-cancel'),
  pickDialog: $('pick-dialog'),
  pickText: $('pick-text'),
  pickList: $('pick-list'),
  pickCancel: $('pick-cancel'),
  preview: $('preview'),
  previewTitle: $('preview-title'),
  renderStatus: $('render-status'),
  staleNote: $('preview-stale'),
  stats: $('stats'),
  statPages: $('stat-pages'),
  statBytes: $('stat-bytes'),
  statTime: $('stat-time'),
  download: $('download'),
  openPreview: $('open-preview'),
  frame: $('preview-frame'),
  frameBox: $('preview-frame-box'),
  fallback: $('preview-fallback'),
  empty: $('preview-empty'),
  main: $('main'),
  jumpPreview: $('jump-preview'),
  jumpState: $('jump-state'),
  backToForm: $('back-to-form'),
};

const state = {
  template: undefined,
  form: undefined,
  seq: 0,
  controller: undefined,
  timer: undefined,
  jsonTimer: undefined,
  /** the JSON text was edited and not (yet) applied to the form */
  jsonDirty: false,
  /** why the JSON text cannot be applied ('syntax', 'shape', 'batch'), undefined when it can */
  jsonBroken: undefined,
  /** the JSON tab's "use the data of this batch line" action */
  jsonOffer: undefined,
  jsonSession: 0,
  report: undefined,
  /** the template's samples: [{name, label, data}] */
  samples: [],
  /** per template id: {undo: [], redo: []} of {data, origin, label, session} */
  stacks: new Map(),
  /** where the data came from: {kind: 'sample'|'draft'|'file'|'autosave'|'json'|'undo', label} */
  origin: { kind: 'sample', label: '' },
  originJson: '',
  /** the county name's pointer in this template, its last committed value and earlier names */
  namePointer: undefined,
  nameCommitted: '',
  oldNames: [],
  lastField: undefined,
};

// ---------------------------------------------------------------- small helpers

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `HTTP ${response.status}`);
    error.code = body?.error?.code;
    throw error;
  }
  return body;
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const clone = (value) => (value === undefined || value === null ? {} : JSON.parse(JSON.stringify(value)));

/** JSON with sorted keys: the same data gives the same text whatever order fields were typed in. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** The county's name in a template's data: `county.name`, or `county` itself when it is text. */
function countyNameOf(data) {
  if (!isObject(data)) return undefined;
  const county = data.county;
  const name = isObject(county) ? county.name : county;
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
}

const hasCjk = (text) => /[\u3400-\u9fff]/.test(String(text ?? ''));

/**
 * Why one row of an opened file cannot be used, in Chinese: the rows route answers
 * `{code, message, details}` (details by field path), the page's own reader a sentence.
 */
function problemText(problem) {
  if (!problem) return '';
  if (typeof problem === 'string') return hasCjk(problem) ? problem : '这一行无法读取';
  const details = Array.isArray(problem.details) ? problem.details : [];
  if (details.length > 0) {
    return details
      .slice(0, 3)
      .map((d) => `${d.path && state.form ? state.form.titles(String(d.path)).join(' › ') : '整行'}：${fieldMessage(d.message)}`)
      .join('；') + (details.length > 3 ? `；另有 ${details.length - 3} 处` : '');
  }
  return hasCjk(problem.message) ? problem.message : '这一行无法读取';
}

/** `line 3` / `row 4` / `item 2` → 第 3 行 / 第 4 行 / 第 2 条 */
function whereText(where) {
  const m = /^(line|row|item) (\d+)$/.exec(String(where ?? ''));
  if (!m) return String(where ?? '');
  return m[1] === 'item' ? `第 ${m[2]} 条` : `第 ${m[2]} 行`;
}

function nowText() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fileStem() {
  const name = countyNameOf(state.form.getData()) ?? state.template.title;
  return `${name}-报告数据`.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
}

function downloadBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function note(text) {
  // The data note is a status region: replacements and undos are announced.
  ui.dataNote.textContent = text;
}

// ---------------------------------------------------------------- dialogs

/** Asks a yes/no question in the page's own dialog; resolves true for the OK button. */
function ask({ title, text, ok }) {
  ui.confirmTitle.textContent = title;
  ui.confirmText.textContent = text;
  ui.confirmOk.textContent = ok;
  return new Promise((resolve) => {
    const done = () => {
      ui.confirmDialog.removeEventListener('close', done);
      resolve(ui.confirmDialog.returnValue === 'ok');
    };
    ui.confirmDialog.returnValue = '';
    ui.confirmDialog.addEventListener('close', done);
    ui.confirmDialog.showModal();
    ui.confirmCancel.focus();
  });
}
ui.confirmOk.addEventListener('click', () => ui.confirmDialog.close('ok'));
ui.confirmCancel.addEventListener('click', () => ui.confirmDialog.close('cancel'));

/** Lets the clerk choose one of several counties (a file or a paste with more than one). */
function pick(items, text) {
  ui.pickText.textContent = text;
  return new Promise((resolve) => {
    let chosen;
    ui.pickList.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'secondary';
        const name = countyNameOf(item.data) ?? (item.id !== undefined ? String(item.id) : '（无县名）');
        button.textContent = [name, item.where ? whereText(item.where) : ''].filter(Boolean).join(' · ');
        button.disabled = !isObject(item.data);
        button.addEventListener('click', () => {
          chosen = item;
          ui.pickDialog.close('ok');
        });
        li.append(button);
        if (item.problem) {
          const problem = document.createElement('span');
          problem.className = 'pick-problem';
          problem.textContent = problemText(item.problem);
          li.append(problem);
        }
        return li;
      }),
    );
    const done = () => {
      ui.pickDialog.removeEventListener('close', done);
      resolve(chosen);
    };
    ui.pickDialog.addEventListener('close', done);
    ui.pickDialog.showModal();
    ui.pickList.querySelector('button:not([disabled])')?.focus();
  });
}
ui.pickCancel.addEventListener('click', () => ui.pickDialog.close('cancel'));

// ---------------------------------------------------------------- status of the preview

/** While the PDF does not match the form (typing, rendering, invalid), it cannot be downloaded. */
function setLinksEnabled(enabled) {
  for (const link of [ui.download, ui.openPreview]) {
    if (enabled && link.dataset.href) {
      link.href = link.dataset.href;
      link.removeAttribute('aria-disabled');
    } else {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
    }
  }
}

const JUMP_TEXT = { ready: '预览已更新', pending: '等待更新', busy: '正在生成', invalid: '预览未更新', error: '预览未更新' };

function setStatus(kind, text) {
  ui.preview.dataset.renderState = kind;
  // Rewriting the same words would make screen readers announce them again at every keystroke.
  if (ui.renderStatus.textContent !== text) ui.renderStatus.textContent = text;
  ui.renderStatus.className = `render-status ${kind}`;
  setLinksEnabled(kind === 'ready');
  // The last good PDF stays in view, visibly not the current data.
  const stale = Boolean(state.report) && (kind === 'invalid' || kind === 'error');
  ui.frameBox.classList.toggle('stale', stale);
  ui.staleNote.hidden = !stale;
  ui.stats.classList.toggle('stale', Boolean(state.report) && kind !== 'ready');
  ui.jumpPreview.dataset.state = kind;
  ui.jumpState.textContent = JUMP_TEXT[kind] ?? '';
}

const staleTail = () => (state.report ? '：下面是上一版 PDF，不能下载。' : '：改正后才会生成 PDF。');

/** Why the preview cannot be current now, or undefined: {kind, text}. */
function blocked() {
  if (!state.form) return undefined;
  const bad = state.form.localErrors();
  if (bad.length > 0) {
    const first = bad[0];
    if (bad.every((entry) => !entry.shown)) return { kind: 'pending', text: `“${first.label}”的数字还没写完，预览暂不更新。` };
    const which = bad.length === 1 ? `“${first.label}”里的“${first.text}”不是有效的数字` : `${bad.length} 个数字栏的内容不是有效的数字`;
    return { kind: 'invalid', text: `${which}，预览未更新${staleTail()}` };
  }
  if (state.jsonBroken) return { kind: 'invalid', text: `“原始 JSON”页的内容有错误、尚未应用，预览未更新${staleTail()}` };
  return undefined;
}

// ---------------------------------------------------------------- tabs (WAI-ARIA tabs pattern)

const tabs = [...document.querySelectorAll('[role="tab"]')];

function syncJsonText() {
  if (!state.form) return;
  ui.jsonText.value = JSON.stringify(state.form.getData(), null, 2);
  state.jsonDirty = false;
  state.jsonBroken = undefined;
  showJsonStatus('', '');
  showJsonHint(undefined);
}

function activateTab(tab, { focus = false } = {}) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  ui.main.dataset.mode = tab.id === 'tab-batch' ? 'batch' : 'single';
  if (tab.id === 'tab-json' && !state.jsonDirty && state.form) syncJsonText();
}

for (const tab of tabs) {
  tab.addEventListener('click', () => activateTab(tab));
  tab.addEventListener('keydown', (event) => {
    const i = tabs.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    activateTab(tabs[(next + tabs.length) % tabs.length], { focus: true });
  });
}

// ---------------------------------------------------------------- rendering

function cancelPending() {
  clearTimeout(state.timer);
  // A render of data the user has since changed is stale: stop waiting for it.
  state.controller?.abort();
  state.controller = undefined;
}

function scheduleRender(delay = RENDER_DELAY_MS) {
  cancelPending();
  const block = blocked();
  if (block) {
    setStatus(block.kind, block.text);
    return;
  }
  setStatus('pending', '停止输入后更新预览…');
  state.timer = setTimeout(renderNow, delay);
}

async function renderNow() {
  cancelPending();
  const block = blocked();
  if (block) {
    setStatus(block.kind, block.text);
    return;
  }
  const seq = ++state.seq;
  const controller = new AbortController();
  state.controller = controller;
  setStatus('busy', '正在生成 PDF…');
  const started = performance.now();
  let response;
  let body;
  try {
    response = await fetch('/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: state.template.id, data: state.form.getData() }),
      signal: controller.signal,
    });
    body = await response.json().catch(() => undefined);
  } catch {
    if (controller.signal.aborted || seq !== state.seq) return;
    setStatus('error', '连不上本地服务：`npm start` 还在运行吗？');
    return;
  }
  // A newer edit, or a new render, has taken over: this answer is about old data.
  if (seq !== state.seq || controller.signal.aborted) return;
  state.controller = undefined;
  const ms = performance.now() - started;
  if (response.status === 201) {
    showReport(body, ms, response.headers.get('x-report-cache'));
  } else if (response.status === 422) {
    showProblems(body?.error?.details ?? []);
  } else if (response.status === 503) {
    const wait = Number(response.headers.get('retry-after')) || 2;
    setStatus('error', `${errorText(body?.error?.code, body?.error?.message)}（${wait} 秒后）`);
    state.timer = setTimeout(renderNow, wait * 1000);
  } else {
    setStatus('error', errorText(body?.error?.code ?? `HTTP ${response.status}`, body?.error?.message ?? ''));
    ui.renderStatus.title = body?.error?.message ?? '';
  }
}

function showReport(report, ms, cache) {
  state.report = report;
  state.form.clearErrors();
  ui.renderStatus.title = '';
  const previewUrl = `/playground/reports/${encodeURIComponent(report.id)}.pdf`;
  Object.assign(ui.preview.dataset, {
    reportId: report.id,
    pdfUrl: report.url,
    previewUrl,
    pages: String(report.pages),
    bytes: String(report.bytes),
    sha256: report.sha256,
  });
  ui.stats.hidden = false;
  ui.statPages.textContent = `${report.pages} 页`;
  ui.statBytes.textContent = formatBytes(report.bytes);
  const fromCache = cache === 'hit';
  ui.statTime.textContent = `${formatSeconds(ms)}${fromCache ? '（未变化，取自缓存）' : ''}`;
  ui.download.dataset.href = report.url;
  ui.openPreview.dataset.href = previewUrl;
  ui.empty.hidden = true;
  if (navigator.pdfViewerEnabled === false) {
    ui.fallback.hidden = false;
    ui.frame.hidden = true;
  } else {
    ui.frame.hidden = false;
    if (ui.frame.dataset.reportId !== report.id) {
      ui.frame.dataset.reportId = report.id;
      ui.frame.src = `${previewUrl}#view=FitH&navpanes=0`;
    }
  }
  // Never "current" while something the clerk typed is not in the data that was rendered.
  const block = blocked();
  if (block) setStatus(block.kind, block.text);
  else setStatus('ready', `预览已更新：${report.pages} 页，${formatBytes(report.bytes)}，用时 ${formatSeconds(ms)}${fromCache ? '（未变化）' : ''}。`);
}

function showProblems(details) {
  const entries = state.form.showErrors(details);
  setStatus('invalid', `数据有 ${entries.length} 处问题，预览未更新：请看标红的字段。`);
}

/** The summary above the form and the list in the JSON tab: every problem, in Chinese titles. */
function renderSummary() {
  const entries = state.form.problems();
  if (entries.length === 0) {
    ui.summary.hidden = true;
    ui.summaryList.replaceChildren();
    ui.jsonErrors.replaceChildren();
    return;
  }
  const goTo = (entry) => (event) => {
    event.preventDefault();
    activateTab($('tab-form'));
    state.form.focusPath(entry.path);
  };
  ui.summaryTitle.textContent = `数据有 ${entries.length} 处问题，预览未更新`;
  ui.summaryList.replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = entry.targetId ? `#${entry.targetId}` : '#';
      link.textContent = `${entry.label}：${entry.message}`;
      link.addEventListener('click', goTo(entry));
      item.append(link);
      return item;
    }),
  );
  ui.summary.hidden = false;
  // In the JSON tab, where the form is out of sight: the whole way to the field, by its titles.
  ui.jsonErrors.replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement('li');
      const where = document.createElement('strong');
      where.textContent = entry.where;
      item.append(where, `：${entry.detail}`);
      if (entry.targetId) {
        const link = document.createElement('a');
        link.href = `#${entry.targetId}`;
        link.textContent = '到表单中修改';
        link.className = 'json-error-link';
        link.addEventListener('click', goTo(entry));
        item.append(' ', link);
      }
      return item;
    }),
  );
}

// The signed link expires (1 h by default): ask for a fresh one if it has.
ui.download.addEventListener('click', async (event) => {
  const report = state.report;
  if (!report || ui.download.getAttribute('aria-disabled') === 'true') {
    event.preventDefault();
    return;
  }
  if (Date.parse(report.expiresAt) - Date.now() > 30_000) return;
  event.preventDefault();
  try {
    state.report = await getJson(`/reports/${encodeURIComponent(report.id)}`);
    ui.download.dataset.href = state.report.url;
    ui.download.href = state.report.url;
    ui.preview.dataset.pdfUrl = state.report.url;
    window.location.assign(state.report.url);
  } catch {
    setStatus('error', '下载链接已过期，且无法更新：请稍后再试。');
  }
});

/** Enter (or Ctrl+Enter anywhere): render at once; unreadable numbers are marked instead. */
function renderImmediately() {
  if (state.form.hasLocalErrors()) {
    state.form.revealLocalErrors();
    scheduleRender();
    return;
  }
  if (state.jsonDirty) applyJsonText({ now: true });
  else renderNow();
}

ui.form.addEventListener('keydown', (event) => {
  // Not while an input method is composing: there Enter picks the characters.
  if (event.key !== 'Enter' || event.isComposing || event.keyCode === 229) return;
  // Ctrl+Enter is the page-wide shortcut, handled once, on the document.
  if (event.ctrlKey || event.metaKey) return;
  const target = event.target;
  if (target.tagName !== 'INPUT' || target.type === 'checkbox') return;
  event.preventDefault();
  renderImmediately();
});
ui.form.addEventListener('submit', (event) => event.preventDefault());

// ---------------------------------------------------------------- data: replace, undo, autosave

function stacks() {
  const id = state.template.id;
  if (!state.stacks.has(id)) state.stacks.set(id, { undo: [], redo: [] });
  return state.stacks.get(id);
}

function snapshot(label, session) {
  return { data: clone(state.form.getData()), origin: { ...state.origin }, originJson: state.originJson, label, session };
}

function updateUndoButtons() {
  const { undo, redo } = stacks();
  const last = undo[undo.length - 1];
  ui.undo.disabled = !last;
  ui.undo.textContent = last ? `撤销：${last.label}` : '撤销';
  ui.undo.title = last ? `恢复“${last.label}”之前的数据（Ctrl+Z）` : '没有可撤销的替换';
  const next = redo[redo.length - 1];
  ui.redo.hidden = !next;
  ui.redo.disabled = !next;
  ui.redo.textContent = next ? `重做：${next.label}` : '重做';
}

function pushUndo(label, session) {
  const { undo } = stacks();
  undo.push(snapshot(label, session));
  if (undo.length > UNDO_LIMIT) undo.shift();
  stacks().redo = [];
  updateUndoButtons();
}

function saveDraft() {
  try {
    const id = state.template.id;
    localStorage.setItem(DRAFT_KEY(id), JSON.stringify(state.form.getData()));
    const texts = Object.fromEntries(state.form.localErrors().map((entry) => [entry.pointer, entry.text]));
    if (Object.keys(texts).length > 0) localStorage.setItem(TEXTS_KEY(id), JSON.stringify(texts));
    else localStorage.removeItem(TEXTS_KEY(id));
  } catch {
    // Private mode or full storage: drafts are a convenience only.
  }
}

function loadDraft(id) {
  try {
    const text = localStorage.getItem(DRAFT_KEY(id));
    const texts = JSON.parse(localStorage.getItem(TEXTS_KEY(id)) ?? '{}');
    return text ? { data: JSON.parse(text), texts: isObject(texts) ? texts : {} } : undefined;
  } catch {
    return undefined;
  }
}

const ORIGIN_TEXT = { sample: '示例', draft: '草稿', file: '文件', autosave: '上次编辑（自动保存）', json: '粘贴的 JSON', undo: '撤销后的数据' };

/** What just happened (a replacement, an undo), or else where the data came from. */
function updateDataNote(happened = '') {
  if (happened) {
    note(happened);
    return;
  }
  const name = countyNameOf(state.form.getData()) ?? '（未填县名）';
  const from = state.origin.label ? `${ORIGIN_TEXT[state.origin.kind] ?? ''}“${state.origin.label}”` : ORIGIN_TEXT[state.origin.kind] ?? '';
  const edited = canonical(state.form.getData()) !== state.originJson ? '，已修改' : '';
  note(`${name} · 来自${from}${edited} · 已自动保存`);
}

/** Puts data in the form as a whole (a sample, a file, a draft, an undo) and renders it. */
function applyData(data, origin) {
  state.form.setData(data);
  state.origin = origin;
  state.originJson = canonical(state.form.getData());
  resetRename();
  syncJsonText();
  saveDraft();
  updateUndoButtons();
  renderNow();
}

/** Replaces the data, keeping what it replaces for 撤销. */
function replaceData(data, { label, origin, session }) {
  pushUndo(label, session);
  applyData(data, origin);
  updateDataNote(`已${label}（可撤销）。`);
}

/** True when the current data would be lost: not a sample, not a named draft, not the new data. */
function wouldLose(incoming) {
  const now = canonical(state.form.getData());
  if (now === '{}' || now === canonical(incoming)) return false;
  if (state.samples.some((sample) => canonical(sample.data) === now)) return false;
  if (readDrafts().some((draft) => canonical(draft.data) === now)) return false;
  return true;
}

/** Asks before a replacement that would drop data kept nowhere else. */
async function confirmReplace(what, incoming) {
  if (!wouldLose(incoming)) return true;
  const name = countyNameOf(state.form.getData());
  return ask({
    title: '替换当前数据？',
    text: `${what}会替换表单中现在的数据（${name ? `${name}，` : ''}含未另存的修改）。替换后可以点“撤销”或按 Ctrl+Z 找回；也可以先取消，把现在的数据另存为草稿或文件。`,
    ok: '替换',
  });
}

function undo() {
  const { undo: undoStack, redo } = stacks();
  const entry = undoStack.pop();
  if (!entry) return;
  redo.push(snapshot(entry.label));
  applyData(entry.data, entry.origin);
  state.originJson = entry.originJson;
  updateDataNote(`已撤销：${entry.label}。`);
}

function redo() {
  const { undo: undoStack, redo: redoStack } = stacks();
  const entry = redoStack.pop();
  if (!entry) return;
  undoStack.push(snapshot(entry.label));
  applyData(entry.data, entry.origin);
  state.originJson = entry.originJson;
  updateDataNote(`已重做：${entry.label}。`);
}

ui.undo.addEventListener('click', undo);
ui.redo.addEventListener('click', redo);

/** Text fields undo their own typing; everywhere else Ctrl+Z undoes the last replacement. */
function handlesOwnUndo(target) {
  if (!target || target.isContentEditable) return true;
  if (target.tagName === 'TEXTAREA') return true;
  return target.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(target.type);
}

document.addEventListener('keydown', (event) => {
  if (!state.form || ui.main.dataset.mode === 'batch' || document.querySelector('dialog[open]')) return;
  if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
    event.preventDefault();
    renderImmediately();
    return;
  }
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
  const key = event.key.toLowerCase();
  const isUndo = key === 'z' && !event.shiftKey;
  const isRedo = (key === 'z' && event.shiftKey) || key === 'y';
  if ((!isUndo && !isRedo) || handlesOwnUndo(event.target)) return;
  event.preventDefault();
  if (isUndo) undo();
  else redo();
});

// ---------------------------------------------------------------- the county's name

/** `澄湾县` → `澄湾`: the part other fields use (实力澄湾, 澄湾县人民政府, 澄湾鲜). */
function stemOf(name) {
  const stem = name.replace(/(?:自治县|自治旗|县|市|区|旗)$/, '');
  return stem.length >= 2 ? stem : name;
}

function resetRename() {
  state.oldNames = [];
  state.nameCommitted = state.namePointer ? String(getValue(state.namePointer) ?? '') : '';
  checkRename();
}

function getValue(pointer) {
  let node = state.form.getData();
  for (const segment of pointer.split('/').slice(1)) node = node?.[segment];
  return node;
}

function nameChanged() {
  const now = String(getValue(state.namePointer) ?? '').trim();
  const before = state.nameCommitted;
  if (now === before) return;
  if (before && now) {
    state.oldNames = [...new Set([...state.oldNames, before])].filter((old) => old !== now);
  }
  state.nameCommitted = now;
  checkRename();
}

/** Fields that still say an old county name: [{entry, olds}] and the words to look for. */
function renameHits() {
  const now = state.nameCommitted;
  if (!now || state.oldNames.length === 0) return [];
  const nowStem = stemOf(now);
  const words = state.oldNames.flatMap((old) => {
    const stem = stemOf(old);
    // Renaming 澄湾县 to 澄湾市 leaves 澄湾 right everywhere: look for the full old name only.
    return stem !== old && stem !== nowStem && !nowStem.includes(stem) ? [old, stem] : [old];
  });
  return state.form
    .strings()
    .filter((entry) => entry.pointer !== state.namePointer)
    .map((entry) => ({ entry, found: words.filter((word) => entry.value.includes(word)) }))
    .filter((hit) => hit.found.length > 0);
}

function checkRename() {
  if (!state.form) return;
  const hits = renameHits();
  const notes = new Map();
  if (hits.length === 0) {
    ui.rename.hidden = true;
    state.form.setNotes(notes);
    return;
  }
  const now = state.nameCommitted;
  const old = state.oldNames[state.oldNames.length - 1];
  const oldStem = stemOf(old);
  for (const hit of hits) notes.set(hit.entry.pointer, `仍写着旧县名“${hit.found[hit.found.length - 1]}”`);
  state.form.setNotes(notes);
  ui.renameTitle.textContent = `县名已从“${old}”改为“${now}”，还有 ${hits.length} 处写着旧县名：`;
  ui.renameList.replaceChildren(
    ...hits.map((hit) => {
      const li = document.createElement('li');
      const text = `${hit.entry.label}：${hit.entry.value}`;
      if (hit.entry.inForm) {
        const link = document.createElement('a');
        link.href = '#';
        link.textContent = text;
        link.addEventListener('click', (event) => {
          event.preventDefault();
          state.form.focusPath(hit.entry.pointer);
        });
        li.append(link);
      } else {
        li.append(`${hit.entry.where}：${hit.entry.value}（在“原始 JSON”页）`);
      }
      return li;
    }),
  );
  const nowStem = stemOf(now);
  ui.renameFix.textContent = oldStem !== old && nowStem !== now ? `全部把“${oldStem}”改为“${nowStem}”` : `全部把“${old}”改为“${now}”`;
  ui.rename.hidden = false;
}

ui.renameFix.addEventListener('click', () => {
  const now = state.nameCommitted;
  const nowStem = stemOf(now);
  const hits = renameHits();
  if (hits.length === 0) return;
  pushUndo('把旧县名改为新县名');
  for (const hit of hits) {
    let value = hit.entry.value;
    for (const old of state.oldNames) {
      value = value.split(old).join(now);
      const oldStem = stemOf(old);
      if (oldStem !== old && nowStem !== now) value = value.split(oldStem).join(nowStem);
    }
    state.form.setValue(hit.entry.pointer, value);
  }
  state.oldNames = [];
  checkRename();
  saveDraft();
  if (!state.jsonDirty) syncJsonText();
  updateDataNote(`已把 ${hits.length} 处旧县名改为“${now}”（可撤销）。`);
  scheduleRender(0);
  state.form.focusPath(state.namePointer);
});

ui.renameIgnore.addEventListener('click', () => {
  state.oldNames = [];
  checkRename();
});

// ---------------------------------------------------------------- raw JSON

function showJsonStatus(kind, text) {
  ui.jsonStatus.textContent = text;
  ui.jsonStatus.className = `json-status ${kind}`;
}

function showJsonHint(text, offer) {
  state.jsonOffer = offer;
  ui.jsonHint.hidden = !text;
  ui.jsonHintText.textContent = text ?? '';
  ui.jsonUse.hidden = !offer;
  if (offer) ui.jsonUse.textContent = offer.button;
}

/** A line of a batch file, `{"id": …, "data": {…}}`, rather than one county's report data. */
function isBatchLine(value) {
  if (!isObject(value) || !isObject(value.data)) return false;
  const schemaKeys = Object.keys(state.template.schema?.properties ?? {});
  if (schemaKeys.includes('data')) return false;
  return Object.keys(value).every((key) => ['id', 'data', 'template'].includes(key));
}

/** Several counties in one text: an array or JSON lines, as items `{id, where, data}`. */
function itemsOf(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    const lines = text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), n: i + 1 })).filter((l) => l.line !== '');
    if (lines.length < 2) return undefined;
    try {
      parsed = lines.map(({ line }) => JSON.parse(line));
    } catch {
      return undefined;
    }
    return parsed.every(isObject) ? parsed.map((value, i) => toItem(value, `line ${lines[i].n}`)) : undefined;
  }
  if (Array.isArray(parsed) && parsed.length > 0 && parsed.every(isObject)) return parsed.map((value, i) => toItem(value, `item ${i + 1}`));
  return undefined;
}

function toItem(value, where) {
  return isBatchLine(value) ? { id: value.id, where, data: value.data } : { where, data: value };
}

async function applyJsonText({ now = false } = {}) {
  clearTimeout(state.jsonTimer);
  const text = ui.jsonText.value;
  const pasted = state.jsonPasted;
  state.jsonPasted = false;
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    const items = itemsOf(text);
    if (items) {
      state.jsonBroken = 'batch';
      showJsonStatus('error', `这像是批量文件（JSON Lines，${items.length} 个县），未应用：这里一次只放一个县的数据。`);
      showJsonHint('整个文件请在“批量生成”页上传；也可以从中选一个县放进表单。', { button: '选一个县…', items });
      scheduleRender();
      return;
    }
    const problem = jsonProblem(text) ?? { line: 1, column: 1, offset: 0, reason: '不是合法的 JSON' };
    state.jsonBroken = 'syntax';
    state.jsonProblem = problem;
    showJsonStatus('error', `不是合法的 JSON，未应用：第 ${problem.line} 行第 ${problem.column} 列，${problem.reason}。`);
    ui.jsonGoto.hidden = false;
    ui.jsonGoto.textContent = `跳到第 ${problem.line} 行第 ${problem.column} 列`;
    showJsonHint(undefined);
    scheduleRender();
    return;
  }
  ui.jsonGoto.hidden = true;
  if (Array.isArray(data)) {
    const items = itemsOf(text);
    state.jsonBroken = 'shape';
    showJsonStatus('error', `这是一个列表（${data.length} 项），未应用：这里只放一个县的数据 { … }。`);
    showJsonHint(items ? '这像是批量文件：整个文件请在“批量生成”页上传；也可以从中选一个县放进表单。' : undefined, items ? { button: '选一个县…', items } : undefined);
    scheduleRender();
    return;
  }
  if (!isObject(data)) {
    state.jsonBroken = 'shape';
    showJsonStatus('error', '未应用：报告数据须是一个对象，即用 { } 括起来的一组字段。');
    showJsonHint(undefined);
    scheduleRender();
    return;
  }
  if (isBatchLine(data)) {
    state.jsonBroken = 'batch';
    const id = data.id !== undefined ? `（id：“${data.id}”）` : '';
    showJsonStatus('error', `这像是批量文件中的一行${id}，未应用：报告数据在它的 "data" 里。`);
    showJsonHint('批量文件的每一行是 {"id", "data"}；表单只要 data 的内容。', { button: '只用其中的 data', items: [{ id: data.id, data: data.data }] });
    scheduleRender();
    return;
  }
  const before = countyNameOf(state.form.getData());
  const after = countyNameOf(data);
  // Pasting another county over unsaved edits is a replacement like 载入示例: ask first.
  if (pasted && before !== after && wouldLose(data)) {
    if (!(await confirmReplace(`粘贴的 JSON${after ? `（${after}）` : ''}`, data))) {
      syncJsonText();
      showJsonStatus('', '已取消粘贴：表单中的数据没有变。');
      scheduleRender(0);
      return;
    }
    if (ui.jsonText.value !== text) return;
    pushUndo(`粘贴的 JSON${after ? `（${after}）` : ''}`, state.jsonSession);
  }
  state.jsonBroken = undefined;
  state.jsonDirty = false;
  showJsonHint(undefined);
  // One undo step per visit to the text box, not one per pause in typing.
  const top = stacks().undo[stacks().undo.length - 1];
  if (canonical(data) !== canonical(state.form.getData()) && top?.session !== state.jsonSession) pushUndo('在“原始 JSON”页修改数据', state.jsonSession);
  state.form.setData(data);
  showJsonStatus('', 'JSON 合法，已同步到表单（可撤销）。');
  // A county renamed here is checked like one renamed in the form.
  if (before !== countyNameOf(data)) nameChanged();
  else checkRename();
  saveDraft();
  updateDataNote();
  if (now) renderNow();
  else scheduleRender(0);
}

ui.jsonText.addEventListener('focus', () => {
  state.jsonSession += 1;
});
ui.jsonText.addEventListener('paste', () => {
  state.jsonPasted = true;
});
ui.jsonText.addEventListener('input', () => {
  clearTimeout(state.jsonTimer);
  state.jsonDirty = true;
  state.jsonTimer = setTimeout(applyJsonText, JSON_DELAY_MS);
});
ui.jsonGoto.addEventListener('click', () => {
  const at = state.jsonProblem?.offset ?? 0;
  ui.jsonText.focus();
  ui.jsonText.setSelectionRange(at, Math.min(at + 1, ui.jsonText.value.length));
});
ui.jsonUse.addEventListener('click', async () => {
  const offer = state.jsonOffer;
  if (!offer) return;
  const item = offer.items.length === 1 ? offer.items[0] : await pick(offer.items, `粘贴的内容里有 ${offer.items.length} 个县，选一个放进表单：`);
  if (!item || !(await confirmReplace(`使用粘贴的 JSON${countyNameOf(item.data) ? `（${countyNameOf(item.data)}）` : ''}`, item.data))) return;
  replaceData(clone(item.data), { label: `使用粘贴的 JSON${countyNameOf(item.data) ? `（${countyNameOf(item.data)}）` : ''}`, origin: { kind: 'json', label: countyNameOf(item.data) ?? '' } });
});

// ---------------------------------------------------------------- named drafts

function readDrafts() {
  if (!state.template) return [];
  try {
    const list = JSON.parse(localStorage.getItem(DRAFTS_KEY(state.template.id)) ?? '[]');
    return Array.isArray(list) ? list.filter((d) => d && typeof d.name === 'string' && isObject(d.data)) : [];
  } catch {
    return [];
  }
}

function writeDrafts(list) {
  try {
    localStorage.setItem(DRAFTS_KEY(state.template.id), JSON.stringify(list));
    return true;
  } catch {
    ui.draftsStatus.textContent = '无法保存：浏览器的本地存储已满或不可用。请改用“文件…”存为 JSON 文件。';
    return false;
  }
}

/** Saving what is not the data on screen would be a silent rewrite: first fix the marked numbers. */
function refuseWhileUnreadable(status) {
  const bad = state.form.localErrors();
  if (bad.length === 0) return false;
  state.form.revealLocalErrors();
  status.textContent = `不能保存：“${bad[0].label}”里的“${bad[0].text}”不是有效的数字${bad.length > 1 ? `（共 ${bad.length} 处）` : ''}，请先改正。`;
  return true;
}

function renderDrafts() {
  const drafts = readDrafts();
  ui.draftsEmpty.hidden = drafts.length > 0;
  ui.draftsList.replaceChildren(
    ...drafts.map((draft) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'draft-name';
      name.textContent = draft.name;
      const meta = document.createElement('span');
      meta.className = 'draft-meta';
      meta.textContent = `${countyNameOf(draft.data) ?? ''} · 保存于 ${draft.savedAt}`;
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'secondary small';
      open.textContent = '打开';
      open.setAttribute('aria-label', `打开草稿“${draft.name}”`);
      open.addEventListener('click', () => openDraft(draft.name));
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary small';
      remove.textContent = '删除';
      remove.setAttribute('aria-label', `删除草稿“${draft.name}”`);
      remove.addEventListener('click', () => deleteDraft(draft.name));
      li.append(name, meta, open, remove);
      return li;
    }),
  );
}

async function saveDraftAs() {
  const name = ui.draftName.value.trim();
  if (!name) {
    ui.draftsStatus.textContent = '请先填写草稿名称。';
    ui.draftName.focus();
    return;
  }
  if (refuseWhileUnreadable(ui.draftsStatus)) return;
  const drafts = readDrafts();
  const existing = drafts.findIndex((d) => d.name === name);
  if (existing >= 0 && !(await ask({ title: '覆盖草稿？', text: `已有名为“${name}”的草稿（保存于 ${drafts[existing].savedAt}），要用现在的数据覆盖它吗？`, ok: '覆盖' }))) return;
  const entry = { name, savedAt: nowText(), data: clone(state.form.getData()) };
  if (existing >= 0) drafts[existing] = entry;
  else drafts.push(entry);
  if (!writeDrafts(drafts)) return;
  state.origin = { kind: 'draft', label: name };
  state.originJson = canonical(entry.data);
  ui.draftsStatus.textContent = `已另存为草稿“${name}”。`;
  updateDataNote();
  renderDrafts();
}

async function openDraft(name) {
  const draft = readDrafts().find((d) => d.name === name);
  if (!draft) return;
  ui.draftsDialog.close();
  if (!(await confirmReplace(`打开草稿“${name}”`, draft.data))) return;
  replaceData(clone(draft.data), { label: `打开草稿“${name}”`, origin: { kind: 'draft', label: name } });
}

async function deleteDraft(name) {
  ui.draftsDialog.close();
  const ok = await ask({ title: '删除草稿？', text: `草稿“${name}”将从这个浏览器中删除，删除后不能撤销。表单中现在的数据不受影响。`, ok: '删除' });
  if (ok) {
    writeDrafts(readDrafts().filter((d) => d.name !== name));
    ui.draftsStatus.textContent = `已删除草稿“${name}”。`;
  }
  openDraftsDialog();
}

function openDraftsDialog() {
  renderDrafts();
  if (!ui.draftName.value) ui.draftName.value = `${countyNameOf(state.form.getData()) ?? state.template.title} ${nowText()}`;
  if (!ui.draftsDialog.open) ui.draftsDialog.showModal();
  ui.draftName.focus();
  ui.draftName.select();
}

ui.draftsOpen.addEventListener('click', () => {
  ui.draftsStatus.textContent = '';
  ui.draftName.value = '';
  openDraftsDialog();
});
ui.draftSave.addEventListener('click', saveDraftAs);
ui.draftName.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    saveDraftAs();
  }
});
ui.draftsClose.addEventListener('click', () => ui.draftsDialog.close());

// ---------------------------------------------------------------- one county as a file

ui.fileOpen.addEventListener('click', () => {
  ui.fileStatus.textContent = '';
  ui.fileDialog.showModal();
});
ui.fileClose.addEventListener('click', () => ui.fileDialog.close());

ui.saveJson.addEventListener('click', () => {
  if (refuseWhileUnreadable(ui.fileStatus)) return;
  const name = `${fileStem()}.json`;
  downloadBlob(new Blob([`${JSON.stringify(state.form.getData(), null, 2)}\n`], { type: 'application/json' }), name);
  ui.fileStatus.textContent = `已存为“${name}”（在浏览器的下载文件夹中）。`;
});

ui.saveXlsx.addEventListener('click', async () => {
  if (refuseWhileUnreadable(ui.fileStatus)) return;
  ui.fileStatus.textContent = '正在生成 Excel 文件…';
  try {
    const response = await fetch(`/playground/templates/${encodeURIComponent(state.template.id)}/sheet.xlsx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: state.form.getData() }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => undefined);
      ui.fileStatus.textContent = response.status === 404 ? '本地服务还不能导出 Excel：请更新并重新运行 npm start。' : `无法导出 Excel：${errorText(body?.error?.code ?? `HTTP ${response.status}`, '')}`;
      return;
    }
    const name = `${fileStem()}.xlsx`;
    downloadBlob(await response.blob(), name);
    ui.fileStatus.textContent = `已存为“${name}”（一行一个县，列名是字段路径；在浏览器的下载文件夹中）。`;
  } catch {
    ui.fileStatus.textContent = '连不上本地服务：`npm start` 还在运行吗？';
  }
});

ui.openFile.addEventListener('click', () => ui.openFileInput.click());

/** A JSON or JSON-lines file's counties, read here: {items} or {problem}. */
function readJsonFile(text) {
  try {
    const value = JSON.parse(text);
    if (isObject(value)) return { items: [toItem(value, '')] };
  } catch {
    // Perhaps JSON lines; else say where the syntax breaks.
  }
  const items = itemsOf(text);
  if (items) return { items };
  const problem = jsonProblem(text);
  return { problem: problem ? `不是合法的 JSON：第 ${problem.line} 行第 ${problem.column} 列，${problem.reason}。` : '文件里不是一个县的数据 { … }，也不是批量文件。' };
}

/** A spreadsheet's counties, read by the dev server: {items} or {problem}. */
async function readSheetFile(file) {
  let response;
  try {
    response = await fetch(`/playground/templates/${encodeURIComponent(state.template.id)}/rows?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: file,
    });
  } catch {
    return { problem: '连不上本地服务：`npm start` 还在运行吗？' };
  }
  const body = await response.json().catch(() => undefined);
  if (response.status === 404 && body?.error?.code === 'ROUTE_NOT_FOUND') return { problem: '本地服务还不能读取 Excel/CSV 文件：请更新并重新运行 npm start。' };
  if (!response.ok) {
    const message = body?.error?.message;
    if (response.status === 413) return { problem: '文件太大，无法打开。' };
    return { problem: `无法读取这个文件：${hasCjk(message) ? message : '它不是本模板的 Excel/CSV 表格（表头应是字段路径，如 economy.gdp）。'}` };
  }
  return { items: Array.isArray(body?.items) ? body.items : [] };
}

ui.openFileInput.addEventListener('change', async () => {
  const file = ui.openFileInput.files?.[0];
  ui.openFileInput.value = '';
  if (!file) return;
  ui.fileStatus.textContent = `正在读取“${file.name}”…`;
  const ext = file.name.toLowerCase().split('.').pop();
  const read = ['json', 'jsonl', 'ndjson', 'txt'].includes(ext) ? readJsonFile(await file.text()) : await readSheetFile(file);
  if (read.problem) {
    ui.fileStatus.textContent = `“${file.name}”${read.problem}`;
    return;
  }
  const usable = read.items.filter((item) => isObject(item.data));
  if (usable.length === 0) {
    const problem = read.items.find((item) => item.problem)?.problem;
    ui.fileStatus.textContent = `“${file.name}”里没有可用的数据${problem ? `：${problemText(problem)}` : '。'}`;
    return;
  }
  ui.fileDialog.close();
  const item = read.items.length === 1 ? read.items[0] : await pick(read.items, `“${file.name}”里有 ${read.items.length} 个县，选一个打开：`);
  if (!item) return;
  const county = countyNameOf(item.data);
  if (!(await confirmReplace(`打开文件“${file.name}”${county ? `（${county}）` : ''}`, item.data))) return;
  replaceData(clone(item.data), { label: `打开文件“${file.name}”${county && read.items.length > 1 ? `中的${county}` : ''}`, origin: { kind: 'file', label: file.name } });
});

// ---------------------------------------------------------------- getting around: preview and back

function focusPreview(target) {
  if (ui.main.dataset.mode === 'batch') activateTab($('tab-form'));
  ui.preview.scrollIntoView({ block: 'start' });
  target.focus({ preventScroll: true });
}

$('skip-preview').addEventListener('click', (event) => {
  event.preventDefault();
  focusPreview(ui.previewTitle);
});
$('skip-download').addEventListener('click', (event) => {
  event.preventDefault();
  focusPreview(ui.download);
});
ui.jumpPreview.addEventListener('click', (event) => {
  event.preventDefault();
  focusPreview(ui.previewTitle);
});
ui.backToForm.addEventListener('click', (event) => {
  event.preventDefault();
  activateTab($('tab-form'));
  const target = state.lastField && document.contains(state.lastField) ? state.lastField : ui.form.querySelector('input, select');
  target?.scrollIntoView({ block: 'center' });
  target?.focus({ preventScroll: true });
});
ui.form.addEventListener('focusin', (event) => {
  if (event.target.matches('input, select')) state.lastField = event.target;
});

/** After every section: a way out of the long form to the preview and 下载 PDF. */
function sectionEnd() {
  const link = document.createElement('a');
  link.href = '#download';
  link.className = 'section-skip';
  link.textContent = '跳到预览和“下载 PDF”';
  link.addEventListener('click', (event) => {
    event.preventDefault();
    focusPreview(ui.download);
  });
  return link;
}

// ---------------------------------------------------------------- templates and samples

async function loadSamples(template) {
  const loaded = await Promise.all(
    template.samples.map(async (name, i) => {
      try {
        const sample = await getJson(`/playground/templates/${encodeURIComponent(template.id)}/samples/${encodeURIComponent(name)}`);
        return { name, data: sample.data, label: countyNameOf(sample.data) ?? `${template.title}示例 ${i + 1}` };
      } catch {
        return { name, data: i === 0 ? template.sample : undefined, label: `${template.title}示例 ${i + 1}` };
      }
    }),
  );
  // Two samples of one county: tell them apart by year or number, never by file name.
  for (const sample of loaded) {
    const twins = loaded.filter((other) => other.label === sample.label);
    if (twins.length > 1) sample.label = `${sample.label}（${isObject(sample.data) && sample.data.year ? `${sample.data.year} 年` : `示例 ${loaded.indexOf(sample) + 1}`}）`;
  }
  return loaded.filter((sample) => isObject(sample.data));
}

function findNamePointer() {
  for (const pointer of ['/county/name', '/county']) if (state.form.hasField(pointer)) return pointer;
  return undefined;
}

async function selectTemplate(id, { useDraft = true } = {}) {
  cancelPending();
  setStatus('busy', '正在载入模板…');
  const template = await getJson(`/templates/${encodeURIComponent(id)}`);
  state.template = template;
  ui.templateSelect.value = template.id;
  ui.description.textContent = template.description;
  state.samples = await loadSamples(template);
  ui.sampleSelect.replaceChildren(
    ...state.samples.map((sample) => {
      const option = document.createElement('option');
      option.value = sample.name;
      option.textContent = sample.label;
      return option;
    }),
  );
  ui.sampleSelect.disabled = state.samples.length === 0;
  ui.sampleLoad.disabled = state.samples.length === 0;
  // The other template's PDF is no preview of this one.
  state.report = undefined;
  ui.stats.hidden = true;
  ui.frame.hidden = true;
  ui.fallback.hidden = true;
  ui.empty.hidden = false;
  delete ui.download.dataset.href;
  delete ui.openPreview.dataset.href;
  state.form = createSchemaForm(ui.form, ui.nav, template.schema, {
    onChange: (pointer) => {
      // The form is where the data is edited now: the JSON text follows it again.
      state.jsonDirty = false;
      if (state.jsonBroken) {
        state.jsonBroken = undefined;
        showJsonStatus('', '');
        showJsonHint(undefined);
      }
      saveDraft();
      if (pointer !== state.namePointer && state.oldNames.length > 0) checkRename();
      updateDataNote();
      scheduleRender();
    },
    onCommit: (pointer) => {
      if (pointer === state.namePointer) nameChanged();
    },
    onProblemsChanged: () => {
      renderSummary();
      // An unfinished number that is now marked (the clerk left the field) turns the status red.
      const block = blocked();
      if (block && ui.preview.dataset.renderState !== 'busy') setStatus(block.kind, block.text);
    },
    sectionEnd,
  });
  state.namePointer = findNamePointer();
  const draft = useDraft ? loadDraft(template.id) : undefined;
  const first = state.samples[0];
  state.form.setData(draft?.data ?? clone(template.sample ?? first?.data));
  state.origin = draft ? { kind: 'autosave', label: '' } : { kind: 'sample', label: first?.label ?? '' };
  state.originJson = canonical(state.form.getData());
  // Unreadable numbers come back as typed, still marked: not as the last figure that did read.
  for (const [pointer, text] of Object.entries(draft?.texts ?? {})) if (typeof text === 'string') state.form.setText(pointer, text);
  resetRename();
  syncJsonText();
  ui.summary.hidden = true;
  ui.frame.dataset.reportId = '';
  batch.setTemplate(template);
  history.replaceState(null, '', `#template=${encodeURIComponent(template.id)}`);
  updateUndoButtons();
  updateDataNote(draft ? '已恢复此浏览器中上次编辑的数据。' : '');
  await renderNow();
  if (draft && ui.preview.dataset.renderState === 'ready') ui.renderStatus.textContent += ' 已恢复此浏览器中上次编辑的数据；点“载入示例”可重新开始（可撤销）。';
}

ui.templateSelect.addEventListener('change', () => {
  selectTemplate(ui.templateSelect.value).catch(() => setStatus('error', '无法载入模板：请刷新页面重试。'));
});

ui.sampleLoad.addEventListener('click', async () => {
  const sample = state.samples.find((s) => s.name === ui.sampleSelect.value);
  if (!sample) return;
  if (!(await confirmReplace(`载入示例“${sample.label}”`, sample.data))) return;
  replaceData(clone(sample.data), { label: `载入示例“${sample.label}”`, origin: { kind: 'sample', label: sample.label } });
});

const batch = createBatchPanel();

async function start() {
  const { templates } = await getJson('/templates');
  ui.templateSelect.replaceChildren(
    ...templates.map((t) => {
      const option = document.createElement('option');
      option.value = t.id;
      // The Chinese title only: the id is for developers.
      option.textContent = t.title;
      return option;
    }),
  );
  ui.templateSelect.disabled = templates.length === 0;
  if (templates.length === 0) {
    setStatus('error', '没有可用的模板：请检查模板文件夹（TEMPLATES_DIR）。');
    return;
  }
  const wanted = /template=([^&]+)/.exec(location.hash)?.[1];
  const first = templates.find((t) => t.id === decodeURIComponent(wanted ?? '')) ?? templates[0];
  await selectTemplate(first.id);
  document.body.dataset.ready = 'true';
}

start().catch(() => setStatus('error', '页面无法启动：本地服务没有正常响应，请确认 npm start 在运行后刷新。'));
