#!/usr/bin/env node
'use strict';
// Checks an npm tarball of node-peft: everything an install needs is there (dist, the native
// sources listed in native/sources.txt, the build files, the install script, the prebuild with its
// libtorch record) and nothing else (no build folders, tests, fixtures, benchmarks, source maps).
// Usage: node scripts/check-pack.js node-peft-X.Y.Z.tgz [--no-prebuild]
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const [tgz, flag] = process.argv.slice(2);
const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).split('\n').filter((f) => f && !f.endsWith('/'))
  .map((f) => f.replace(/^package\//, ''));
const has = new Set(files);
const problems = [];

const required = ['package.json', 'README.md', 'binding.gyp', 'CMakeLists.txt', 'scripts/find-libtorch.js', 'scripts/install.js',
  'native/sources.txt', 'dist/index.js', 'dist/index.d.ts', 'dist/binding.js', 'dist/prebuild.js'];
for (const f of required) if (!has.has(f)) problems.push(`missing ${f}`);

const { sources } = require('./find-libtorch');
const { sourcesHash } = require('./prebuild');
for (const src of sources()) if (!has.has(src)) problems.push(`missing ${src} (listed in native/sources.txt)`);

if (flag !== '--no-prebuild') {
  const tuple = `prebuilds/${process.platform}-${process.arch}/`;
  if (!files.some((f) => f.startsWith(tuple) && f.endsWith('.node'))) problems.push(`no ${tuple}*.node`);
  if (!has.has(`${tuple}libtorch.json`)) problems.push(`no ${tuple}libtorch.json`);
  else {
    const record = JSON.parse(execFileSync('tar', ['-xzOf', tgz, `package/${tuple}libtorch.json`], { encoding: 'utf8' }));
    if (record.sources !== sourcesHash()) problems.push(`stale ${tuple}: built from other sources than native/ now holds (npm run build:prebuild)`);
  }
}

const allowed = /^(package\.json|README\.md|LICENSE|binding\.gyp|CMakeLists\.txt|scripts\/(find-libtorch|install)\.js|native\/.+\.(cc|h|txt)|dist\/.+\.(js|d\.ts)|prebuilds\/[^/]+\/[^/]+\.(node|json))$/;
for (const f of files) if (!allowed.test(f)) problems.push(`unexpected ${f}`);

// dist/ is tsc output: a .js without its lib/ source is a stale file from an older build.
for (const f of files.filter((x) => /^dist\/.+\.js$/.test(x))) {
  const src = path.join(ROOT, 'lib', f.slice('dist/'.length).replace(/\.js$/, '.ts'));
  if (!fs.existsSync(src)) problems.push(`stale ${f}: no ${path.relative(ROOT, src)} (rm -rf dist && npm run build:ts)`);
}

if (problems.length) {
  console.error(`check-pack: ${tgz}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
const kib = (fs.statSync(tgz).size / 1024).toFixed(1);
console.log(`check-pack: ${path.basename(tgz)} OK: ${files.length} files, ${kib} KiB`);
