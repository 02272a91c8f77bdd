// A pooler for a BERT pre-trained with masked LM only. transformers builds BertForMaskedLM without
// one (add_pooling_layer=False), so BertForSequenceClassification loaded from such a folder draws a
// new random bert.pooler.dense at every load. Under LoRA the pooler is frozen and PEFT saves only
// the classifier (modules_to_save), so an adapter trained on one draw would be applied to another:
// at reload its predictions are noise. Like roberta-base, which ships a pooler its pre-training never
// trained, the folder gets one, initialised as BertPreTrainedModel._init_weights does for a Linear
// (weight ~ normal(0, initializer_range), bias 0), from the given seed.
import path from 'path';
import type { DType } from '../dtype';
import { randn, zeros } from '../creation';
import { loadSafetensors, saveSafetensors } from '../io/safetensors';
import { manualSeed } from '../runtime';

export const POOLER_KEYS = ['bert.pooler.dense.weight', 'bert.pooler.dense.bias'] as const;

/** [async] Adds bert.pooler.dense to dir/model.safetensors (in the file's dtype) unless it has one. */
export async function addBertPooler(dir: string, o: { hiddenSize: number; initializerRange?: number; seed: number }): Promise<boolean> {
  const file = path.join(dir, 'model.safetensors');
  const { tensors, metadata } = await loadSafetensors(file);
  try {
    if (POOLER_KEYS.every((k) => tensors.has(k))) return false;
    const dtype: DType = tensors.get('bert.embeddings.word_embeddings.weight')?.dtype ?? 'float32';
    manualSeed(o.seed);
    const h = o.hiddenSize;
    // Drawn in float32 and then cast, as _init_weights draws before a half-precision save.
    const draw = randn([h, h]);
    const weight = draw.mul(o.initializerRange ?? 0.02);
    const bias = zeros([h]);
    POOLER_KEYS.forEach((k) => tensors.get(k)?.dispose());  // a half pooler is replaced whole
    tensors.set(POOLER_KEYS[0], weight.to(dtype));
    tensors.set(POOLER_KEYS[1], bias.to(dtype));
    [draw, weight, bias].forEach((t) => t.dispose());
    await saveSafetensors(file, tensors, Object.keys(metadata).length ? metadata : { format: 'pt' });
    return true;
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}
