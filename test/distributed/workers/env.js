// Prints what the launcher gave this process (one JSON line), then exits with EXIT_<RANK> or 0,
// or sleeps when SLEEP_<RANK> is set (to be stopped by the launcher). A sleeping rank writes the
// file READY_FILE_<RANK> once its signal handlers are in place, and an exiting rank first waits
// for the file AWAIT_FILE: otherwise a rank that fails at once could have the launcher stop the
// others before they can report the signal (seen on a loaded machine).
const fs = require('fs');
const torch = require('../../../dist');
const keys = ['MASTER_ADDR', 'MASTER_PORT', 'WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'OMP_NUM_THREADS'];
const env = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
process.stdout.write(`${JSON.stringify({ ...env, threads: torch.getNumThreads(), args: process.argv.slice(2) })}\n`);
const rank = process.env.RANK;
if (process.env[`SLEEP_${rank}`]) {
  process.on('SIGTERM', () => { process.stdout.write(`${JSON.stringify({ rank, got: 'SIGTERM' })}\n`); process.exit(143); });
  process.on('SIGINT', () => { process.stdout.write(`${JSON.stringify({ rank, got: 'SIGINT' })}\n`); process.exit(130); });
  setInterval(() => {}, 1000);
  if (process.env[`READY_FILE_${rank}`]) fs.writeFileSync(process.env[`READY_FILE_${rank}`], '');
} else {
  const exit = () => process.exit(Number(process.env[`EXIT_${rank}`] || 0));
  const awaited = process.env.AWAIT_FILE;
  const deadline = Date.now() + 60_000;
  const poll = () => (!awaited || fs.existsSync(awaited) || Date.now() > deadline ? exit() : setTimeout(poll, 20));
  poll();
}
