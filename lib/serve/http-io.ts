// Reading JSON bodies (bounded) and writing JSON answers and server-sent events on Node's http.
// Node's own http module rather than a framework: the server needs exactly streaming responses,
// the socket's close event (client-disconnect cancellation) and connection draining on SIGTERM,
// which it gives directly, with no dependency to keep up to date.
import type { IncomingMessage, ServerResponse } from 'http';
import { HttpError, invalidRequest } from './errors';

/** [async] The request's JSON body; 413 past limit bytes, 400 when it is not JSON. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const tooLarge = () => new HttpError(413, 'invalid_request_error', `the request body is larger than ${limit} bytes: send a shorter prompt (the server's --max-body-bytes bounds it)`);
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw invalidRequest('the request body is empty: send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidRequest(`malformed JSON in the request body: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;  // the client has gone
  if (res.headersSent) { res.end(); return; }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Server-sent events, as OpenAI streams: `data: <json>` events, then `data: [DONE]`. */
export class EventStream {
  constructor(readonly res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
  }
  get open(): boolean { return !this.res.writableEnded && !this.res.destroyed; }
  send(data: unknown): void { if (this.open) this.res.write(`data: ${JSON.stringify(data)}\n\n`); }
  end(): void { if (this.open) this.res.end('data: [DONE]\n\n'); }
}
