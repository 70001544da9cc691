// Chinese wording for the server's validation messages and small display helpers.
// The server writes `must be >= 0（地区生产总值（亿元））`; the page shows the message next to the
// field whose label is already visible, so the label in brackets is dropped and the rest said in
// Chinese. Anything not recognised is shown as the server wrote it.

const RULES = [
  [/^is required$/, () => '必填，不能为空'],
  [/^must be >= (.+)$/, (m) => `不能小于 ${m[1]}`],
  [/^must be <= (.+)$/, (m) => `不能大于 ${m[1]}`],
  [/^must be > (.+)$/, (m) => `须大于 ${m[1]}`],
  [/^must be < (.+)$/, (m) => `须小于 ${m[1]}`],
  [/^must be integer$/, () => '须为整数'],
  [/^must be number$/, () => '须为数字'],
  [/^must be string$/, () => '须为文字'],
  [/^must be array$/, () => '须为列表'],
  [/^must be object$/, () => '须为一组字段（对象）'],
  [/^must be boolean$/, () => '须为是或否'],
  [/^must NOT have more than (\d+) characters$/, (m) => `不能超过 ${m[1]} 个字`],
  [/^must NOT have fewer than (\d+) characters?$/, (m) => `至少 ${m[1]} 个字`],
  [/^must NOT have more than (\d+) items$/, (m) => `最多 ${m[1]} 项`],
  [/^must NOT have fewer than (\d+) items?$/, (m) => `至少 ${m[1]} 项`],
  [/^must NOT have duplicate items.*$/, () => '不能有重复的项'],
  [/^must not start or end with a space, and must not contain control characters.*$/, () => '首尾不能有空格，也不能含换行等控制字符'],
  [/^has a form this field does not accept$/, () => '格式不符合本栏要求'],
  [/^must match format "(.+)"$/, (m) => `格式不正确（应为 ${m[1]}）`],
  [/^must be equal to one of the allowed values$/, () => '不是允许的取值'],
  [/^is not a field of this template.*$/, () => '不是本模板的字段：请删除，或检查拼写'],
  [/^contains the control character .*$/, () => '含有控制字符，请删除'],
  [/^contains the bidirectional control character .*$/, () => '含有可伪装文字的方向控制字符，请删除'],
  [/^contains broken Unicode.*$/, () => '含有损坏的字符，请重新输入'],
  [/^is (\d+) characters long; the limit is (\d+)$/, (m) => `有 ${m[1]} 个字，最多 ${m[2]} 个字`],
  [/^has (\d+) items; the limit is (\d+)$/, (m) => `有 ${m[1]} 项，最多 ${m[2]} 项`],
  [/^has more than (\d+) values.*$/, (m) => `数据项超过 ${m[1]} 个，请拆分`],
  [/^is nested more than (\d+) levels deep$/, (m) => `嵌套超过 ${m[1]} 层`],
  [/^"(.+)" is a reserved name and cannot be a field$/, (m) => `“${m[1]}”是保留名称，不能用作字段名`],
  [/^must be multiple of (.+)$/, (m) => `须为 ${m[1]} 的整数倍`],
  [/^must match pattern .*$/, () => '格式不符合本栏要求'],
  [/^must have required property '(.+)'$/, (m) => `缺少必填项“${m[1]}”`],
  [/^must NOT have additional properties$/, () => '含有本模板没有的字段'],
  [/^must be (?:number|integer|string|boolean|object|array)(?:,(?:number|integer|string|boolean|object|array|null))+$/, () => '类型不对'],
  [/^is invalid$/, () => '填写的内容不符合要求'],
];

/** The server's message without the trailing `（label）` it appends. */
export function stripLabel(message) {
  // The label itself may contain full-width brackets: 地区生产总值（亿元）.
  const open = message.indexOf('（');
  return open > 0 && message.endsWith('）') ? message.slice(0, open) : message;
}

/** One validation message in Chinese, e.g. `must be >= 0（…）` → `不能小于 0`. */
export function fieldMessage(message) {
  const bare = stripLabel(String(message)).trim();
  for (const [pattern, say] of RULES) {
    const m = pattern.exec(bare);
    if (m) return say(m);
  }
  // A message no rule knows: say so in Chinese rather than show English alone.
  return /[\u4e00-\u9fff]/.test(bare) ? bare : `不符合本模板的要求（${bare}）`;
}

/** 290714 → `284 KB`, 13.1 MB… */
export function formatBytes(bytes) {
  if (typeof bytes !== 'number') return '—';
  if (bytes < 1024) return `${bytes} 字节`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatSeconds(ms) {
  if (typeof ms !== 'number') return '—';
  return ms < 1000 ? `${(ms / 1000).toFixed(2)} 秒` : `${(ms / 1000).toFixed(1)} 秒`;
}

/**
 * Server error codes in words a clerk understands. The server's own (English) message is for
 * developers: it is left out here; the page keeps it in the status element's `title`.
 */
export function errorText(code, message) {
  void message;
  switch (code) {
    case 'RENDERER_BUSY':
      return '生成服务正忙，稍后会自动重试。';
    case 'RENDER_TIMEOUT':
      return '生成超时：数据可能过多，请稍后重试。';
    case 'LIMIT_EXCEEDED':
      return '数据过多，超出了服务的限制：请减少列表的项数或文字的长度。';
    case 'TEMPLATE_NOT_FOUND':
      return '找不到这个模板，请刷新页面。';
    case 'INVALID_REQUEST':
      return '服务拒绝了这份数据：格式不对，请检查“原始 JSON”页。';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return '服务拒绝了这个文件：类型不对。';
    case 'ROUTE_NOT_FOUND':
      return '本地服务没有这项功能：请更新并重新运行 npm start。';
    case 'STORAGE_ERROR':
      return '保存或读取 PDF 失败：本地存储出了问题，请稍后重试。';
    default:
      return `生成失败，服务返回错误（${code}）。`;
  }
}

// ---------------------------------------------------------------- JSON syntax errors in Chinese

const FULL_WIDTH = { '，': ',', '：': ':', '“': '"', '”': '"', '‘': "'", '’': "'", '｛': '{', '｝': '}', '［': '[', '］': ']', '【': '[', '】': ']', '、': ',', '；': ';' };

/**
 * Where and why a text is not JSON, in Chinese: `{line, column, offset, reason}` (1-based line and
 * column), or undefined when it is JSON. The browser's own message is English and differs between
 * browsers, so the text is read again here by a small JSON reader that knows the usual slips: a
 * Chinese comma or quote, a missing comma, a comma after the last item, an unquoted name.
 */
export function jsonProblem(text) {
  let i = 0;
  const fail = (reason, at = i) => {
    throw Object.assign(new Error(reason), { at });
  };
  const describe = (at) => {
    const c = text[at];
    if (c === undefined) return undefined;
    if (FULL_WIDTH[c]) return `这里是中文标点“${c}”，JSON 须用英文半角标点（${FULL_WIDTH[c]}）`;
    if (c === "'") return 'JSON 的引号须用英文双引号（"），不能用单引号';
    return undefined;
  };
  const unexpected = (expected) => fail(describe(i) ?? (i >= text.length ? `内容在这里意外结束：${expected}` : `这里不应出现“${text[i]}”：${expected}`));
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('true、false、null 拼写不对（须为小写英文）');
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('文字没有结束：缺少右双引号（"）');
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\n' || c === '\r') fail('文字中间不能直接换行：缺少右双引号（"），或把换行写作 \\n');
      if (c < ' ') fail('文字中含有控制字符，请删除');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('反斜杠（\\）后的写法不对：要写反斜杠本身请写两个（\\\\）');
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail('数字写法不对（JSON 的数字不能以 + 或 . 开头，也不能有多余的 0）');
    i += m[0].length;
    if (/[\d.]/.test(text[i] ?? '')) fail('数字写法不对：只能有一个小数点，整数部分也不能以 0 开头');
  };
  const value = (depth) => {
    ws();
    if (depth > 200) fail('嵌套太深');
    const c = text[i];
    if (c === '{') return object(depth);
    if (c === '[') return array(depth);
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    return unexpected('这里应是一个值（数字、"文字"、{ … }、[ … ]、true、false 或 null）');
  };
  const object = (depth) => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') {
        if (text[i] === '}') fail('多余的逗号：最后一项后面不能有逗号');
        if (/\d/.test(text[i] ?? '') && /\d\s*,\s*$/.test(text.slice(0, i))) fail('JSON 的数字不能带千位分隔的逗号：请写作 1234.5');
        unexpected('字段名须用英文双引号括起来，如 "gdp"');
      }
      string();
      ws();
      if (text[i] !== ':') unexpected('字段名后缺少冒号（:）');
      i++;
      value(depth + 1);
      const end = i;
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '"') fail('这一项后面缺少逗号（,）', end);
      if (text[i] === '}') {
        i++;
        return;
      }
      unexpected('缺少逗号（,）或右花括号（}）');
    }
  };
  const array = (depth) => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === ']') fail('多余的逗号：最后一项后面不能有逗号');
      value(depth + 1);
      const end = i;
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] !== undefined && /["{[\d-]/.test(text[i])) fail('这一项后面缺少逗号（,）', end);
      if (text[i] === ']') {
        i++;
        return;
      }
      unexpected('缺少逗号（,）或右方括号（]）');
    }
  };
  try {
    ws();
    if (i >= text.length) fail('内容是空的：请粘贴一个 { … }');
    value(0);
    ws();
    if (i < text.length) fail('数据在前面已经结束，这里还有多余的内容：一次只能有一个 { … }');
    return undefined;
  } catch (error) {
    const at = Math.min(error.at ?? i, text.length);
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - (before.lastIndexOf('\n') + 1) + 1;
    return { line, column, offset: at, reason: error.message };
  }
}
