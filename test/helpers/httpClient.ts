/**
 * Small helpers for talking to the HTTP API in tests and checking its error contract (docs/architecture.md):
 * `{"error": {"code", "message", "details": [{"path", "message"}], "requestId"}}`, never a stack.
 */
import { projectTemplates } from './app';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(url: string, init: RequestInit = {}): Promise<ApiResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Asserts the error contract and returns the error object. */
export function expectError(response: ApiResponse, status: number, code: string): { code: string; message: string; details: { path: string; message: string }[]; requestId: string } {
  expect({ status: response.status, code: response.json?.error?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(Object.keys(response.json)).toEqual(['error']);
  const error = response.json.error;
  expect(Object.keys(error).sort()).toEqual(['code', 'details', 'message', 'requestId']);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(10);
  expect(Array.isArray(error.details)).toBe(true);
  for (const detail of error.details) {
    expect(Object.keys(detail).sort()).toEqual(['message', 'path']);
    expect(typeof detail.path).toBe('string');
    expect(typeof detail.message).toBe('string');
  }
  expect(typeof error.requestId).toBe('string');
  expect(error.requestId.length).toBeGreaterThan(0);
  expect(response.headers.get('x-request-id')).toBe(error.requestId);
  // No stack frames, file paths or class names from the inside.
  expect(response.text).not.toMatch(/\bat .+\(|\.ts:\d+|\/node_modules\/|Error:/);
  return error;
}

export const TEMPLATE = 'county-annual-report';

/** The template's samples by name, in name order, as the service loaded them; each call gives fresh copies a test may change. */
export function samples(): Record<string, Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const template = projectTemplates().get(TEMPLATE);
  return Object.fromEntries(template.samples.map((name) => [name, structuredClone(template.sampleData[name]) as Record<string, unknown>]));
}

/** The same object with its keys in reverse order at every level (same data, other spelling). */
export function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
}
