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
  return bare;
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

/** Server error codes in words a clerk understands. */
export function errorText(code, message) {
  switch (code) {
    case 'RENDERER_BUSY':
      return '生成服务正忙，稍后会自动重试。';
    case 'RENDER_TIMEOUT':
      return '生成超时：数据可能过多，请稍后重试。';
    case 'LIMIT_EXCEEDED':
      return `数据过多，超出限制：${message}`;
    case 'TEMPLATE_NOT_FOUND':
      return '找不到这个模板，请刷新页面。';
    case 'INVALID_REQUEST':
      return `请求无效：${message}`;
    default:
      return `生成失败（${code}）：${message}`;
  }
}
