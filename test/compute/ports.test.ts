// Host ports for workloads: picked from the ephemeral range, handed over in the environment, really reachable.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { DriverError, EPHEMERAL_RANGE, isPortFree, PortAllocator, portEnv } from '../../src/compute/index.js';
import { newDriver, waitForLine } from './helpers.js';

const { driver, baseDir } = newDriver();
after(async () => {
  await driver.shutdown();
  fs.rmSync(baseDir, { recursive: true, force: true });
});

const server = `require('http').createServer((q, s) => s.end('hello from ' + process.env.PORT)).listen(+process.env.PORT, () => console.log('listening'))`;

describe('ports', () => {
  it('a workload listening on its port is reachable over HTTP', async () => {
    const h = await driver.start({ id: 'web', command: [process.execPath, '-e', server], ports: [{ containerPort: 8080, name: 'http' }] });
    assert.equal(h.ports.length, 1);
    const { hostPort, containerPort, protocol } = h.ports[0]!;
    assert.equal(containerPort, 8080);
    assert.equal(protocol, 'tcp');
    assert.ok(hostPort >= EPHEMERAL_RANGE[0] && hostPort <= EPHEMERAL_RANGE[1], String(hostPort));
    assert.equal(h.env.PORT, String(hostPort));
    assert.equal(h.env.CUMULUS_PORT_HTTP, String(hostPort));
    assert.equal(h.env.CUMULUS_PORTS, `8080:${hostPort}/tcp`);
    await waitForLine(h, 'listening');
    assert.equal(h.ip, '127.0.0.1');
    const res = await fetch(`http://${h.ip}:${hostPort}/`);
    assert.equal(await res.text(), `hello from ${hostPort}`);
    await h.stop({ graceMs: 5_000 });
    assert.equal(await isPortFree(hostPort), true);
  });

  it('refuses a fixed host port that is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        driver.start({ id: 'clash', command: ['true'], ports: [{ hostPort: port }] }),
        (e: unknown) => e instanceof DriverError && e.code === 'PortInUse',
      );
      assert.equal(driver.get('clash'), undefined);
    } finally {
      blocker.close();
    }
  });

  it('hands out distinct ports and takes them back', async () => {
    const alloc = new PortAllocator();
    const a = await alloc.allocate([{}, {}, { range: 'any' }, { protocol: 'udp' }]);
    assert.equal(new Set(a.map((p) => p.hostPort)).size, 4);
    assert.equal(a[3]!.protocol, 'udp');
    // a reserved fixed port is not handed out twice, even before anyone listens on it
    await assert.rejects(alloc.allocate([{ hostPort: a[0]!.hostPort }]), /already in use/);
    alloc.release(a);
    const again = await alloc.allocate([{ hostPort: a[0]!.hostPort }]);
    assert.equal(again[0]!.hostPort, a[0]!.hostPort);
    await assert.rejects(alloc.allocate([{ hostPort: 70000 }]), /invalid host port/);
  });

  it('describes ports in the environment', () => {
    assert.deepEqual(portEnv([]), {});
    assert.deepEqual(
      portEnv([
        { containerPort: 80, hostPort: 40001, protocol: 'tcp' },
        { containerPort: 53, hostPort: 40002, protocol: 'udp', name: 'dns-port' },
      ]),
      { PORT: '40001', CUMULUS_PORT_80: '40001', CUMULUS_PORT_DNS_PORT: '40002', CUMULUS_PORTS: '80:40001/tcp,53:40002/udp' },
    );
  });
});
