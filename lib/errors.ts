/** Every native failure surfaces as a TorchError: shape mismatches, bad dtypes, bad indices, I/O. */
export class TorchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchError';
  }
}

/**
 * An operation refused because async work it would race with is still in flight: a structural
 * change of a model (merge, setAdapter, to(), train(), ...) while forwards, generation or training
 * steps run on it, or reading / clearing .grad while a backward pass runs. Nothing was changed;
 * await the work named in the message, then retry.
 */
export class BusyError extends TorchError {
  constructor(message: string) {
    super(message);
    this.name = 'BusyError';
  }
}

/** Use of a Tensor (or model) after dispose(). */
export class DisposedError extends TorchError {
  constructor(what = 'Tensor') {
    super(`${what} has been disposed`);
    this.name = 'DisposedError';
  }
}

/**
 * Async native work rejects from a libuv callback, whose stack says nothing about the caller;
 * capture the caller's stack before queueing and put it on the error.
 */
export function withCallerStack<T>(promise: Promise<T>): Promise<T> {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, withCallerStack);
  return promise.catch((err: unknown) => {
    if (err instanceof Error && holder.stack) {
      err.stack = `${err.name}: ${err.message}\n${holder.stack.split('\n').slice(1).join('\n')}`;
    }
    throw err;
  });
}
