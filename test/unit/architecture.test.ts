import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1] ?? '');
}

describe('dependency rules (docs/architecture.md#layers)', () => {
  it('keeps the domain (functions/sync) free of AWS and of the adapters', () => {
    const offending = sources('functions/sync').flatMap((file) =>
      imports(file)
        .filter((spec) =>
          /^@aws-sdk\/|^@aws-lambda-powertools\/|^@middy\/|^\.\.\/(quickbooks|pipedrive|store|handlers)\b/.test(spec),
        )
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps runtime code (functions/) free of the sandboxes and tests', () => {
    const offending = sources('functions').flatMap((file) =>
      imports(file)
        .filter(
          (spec) =>
            spec.startsWith('.') && /(^|\/)(local|test)\//.test(relative(ROOT, join(ROOT, file, '..', spec)) + '/'),
        )
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});

/**
 * One folder, one layer (issue #17): a folder of functions/ imports only from its own folder and
 * from folders of a lower rank, so the import picture has no arrow running back up.
 */
const LAYER_RANKS: Readonly<Record<string, number>> = {
  // basics: errors, logging, HTTP, rate windows; they import nothing else of functions/
  shared: 1,
  // the domain: ports, mapping, the customer sync; no AWS and no adapters
  sync: 2,
  // adapters of the ports: the two vendors, DynamoDB/KMS, the other AWS services
  quickbooks: 3,
  pipedrive: 3,
  store: 3,
  aws: 3,
  // use cases built from the adapters: connecting accounts and keeping tokens, releasing
  // deferred work, the operator's operations
  connections: 4,
  'deferred-work': 4,
  operations: 4,
  // the Lambda entry points: thin, they wire the rest
  handlers: 5,
};

function folderOf(path: string): string | undefined {
  const parts = path.split('/');
  return parts[0] === 'functions' && parts.length > 2 ? parts[1] : undefined;
}

describe('layers of functions/ (one folder, one layer)', () => {
  it('gives every folder of functions/ a rank', () => {
    const folders = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => LAYER_RANKS[folder] === undefined)).toEqual([]);
  });

  it('has no upward or sideways import: a folder imports only from its own folder and lower ranks', () => {
    const offending = sources('functions').flatMap((file) => {
      const from = folderOf(file);
      return imports(file)
        .filter((spec) => spec.startsWith('.'))
        .filter((spec) => {
          const to = folderOf(relative(ROOT, join(ROOT, file, '..', spec)));
          if (from === undefined || to === undefined || to === from) return false;
          return (LAYER_RANKS[to] ?? Infinity) >= (LAYER_RANKS[from] ?? -Infinity);
        })
        .map((spec) => `${file}: ${spec}`);
    });
    expect(offending).toEqual([]);
  });
});
