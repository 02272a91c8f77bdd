// One rank of the failure tests. FAIL_RANK dies (SIGKILL, HOW=kill), freezes (SIGSTOP, HOW=stop),
// stays alive without calling the collective (HOW=hang), or exits with status 3 (HOW=exit) after
// the first barrier; the
// others then all-reduce and report what happened as one JSON line.
const torch = require('../../../dist');
const { distributed: dist } = torch;

async function main() {
  const timeout = Number(process.env.TEST_TIMEOUT_MS || 20000);
  if (process.env.SECOND_PORT) {
    // A short timeout must not fall on the start-up of a busy machine: meet with a long one,
    // then leave and form a second group (a new rendezvous) with the short one.
    await dist.initProcessGroup({ backend: 'gloo', timeout: 120000 });
    await dist.barrier();
    dist.destroyProcessGroup();
    await dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${process.env.SECOND_PORT}`, timeout });
  } else {
    await dist.initProcessGroup({ backend: 'gloo', timeout });
  }
  const rank = dist.getRank();
  await dist.barrier();
  if (rank === Number(process.env.FAIL_RANK)) {
    if (process.env.HOW === 'kill') process.kill(process.pid, 'SIGKILL');
    if (process.env.HOW === 'exit') process.exit(3);
    if (process.env.HOW === 'stop') process.kill(process.pid, 'SIGSTOP');  // frozen: no beacon, no socket closed
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
