/**
 * resolveModelDir: local folders as given, hub ids from a HuggingFace cache laid out like
 * huggingface_hub's (models--ORG--NAME/refs/main + snapshots/<commit>/), and an error that says
 * where it looked.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { isolateHubEnv } from '../hub-env';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AutoTokenizer, BertTokenizer, hubCacheDirs, resolveModelDir } from '../../lib/tokenizers';
import { BERT_DIR } from './helpers';


/** A hub cache holding `id` at one snapshot, with or without refs/main. */
function makeCache(root: string, id: string, commit: string, withRef: boolean): string {
  const repo = path.join(root, `models--${id.replace('/', '--')}`);
  const snap = path.join(repo, 'snapshots', commit);
  fs.mkdirSync(snap, { recursive: true });
  for (const f of fs.readdirSync(BERT_DIR)) fs.copyFileSync(path.join(BERT_DIR, f), path.join(snap, f));
  if (withRef) {
    fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'refs', 'main'), commit);
  }
  return snap;
}

describe('resolveModelDir', () => {
  isolateHubEnv();
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-'));
    // Keep the real ~/.cache out of the test.
    process.env.XDG_CACHE_HOME = path.join(tmp, 'xdg');
  });
  it('returns a local folder as an absolute path', () => {
    expect(resolveModelDir(BERT_DIR)).toBe(path.resolve(BERT_DIR));
  });

  it('finds a hub id through HF_HUB_CACHE and refs/main', async () => {
    process.env.HF_HUB_CACHE = path.join(tmp, 'hub');
    makeCache(process.env.HF_HUB_CACHE, 'acme/bert-test', 'aaaa', false);
    const snap = makeCache(process.env.HF_HUB_CACHE, 'acme/bert-test', 'bbbb', true);
    expect(resolveModelDir('acme/bert-test')).toBe(snap);
    const tok = await AutoTokenizer.fromPretrained('acme/bert-test');
    expect(tok).toBeInstanceOf(BertTokenizer);
    expect(tok.encode('Hello, world!')).toEqual((await BertTokenizer.fromPretrained(BERT_DIR)).encode('Hello, world!'));
  });

  it('finds an id without organisation under HF_HOME/hub, without refs/main', () => {
    process.env.HF_HOME = path.join(tmp, 'home');
    const snap = makeCache(path.join(process.env.HF_HOME, 'hub'), 'bert-test-cased', 'cccc', false);
    expect(hubCacheDirs()).toContain(path.join(process.env.HF_HOME, 'hub'));
    expect(resolveModelDir('bert-test-cased')).toBe(snap);
  });

  it('defaults to XDG_CACHE_HOME (~/.cache)/huggingface/hub', () => {
    const snap = makeCache(path.join(tmp, 'xdg', 'huggingface', 'hub'), 'org/model', 'dddd', true);
    expect(resolveModelDir('org/model')).toBe(snap);
  });

  it('says where it looked when the model is nowhere', async () => {
    process.env.HF_HUB_CACHE = path.join(tmp, 'empty-cache');
    let message = '';
    try {
      resolveModelDir('bert-base-cased');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("Cannot find model 'bert-base-cased'");
    expect(message).toContain(path.resolve('bert-base-cased'));
    expect(message).toContain(path.join(tmp, 'empty-cache', 'models--bert-base-cased', 'snapshots'));
    expect(message).toContain(path.join(tmp, 'xdg', 'huggingface', 'hub', 'models--bert-base-cased'));
    await expect(AutoTokenizer.fromPretrained('no-such/model')).rejects.toThrow(/models--no-such--model/);
  });
});
