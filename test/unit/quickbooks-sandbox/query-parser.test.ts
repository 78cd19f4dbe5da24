import fc from 'fast-check';
import { parseQuery, QueryParseError } from '../../../local/quickbooks/query-parser';

describe('QBO query parser', () => {
  it('parses the recorded IN query with Active IN, paging and spacing as sent', () => {
    expect(
      parseQuery(
        "SELECT * FROM Customer WHERE Id IN ('5','6') AND Active IN ( true, false ) MAXRESULTS 2 STARTPOSITION 1",
      ),
    ).toEqual({
      count: false,
      entity: 'Customer',
      where: [
        { kind: 'in', field: 'Id', values: ['5', '6'] },
        { kind: 'in', field: 'Active', values: [true, false] },
      ],
      orderBy: [],
      maxResults: 2,
      startPosition: 1,
    });
  });

  it('parses count(*) in lower case, every comparison, LIKE and ORDERBY with directions', () => {
    const query = parseQuery(
      "select count(*) from Invoice where Balance > '0' and DueDate < '2026-07-20' and TotalAmt >= 10 and TotalAmt <= -5.5 and DocNumber = '1' and DocNumber LIKE 'A%' orderby MetaData.LastUpdatedTime DESC, Id",
    );
    expect(query.count).toBe(true);
    expect(query.where.map((c) => (c.kind === 'compare' ? c.op : 'IN'))).toEqual(['>', '<', '>=', '<=', '=', 'LIKE']);
    expect(query.where[3]).toEqual({ kind: 'compare', field: 'TotalAmt', op: '<=', value: -5.5 });
    expect(query.orderBy).toEqual([
      { field: 'MetaData.LastUpdatedTime', descending: true },
      { field: 'Id', descending: false },
    ]);
  });

  it("unescapes \\' inside quoted values", () => {
    expect(parseQuery("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'").where[0]).toEqual({
      kind: 'compare',
      field: 'DisplayName',
      op: '=',
      value: "Amy's Bird Sanctuary",
    });
  });

  it.each([
    ['OR', "SELECT * FROM Customer WHERE Id = '1' OR Id = '2'"],
    ['unterminated string', "SELECT * FROM Customer WHERE Id = '1"],
    ['missing FROM', 'SELECT * Customer'],
    ['unsupported operator', "SELECT * FROM Customer WHERE Id != '1'"],
    ['non-numeric MAXRESULTS', 'SELECT * FROM Customer MAXRESULTS ten'],
    ['trailing garbage', 'SELECT * FROM Customer LIMIT 5'],
  ])('rejects %s with a QueryParseError', (_name, text) => {
    expect(() => parseQuery(text)).toThrow(QueryParseError);
  });

  it('never throws anything but QueryParseError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseQuery(text);
        } catch (error) {
          expect(error).toBeInstanceOf(QueryParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any value quoted the way clients escape it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        const quoted = value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
        const parsed = parseQuery(`SELECT * FROM Customer WHERE DisplayName = '${quoted}'`);
        expect(parsed.where[0]).toEqual({ kind: 'compare', field: 'DisplayName', op: '=', value });
      }),
    );
  });
});
