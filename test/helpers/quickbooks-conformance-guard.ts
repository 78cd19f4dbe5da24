import { formatQuickBooksReport, quickbooksConformanceReport } from '../../local/conformance/quickbooks-report';
import { recordQuickBooksTraffic } from '../../local/conformance/quickbooks-recorder';
import { observerFailures } from '../../local/quickbooks';

/**
 * Records every request to a QBO sandbox in this test file (sandboxes inside a local stack or a
 * chaos run included) and checks each against the endpoints, parameters, headers and query grammar
 * FACTS.md documents, with the independent check (decision 54). Call at the top of
 * an e2e file; `expectConforming()` in its last test.
 */
export function guardQuickBooksConformance(): { expectConforming: () => void } {
  const recording = recordQuickBooksTraffic();
  return {
    expectConforming() {
      recording.stop();
      const report = quickbooksConformanceReport(recording.requests);
      console.log(formatQuickBooksReport(report));
      expect(observerFailures.slice(0, 5)).toEqual([]);
      expect(report.requests).toBeGreaterThan(0);
      expect(report.violations).toEqual([]);
    },
  };
}
