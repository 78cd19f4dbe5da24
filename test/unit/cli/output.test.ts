import fc from 'fast-check';
import { table } from '../../../cli/output';

describe('table', () => {
  it('aligns columns to their widest cell and right-aligns numbers', () => {
    expect(
      table(
        ['name', 'n'],
        [
          ['Acme', 5],
          ['Bo', 120],
        ],
      ),
    ).toBe(['name    n', '----  ---', 'Acme    5', 'Bo    120'].join('\n'));
  });

  it('gives every row the same column starts, whatever the cells', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ maxLength: 12 }).filter((s) => !/\s/.test(s)),
            fc.nat(),
          ),
          { maxLength: 8 },
        ),
        (rows) => {
          const lines = table(['a', 'b'], rows).split('\n');
          expect(lines).toHaveLength(rows.length + 2);
          const width = Math.max(1, ...rows.map(([text]) => text.length));
          for (const [index, row] of rows.entries())
            expect(lines[index + 2]?.startsWith(row[0].padEnd(width) + '  ')).toBe(true);
        },
      ),
    );
  });
});
