/**
 * A stand-in S3 endpoint on 127.0.0.1 that answers every request the same way: an S3 error
 * document with a status and code (as S3 does for 404 NoSuchKey, 500 InternalError, 503 SlowDown…),
 * or a connection reset. Enough to see what name a bundled function gives an S3 failure.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeS3Answer = { readonly status: number; readonly code: string } | 'reset';

export interface FakeS3 {
  readonly endpoint: string;
  /** Requests received, as "METHOD path". */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeS3(answer: FakeS3Answer): Promise<FakeS3> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      const body =
        req.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${answer.code}</Code><Message>stand-in S3 answers ${answer.code}</Message><RequestId>fake</RequestId></Error>`;
      res.writeHead(answer.status, { 'content-type': 'application/xml', 'x-amz-request-id': 'fake' });
      res.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
