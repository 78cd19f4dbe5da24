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
