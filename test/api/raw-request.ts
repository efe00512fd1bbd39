// One HTTP request exactly as given (method, raw path, headers, body), for the fuzz run against the
// daemon process. An event stream that opens is read for a moment and closed.
import { request } from 'node:http';

export interface RawAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | undefined;
}

export function rawRequest(base: string, req: { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer }): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  const payload = req.method === 'HEAD' || req.payload === undefined ? undefined : Buffer.from(req.payload);
  const headers = payload === undefined ? req.headers : { ...req.headers, 'content-length': String(payload.length) };
  return new Promise((resolve, reject) => {
    const r = request({ host: hostname, port, method: req.method, path: req.url, headers, timeout: 15_000, agent: false }, (res) => {
      const contentType = res.headers['content-type'];
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      const done = (): void => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), contentType });
      if (contentType?.startsWith('text/event-stream')) {
        setTimeout(() => {
          res.destroy();
          done();
        }, 20);
        return;
      }
      res.on('end', done);
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`no answer to ${req.method} ${req.url} in 15 s`)));
    r.on('error', reject);
    // Node's client cannot read the answer to a HEAD that carried a body (its parser then fails).
    r.end(payload);
  });
}
