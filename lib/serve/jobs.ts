// What the HTTP layer hands the scheduler: a generation (tokens streamed back through callbacks)
// or a classification, each with the adapter it runs with, a deadline, and a cancel flag that a
// client disconnect sets.
import type { HttpError } from './errors';
import type { SamplingParams } from './sampler';

export type FinishReason = 'stop' | 'length';

interface JobBase {
  /** The adapter to run with; NO_ADAPTER for the base model. */
  readonly adapter: string;
  /** Date.now() after which the job is abandoned with a 504. */
  readonly deadline: number;
  /** Set by the HTTP layer when the client has gone: the job is dropped at the next step. */
  cancelled: boolean;
  /** Called once, when the job fails (timeout, forward error, adapter refused). */
  onError(err: HttpError): void;
}

export interface GenerationJob extends JobBase {
  readonly kind: 'generation';
  readonly promptIds: number[];
  readonly maxTokens: number;
  readonly sampling: SamplingParams;
  /** The end-of-sequence token, or null to run to maxTokens. */
  readonly eosTokenId: number | null;
  /** Each new token (the end-of-sequence token is not passed). */
  onToken(token: number): void;
  /** Called once, when generation has finished. */
  onFinish(reason: FinishReason): void;
}

export interface ClassificationJob extends JobBase {
  readonly kind: 'classification';
  /** Token ids of each text (with the tokenizer's special tokens). */
  readonly inputs: number[][];
  /** Class probabilities of each text. */
  onResult(probabilities: number[][]): void;
}

export type Job = GenerationJob | ClassificationJob;
