// A form generated from a template's JSON Schema (2020-12, local `$ref`s to `$defs`):
// one section per top-level object, labels from `title`, hints from `description`, number inputs
// with their `x-unit`, lists of strings as repeatable inputs. The form edits one data object in
// place, so fields the schema does not know (shown in the raw-JSON tab) are kept as they are.

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

function rangeHint(node) {
  const has = (v) => typeof v === 'number';
  if (has(node.minimum) && has(node.maximum)) return `取值 ${node.minimum} 至 ${node.maximum}`;
  if (has(node.minimum)) return `不小于 ${node.minimum}`;
  if (has(node.maximum)) return `不大于 ${node.maximum}`;
  return '';
}

// ---------------------------------------------------------------- the form

/**
 * @param {HTMLFormElement} form where the fields go (emptied)
 * @param {HTMLElement} nav where the section links go (emptied)
 * @param {object} schema the template's JSON Schema
 * @param {{onChange: () => void}} hooks onChange: the data changed by typing (render again)
 */
export function createSchemaForm(form, nav, schema, hooks) {
  let data = {};
  /** pointer → {input, error, container, label, section} for every scalar input */
  const fields = new Map();
  /** pointer → {error, container, label, section, render} for lists and objects */
  const groups = new Map();
  /** pointers of values their parent requires (never pruned when emptied) */
  const required = new Set();
  /** fields with a value the browser cannot read (e.g. `1.2.3` in a number input) */
  const localErrors = new Map();

  form.replaceChildren();
  nav.replaceChildren();

  const describe = (hint, error) => [hint, error].filter(Boolean).join(' ');

  const removeAt = (pointer) => {
    const segments = parsePointer(pointer);
    const parentPointer = toPointer(segments.slice(0, -1));
    const parent = getAt(data, parentPointer);
    if (!isObject(parent)) return;
    delete parent[segments[segments.length - 1]];
    // An optional group left empty (e.g. 报告人) is left out rather than sent as {}.
    if (parentPointer !== '' && Object.keys(parent).length === 0 && !required.has(parentPointer)) removeAt(parentPointer);
  };

  const setLocalError = (pointer, message) => {
    if (message) localErrors.set(pointer, message);
    else localErrors.delete(pointer);
    const field = fields.get(pointer);
    if (field) showOne(field, message);
  };

  function showOne(target, message) {
    target.error.textContent = message ?? '';
    target.error.hidden = !message;
    target.container.classList.toggle('has-error', Boolean(message));
    if (target.input) {
      if (message) target.input.setAttribute('aria-invalid', 'true');
      else target.input.removeAttribute('aria-invalid');
    }
  }

  function scalarInput(pointer, node, label, section, { listItem = false } = {}) {
    const id = fieldId(pointer);
    const kind = kindOf(node);
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    let input;
    if (Array.isArray(node.enum)) {
      input = el('select', { id });
      input.append(el('option', { value: '', text: '（未选择）' }));
      for (const option of node.enum) input.append(el('option', { value: String(option), text: String(option) }));
    } else if (kind === 'number') {
      input = el('input', {
        id,
        type: 'number',
        inputmode: node.type === 'integer' ? 'numeric' : 'decimal',
        step: node.type === 'integer' ? '1' : 'any',
        min: node.minimum,
        max: node.maximum,
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
    const hintText = listItem ? '' : [node.description, rangeHint(node)].filter(Boolean).join(' ');
    const hint = hintText ? el('p', { className: 'hint', id: hintId, text: hintText }) : null;
    input.setAttribute('aria-describedby', describe(hint ? hintId : '', errorId));

    const readValue = () => {
      if (kind === 'boolean') return { value: input.checked };
      if (input.value === '') return input.validity?.badInput ? { bad: '请输入有效的数字' } : { empty: true };
      if (kind === 'number') return Number.isFinite(Number(input.value)) ? { value: Number(input.value) } : { bad: '请输入有效的数字' };
      if (node.enum && typeof node.enum[0] === 'number') return { value: Number(input.value) };
      return { value: input.value };
    };
    const update = () => {
      const read = readValue();
      if (read.bad) {
        setLocalError(pointer, read.bad);
        return;
      }
      setLocalError(pointer, undefined);
      if (read.empty && !listItem) removeAt(pointer);
      else setAt(data, pointer, read.empty ? '' : read.value);
      hooks.onChange();
    };
    input.addEventListener(kind === 'boolean' || input.tagName === 'SELECT' ? 'change' : 'input', update);

    const field = { input, error, container: null, label, section };
    fields.set(pointer, field);
    return { input, hint, error, field };
  }

  function scalarField(pointer, node, section) {
    const label = node.title ?? parsePointer(pointer).pop();
    const { input, hint, error, field } = scalarInput(pointer, node, label, section);
    const labelEl = el('label', { for: input.id }, label);
    if (required.has(pointer)) labelEl.append(el('span', { className: 'required', 'aria-hidden': 'true', text: '*' }));
    const control = el('div', { className: 'control' }, input);
    if (node['x-unit']) control.append(el('span', { className: 'unit', 'aria-hidden': 'true', text: node['x-unit'] }));
    const wide = kindOf(node) === 'string' && !node.enum && !(node.maxLength <= 30);
    const container = el('div', { className: `field field-${kindOf(node)}${wide ? ' field-wide' : ''}`, 'data-field': pointer }, labelEl, control, hint, error);
    field.container = container;
    return container;
  }

  function listField(pointer, node, section) {
    const itemNode = resolveNode(schema, node.items ?? {});
    const label = node.title ?? parsePointer(pointer).pop();
    const id = fieldId(pointer);
    const error = el('p', { className: 'field-error', id: `${id}-error`, 'data-error-for': pointer, hidden: true });
    const limits = [node.minItems ? `至少 ${node.minItems} 项` : '', node.maxItems ? `最多 ${node.maxItems} 项` : ''].filter(Boolean).join('，');
    const hintText = [node.description, limits].filter(Boolean).join(' ');
    const hint = hintText ? el('p', { className: 'hint', id: `${id}-hint`, text: hintText }) : null;
    const legend = el('legend', {}, label);
    if (required.has(pointer)) legend.append(el('span', { className: 'required', 'aria-hidden': 'true', text: '*' }));
    const list = el('ol', { className: 'list-items' });
    const add = el('button', { type: 'button', className: 'secondary small', text: '添加一项', 'aria-label': `添加一项：${label}` });
    const container = el('fieldset', { className: 'field field-list', 'data-field': pointer, id, 'aria-describedby': describe(hint ? `${id}-hint` : '', `${id}-error`) }, legend, hint, list, add, error);
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
        const { input, error: itemError, field } = scalarInput(itemPointer, itemNode, itemLabel, section, { listItem: true });
        input.setAttribute('aria-label', itemLabel);
        input.value = items[i] ?? '';
        const remove = el('button', { type: 'button', className: 'secondary small', text: '删除', 'aria-label': `删除 ${itemLabel}` });
        remove.addEventListener('click', () => {
          const current = itemsNow();
          if (i < current.length) current.splice(i, 1);
          if (current.length === 0 && !required.has(pointer)) removeAt(pointer);
          render(Math.min(i, Math.max(0, itemsNow().length - 1)));
          hooks.onChange();
        });
        const row = el('li', { className: 'list-item' }, input, remove, itemError);
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
    for (const [pointer, group] of groups) if (group.render) group.render();
    for (const [pointer, field] of fields) {
      if (/\/\d+$/.test(pointer) && groups.get(pointer.replace(/\/\d+$/, ''))?.render) continue;
      const value = getAt(data, pointer);
      if (field.input.type === 'checkbox') field.input.checked = value === true;
      else field.input.value = value === undefined || value === null || typeof value === 'object' ? '' : String(value);
    }
  }

  function clearErrors() {
    for (const field of fields.values()) if (!localErrors.has(field.input.dataset.path)) showOne(field, undefined);
    for (const group of groups.values()) showOne(group, undefined);
    for (const section of sections) {
      section.errors = 0;
      const badge = section.heading.querySelector('.badge');
      badge.hidden = true;
      section.error.hidden = true;
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

  /**
   * Shows the server's 422 details next to their fields. Returns one entry per detail for the
   * summary: {path, label, message, targetId} (targetId undefined when no field shows it).
   */
  function showErrors(details) {
    clearErrors();
    const byTarget = new Map();
    const entries = [];
    for (const detail of details) {
      const found = targetOf(detail.path);
      let message = fieldMessage(detail.message);
      const rest = parsePointer(detail.path).slice(found ? found.at : 0);
      // e.g. an unknown field `/economy/gpd` shown on its section: say which one.
      if (rest.length > 0) message = `${rest.join('/')}：${message}`;
      entries.push({ path: detail.path, label: found?.target.label ?? (detail.path || '整份数据'), message, targetId: found ? (found.target.input ?? found.target.container).id || undefined : undefined });
      if (!found) continue;
      const list = byTarget.get(found.target) ?? [];
      list.push(message);
      byTarget.set(found.target, list);
    }
    for (const [target, messages] of byTarget) {
      showOne(target, messages.join('；'));
      if (target.section) target.section.errors += messages.length;
    }
    for (const section of sections) {
      const badge = section.heading.querySelector('.badge');
      badge.hidden = section.errors === 0;
      badge.textContent = `${section.errors} 处问题`;
    }
    return entries;
  }

  return {
    setData(next) {
      data = isObject(next) ? next : {};
      localErrors.clear();
      clearErrors();
      fill();
    },
    getData: () => data,
    showErrors,
    clearErrors,
    hasLocalErrors: () => localErrors.size > 0,
    focusPath(pointer) {
      const found = targetOf(pointer);
      const node = found?.target.input ?? found?.target.container.querySelector('input, select, button');
      node?.scrollIntoView({ block: 'center' });
      node?.focus({ preventScroll: true });
    },
  };
}
