// A form generated from a template's JSON Schema (2020-12, local `$ref`s to `$defs`):
// one section per top-level object, labels from `title`, hints from `description`, number fields
// with their `x-unit` and allowed range, lists of strings as repeatable inputs. The form edits one
// data object in place, so fields the schema does not know (shown in the raw-JSON tab) are kept.
//
// Number fields are text inputs: what the clerk typed stays in the box exactly as typed. It is
// read the way the batch reads a spreadsheet cell; text that is not a number is marked in place
// and never rewritten, and the form reports it so the page does not render (or offer) a PDF that
// would show a different figure.

import { fieldMessage } from './messages.js';

// ---------------------------------------------------------------- JSON pointers and data access

export function parsePointer(pointer) {
  if (pointer === '') return [];
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function toPointer(segments) {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getAt(data, pointer) {
  let node = data;
  for (const segment of parsePointer(pointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[segment];
  }
  return node;
}

function setAt(data, pointer, value) {
  const segments = parsePointer(pointer);
  let node = data;
  segments.slice(0, -1).forEach((segment, i) => {
    const nextIsIndex = /^\d+$/.test(segments[i + 1]);
    if (node[segment] === null || typeof node[segment] !== 'object') node[segment] = nextIsIndex ? [] : {};
    node = node[segment];
  });
  node[segments[segments.length - 1]] = value;
}

// ---------------------------------------------------------------- numbers as a clerk types them

const WHOLE = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$/;

/**
 * The text of a number field, read the way the batch reads a spreadsheet cell: this is
 * `parseCellNumber` of lambda/src/batch/csvRowToData.ts (the page cannot import TypeScript; keep
 * the two in step). Full-width digits, signs and point (NFKC), the typographic minus U+2212,
 * `1,234.5` with thousands commas. Anything else is not a number, and is never guessed at:
 * `1.2.3`, `386,42` and `1e` are refused, not read as 1.23, 38642 or 1.
 *
 * Like the batch, a number may be followed by the field's own unit (`386.42亿元`, `6.3%`; its
 * `withoutUnit`).
 *
 * Returns `{empty}`, `{value}`, `{incomplete, message}` (what could still become a number by
 * typing on: `-`, `12.`, `1,23`) or `{bad, message}`.
 */
export function readNumber(text, unit) {
  let s = String(text).normalize('NFKC').replace(/\u2212/g, '-').trim();
  const u = typeof unit === 'string' ? unit.normalize('NFKC') : '';
  if (u && s.endsWith(u) && s.length > u.length) s = s.slice(0, -u.length).trim();
  if (s === '') return { empty: true };
  if (WHOLE.test(s)) {
    const value = Number(s.replace(/,/g, ''));
    if (Number.isFinite(value)) return { value };
    return { bad: true, message: '不是有效的数字：数字太大' };
  }
  if (/^[+-]?\.?$/.test(s) || /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)\.$/.test(s)) {
    return { incomplete: true, message: '数字没有写完' };
  }
  const commaMessage = '不是有效的数字：逗号只用来分隔千位（如 1,234.5），小数点请用“.”';
  if (/^[+-]?\d{1,3}(?:,\d{3})*,\d{0,2}$/.test(s)) return { incomplete: true, message: commaMessage };
  if (/^[+-]?[\d.,]*\d[eE][+-]?\d*$/.test(s)) return { bad: true, message: '不是有效的数字：不支持 1e5 这样的写法，请写出完整的数字' };
  if (u && /^[+-]?[\d.,]+\s*(?:[\u3400-\u9fff]+|%)$/.test(s)) return { bad: true, message: `不是有效的数字：本栏的单位是“${unit}”，只填数字即可` };
  if (/[^\d.,+\-\s]/.test(s)) return { bad: true, message: '不是有效的数字：只能填数字，不能含文字或其他符号' };
  if (/\s/.test(s)) return { bad: true, message: '不是有效的数字：数字中间不能有空格' };
  if ((s.match(/\./g) ?? []).length > 1) return { bad: true, message: '不是有效的数字：只能有一个小数点' };
  if (s.includes(',')) return { bad: true, message: commaMessage };
  return { bad: true, message: '不是有效的数字：正负号只能写在最前面' };
}

// ---------------------------------------------------------------- schema

/** The node with its `$ref` (to `#/$defs/…`) merged in; the node's own keywords win. */
function resolveNode(root, node, depth = 0) {
  if (!isObject(node) || typeof node.$ref !== 'string' || depth > 20) return node;
  const match = /^#\/\$defs\/(.+)$/.exec(node.$ref);
  const target = match ? root.$defs?.[parsePointer(`/${match[1]}`)[0]] : undefined;
  const { $ref, ...own } = node;
  void $ref;
  return { ...resolveNode(root, target ?? {}, depth + 1), ...own };
}

function kindOf(node) {
  if (node.type === 'object' || isObject(node.properties)) return 'object';
  if (node.type === 'array') return 'array';
  if (node.type === 'integer' || node.type === 'number') return 'number';
  if (node.type === 'boolean') return 'boolean';
  return 'string';
}

/**
 * Where a pointer is, in the schema's Chinese titles: `/economy/gdp` →
 * `['主要经济指标', '地区生产总值（亿元）']`, `/investment/centralEnterprises/1` → `[…, '签约央企', '第 2 项']`.
 * A segment the schema does not know is given as written, in quotes.
 */
export function titlesOf(schema, pointer) {
  const titles = [];
  let node = resolveNode(schema, schema);
  for (const segment of parsePointer(pointer)) {
    if (node && kindOf(node) === 'array' && /^\d+$/.test(segment)) {
      titles.push(`第 ${Number(segment) + 1} 项`);
      node = resolveNode(schema, node.items ?? {});
      continue;
    }
    const child = node && isObject(node.properties) && Object.prototype.hasOwnProperty.call(node.properties, segment) ? resolveNode(schema, node.properties[segment]) : undefined;
    titles.push(child?.title ?? `“${segment}”`);
    node = child;
  }
  return titles;
}

/** A DOM id for a pointer: `/economy/gdp` → `f-economy-gdp` (other characters hex-escaped). */
export function fieldId(pointer, prefix = 'f') {
  return `${prefix}${pointer.replace(/[^A-Za-z0-9]/g, (c) => (c === '/' ? '-' : `_${c.charCodeAt(0).toString(16)}_`))}`;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** The allowed range, always shown next to the field (not only in its clamped description). */
function rangeText(node, kind) {
  const has = (v) => typeof v === 'number';
  if (kind === 'number') {
    const integer = node.type === 'integer' ? ' 的整数' : '';
    if (has(node.minimum) && has(node.maximum)) return `取值 ${node.minimum} 至 ${node.maximum}${integer}`;
    if (has(node.minimum)) return `不小于 ${node.minimum}${integer}`;
    if (has(node.maximum)) return `不大于 ${node.maximum}${integer}`;
    return integer ? '整数' : '';
  }
  if (kind === 'string' && has(node.maxLength) && !node.enum) return `最多 ${node.maxLength} 个字`;
  return '';
}

// ---------------------------------------------------------------- the form

/**
 * @param {HTMLFormElement} form where the fields go (emptied)
 * @param {HTMLElement} nav where the section links go (emptied)
 * @param {object} schema the template's JSON Schema
 * @param {{onChange: (pointer: string) => void, onCommit?: (pointer: string) => void, onProblemsChanged?: () => void, sectionEnd?: () => HTMLElement}} hooks
 *   onChange: the data (or a field's text) changed by typing; onCommit: a field was left after a
 *   change; onProblemsChanged: the marks on fields changed (refresh a summary); sectionEnd: an
 *   element put after every section's fields (a skip link).
 */
export function createSchemaForm(form, nav, schema, hooks) {
  let data = {};
  /** pointer → {input, error, note, container, label, section} for every scalar input */
  const fields = new Map();
  /** pointer → {error, container, label, section, render} for lists and objects */
  const groups = new Map();
  /** pointers of values their parent requires (never pruned when emptied) */
  const required = new Set();
  /** pointer → {message, shown}: number fields whose text is not (yet) a number */
  const localErrors = new Map();
  /** the server's last 422, per field it is shown on: [{path, target, message}] */
  let serverErrors = [];
  const revealTimers = new Map();

  form.replaceChildren();
  nav.replaceChildren();

  const describe = (...ids) => ids.filter(Boolean).join(' ');
  const problemsChanged = () => hooks.onProblemsChanged?.();

  const removeAt = (pointer) => {
    const segments = parsePointer(pointer);
    const parentPointer = toPointer(segments.slice(0, -1));
    const parent = getAt(data, parentPointer);
    if (!isObject(parent)) return;
    delete parent[segments[segments.length - 1]];
    // An optional group left empty (e.g. 报告人) is left out rather than sent as {}.
    if (parentPointer !== '' && Object.keys(parent).length === 0 && !required.has(parentPointer)) removeAt(parentPointer);
  };

  function showOne(target, message) {
    target.error.textContent = message ?? '';
    target.error.hidden = !message;
    target.container?.classList.toggle('has-error', Boolean(message));
    if (target.input) {
      if (message) target.input.setAttribute('aria-invalid', 'true');
      else target.input.removeAttribute('aria-invalid');
    }
  }

  /** Puts every mark (the field's own unreadable number first, then the server's) on the page. */
  function refreshMarks() {
    const byTarget = new Map();
    for (const entry of serverErrors) {
      if (!entry.target) continue;
      const list = byTarget.get(entry.target) ?? [];
      list.push(entry.message);
      byTarget.set(entry.target, list);
    }
    for (const section of sections) section.errors = 0;
    for (const [pointer, field] of fields) {
      const local = localErrors.get(pointer);
      const message = local?.shown ? local.message : byTarget.get(field)?.join('；');
      showOne(field, message);
      if (message) field.section.errors += local?.shown ? 1 : byTarget.get(field).length;
    }
    for (const group of groups.values()) {
      const messages = byTarget.get(group);
      showOne(group, messages?.join('；'));
      if (messages) (group.section ?? group).errors += messages.length;
    }
    for (const section of sections) {
      const badge = section.heading.querySelector('.badge');
      badge.hidden = section.errors === 0;
      badge.textContent = section.errors > 0 ? `${section.errors} 处问题` : '';
    }
    problemsChanged();
  }

  const setLocalError = (pointer, read, { reveal = false } = {}) => {
    clearTimeout(revealTimers.get(pointer));
    if (!read) {
      localErrors.delete(pointer);
    } else {
      // A clearly wrong number is marked at once; one still being typed (`-`, `12.`) only when the
      // clerk leaves the field or stops typing for a moment, so it does not flash at every key.
      const shown = reveal || read.bad === true || localErrors.get(pointer)?.shown === true;
      localErrors.set(pointer, { message: read.message, shown });
      if (!shown) {
        revealTimers.set(
          pointer,
          setTimeout(() => {
            const entry = localErrors.get(pointer);
            if (entry) entry.shown = true;
            refreshMarks();
          }, 1500),
        );
      }
    }
  };

  function scalarInput(pointer, node, label, section, { listItem = false } = {}) {
    const id = fieldId(pointer);
    const kind = kindOf(node);
    const hintId = `${id}-hint`;
    const rangeId = `${id}-range`;
    const errorId = `${id}-error`;
    const noteId = `${id}-note`;
    let input;
    if (Array.isArray(node.enum)) {
      input = el('select', { id });
      input.append(el('option', { value: '', text: '（未选择）' }));
      for (const option of node.enum) input.append(el('option', { value: String(option), text: String(option) }));
    } else if (kind === 'number') {
      // A text box, not type="number": that one hides what was typed from the page (`1e`, `1.2.3`)
      // and reads `386,42` as 38642. A field that takes negative numbers keeps the full keyboard on
      // phones, whose number pads have no minus sign.
      const negative = !(typeof node.minimum === 'number' && node.minimum >= 0);
      input = el('input', {
        id,
        type: 'text',
        inputmode: negative ? undefined : node.type === 'integer' ? 'numeric' : 'decimal',
        autocomplete: 'off',
        spellcheck: 'false',
        className: 'number',
      });
    } else if (kind === 'boolean') {
      input = el('input', { id, type: 'checkbox' });
    } else {
      input = el('input', { id, type: 'text', maxlength: node.maxLength, autocomplete: 'off', spellcheck: 'false' });
    }
    input.dataset.path = pointer;
    input.dataset.kind = kind;
    if (required.has(pointer)) input.setAttribute('aria-required', 'true');
    const error = el('p', { className: 'field-error', id: errorId, 'data-error-for': pointer, hidden: true });
    const note = el('p', { className: 'field-note', id: noteId, 'data-note-for': pointer, hidden: true });
    const hintText = listItem ? '' : node.description ?? '';
    const hint = hintText ? el('p', { className: 'hint', id: hintId, text: hintText }) : null;
    const range = listItem ? '' : rangeText(node, kind);
    const rangeEl = range ? el('span', { className: 'range', id: rangeId, text: range }) : null;
    input.setAttribute('aria-describedby', describe(rangeEl ? rangeId : '', hint ? hintId : '', errorId, noteId));

    const readValue = () => {
      if (kind === 'boolean') return { value: input.checked };
      if (kind === 'number') return readNumber(input.value, node['x-unit']);
      if (input.value === '') return { empty: true };
      if (node.enum && typeof node.enum[0] === 'number') return { value: Number(input.value) };
      return { value: input.value };
    };
    const update = () => {
      const read = readValue();
      // The server's verdict on this field was about what it held before.
      serverErrors = serverErrors.filter((entry) => entry.target !== field);
      if (read.bad || read.incomplete) {
        setLocalError(pointer, read);
        // The data never keeps a figure the box no longer shows (the `1` of `1e`).
        if (!listItem) removeAt(pointer);
      } else {
        setLocalError(pointer, undefined);
        if (read.empty && !listItem) removeAt(pointer);
        else setAt(data, pointer, read.empty ? '' : read.value);
      }
      refreshMarks();
      hooks.onChange(pointer);
    };
    input.addEventListener(kind === 'boolean' || input.tagName === 'SELECT' ? 'change' : 'input', update);
    input.addEventListener('change', () => {
      const entry = localErrors.get(pointer);
      if (entry && !entry.shown) {
        setLocalError(pointer, entry, { reveal: true });
        refreshMarks();
      }
      hooks.onCommit?.(pointer);
    });
    input.addEventListener('blur', () => {
      const entry = localErrors.get(pointer);
      if (entry && !entry.shown) {
        setLocalError(pointer, entry, { reveal: true });
        refreshMarks();
      }
    });

    const field = { input, error, note, container: null, label, section, update };
    fields.set(pointer, field);
    return { input, hint, rangeEl, error, note, field };
  }

  function scalarField(pointer, node, section) {
    const label = node.title ?? parsePointer(pointer).pop();
    const { input, hint, rangeEl, error, note, field } = scalarInput(pointer, node, label, section);
    const labelEl = el('label', { for: input.id }, label);
    if (required.has(pointer)) labelEl.append(el('span', { className: 'required', 'aria-hidden': 'true', text: '*' }));
    const control = el('div', { className: 'control' }, input);
    if (node['x-unit']) control.append(el('span', { className: 'unit', 'aria-hidden': 'true', text: node['x-unit'] }));
    if (rangeEl) control.append(rangeEl);
    const wide = kindOf(node) === 'string' && !node.enum && !(node.maxLength <= 30);
    const container = el('div', { className: `field field-${kindOf(node)}${wide ? ' field-wide' : ''}`, 'data-field': pointer }, labelEl, control, hint, error, note);
    field.container = container;
    return container;
  }

  function listField(pointer, node, section) {
    const itemNode = resolveNode(schema, node.items ?? {});
    const label = node.title ?? parsePointer(pointer).pop();
    const id = fieldId(pointer);
    const error = el('p', { className: 'field-error', id: `${id}-error`, 'data-error-for': pointer, hidden: true });
    const limits = [node.minItems ? `至少 ${node.minItems} 项` : '', node.maxItems ? `最多 ${node.maxItems} 项` : '', typeof itemNode.maxLength === 'number' ? `每项最多 ${itemNode.maxLength} 个字` : ''].filter(Boolean).join('，');
    const hint = node.description ? el('p', { className: 'hint', id: `${id}-hint`, text: node.description }) : null;
    const range = limits ? el('p', { className: 'range', id: `${id}-range`, text: limits }) : null;
    const legend = el('legend', {}, label);
    if (required.has(pointer)) legend.append(el('span', { className: 'required', 'aria-hidden': 'true', text: '*' }));
    const list = el('ol', { className: 'list-items' });
    const add = el('button', { type: 'button', className: 'secondary small', text: '添加一项', 'aria-label': `添加一项：${label}` });
    const container = el(
      'fieldset',
      { className: 'field field-list', 'data-field': pointer, id, 'aria-describedby': describe(range ? `${id}-range` : '', hint ? `${id}-hint` : '', `${id}-error`) },
      legend,
      range,
      hint,
      list,
      add,
      error,
    );
    const group = { error, container, label, section, input: null, render: null };

    const itemsNow = () => {
      const value = getAt(data, pointer);
      return Array.isArray(value) ? value : [];
    };
    const render = (focusIndex) => {
      for (const key of [...fields.keys()]) if (key.startsWith(`${pointer}/`)) fields.delete(key);
      list.replaceChildren();
      const items = itemsNow();
      // A required list starts with one empty row to type into (not part of the data until typed).
      const rows = Math.max(items.length, node.minItems && items.length === 0 ? 1 : 0);
      for (let i = 0; i < rows; i++) {
        const itemPointer = `${pointer}/${i}`;
        const itemLabel = `${label} 第 ${i + 1} 项`;
        const { input, error: itemError, note: itemNote, field } = scalarInput(itemPointer, itemNode, itemLabel, section, { listItem: true });
        input.setAttribute('aria-label', itemLabel);
        input.value = items[i] ?? '';
        const remove = el('button', { type: 'button', className: 'secondary small', text: '删除', 'aria-label': `删除 ${itemLabel}` });
        remove.addEventListener('click', () => {
          const current = itemsNow();
          if (i < current.length) current.splice(i, 1);
          if (current.length === 0 && !required.has(pointer)) removeAt(pointer);
          render(Math.min(i, Math.max(0, itemsNow().length - 1)));
          hooks.onChange(pointer);
        });
        const row = el('li', { className: 'list-item' }, input, remove, itemError, itemNote);
        field.container = row;
        list.append(row);
      }
      const full = typeof node.maxItems === 'number' && items.length >= node.maxItems;
      add.disabled = full;
      if (focusIndex !== undefined) (fields.get(`${pointer}/${focusIndex}`)?.input ?? add).focus();
    };
    add.addEventListener('click', () => {
      // The empty starter row of a required list counts as a row: the new one comes after it.
      const rows = list.children.length;
      if (!Array.isArray(getAt(data, pointer))) setAt(data, pointer, []);
      const target = getAt(data, pointer);
      while (target.length < rows + 1) target.push('');
      if (typeof node.maxItems === 'number') target.length = Math.min(target.length, node.maxItems);
      render(target.length - 1);
    });
    group.render = render;
    groups.set(pointer, group);
    render();
    return container;
  }

  function objectFields(pointer, node, section, into) {
    for (const name of node.required ?? []) required.add(`${pointer}/${name}`);
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const childPointer = `${pointer}/${name}`;
      const resolved = resolveNode(schema, child);
      const kind = kindOf(resolved);
      if (kind === 'object') {
        const id = fieldId(childPointer);
        const error = el('p', { className: 'field-error', id: `${id}-error`, 'data-error-for': childPointer, hidden: true });
        const box = el('fieldset', { className: 'field field-group', 'data-field': childPointer }, el('legend', { text: resolved.title ?? name }), error);
        groups.set(childPointer, { error, container: box, label: resolved.title ?? name, section, input: null });
        objectFields(childPointer, resolved, section, box);
        into.append(box);
      } else if (kind === 'array' && resolveNode(schema, resolved.items ?? {}).type === 'string') {
        into.append(listField(childPointer, resolved, section));
      } else if (kind === 'array') {
        into.append(el('p', { className: 'hint', text: `${resolved.title ?? name}：请在“原始 JSON”页编辑。` }));
      } else {
        into.append(scalarField(childPointer, resolved, section));
      }
    }
  }

  // Sections: each top-level object; the top-level single values together in 基本信息.
  const root = resolveNode(schema, schema);
  for (const name of root.required ?? []) required.add(`/${name}`);
  const sections = [];
  let basics = null;
  const newSection = (key, title, description) => {
    const id = `sec-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const heading = el('h2', { id: `${id}-title` }, el('span', { text: title }), el('span', { className: 'badge', hidden: true }));
    const error = el('p', { className: 'field-error', id: `${id}-error`, hidden: true });
    const body = el('div', { className: 'section-fields' });
    const section = el('section', { className: 'form-section', id, 'aria-labelledby': `${id}-title` }, heading, description ? el('p', { className: 'section-desc', text: description }) : null, error, body);
    if (hooks.sectionEnd) section.append(hooks.sectionEnd());
    const info = { key, id, title, section, body, heading, error, errors: 0 };
    sections.push(info);
    form.append(section);
    const link = el('a', { href: `#${id}`, text: title });
    link.addEventListener('click', (event) => {
      event.preventDefault();
      section.scrollIntoView({ block: 'start' });
      const first = section.querySelector('input, select, button');
      first?.focus({ preventScroll: true });
    });
    nav.append(link);
    return info;
  };
  for (const [name, child] of Object.entries(root.properties ?? {})) {
    const resolved = resolveNode(schema, child);
    const pointer = `/${name}`;
    if (kindOf(resolved) === 'object') {
      const section = newSection(name, resolved.title ?? name, resolved.description);
      groups.set(pointer, { error: section.error, container: section.section, label: section.title, section, input: null });
      objectFields(pointer, resolved, section, section.body);
    } else {
      basics ??= newSection('basics', '基本信息', '');
      if (kindOf(resolved) === 'array') basics.body.append(listField(pointer, resolved, basics));
      else basics.body.append(scalarField(pointer, resolved, basics));
    }
  }

  function fill() {
    for (const group of groups.values()) if (group.render) group.render();
    for (const [pointer, field] of fields) {
      if (/\/\d+$/.test(pointer) && groups.get(pointer.replace(/\/\d+$/, ''))?.render) continue;
      const value = getAt(data, pointer);
      if (field.input.type === 'checkbox') field.input.checked = value === true;
      else field.input.value = value === undefined || value === null || typeof value === 'object' ? '' : String(value);
    }
  }

  /** The nearest field or group for a pointer, walking up (`/a/b/3` → `/a/b`). */
  function targetOf(pointer) {
    let segments = parsePointer(pointer);
    for (;;) {
      const p = toPointer(segments);
      if (fields.has(p)) return { target: fields.get(p), at: segments.length };
      if (groups.has(p)) return { target: groups.get(p), at: segments.length };
      if (segments.length === 0) return undefined;
      segments = segments.slice(0, -1);
    }
  }

  const targetId = (target) => (target ? (target.input ?? target.container).id || undefined : undefined);

  /**
   * One entry per problem: {path, label, where, message, detail, targetId, local}. `label` and
   * `message` are for the summary above the form (the field's label, and the message as the field
   * shows it); `where` and `detail` say the same by the whole way of titles, for the JSON tab.
   */
  function problems() {
    const entries = [];
    for (const [pointer, entry] of localErrors) {
      if (!entry.shown) continue;
      const field = fields.get(pointer);
      entries.push({ path: pointer, label: field?.label ?? titlesOf(schema, pointer).join(' › '), where: titlesOf(schema, pointer).join(' › '), message: entry.message, detail: entry.message, targetId: targetId(field), local: true });
    }
    for (const entry of serverErrors) {
      entries.push({ path: entry.path, label: entry.target?.label ?? (entry.path ? titlesOf(schema, entry.path).join(' › ') : '整份数据'), where: entry.path ? titlesOf(schema, entry.path).join(' › ') : '整份数据', message: entry.message, detail: entry.detail, targetId: targetId(entry.target), local: false });
    }
    return entries;
  }

  /** Shows the server's 422 details next to their fields; returns the summary's entries. */
  function showErrors(details) {
    serverErrors = details.map((detail) => {
      const found = targetOf(detail.path);
      let message = fieldMessage(detail.message);
      const rest = parsePointer(detail.path).slice(found ? found.at : 0);
      // e.g. an unknown field `/economy/gpd` shown on its section: say which one.
      if (rest.length > 0) message = `${rest.map((s) => `“${s}”`).join(' › ')}：${message}`;
      return { path: detail.path, target: found?.target, message, detail: fieldMessage(detail.message) };
    });
    refreshMarks();
    return problems();
  }

  function clearErrors() {
    serverErrors = [];
    refreshMarks();
  }

  /** Every text value in the data (shown in the form or not): [{pointer, value, label, where}]. */
  function strings() {
    const out = [];
    const walk = (node, pointer) => {
      if (typeof node === 'string') {
        const field = fields.get(pointer);
        out.push({ pointer, value: node, label: field?.label ?? titlesOf(schema, pointer).join(' › '), where: titlesOf(schema, pointer).join(' › '), inForm: Boolean(field) });
      } else if (Array.isArray(node)) node.forEach((child, i) => walk(child, `${pointer}/${i}`));
      else if (isObject(node)) for (const [key, child] of Object.entries(node)) walk(child, `${pointer}/${toPointer([key]).slice(1)}`);
    };
    walk(data, '');
    return out;
  }

  return {
    setData(next) {
      data = isObject(next) ? next : {};
      for (const timer of revealTimers.values()) clearTimeout(timer);
      localErrors.clear();
      serverErrors = [];
      fill();
      refreshMarks();
    },
    getData: () => data,
    showErrors,
    clearErrors,
    problems,
    hasLocalErrors: () => localErrors.size > 0,
    /** Fields whose text is not a number yet, marked or not: [{pointer, label, message, shown, text}]. */
    localErrors: () => [...localErrors].map(([pointer, entry]) => ({ pointer, label: fields.get(pointer)?.label ?? pointer, message: entry.message, shown: entry.shown, text: fields.get(pointer)?.input.value ?? '' })),
    /** Marks every unreadable number at once (e.g. on Enter), not only those already left. */
    revealLocalErrors() {
      for (const [pointer, entry] of localErrors) if (!entry.shown) setLocalError(pointer, entry, { reveal: true });
      refreshMarks();
    },
    /** A short note under fields (not an error): pointer → text; other notes are cleared. */
    setNotes(notes) {
      for (const [pointer, field] of fields) {
        const text = notes.get(pointer);
        field.note.textContent = text ?? '';
        field.note.hidden = !text;
        field.container?.classList.toggle('has-note', Boolean(text));
      }
    },
    strings,
    /** Puts text into a field as if typed (e.g. an unreadable number kept in the autosave), marked at once. */
    setText(pointer, text) {
      const field = fields.get(pointer);
      if (!field || field.input.type === 'checkbox') return;
      field.input.value = text;
      field.update();
      const entry = localErrors.get(pointer);
      if (entry && !entry.shown) {
        setLocalError(pointer, entry, { reveal: true });
        refreshMarks();
      }
    },
    /** Sets one text value (and its input) without touching the rest of the form. */
    setValue(pointer, value) {
      setAt(data, pointer, value);
      const field = fields.get(pointer);
      if (field && field.input.type !== 'checkbox') field.input.value = String(value);
      serverErrors = serverErrors.filter((entry) => entry.target !== field);
      refreshMarks();
    },
    hasField: (pointer) => fields.has(pointer),
    fieldOf: (element) => {
      const pointer = element?.closest?.('[data-path]')?.dataset.path;
      return pointer && fields.has(pointer) ? pointer : undefined;
    },
    titles: (pointer) => titlesOf(schema, pointer),
    focusPath(pointer) {
      const found = targetOf(pointer);
      const node = found?.target.input ?? found?.target.container.querySelector('input, select, button');
      node?.scrollIntoView({ block: 'center' });
      node?.focus({ preventScroll: true });
      return Boolean(node);
    },
  };
}
