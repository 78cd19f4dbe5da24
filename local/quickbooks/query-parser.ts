/**
 * A parser for the subset of QBO's query language a connector uses (FACTS §5):
 *
 *   SELECT * | COUNT(*) FROM Entity [WHERE cond AND cond …] [ORDERBY field [ASC|DESC], …]
 *   [STARTPOSITION n] [MAXRESULTS n]
 *   cond := field (= | < | > | <= | >= | LIKE) value | field IN (value, …)
 *
 * There is no OR, no parentheses around conditions, no joins. Strings are single-quoted with
 * `\'` escapes. Keywords are case-insensitive (clients send `select count(*)`).
 */

export type Literal = string | number | boolean;
export type Comparison = '=' | '<' | '>' | '<=' | '>=' | 'LIKE';

export type Condition =
  { kind: 'compare'; field: string; op: Comparison; value: Literal } | { kind: 'in'; field: string; values: Literal[] };

export interface OrderBy {
  field: string;
  descending: boolean;
}

export interface Query {
  count: boolean;
  entity: string;
  where: Condition[];
  orderBy: OrderBy[];
  startPosition?: number;
  maxResults?: number;
}

export class QueryParseError extends Error {}

type Token =
  | { type: 'word'; text: string; at: number }
  | { type: 'string'; text: string; at: number }
  | { type: 'number'; text: string; at: number }
  | { type: 'symbol'; text: string; at: number };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const char = input.charAt(i);
    if (/\s/.test(char)) {
      i++;
    } else if (char === "'") {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= input.length)
          throw new QueryParseError(
            `Lexical error at line 1, column ${start + 1}. Encountered: <EOF> in a quoted value`,
          );
        const c = input.charAt(i);
        if (c === '\\' && i + 1 < input.length) {
          text += input.charAt(i + 1);
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      tokens.push({ type: 'string', text, at: start });
    } else if (/[0-9]/.test(char) || (char === '-' && /[0-9]/.test(input.charAt(i + 1)))) {
      const match = /^-?\d+(\.\d+)?/.exec(input.slice(i));
      const text = match?.[0] ?? char;
      tokens.push({ type: 'number', text, at: i });
      i += text.length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(input.slice(i));
      const text = match?.[0] ?? char;
      tokens.push({ type: 'word', text, at: i });
      i += text.length;
    } else if (char === '<' || char === '>') {
      const text = input.charAt(i + 1) === '=' ? `${char}=` : char;
      tokens.push({ type: 'symbol', text, at: i });
      i += text.length;
    } else if ('=*(),'.includes(char)) {
      tokens.push({ type: 'symbol', text: char, at: i });
      i++;
    } else {
      throw new QueryParseError(`Lexical error at line 1, column ${i + 1}. Encountered: "${char}"`);
    }
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Query {
    this.keyword('SELECT');
    let count = false;
    if (this.peekSymbol('*')) {
      this.position++;
    } else {
      const word = this.next();
      if (word.type !== 'word' || word.text.toUpperCase() !== 'COUNT') this.fail(word, '"*" or "count(*)"');
      this.symbol('(');
      this.symbol('*');
      this.symbol(')');
      count = true;
    }
    this.keyword('FROM');
    const entity = this.next();
    if (entity.type !== 'word' || entity.text.includes('.')) this.fail(entity, 'an entity name');
    const query: Query = { count, entity: entity.text, where: [], orderBy: [] };
    if (this.peekKeyword('WHERE')) {
      this.position++;
      query.where.push(this.condition());
      while (this.peekKeyword('AND')) {
        this.position++;
        query.where.push(this.condition());
      }
    }
    while (this.position < this.tokens.length) {
      const token = this.next();
      const word = token.type === 'word' ? token.text.toUpperCase() : '';
      if (word === 'ORDERBY' || word === 'ORDER') {
        if (word === 'ORDER') this.keyword('BY');
        query.orderBy = this.orderBy();
      } else if (word === 'STARTPOSITION') {
        query.startPosition = this.integer();
      } else if (word === 'MAXRESULTS') {
        query.maxResults = this.integer();
      } else {
        this.fail(token, '"ORDERBY", "STARTPOSITION" or "MAXRESULTS"');
      }
    }
    return query;
  }

  private condition(): Condition {
    const field = this.next();
    if (field.type !== 'word') this.fail(field, 'a property name');
    const operator = this.next();
    if (operator.type === 'word' && operator.text.toUpperCase() === 'IN') {
      this.symbol('(');
      const values = [this.literal()];
      while (this.peekSymbol(',')) {
        this.position++;
        values.push(this.literal());
      }
      this.symbol(')');
      return { kind: 'in', field: field.text, values };
    }
    if (operator.type === 'word' && operator.text.toUpperCase() === 'LIKE') {
      return { kind: 'compare', field: field.text, op: 'LIKE', value: this.literal() };
    }
    if (operator.type === 'symbol' && ['=', '<', '>', '<=', '>='].includes(operator.text)) {
      return { kind: 'compare', field: field.text, op: toComparison(operator.text), value: this.literal() };
    }
    if (operator.type === 'word' && operator.text.toUpperCase() === 'OR')
      this.fail(operator, 'a comparison (there is no OR)');
    return this.fail(operator, 'an operator (=, <, >, <=, >=, IN, LIKE)');
  }

  private orderBy(): OrderBy[] {
    const out: OrderBy[] = [];
    for (;;) {
      const field = this.next();
      if (field.type !== 'word') this.fail(field, 'a property name');
      let descending = false;
      if (this.peekKeyword('DESC') || this.peekKeyword('ASC')) {
        descending = this.next().text.toUpperCase() === 'DESC';
      }
      out.push({ field: field.text, descending });
      if (!this.peekSymbol(',')) return out;
      this.position++;
    }
  }

  private literal(): Literal {
    const token = this.next();
    if (token.type === 'string') return token.text;
    if (token.type === 'number') return Number(token.text);
    if (token.type === 'word' && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === 'true';
    return this.fail(token, 'a value');
  }

  private integer(): number {
    const token = this.next();
    if (token.type !== 'number' || !/^\d+$/.test(token.text)) this.fail(token, 'a whole number');
    return Number(token.text);
  }

  private keyword(word: string): void {
    const token = this.next();
    if (token.type !== 'word' || token.text.toUpperCase() !== word) this.fail(token, `"${word}"`);
  }

  private symbol(symbol: string): void {
    const token = this.next();
    if (token.type !== 'symbol' || token.text !== symbol) this.fail(token, `"${symbol}"`);
  }

  private peekKeyword(word: string): boolean {
    const token = this.tokens[this.position];
    return token?.type === 'word' && token.text.toUpperCase() === word;
  }

  private peekSymbol(symbol: string): boolean {
    const token = this.tokens[this.position];
    return token?.type === 'symbol' && token.text === symbol;
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (!token) throw new QueryParseError('Encountered "<EOF>" at line 1. Was expecting more of the query.');
    this.position++;
    return token;
  }

  private fail(token: Token, expected: string): never {
    throw new QueryParseError(
      `Encountered " ${token.text} " at line 1, column ${token.at + 1}. Was expecting ${expected}.`,
    );
  }
}

function toComparison(text: string): Comparison {
  switch (text) {
    case '<':
      return '<';
    case '>':
      return '>';
    case '<=':
      return '<=';
    case '>=':
      return '>=';
    default:
      return '=';
  }
}

export function parseQuery(input: string): Query {
  return new Parser(tokenize(input)).parse();
}
