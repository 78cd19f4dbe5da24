import {
  acceptsKind,
  type Entity,
  isDerivedValue,
  type MappedFieldType,
  sourceKind,
  STANDARD_FIELDS,
  standardFieldKind,
  type ValueKind,
} from './mapping-catalog';

/** The shape of one field's mapping as the checks read it (mapping-document.ts declares it). */
interface FieldInput {
  custom?: { name: string; type: MappedFieldType; options?: string[] };
  from?: string;
  join?: { from: string[]; separator: string };
  template?: string;
  constant?: string | number;
  lookup?: Record<string, string | number>;
  default?: string | number;
}

export interface FieldProblem {
  path: (string | number)[];
  message: string;
}

const VALUE_KEYS = ['from', 'join', 'template', 'constant'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const SCALAR_KINDS: readonly ValueKind[] = ['text', 'number', 'boolean', 'date'];

/** The `{Path}` placeholders of a template. */
export function templatePlaceholders(template: string): string[] {
  return Array.from(template.matchAll(PLACEHOLDER), (match) => match[1] ?? '');
}

function unknownSource(source: string): string {
  return isDerivedValue(source) || source.startsWith('$')
    ? `unknown derived value "${source}"`
    : `unknown QBO Customer field "${source}"`;
}

/** Every source the field reads, with the path of the place that names it. */
function sourcesOf(field: FieldInput): { path: (string | number)[]; source: string }[] {
  const sources: { path: (string | number)[]; source: string }[] = [];
  if (field.from !== undefined) sources.push({ path: ['from'], source: field.from });
  field.join?.from.forEach((source, index) => sources.push({ path: ['join', 'from', index], source }));
  if (field.template !== undefined)
    for (const source of templatePlaceholders(field.template)) sources.push({ path: ['template'], source });
  return sources;
}

/** The kind of value the field's mapping yields (after its lookup), and which key gives it. */
function valueKind(field: FieldInput): { key: string; kind: ValueKind } | undefined {
  const lookupValues = field.lookup ? Object.values(field.lookup) : [];
  if (lookupValues.length > 0)
    return { key: 'lookup', kind: lookupValues.every((value) => typeof value === 'number') ? 'number' : 'text' };
  if (field.from !== undefined) {
    const kind = sourceKind(field.from);
    return kind === undefined ? undefined : { key: 'from', kind };
  }
  if (field.constant !== undefined)
    return { key: 'constant', kind: typeof field.constant === 'number' ? 'number' : 'text' };
  return { key: field.join ? 'join' : 'template', kind: 'text' };
}

function checkValueKeys(field: FieldInput): FieldProblem[] {
  const given = VALUE_KEYS.filter((key) => field[key] !== undefined);
  if (given.length === 1) return [];
  const message =
    given.length === 0
      ? 'maps no value: give one of from, join, template, constant'
      : `gives several values (${given.join(', ')}): give one`;
  return [{ path: [], message }];
}

function checkSources(field: FieldInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const { path, source } of sourcesOf(field)) {
    const kind = sourceKind(source);
    if (kind === undefined) problems.push({ path, message: unknownSource(source) });
    else if (path[0] !== 'from' && !SCALAR_KINDS.includes(kind))
      problems.push({ path, message: `"${source}" holds ${kind}, which cannot be joined into text` });
  }
  return problems;
}

/** The standard-or-custom rule and the enum/set options. */
function checkTarget(entity: Entity, name: string, field: FieldInput): FieldProblem[] {
  const standard = standardFieldKind(entity, name);
  const custom = field.custom;
  if (standard !== undefined)
    return custom
      ? [{ path: ['custom'], message: `"${name}" is a standard field: it takes no custom definition` }]
      : [];
  if (!custom) {
    const names = Object.keys(STANDARD_FIELDS[entity]).join(', ');
    return [
      { path: ['custom'], message: `required: "${name}" is not a standard Pipedrive ${entity} field (${names})` },
    ];
  }
  const choice = custom.type === 'enum' || custom.type === 'set';
  if (choice && !custom.options)
    return [{ path: ['custom', 'options'], message: `required for ${custom.type} fields` }];
  if (!choice && custom.options)
    return [{ path: ['custom', 'options'], message: `only enum and set fields have options` }];
  return [];
}

function checkKind(entity: Entity, name: string, field: FieldInput): FieldProblem[] {
  const produced = valueKind(field);
  if (produced === undefined) return [];
  const standard = standardFieldKind(entity, name);
  const fits =
    standard === 'text'
      ? SCALAR_KINDS.includes(produced.kind)
      : standard !== undefined
        ? standard === produced.kind
        : field.custom
          ? acceptsKind(field.custom.type, produced.kind)
          : true;
  const target = standard !== undefined ? `the ${entity} ${name}` : `a ${field.custom?.type ?? ''} field`;
  const article = /^[aeiou]/.test(produced.kind) ? 'an' : 'a';
  const problems: FieldProblem[] = fits
    ? []
    : [{ path: [produced.key], message: `${article} ${produced.kind} value cannot fill ${target}` }];
  if ((field.lookup || field.default !== undefined) && !SCALAR_KINDS.includes(produced.kind) && produced.key === 'from')
    problems.push({ path: [field.lookup ? 'lookup' : 'default'], message: `applies to text and number values only` });
  return problems;
}

/** Lookup results, the constant and the default must be options of an enum or set field. */
function checkOptions(field: FieldInput): FieldProblem[] {
  const options = field.custom?.options;
  if (!options) return [];
  const problems: FieldProblem[] = [];
  const check = (path: (string | number)[], value: string | number | undefined) => {
    if (value !== undefined && !options.includes(String(value)))
      problems.push({ path, message: `"${String(value)}" is not one of the options (${options.join(', ')})` });
  };
  for (const [from, to] of Object.entries(field.lookup ?? {})) check(['lookup', from], to);
  check(['constant'], field.constant);
  check(['default'], field.default);
  return problems;
}

/** Everything wrong with one field's mapping, each with its path under the field. */
export function checkField(entity: Entity, name: string, field: FieldInput): FieldProblem[] {
  const shape = [...checkValueKeys(field), ...checkSources(field), ...checkTarget(entity, name, field)];
  if (shape.length > 0) return shape;
  return [...checkKind(entity, name, field), ...checkOptions(field)];
}
