// The model a Trainer trains: a transformers model (full or partial fine-tuning) or a PeftModel
// (LoRA). One small interface over both, so the loop, the checkpoints and the best-model logic
// need not know which.
import fs from 'fs';
import path from 'path';
import { loadStateDict } from '../io';
import { assertIdle, moduleHandle } from '../nn/module';
import type { PreTrainedModel } from '../models/pretrained';
import { PeftModel } from '../peft/peft-model';
import { noGrad } from '../scope';
import type { Tensor } from '../tensor';

export interface TrainTarget {
  /** The transformers model whose forward runs (the PeftModel's baseModel for LoRA). */
  readonly model: PreTrainedModel;
  readonly peft: PeftModel | null;
  /** Parameter names as transformers' Trainer sees them (PEFT's "base_model.model." prefix). */
  namedParameters(): [string, Tensor][];
  /** transformers' num_parameters(exclude_embeddings=True), for total_flos. */
  nonEmbeddingParameters(): number;
  /** Writes the model into a checkpoint folder: the adapter (PEFT files) or the whole model. */
  save(dir: string): Promise<void>;
  /** Loads weights saved by save() into the current parameters (resume, best model). */
  load(dir: string): Promise<void>;
}

const EMBEDDINGS = new Set(['Embedding', 'OPTLearnedPositionalEmbedding']);

function nonEmbedding(model: PreTrainedModel): number {
  const embeddingParams = new Set(model.namedModules().filter(([, m]) => EMBEDDINGS.has(m.type)).map(([name]) => (name ? `${name}.weight` : 'weight')));
  return model.namedParameters().reduce((n, [name, t]) => n + (embeddingParams.has(name) ? 0 : t.numel), 0);
}

/** Copies a full checkpoint's weights (model.safetensors) into the model's parameters and buffers. */
async function loadFull(model: PreTrainedModel, dir: string): Promise<void> {
  const { tensors } = await loadStateDict(dir);
  const own = model.stateDict();
  const missing = [...own.keys()].filter((k) => !tensors.has(k) && model.namedParameters().some(([n]) => n === k));
  if (missing.length > 0) throw new Error(`checkpoint ${dir} lacks ${missing.length} parameters of the model, e.g. ${missing.slice(0, 3).join(', ')}`);
  assertIdle(model, 'loading a checkpoint');  // the copies below run without a break: no forward can start between
  noGrad(() => {
    for (const [key, t] of tensors) {
      const target = own.get(key);
      if (!target) continue;
      if (target.shape.join() !== t.shape.join()) throw new Error(`checkpoint ${dir}: ${key} has shape [${t.shape}], the model has [${target.shape}]`);
      target.copy_(t);
    }
  });
  for (const t of tensors.values()) t.dispose();
}

export function trainTarget(model: PreTrainedModel | PeftModel): TrainTarget {
  if (model instanceof PeftModel) {
    return {
      model: model.baseModel,
      peft: model,
      namedParameters: () => model.namedParameters(),
      nonEmbeddingParameters: () => nonEmbedding(model.baseModel),
      save: (dir) => model.savePretrained(dir),
      load: (dir) => model.loadAdapterWeights(dir),
    };
  }
  moduleHandle(model);  // a Module, or a TypeError naming what it got
  return {
    model,
    peft: null,
    namedParameters: () => model.namedParameters(),
    nonEmbeddingParameters: () => nonEmbedding(model),
    save: (dir) => model.savePretrained(dir),
    load: (dir) => {
      if (!fs.existsSync(path.join(dir, 'model.safetensors'))) return Promise.reject(new Error(`no model.safetensors in ${dir}`));
      return loadFull(model, dir);
    },
  };
}
