// The node-peft side of the interoperability test: the same collectives as torch_rank.py.
const torch = require('../../../dist');
const { distributed: dist } = torch;
const values = (t) => Array.from(t.toTypedArray(), Number);

async function main() {
  await dist.initProcessGroup({ backend: 'gloo', timeout: 60000 });
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  const sum = values(await dist.allReduce(torch.tensor([rank + 1, 10 * (rank + 1)])));
  const broadcast = values(await dist.broadcast(torch.tensor([rank, rank]), { src: world - 1 }));
  const allGather = (await dist.allGather(torch.tensor([rank, 100 - rank]))).map(values);
  await dist.barrier();
  process.stdout.write(`${JSON.stringify({ rank, impl: 'node-peft', sum, broadcast, allGather })}\n`);
  dist.destroyProcessGroup();
}
main().catch((err) => { process.stderr.write(`${err.stack}\n`); process.exit(1); });
