#!/usr/bin/env node
// `npx ml-connector …`: runs the TypeScript CLI through tsx (a dependency of this repository).
require('tsx/cjs/api').register();
require('./ml-connector.ts');
