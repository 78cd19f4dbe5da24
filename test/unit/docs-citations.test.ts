import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/**
 * Comments and documents cite only what a clone of the repository holds: `docs/architecture.md`
 * and its sections, `docs/decisions.md` entries by number, and files in the repo. The design
 * documents this project was started from are not in it, so citing them leaves a reader stranded.
 */
const ROOT = join(__dirname, '..', '..');
const SOURCE_DIRS = ['functions', 'lib', 'cli', 'local', 'bench', 'test', 'bin', 'docs'];
const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out', 'dist', '.git', '.build', 'reference']);
const TEXT_FILE = /\.(ts|cjs|mjs|js|md)$/;

/** Documents outside the repo, by the names comments used for them. */
const OUTSIDE_DOCUMENTS = [
  /\bARCHITECTURE(?:\.md)?\s*§/,
  /\bRELIABILITY(?:-SECURITY-PERFORMANCE)?(?:\.md)?\b/,
  /(?:\.\.\/|\/work\/)shared\/(?:ARCHITECTURE|reference)/,
];
const MARKDOWN_PATH = /(?<![\w/.:-])((?:[\w.-]+\/)*[\w.-]+\.md)(#[\w-]+)?/g;
const DECISION_NUMBERS = /\bdecisions? (\d+(?:(?:, | and |, and |–|-)\d+)*)/g;

export interface Finding {
  readonly line: number;
  readonly problem: string;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6} (.+)$/gm)) anchors.add(slug(match[1] ?? ''));
  return anchors;
}

function decisionNumbers(decisions: string): Set<number> {
  return new Set([...decisions.matchAll(/^## (\d+)\./gm)].map((match) => Number(match[1])));
}

interface Repo {
  /** Repo-relative paths of every text file that may be cited. */
  readonly files: readonly string[];
  /** The files whose citations are checked: not the vendors' facts, which cite their own sources. */
  readonly checked: readonly string[];
  readonly decisions: Set<number>;
}

function resolveMarkdown(repo: Repo, fromFile: string, cited: string): string | undefined {
  const candidates = [cited, join(dirname(fromFile), cited)].map((path) => relative(ROOT, join(ROOT, path)));
  const found = candidates.find((path) => repo.files.includes(path));
  if (found !== undefined) return found;
  // A bare file name (`FACTS.md`) names a file beside the code it describes; any such file will do.
  return cited.includes('/') ? undefined : repo.files.find((path) => basename(path) === cited);
}

/** What in `text` (the file `file`, repo-relative) cites something the repo does not hold. */
export function findBrokenCitations(repo: Repo, file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    for (const outside of OUTSIDE_DOCUMENTS)
      if (outside.test(line)) findings.push({ line: index + 1, problem: `cites a document outside the repo` });
    for (const match of line.matchAll(MARKDOWN_PATH)) {
      const cited = match[1] ?? '';
      const target = resolveMarkdown(repo, file, cited);
      if (target === undefined) {
        findings.push({ line: index + 1, problem: `cites ${cited}, which is not in the repo` });
        continue;
      }
      const anchor = match[2]?.slice(1);
      if (anchor !== undefined && !anchorsOf(readFileSync(join(ROOT, target), 'utf8')).has(anchor))
        findings.push({ line: index + 1, problem: `cites ${cited}#${anchor}, a section ${target} does not have` });
    }
    for (const match of line.matchAll(DECISION_NUMBERS))
      for (const number of (match[1] ?? '').split(/\D+/).map(Number))
        if (!repo.decisions.has(number))
          findings.push({ line: index + 1, problem: `cites decision ${String(number)}, not in docs/decisions.md` });
  });
  return findings;
}

function textFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return SKIPPED_DIRS.has(name) ? [] : textFiles(path);
    return TEXT_FILE.test(name) ? [path] : [];
  });
}

function loadRepo(): Repo {
  const checked = [
    ...SOURCE_DIRS.flatMap(textFiles),
    ...readdirSync(ROOT).filter((name) => name.endsWith('.md')),
  ].filter((file) => file !== relative(ROOT, __filename));
  const facts = ['local/quickbooks/reference/FACTS.md', 'local/pipedrive/reference/FACTS.md'].filter((path) =>
    existsSync(join(ROOT, path)),
  );
  return {
    files: [...checked, relative(ROOT, __filename), ...facts],
    checked,
    decisions: decisionNumbers(readFileSync(join(ROOT, 'docs', 'decisions.md'), 'utf8')),
  };
}

describe('citations in comments and documents', () => {
  const repo = loadRepo();

  it('finds the source files and the decisions', () => {
    expect(repo.checked).toContain('functions/handlers/worker.ts');
    expect(repo.checked).toContain('docs/architecture.md');
    expect(repo.files).toContain('local/quickbooks/reference/FACTS.md');
    expect(repo.decisions.has(1)).toBe(true);
  });

  it('flags citations of documents and sections the repo does not hold', () => {
    const outside = ['ARCHITECTURE', ' §3'].join('');
    const sample = [
      `/** The one table (${outside}). */`,
      '// See docs/architecture.md#no-such-section.',
      '// See docs/missing.md.',
      '// As decision 9999 says.',
      '// As docs/architecture.md#dynamodb-items and decisions 8 and 9 say.',
    ].join('\n');
    expect(findBrokenCitations(repo, 'functions/example.ts', sample).map((finding) => finding.line)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('every cited document, section and decision is in the repo', () => {
    const broken = repo.checked.flatMap((file) =>
      findBrokenCitations(repo, file, readFileSync(join(ROOT, file), 'utf8')).map(
        (finding) => `${file}:${String(finding.line)}: ${finding.problem}`,
      ),
    );
    expect(broken).toEqual([]);
  });
});
