/**
 * Cutting a stream of token ids into fixed-length blocks, as transformers' run_clm.py
 * `group_texts` does: concatenate everything, cut blocks of blockSize, drop the remainder that
 * does not fill a block. run_clm.py does this per map() batch of 1,000 texts and so drops a
 * remainder per batch; here the whole corpus is one stream, so only the final remainder is lost.
 */

export class BlockPacker {
  private buffer: number[] = [];

  constructor(readonly blockSize: number) {
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${String(blockSize)}`);
  }

  /** Adds ids; returns the blocks they complete. */
  push(ids: readonly number[]): number[][] {
    const blocks: number[][] = [];
    let from = 0;
    if (this.buffer.length > 0) {
      const take = Math.min(this.blockSize - this.buffer.length, ids.length);
      for (let i = 0; i < take; i++) this.buffer.push(ids[i]);
      from = take;
      if (this.buffer.length < this.blockSize) return blocks;
      blocks.push(this.buffer);
      this.buffer = [];
    }
    for (; from + this.blockSize <= ids.length; from += this.blockSize) blocks.push(ids.slice(from, from + this.blockSize));
    this.buffer = ids.slice(from);
    return blocks;
  }

  /** Ids left over that do not fill a block (dropped, as group_texts drops them). */
  get remainder(): number {
    return this.buffer.length;
  }
}

/** All blocks of the concatenation of `sequences` (group_texts on in-memory data). */
export function groupTexts(sequences: ReadonlyArray<readonly number[]>, blockSize: number): number[][] {
  const packer = new BlockPacker(blockSize);
  const blocks: number[][] = [];
  for (const s of sequences) for (const b of packer.push(s)) blocks.push(b);
  return blocks;
}
