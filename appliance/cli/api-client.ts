// The CLI's (and the UI's) way to the daemon: reads <data>/device/daemon.json and the token file,
// speaks JSON over HTTP (HTTPS with the device certificate pinned when the daemon is not on
// loopback), and turns the API's error body back into the FloeError it came from.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readDaemonInfo, readToken, type DaemonInfo } from '../daemon/daemon-info.js';
import { ERROR_TABLE, FloeError, type ErrorCode } from '../errors.js';

export interface ApiClientOptions {
  readonly url: string;
  readonly token?: string;
  /** SHA-256 of the DER certificate the server must present (hex, any case, colons allowed). */
  readonly pinnedFingerprint?: string;
}

export class ApiClient {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #pin: string | undefined;

  constructor(options: ApiClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#pin = options.pinnedFingerprint?.replaceAll(':', '').toLowerCase();
  }

  /** A client for the daemon serving `dataDir`, with its token. */
  static async forDataDir(dataDir: string): Promise<ApiClient> {
    const info: DaemonInfo = await readDaemonInfo(dataDir);
    // Without a token (an erased device) only the public routes answer.
    const token = await readToken(dataDir).catch((err: unknown) => {
      if (err instanceof FloeError && err.code === 'UNAUTHENTICATED') return undefined;
      throw err;
    });
    return new ApiClient({ url: info.url, ...(token === undefined ? {} : { token }), ...(info.tlsCertificateFingerprint ? { pinnedFingerprint: info.tlsCertificateFingerprint } : {}) });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown, options: { signal?: AbortSignal } = {}): Promise<T> {
    const response = await this.#send(method, path, body, options.signal);
    const text = response.text;
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (response.status < 400) throw new FloeError('INTERNAL', `the daemon answered ${method} ${path} with something that is not JSON`);
      }
    }
    if (response.status >= 400) throw errorFrom(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  /** Opens a streaming GET (Server-Sent Events); the caller reads and destroys the response. */
  stream(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.#open('GET', path, { accept: 'text/event-stream', ...headers }, signal, reject);
      req.on('response', resolve);
      req.end();
    });
  }

  /** A GET whose answer is not JSON (a report as JSON lines): the body as text, or the daemon's error. */
  async text(path: string, accept: string): Promise<string> {
    const response = await this.#send('GET', path, undefined, undefined, accept);
    if (response.status < 400) return response.text;
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(response.text);
    } catch {
      // not JSON: the status alone says what failed
    }
    throw errorFrom(response.status, parsed, `GET ${path}`);
  }

  #send(method: string, path: string, body: unknown, signal?: AbortSignal, accept = 'application/json'): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
      const headers: Record<string, string> = { accept };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
      }
      const req = this.#open(method, path, headers, signal, reject);
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', (err) => reject(unreachable(this.url, err)));
      });
      req.end(payload);
    });
  }

  #open(method: string, path: string, headers: Record<string, string>, signal: AbortSignal | undefined, reject: (err: unknown) => void) {
    const url = new URL(path, `${this.url}/`);
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    const base = { method, headers, ...(signal ? { signal } : {}) };
    // Over TLS, each request gets its own connection, handed to the request only once the
    // server's certificate matched the pin: no byte of the request (the token) is written to a
    // server that is not the device, and no pooled connection opened for another pin is reused.
    const req = url.protocol === 'https:' ? httpsRequest(url, { ...base, createConnection: (_opts: unknown, done: (err: Error | null, socket: Duplex) => void) => this.#pinned(url, done) }) : httpRequest(url, base);
    req.on('error', (err) => reject(unreachable(this.url, err)));
    return req;
  }

  #pinned(url: URL, done: (err: Error | null, socket: Duplex) => void): undefined {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tlsConnect({ host, port: Number(url.port || 443), rejectUnauthorized: false, ...(isIP(host) === 0 ? { servername: host } : {}) });
    const fail = (err: Error): void => {
      socket.destroy();
      done(err, socket);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      const fingerprint = socket.getPeerCertificate().fingerprint256?.replaceAll(':', '').toLowerCase();
      if (this.#pin === undefined || fingerprint !== this.#pin) {
        fail(new FloeError('FORBIDDEN', `the daemon at ${this.url} presented certificate ${fingerprint ?? '(none)'}, not the device's ${this.#pin ?? '(no pin given)'}: refusing to talk to it`));
        return;
      }
      done(null, socket);
    });
    return undefined;
  }
}

function unreachable(url: string, err: unknown): unknown {
  if (err instanceof FloeError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new FloeError('UNAVAILABLE', `the floe daemon at ${url} is not answering (${code}): is floe serve running?`, { cause: err });
  }
  if ((err as Error).name === 'AbortError') return new FloeError('CANCELLED', 'the request was cancelled', { cause: err });
  return new FloeError('UNAVAILABLE', `cannot reach the floe daemon at ${url}: ${(err as Error).message}`, { cause: err });
}

function errorFrom(status: number, body: unknown, what: string): FloeError {
  const b = body as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  const code = typeof b?.code === 'string' && b.code in ERROR_TABLE ? (b.code as ErrorCode) : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  const message = typeof b?.message === 'string' ? b.message : `${what} failed with HTTP ${status}`;
  const details = typeof b?.details === 'object' && b.details !== null ? (b.details as Record<string, unknown>) : undefined;
  return new FloeError(code, message, details ? { details } : {});
}
