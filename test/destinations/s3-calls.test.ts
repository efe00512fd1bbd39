// How the S3 destination's calls behave on the wire, against small local HTTP servers:
// - a server that takes a request and never answers (Ceph RGW does so when its store is full) must
//   not hold an import forever: after idleTimeoutMs without traffic on the connection the call fails
//   with DESTINATION_UNREACHABLE, which the transfer engine retries; a slow answer that keeps
//   coming is not cut off;
// - calls go through the SDK's cached handler (s3-send.ts): PutObject's middleware stack is
//   resolved once for many puts, each put still signs its own payload SHA-256, and a cancelled
//   call closes its connection at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Destination } from '../../appliance/destinations/s3/s3-destination.js';
import { contentOf, entryFor, rejection } from './conformance-helpers.js';

const LIST_ANSWER = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>stall</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>';
const CREDENTIALS = { accessKeyId: 'STALLTEST', secretAccessKey: 'not-a-secret' };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** An HTTP server on loopback; `handle` gets every request. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handle);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const open = (endpoint: string) => S3Destination.open('s3://stall/in', { endpoint, credentials: CREDENTIALS, region: 'us-east-1', maxAttempts: 1, idleTimeoutMs: 400 });

describe('S3 destination: a server that stops answering', () => {
  it('fails open with DESTINATION_UNREACHABLE when the bucket listing never answers', async () => {
    const endpoint = await serve(() => undefined);
    const err = await rejection(open(endpoint));
    expect(err).toMatchObject({ code: 'DESTINATION_UNREACHABLE' });
    expect(err.message).toMatch(/^open s3:\/\/stall: TimeoutError: .*timed out after 400 ms of inactivity/);
  });

  it('fails a put whose body the server took but never answered, with DESTINATION_UNREACHABLE', async () => {
    const puts: string[] = [];
    const endpoint = await serve((req, res) => {
      if (req.method === 'PUT') {
        puts.push(req.url ?? '');
        req.resume(); // takes the body, never answers
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml' }).end(LIST_ANSWER);
    });
    const destination = await open(endpoint);
    try {
      const data = Buffer.from('held forever\n');
      const err = await rejection(destination.put(entryFor('held.txt', 'file', data), contentOf(data)));
      expect(err).toMatchObject({ code: 'DESTINATION_UNREACHABLE' });
      expect(err.message).toMatch(/^PutObject s3:\/\/stall\/in\/held\.txt: TimeoutError: .*400 ms of inactivity/);
      expect(puts).toEqual(['/stall/in/held.txt?x-id=PutObject']);
    } finally {
      await destination.close();
    }
  });

  it('does not cut off an answer that keeps coming, even when it takes longer than the timeout', async () => {
    const endpoint = await serve((req, res) => {
      if (req.method !== 'GET' || !req.url?.startsWith('/stall/in/slow.txt')) {
        res.writeHead(200, { 'content-type': 'application/xml' }).end(LIST_ANSWER);
        return;
      }
      // 12 pieces, one every 100 ms: 1.2 s in all, never 400 ms quiet.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '12' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write('x');
        if (++sent === 12) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    const destination = await open(endpoint);
    try {
      const pieces: Buffer[] = [];
      for await (const piece of destination.read('slow.txt')) pieces.push(piece);
      expect(Buffer.concat(pieces).toString()).toBe('x'.repeat(12));
    } finally {
      await destination.close();
    }
  });
});

describe('S3 destination: calls through the cached handler', () => {
  it('resolves PutObject middleware once for 20 puts, each signed with its own payload SHA-256', async () => {
    const seen: { url: string; sha256: string }[] = [];
    const endpoint = await serve((req, res) => {
      if (req.method === 'PUT') seen.push({ url: req.url ?? '', sha256: String(req.headers['x-amz-content-sha256']) });
      req.resume();
      req.on('end', () => {
        if (req.method === 'PUT') res.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"' }).end();
        else res.writeHead(200, { 'content-type': 'application/xml' }).end(LIST_ANSWER);
      });
    });
    const resolve = vi.spyOn(PutObjectCommand.prototype, 'resolveMiddleware');
    const destination = await open(endpoint);
    try {
      const entries = Array.from({ length: 20 }, (_, i) => {
        const data = Buffer.from(`file ${i}\n`.repeat(i + 1));
        return { entry: entryFor(`f${i}.txt`, 'file', data), data };
      });
      await Promise.all(entries.map(({ entry, data }) => destination.put(entry, contentOf(data))));
      expect(resolve).toHaveBeenCalledTimes(1);
      expect(seen.map((s) => s.url).sort()).toEqual(entries.map(({ entry }) => `/stall/in/${entry.path.toString()}?x-id=PutObject`).sort());
      for (const { entry } of entries) {
        expect(seen.find((s) => s.url.startsWith(`/stall/in/${entry.path.toString()}?`))?.sha256).toBe(entry.sha256.toString('hex'));
      }
    } finally {
      resolve.mockRestore();
      await destination.close();
    }
  });

  it('a cancelled put fails CANCELLED and closes its connection, while the server still holds it', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    let arrived!: () => void;
    const putArrived = new Promise<void>((resolve) => (arrived = resolve));
    const endpoint = await serve((req, res) => {
      if (req.method === 'PUT') {
        req.resume();
        req.socket.on('close', () => closed());
        arrived();
        return; // never answers
      }
      res.writeHead(200, { 'content-type': 'application/xml' }).end(LIST_ANSWER);
    });
    const destination = await S3Destination.open('s3://stall/in', { endpoint, credentials: CREDENTIALS, region: 'us-east-1', maxAttempts: 1 });
    try {
      const data = Buffer.from('cancel me\n');
      const controller = new AbortController();
      const put = rejection(destination.put(entryFor('cancel.txt', 'file', data), contentOf(data), { signal: controller.signal }));
      await putArrived;
      controller.abort();
      expect(await put).toMatchObject({ code: 'CANCELLED' });
      await connectionClosed;
    } finally {
      await destination.close();
    }
  });
});
