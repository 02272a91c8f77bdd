/**
 * Serving tests' fixtures: a tiny OPT (OPT's tokenizer) with a folder of LoRA adapters, a tiny
 * BERT classifier with one, and the greedy reference completions generate() gives for a prompt
 * run alone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AutoTokenizer, LoraConfig, OPTConfig, OPTForCausalLM, PeftModel, getPeftModel, tensor, TaskType, BertForSequenceClassification } from '../../lib';
import { BERT_VOCAB, tempDir, tinyBert, tinyOpt } from '../cli/helpers';

export { BERT_VOCAB, tempDir };

/** Adapters with random B (init_lora_weights=False): each changes the model's greedy choices. */
export async function saveAdapters(modelDir: string, root: string, names: string[], task: 'causal' | 'seqcls' = 'causal'): Promise<void> {
  const model = task === 'causal' ? await OPTForCausalLM.fromPretrained(modelDir) : await BertForSequenceClassification.fromPretrained(modelDir);
  const config = () => new LoraConfig({ taskType: task === 'causal' ? TaskType.CAUSAL_LM : TaskType.SEQ_CLS, r: 4, loraAlpha: 32, initLoraWeights: false });
  const peft = getPeftModel(model, config(), names[0]);
  for (const name of names.slice(1)) peft.addAdapter(name, config());
  fs.mkdirSync(root, { recursive: true });
  const staging = tempDir('adapters-');
  await peft.savePretrained(staging, { selectedAdapters: names });
  for (const name of names) fs.renameSync(path.join(staging, name), path.join(root, name));
}

/** An adapter for another OPT shape (hidden 16): it does not fit the served base. */
export async function saveMismatchedAdapter(dir: string): Promise<void> {
  const other = OPTForCausalLM.fromConfig(new OPTConfig({ vocab_size: 50272, hidden_size: 16, ffn_dim: 32, num_hidden_layers: 2, num_attention_heads: 2, word_embed_proj_dim: 16, max_position_embeddings: 256 }));
  const peft = getPeftModel(other, new LoraConfig({ taskType: TaskType.CAUSAL_LM, r: 4, initLoraWeights: false }));
  await peft.savePretrained(dir);
}

export interface Fixture { model: string; adapters: string }

/** The tiny OPT and adapters a, b, c (+ 'broken', 'mismatched' when asked). */
export async function causalFixture(extra = false): Promise<Fixture> {
  const model = await tinyOpt();
  const adapters = tempDir('adapters-');
  await saveAdapters(model, adapters, ['a', 'b', 'c']);
  if (extra) {
    fs.mkdirSync(path.join(adapters, 'broken'));
    fs.copyFileSync(path.join(adapters, 'a', 'adapter_config.json'), path.join(adapters, 'broken', 'adapter_config.json'));
    fs.writeFileSync(path.join(adapters, 'broken', 'adapter_model.safetensors'), 'not a safetensors file');
    await saveMismatchedAdapter(path.join(adapters, 'mismatched'));
  }
  return { model, adapters };
}

export async function classifierFixture(): Promise<Fixture> {
  const model = await tinyBert();
  const adapters = tempDir('bert-adapters-');
  await saveAdapters(model, adapters, ['sentiment'], 'seqcls');
  return { model, adapters };
}

const tokenizers = new Map<string, Awaited<ReturnType<typeof AutoTokenizer.fromPretrained>>>();
const models = new Map<string, OPTForCausalLM | PeftModel>();

/** What generate() gives for the prompt alone (greedy), decoded as the server decodes. */
export async function referenceCompletion(f: Fixture, adapter: string | null, prompt: string, maxTokens: number): Promise<string> {
  if (!tokenizers.has(f.model)) tokenizers.set(f.model, await AutoTokenizer.fromPretrained(f.model));
  const tokenizer = tokenizers.get(f.model)!;
  const key = `${f.model}|${adapter}`;
  if (!models.has(key)) {
    const base = await OPTForCausalLM.fromPretrained(f.model);
    const model = adapter ? await PeftModel.fromPretrained(base, path.join(f.adapters, adapter)) : base;
    models.set(key, model.eval());
  }
  const ids = tokenizer.encode(prompt);
  const out = await models.get(key)!.generate(tensor([ids], { dtype: 'int64' }), { maxNewTokens: maxTokens, eosTokenId: tokenizer.eosTokenId!, padTokenId: tokenizer.padTokenId! });
  const generated = (out.toArray() as number[][])[0].slice(ids.length);
  out.dispose();
  const end = generated.indexOf(tokenizer.eosTokenId!);
  return tokenizer.decode(end >= 0 ? generated.slice(0, end) : generated, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false });
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** The data events of a server-sent event stream, parsed ([DONE] as the string). */
export async function readEvents(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6)).map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}
