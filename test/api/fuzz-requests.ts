// Malformed and random requests for the fuzz tests, from the routes the OpenAPI document lists.
// Seeded, so a failure names the seed and the request that reproduce it.
// With the right token, a request to a route that changes state always carries a body that breaks
// its schema or an id that does not exist: random valid requests (erase with force, create a task)
// would change the state on purpose, which is not what the fuzz is about.

export interface RouteInfo {
  readonly method: string;
  /** OpenAPI path, e.g. /v1/tasks/{id}. */
  readonly path: string;
  readonly statuses: ReadonlySet<number>;
  readonly public: boolean;
  readonly hasBody: boolean;
  readonly bodyProperties: readonly string[];
}

export interface FuzzRequest {
  readonly route: RouteInfo | undefined;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
  /** Whether the request carries this device's token. */
  readonly authorized: boolean;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, unknown>; security?: unknown[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
}

export function routesOf(doc: OpenApiDoc): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase(),
        path,
        statuses: new Set(Object.keys(op.responses ?? {}).map(Number)),
        public: Array.isArray(op.security) && op.security.length === 0,
        hasBody: op.requestBody !== undefined,
        bodyProperties: Object.keys(schema?.properties ?? {}),
      });
    }
  }
  return routes;
}

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lone surrogates replaced (String.prototype.toWellFormed is ES2024). */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const WEIRD_STRINGS = ['', ' ', '..', '../../etc/passwd', '%00', '\u0000', '😀', 'a'.repeat(300), '<script>', "' OR 1=1 --", '{}', '[]', 'null', '-1', '1e309', 'NaN', '%2e%2e%2f', '\\', '\r\n', 'ü'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/jsonx', ''];
const STATE_CHANGING = /^(POST|PATCH|PUT|DELETE)$/;

export class RequestFuzzer {
  readonly #rand: () => number;
  readonly #routes: readonly RouteInfo[];
  readonly #token: string;
  readonly #otherToken: string;

  constructor(seed: number, routes: readonly RouteInfo[], token: string, otherToken: string) {
    this.#rand = prng(seed);
    this.#routes = routes;
    this.#token = token;
    this.#otherToken = otherToken;
  }

  #int(n: number): number {
    return Math.floor(this.#rand() * n);
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)]!;
  }

  #chance(p: number): boolean {
    return this.#rand() < p;
  }

  #randomString(): string {
    if (this.#chance(0.5)) return this.#pick(WEIRD_STRINGS);
    const len = this.#int(40);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(this.#chance(0.9) ? 32 + this.#int(95) : this.#int(0xffff));
    return wellFormed(s);
  }

  #randomJson(depth = 0): unknown {
    const kind = this.#int(depth > 2 ? 5 : 7);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.#chance(0.5);
      case 2:
        return this.#pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, this.#int(1e9)]);
      case 3:
      case 4:
        return this.#randomString();
      case 5:
        return Array.from({ length: this.#int(4) }, () => this.#randomJson(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = 0, n = this.#int(4); i < n; i++) o[this.#randomString()] = this.#randomJson(depth + 1);
        return o;
      }
    }
  }

  /** A body for `route`: schema-shaped with wrong types, random JSON, broken JSON, or huge. */
  #body(route: RouteInfo | undefined, mustBreakSchema: boolean): string {
    const props = route?.bodyProperties ?? [];
    const choice = this.#int(10);
    if (choice === 0) return '{"unterminated": ';
    if (choice === 1) return this.#pick(['', 'null', '[]', '"x"', '42', 'true', '{', '}', '{"a":1}{"b":2}', '\u0000']);
    if (choice === 2 && this.#chance(0.1)) return JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) });
    if (choice <= 5 && props.length > 0) {
      // Every known property, each with a value of the wrong kind, plus an unknown one.
      const o: Record<string, unknown> = {};
      for (const p of props) o[p] = this.#pick([12345, [], { nested: true }, null, -1]);
      if (mustBreakSchema || this.#chance(0.5)) o[`unknown_${this.#int(100)}`] = 1;
      return JSON.stringify(o);
    }
    const value = this.#randomJson();
    if (mustBreakSchema) {
      // Never a valid body: an unknown property rules it out (every body is additionalProperties: false).
      const o = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : { value };
      return JSON.stringify({ ...o, __fuzz_unknown__: true });
    }
    return JSON.stringify(value);
  }

  #path(route: RouteInfo | undefined): string {
    if (route === undefined) return this.#pick(['/', '/v2/status', '/v1', '/v1/', '/v1/nope', '/v1/../v1/nope', `/v1/${encodeURIComponent(this.#randomString())}`, '/metrics/x', '//v1//status']);
    // '.' and '..' as a whole segment would be resolved away by the URL parser: another route.
    const segment = (): string => {
      const v = encodeURIComponent(this.#chance(0.2) ? `nonexistent-${this.#int(1e6)}` : this.#randomString() || 'x');
      return v === '.' || v === '..' ? `${v}x` : v;
    };
    return route.path.replace(/\{[^}]+\}/g, segment);
  }

  #query(): string {
    if (!this.#chance(0.3)) return '';
    if (this.#chance(0.1)) return this.#pick(['?%zz', '?a=%', '?lastEventId=%FF%FE', '?&&&', '?a[b][c]=1', '?__proto__[x]=1']);
    const pairs = Array.from({ length: 1 + this.#int(3) }, () => `${encodeURIComponent(this.#randomString())}=${encodeURIComponent(this.#randomString())}`);
    return `?${pairs.join('&')}`;
  }

  next(): FuzzRequest {
    const route = this.#chance(0.92) ? this.#pick(this.#routes) : undefined;
    const method = route && this.#chance(0.9) ? route.method : this.#pick(METHODS);
    const authChoice = this.#int(6);
    const headers: Record<string, string> = {};
    let authorized = false;
    if (authChoice === 0) {
      /* no token */
    } else if (authChoice === 1) headers.authorization = `Bearer ${this.#otherToken}`;
    else if (authChoice === 2) headers.authorization = this.#pick(['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${this.#token}x`, `Bearer ${this.#token.slice(1)}`, this.#token, `Bearer ${this.#randomString()}`.replace(/[^\x20-\x7e]/g, '?')]);
    else {
      headers.authorization = `Bearer ${this.#token}`;
      authorized = true;
    }
    const mayChange = STATE_CHANGING.test(method);
    let payload: string | undefined;
    if (route?.hasBody || mayChange || this.#chance(0.1)) {
      if (!(method === 'GET' || method === 'HEAD') || this.#chance(0.3)) {
        payload = this.#body(route, authorized && mayChange);
        const type = this.#chance(0.8) ? 'application/json' : this.#pick(CONTENT_TYPES);
        if (type !== '') headers['content-type'] = type;
      }
    }
    // With the token, a state-changing request without a breaking body may still only name ids
    // that do not exist.
    let url = `${this.#path(route)}${this.#query()}`;
    if (authorized && mayChange && payload === undefined && route) url = route.path.replace(/\{[^}]+\}/g, `nonexistent-${this.#int(1e6)}`);
    if (authorized && mayChange && payload !== undefined && headers['content-type']?.startsWith('application/json') !== true) {
      // A non-JSON body is refused before the handler runs (415), whatever it holds.
    }
    if (this.#chance(0.05)) headers['last-event-id'] = this.#randomString().replace(/[^\x20-\x7e]/g, '?');
    return { route, method, url, headers, ...(payload === undefined ? {} : { payload }), authorized };
  }
}
