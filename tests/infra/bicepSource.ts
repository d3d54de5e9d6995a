// A small reader of this repository's Bicep files for the structural tests. It is a checker, not a
// compiler: it knows comments, strings with ${} interpolation and brace nesting, and finds declarations by
// their line shape. That is enough for templates written in the usual one-declaration-per-line style; the
// real compiler check is tests/infra/bicepCompile.test.ts, where a compiler is installed.
import fs from 'node:fs';
import path from 'node:path';

/** The infra folder. */
export const INFRA_DIR = path.join(__dirname, '..', '..', 'infra');

/** One Bicep file, in the two views the checks need. */
export interface BicepFile {
  /** Path relative to infra/. */
  name: string;
  absolutePath: string;
  /** The text with comments blanked out (same length, so offsets match). */
  withStrings: string;
  /** Also with every string's literal text blanked out; interpolations (${...}) stay. */
  codeOnly: string;
}

/** A parameter declaration. */
export interface ParamDeclaration {
  name: string;
  hasDefault: boolean;
  secure: boolean;
  allowed: string[] | undefined;
  /** The default value's source text, if any. */
  defaultText: string | undefined;
}

/** An object body in both views (same length): code for structure, text for literal values. */
export interface ObjectBody {
  code: string;
  text: string;
}

/** A resource or module declaration with its body. */
export interface Declaration {
  symbol: string;
  /** 'Type@version' for a resource, the path for a module. */
  target: string;
  existing: boolean;
  /** Offset of the declaration keyword. */
  offset: number;
  /** The body between the braces of its object (for a loop, the object the loop yields). */
  body: ObjectBody;
}

/** Blanks comments (and, in codeOnly, string text) while keeping every offset and newline. */
function views(text: string): { withStrings: string; codeOnly: string } {
  const withStrings = text.split('');
  const codeOnly = text.split('');
  const blank = (from: number, to: number, both: boolean) => {
    for (let i = from; i < to; i++) {
      if (text[i] === '\n') continue;
      codeOnly[i] = ' ';
      if (both) withStrings[i] = ' ';
    }
  };
  // Each stack entry is a string being read, or an interpolation with its own brace depth.
  const stack: ({ kind: 'string' } | { kind: 'interpolation'; depth: number })[] = [];
  let i = 0;
  while (i < text.length) {
    const top = stack[stack.length - 1];
    const c = text[i];
    if (top?.kind === 'string') {
      if (c === '\\') {
        blank(i, i + 2, false);
        i += 2;
      } else if (c === "'") {
        stack.pop();
        i += 1;
      } else if (c === '$' && text[i + 1] === '{') {
        stack.push({ kind: 'interpolation', depth: 0 });
        i += 2;
      } else {
        blank(i, i + 1, false);
        i += 1;
      }
      continue;
    }
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      const stop = end < 0 ? text.length : end + 3;
      blank(i + 3, stop - 3, false);
      i = stop;
    } else if (c === "'") {
      stack.push({ kind: 'string' });
      i += 1;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop, true);
      i = stop;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop, true);
      i = stop;
    } else {
      if (top?.kind === 'interpolation') {
        if (c === '{') top.depth += 1;
        if (c === '}') {
          if (top.depth === 0) stack.pop();
          else top.depth -= 1;
        }
      }
      i += 1;
    }
  }
  return { withStrings: withStrings.join(''), codeOnly: codeOnly.join('') };
}

/** Reads one Bicep file under infra/. */
export function readBicep(name: string): BicepFile {
  const absolutePath = path.join(INFRA_DIR, name);
  return { name, absolutePath, ...views(fs.readFileSync(absolutePath, 'utf8')) };
}

/** Every .bicep file under infra/, main.bicep first. */
export function allBicepFiles(): BicepFile[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.bicep')) found.push(path.relative(INFRA_DIR, full));
    }
  };
  walk(INFRA_DIR);
  return found
    .sort((a, b) => (a === 'main.bicep' ? -1 : b === 'main.bicep' ? 1 : a.localeCompare(b)))
    .map(readBicep);
}

/** The text between the brace at `open` and its match (codeOnly view, so braces in strings do not count). */
export function braceBody(code: string, open: number): string {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') depth += 1;
    if (code[i] === '}') {
      depth -= 1;
      if (depth === 0) return code.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced braces from offset ${open}`);
}

/** The keys of an object body at its own level, with the source text of each value (up to the next key). */
export function topLevelEntries(body: ObjectBody): Map<string, string> {
  const entries = new Map<string, string>();
  const codeLines = body.code.split('\n');
  const textLines = body.text.split('\n');
  let depth = 0;
  let key: string | undefined;
  let value: string[] = [];
  codeLines.forEach((codeLine, index) => {
    const match = depth === 0 ? /^\s*('[^'\n]*'|[\w$.-]+)\s*:\s?(.*)$/.exec(textLines[index]) : null;
    if (match) {
      if (key !== undefined) entries.set(key, value.join('\n').trim());
      key = match[1].replace(/^'|'$/g, '');
      value = [match[2]];
    } else if (key !== undefined) {
      value.push(textLines[index]);
    }
    for (const c of codeLine) {
      if (c === '{' || c === '[' || c === '(') depth += 1;
      if (c === '}' || c === ']' || c === ')') depth -= 1;
    }
  });
  if (key !== undefined) entries.set(key, value.join('\n').trim());
  return entries;
}

/** The object that is the value of `key` at the top level of `body` (e.g. a module's params). */
export function childObject(body: ObjectBody, key: string): ObjectBody | undefined {
  const match = new RegExp(`^\\s*'?${key.replace(/[.$]/g, '\\$&')}'?\\s*:\\s*\\{`, 'm').exec(body.text);
  if (!match) return undefined;
  const open = match.index + match[0].length - 1;
  const code = braceBody(body.code, open);
  return { code, text: body.text.slice(open + 1, open + 1 + code.length) };
}

/** The parameter declarations of a file, with their decorators. */
export function params(file: BicepFile): ParamDeclaration[] {
  const result: ParamDeclaration[] = [];
  const textLines = file.withStrings.split('\n');
  file.codeOnly.split('\n').forEach((line, index) => {
    const match = /^param\s+(\w+)\s+[^=]+?(?:\s*=\s*(.+))?$/.exec(line);
    if (!match) return;
    // Decorators are the lines right above, up to a blank line (the files are formatted that way).
    let first = index;
    while (first > 0 && textLines[first - 1].trim() !== '') first -= 1;
    const decorators = textLines.slice(first, index).join('\n');
    const allowedBlock = /@allowed\(\[([\s\S]*?)\]\)/.exec(decorators)?.[1];
    result.push({
      name: match[1],
      hasDefault: match[2] !== undefined,
      secure: /@secure\(\)/.test(decorators),
      allowed: allowedBlock
        ? [...allowedBlock.matchAll(/'([^']*)'|(\d+)/g)].map((m) => m[1] ?? m[2])
        : undefined,
      defaultText: match[2] !== undefined ? textLines[index].replace(/^[^=]*=\s*/, '').trim() : undefined,
    });
  });
  return result;
}

/** Names declared with the given keyword (var, output, type) at the start of a line. */
export function declaredNames(file: BicepFile, keyword: 'var' | 'output' | 'type'): string[] {
  return [...file.codeOnly.matchAll(new RegExp(`^${keyword}\\s+(\\w+)\\b`, 'gm'))].map((m) => m[1]);
}

/** Every resource declaration (nested ones included) with its body. */
export function resources(file: BicepFile): Declaration[] {
  return declarations(file, 'resource');
}

/** Every module declaration with its body. */
export function modules(file: BicepFile): Declaration[] {
  return declarations(file, 'module');
}

function declarations(file: BicepFile, keyword: 'resource' | 'module'): Declaration[] {
  const result: Declaration[] = [];
  const pattern = new RegExp(`^\\s*${keyword}\\s+(\\w+)\\s+'([^']+)'\\s*(existing\\s*)?=`, 'gm');
  for (const match of file.withStrings.matchAll(pattern)) {
    const open = file.codeOnly.indexOf('{', match.index + match[0].length);
    const code = braceBody(file.codeOnly, open);
    result.push({
      symbol: match[1],
      target: match[2],
      existing: match[3] !== undefined,
      offset: match.index,
      body: { code, text: file.withStrings.slice(open + 1, open + 1 + code.length) },
    });
  }
  return result;
}

/** How often an identifier occurs in code (not in string text, not in comments). */
export function occurrences(file: BicepFile, identifier: string): number {
  // An object key (name: value) is not a use; a ternary's ' : ' has a space before the colon.
  return [...file.codeOnly.matchAll(new RegExp(`(?<![\\w.])${identifier}\\b(?!:)`, 'g'))].length;
}
