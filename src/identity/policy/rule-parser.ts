// Parser for the oslo.policy rule language ("role:admin or (project_id:%(project_id)s and not role:reader)").
// Rules are parsed once, when defaults or an operator's file are loaded, so that a typo fails the
// load instead of silently denying (oslo.policy logs and fails closed; we prefer failing fast).

/** A piece of a check's right-hand side: literal text, or a `%(key)s` substitution from the target. */
export type TemplatePart = { text: string } | { targetKey: string };

/** The right side of `kind:match`, after quoting and substitutions are resolved at parse time. */
export interface MatchTemplate {
  parts: TemplatePart[];
}

/** The left side of a generic check: a credential attribute path, or a Python-style literal. */
export type GenericSubject = { credentialPath: string[] } | { literal: string };

export type RuleNode =
  | { type: 'always' }
  | { type: 'never' }
  | { type: 'and'; operands: RuleNode[] }
  | { type: 'or'; operands: RuleNode[] }
  | { type: 'not'; operand: RuleNode }
  | { type: 'rule'; name: string }
  | { type: 'role'; match: MatchTemplate }
  | { type: 'generic'; subject: GenericSubject; match: MatchTemplate; source: string };

export class PolicyRuleSyntaxError extends Error {
  readonly ruleText: string;
  readonly ruleName: string | undefined;
  constructor(message: string, ruleText: string, ruleName?: string) {
    const where = ruleName === undefined ? '' : ` in policy "${ruleName}"`;
    super(`Invalid policy rule${where}: ${message} (rule: ${JSON.stringify(ruleText)})`);
    this.name = 'PolicyRuleSyntaxError';
    this.ruleText = ruleText;
    this.ruleName = ruleName;
  }
}

type Token =
  | { kind: 'lparen' }
  | { kind: 'rparen' }
  | { kind: 'and' | 'or' | 'not' }
  | { kind: 'word'; text: string };

const QUOTES = new Set(["'", '"']);

function isSpace(ch: string): boolean {
  return /\s/.test(ch);
}

function tokenize(rule: string, fail: (msg: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const ch = rule[i]!;
    if (isSpace(ch)) {
      i++;
      continue;
    }
    if (ch === '(') {
      tokens.push({ kind: 'lparen' });
      i++;
      continue;
    }
    if (ch === ')') {
      tokens.push({ kind: 'rparen' });
      i++;
      continue;
    }
    // A word runs to whitespace or a closing parenthesis. `%(key)s` and quoted strings are read
    // whole, so their parentheses and spaces do not end the word.
    let word = '';
    while (i < rule.length) {
      const c = rule[i]!;
      if (isSpace(c) || c === ')') break;
      if (c === '%' && rule[i + 1] === '(') {
        const close = rule.indexOf(')', i + 2);
        if (close < 0) fail(`unterminated substitution starting at offset ${i}`);
        word += rule.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      if (QUOTES.has(c)) {
        const close = rule.indexOf(c, i + 1);
        if (close < 0) fail(`unterminated quoted string starting at offset ${i}`);
        word += rule.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      word += c;
      i++;
    }
    const lowered = word.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') tokens.push({ kind: lowered });
    else tokens.push({ kind: 'word', text: word });
  }
  return tokens;
}

function unquote(text: string): string | undefined {
  if (text.length >= 2 && QUOTES.has(text[0]!) && text[text.length - 1] === text[0]) {
    return text.slice(1, -1);
  }
  return undefined;
}

// Python's ast.literal_eval on the left side, reduced to what policy files use: strings, booleans,
// None and numbers. The value is kept as Python's str() of it, since checks compare strings.
function pythonLiteral(text: string): string | undefined {
  const quoted = unquote(text);
  if (quoted !== undefined) return quoted;
  if (text === 'True' || text === 'False' || text === 'None') return text;
  if (/^-?\d+$/.test(text)) return String(Number.parseInt(text, 10));
  if (/^-?\d+\.\d+$/.test(text)) return text;
  return undefined;
}

function parseTemplate(text: string, fail: (msg: string) => never): MatchTemplate {
  // A wholly quoted right side is a literal (oslo.policy would keep the quotes and so never match;
  // accepting it is friendlier and unambiguous).
  const quoted = unquote(text);
  if (quoted !== undefined) return { parts: [{ text: quoted }] };
  const parts: TemplatePart[] = [];
  const re = /%\(([^)]*)\)s/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    const key = m[1]!;
    if (key === '') fail(`empty substitution in ${JSON.stringify(text)}`);
    parts.push({ targetKey: key });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  for (const part of parts) {
    if ('text' in part && part.text.includes('%(')) {
      fail(`malformed substitution in ${JSON.stringify(text)} (expected %(key)s)`);
    }
  }
  return { parts };
}

function parseCheck(word: string, fail: (msg: string) => never): RuleNode {
  if (word === '@') return { type: 'always' };
  if (word === '!') return { type: 'never' };
  const colon = word.indexOf(':');
  if (colon < 0) fail(`${JSON.stringify(word)} is not a check (expected kind:match, "@" or "!")`);
  const kind = word.slice(0, colon);
  const matchText = word.slice(colon + 1);
  if (kind === '') fail(`check ${JSON.stringify(word)} has an empty left side`);
  if (matchText === '') fail(`check ${JSON.stringify(word)} has an empty right side`);
  if (kind === 'rule') return { type: 'rule', name: matchText };
  if (kind === 'role') return { type: 'role', match: parseTemplate(matchText, fail) };
  if (kind === 'http' || kind === 'https') {
    fail(`remote ${kind} checks are not supported`);
  }
  const literal = pythonLiteral(kind);
  const subject: GenericSubject =
    literal !== undefined ? { literal } : { credentialPath: kind.split('.') };
  if ('credentialPath' in subject && subject.credentialPath.some((s) => s === '')) {
    fail(`check ${JSON.stringify(word)} has an empty attribute name on its left side`);
  }
  return { type: 'generic', subject, match: parseTemplate(matchText, fail), source: word };
}

/**
 * Parse a rule string. Precedence follows oslo.policy: `not` binds tightest, then `and`, then `or`.
 * An empty (or all-whitespace) rule always passes.
 */
export function parseRule(rule: string, ruleName?: string): RuleNode {
  const fail = (msg: string): never => {
    throw new PolicyRuleSyntaxError(msg, rule, ruleName);
  };
  const tokens = tokenize(rule, fail);
  if (tokens.length === 0) return { type: 'always' };
  let pos = 0;

  const describe = (t: Token | undefined): string =>
    t === undefined ? 'end of rule' : t.kind === 'word' ? JSON.stringify(t.text) : `"${t.kind === 'lparen' ? '(' : t.kind === 'rparen' ? ')' : t.kind}"`;

  const parseOr = (): RuleNode => {
    const operands = [parseAnd()];
    while (tokens[pos]?.kind === 'or') {
      pos++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands };
  };
  const parseAnd = (): RuleNode => {
    const operands = [parseNot()];
    while (tokens[pos]?.kind === 'and') {
      pos++;
      operands.push(parseNot());
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands };
  };
  const parseNot = (): RuleNode => {
    if (tokens[pos]?.kind === 'not') {
      pos++;
      return { type: 'not', operand: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): RuleNode => {
    const token = tokens[pos];
    if (token?.kind === 'lparen') {
      pos++;
      const inner = parseOr();
      if (tokens[pos]?.kind !== 'rparen') fail(`expected ")" but found ${describe(tokens[pos])}`);
      pos++;
      return inner;
    }
    if (token?.kind === 'word') {
      pos++;
      return parseCheck(token.text, fail);
    }
    return fail(`expected a check or "(" but found ${describe(token)}`);
  };

  const tree = parseOr();
  if (pos < tokens.length) fail(`unexpected ${describe(tokens[pos])}`);
  return tree;
}

/** The names referenced by `rule:` checks in a tree. */
export function referencedRules(node: RuleNode): string[] {
  switch (node.type) {
    case 'rule':
      return [node.name];
    case 'and':
    case 'or':
      return node.operands.flatMap(referencedRules);
    case 'not':
      return referencedRules(node.operand);
    default:
      return [];
  }
}

function renderTemplate(t: MatchTemplate): string {
  return t.parts.map((p) => ('text' in p ? p.text : `%(${p.targetKey})s`)).join('');
}

/** Render a tree back to the rule language (fully parenthesised where precedence needs it). */
export function formatRule(node: RuleNode): string {
  switch (node.type) {
    case 'always':
      return '@';
    case 'never':
      return '!';
    case 'rule':
      return `rule:${node.name}`;
    case 'role':
      return `role:${renderTemplate(node.match)}`;
    case 'generic':
      return node.source;
    case 'not': {
      const inner = formatRule(node.operand);
      return node.operand.type === 'and' || node.operand.type === 'or' ? `not (${inner})` : `not ${inner}`;
    }
    case 'and':
      return node.operands.map((o) => (o.type === 'or' ? `(${formatRule(o)})` : formatRule(o))).join(' and ');
    case 'or':
      return node.operands.map(formatRule).join(' or ');
  }
}
