#!/usr/bin/env node
'use strict';
// `npx ml-connector …`: runs the CLI compiled to dist/cli.cjs (bin/build-cli.cjs, run by `npm ci`),
// rebuilt here first when a source file is newer, so an edit or a checkout never runs stale code.
// Node keeps the compiled bundle in its compile cache between runs.
require('node:module').enableCompileCache?.();
const { BUNDLE, buildCli, isStale } = require('./build-cli.cjs');

let compiled = true;
if (isStale()) {
  try {
    buildCli();
  } catch (error) {
    // No esbuild (installed without dev dependencies): compile the TypeScript at run time instead (slower).
    process.stderr.write(`ml-connector: could not build the CLI (${error.message}); running it through tsx.\n`);
    compiled = false;
  }
}
if (compiled) require(BUNDLE);
else {
  require('tsx/cjs/api').register();
  require('./ml-connector.ts');
}
