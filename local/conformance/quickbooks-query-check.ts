import {
  DATE,
  DATE_TIME,
  DOCUMENTED_ENTITIES,
  type FieldType,
  FILTERABLE,
  MAX_RESULTS,
  OPERATORS,
  UNVERIFIED_ENTITIES,
} from './quickbooks-documented';

/**
 * Checks a QBO query statement against the grammar FACTS §5 documents (l.364-382):
 *
 *   SELECT * | count(*) FROM Entity [WHERE cond [AND cond]…] [ORDERBY …] [STARTPOSITION n] [MAXRESULTS n]
 *
 * with its own tokenizer and parser (not the QBO sandbox's query parser, decision 54).
 */

export interface QueryVerdict {
  entity: string | undefined;
  problems: string[];
  /** Uses of what FACTS does not document but the check allows, by reason (printed in the report). */
  allowances: string[];
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'punct'; text: string };

/** Splits a statement into tokens; a problem for each character or escape FACTS does not allow. */
function tokenize(statement: string, problems: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < statement.length) {
    const char = statement.charAt(i);
    if (/\s/.test(char)) {
      i++;
    } else if (char === "'") {
      // FACTS §0.6 l.27, §5 l.378: string values in single quotes, an embedded quote escaped as `\'`.
      // No other escape is documented, so any other backslash is refused (the stricter side).
      let text = '';
      let closed = false;
      i++;
      while (i < statement.length) {
        const c = statement.charAt(i);
        if (c === '\\') {
          if (statement.charAt(i + 1) === "'") {
            text += "'";
            i += 2;
            continue;
          }
          problems.push(`a backslash escape other than \\' in a string literal at ${i} (FACTS §5 documents only \\')`);
          i++;
          continue;
        }
        if (c === "'") {
          closed = true;
          i++;
          break;
        }
        text += c;
        i++;
      }
      if (!closed) problems.push('a string literal is not closed (FACTS §5: values in single quotes)');
      tokens.push({ kind: 'string', text });
    } else if (/\d/.test(char)) {
      const match = /^\d+/.exec(statement.slice(i));
      const text = match?.[0] ?? char;
      tokens.push({ kind: 'number', text });
      i += text.length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(statement.slice(i));
      const text = match?.[0] ?? char;
      tokens.push({ kind: 'word', text });
      i += text.length;
    } else if (/[<>!]/.test(char)) {
      const two = statement.slice(i, i + 2);
      const text = ['<=', '>=', '<>', '!='].includes(two) ? two : char;
      tokens.push({ kind: 'punct', text });
      i += text.length;
    } else if ('=(),*'.includes(char)) {
      tokens.push({ kind: 'punct', text: char });
      i++;
    } else {
      problems.push(`unexpected character ${JSON.stringify(char)} at ${i}`);
      i++;
    }
  }
  return tokens;
}

const isWord = (token: Token | undefined, word: string): boolean =>
  token?.kind === 'word' && token.text.toUpperCase() === word;
const isPunct = (token: Token | undefined, text: string): boolean => token?.kind === 'punct' && token.text === text;
const show = (token: Token | undefined): string => (token === undefined ? 'the end' : JSON.stringify(token.text));

/** Whether a literal fits the field's type; a problem when not. */
function literalProblem(field: string, type: FieldType, token: Token | undefined): string | undefined {
  if (token === undefined) return `${field}: a value is missing`;
  if (type === 'boolean') {
    // FACTS §5 l.376 (real): `Active IN ( true, false )`, unquoted.
    return token.kind === 'word' && /^(true|false)$/i.test(token.text)
      ? undefined
      : `${field}: ${show(token)} is not true or false (FACTS §5 l.376)`;
  }
  // FACTS §5 l.375 `Id IN ('5','6')` and §4.4 l.349 `Balance > '0'`: every other value is quoted.
  if (token.kind !== 'string') return `${field}: ${show(token)} is not a quoted value (FACTS §5 l.375, §4.4 l.349)`;
  if (type === 'date' && !DATE.test(token.text))
    return `${field}: '${token.text}' is not a date YYYY-MM-DD (FACTS §3 l.249, §4.4 l.349)`;
  if (type === 'datetime' && !DATE.test(token.text) && !DATE_TIME.test(token.text))
    return `${field}: '${token.text}' is not a date or a date-time with an offset (FACTS §3 l.249, §4.1 l.304)`;
  if (type === 'number' && !/^-?\d+(\.\d+)?$/.test(token.text))
    return `${field}: '${token.text}' is not a number (FACTS §4.4 l.349)`;
  return undefined;
}

class QueryParser {
  private at = 0;
  readonly problems: string[] = [];
  readonly allowances: string[] = [];
  entity: string | undefined;
  /** `count(*)`: no page, so no MAXRESULTS needed. */
  private counting = false;
  private fields: Readonly<Record<string, { type: FieldType; unverified?: string }>> = {};

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(): Token | undefined {
    return this.tokens[this.at++];
  }

  private expectWord(word: string, why: string): boolean {
    if (isWord(this.peek(), word)) {
      this.at++;
      return true;
    }
    this.problems.push(`expected ${word} but found ${show(this.peek())} (${why})`);
    return false;
  }

  parse(): void {
    if (!this.expectWord('SELECT', 'FACTS §5 l.368')) return;
    this.projection();
    if (!this.expectWord('FROM', 'FACTS §5 l.368')) return;
    this.from();
    if (isWord(this.peek(), 'WHERE')) {
      this.at++;
      this.conditions();
    }
    this.tail();
  }

  private projection(): void {
    if (isPunct(this.peek(), '*')) {
      this.at++;
      return;
    }
    // FACTS §5 l.368 `count(*)`; `query-count.json` is the real `SELECT COUNT(*) FROM Customer`.
    if (isWord(this.peek(), 'COUNT') && isPunct(this.tokens[this.at + 1], '(')) {
      this.at += 2;
      if (isPunct(this.peek(), '*') && isPunct(this.tokens[this.at + 1], ')')) {
        this.at += 2;
        this.counting = true;
        return;
      }
      this.problems.push('count takes only * (FACTS §5 l.368)');
    } else {
      this.problems.push(`SELECT takes * or count(*), not ${show(this.peek())} (FACTS §5 l.368)`);
    }
    while (this.peek() !== undefined && !isWord(this.peek(), 'FROM')) this.at++;
  }

  private from(): void {
    const token = this.next();
    if (token?.kind !== 'word') {
      this.problems.push(`FROM needs an entity, found ${show(token)} (FACTS §5 l.368)`);
      return;
    }
    const documented = DOCUMENTED_ENTITIES.find((entity) => entity === token.text);
    const unverified = Object.keys(UNVERIFIED_ENTITIES).find((entity) => entity === token.text);
    const anyCase = [...DOCUMENTED_ENTITIES, ...Object.keys(UNVERIFIED_ENTITIES)].find(
      (entity) => entity.toLowerCase() === token.text.toLowerCase(),
    );
    this.entity = documented ?? unverified;
    if (unverified !== undefined) this.allowances.push(UNVERIFIED_ENTITIES[unverified] ?? unverified);
    if (this.entity === undefined)
      this.problems.push(
        anyCase !== undefined
          ? `entity ${token.text} must be spelt ${anyCase}: entity names are case sensitive (FACTS §5 l.372)`
          : `entity ${token.text} is not one FACTS documents`,
      );
    this.fields = FILTERABLE[this.entity ?? ''] ?? {};
    // FACTS §5 l.371, l.374: one entity per query, no JOIN.
    if (isPunct(this.peek(), ',') || isWord(this.peek(), 'JOIN'))
      this.problems.push('one entity per query, no JOIN (FACTS §5 l.371, l.374)');
  }

  /** The named field, if filterable on this entity; a problem or an allowance otherwise. */
  private field(name: string): { type: FieldType } | undefined {
    const field = this.fields[name];
    if (field === undefined) {
      if (this.entity !== undefined)
        this.problems.push(`${this.entity}.${name} is not a field FACTS documents as filterable`);
      return undefined;
    }
    if (field.unverified !== undefined) this.allowances.push(field.unverified);
    return field;
  }

  private conditions(): void {
    for (;;) {
      this.condition();
      const joiner = this.peek();
      if (isWord(joiner, 'AND')) {
        this.at++;
        continue;
      }
      if (isWord(joiner, 'OR')) {
        // FACTS §0.6 l.26, §5 l.374: "Clauses combine with AND only: no OR".
        this.problems.push('OR is not supported: clauses combine with AND only (FACTS §0.6 l.26, §5 l.374)');
        this.at++;
        continue;
      }
      return;
    }
  }

  private condition(): void {
    const name = this.next();
    if (name?.kind !== 'word') {
      this.problems.push(`a condition must start with a field, found ${show(name)} (FACTS §5 l.368)`);
      return;
    }
    const field = this.field(name.text);
    const operator = this.next();
    const op = operator?.text.toUpperCase() ?? '';
    if (operator === undefined || !OPERATORS.some((allowed) => allowed === op)) {
      this.problems.push(`${show(operator)} is not an operator FACTS documents (IN, =, <, >, <=, >=, LIKE; §5 l.373)`);
      this.skipValue();
      return;
    }
    if (op === 'IN') {
      this.inList(name.text, field?.type);
      return;
    }
    const value = this.next();
    if (op === 'LIKE') {
      // FACTS §5 l.373: LIKE with `%` as its only wildcard, so on a quoted text value.
      if (value?.kind !== 'string') this.problems.push(`${name.text} LIKE needs a quoted value (FACTS §5 l.373)`);
      else if (field !== undefined && field.type !== 'string')
        this.problems.push(`LIKE applies to text, and ${name.text} is not text (FACTS §5 l.373)`);
      return;
    }
    if (field !== undefined) {
      const problem = literalProblem(name.text, field.type, value);
      if (problem !== undefined) this.problems.push(problem);
    }
  }

  /** FACTS §5 l.375-376: `IN` takes a parenthesized list, e.g. `Id IN ('5','6')`, `Active IN ( true, false )`. */
  private inList(name: string, type: FieldType | undefined): void {
    if (!isPunct(this.next(), '(')) {
      this.problems.push(`${name} IN needs a parenthesized list (FACTS §5 l.375)`);
      return;
    }
    let values = 0;
    for (;;) {
      const value = this.next();
      if (isPunct(value, ')') && values === 0) {
        this.problems.push(`${name} IN has an empty list (FACTS §5 l.375)`);
        return;
      }
      values++;
      if (type !== undefined) {
        const problem = literalProblem(name, type, value);
        if (problem !== undefined) this.problems.push(problem);
      }
      const after = this.next();
      if (isPunct(after, ')')) return;
      if (!isPunct(after, ',')) {
        this.problems.push(`${name} IN list: expected , or ) but found ${show(after)} (FACTS §5 l.375)`);
        return;
      }
    }
  }

  private skipValue(): void {
    if (isPunct(this.peek(), '(')) while (this.peek() !== undefined && !isPunct(this.next(), ')'));
    else this.at++;
  }

  /** `[ORDERBY …] [STARTPOSITION n] [MAXRESULTS n]`; the last two in either order (FACTS §5 l.368, `query-in.json`). */
  private tail(): void {
    const seen = new Set<string>();
    while (this.peek() !== undefined) {
      const token = this.next();
      const clause = token?.kind === 'word' ? token.text.toUpperCase() : '';
      if (seen.has(clause)) this.problems.push(`${clause} appears twice`);
      seen.add(clause);
      if (clause === 'ORDERBY') {
        if (seen.has('STARTPOSITION') || seen.has('MAXRESULTS'))
          this.problems.push('ORDERBY comes before STARTPOSITION and MAXRESULTS (FACTS §5 l.368)');
        this.orderBy();
      } else if (clause === 'STARTPOSITION') {
        // FACTS §5 l.380: 1-based.
        const n = this.next();
        if (n?.kind !== 'number' || Number(n.text) < 1)
          this.problems.push(`STARTPOSITION needs a whole number from 1, found ${show(n)} (FACTS §5 l.380)`);
      } else if (clause === 'MAXRESULTS') {
        const n = this.next();
        if (n?.kind !== 'number' || Number(n.text) < 1 || Number(n.text) > MAX_RESULTS)
          this.problems.push(
            `MAXRESULTS needs a whole number from 1 to ${MAX_RESULTS}, found ${show(n)} (FACTS §5 l.381)`,
          );
      } else if (isWord(token, 'OR')) {
        this.problems.push('OR is not supported: clauses combine with AND only (FACTS §0.6 l.26, §5 l.374)');
      } else {
        // GROUP BY, JOIN and anything else FACTS §5 l.374 rules out.
        this.problems.push(
          `unexpected ${show(token)}: after WHERE come only ORDERBY, STARTPOSITION, MAXRESULTS (FACTS §5 l.368)`,
        );
        return;
      }
    }
    // The default page size is unverified (FACTS §5 l.382), so a page read must say its size: the stricter side.
    if (!this.counting && !seen.has('MAXRESULTS'))
      this.problems.push('SELECT * without MAXRESULTS: the default page size is unverified (FACTS §5 l.382)');
  }

  /** `ORDERBY field [ASC|DESC] [, field [ASC|DESC]]…`: FACTS §5 l.368 leaves the list unspecified; only filterable fields sort. */
  private orderBy(): void {
    for (;;) {
      const name = this.next();
      if (name?.kind !== 'word') {
        this.problems.push(`ORDERBY needs a field, found ${show(name)} (FACTS §5 l.368)`);
        return;
      }
      this.field(name.text);
      if (isWord(this.peek(), 'ASC') || isWord(this.peek(), 'DESC')) this.at++;
      if (!isPunct(this.peek(), ',')) return;
      this.at++;
    }
  }
}

/** The problems of one query statement, and the allowances it relies on. */
export function checkQuery(statement: string): QueryVerdict {
  const problems: string[] = [];
  const tokens = tokenize(statement, problems);
  const parser = new QueryParser(tokens);
  parser.parse();
  return {
    entity: parser.entity,
    problems: [...problems, ...parser.problems],
    allowances: [...new Set(parser.allowances)],
  };
}
