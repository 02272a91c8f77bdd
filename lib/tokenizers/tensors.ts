/**
 * returnTensors: 'pt' — batch rows as int64 tensors. node-peft's tensor module (the native
 * libtorch addon) is required lazily, on first use, so that tokenizers load and run on machines
 * where the addon is not built.
 */
import type { Tensor } from '../tensor';
import type { BatchEncoding } from './base';

type TensorFactory = (data: number[][] | number[], options: { dtype: 'int64' }) => Tensor;

/** Where `tensor()` may live; lib/index.ts re-exports it whichever file defines it. */
const CANDIDATES = ['../tensor', '../creation', '..'];

let factory: TensorFactory | undefined;

function loadFactory(where: string): TensorFactory {
  if (factory) return factory;
  const failures: string[] = [];
  for (const id of CANDIDATES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(id) as { tensor?: unknown };
      if (typeof mod.tensor === 'function') return (factory = mod.tensor as TensorFactory);
      failures.push(`${id}: no tensor() export`);
    } catch (err) {
      failures.push(`${id}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `${where}: returnTensors 'pt' needs node-peft's native tensor module, which could not be loaded ` +
      `(${failures.join('; ')}). Use returnTensors: 'array' or build the addon (npm run build).`,
  );
}

/** The same rows as tensors; they must be rectangular (padded) to form one. */
export function toTensors(where: string, enc: BatchEncoding): BatchEncoding<Tensor> {
  const width = enc.inputIds[0]?.length ?? 0;
  if (enc.inputIds.some((row) => row.length !== width)) {
    throw new RangeError(`${where}: rows have different lengths, so they cannot form a tensor; pass padding: true (and truncation: true)`);
  }
  const tensor = loadFactory(where);
  const out: BatchEncoding<Tensor> = { inputIds: tensor(enc.inputIds, { dtype: 'int64' }) };
  if (enc.attentionMask) out.attentionMask = tensor(enc.attentionMask, { dtype: 'int64' });
  if (enc.tokenTypeIds) out.tokenTypeIds = tensor(enc.tokenTypeIds, { dtype: 'int64' });
  if (enc.overflowToSampleMapping) out.overflowToSampleMapping = tensor(enc.overflowToSampleMapping, { dtype: 'int64' });
  return out;
}
