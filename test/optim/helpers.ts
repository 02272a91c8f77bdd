// The bert-train-trace fixture (transformers 4.29 + PEFT 0.3.0 + torch 1.13.1): a BERT classifier
// trained with AdamW(lr 1e-3, wd 0.01) and clip_grad_norm_(1.0), dropout off; LoRA, full and top-layer.
import fs from 'fs';
import os from 'os';
import path from 'path';
import * as torch from '../../lib';
import { BertForSequenceClassification, PeftModel } from '../../lib';
import { saveSafetensors } from '../../lib/io';
import { cases, fixture } from '../models/helpers';

export const TRACE = 'bert-train-trace';
export const trace = () => cases(TRACE);
export const traceExpected = () => JSON.parse(fs.readFileSync(fixture(TRACE, 'expected.json'), 'utf8'));

export function traceInputs(c: Map<string, torch.Tensor>) {
  return { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')!, labels: c.get('labels')! };
}

export async function traceModel(): Promise<BertForSequenceClassification> {
  const model = await BertForSequenceClassification.fromPretrained(fixture(TRACE), { warn: false });
  return model.eval();  // the trace trained with dropout off (modules in eval mode)
}

/** The LoRA case: the trace's initial adapter (lora.init.*) loaded as a trainable PEFT adapter. */
export async function traceLoraModel(c: Map<string, torch.Tensor>): Promise<PeftModel> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-trace-'));
  fs.copyFileSync(fixture(TRACE, 'adapter_after_training', 'adapter_config.json'), path.join(dir, 'adapter_config.json'));
  const init = new Map([...c].filter(([k]) => k.startsWith('lora.init.')).map(([k, t]) => [k.slice('lora.init.'.length), t]));
  await saveSafetensors(path.join(dir, 'adapter_model.safetensors'), init);
  const peft = await PeftModel.fromPretrained(await traceModel(), dir, { isTrainable: true });
  fs.rmSync(dir, { recursive: true, force: true });
  return peft.eval();
}
