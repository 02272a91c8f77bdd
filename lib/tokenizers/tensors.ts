/** returnTensors: 'pt' — batch rows as int64 tensors. */
import { tensor } from '../creation';
import type { Tensor } from '../tensor';
import type { BatchEncoding } from './types';

/** The same rows as tensors; they must be rectangular (padded) to form one. */
export function toTensors(where: string, enc: BatchEncoding): BatchEncoding<Tensor> {
  const width = enc.inputIds[0]?.length ?? 0;
  if (enc.inputIds.some((row) => row.length !== width)) {
    throw new RangeError(`${where}: rows have different lengths, so they cannot form a tensor; pass padding: true (and truncation: true)`);
  }
  const asTensor = (rows: number[][] | number[]) => tensor(rows, { dtype: 'int64' });
  const out: BatchEncoding<Tensor> = { inputIds: asTensor(enc.inputIds) };
  if (enc.attentionMask) out.attentionMask = asTensor(enc.attentionMask);
  if (enc.tokenTypeIds) out.tokenTypeIds = asTensor(enc.tokenTypeIds);
  if (enc.overflowToSampleMapping) out.overflowToSampleMapping = asTensor(enc.overflowToSampleMapping);
  return out;
}
