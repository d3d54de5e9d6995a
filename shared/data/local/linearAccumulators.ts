// @zeit/cosmosdb-query compiles FROM and JOIN into `collection.reduce(($, c) => [...$, { c }], [])`, which
// copies the accumulator on every document: quadratic in the number of documents (25 ms at 5,000, seconds
// at 50,000). The accumulator is a fresh array owned by that reduce, so pushing into it is equivalent and
// linear. This rewrites `[...$, X]` into `($.push(X), $)` in the generated code; `$` is never a user
// identifier because Cosmos SQL identifiers cannot contain `$`.

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const MARKER = '[...$, ';

/** Index of the bracket closing the one at `start`, skipping string and template literals. */
function matchingBracket(code: string, start: number): number {
  const stack: string[] = [];
  for (let i = start; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      for (i++; i < code.length && code[i] !== ch; i++) if (code[i] === '\\') i++;
      continue;
    }
    if (OPENERS[ch]) stack.push(OPENERS[ch]);
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** Rewrites every copying accumulator `[...$, X]` of the generated query code into an in-place push. */
export function linearizeAccumulators(code: string): string {
  let output = '';
  let cursor = 0;
  for (let at = code.indexOf(MARKER); at !== -1; at = code.indexOf(MARKER, cursor)) {
    const end = matchingBracket(code, at);
    if (end === -1) return code; // not the shape we know: leave the code as the library made it
    const inner = linearizeAccumulators(code.slice(at + MARKER.length, end));
    output += `${code.slice(cursor, at)}($.push(${inner}), $)`;
    cursor = end + 1;
  }
  return output + code.slice(cursor);
}
