// Local servers as IP targets (127.0.0.1 is accepted as an IP target on one machine): HTTP servers that
// name themselves and can hold a request until told, and TCP echo servers.
import http from 'node:http';
import dgram from 'node:dgram';
import net from 'node:net';

export interface WebTarget {
  name: string;
  port: number;
  server: http.Server;
  /** requests to /slow wait until release() */
  release(): void;
  close(): Promise<void>;
}

export async function webTarget(name: string): Promise<WebTarget> {
  let waiting: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const answer = () => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (req.url?.startsWith('/login')) headers['set-cookie'] = 'SESSION=s1; Path=/';
      res.writeHead(200, headers);
      res.end(JSON.stringify({ name, path: req.url, headers: req.headers }));
    };
    if (req.url?.startsWith('/slow')) waiting.push(answer);
    else answer();
  });
  const upgraded = new Set<import('node:stream').Duplex>();
  server.on('upgrade', (req, socket) => {
    // an upgraded socket is no longer the server's: end it with its peer, and on close()
    upgraded.add(socket);
    socket.on('end', () => socket.destroy());
    socket.on('close', () => upgraded.delete(socket));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Target: ${name}\r\n\r\n`);
    socket.on('data', (d: Buffer) => socket.write(`${name}:${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    name,
    port: (server.address() as net.AddressInfo).port,
    server,
    release() {
      const w = waiting;
      waiting = [];
      for (const f of w) f();
    },
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
      }),
  };
}

export async function echoTarget(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('data', (d) => s.write(`${name}:${d.toString()}`));
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Connects, sends `text`, resolves with the first answer. */
export function tcpExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(text));
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error('closed without an answer')));
  });
}

/** A UDP echo server, with a TCP listener on the same port for NLB's TCP health checks. */
export async function udpEchoTarget(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const tcp = net.createServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const port = (tcp.address() as net.AddressInfo).port;
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, rinfo) => udp.send(`${name}:${m.toString()}`, rinfo.port, rinfo.address));
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', r));
  return {
    port,
    close: () => new Promise((r) => udp.close(() => tcp.close(() => r()))),
  };
}

/** Sends one datagram and resolves with the first answer (bounded by 5 s). */
export function udpExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no UDP answer'));
    }, 5000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.send(text, port, '127.0.0.1');
  });
}
