import { progressReporter, renderProgressBar } from '../../cli/progress-bar';

describe('renderProgressBar', () => {
  it('fills the bar in proportion and says done/total and the percentage', () => {
    expect(renderProgressBar(0, 40, 10, 'customers synced')).toBe('[░░░░░░░░░░] 0/40 customers synced (0 %)');
    expect(renderProgressBar(12, 40, 10, 'customers synced')).toBe('[███░░░░░░░] 12/40 customers synced (30 %)');
    expect(renderProgressBar(39, 40, 10)).toBe('[█████████░] 39/40 (97 %)');
    expect(renderProgressBar(40, 40, 10)).toBe('[██████████] 40/40 (100 %)');
  });

  it('never overflows: more than total, less than zero, or nothing to do', () => {
    expect(renderProgressBar(50, 40, 4)).toBe('[████] 40/40 (100 %)');
    expect(renderProgressBar(-1, 40, 4)).toBe('[░░░░] 0/40 (0 %)');
    expect(renderProgressBar(0, 0, 4)).toBe('[████] 0/0 (100 %)');
  });
});

describe('progressReporter', () => {
  const recorder = (isTTY: boolean) => {
    const written: string[] = [];
    return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
  };

  it('redraws one bar in place on a terminal, only when it changes, and ends the line', () => {
    const { stream, written } = recorder(true);
    const progress = progressReporter(stream, 4, 'synced', 4);
    for (const done of [0, 1, 1, 3, 4]) progress.update(done);
    progress.finish();
    expect(written).toEqual([
      '\r[░░░░] 0/4 synced (0 %)',
      '\r[█░░░] 1/4 synced (25 %)',
      '\r[███░] 3/4 synced (75 %)',
      '\r[████] 4/4 synced (100 %)',
      '\n',
    ]);
  });

  it('prints one line per 10 % step when not a terminal, and the final state once', () => {
    const { stream, written } = recorder(false);
    const progress = progressReporter(stream, 40, 'synced', 10);
    for (let done = 0; done <= 40; done++) progress.update(done);
    progress.finish();
    expect(written).toHaveLength(11);
    expect(written[0]).toBe('[░░░░░░░░░░] 0/40 synced (0 %)\n');
    expect(written[1]).toBe('[█░░░░░░░░░] 4/40 synced (10 %)\n');
    expect(written[10]).toBe('[██████████] 40/40 synced (100 %)\n');
  });

  it('when not a terminal, ends with where it stopped even between steps', () => {
    const { stream, written } = recorder(false);
    const progress = progressReporter(stream, 40, '', 10);
    for (const done of [0, 4, 7]) progress.update(done);
    progress.finish();
    expect(written).toEqual(['[░░░░░░░░░░] 0/40 (0 %)\n', '[█░░░░░░░░░] 4/40 (10 %)\n', '[█░░░░░░░░░] 7/40 (17 %)\n']);
  });
});
