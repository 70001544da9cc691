// The playground page: pick a template, edit its data in a generated form (or as raw JSON) and
// see the PDF re-rendered shortly after typing stops. Talks only to the HTTP API of `npm start`
// (GET /templates, POST /reports, GET /reports/{id}) and the dev server's /playground/ routes.

import { createBatchPanel } from './batch.js';
import { errorText, formatBytes, formatSeconds } from './messages.js';
import { createSchemaForm } from './schemaForm.js';

const RENDER_DELAY_MS = 450;
const JSON_DELAY_MS = 300;
const DRAFT_KEY = (id) => `pdf-export.playground.draft.${id}`;

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
  jsonText: $('json-text'),
  jsonStatus: $('json-status'),
  jsonErrors: $('json-errors'),
  preview: $('preview'),
  renderStatus: $('render-status'),
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
};

const state = {
  template: undefined,
  form: undefined,
  seq: 0,
  controller: undefined,
  timer: undefined,
  jsonTimer: undefined,
  jsonDirty: false,
  report: undefined,
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

function setStatus(kind, text) {
  ui.preview.dataset.renderState = kind;
  // Rewriting the same words would make screen readers announce them again at every keystroke.
  if (ui.renderStatus.textContent !== text) ui.renderStatus.textContent = text;
  ui.renderStatus.className = `render-status ${kind}`;
  setLinksEnabled(kind === 'ready');
}

function saveDraft() {
  try {
    localStorage.setItem(DRAFT_KEY(state.template.id), JSON.stringify(state.form.getData()));
  } catch {
    // Private mode or full storage: drafts are a convenience only.
  }
}

function loadDraft(id) {
  try {
    const text = localStorage.getItem(DRAFT_KEY(id));
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const clone = (value) => (value === undefined || value === null ? {} : JSON.parse(JSON.stringify(value)));

// ---------------------------------------------------------------- tabs (WAI-ARIA tabs pattern)

const tabs = [...document.querySelectorAll('[role="tab"]')];

function activateTab(tab, { focus = false } = {}) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  ui.main.dataset.mode = tab.id === 'tab-batch' ? 'batch' : 'single';
  if (tab.id === 'tab-json' && !state.jsonDirty && state.form) {
    ui.jsonText.value = JSON.stringify(state.form.getData(), null, 2);
  }
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
  if (state.form.hasLocalErrors()) {
    setStatus('invalid', '有无法识别的数字，预览未更新。');
    return;
  }
  setStatus('pending', '停止输入后更新预览…');
  state.timer = setTimeout(renderNow, delay);
}

async function renderNow() {
  cancelPending();
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
  if (seq !== state.seq) return;
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
  }
}

function showReport(report, ms, cache) {
  state.report = report;
  state.form.clearErrors();
  ui.summary.hidden = true;
  ui.jsonErrors.replaceChildren();
  ui.frameBox.classList.remove('stale');
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
  setStatus('ready', `预览已更新：${report.pages} 页，${formatBytes(report.bytes)}，用时 ${formatSeconds(ms)}${fromCache ? '（未变化）' : ''}。`);
}

function showProblems(details) {
  const entries = state.form.showErrors(details);
  ui.frameBox.classList.add('stale');
  ui.summaryTitle.textContent = `数据有 ${entries.length} 处问题，预览未更新`;
  ui.summaryList.replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = entry.targetId ? `#${entry.targetId}` : '#';
      link.textContent = `${entry.label}：${entry.message}`;
      link.addEventListener('click', (event) => {
        event.preventDefault();
        activateTab($('tab-form'));
        state.form.focusPath(entry.path);
      });
      item.append(link);
      return item;
    }),
  );
  ui.summary.hidden = false;
  ui.jsonErrors.replaceChildren(
    ...details.map((detail) => {
      const item = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = detail.path || '/';
      item.append(code, ` ${detail.message}`);
      return item;
    }),
  );
  setStatus('invalid', `数据有 ${entries.length} 处问题，预览未更新：请看标红的字段。`);
}

// The signed link expires (1 h by default): ask for a fresh one if it has.
ui.download.addEventListener('click', async (event) => {
  const report = state.report;
  if (!report) {
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
  } catch (error) {
    setStatus('error', `下载链接已过期且无法更新：${error.message}`);
  }
});

// Enter in a field renders at once instead of submitting the form.
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!state.form.hasLocalErrors()) renderNow();
});

// ---------------------------------------------------------------- raw JSON

ui.jsonText.addEventListener('input', () => {
  clearTimeout(state.jsonTimer);
  state.jsonDirty = true;
  state.jsonTimer = setTimeout(() => {
    let data;
    try {
      data = JSON.parse(ui.jsonText.value);
    } catch (error) {
      ui.jsonStatus.textContent = `不是合法的 JSON，预览未更新：${error.message}`;
      ui.jsonStatus.className = 'json-status error';
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      ui.jsonStatus.textContent = '报告数据须为一个对象：{ … }';
      ui.jsonStatus.className = 'json-status error';
      return;
    }
    state.jsonDirty = false;
    ui.jsonStatus.textContent = 'JSON 合法，已同步到表单。';
    ui.jsonStatus.className = 'json-status';
    state.form.setData(data);
    saveDraft();
    scheduleRender(0);
  }, JSON_DELAY_MS);
});

// ---------------------------------------------------------------- templates and samples

async function selectTemplate(id, { useDraft = true } = {}) {
  cancelPending();
  setStatus('busy', '正在载入模板…');
  const template = await getJson(`/templates/${encodeURIComponent(id)}`);
  state.template = template;
  ui.templateSelect.value = template.id;
  ui.description.textContent = template.description;
  ui.sampleSelect.replaceChildren(
    ...template.samples.map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name;
      return option;
    }),
  );
  ui.sampleSelect.disabled = template.samples.length === 0;
  ui.sampleLoad.disabled = template.samples.length === 0;
  state.form = createSchemaForm(ui.form, ui.nav, template.schema, {
    onChange: () => {
      state.jsonDirty = false;
      saveDraft();
      scheduleRender();
    },
  });
  const draft = useDraft ? loadDraft(template.id) : undefined;
  state.form.setData(draft ?? clone(template.sample));
  state.jsonDirty = false;
  ui.jsonText.value = JSON.stringify(state.form.getData(), null, 2);
  ui.jsonStatus.textContent = '';
  ui.summary.hidden = true;
  ui.frame.dataset.reportId = '';
  batch.setTemplate(template);
  history.replaceState(null, '', `#template=${encodeURIComponent(template.id)}`);
  await renderNow();
  if (draft) ui.renderStatus.textContent += ' 已恢复此浏览器中上次编辑的数据；点“载入示例”可重新开始。';
}

ui.templateSelect.addEventListener('change', () => {
  selectTemplate(ui.templateSelect.value).catch((error) => setStatus('error', `无法载入模板：${error.message}`));
});

ui.sampleLoad.addEventListener('click', async () => {
  const name = ui.sampleSelect.value;
  try {
    const sample = await getJson(`/playground/templates/${encodeURIComponent(state.template.id)}/samples/${encodeURIComponent(name)}`);
    state.form.setData(sample.data);
    state.jsonDirty = false;
    ui.jsonText.value = JSON.stringify(state.form.getData(), null, 2);
    saveDraft();
    await renderNow();
  } catch (error) {
    setStatus('error', `无法载入示例：${error.message}`);
  }
});

const batch = createBatchPanel();

async function start() {
  const { templates } = await getJson('/templates');
  ui.templateSelect.replaceChildren(
    ...templates.map((t) => {
      const option = document.createElement('option');
      option.value = t.id;
      option.textContent = `${t.title}（${t.id}）`;
      return option;
    }),
  );
  ui.templateSelect.disabled = templates.length === 0;
  if (templates.length === 0) {
    setStatus('error', '没有可用的模板：检查 TEMPLATES_DIR。');
    return;
  }
  const wanted = /template=([^&]+)/.exec(location.hash)?.[1];
  const first = templates.find((t) => t.id === decodeURIComponent(wanted ?? '')) ?? templates[0];
  await selectTemplate(first.id);
  document.body.dataset.ready = 'true';
}

start().catch((error) => setStatus('error', `页面无法启动：${error.message}`));
