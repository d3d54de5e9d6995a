// The progress bar as a person sees it: on a terminal one line redrawn in place, in a log a plain line
// every few seconds; done/total, items per second and an ETA that follows the recent speed.
import { formatDuration, ProgressBar, type ProgressStream } from '../../tools/cli/progressBar';

function stream(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    text: '',
    isTTY,
    columns: 120,
    write(chunk: string) {
      s.text += chunk;
      return true;
    },
  };
  return s;
}

test('on a terminal: one line rewritten with \\r, with done/total, items/s and the ETA', () => {
  let now = 0;
  const out = stream(true);
  const bar = new ProgressBar(out, { total: 1000, now: () => now, label: 'tasks' });
  for (let i = 0; i < 5; i++) {
    now += 1000;
    bar.advance(100);
  }
  bar.finish();
  const frames = out.text.split('\r\x1b[K').filter(Boolean);
  expect(frames.length).toBeGreaterThanOrEqual(5);
  expect(out.text).not.toMatch(/\n(?!$)/); // no line breaks until the end
  expect(frames[frames.length - 1]).toMatch(
    /\[#{15}\.{15}\] 500\/1,000 \(50\.0%\) {2}100 items\/s {2}ETA 0:05 .* tasks/,
  );
});

test('in a log: a plain line every few seconds, never per item; a resumed run counts earlier items as done, not as speed', () => {
  let now = 0;
  const out = stream(false);
  const bar = new ProgressBar(out, { total: 10_000, initial: 4_000, now: () => now, plainIntervalMs: 5_000 });
  for (let i = 0; i < 60; i++) {
    now += 250;
    bar.advance(50);
  }
  bar.finish();
  const lines = out.text.trimEnd().split('\n');
  expect(lines.length).toBe(4); // at 5 s, 10 s, 15 s and the final line
  expect(out.text).not.toContain('\r');
  expect(lines[lines.length - 1]).toMatch(/^progress: 7,000\/10,000 \(70\.0%\) {2}200 items\/s {2}ETA 0:15/);
});

test('the ETA follows a slowdown within seconds instead of averaging it away', () => {
  let now = 0;
  const bar = new ProgressBar(stream(false), { total: 100_000, now: () => now });
  for (let i = 0; i < 60; i++) {
    now += 1000;
    bar.advance(1000); // a minute at 1,000/s
  }
  for (let i = 0; i < 15; i++) {
    now += 1000;
    bar.advance(100); // then throttled to 100/s
  }
  expect(bar.rate()).toBeLessThan(200);
  expect(formatDuration(3725)).toBe('1:02:05');
});
