import { conformanceReport, PipedriveSpecCheck } from '../../local/conformance/pipedrive-spec-check';
import { recordPipedriveTraffic } from '../../local/conformance/pipedrive-recorder';

/**
 * Records every Pipedrive sandbox exchange in this test file (sandboxes inside a local stack or a
 * chaos run included) and checks them against Pipedrive's official specs with the independent
 * validator (decision 44). Call at the top of an e2e file; `expectConforming()` in its last test.
 */
export function guardPipedriveConformance(): { expectConforming: () => void } {
  const recording = recordPipedriveTraffic();
  return {
    expectConforming() {
      recording.stop();
      const report = conformanceReport(recording.exchanges, new PipedriveSpecCheck());
      const operations = Object.entries(report.operations)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([operation, count]) => `${String(count).padStart(6)}  ${operation}`)
        .join('\n');
      console.log(
        `Pipedrive exchanges checked against the official specs: ${report.exchanges}\n${operations}\n` +
          `spec-invalid requests: ${report.invalidRequests}, spec-invalid responses: ${report.invalidResponses}`,
      );
      expect(report.exchanges).toBeGreaterThan(0);
      expect(report.violations).toEqual([]);
    },
  };
}
