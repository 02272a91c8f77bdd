// Model configs: transformers' config.json fields with transformers' defaults. On disk and in
// `toDict()` they are snake_case, as transformers writes them; unknown fields are kept.
import fs from 'fs';
import path from 'path';
import { invalid } from '../validate';
import { validateBertConfig, validateHeads, validateNumLabels, validateOPTConfig } from './config-validate';

export type ConfigDict = Record<string, unknown>;

/** Fields shared by every transformers config (PretrainedConfig), with its defaults. */
const COMMON: ConfigDict = {
  architectures: null,
  id2label: { 0: 'LABEL_0', 1: 'LABEL_1' },
  label2id: { LABEL_0: 0, LABEL_1: 1 },
  problem_type: null,
  torch_dtype: null,
  pad_token_id: null,
  bos_token_id: null,
  eos_token_id: null,
};

export const BERT_DEFAULTS: ConfigDict = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  use_cache: true,
  classifier_dropout: null,
};

export const OPT_DEFAULTS: ConfigDict = {
  model_type: 'opt',
  vocab_size: 50272,
  hidden_size: 768,
  num_hidden_layers: 12,
  ffn_dim: 3072,
  max_position_embeddings: 2048,
  do_layer_norm_before: true,
  _remove_final_layer_norm: false,
  word_embed_proj_dim: null,
  dropout: 0.1,
  attention_dropout: 0.0,
  num_attention_heads: 12,
  activation_function: 'relu',
  layerdrop: 0.0,
  init_std: 0.02,
  use_cache: true,
  pad_token_id: 1,
  bos_token_id: 2,
  eos_token_id: 2,
  enable_bias: true,
  layer_norm_elementwise_affine: true,
};

const DEFAULTS: Record<string, ConfigDict> = { bert: BERT_DEFAULTS, opt: OPT_DEFAULTS };
const VALIDATORS: Record<string, (dict: ConfigDict) => void> = { bert: validateBertConfig, opt: validateOPTConfig };
const CLASS_NAMES: Record<string, string> = { bert: 'BertConfig', opt: 'OPTConfig' };

// transformers derives num_labels from id2label; a given num_labels rebuilds id2label.
function normaliseLabels(given: ConfigDict): ConfigDict {
  const out = { ...given };
  const n = given.num_labels;
  if (typeof n === 'number' && !(given.id2label && Object.keys(given.id2label).length === n)) {
    out.id2label = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
    out.label2id = Object.fromEntries(Array.from({ length: n }, (_, i) => [`LABEL_${i}`, i]));
  }
  delete out.num_labels;
  return out;
}

/** A transformers config: `get` reads a snake_case field, with the model type's default. */
export class PretrainedConfig {
  /** Every field, defaults filled in (what the model is built from). */
  readonly dict: ConfigDict;
  /** The fields as given (what config.json will hold), labels normalised. */
  readonly given: ConfigDict;
  /** The config.json it was read from, if any (named in errors). */
  readonly source: string | undefined;

  /** `source` (a config.json path) prefixes validation errors; the class name does otherwise. */
  constructor(dict: ConfigDict, source?: string) {
    const type = dict.model_type;
    if (typeof type !== 'string' || !(type in DEFAULTS)) {
      throw new Error(`${source ? `${source}: ` : ''}unsupported model_type ${JSON.stringify(type)} (node-peft supports: ${Object.keys(DEFAULTS).join(', ')})`);
    }
    this.source = source;
    try {
      validateNumLabels(dict);
      this.given = normaliseLabels(dict);
      this.dict = { ...COMMON, ...DEFAULTS[type], ...this.given };
      if (type === 'opt' && this.dict.word_embed_proj_dim == null) this.dict.word_embed_proj_dim = this.dict.hidden_size;
      VALIDATORS[type](this.dict);
    } catch (err) {
      (err as Error).message = `${source ?? CLASS_NAMES[type]}: ${(err as Error).message}`;
      throw err;
    }
  }

  /** Cross-field rules a model needs that transformers checks only when it builds one. */
  checkBuildable(): void {
    try {
      validateHeads(this.dict);
    } catch (err) {
      (err as Error).message = `${this.source ?? CLASS_NAMES[this.modelType]}: ${(err as Error).message}`;
      throw err;
    }
  }

  get modelType(): string { return this.dict.model_type as string; }
  get numLabels(): number { return Object.keys(this.dict.id2label as object).length; }
  get<T = unknown>(key: string): T { return this.dict[key] as T; }

  static fromFile(file: string): PretrainedConfig {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read model config ${file}: ${(err as Error).message}`);
    }
    let dict: unknown;
    try {
      dict = JSON.parse(text);
    } catch (err) {
      throw new Error(`malformed JSON in ${file}: ${(err as Error).message}`);
    }
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) invalid(file, 'a JSON object', dict);
    return PretrainedConfig.create(dict as ConfigDict, file);
  }

  /** The typed config class for the dict's model_type (BertConfig, OPTConfig); `source` names it in errors. */
  static create(dict: ConfigDict, source?: string): PretrainedConfig {
    if (dict.model_type === 'bert') return new BertConfig(dict, false, source);
    if (dict.model_type === 'opt') return new OPTConfig(dict, false, source);
    return new PretrainedConfig(dict, source);
  }

  static fromPretrained(dir: string): PretrainedConfig {
    return PretrainedConfig.fromFile(path.join(dir, 'config.json'));
  }

  /** What config.json holds, as transformers writes it (num_labels lives in id2label). */
  toDict(): ConfigDict {
    return { ...this.given };
  }

  /** The fields the native model reads, with num_labels resolved. */
  nativeFields(): ConfigDict {
    // A null pad_token_id is an embedding without padding_idx, which native code spells -1.
    return { ...this.dict, num_labels: this.numLabels, problem_type: this.dict.problem_type ?? '', pad_token_id: this.dict.pad_token_id ?? -1 };
  }
}

const num = (c: PretrainedConfig, key: string) => c.get<number>(key);

/** transformers' BertConfig: `new BertConfig({hidden_size: 256})` fills BERT's defaults. */
export class BertConfig extends PretrainedConfig {
  constructor(fields: ConfigDict = {}, withDefaults = true, source?: string) {
    super(withDefaults ? { ...BERT_DEFAULTS, ...fields, model_type: 'bert' } : { ...fields, model_type: 'bert' }, source);
  }
  get vocabSize(): number { return num(this, 'vocab_size'); }
  get hiddenSize(): number { return num(this, 'hidden_size'); }
  get numHiddenLayers(): number { return num(this, 'num_hidden_layers'); }
  get numAttentionHeads(): number { return num(this, 'num_attention_heads'); }
  get intermediateSize(): number { return num(this, 'intermediate_size'); }
  get maxPositionEmbeddings(): number { return num(this, 'max_position_embeddings'); }
  get hiddenDropoutProb(): number { return num(this, 'hidden_dropout_prob'); }
  get layerNormEps(): number { return num(this, 'layer_norm_eps'); }
}

/** transformers' OPTConfig: `new OPTConfig({hidden_size: 768, ...})` fills OPT's defaults. */
export class OPTConfig extends PretrainedConfig {
  constructor(fields: ConfigDict = {}, withDefaults = true, source?: string) {
    super(withDefaults ? { ...OPT_DEFAULTS, ...fields, model_type: 'opt' } : { ...fields, model_type: 'opt' }, source);
  }
  get vocabSize(): number { return num(this, 'vocab_size'); }
  get hiddenSize(): number { return num(this, 'hidden_size'); }
  get numHiddenLayers(): number { return num(this, 'num_hidden_layers'); }
  get numAttentionHeads(): number { return num(this, 'num_attention_heads'); }
  get ffnDim(): number { return num(this, 'ffn_dim'); }
  get wordEmbedProjDim(): number { return num(this, 'word_embed_proj_dim'); }
  get doLayerNormBefore(): boolean { return this.get<boolean>('do_layer_norm_before'); }
}
