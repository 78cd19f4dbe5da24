import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { renderHealthPage } from '../functions/operations/health-page';
import { healthReport } from '../test/helpers/health-report';

async function main() {
  const html = renderHealthPage(healthReport(), { timeZone: 'UTC' });
  writeFileSync('/tmp/h16/page.html', html);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto('file:///tmp/h16/page.html');
  await page.screenshot({ path: '/tmp/h16/top.png', clip: { x: 0, y: 0, width: 1280, height: 500 } });
  const over = await page.evaluate(() =>
    [...document.querySelectorAll('.card')].map((c) => {
      const t = c.querySelector('table:last-of-type');
      return `${c.getBoundingClientRect().width} vs content ${c.scrollWidth} table ${t ? t.getBoundingClientRect().width : 0}`;
    }),
  );
  console.log(over.join('\n'));
  await browser.close();
}
void main();
