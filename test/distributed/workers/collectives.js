// One rank of the collectives test: joins the group from the environment, runs each collective
// on rank-dependent values and prints the results as one JSON line.
const torch = require('../../../dist');
const { distributed: dist } = torch;

const values = (t) => Array.from(t.toTypedArray(), Number);

async function main() {
  await dist.initProcessGroup({ backend: 'gloo', timeout: 30000 });
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  const base = () => torch.tensor([rank + 1, 2 * (rank + 1)], { dtype: 'float32' });
  const out = { rank, world };
  for (const op of dist.REDUCE_OPS) out[op] = values(await dist.allReduce(base(), { op }));
  out.int64 = values(await dist.allReduce(torch.tensor([rank, 100], { dtype: 'int64' })));
  // A transposed (non-contiguous) view is reduced in place too.
  const m = torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }).mul(rank + 1);
  await dist.allReduce(m.transpose(0, 1));
  out.transposed = values(m);
  out.broadcast = values(await dist.broadcast(torch.tensor([rank * 10, rank * 10 + 1], { dtype: 'float32' }), { src: world - 1 }));
  out.allGather = (await dist.allGather(torch.tensor([rank, -rank], { dtype: 'float32' }))).map(values);
  const inputs = Array.from({ length: world }, (_, i) => torch.full([2], 10 * rank + i, { dtype: 'float32' }));
  out.reduceScatter = values(await dist.reduceScatter(inputs));
  out.reduceScatterMax = values(await dist.reduceScatter(inputs, { op: 'max' }));
  await dist.barrier();
  dist.destroyProcessGroup();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${JSON.stringify({ error: err.message, name: err.name })}\n`);
  process.exit(1);
});
