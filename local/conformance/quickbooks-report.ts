import type { QuickBooksVerdict } from './quickbooks-checked-request';
import { checkQuickBooksRequest } from './quickbooks-request-check';
import type { RecordedQuickBooksRequest } from './recorded-quickbooks-request';

export interface QuickBooksConformanceReport {
  requests: number;
  /** Requests per operation. */
  operations: Record<string, number>;
  /** Requests relying on each allowance (what FACTS does not document), by reason. */
  allowances: Record<string, number>;
  invalidRequests: number;
  violations: QuickBooksVerdict[];
}

export function quickbooksConformanceReport(
  records: readonly RecordedQuickBooksRequest[],
): QuickBooksConformanceReport {
  const operations: Record<string, number> = {};
  const allowances: Record<string, number> = {};
  const violations: QuickBooksVerdict[] = [];
  for (const record of records) {
    const verdict = checkQuickBooksRequest(record);
    operations[verdict.operation] = (operations[verdict.operation] ?? 0) + 1;
    for (const allowance of verdict.allowances) allowances[allowance] = (allowances[allowance] ?? 0) + 1;
    if (verdict.problems.length > 0) violations.push(verdict);
  }
  return { requests: records.length, operations, allowances, invalidRequests: violations.length, violations };
}

/** The report as lines for a person: figures, operations with counts, allowances, violations. */
export function formatQuickBooksReport(report: QuickBooksConformanceReport): string {
  const counted = (entries: Record<string, number>) =>
    Object.entries(entries)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${String(count).padStart(6)}  ${name}`);
  return [
    `QuickBooks requests checked against FACTS.md: ${report.requests}`,
    ...counted(report.operations),
    'relying on what FACTS does not document (allowed, listed in quickbooks-documented.ts):',
    ...counted(report.allowances),
    `invalid QuickBooks requests: ${report.invalidRequests}`,
    ...report.violations.slice(0, 20).map((violation) => `  ${violation.operation}: ${violation.problems.join('; ')}`),
  ].join('\n');
}
