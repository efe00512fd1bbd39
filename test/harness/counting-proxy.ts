// An HTTP proxy on loopback in front of an S3 server that counts S3 requests by operation and key,
// and which of them the server answered with 2xx: the outside view of "no completed file was
// uploaded again". A request the server never answers (it was killed) drops the client's
// connection, as the server itself would.
import { createServer, request, Agent, type Server } from 'node:http';

export interface CountedRequest {
  readonly operation: string;
  readonly key: string;
  readonly status: number;
}

export interface CountingProxy {
  readonly endpoint: string;
  /** Every request the server answered, in order. */
  readonly answered: CountedRequest[];
  /** Requests forwarded that ended without an answer: the server or the client dropped the connection. */
  readonly unanswered: Array<Omit<CountedRequest, 'status'>>;
  close(): Promise<void>;
}

/** PutObject, UploadPart, CreateMultipartUpload, ... from the method and query (path-style URLs). */
export function s3Operation(method: string, url: URL): string {
  const q = url.searchParams;
  const xId = q.get('x-id');
  if (xId !== null) return xId;
  if (method === 'PUT') return q.has('uploadId') ? 'UploadPart' : 'PutObject';
  if (method === 'POST') return q.has('uploads') ? 'CreateMultipartUpload' : q.has('uploadId') ? 'CompleteMultipartUpload' : 'POST';
  if (method === 'DELETE') return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return q.has('uploadId') ? 'ListParts' : q.has('uploads') ? 'ListMultipartUploads' : q.has('list-type') ? 'ListObjectsV2' : 'GetObject';
  return method;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const answered: CountedRequest[] = [];
  const unanswered: Array<Omit<CountedRequest, 'status'>> = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const parts = url.pathname.split('/').slice(2); // drop '' and the bucket
    const key = decodeURIComponent(parts.join('/'));
    const operation = s3Operation(req.method ?? 'GET', url);
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        answered.push({ operation, key, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    forward.on('error', () => {
      unanswered.push({ operation, key });
      req.destroy();
      res.destroy();
    });
    req.pipe(forward);
    req.on('error', () => forward.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    answered,
    unanswered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
