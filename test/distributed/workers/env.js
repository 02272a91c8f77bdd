// Prints what the launcher gave this process (one JSON line), then exits with EXIT_<RANK> or 0,
// or sleeps when SLEEP_<RANK> is set (to be stopped by the launcher).
const torch = require('../../../dist');
const keys = ['MASTER_ADDR', 'MASTER_PORT', 'WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'OMP_NUM_THREADS'];
const env = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
process.stdout.write(`${JSON.stringify({ ...env, threads: torch.getNumThreads(), args: process.argv.slice(2) })}\n`);
const rank = process.env.RANK;
if (process.env[`SLEEP_${rank}`]) {
  process.on('SIGTERM', () => { process.stdout.write(`${JSON.stringify({ rank, got: 'SIGTERM' })}\n`); process.exit(143); });
  process.on('SIGINT', () => { process.stdout.write(`${JSON.stringify({ rank, got: 'SIGINT' })}\n`); process.exit(130); });
  setInterval(() => {}, 1000);
} else {
  process.exit(Number(process.env[`EXIT_${rank}`] || 0));
}
