// Resource limits and usage with real processes: whichever mechanism this host offers, and the rlimit fallback.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { isDead, newDriver, waitFor, waitForLine } from './helpers.js';

const auto = newDriver();
const rlimits = newDriver({ cgroups: 'off' });
after(async () => {
  await Promise.all([auto.driver.shutdown(), rlimits.driver.shutdown()]);
  for (const d of [auto, rlimits]) fs.rmSync(d.baseDir, { recursive: true, force: true });
});

/** perl allocates a string of `mib` MiB and prints its length */
const allocate = (mib: number) => ['perl', '-e', `$x = "a" x (${mib}*1024*1024); print length($x), "\\n"`];

describe('limits', () => {
  it('says which mechanism enforces each limit', () => {
    const caps = auto.driver.capabilities();
    assert.equal(caps.kind, 'process');
    assert.ok(['cgroup-v2', 'cgroup-v1', 'rlimit'].includes(caps.limits.memory));
    assert.equal(caps.limits.fileDescriptors, 'rlimit');
    if (caps.limits.memory === 'rlimit') assert.ok(caps.cgroupUnavailable);
    else assert.ok(caps.cgroup && caps.cgroup.dir);
    const off = rlimits.driver.capabilities();
    assert.equal(off.limits.memory, 'rlimit');
    assert.equal(off.limits.cpu, 'none');
    assert.equal(off.cgroupUnavailable, 'disabled by option');
  });

  it('enforces a memory limit with the mechanism capabilities() names', async () => {
    const mechanism = auto.driver.capabilities().limits.memory;
    const h = await auto.driver.start({ id: 'hog', command: allocate(256), limits: { memoryMiB: 64 } });
    assert.equal(h.limits.memory, mechanism);
    const exit = await h.wait();
    if (mechanism === 'rlimit') {
      assert.notEqual(exit.code, 0);
      assert.match(h.logs.text(), /Out of memory/);
    } else {
      // the kernel's OOM killer ends it inside its cgroup
      assert.equal(exit.signal, 'SIGKILL', JSON.stringify(exit));
      assert.equal(exit.oomKilled, true);
      assert.equal(exit.requested, false);
    }
    // within the limit, the same program runs fine
    const ok = await auto.driver.start({ id: 'modest', command: allocate(4), limits: { memoryMiB: 64 } });
    assert.equal((await ok.wait()).code, 0);
    assert.equal(ok.logs.text(), `${4 * 1024 * 1024}\n`);
  });

  it('falls back to an address-space rlimit without cgroups', async () => {
    const h = await rlimits.driver.start({ id: 'hog', command: allocate(256), limits: { memoryMiB: 64 } });
    assert.equal(h.limits.memory, 'rlimit');
    const exit = await h.wait();
    assert.notEqual(exit.code, 0);
    assert.equal(exit.oomKilled, false);
    assert.match(h.logs.text(), /Out of memory/);
    const ok = await rlimits.driver.start({ id: 'modest', command: allocate(4), limits: { memoryMiB: 64 } });
    assert.equal((await ok.wait()).code, 0);
  });

  it('runs a workload under SCHED_BATCH when asked, where chrt exists', async () => {
    const h = await auto.driver.start({ id: 'batch', command: ['sh', '-c', 'command -v chrt >/dev/null && chrt -p $$ || echo no chrt'], batchScheduling: true });
    assert.equal((await h.wait()).code, 0);
    const out = h.logs.text();
    if (!out.includes('no chrt')) assert.match(out, /current scheduling policy: SCHED_BATCH/);
    const normal = await auto.driver.start({ id: 'normal', command: ['sh', '-c', 'command -v chrt >/dev/null && chrt -p $$ || echo no chrt'] });
    await normal.wait();
    if (!out.includes('no chrt')) assert.match(normal.logs.text(), /current scheduling policy: SCHED_OTHER/);
  });

  it('limits open files, and cpu and pids where cgroups allow', async () => {
    const h = await auto.driver.start({ id: 'fds', command: ['sh', '-c', 'ulimit -n'], limits: { fileDescriptors: 77, vcpus: 0.5, pids: 20 } });
    assert.equal((await h.wait()).code, 0);
    assert.equal(h.logs.text(), '77\n');
    const caps = auto.driver.capabilities();
    assert.equal(h.limits.fileDescriptors, 'rlimit');
    assert.equal(h.limits.cpu, caps.limits.cpu);
    assert.equal(h.limits.pids, caps.limits.pids);
  });

  it('enforces a pids limit when a cgroup holds it', async (t) => {
    if (auto.driver.capabilities().limits.pids === 'none') return t.skip('no pids controller here');
    const h = await auto.driver.start({
      id: 'forkbomb',
      command: ['perl', '-e', '$| = 1; my $n = 0; for (1..30) { my $p = fork; last unless defined $p; if (!$p) { sleep 300; exit } $n++ } print "forked $n\\n"; sleep 300'],
      limits: { pids: 10 },
    });
    const line = await waitForLine(h, /^forked \d+$/);
    assert.ok(Number(line.text.split(' ')[1]) < 10, line.text);
    assert.ok(h.usage().processes <= 10);
    await h.stop({ graceMs: 0 });
  });

  it('reports memory and cpu of the whole tree', async () => {
    const h = await auto.driver.start({
      id: 'busy',
      command: ['perl', '-e', '$| = 1; $x = "a" x (48*1024*1024); print "ready\\n"; 1 while 1'],
    });
    await waitForLine(h, 'ready');
    const first = await waitFor(() => {
      const u = h.usage();
      return u.cpuSeconds >= 0.3 ? u : undefined;
    }, 'cpu time to accrue');
    assert.ok(first.memoryBytes > 40 * 1024 * 1024, `memory ${first.memoryBytes}`);
    assert.ok(first.processes >= 1);
    assert.ok(first.cpuPercent > 0, `cpu ${first.cpuPercent}`);
    const second = await waitFor(() => {
      const u = auto.driver.usageAll().get('busy')!;
      return u.cpuSeconds >= first.cpuSeconds + 0.2 ? u : undefined;
    }, 'more cpu time');
    assert.ok(second.cpuPercent > 10, `cpu ${second.cpuPercent}`);
    assert.equal(second.networkRxBytes, undefined);
    const pid = h.pid!;
    await h.stop({ graceMs: 0 });
    assert.equal(h.usage().memoryBytes, 0);
    await waitFor(() => isDead(pid), 'the busy loop to die');
  });
});
