/**
 * The sync-health page as a person sees it: the local stack (with the shared emulators) connects and
 * backfills, then Debian's Chromium, headless, opens /health and reads it by roles and labels.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { dynamoEndpoint } from '../helpers/dynamodb';
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
  const deadline = Date.now() + 20_000;
  for (;;) {
    const snapshot = (await (await fetch(`${stack.url}/health.json`)).json()) as {
      connections: { counts: Counts }[];
      queues: { visible: number; inFlight: number }[];
    };
    const counts = snapshot.connections[0]?.counts;
    const queued = snapshot.queues.reduce((sum, q) => sum + q.visible + q.inFlight, 0);
    if (counts && queued === 0 && counts.synced + counts.excluded + counts.failed === total) return counts;
    if (Date.now() > deadline) throw new Error(`the backfill did not settle: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The value cell of the row named `name` in the table captioned `caption`. */
const cell = (page: Page, caption: string, name: string, column = 0) =>
  page
    .getByRole('table', { name: caption })
    .getByRole('row', { name: new RegExp(`^${name}\\b`) })
    .getByRole('cell')
    .nth(column);

describe('the sync-health page in a browser', () => {
  it('shows a person the connection, its health, counts, queues, budget and activity, and one customer’s timeline', async () => {
    const { stack, browser } = started();
    const { realmId } = await stack.connect();
    const backfill = (await stack.invoke('backfill', { realmId, dryRun: false })) as { summary: { customers: number } };
    expect(backfill.summary.customers).toBe(SEEDED);
    const counts = await settledCounts(stack, SEEDED);
    expect(counts.failed).toBe(0);

    const page = await browser.newPage();
    await page.goto(`${stack.url}/health`);
    expect(await page.title()).toBe('ml-connector · sync health');
    await page.getByRole('heading', { level: 1, name: 'ml-connector · sync health' }).waitFor();
    expect(await page.getByText(/refreshes every \d+ s/).count()).toBe(1);

    // The connection, by its company, with its status.
    const connection = page.getByRole('heading', { level: 2, name: new RegExp(`realm ${realmId}`) });
    expect(await connection.textContent()).toMatch(/active$/);

    // How many customers are in sync, excluded, failing.
    expect(await cell(page, 'Customers', 'In sync').textContent()).toBe(String(counts.synced));
    expect(await cell(page, 'Customers', 'Excluded').textContent()).toBe(String(counts.excluded));
    expect(await cell(page, 'Customers', 'Failing').textContent()).toBe('0');
    expect(counts.synced).toBeGreaterThan(0);

    // Both tokens are healthy; QuickBooks' access token is fresh from the connection.
    expect(await cell(page, 'Tokens', 'quickbooks').textContent()).toBe('ok');
    expect(await cell(page, 'Tokens', 'pipedrive').textContent()).toBe('ok');
    expect(Number(await cell(page, 'Tokens', 'quickbooks', 1).textContent())).toBeGreaterThan(30);

    // Every queue drained, nothing dead-lettered.
    for (const queue of ['changes', 'bulk', 'changes DLQ', 'bulk DLQ']) {
      expect(await cell(page, 'Messages per queue', queue).textContent()).toBe('0');
      expect(await cell(page, 'Messages per queue', queue, 1).textContent()).toBe('0');
    }

    // Pipedrive tokens the backfill spent, against the connector's share.
    const budget = /Pipedrive tokens spent today: (\d+) of (\d+)/.exec(
      (await page.getByText(/Pipedrive tokens spent today: \d+ of/).textContent()) ?? '',
    );
    const [spent, share] = [Number(budget?.[1]), Number(budget?.[2])];
    expect(spent).toBeGreaterThan(0);
    expect(share).toBeGreaterThan(spent);

    // Recent activity: one row per backfilled customer, each linking to that customer's history.
    const activity = page.getByRole('table', { name: /Recent activity/ });
    const backfillRows = activity.getByRole('row').filter({ has: page.getByRole('cell', { name: 'backfill' }) });
    expect(await backfillRows.count()).toBe(SEEDED);
    const customerLink = backfillRows.first().getByRole('link');
    const qboId = (await customerLink.textContent()) ?? '';
    expect(qboId).toMatch(/^\d+$/);

    await customerLink.click();
    await page.waitForURL((url) => url.searchParams.get('customer') === qboId && url.hash === '#timeline');
    expect(await page.title()).toBe(`Customer ${qboId} · ml-connector · sync health`);
    await page.getByRole('heading', { level: 2, name: `Customer ${qboId}: full history` }).waitFor();
    const timeline = page.getByRole('table', { name: `Every sync of customer ${qboId}, newest first` });
    const timelineRows = timeline.getByRole('row').filter({ has: page.getByRole('cell', { name: 'backfill' }) });
    expect(await timelineRows.count()).toBe(1);
    expect(await timelineRows.getByRole('link').textContent()).toBe(qboId);

    await page.getByRole('link', { name: 'Back to the overview' }).click();
    await page.waitForURL(`${stack.url}/health`);
    expect(await page.getByRole('heading', { name: /full history/ }).count()).toBe(0);
    await page.close();
  }, 30_000);

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers', () => {
    conformance.expectConforming();
  });

  it('sent QuickBooks only requests that FACTS documents (endpoints, parameters, query grammar)', () => {
    qboConformance.expectConforming();
  });
});
