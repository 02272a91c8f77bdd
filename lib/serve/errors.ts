// Errors the server answers with: an HTTP status and an OpenAI-shaped JSON body
// ({"error": {"message", "type", "param", "code"}}) whose message says what is wrong and how to fix it.

export class HttpError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly param: string | null = null, readonly code: string | null = null) {
    super(message);
    this.name = 'HttpError';
  }

  toJSON(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400: the request itself is wrong (a field's type or range, a prompt too long). */
export const invalidRequest = (message: string, param: string | null = null): HttpError => new HttpError(400, 'invalid_request_error', message, param);

/** 404: no such model (base or adapter). */
export const modelNotFound = (name: string, known: string[]): HttpError =>
  new HttpError(404, 'invalid_request_error', `model '${name}' does not exist: use 'base' or one of the adapters (${known.length > 0 ? known.join(', ') : 'none available'}); GET /v1/models lists them`, 'model', 'model_not_found');

/** Any failure as an HttpError: unexpected ones become a 500 that names the failure. */
export function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HttpError(500, 'server_error', `internal error: ${message}`);
}
