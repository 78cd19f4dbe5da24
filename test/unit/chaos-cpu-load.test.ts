import { startCpuLoad } from '../../bench/chaos/cpu-load';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the chaos run's CPU load", () => {
  it('runs the busy loops it was asked for until it is stopped, then none is left', async () => {
    const load = startCpuLoad(2);
    expect(load.pids).toHaveLength(2);
    for (const pid of load.pids) expect(alive(pid)).toBe(true);
    await load.stop();
    for (const pid of load.pids) expect(alive(pid)).toBe(false);
  });

  it('lets a busy loop end by itself when its time is up', async () => {
    const load = startCpuLoad(1, 200);
    const [pid] = load.pids;
    for (let waited = 0; pid !== undefined && alive(pid) && waited < 200; waited++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pid !== undefined && alive(pid)).toBe(false);
    await load.stop();
  });
});
