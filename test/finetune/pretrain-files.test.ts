// Which files `pretrain --data-dir` trains and evaluates on: the folder's text files as `train
// --data-dir` lists them (sorted, hidden files skipped, .txt in any case), minus --hold-out.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { pretrainFiles } from '../../lib/finetune/pretrain';

function folder(names: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pretrain-files-'));
  for (const n of names) fs.writeFileSync(path.join(dir, n), 'text\n');
  return dir;
}

describe('pretrainFiles', () => {
  it('lists the .txt files of --data-dir sorted, in any case, without hidden files or other extensions, --hold-out moved to evaluation', async () => {
    const dir = folder(['b.txt', 'A.TXT', '.draft.txt', 'notes.md', 'held.txt']);
    const extra = path.join(folder(['more.txt']), 'more.txt');
    const files = await pretrainFiles({ dataDir: dir, holdOut: ['held.txt'], trainFiles: [extra] });
    expect(files.trainFiles).toEqual([path.join(dir, 'A.TXT'), path.join(dir, 'b.txt'), extra]);
    expect(files.evalFiles).toEqual([path.join(dir, 'held.txt')]);
  });

  it('names the folder or the option at fault', async () => {
    await expect(pretrainFiles({ dataDir: folder(['notes.md']) })).rejects.toThrow(/pretrain-files-\w+: no \.txt files in this folder/);
    await expect(pretrainFiles({ dataDir: '/no/such/dir' })).rejects.toThrow('--data-dir /no/such/dir: no such folder');
    await expect(pretrainFiles({ dataDir: folder(['a.txt']), holdOut: ['.draft.txt'] })).rejects.toThrow(/^--hold-out \.draft\.txt: not a \.txt file of --data-dir .* \(it has 1 \.txt files\)$/);
    await expect(pretrainFiles({ holdOut: ['a.txt'], trainFiles: ['x.txt'] })).rejects.toThrow('--hold-out names files of --data-dir');
    await expect(pretrainFiles({ trainFiles: ['/no/such/file.txt'] })).rejects.toThrow('/no/such/file.txt: no such file');
  });
});
