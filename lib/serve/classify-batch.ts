// One classification forward over several requests' texts: right-padded as BERT was trained,
// then softmax probabilities handed back to each request.
import { tensor, zeros } from '../creation';
import type { Device } from '../dtype';
import { rowProbabilities } from '../finetune/inference';
import type { ClassificationJob } from './jobs';
import type { ModelHost } from './model-host';

export async function runClassification(host: ModelHost, jobs: ClassificationJob[], padTokenId: number): Promise<void> {
  const texts = jobs.flatMap((j) => j.inputs.map((ids) => ({ ids, adapter: j.adapter })));
  const longest = Math.max(...texts.map((t) => t.ids.length));
  const device: Device = host.device;
  const inputIds = tensor(texts.map((t) => [...t.ids, ...new Array<number>(longest - t.ids.length).fill(padTokenId)]), { dtype: 'int64', device });
  const attentionMask = tensor(texts.map((t) => Array.from({ length: longest }, (_, i) => (i < t.ids.length ? 1 : 0))), { dtype: 'int64', device });
  const tokenTypeIds = zeros([texts.length, longest], { dtype: 'int64', device });
  try {
    const logits = await host.classify({ inputIds, attentionMask, tokenTypeIds }, texts.map((t) => t.adapter));
    const probs = rowProbabilities(logits);
    logits.dispose();
    let at = 0;
    for (const job of jobs) {
      job.onResult(probs.slice(at, at + job.inputs.length));
      at += job.inputs.length;
    }
  } finally {
    for (const t of [inputIds, attentionMask, tokenTypeIds]) t.dispose();
  }
}
