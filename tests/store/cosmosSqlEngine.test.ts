import createQuery from '@zeit/cosmosdb-query';
import { isLinear, runCosmosSql } from '../../shared/data/local/cosmosSqlEngine';
import { linearizeAccumulators } from '../../shared/data/local/linearAccumulators';

const docs = Array.from({ length: 60 }, (_, i) => ({
  _rid: `r${String(i).padStart(3, '0')}`,
  id: `d${String(i).padStart(2, '0')}`,
  userId: `u${i % 3}`,
  type: ['run', 'walk', 'swim'][i % 3],
  minutes: i,
  tags: i % 4 === 0 ? [] : ['a', `t${i % 5}`],
  children: i % 2 ? [{ name: `c${i}`, pets: [{ kind: 'cat' }, { kind: `k${i % 3}` }] }] : undefined,
}));

const queries: [string, { name: string; value: string | number }[]][] = [
  ['SELECT * FROM c', []],
  ['SELECT c.id FROM c WHERE c.type = @t ORDER BY c.minutes DESC', [{ name: '@t', value: 'run' }]],
  ['SELECT VALUE COUNT(1) FROM c WHERE c.minutes >= @m', [{ name: '@m', value: 10 }]],
  ['SELECT VALUE SUM(c.minutes) FROM c WHERE c.type = @t', [{ name: '@t', value: 'swim' }]],
  ['SELECT c.id, t FROM c JOIN t IN c.tags WHERE t = @t', [{ name: '@t', value: 'a' }]],
  ['SELECT p.kind FROM c JOIN ch IN c.children JOIN p IN ch.pets', []],
  ['SELECT c.id FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t = @t)', [{ name: '@t', value: 't1' }]],
  ['SELECT c.id, ARRAY(SELECT VALUE t FROM t IN c.tags) AS tags FROM c WHERE ARRAY_LENGTH(c.tags) > 0', []],
  ['SELECT TOP 5 c.id FROM c ORDER BY c.id DESC', []],
  ['SELECT c.id FROM c WHERE CONTAINS(c.id, "[...$, ")', []],
];

test.each(queries)('the linear rewrite returns exactly what the library returns: %s', (sql, parameters) => {
  const expected = createQuery(sql).exec(docs, { parameters }) as { result: unknown[] };
  const ours = runCosmosSql(docs, sql, { parameters, compositeIndexes: [], scope: 's' });
  expect(ours.items).toEqual(expected.result);
});

test('paging through the rewritten code returns every item once', () => {
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = runCosmosSql(docs, 'SELECT VALUE c.id FROM c WHERE c.minutes >= 5', {
      parameters: [],
      compositeIndexes: [],
      scope: 's',
      maxItemCount: 7,
      continuationToken: token,
    });
    seen.push(...(page.items as string[]));
    token = page.continuationToken ?? undefined;
  } while (token);
  expect(seen).toEqual(docs.filter((d) => d.minutes >= 5).map((d) => d.id));
});

test('the rewrite is active for this version of @zeit/cosmosdb-query (an upgrade that changes its code shape fails here)', () => {
  expect(isLinear('SELECT * FROM c WHERE c.userId = @u')).toBe(true);
  expect(linearizeAccumulators('x.reduce(($, c) => [...$, { c: c }], [])')).toBe(
    'x.reduce(($, c) => ($.push({ c: c }), $), [])',
  );
});

test('at 10,000 documents the rewritten query runs several times faster than the library as published (quadratic)', () => {
  const items = Array.from({ length: 10_000 }, (_, i) => ({ _rid: `r${i}`, id: `d${i}`, v: i % 10 }));
  const sql = 'SELECT VALUE COUNT(1) FROM c WHERE c.v = @v';
  const parameters = [{ name: '@v', value: 3 }];
  // Side by side in one run, median of five each, so machine load hits both alike.
  const median = (run: () => unknown) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      run();
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[2];
  };
  const ours = median(() => runCosmosSql(items, sql, { parameters, compositeIndexes: [], scope: 's' }));
  const published = median(() => createQuery(sql).exec(items, { parameters }));
  // Measured here: about 50x (quadratic vs linear at this size), once under 10x on a loaded machine; a
  // rewrite that stopped working would measure about 1x, so 4x still tells the two apart.
  expect(published / ours).toBeGreaterThan(4);
});
