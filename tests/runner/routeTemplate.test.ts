import type { HttpFunctionDefinition } from '../../functions/functionDefinition';
import { RouteTable } from '../../tools/local-runner/routeTable';
import {
  matchRouteTemplate,
  parseRouteTemplate,
  RouteTemplateError,
  splitPath,
} from '../../tools/local-runner/routeTemplate';

function match(template: string, path: string): Record<string, string> | undefined {
  return matchRouteTemplate(parseRouteTemplate(template), splitPath(path));
}

function fn(
  name: string,
  route: string,
  methods: HttpFunctionDefinition['methods'] = ['GET'],
): HttpFunctionDefinition {
  return { trigger: 'http', name, route, methods, authLevel: 'anonymous', handler: () => ({}) };
}

function winner(table: RouteTable, path: string, method = 'GET'): string | undefined {
  const lookup = table.find(method, splitPath(path));
  return lookup.kind === 'matched' ? lookup.route.definition.name : undefined;
}

describe('route templates: literals and parameters', () => {
  it.each([
    ['health', '/health', {}],
    ['health', '/HEALTH', {}],
    ['health', '/health/', {}],
    ['reports/cost/latest', '/Reports/COST/latest', {}],
    ['tasks/{id}', '/tasks/abc', { id: 'abc' }],
    ['tasks/{id}', '/TASKS/AbC', { id: 'AbC' }],
    ['bulk/{entity}', '/bulk/fitness', { entity: 'fitness' }],
    ['users/{userId}/tasks/{taskId}', '/users/u1/tasks/t2', { userId: 'u1', taskId: 't2' }],
    ['tasks/{id}', '/tasks/a%20b', { id: 'a b' }],
    ['tasks/{id}', '/tasks/a%2Fb', { id: 'a/b' }],
    ['tasks/{id}', '/tasks/%E2%9C%93', { id: '✓' }],
    ['tasks/{id}', '/tasks/%zz', { id: '%zz' }],
    ['', '/', {}],
    ['/health', '/health', {}],
  ])('%s matches %s', (template, path, expected) => {
    expect(match(template, path)).toEqual(expected);
  });

  it.each([
    ['health', '/healthz'],
    ['health', '/health/extra'],
    ['health', '/'],
    ['tasks/{id}', '/tasks'],
    ['tasks/{id}', '/tasks/'],
    ['tasks/{id}', '/tasks/1/2'],
    ['tasks/{id}', '/projects/1'],
    ['tasks/{id}/notes', '/tasks//notes'],
    ['', '/anything'],
  ])('%s does not match %s', (template, path) => {
    expect(match(template, path)).toBeUndefined();
  });
});

describe('route templates: constraints', () => {
  it.each([
    ['items/{id:int}', '/items/42', true],
    ['items/{id:int}', '/items/-7', true],
    ['items/{id:int}', '/items/2147483647', true],
    ['items/{id:int}', '/items/2147483648', false],
    ['items/{id:int}', '/items/4x', false],
    ['items/{id:int}', '/items/1.5', false],
    ['items/{id:long}', '/items/9223372036854775807', true],
    ['items/{id:long}', '/items/9223372036854775808', false],
    ['items/{id:guid}', '/items/3f2504e0-4f89-11d3-9a0c-0305e82c3301', true],
    ['items/{id:guid}', '/items/3F2504E04F8911D39A0C0305E82C3301', true],
    ['items/{id:guid}', '/items/{3f2504e0-4f89-11d3-9a0c-0305e82c3301}', true],
    ['items/{id:guid}', '/items/(3f2504e0-4f89-11d3-9a0c-0305e82c3301)', true],
    ['items/{id:guid}', '/items/3f2504e0-4f89-11d3-9a0c-0305e82c330', false],
    ['items/{id:guid}', '/items/not-a-guid', false],
    ['items/{name:alpha}', '/items/Running', true],
    ['items/{name:alpha}', '/items/run2', false],
    ['items/{flag:bool}', '/items/TRUE', true],
    ['items/{flag:bool}', '/items/yes', false],
    ['items/{x:double}', '/items/1.5e3', true],
    ['items/{x:decimal}', '/items/1.5e3', false],
    ['items/{x:decimal}', '/items/-0.25', true],
    ['items/{d:datetime}', '/items/2026-01-31', true],
    ['items/{d:datetime}', '/items/yesterday', false],
    ['items/{n:min(10)}', '/items/10', true],
    ['items/{n:min(10)}', '/items/9', false],
    ['items/{n:max(10)}', '/items/11', false],
    ['items/{n:range(1,5)}', '/items/3', true],
    ['items/{n:range(1,5)}', '/items/6', false],
    ['items/{n:int:range(1,5)}', '/items/abc', false],
    ['items/{s:minlength(3)}', '/items/ab', false],
    ['items/{s:maxlength(3)}', '/items/abcd', false],
    ['items/{s:length(2)}', '/items/ab', true],
    ['items/{s:length(2,3)}', '/items/abcd', false],
    ['items/{code:regex(^[a-z]{{2}}\\d+$)}', '/items/AB12', true],
    ['items/{code:regex(^[a-z]{{2}}\\d+$)}', '/items/A12', false],
    ['items/{code:regex(^(a|b):c$)}', '/items/a:c', true],
    ['items/{code:regex(^(a|b):c$)}', '/items/c:c', false],
    ['items/{code:regex(^a\\)$)}', '/items/a)', true],
    ['items/{code:regex(^\\d+$):maxlength(3)}', '/items/1234', false],
    ['items/{code:regex(^\\d+$):maxlength(3)}', '/items/123', true],
    ['items/{id:INT}', '/items/5', true],
  ])('%s on %s -> %s', (template, path, matches) => {
    expect(match(template, path) !== undefined).toBe(matches);
  });
});

describe('route templates: optional, default, catch-all, complex', () => {
  it.each([
    ['tasks/{id?}', '/tasks', {}],
    ['tasks/{id?}', '/tasks/', {}],
    ['tasks/{id?}', '/tasks/9', { id: '9' }],
    ['tasks/{id:int?}', '/tasks/x', undefined],
    ['tasks/{id:int?}', '/tasks', {}],
    ['reports/{kind=cost}', '/reports', { kind: 'cost' }],
    ['reports/{kind=cost}', '/reports/health', { kind: 'health' }],
    ['a/{b?}/{c?}', '/a/1', { b: '1' }],
    ['files/{*path}', '/files/a/b/c.txt', { path: 'a/b/c.txt' }],
    ['files/{*path}', '/files', {}],
    ['files/{**path}', '/files/x%20y/z', { path: 'x y/z' }],
    ['files/{*path=index.html}', '/files', { path: 'index.html' }],
    ['static/{name}.{ext}', '/static/app.min.js', { name: 'app.min', ext: 'js' }],
    ['static/{name}.{ext}', '/static/noext', undefined],
    ['static/v{version:int}', '/static/V12', { version: '12' }],
    ['static/v{version:int}', '/static/vX', undefined],
    ['static/{name}-{id:int}', '/static/report-2026-7', { name: 'report-2026', id: '7' }],
  ])('%s on %s', (template, path, expected) => {
    expect(match(template, path)).toEqual(expected);
  });

  it.each([
    ['tasks/{id', 'unclosed'],
    ['tasks/id}', 'unmatched'],
    ['tasks//x', 'empty segment'],
    ['tasks/{}', 'no valid parameter name'],
    ['tasks/{id:nope}', 'unknown route constraint "nope"'],
    ['tasks/{id:int(3)}', 'takes no argument'],
    ['tasks/{id:range(1)}', 'expects 2'],
    ['tasks/{id:regex(()}', 'not a valid pattern'],
    ['tasks/{*rest}/x', 'must be the last segment'],
    ['tasks/{id?}/x', 'only optional parameters'],
    ['tasks/{id}/{ID}', 'appears twice'],
    ['tasks/{*rest?}', 'optional already'],
    ['tasks/{a}{b}', 'two parameters with no literal between'],
    ['tasks/{a}.{b?}', 'must be a whole segment'],
    ['tasks/x?', 'cannot contain "?"'],
    ['tasks/{id=1?}', 'cannot be optional and have a default'],
  ])('refuses %s (%s)', (template, problem) => {
    expect(() => parseRouteTemplate(template)).toThrow(RouteTemplateError);
    expect(() => parseRouteTemplate(template)).toThrow(problem);
  });

  it('treats doubled braces as literal braces', () => {
    expect(match('x/{{literal}}', '/x/{literal}')).toEqual({});
  });
});

describe('route table precedence (ASP.NET: literal < constrained < parameter < catch-all)', () => {
  const orders = [
    ['summary first', [fn('fitnessSummary', 'fitness/summary'), fn('fitnessById', 'fitness/{id}')]],
    ['summary last', [fn('fitnessById', 'fitness/{id}'), fn('fitnessSummary', 'fitness/summary')]],
  ] as const;

  it.each(orders)('the literal route wins whatever the registration order (%s)', (_label, definitions) => {
    const table = new RouteTable(definitions);
    expect(winner(table, '/fitness/summary')).toBe('fitnessSummary');
    expect(winner(table, '/fitness/SUMMARY')).toBe('fitnessSummary');
    expect(winner(table, '/fitness/123')).toBe('fitnessById');
  });

  it('ranks constrained parameters before plain ones, and catch-alls last', () => {
    const table = new RouteTable([
      fn('anything', '{*path}'),
      fn('byName', 'items/{name}'),
      fn('byNumber', 'items/{id:int}'),
      fn('itemFiles', 'items/{id}/{*rest}'),
      fn('itemsLatest', 'items/latest'),
    ]);
    expect(table.routes.map((r) => r.definition.name)).toEqual([
      'itemsLatest',
      'byNumber',
      'byName',
      'itemFiles',
      'anything',
    ]);
    expect(winner(table, '/items/7')).toBe('byNumber');
    expect(winner(table, '/items/seven')).toBe('byName');
    expect(winner(table, '/items/latest')).toBe('itemsLatest');
    expect(winner(table, '/items/7/a/b')).toBe('itemFiles');
    expect(winner(table, '/other/thing')).toBe('anything');
  });

  it('falls through to a less specific route when the method does not match', () => {
    const table = new RouteTable([
      fn('summary', 'fitness/summary', ['GET']),
      fn('update', 'fitness/{id}', ['PUT']),
    ]);
    expect(winner(table, '/fitness/summary', 'PUT')).toBe('update');
  });

  it('reports a method mismatch as not found, remembering that the path exists', () => {
    const table = new RouteTable([fn('health', 'health', ['GET'])]);
    expect(table.find('POST', ['health'])).toEqual({ kind: 'notFound', methodMismatch: true });
    expect(table.find('GET', ['nope'])).toEqual({ kind: 'notFound', methodMismatch: false });
    expect(winner(table, '/health', 'get')).toBe('health');
  });

  it('treats an empty method list as every method', () => {
    const table = new RouteTable([fn('any', 'any', [])]);
    expect(winner(table, '/any', 'DELETE')).toBe('any');
  });

  it('keeps registration order between equally specific routes and reports exact duplicates', () => {
    const table = new RouteTable([
      fn('first', 'a/{x}'),
      fn('second', 'A/{y}'),
      fn('post', 'a/{z}', ['POST']),
    ]);
    expect(winner(table, '/a/1')).toBe('first');
    expect(table.conflicts).toEqual(['"first" and "second" both serve route "a/{x}"']);
  });

  it('names the function whose route is invalid', () => {
    expect(() => new RouteTable([fn('broken', 'tasks/{id:nope}')])).toThrow(
      /Function "broken": Invalid route template/,
    );
  });
});
