import * as z from 'zod';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** The parts of an OpenAPI operation the sandbox reads. */
const OperationShape = z.looseObject({
  operationId: z.string().optional(),
  'x-token-cost': z.number().optional(),
});
const SpecShape = z.looseObject({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) });

export interface SpecOperation {
  method: string;
  /** Path template relative to the spec's server, e.g. `/organizations/{id}`. */
  path: string;
  operationId: string;
  tokenCost: number | undefined;
}

/** Every operation of a parsed spec, in document order. */
export function specOperations(spec: unknown): SpecOperation[] {
  const { paths } = SpecShape.parse(spec);
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const raw = item[method];
      if (raw === undefined) continue;
      const operation = OperationShape.parse(raw);
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId ?? `${method} ${path}`,
        tokenCost: operation['x-token-cost'],
      });
    }
  }
  return out;
}

/** `METHOD /path` → `x-token-cost`, the table the sandbox charges from. */
export function tokenCostTable(spec: unknown): Record<string, number> {
  const table: Record<string, number> = {};
  for (const operation of specOperations(spec)) {
    if (operation.tokenCost === undefined) continue;
    table[`${operation.method} ${operation.path}`] = operation.tokenCost;
  }
  return table;
}
