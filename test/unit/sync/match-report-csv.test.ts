import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePrivateFile } from '../../../cli/private-file';
import { matchReportCsv, type MatchRow } from '../../../functions/sync/matching';

const row = (customer: string, organization?: string): MatchRow => ({
  qboId: '7',
  customer,
  method: 'none',
  confidence: 0,
  action: 'create',
  ...(organization !== undefined ? { organization } : {}),
});
const cells = (csv: string) => csv.split('\n')[1] ?? '';

describe('the backfill match report (CSV)', () => {
  it.each([
    ['=HYPERLINK("evil.example","Click me")', `"'=HYPERLINK(""evil.example"",""Click me"")"`],
    ['+1 555 0100', `"'+1 555 0100"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A2)', `"'@SUM(A1:A2)"`],
    ['\tTabbed', `"'\tTabbed"`],
    ['\rReturn', `"'\rReturn"`],
  ])('neutralises a customer named %p: a leading quote, and quoted', (name, expected) => {
    expect(cells(matchReportCsv([row(name)]))).toBe(`7,${expected},create,none,0,,,`);
  });

  it('neutralises the organization name too, and leaves ordinary names and numbers alone', () => {
    expect(cells(matchReportCsv([{ ...row('Acme, Inc.', '=cmd'), orgId: 42, confidence: 0.9 }]))).toBe(
      `7,"Acme, Inc.",create,none,0.9,42,"'=cmd",`,
    );
  });
});

describe('report files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-connector-report-'));

  it('are written readable by this user only (0600), also over an existing file', async () => {
    const fresh = join(dir, 'fresh.csv');
    await writePrivateFile(fresh, 'a,b\n');
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    const existing = join(dir, 'existing.csv');
    writeFileSync(existing, 'old', { mode: 0o644 });
    await writePrivateFile(existing, 'new');
    expect(statSync(existing).mode & 0o777).toBe(0o600);
    expect(readFileSync(existing, 'utf8')).toBe('new');
  });

  it('are git-ignored under their default name', () => {
    const root = join(__dirname, '..', '..', '..');
    const ignored = execFileSync('git', ['check-ignore', 'ml-connector-match-9341455130166501-20261202-1030.csv'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(ignored.trim()).toBe('ml-connector-match-9341455130166501-20261202-1030.csv');
  });
});
