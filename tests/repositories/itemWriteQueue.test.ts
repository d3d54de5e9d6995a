import { queueItemWrite } from '../../shared/repositories/itemWriteQueue';
import type { DocumentStore } from '../../shared/data/documentStore';

// Only the object's identity matters to the queue.
const store = (): DocumentStore => ({}) as DocumentStore;

describe('item write queue', () => {
  it('runs the writes of one key one after another, in order, and those of other keys alongside', async () => {
    const s = store();
    const log: string[] = [];
    const write = (key: string, name: string, ms: number) =>
      queueItemWrite(s, key, async () => {
        log.push(`${name} start`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([write('a', 'a1', 20), write('a', 'a2', 1), write('b', 'b1', 1)]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 end')).toBeLessThan(log.indexOf('a1 end'));
  });

  it('goes on after a write that fails, and that write still rejects to its caller', async () => {
    const s = store();
    const failing = queueItemWrite(s, 'k', () => Promise.reject(new Error('conflict')));
    const next = queueItemWrite(s, 'k', () => Promise.resolve('ran'));
    await expect(failing).rejects.toThrow('conflict');
    await expect(next).resolves.toBe('ran');
  });

  it('keeps the queues of different stores apart (different instances race instead)', async () => {
    const order: string[] = [];
    const slow = queueItemWrite(store(), 'k', async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('first store');
    });
    const fast = queueItemWrite(store(), 'k', async () => {
      order.push('second store');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['second store', 'first store']);
  });
});
