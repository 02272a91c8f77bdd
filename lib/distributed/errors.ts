// The one error class of lib/distributed: what failed, on which rank, and what to do about it.
export class DistributedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DistributedError';
  }
}
