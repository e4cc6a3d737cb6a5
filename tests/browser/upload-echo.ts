/**
 * A Koa middleware for the test server (web-test-runner.config.mjs): `POST /__echo-upload` takes a
 * form as the browser submits it (multipart/form-data) and answers, as plain text, the JSON of what
 * arrived: each field's value, or `{filename, type, size}` for a file. A test submits a real form
 * into an <iframe> and reads the answer there.
 */
import type { Context, Next } from 'koa';

export const UPLOAD_ECHO_PATH = '/__echo-upload';

export async function uploadEcho(context: Context, next: Next): Promise<void> {
  if (context.method !== 'POST' || context.path !== UPLOAD_ECHO_PATH) return next();
  const chunks: Buffer[] = [];
  for await (const chunk of context.req) chunks.push(chunk as Buffer);
  // The fetch API's own multipart parser (undici, in node).
  const form = await new Request('http://localhost/', {
    method: 'POST',
    headers: { 'content-type': context.get('content-type') },
    body: Buffer.concat(chunks),
  }).formData();
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form) {
    fields[name] = typeof value === 'string' ? value : { filename: value.name, type: value.type, size: value.size };
  }
  context.type = 'text/plain';
  context.body = JSON.stringify(fields);
}
