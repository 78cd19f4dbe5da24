import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const CLI = [...sources('cli'), 'bin/ml-connector.ts'];
/** `import … from 'x'` at the top of a file (type-only imports load nothing and are left out). */
const staticImports = (file: string) =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^import (?!type )[^;]*? from '([^']+)'/gms)].map(
    (match) => match[1] ?? '',
  );

describe('what the CLI loads', () => {
  it("imports nothing from local/ (the local stack imports the CLI's state file contract instead)", () => {
    const offending = CLI.flatMap((file) =>
      staticImports(file)
        .filter((spec) => /(^|\/)local\//.test(spec))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('loads the AWS SDK only when a command reaches a deployed stack (`--help` starts at once)', () => {
    const offending = CLI.flatMap((file) =>
      staticImports(file)
        .filter((spec) => spec.startsWith('@aws-sdk/'))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
