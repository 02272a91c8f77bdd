// Config fields that shape a model are validated before anything native is built: errors name the
// field (and the config.json they came from) instead of crashing the process or building
// another model than the checkpoint's.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { BertConfig, BertForSequenceClassification, OPTConfig, OPTForCausalLM } from '../../lib';
import { fixture } from './helpers';

const SMALL_BERT = { vocab_size: 50, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16 };
const SMALL_OPT = { vocab_size: 50, hidden_size: 16, ffn_dim: 32, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 16 };

/** A copy of a fixture folder whose config.json has `changes` applied. */
function folderWith(folder: string, changes: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-config-'));
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(fixture(folder, f), path.join(dir, f));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, ...changes }));
  return dir;
}

describe('model config validation', () => {
  it('num_attention_heads: 0 is an error naming the field (BERT and OPT, fromConfig), not SIGFPE', () => {
    expect(() => BertForSequenceClassification.fromConfig(new BertConfig({ ...SMALL_BERT, num_attention_heads: 0 })))
      .toThrow(/^BertConfig: num_attention_heads: expected an integer in \[1, 16\], received 0$/);
    expect(() => new OPTConfig({ ...SMALL_OPT, num_attention_heads: 0 })).toThrow(/^OPTConfig: num_attention_heads: expected an integer in \[1, 16\], received 0$/);
  });

  it('num_attention_heads: 0 in config.json names the file and the field (BERT and OPT, fromPretrained)', async () => {
    const bert = folderWith('bert-seqcls', { num_attention_heads: 0 });
    await expect(BertForSequenceClassification.fromPretrained(bert, { warn: false }))
      .rejects.toThrow(`${path.join(bert, 'config.json')}: num_attention_heads: expected an integer in [1, 32], received 0`);
    const opt = folderWith('opt-causal', { num_attention_heads: 0 });
    await expect(OPTForCausalLM.fromPretrained(opt, { warn: false })).rejects.toThrow(`${path.join(opt, 'config.json')}: num_attention_heads`);
  });

  it('hidden_size must be a multiple of num_attention_heads when a model is built, as transformers requires', async () => {
    const bert = new BertConfig({ ...SMALL_BERT, num_attention_heads: 3 });  // a config alone is fine, as in transformers
    expect(() => BertForSequenceClassification.fromConfig(bert)).toThrow(/^BertConfig: hidden_size \(16\) is not a multiple of num_attention_heads \(3\)/);
    expect(() => OPTForCausalLM.fromConfig(new OPTConfig({ ...SMALL_OPT, num_attention_heads: 5 }))).toThrow(/hidden_size \(16\) is not a multiple of num_attention_heads \(5\)/);
    const dir = folderWith('bert-seqcls', { num_attention_heads: 3 });
    await expect(BertForSequenceClassification.fromPretrained(dir, { warn: false })).rejects.toThrow(`${path.join(dir, 'config.json')}: hidden_size (32) is not a multiple of num_attention_heads (3)`);
  });

  it('sizes must be positive integers under sane bounds', () => {
    expect(() => new BertConfig({ ...SMALL_BERT, num_hidden_layers: 1e9 })).toThrow(/num_hidden_layers: expected an integer in \[0, 1024\], received 1000000000/);
    expect(() => new BertConfig({ ...SMALL_BERT, vocab_size: 0 })).toThrow(/vocab_size: expected an integer/);
    expect(() => new BertConfig({ ...SMALL_BERT, hidden_size: 16.5 })).toThrow(/hidden_size: expected an integer/);
    expect(() => new BertConfig({ ...SMALL_BERT, intermediate_size: '32' })).toThrow(/intermediate_size: expected an integer .* received "32"/);
    expect(() => new BertConfig({ ...SMALL_BERT, type_vocab_size: -1 })).toThrow(/type_vocab_size/);
    expect(() => new BertConfig({ ...SMALL_BERT, max_position_embeddings: 2 ** 40 })).toThrow(/max_position_embeddings/);
    expect(() => new OPTConfig({ ...SMALL_OPT, ffn_dim: 0 })).toThrow(/ffn_dim/);
    expect(() => new OPTConfig({ ...SMALL_OPT, word_embed_proj_dim: -8 })).toThrow(/word_embed_proj_dim/);
    expect(() => new BertConfig({ ...SMALL_BERT, num_labels: 0 })).toThrow(/num_labels: expected an integer in \[1, /);
  });

  it('activations must be ones node-peft implements; probabilities must lie in [0, 1]', () => {
    expect(() => new BertConfig({ ...SMALL_BERT, hidden_act: 'mish' })).toThrow(/hidden_act: expected one of 'gelu', .* received "mish"/);
    expect(() => new OPTConfig({ ...SMALL_OPT, activation_function: 'relu6' })).toThrow(/activation_function: expected one of/);
    expect(() => new BertConfig({ ...SMALL_BERT, hidden_dropout_prob: 1.5 })).toThrow(/hidden_dropout_prob: expected a probability in \[0, 1\], received 1.5/);
    expect(() => new BertConfig({ ...SMALL_BERT, classifier_dropout: -0.1 })).toThrow(/classifier_dropout: expected a probability in \[0, 1\] or null/);
    expect(() => new OPTConfig({ ...SMALL_OPT, attention_dropout: NaN })).toThrow(/attention_dropout/);
    expect(() => new BertConfig({ ...SMALL_BERT, layer_norm_eps: 0 })).toThrow(/layer_norm_eps: expected a finite number > 0/);
  });

  it('options that would build another model than transformers\' are refused by name', () => {
    expect(() => new BertConfig({ ...SMALL_BERT, position_embedding_type: 'relative_key' })).toThrow(/position_embedding_type: expected one of 'absolute'/);
    expect(() => new BertConfig({ ...SMALL_BERT, is_decoder: true })).toThrow(/is_decoder: expected false/);
    expect(() => new OPTConfig({ ...SMALL_OPT, layerdrop: 0.1 })).toThrow(/layerdrop: expected 0 \(node-peft does not implement LayerDrop\)/);
    expect(() => new OPTConfig({ ...SMALL_OPT, enable_bias: 'yes' })).toThrow(/enable_bias: expected true or false/);
  });

  it('special token ids must be ids of the vocabulary; a null pad_token_id builds an embedding without padding', () => {
    expect(() => new BertConfig({ ...SMALL_BERT, pad_token_id: 50 })).toThrow(/pad_token_id: expected an integer in \[0, 49\], received 50/);
    expect(() => new OPTConfig({ ...SMALL_OPT, eos_token_id: -1 })).toThrow(/eos_token_id/);
    const model = BertForSequenceClassification.fromConfig(new BertConfig({ ...SMALL_BERT, pad_token_id: null }));
    expect(String(model.getSubmodule('bert.embeddings.word_embeddings'))).toBe('Embedding(50, 16)');
  });

  it('the fixtures\' configs and transformers\' defaults pass', () => {
    expect(() => new BertConfig()).not.toThrow();
    expect(() => new OPTConfig()).not.toThrow();
    for (const folder of ['bert-seqcls', 'opt-causal', 'bert-lora-default', 'opt-lora-default']) {
      const dict = JSON.parse(fs.readFileSync(fixture(folder, 'config.json'), 'utf8'));
      expect(() => (dict.model_type === 'bert' ? new BertConfig(dict) : new OPTConfig(dict))).not.toThrow();
    }
  });
});
