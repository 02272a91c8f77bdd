// POST /v1/classify on a tiny BERT sequence classifier, with and without a LoRA adapter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'path';
import { AutoTokenizer, BertForSequenceClassification, PeftModel, serve, tensor, type Server } from '../../lib';
import { BERT_VOCAB, classifierFixture, post, type Fixture } from './helpers';

let f: Fixture;
let server: Server;

beforeAll(async () => {
  f = await classifierFixture();
  server = await serve({ model: f.model, adapters: f.adapters, tokenizer: BERT_VOCAB, port: 0, log: () => undefined });
}, 60_000);
afterAll(async () => { await server?.close(); });

async function reference(adapter: string | null, text: string): Promise<number[]> {
  const tokenizer = await AutoTokenizer.fromPretrained(BERT_VOCAB);
  const base = await BertForSequenceClassification.fromPretrained(f.model);
  const model = adapter ? await PeftModel.fromPretrained(base, path.join(f.adapters, adapter)) : base;
  model.eval();
  const out = await model.forward({ inputIds: tensor([tokenizer.encode(text)], { dtype: 'int64' }) });
  return (out.logits.softmax(-1).toArray() as number[][])[0];
}

describe('POST /v1/classify', () => {
  it('returns labels and probabilities equal to a forward of each text alone, for base and adapter, batched', async () => {
    const texts = ['I love this', 'This is terrible, really terrible', 'meh'];
    const [base, adapted] = await Promise.all([post(`${server.url}/v1/classify`, { model: 'base', input: texts }), post(`${server.url}/v1/classify`, { model: 'sentiment', input: texts })]);
    for (const [answer, adapter] of [[base, null], [adapted, 'sentiment']] as const) {
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      expect(answer.json.data).toHaveLength(3);
      for (const [i, row] of answer.json.data.entries()) {
        const expected = await reference(adapter, texts[i]);
        const probs = Object.values(row.probabilities) as number[];
        probs.forEach((p, j) => expect(p).toBeCloseTo(expected[j], 5));
        expect(row.label).toBe(`LABEL_${expected.indexOf(Math.max(...expected))}`);
      }
    }
    expect(base.json.data[0].probabilities).not.toEqual(adapted.json.data[0].probabilities);
  });

  it('answers completions on a classifier with 400 and a bad input with 400', async () => {
    expect((await post(`${server.url}/v1/completions`, { model: 'base', prompt: 'x' })).json.error.message).toMatch(/use POST \/v1\/classify/);
    expect((await post(`${server.url}/v1/classify`, { model: 'base', input: [] })).json.error.message).toMatch(/input must be a string or an array of 1 to/);
  });
});
