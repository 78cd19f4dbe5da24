import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { accessToken, control, query, startTestQuickBooks } from '../../helpers/quickbooks-sandbox';

type Rows = {
  QueryResponse: {
    Customer?: { Id: string; DisplayName: string; Active: boolean }[];
    startPosition?: number;
    maxResults?: number;
    totalCount?: number;
  };
};

describe('QBO sandbox query semantics', () => {
  let sandbox: QuickBooksSandbox;
  let token: string;
  let realm: string;

  beforeAll(async () => {
    sandbox = await startTestQuickBooks({ seed: { reference: 'customers' } });
    token = await accessToken(sandbox);
    realm = sandbox.describe().realmId;
    // Customer 5 becomes inactive; "Amy's Bird Sanctuary" (1) keeps its apostrophe.
    await control(sandbox, 'POST', `/realms/${realm}/customers/5/deactivate`);
  });
  afterAll(() => sandbox.close());

  const rows = async (statement: string) => {
    const result = await query(sandbox, token, statement);
    expect(result.status).toBe(200);
    return (result.body as Rows).QueryResponse;
  };

  it('returns active customers only unless Active is constrained', async () => {
    expect((await rows('SELECT COUNT(*) FROM Customer')).totalCount).toBe(40);
    expect((await rows('SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)')).totalCount).toBe(41);
    const inactive = await rows('SELECT * FROM Customer WHERE Active = false');
    expect(inactive.Customer?.map((c) => c.Id)).toEqual(['5']);
    expect(inactive.Customer?.[0]?.DisplayName).toBe('Dukes Basketball Camp (deleted)');
  });

  it('finds by Id IN, leaving inactive ids out unless asked', async () => {
    expect((await rows("SELECT * FROM Customer WHERE Id IN ('5','6','7')")).Customer?.map((c) => c.Id)).toEqual([
      '6',
      '7',
    ]);
    expect(
      (await rows("SELECT * FROM Customer WHERE Id IN ('5','6','7') AND Active IN (true,false)")).Customer?.map(
        (c) => c.Id,
      ).sort(),
    ).toEqual(['5', '6', '7']);
  });

  it('matches a value with an escaped apostrophe, case-insensitively, and LIKE with %', async () => {
    expect(
      (await rows("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'")).Customer?.map((c) => c.Id),
    ).toEqual(['1']);
    expect(
      (await rows("SELECT * FROM Customer WHERE DisplayName = 'amy\\'s bird sanctuary'")).Customer?.map((c) => c.Id),
    ).toEqual(['1']);
    expect(
      (await rows("SELECT * FROM Customer WHERE DisplayName LIKE 'Doe%'")).Customer?.map((c) => c.DisplayName),
    ).toEqual(['Doe, Jack', 'Doe, Jane', 'Doe4, Jane', 'Doe5, Jane']);
  });

  it('pages with STARTPOSITION and MAXRESULTS, reporting the rows on the page as maxResults', async () => {
    const seen: string[] = [];
    for (let start = 1; ; start += 15) {
      const page = await rows(`SELECT * FROM Customer STARTPOSITION ${start} MAXRESULTS 15`);
      if (!page.Customer) {
        expect(page).toEqual({});
        break;
      }
      expect(page.startPosition).toBe(start);
      expect(page.maxResults).toBe(page.Customer.length);
      seen.push(...page.Customer.map((c) => c.Id));
    }
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });

  it('defaults to 100 rows a page and rejects MAXRESULTS over 1000', async () => {
    await control(sandbox, 'POST', `/realms/${realm}/seed`, { count: 120, seed: 3 });
    expect((await rows('SELECT * FROM Customer')).maxResults).toBe(100);
    expect((await rows('SELECT * FROM Customer MAXRESULTS 1000')).maxResults).toBeGreaterThan(100);
    const tooMany = await query(sandbox, token, 'SELECT * FROM Customer MAXRESULTS 1001');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ Fault: { type: 'ValidationFault', Error: [{ code: '4001' }] } });
  });

  it('orders by MetaData.LastUpdatedTime and by several keys', async () => {
    const page = await rows(
      "SELECT * FROM Customer WHERE Id IN ('1','2','3','4') ORDERBY MetaData.LastUpdatedTime DESC",
    );
    expect(page.Customer?.map((c) => c.Id)).toEqual(['1', '3', '2', '4']);
    const byName = await rows("SELECT * FROM Customer WHERE Id IN ('1','2','3','4') ORDERBY DisplayName DESC");
    expect(byName.Customer?.map((c) => c.DisplayName)).toEqual([
      'Diego Rodriguez',
      'Cool Cars',
      "Bill's Windsurf Shop",
      "Amy's Bird Sanctuary",
    ]);
  });

  it('filters on MetaData.LastUpdatedTime as instants, across offsets', async () => {
    const page = await rows(
      "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2020-09-29T13:00:00Z' AND MetaData.LastUpdatedTime < '2021-01-01T00:00:00Z'",
    );
    // 13:00Z is 06:00-07:00: Amy (06:02:35-07:00) and Jack Moe (06:00:07-07:00) are after it; Doe5 (05:58:16-07:00) is not.
    expect(page.Customer?.map((c) => c.Id).sort()).toEqual(['1', '68']);
  });

  it('answers parse errors with code 4000 and unfilterable properties with 4001', async () => {
    const parse = await query(sandbox, token, "SELECT * FROM Customer WHERE Id = '1' OR Id = '2'");
    expect(parse.status).toBe(400);
    expect(parse.body).toMatchObject({
      Fault: { type: 'ValidationFault', Error: [{ code: '4000', Message: 'Error parsing query' }] },
    });
    const notQueryable = await query(sandbox, token, "SELECT * FROM Customer WHERE Notes = 'x'");
    expect(notQueryable.body).toMatchObject({ Fault: { Error: [{ code: '4001' }] } });
  });

  it('accepts long queries in a POST body as application/text', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `'${i + 1}'`).join(',');
    const response = await fetch(`${sandbox.url}/v3/company/${realm}/query?minorversion=75`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/text', accept: 'application/json' },
      body: `SELECT COUNT(*) FROM Customer WHERE Id IN (${ids}) AND Active IN (true,false)`,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Rows).QueryResponse.totalCount).toBeGreaterThan(41);
  });
});
