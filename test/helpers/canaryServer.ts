/**
 * A loopback HTTP server that counts every request it receives. A sealed renderer must never
 * reach it; tests assert `hits` stays empty. Started and stopped by the test that uses it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Canary {
  readonly url: string;
  readonly port: number;
  /** HTTP requests received. */
  readonly hits: string[];
  /** TCP connections accepted, with or without a request (preconnect opens one without). */
  readonly connections: () => number;
  close(): Promise<void>;
}

export async function startCanary(): Promise<Canary> {
  const hits: string[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    // Were anything to get here, a redirect to a local file is what an attacker would answer.
    res.writeHead(302, { location: 'file:///etc/passwd', 'content-type': 'text/plain' }).end('CANARY-LEAKED');
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
