// Route templates in the Functions host's syntax (ASP.NET Core routing): literal segments, {name},
// {name:constraint}, optional {name?}, defaults {name=value}, catch-all {*name}, and complex segments
// such as "{name}.{ext}". A route that works under `npm start` must route the same way in Azure.
import { parseConstraint, RouteTemplateError, type RouteConstraint } from './routeConstraints';

export { RouteTemplateError } from './routeConstraints';

/** One {parameter} of a template. */
export interface RouteParameter {
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue: string | undefined;
  readonly constraints: readonly RouteConstraint[];
}

/** A piece of a path segment: literal text or a parameter. */
export type RoutePart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'parameter'; readonly parameter: RouteParameter };

/** One "/"-separated segment of a template. */
export interface RouteSegment {
  readonly kind: 'literal' | 'parameter' | 'complex';
  readonly parts: readonly RoutePart[];
  /** Only for complex segments: matches the whole segment, one capture group per parameter. */
  readonly pattern?: RegExp;
}

/** A parsed template, ready to match paths. */
export interface RouteTemplate {
  readonly text: string;
  readonly segments: readonly RouteSegment[];
  /** ASP.NET inbound precedence, one digit per segment; lower sorts first (more specific). */
  readonly precedence: readonly number[];
}

/** Route values taken from a matched path, by parameter name as written in the template. */
export type RouteValues = Record<string, string>;

function fail(template: string, problem: string): never {
  throw new RouteTemplateError(`Invalid route template "${template}": ${problem}`);
}

// Finds where a constraint ends. An argument in parentheses ends at the ")" that balances the opening one
// (so a regex argument may contain groups and ":"), provided the next ":" / "=" / final "?" or the end
// follows; otherwise at the first ")" that is followed by one of those.
function constraintEnd(inner: string, start: number): number {
  const stops = (k: number): boolean =>
    k === inner.length ||
    inner[k] === ':' ||
    inner[k] === '=' ||
    (inner[k] === '?' && k === inner.length - 1);
  for (let k = start; k < inner.length; k++) {
    if (inner[k] === '(') {
      let depth = 0;
      for (let c = k; c < inner.length; c++) {
        if (inner[c] === '\\') c++;
        else if (inner[c] === '(') depth++;
        else if (inner[c] === ')' && --depth === 0) {
          if (stops(c + 1)) return c + 1;
          break;
        }
      }
      for (let close = inner.indexOf(')', k + 1); close !== -1; close = inner.indexOf(')', close + 1)) {
        if (stops(close + 1)) return close + 1;
      }
      return -1;
    }
    if (stops(k)) return k;
  }
  return inner.length;
}

function parseParameter(inner: string, template: string): RouteParameter {
  let rest = inner;
  const catchAll = rest.startsWith('*');
  rest = rest.replace(/^\*{1,2}/, '');

  const nameEnd = rest.search(/[:=]|\?$/);
  const name = nameEnd === -1 ? rest : rest.slice(0, nameEnd);
  if (!name || /[{}/*?=:\s]/.test(name)) fail(template, `"{${inner}}" has no valid parameter name`);

  const constraints: RouteConstraint[] = [];
  let position = nameEnd === -1 ? rest.length : nameEnd;
  while (rest[position] === ':') {
    const end = constraintEnd(rest, position + 1);
    if (end === -1) fail(template, `constraint in "{${inner}}" has an unclosed "("`);
    const text = rest.slice(position + 1, end);
    if (!text) fail(template, `"{${inner}}" has an empty constraint`);
    try {
      constraints.push(parseConstraint(text));
    } catch (error) {
      fail(template, error instanceof Error ? error.message : String(error));
    }
    position = end;
  }

  let defaultValue: string | undefined;
  let optional = false;
  if (rest[position] === '=') {
    defaultValue = rest.slice(position + 1);
    if (defaultValue.endsWith('?')) fail(template, `"{${inner}}" cannot be optional and have a default`);
    position = rest.length;
  } else if (rest[position] === '?' && position === rest.length - 1) {
    optional = true;
    position = rest.length;
  }
  if (position !== rest.length) fail(template, `cannot parse "{${inner}}"`);
  if (catchAll && optional) fail(template, `catch-all "{${inner}}" is optional already and cannot take "?"`);
  return { name, optional, catchAll, defaultValue, constraints };
}

function parseParts(text: string, template: string): RoutePart[] {
  const parts: RoutePart[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal) parts.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let i = 0; i < text.length;) {
    const c = text[i];
    // "{{" and "}}" are escaped braces, as in ASP.NET templates.
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i += 2;
      continue;
    }
    if (c === '}') fail(template, 'unmatched "}"');
    if (c === '?') fail(template, 'a literal segment cannot contain "?"');
    if (c !== '{') {
      literal += c;
      i++;
      continue;
    }
    let inner = '';
    let j = i + 1;
    for (; j < text.length; j++) {
      if ((text[j] === '}' || text[j] === '{') && text[j + 1] === text[j]) {
        inner += text[j];
        j++;
      } else if (text[j] === '}') {
        break;
      } else if (text[j] === '{') {
        fail(template, 'unexpected "{" inside a parameter');
      } else {
        inner += text[j];
      }
    }
    if (j >= text.length) fail(template, 'unclosed "{"');
    flush();
    parts.push({ kind: 'parameter', parameter: parseParameter(inner, template) });
    i = j + 1;
  }
  flush();
  return parts;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function buildSegment(text: string, template: string): RouteSegment {
  if (text === '') fail(template, 'empty segment ("//")');
  const parts = parseParts(text, template);
  if (parts.length === 1) return { kind: parts[0].kind, parts };

  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.kind !== 'parameter') continue;
    const p = part.parameter;
    if (p.catchAll) fail(template, `catch-all {*${p.name}} must be a whole segment`);
    if (p.optional || p.defaultValue !== undefined) {
      fail(template, `{${p.name}} in "${text}": optional or default parameters must be a whole segment here`);
    }
    if (parts[i + 1]?.kind === 'parameter')
      fail(template, `"${text}" has two parameters with no literal between`);
  }
  // Greedy groups take the last occurrence of each separator, which is what ASP.NET's right-to-left
  // matching of complex segments yields ("{name}.{ext}" on "a.b.c" gives name "a.b", ext "c").
  const source = parts.map((p) => (p.kind === 'literal' ? escapeRegExp(p.text) : '(.+)')).join('');
  return { kind: 'complex', parts, pattern: new RegExp(`^${source}$`, 'is') };
}

function parameterOf(segment: RouteSegment): RouteParameter | undefined {
  const part = segment.parts[0];
  return segment.kind === 'parameter' && part.kind === 'parameter' ? part.parameter : undefined;
}

function precedenceDigit(segment: RouteSegment): number {
  if (segment.kind === 'literal') return 1;
  if (segment.kind === 'complex') return 2;
  const parameter = parameterOf(segment);
  const digit = parameter?.catchAll ? 5 : 3;
  return parameter && parameter.constraints.length > 0 ? digit - 1 : digit;
}

/** Parses a route template ("tasks/{id:guid}"); throws RouteTemplateError for what the host would refuse. */
export function parseRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^~?\//, '').replace(/\/$/, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').map((s) => buildSegment(s, template));

  const names = new Set<string>();
  let sawOptional = false;
  segments.forEach((segment, index) => {
    for (const part of segment.parts) {
      if (part.kind !== 'parameter') continue;
      const key = part.parameter.name.toLowerCase();
      if (names.has(key)) fail(template, `parameter "${part.parameter.name}" appears twice`);
      names.add(key);
    }
    const parameter = parameterOf(segment);
    if (parameter?.catchAll && index !== segments.length - 1) {
      fail(template, `catch-all {*${parameter.name}} must be the last segment`);
    }
    const canBeOmitted = Boolean(parameter && (parameter.optional || parameter.defaultValue !== undefined));
    // Segments after an omissible one must be omissible too, or the path could never skip it.
    if (sawOptional && !canBeOmitted && !parameter?.catchAll) {
      fail(template, 'only optional parameters or a catch-all may follow an optional parameter');
    }
    sawOptional ||= canBeOmitted;
  });

  return { text: template, segments, precedence: segments.map(precedenceDigit) };
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    // A malformed escape is matched literally rather than failing the whole request.
    return raw;
  }
}

/** Splits a URL path (below the route prefix, still percent-encoded) into decoded segments. */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\//, '').replace(/\/$/, '');
  return trimmed === '' ? [] : trimmed.split('/').map(decodeSegment);
}

function satisfies(parameter: RouteParameter, value: string): boolean {
  return parameter.constraints.every((c) => c.test(value));
}

/** Matches decoded path segments against a template; returns the route values, or undefined when it does not match. */
export function matchRouteTemplate(route: RouteTemplate, path: readonly string[]): RouteValues | undefined {
  const values: RouteValues = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i];
    const parameter = parameterOf(segment);

    if (parameter?.catchAll) {
      const value = path.slice(i).join('/');
      if (value === '') {
        if (parameter.defaultValue !== undefined) values[parameter.name] = parameter.defaultValue;
      } else {
        if (!satisfies(parameter, value)) return undefined;
        values[parameter.name] = value;
      }
      return values;
    }

    if (i >= path.length) {
      if (!parameter || !(parameter.optional || parameter.defaultValue !== undefined)) return undefined;
      if (parameter.defaultValue !== undefined) values[parameter.name] = parameter.defaultValue;
      continue;
    }

    const value = path[i];
    if (segment.kind === 'literal') {
      const part = segment.parts[0];
      if (part.kind !== 'literal' || value.toLowerCase() !== part.text.toLowerCase()) return undefined;
    } else if (parameter) {
      if (value === '' || !satisfies(parameter, value)) return undefined;
      values[parameter.name] = value;
    } else {
      const match = segment.pattern?.exec(value);
      if (!match) return undefined;
      let group = 1;
      for (const part of segment.parts) {
        if (part.kind !== 'parameter') continue;
        const captured = match[group++];
        if (!satisfies(part.parameter, captured)) return undefined;
        values[part.parameter.name] = captured;
      }
    }
  }
  return path.length > route.segments.length ? undefined : values;
}

/** Orders templates most specific first (ASP.NET inbound precedence: literal < constrained < parameter < catch-all). */
export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    // ASP.NET compares the digits as a decimal fraction, so a missing segment counts as 0 (shorter first).
    const difference = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** A key equal for templates that match exactly the same paths, to report duplicate routes. */
export function routeShape(route: RouteTemplate): string {
  return route.segments
    .map((segment) =>
      segment.parts
        .map((part) => {
          if (part.kind === 'literal') return part.text.toLowerCase();
          const p = part.parameter;
          const constraints = p.constraints.map((c) => c.text.toLowerCase()).sort();
          return `{${p.catchAll ? '*' : ''}${constraints.join(':')}${p.optional ? '?' : ''}}`;
        })
        .join(''),
    )
    .join('/');
}
