// One rank of the failure tests. FAIL_RANK dies (SIGKILL, HOW=kill), stays alive without calling
// the collective (HOW=hang), or exits with status 3 (HOW=exit) after the first barrier; the
// others then all-reduce and report what happened as one JSON line.
const torch = require('../../../dist');
const { distributed: dist } = torch;

async function main() {
  const timeout = Number(process.env.TEST_TIMEOUT_MS || 20000);
  await dist.initProcessGroup({ backend: 'gloo', timeout });
  const rank = dist.getRank();
  await dist.barrier();
  if (rank === Number(process.env.FAIL_RANK)) {
    if (process.env.HOW === 'kill') process.kill(process.pid, 'SIGKILL');
    if (process.env.HOW === 'exit') process.exit(3);
    setInterval(() => {}, 1000);  // hang: alive, never joins
    return;
  }
  const started = Date.now();
  try {
    await dist.allReduce(torch.ones([4]));
    process.stdout.write(`${JSON.stringify({ rank, ok: true })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ rank, error: err.message, ms: Date.now() - started })}\n`);
  }
  process.exit(0);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ error: err.message, name: err.name })}\n`);
  process.exit(1);
});
