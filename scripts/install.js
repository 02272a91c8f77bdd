#!/usr/bin/env node
'use strict';
// npm's install step. Uses the prebuilt binary (prebuilds/<platform>-<arch>/) when it loads and
// matches the libtorch the dynamic loader finds; otherwise builds from source with node-gyp
// (binding.gyp, which finds libtorch through scripts/find-libtorch.js like the cmake-js build).
// `npm rebuild node-peft`, `npm install --build-from-source` and a set LIBTORCH or Torch_DIR
// always build from source.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

function log(msg) {
  process.stderr.write(`node-peft: ${msg}\n`);
}

// Loads the binary the package would load, in a child so a crash or a bad libtorch cannot take
// this process down. dist/binding.js adds the libtorch version check; a git checkout before
// `tsc` has no dist/ (and no prebuild), so a plain load is enough there.
const PROBE = `
const root = process.argv[1], fs = require('fs'), path = require('path');
const entry = path.join(root, 'dist/binding.js');
const addon = fs.existsSync(entry) ? require(entry).native : require('node-gyp-build')(root);
process.stdout.write('libtorch ' + addon.versions().libtorch);
`;

/** Why a source build is needed, or null when the binary node-gyp-build resolves is usable. */
function reasonToBuild() {
  if (process.env.npm_config_build_from_source === 'true') return 'a source build was requested (--build-from-source)';
  if (process.env.npm_command === 'rebuild') return '`npm rebuild` builds from source';
  for (const name of ['LIBTORCH', 'Torch_DIR']) {
    if (process.env[name]) return `${name}=${process.env[name]} is set: building against that libtorch`;
  }
  let file;
  try {
    file = require('node-gyp-build').resolve(ROOT);
  } catch {
    return `no prebuilt binary for ${process.platform}-${process.arch}`;
  }
  const rel = path.relative(ROOT, file);
  const probe = spawnSync(process.execPath, ['-e', PROBE, ROOT], { encoding: 'utf8' });
  if (probe.status === 0) {
    log(`using ${rel} (${probe.stdout.trim()}); no compilation needed`);
    return null;
  }
  return `${rel} cannot be used here:\n${(probe.stderr || `exit ${probe.status}`).trim()}`;
}

/** node-gyp from npm (npm_config_node_gyp, set for lifecycle scripts) or from PATH. */
function nodeGypCommand() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && fs.existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

/** The running Node's own headers, so an offline machine can build (node-gyp would download them). */
function localNodeDir() {
  if (process.env.npm_config_nodedir) return null;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const inc = path.join(prefix, 'include/node');
  return fs.existsSync(path.join(inc, 'node_api.h')) && fs.existsSync(path.join(inc, 'common.gypi')) ? prefix : null;
}

function build(reason) {
  log(`${reason}\nnode-peft: building from source with node-gyp (needs g++, make, python3 and libtorch)`);
  const [cmd, ...pre] = nodeGypCommand();
  const args = [...pre, 'rebuild'];
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  if (!process.env.JOBS && !process.env.npm_config_jobs) args.push('--jobs=max');
  const run = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (run.status === 0) {
    log('source build done: build/Release/node_peft.node');
    return 0;
  }
  log([
    `the source build failed (${run.error ? run.error.message : `node-gyp exited with ${run.status}`}). Possible solutions:`,
    '- the toolchain: apt-get install -y g++ make python3 (Debian/Ubuntu)',
    '- libtorch: apt-get install -y libtorch-dev, or LIBTORCH=/path/to/libtorch npm rebuild node-peft',
    '- `node scripts/find-libtorch.js` (in node_modules/node-peft) shows which libtorch the build uses',
  ].join('\n'));
  return run.status || 1;
}

if (require.main === module) {
  const reason = reasonToBuild();
  process.exit(reason ? build(reason) : 0);
}

module.exports = { reasonToBuild };
