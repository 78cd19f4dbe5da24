import { checkQuery } from '../../local/conformance/quickbooks-query-check';

/** The QBO query grammar of FACTS §5, checked without the sandbox's parser (decision 54). */
describe('the independent QBO query check', () => {
  const problems = (statement: string) => checkQuery(statement).problems;

  it.each([
    // query-customers.json (REAL)
    'SELECT * FROM Customer MAXRESULTS 1000 STARTPOSITION 1',
    // query-count.json (REAL)
    'SELECT COUNT(*) FROM Customer',
    // query-in.json (REAL)
    "SELECT * FROM Customer WHERE Id IN ('5','6','7','8','9','10') AND Active IN ( true, false ) MAXRESULTS 2 STARTPOSITION 1",
    // query-in-count.json (REAL)
    "SELECT count(*) FROM Customer WHERE Id IN ('5','6','7','8','9','10')",
    // FACTS §4.4 option A, with a page size
    "SELECT * FROM Invoice WHERE CustomerRef = '5' AND Balance > '0' AND DueDate < '2026-07-20' MAXRESULTS 1000",
    // FACTS §4.2 l.334 and §5 l.394's lower-case batch query
    'select * from Term MAXRESULTS 100',
    // the connector's page read (FACTS §3 l.257's fallback)
    "SELECT * FROM Customer WHERE Active IN (true,false) AND MetaData.LastUpdatedTime >= '2026-07-01T09:00:00.512-07:00' ORDERBY MetaData.LastUpdatedTime, Id STARTPOSITION 1001 MAXRESULTS 1000",
    "SELECT * FROM Customer WHERE DisplayName LIKE 'Bill\\'s%' ORDERBY Id DESC MAXRESULTS 10",
  ])('passes %s', (statement) => {
    expect(problems(statement)).toEqual([]);
  });

  it('reports what it allows although FACTS does not document it, without failing it', () => {
    const verdict = checkQuery("SELECT * FROM Payment WHERE Id IN ('1') STARTPOSITION 1 MAXRESULTS 1000");
    expect(verdict.problems).toEqual([]);
    expect(verdict.allowances).toEqual([
      expect.stringMatching(/^Payment is not named in FACTS/),
      expect.stringMatching(/^Id is documented as filterable on Customer only/),
    ]);
    expect(checkQuery("SELECT * FROM Customer WHERE ParentRef IN ('4') MAXRESULTS 10").allowances).toEqual([
      expect.stringMatching(/^ParentRef is not listed as filterable/),
    ]);
  });

  it.each([
    ['not a SELECT', 'UPDATE Customer SET Active = false', /expected SELECT/],
    ['a field list', 'SELECT Id, DisplayName FROM Customer MAXRESULTS 10', /SELECT takes \* or count\(\*\)/],
    ['count of a field', 'SELECT count(Id) FROM Customer', /count takes only \*/],
    ['no FROM', 'SELECT *', /expected FROM/],
    [
      'an entity in the wrong case',
      'SELECT * FROM customer MAXRESULTS 10',
      /must be spelt Customer: entity names are case sensitive/,
    ],
    ['an unknown entity', 'SELECT * FROM Widget MAXRESULTS 10', /Widget is not one FACTS documents/],
    ['two entities', 'SELECT * FROM Customer, Invoice MAXRESULTS 10', /one entity per query/],
    [
      'a field that is not filterable',
      "SELECT * FROM Customer WHERE Notes = 'x' MAXRESULTS 10",
      /Customer.Notes is not a field/,
    ],
    ['OR', "SELECT * FROM Customer WHERE Id = '1' OR Id = '2' MAXRESULTS 10", /OR is not supported/],
    ['an undocumented operator', "SELECT * FROM Customer WHERE Id != '1' MAXRESULTS 10", /"!=" is not an operator/],
    ['IN without a list', "SELECT * FROM Customer WHERE Id IN '1' MAXRESULTS 10", /IN needs a parenthesized list/],
    ['an empty IN list', 'SELECT * FROM Customer WHERE Id IN () MAXRESULTS 10', /IN has an empty list/],
    ['an IN list without commas', "SELECT * FROM Customer WHERE Id IN ('1' '2') MAXRESULTS 10", /expected , or \)/],
    ['LIKE on a number', "SELECT * FROM Customer WHERE Balance LIKE '1%' MAXRESULTS 10", /LIKE applies to text/],
    ['LIKE unquoted', 'SELECT * FROM Customer WHERE DisplayName LIKE Bill MAXRESULTS 10', /LIKE needs a quoted value/],
    ['a quoted boolean', "SELECT * FROM Customer WHERE Active = 'true' MAXRESULTS 10", /is not true or false/],
    ['an unquoted id', 'SELECT * FROM Customer WHERE Id = 5 MAXRESULTS 10', /is not a quoted value/],
    [
      'a date that is not YYYY-MM-DD',
      "SELECT * FROM Invoice WHERE DueDate < '07/20/2026' MAXRESULTS 10",
      /is not a date YYYY-MM-DD/,
    ],
    [
      'a date-time without an offset',
      "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2026-07-01T09:00:00' MAXRESULTS 10",
      /not a date or a date-time with an offset/,
    ],
    [
      'a balance that is not a number',
      "SELECT * FROM Customer WHERE Balance > 'lots' MAXRESULTS 10",
      /is not a number/,
    ],
    ['an open string', "SELECT * FROM Customer WHERE DisplayName = 'Bill MAXRESULTS 10", /not closed/],
    ['an undocumented escape', "SELECT * FROM Customer WHERE DisplayName = 'a\\\\b' MAXRESULTS 10", /backslash escape/],
    ['a stray character', "SELECT * FROM Customer WHERE DisplayName = 'a'; MAXRESULTS 10", /unexpected character ";"/],
    [
      'STARTPOSITION 0',
      'SELECT * FROM Customer STARTPOSITION 0 MAXRESULTS 10',
      /STARTPOSITION needs a whole number from 1/,
    ],
    [
      'MAXRESULTS over 1000',
      'SELECT * FROM Customer MAXRESULTS 1001',
      /MAXRESULTS needs a whole number from 1 to 1000/,
    ],
    ['a clause twice', 'SELECT * FROM Customer MAXRESULTS 10 MAXRESULTS 10', /MAXRESULTS appears twice/],
    ['ORDERBY after paging', 'SELECT * FROM Customer MAXRESULTS 10 ORDERBY Id', /ORDERBY comes before/],
    [
      'ORDERBY on an unknown field',
      'SELECT * FROM Customer ORDERBY Notes MAXRESULTS 10',
      /Customer.Notes is not a field/,
    ],
    ['GROUP BY', 'SELECT * FROM Customer GROUP BY Id MAXRESULTS 10', /unexpected "GROUP"/],
    ['a page read without MAXRESULTS', 'SELECT * FROM Customer STARTPOSITION 1', /without MAXRESULTS/],
  ])('refuses %s', (_name, statement, problem) => {
    expect(problems(statement)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});
