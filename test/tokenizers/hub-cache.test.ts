// Hub cache lookup details (env vars, refs/<revision>, commit revisions, snapshot fallback, error text), JSON/text file reading errors, and argument checks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolateHubEnv } from '../hub-env';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AutoTokenizer, hubCacheDirs, resolveModelDir } from '../../lib/tokenizers';
import { copyTokenizerFiles, readJsonIfExists, readTextIfExists } from '../../lib/tokenizers/files';
import { BERT_DIR } from './helpers';


/** The message of the error `fn` throws ('' if none). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('hubCacheDirs', () => {
  it('defaults to ~/.cache/huggingface/hub when neither HF_HOME nor XDG_CACHE_HOME is set', () => {
    // huggingface_hub: HF_HOME = $XDG_CACHE_HOME/huggingface, XDG_CACHE_HOME defaulting to ~/.cache.
    expect(hubCacheDirs({})).toEqual([path.join(os.homedir(), '.cache', 'huggingface', 'hub')]);
  });

  it('ignores an empty HF_HUB_CACHE instead of taking it as the current folder', () => {
    const xdg = path.join(os.tmpdir(), 'xdg-cache');
    expect(hubCacheDirs({ HF_HUB_CACHE: '', XDG_CACHE_HOME: xdg })).toEqual([path.join(xdg, 'huggingface', 'hub')]);
  });

  it('lists HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, TRANSFORMERS_CACHE, then HF_HOME/hub, each once', () => {
    const r = path.join(os.tmpdir(), 'hubdirs');
    const env = {
      HF_HUB_CACHE: path.join(r, 'a'),
      HUGGINGFACE_HUB_CACHE: path.join(r, 'b'),
      TRANSFORMERS_CACHE: path.join(r, 'a'),
      HF_HOME: path.join(r, 'home'),
    };
    expect(hubCacheDirs(env)).toEqual([path.join(r, 'a'), path.join(r, 'b'), path.join(r, 'home', 'hub')]);
  });

  it("expands a leading ~ as Python's os.path.expanduser does (a quoted HF_HOME='~/hf'); ~user and inner ~ stay", () => {
    expect(hubCacheDirs({ HF_HOME: '~/hf' })).toEqual([path.join(os.homedir(), 'hf', 'hub')]);
    expect(hubCacheDirs({ HF_HUB_CACHE: '~', HF_HOME: '/x' })).toEqual([os.homedir(), '/x/hub']);
    expect(hubCacheDirs({ HF_HOME: '/a/~/b' })).toEqual(['/a/~/b/hub']);
  });
});

describe('resolveModelDir with a huggingface_hub cache', () => {
  isolateHubEnv();
  let tmp: string;
  let cache: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubc-'));
    cache = path.join(tmp, 'hub');
    process.env.HF_HUB_CACHE = cache;
    // Keep the real ~/.cache out of the test.
    process.env.XDG_CACHE_HOME = path.join(tmp, 'xdg');
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** models--ORG--NAME/snapshots/<commit>/ holding a config file, with the given mtime (seconds). */
  function snapshot(id: string, commit: string, mtimeS: number): string {
    const dir = path.join(cache, `models--${id.replace('/', '--')}`, 'snapshots', commit);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.utimesSync(dir, mtimeS, mtimeS);
    return dir;
  }

  function writeRef(id: string, revision: string, text: string): void {
    const refs = path.join(cache, `models--${id.replace('/', '--')}`, 'refs');
    fs.mkdirSync(refs, { recursive: true });
    fs.writeFileSync(path.join(refs, revision), text);
  }

  it('follows refs/main to its snapshot even when another snapshot is newer', () => {
    // huggingface_hub: refs/main holds the commit hash; snapshots/<hash>/ holds the files.
    const pinned = snapshot('acme/m', 'aaaa', 1_000_000);
    snapshot('acme/m', 'bbbb', 2_000_000);
    writeRef('acme/m', 'main', 'aaaa');
    expect(resolveModelDir('acme/m')).toBe(pinned);
  });

  it('reads a refs/main that ends with a newline', () => {
    const pinned = snapshot('acme/m', 'aaaa', 1_000_000);
    snapshot('acme/m', 'bbbb', 2_000_000);
    writeRef('acme/m', 'main', 'aaaa\n');
    expect(resolveModelDir('acme/m')).toBe(pinned);
  });

  it('follows refs/<branch> when a revision is given', () => {
    snapshot('acme/m', 'aaaa', 1_000_000);
    const v1 = snapshot('acme/m', 'cccc', 500_000);
    writeRef('acme/m', 'main', 'aaaa');
    writeRef('acme/m', 'v1', 'cccc');
    expect(resolveModelDir('acme/m', { revision: 'v1' })).toBe(v1);
  });

  it('takes a commit hash given as revision as the snapshot folder of that name', () => {
    // huggingface_hub: a revision that is not in refs/ is used as the commit hash itself.
    snapshot('acme/m', 'aaaa', 2_000_000);
    const old = snapshot('acme/m', 'cccc', 1_000_000);
    writeRef('acme/m', 'main', 'aaaa');
    expect(resolveModelDir('acme/m', { revision: 'cccc' })).toBe(old);
  });

  it('fails for a revision that is neither in refs/ nor a snapshot, rather than using another snapshot', () => {
    snapshot('acme/m', 'aaaa', 1_000_000);
    expect(() => resolveModelDir('acme/m', { revision: 'v2' })).toThrow(/Cannot find model 'acme\/m'/);
  });

  it('fails when refs/main names a commit whose snapshot folder is missing', () => {
    fs.mkdirSync(path.join(cache, 'models--acme--m', 'snapshots'), { recursive: true });
    writeRef('acme/m', 'main', 'deadbeef');
    expect(() => resolveModelDir('acme/m')).toThrow(/Cannot find model 'acme\/m'/);
  });

  it('without refs/main takes the most recently written snapshot, whatever its name', () => {
    snapshot('acme/m', 'aaaa', 1_000_000);
    const newest = snapshot('acme/m', 'bbbb', 3_000_000);
    snapshot('acme/m', 'cccc', 2_000_000);
    expect(resolveModelDir('acme/m')).toBe(newest);
  });

  it('without refs/main skips files in snapshots/ that are not folders', () => {
    const only = snapshot('acme/m', 'aaaa', 1_000_000);
    const stray = path.join(cache, 'models--acme--m', 'snapshots', 'zz-notes.txt');
    fs.writeFileSync(stray, 'x');
    fs.utimesSync(stray, 3_000_000, 3_000_000);
    expect(resolveModelDir('acme/m')).toBe(only);
  });

  it('error lists each place it looked on its own line, with <refs/main> for the default revision, and says it cannot download', () => {
    const message = messageOf(() => resolveModelDir('acme/absent'));
    const local = path.resolve('acme/absent');
    const inCache = path.join(cache, 'models--acme--absent', 'snapshots', '<refs/main>');
    const inXdg = path.join(tmp, 'xdg', 'huggingface', 'hub', 'models--acme--absent', 'snapshots', '<refs/main>');
    expect(message).toContain(`Looked in:\n  ${local}\n  ${inCache}\n  ${inXdg}\n`);
    expect(message).toContain('This machine cannot download models');
  });

  it('error names the revision asked for in the snapshot path', () => {
    const message = messageOf(() => resolveModelDir('acme/absent', { revision: 'v2.0' }));
    expect(message).toContain(path.join(cache, 'models--acme--absent', 'snapshots', 'v2.0'));
    expect(message).not.toContain('<refs/main>');
  });

  it('does not look in the hub cache for a missing path that is not a hub id', () => {
    const missing = path.join(tmp, 'no', 'such', 'folder');
    const message = messageOf(() => resolveModelDir(missing));
    expect(message).toContain(`Looked in:\n  ${missing}\n`);
    expect(message).not.toContain('models--');
  });

  it('rejects an empty string and a non-string with a TypeError naming what it got', () => {
    expect(() => resolveModelDir('')).toThrow(TypeError);
    expect(messageOf(() => resolveModelDir(''))).toBe('resolveModelDir(): expected a model folder or hub id, got an empty string');
    expect(() => resolveModelDir(42 as unknown as string)).toThrow(TypeError);
    expect(messageOf(() => resolveModelDir(42 as unknown as string))).toBe('resolveModelDir(): expected a model folder or hub id, got number');
  });
});

describe('AutoTokenizer.fromPretrained argument check', () => {
  it('rejects a non-string folder with a TypeError from AutoTokenizer.fromPretrained naming the value', async () => {
    await expect(AutoTokenizer.fromPretrained(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(AutoTokenizer.fromPretrained(42 as unknown as string)).rejects.toThrow(
      /^AutoTokenizer\.fromPretrained\(\): expected a folder path or hub id, got number 42$/,
    );
    await expect(AutoTokenizer.fromPretrained(null as unknown as string)).rejects.toThrow(/^AutoTokenizer\.fromPretrained\(\): .* got null$/);
  });
});

describe('readTextIfExists / readJsonIfExists', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'files-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('give undefined for a missing file and the text or object of an existing one', async () => {
    expect(await readTextIfExists(path.join(tmp, 'none.txt'))).toBeUndefined();
    expect(await readJsonIfExists(path.join(tmp, 'none.json'))).toBeUndefined();
    fs.writeFileSync(path.join(tmp, 'a.json'), '{"do_lower_case": false}');
    expect(await readTextIfExists(path.join(tmp, 'a.json'))).toBe('{"do_lower_case": false}');
    expect(await readJsonIfExists(path.join(tmp, 'a.json'))).toEqual({ do_lower_case: false });
  });

  it('name the file when it exists but cannot be read (a folder), instead of treating it as missing', async () => {
    const dir = path.join(tmp, 'tokenizer_config.json');
    fs.mkdirSync(dir);
    await expect(readTextIfExists(dir)).rejects.toThrow(`Cannot read ${dir}: `);
    await expect(readJsonIfExists(dir)).rejects.toThrow(`Cannot read ${dir}: `);
  });

  it('name the file and give the JSON parser message for malformed JSON', async () => {
    const file = path.join(tmp, 'tokenizer_config.json');
    const text = '{"do_lower_case": false,}';
    fs.writeFileSync(file, text);
    let parserMessage = '';
    try {
      JSON.parse(text);
    } catch (err) {
      parserMessage = (err as Error).message;
    }
    expect(parserMessage).not.toBe('');
    await expect(readJsonIfExists(file)).rejects.toThrow(SyntaxError);
    await expect(readJsonIfExists(file)).rejects.toThrow(`Malformed JSON in ${file}: ${parserMessage}`);
  });

  it.each([
    ['null', 'null'],
    ['a number', '5'],
    ['a string', '"text"'],
    ['an array', '[{"a": 1}]'],
  ])('reject valid JSON whose top level is %s, naming the file', async (_what, text) => {
    // transformers reads these files into a dict (init_kwargs.pop/update): anything else fails.
    const file = path.join(tmp, 'special_tokens_map.json');
    fs.writeFileSync(file, text);
    await expect(readJsonIfExists(file)).rejects.toThrow(SyntaxError);
    await expect(readJsonIfExists(file)).rejects.toThrow(`Malformed JSON in ${file}: expected an object at the top level`);
  });

  it('AutoTokenizer.fromPretrained names tokenizer_config.json when it holds an array', async () => {
    for (const f of fs.readdirSync(BERT_DIR)) fs.copyFileSync(path.join(BERT_DIR, f), path.join(tmp, f));
    fs.writeFileSync(path.join(tmp, 'tokenizer_config.json'), '[]');
    await expect(AutoTokenizer.fromPretrained(tmp)).rejects.toThrow(`Malformed JSON in ${path.join(tmp, 'tokenizer_config.json')}`);
  });
});

describe('copyTokenizerFiles onto the same folder', () => {
  it('does nothing, not even create the folder, when from and to are the same path written differently', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'same-'));
    const missing = path.join(root, 'model');
    await copyTokenizerFiles(missing, path.join(root, 'x', '..', 'model'));
    expect(fs.existsSync(missing)).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
