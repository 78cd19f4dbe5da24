'use strict';
/**
 * Compiles the CLI (bin/ml-connector.ts and what it imports) into one CommonJS file, dist/cli.cjs,
 * so `ml-connector` starts as fast as plain node: no TypeScript compiler at run time. `npm ci` runs
 * it (the `prepare` script); bin/ml-connector.cjs runs it again when a source file is newer than the
 * bundle. The AWS SDK stays outside the bundle and is loaded from node_modules only by the commands
 * that reach a deployed stack.
 */
const { readFileSync, renameSync, statSync, writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'cli.cjs');
/** The repository files the bundle was built from (node_modules changes go through `npm ci`, which rebuilds). */
const INPUTS = join(ROOT, 'dist', 'cli.inputs.json');

function modifiedAt(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether dist/cli.cjs is missing, or older than one of the files it was built from. */
function isStale() {
  const built = modifiedAt(BUNDLE);
  if (built === undefined) return true;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return true;
  }
  if (!Array.isArray(inputs)) return true;
  return inputs.some((file) => {
    const modified = modifiedAt(join(ROOT, String(file)));
    return modified === undefined || modified > built;
  });
}

/** Builds the bundle; written to a temporary name and renamed, so a CLI starting meanwhile never reads half a file. */
function buildCli() {
  const { buildSync } = require('esbuild');
  const result = buildSync({
    absWorkingDir: ROOT,
    entryPoints: ['bin/ml-connector.ts'],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['@aws-sdk/*'],
    minify: true,
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const [output] = result.outputFiles;
  const temporary = `${BUNDLE}.${process.pid}.tmp`;
  writeFileSync(temporary, output.contents);
  writeFileSync(
    INPUTS,
    JSON.stringify(Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'))),
  );
  renameSync(temporary, BUNDLE);
}

if (require.main === module) buildCli();

module.exports = { BUNDLE, buildCli, isStale };
