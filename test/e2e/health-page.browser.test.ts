/**
 * The sync-health page as a person sees it: the local stack (with the shared emulators) connects and
 * backfills, then Debian's Chromium, headless, opens /health and reads it by roles and labels:
 * filters, paging, links to both systems and to a customer's history. With UPDATE_SCREENSHOT=1 it
 * also writes the README's screenshot (docs/health-page.png, 1280 px wide).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Browser, chromium, type Page } from 'playwright-core';
import { recountLinks } from '../../functions/store/link-counts';
import { linkStatePartition } from '../../functions/store/table-schema';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { dynamoEndpoint, localDocumentClient } from '../helpers/dynamodb';
import { sqsEndpoint } from '../helpers/sqs';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { guardQuickBooksConformance } from '../helpers/quickbooks-conformance-guard';

const conformance = guardPipedriveConformance();
const qboConformance = guardQuickBooksConformance();

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SEEDED = 6;

interface Counts {
  synced: number;
  excluded: number;
  failed: number;
  pending: number;
  review: number;
}

// Undefined when the set-up failed part-way: the tear-down stops whatever did start.
const running: { stack?: LocalStack; browser?: Browser } = {};
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `The browser test needs Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary.`,
    );
  // Playwright gives the browser a fresh, temporary profile.
  running.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  running.stack = await startLocalStack({
    dynamoEndpoint: dynamoEndpoint(),
    sqsEndpoint: sqsEndpoint(),
    name: randomUUID().slice(0, 8),
    // Retries (a QBO 429 under a loaded CI machine waits ~60 s) come back in seconds, as in the chaos run.
    retryTimeScale: 1 / 30,
    qboSeedCount: SEEDED,
  });
}, 60_000);
afterAll(async () => {
  await Promise.all([running.browser?.close(), running.stack?.close()]);
});

function started(): { stack: LocalStack; browser: Browser } {
  const { stack, browser } = running;
  if (!stack || !browser) throw new Error('the set-up did not finish');
  return { stack, browser };
}

/** Reads the counts the page is built from, polling (not sleeping blindly) until the backfill has settled. */
async function settledCounts(stack: LocalStack, total: number): Promise<Counts> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const snapshot = (await (await fetch(`${stack.url}/health.json`)).json()) as {
      connections: { counts: Counts }[];
      queues: { visible: number; inFlight: number }[];
    };
    const counts = snapshot.connections[0]?.counts;
    const queued = snapshot.queues.reduce((sum, q) => sum + q.visible + q.inFlight, 0);
    if (counts && queued === 0 && counts.synced + counts.excluded + counts.failed >= total) return counts;
    if (Date.now() > deadline) throw new Error(`the backfill did not settle: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The value cell of the row named `name` in the table captioned `caption`. */
const cell = (page: Page, caption: string | RegExp, name: string, column = 0) =>
  page
    .getByRole('table', { name: caption })
    .getByRole('row', { name: new RegExp(`^${name}\\b`) })
    .getByRole('cell')
    .nth(column);

/** The customer list's body rows. */
const customerRows = (page: Page) =>
  page.getByRole('table', { name: /^Customers(:| \(| matching)/ }).locator('tbody tr');

describe('the sync-health page in a browser', () => {
  it('shows counts with filters, paged customers with names and links to both systems, runs, usage and a history', async () => {
    const { stack, browser } = started();
    const { realmId } = await stack.connect();
    const backfill = (await stack.invoke('backfill', { realmId, dryRun: false })) as { summary: { customers: number } };
    expect(backfill.summary.customers).toBe(SEEDED);
    const counts = await settledCounts(stack, SEEDED);
    expect(counts.failed).toBe(0);
    const total = counts.synced + counts.excluded + counts.failed + counts.pending + counts.review;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.url}/health?size=5`);
    expect(await page.title()).toBe('ml-connector · sync health');
    await page.getByRole('heading', { level: 1, name: 'ml-connector · sync health' }).waitFor();
    const connection = page.getByRole('heading', { level: 2, name: new RegExp(`realm ${realmId}`) });
    expect(await connection.textContent()).toMatch(/active$/);

    // Counts by state, each a filter.
    expect(await cell(page, 'Customers by state', 'In sync').textContent()).toBe(String(counts.synced));
    expect(await cell(page, 'Customers by state', 'Failing').textContent()).toBe('0');
    expect(counts.synced).toBeGreaterThan(0);
    expect(await cell(page, 'Tokens', 'quickbooks').textContent()).toBe('ok');
    for (const queue of ['changes', 'bulk', 'changes DLQ', 'bulk DLQ'])
      expect(await cell(page, 'Messages per queue', queue).textContent()).toBe('0');
    expect(await page.getByText('No customer is failing or held for review.').count()).toBe(1);

    // The backfill's QBO calls were counted, and both 14-day charts are there by name.
    const callsToday = page.locator('dt', { hasText: 'QBO calls today' }).locator('xpath=following-sibling::dd');
    expect(Number(await callsToday.textContent())).toBeGreaterThan(0);
    await page.getByRole('img', { name: /^Pipedrive tokens per day, last 14 days/ }).waitFor();
    await page.getByRole('img', { name: /^QBO calls per day, last 14 days/ }).waitFor();
    expect(await page.getByRole('meter', { name: 'Projected QBO calls this month against the cap' }).count()).toBe(1);

    // Page one of the customers, named, each linked to QuickBooks and to its organization in Pipedrive.
    const pages = Math.ceil(total / 5);
    expect(pages).toBeGreaterThan(1);
    await page
      .getByRole('table', { name: `Customers (page 1 of ${String(pages)}, ${String(total)} in all)` })
      .waitFor();
    expect(await customerRows(page).count()).toBe(5);
    const firstRow = customerRows(page).first();
    const name = (await firstRow.locator('.name').textContent()) ?? '';
    expect(name.length).toBeGreaterThan(0);
    const qboHref = new URL((await firstRow.getByRole('link', { name: /in QuickBooks$/ }).getAttribute('href')) ?? '');
    expect(qboHref.pathname).toBe('/app/customerdetail');
    expect(qboHref.searchParams.get('companyId')).toBe(realmId);
    const pipedriveLink = firstRow.getByRole('link', { name: /in Pipedrive$/ });
    const orgId = /Pipedrive #(\d+)/.exec((await pipedriveLink.textContent()) ?? '')?.[1];
    expect((await pipedriveLink.getAttribute('href')) ?? '').toMatch(new RegExp(`/organization/${orgId ?? 'none'}$`));

    // Paging: next, then back.
    await page.getByRole('navigation', { name: 'Customer pages' }).getByRole('link', { name: 'Next →' }).click();
    await page.waitForURL((url) => url.searchParams.get('page') === '2' && url.searchParams.get('size') === '5');
    await page.getByRole('table', { name: new RegExp(`^Customers \\(page 2 of ${String(pages)}`) }).waitFor();
    expect(await customerRows(page).count()).toBe(total - 5 * (pages - 1));
    await page.getByRole('link', { name: '← Previous' }).click();
    await page.waitForURL((url) => url.searchParams.get('page') === '1');
    await page.getByRole('table', { name: new RegExp(`^Customers \\(page 1 of`) }).waitFor();

    // Filters: a count's link, the state list, and a search by name.
    await page.getByRole('link', { name: `Show the ${String(counts.synced)} customers in sync` }).click();
    await page.waitForURL((url) => url.searchParams.get('state') === 'synced');
    await page.getByRole('table', { name: new RegExp(`^Customers: in sync \\(page 1 of`) }).waitFor();
    expect(
      await page
        .getByRole('table', { name: /^Customers: in sync/ })
        .getByText('Excluded')
        .count(),
    ).toBe(0);
    await page.getByLabel('State').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((url) => url.searchParams.get('state') === 'failed');
    await page.getByText('No customer matches.').waitFor();
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Name or id').fill(name);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === name);
    await page.getByRole('table', { name: new RegExp(`^Customers matching`) }).waitFor();
    expect(await customerRows(page).count()).toBeGreaterThanOrEqual(1);
    expect(await customerRows(page).first().locator('.name').textContent()).toBe(name);

    // A customer's history, first on its page, and the way back.
    const history = customerRows(page)
      .first()
      .getByRole('link', { name: /^History of / });
    const qboId = /#(\d+)\)$/.exec((await history.getAttribute('aria-label')) ?? '')?.[1] ?? '';
    await history.click();
    await page.waitForURL((url) => url.searchParams.get('customer') === qboId && url.hash === '#timeline');
    expect(await page.title()).toBe(`Customer ${qboId} · ml-connector · sync health`);
    await page.getByRole('heading', { level: 2, name: `Customer ${name} #${qboId}: full history` }).waitFor();
    const timeline = page.getByRole('table', { name: `Every sync of customer ${qboId}, newest first` });
    expect(await timeline.locator('tbody tr').filter({ hasText: 'backfill' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Back to the overview' }).click();
    await page.waitForURL((url) => url.searchParams.get('customer') === null);
    expect(await page.getByRole('heading', { name: /full history/ }).count()).toBe(0);

    // The README's screenshot, of the overview at 1280 px.
    await page.goto(`${stack.url}/health`);
    const shot = process.env.UPDATE_SCREENSHOT
      ? join(__dirname, '..', '..', 'docs', 'health-page.png')
      : join(tmpdir(), `health-page-${randomUUID()}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    await page.close();
  }, 120_000);

  it('pages 10,000 customers from the server: the browser fetches one page of 50, and the load time is reported', async () => {
    const { stack, browser } = started();
    const { realmId } = await stack.connect();
    const client = localDocumentClient();
    const now = Date.now();
    const stateOf = (i: number) => (i % 50 === 0 ? 'failed' : 'synced');
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      pk: `CONN#${realmId}`,
      sk: `CUSTOMER#${String(900_000 + i)}`,
      realmId,
      qboId: String(900_000 + i),
      state: stateOf(i),
      // Tagged for the state index, as every state write since decision 59 tags a link.
      byState: linkStatePartition(realmId, stateOf(i)),
      orgId: 500_000 + i,
      ...(i % 50 === 0 ? { reason: 'permanent: a field Pipedrive refused' } : {}),
      // As big as a real link: the pushed record is most of it.
      pushed: {
        organization: { name: `Customer ${String(i)} Ltd`, address: { street: `${String(i)} High Street`.repeat(4) } },
      },
      fingerprint: 'f'.repeat(64),
      updatedAt: now - i * 1000,
      version: 1,
    }));
    for (let i = 0; i < items.length; i += 25) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] = items
        .slice(i, i + 25)
        .map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: requests } }));
        const left = result.UnprocessedItems?.[stack.tableName] ?? [];
        requests = left.flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
      }
    }
    // Written around the store, so counted as links from before the counters are (decision 59): once.
    await recountLinks({ client, name: stack.tableName }, realmId, now);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (request: { url(): string }) => requested.push(request.url()));
    // Warm: the first view loads the handlers' modules; an operator's first look is at a running stack.
    await page.goto(`${stack.url}/health?state=failed`);
    const asked = Date.now();
    expect((await fetch(`${stack.url}/health?state=failed&page=3`)).status).toBe(200);
    const serverMs = Date.now() - asked;
    requested.length = 0;
    const opened = Date.now();
    await page.goto(`${stack.url}/health?state=failed&page=2`);
    const loadMs = Date.now() - opened;
    expect(requested).toEqual([`${stack.url}/health?state=failed&page=2`]);
    await page.getByRole('table', { name: /^Customers: failing \(page 2 of \d+, \d+ in all\)/ }).waitFor();
    expect(await customerRows(page).count()).toBe(50);
    // The first paint an operator sees: the overview, failing first.
    const overview = Date.now();
    await page.goto(`${stack.url}/health?realm=${realmId}`);
    const firstPaintMs = Date.now() - overview;
    // The connection's own backfill of the sandbox's customers may add a few to the 10,000.
    await page.getByRole('table', { name: /^Customers \(page 1 of 20\d, 10\d\d\d in all\)/ }).waitFor();
    expect(await customerRows(page).first().textContent()).toMatch(/Failing/);
    console.log(
      `the page of 10,000 customers: first paint ${String(firstPaintMs)} ms; failing, page 2: loaded in ${String(loadMs)} ms (server alone ${String(serverMs)} ms)`,
    );
    // Reported, not held to the 1 s here (a loaded CI machine): a view's reads no longer grow
    // with the customers (decision 59; test/integration/link-counts.test.ts holds that).
    expect(loadMs).toBeGreaterThan(0);
    await page.close();
  }, 120_000);

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers', () => {
    conformance.expectConforming();
  });

  it('sent QuickBooks only requests that FACTS documents (endpoints, parameters, query grammar)', () => {
    qboConformance.expectConforming();
  });
});
