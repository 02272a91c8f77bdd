// Validation of the config fields that shape a model, once, before anything native is built: a
// zero head count would divide by zero in native code, a billion layers would allocate until
// the machine runs out, an unknown activation or position embedding type would silently build
// another model than the checkpoint's. Every error names the field (the caller prefixes the
// config's source: its file, or the config class).

type ConfigDict = Record<string, unknown>;

/**
 * Upper bounds far above every published checkpoint (vocabularies reach ~256k tokens, widths
 * ~26k, feed-forward widths ~54k, depths ~130 layers, contexts ~1M positions) and low enough that
 * a typo cannot ask for petabytes.
 */
export const CONFIG_LIMITS = {
  vocab: 2 ** 24,
  width: 2 ** 17,
  ffn: 2 ** 20,
  layers: 1024,
  positions: 2 ** 22,
  tokenTypes: 2 ** 16,
  labels: 2 ** 20,
};

/** What the native Activation implements (transformers' ACT2FN names). */
export const ACTIVATIONS = ['gelu', 'relu', 'tanh', 'gelu_new', 'gelu_pytorch_tanh', 'silu', 'swish'] as const;

const PROBLEM_TYPES = ['regression', 'single_label_classification', 'multi_label_classification'];

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

function fail(key: string, expected: string, value: unknown): never {
  throw new RangeError(`${key}: expected ${expected}, received ${show(value)}`);
}

function int(d: ConfigDict, key: string, min: number, max: number): number {
  const v = d[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(key, `an integer in [${min}, ${max}]`, v);
  return v;
}

function probability(d: ConfigDict, key: string, nullable = false): void {
  const v = d[key];
  if (nullable && v === null) return;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(key, `a probability in [0, 1]${nullable ? ' or null' : ''}`, v);
}

function positiveNumber(d: ConfigDict, key: string, allowZero = false): void {
  const v = d[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) fail(key, `a finite number ${allowZero ? '>= 0' : '> 0'}`, v);
}

function bool(d: ConfigDict, key: string): void {
  if (typeof d[key] !== 'boolean') fail(key, 'true or false', d[key]);
}

function oneOf(d: ConfigDict, key: string, allowed: readonly string[], note = ''): void {
  const v = d[key];
  if (typeof v !== 'string' || !allowed.includes(v)) fail(key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}${note}`, v);
}

/** A special token id: null, or an id of the vocabulary. */
function tokenId(d: ConfigDict, key: string, vocab: number): void {
  const v = d[key];
  if (v !== null && v !== undefined) int(d, key, 0, vocab - 1);
}

/**
 * Each head gets hidden_size / num_attention_heads dimensions. Checked when a model is built, as
 * transformers does (its attention layers raise; BertConfig(hidden_size=128) itself is fine).
 */
export function validateHeads(d: ConfigDict): void {
  const [width, n] = [d.hidden_size as number, d.num_attention_heads as number];
  if (width % n !== 0) {
    throw new RangeError(`hidden_size (${width}) is not a multiple of num_attention_heads (${n}): each head needs hidden_size / num_attention_heads dimensions; change one of them`);
  }
}

/** Fields every model reads: labels and problem type. */
function common(d: ConfigDict): void {
  const labels = d.id2label;
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels) || Object.keys(labels).length > CONFIG_LIMITS.labels) {
    fail('id2label', `an object of label index -> name (at most ${CONFIG_LIMITS.labels} labels)`, labels);
  }
  if (d.problem_type !== null && d.problem_type !== undefined) oneOf(d, 'problem_type', PROBLEM_TYPES, ' or null');
}

/** Checks num_labels as given, before it becomes id2label. */
export function validateNumLabels(d: ConfigDict): void {
  if (d.num_labels !== undefined) int(d, 'num_labels', 1, CONFIG_LIMITS.labels);
}

export function validateBertConfig(d: ConfigDict): void {
  const vocab = int(d, 'vocab_size', 1, CONFIG_LIMITS.vocab);
  const width = int(d, 'hidden_size', 1, CONFIG_LIMITS.width);
  int(d, 'num_hidden_layers', 0, CONFIG_LIMITS.layers);
  int(d, 'num_attention_heads', 1, width);
  int(d, 'intermediate_size', 1, CONFIG_LIMITS.ffn);
  int(d, 'max_position_embeddings', 1, CONFIG_LIMITS.positions);
  int(d, 'type_vocab_size', 1, CONFIG_LIMITS.tokenTypes);
  oneOf(d, 'hidden_act', ACTIVATIONS, ' (the activations node-peft implements)');
  probability(d, 'hidden_dropout_prob');
  probability(d, 'attention_probs_dropout_prob');
  probability(d, 'classifier_dropout', true);
  positiveNumber(d, 'layer_norm_eps');
  positiveNumber(d, 'initializer_range', true);
  tokenId(d, 'pad_token_id', vocab);
  // Relative position embeddings and decoder use change the attention itself; node-peft builds
  // BERT's absolute-position encoder only, so anything else would run another model silently.
  oneOf(d, 'position_embedding_type', ['absolute'], " (node-peft implements BERT's absolute position embeddings only)");
  for (const key of ['is_decoder', 'add_cross_attention']) {
    if (d[key] !== undefined && d[key] !== false) fail(key, 'false (node-peft builds BERT as an encoder: no causal mask, no cross-attention)', d[key]);
  }
  common(d);
}

export function validateOPTConfig(d: ConfigDict): void {
  const vocab = int(d, 'vocab_size', 1, CONFIG_LIMITS.vocab);
  const width = int(d, 'hidden_size', 1, CONFIG_LIMITS.width);
  int(d, 'num_hidden_layers', 0, CONFIG_LIMITS.layers);
  int(d, 'num_attention_heads', 1, width);
  int(d, 'ffn_dim', 1, CONFIG_LIMITS.ffn);
  int(d, 'max_position_embeddings', 1, CONFIG_LIMITS.positions);
  int(d, 'word_embed_proj_dim', 1, CONFIG_LIMITS.width);
  oneOf(d, 'activation_function', ACTIVATIONS, ' (the activations node-peft implements)');
  for (const key of ['do_layer_norm_before', '_remove_final_layer_norm', 'enable_bias', 'layer_norm_elementwise_affine']) bool(d, key);
  probability(d, 'dropout');
  probability(d, 'attention_dropout');
  // transformers' OPT skips whole layers at random while training when layerdrop > 0; node-peft
  // does not, so such a config would train another model than transformers does.
  if (d.layerdrop !== 0 && d.layerdrop !== undefined) fail('layerdrop', '0 (node-peft does not implement LayerDrop)', d.layerdrop);
  positiveNumber(d, 'init_std', true);
  for (const key of ['pad_token_id', 'bos_token_id', 'eos_token_id']) tokenId(d, key, vocab);
  common(d);
}
