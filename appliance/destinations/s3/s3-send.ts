// Every S3 call floe makes goes through `send`, without the SDK's per-call options, so the client
// resolves each command class's middleware stack once (client option `cacheMiddleware`) instead of
// building it again for every call: about 22 KB of garbage and 25 us of CPU per call, which for
// many small files is a good part of what floe adds to the bare SDK. The SDK uses its cached
// handler only for calls without options and per-command middleware, so what a call used to carry
// there travels with its input, under a symbol the serializers do not see:
// - its abort signal, which a middleware at the end of the stack gives to the request handler
//   (SignalledHttpHandler) for that request;
// - its SigV4 payload hash (x-amz-content-sha256), which a middleware at the build step sets.
import type { S3Client, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { Command, HttpHandlerOptions } from '@smithy/types';

/** What one call carries besides its input. */
export interface S3Call {
  readonly signal?: AbortSignal | undefined;
  /**
   * The body's SHA-256 (hex), signed as its SigV4 payload hash: the signer does not hash the body
   * on the event loop (about 1 s per GiB here), and the server refuses a body that does not match.
   */
  readonly payloadSha256?: string | undefined;
}

const CALL = Symbol('floe.s3.call');
/** The signal of each request about to be sent, for the request handler. */
const SIGNALS = new WeakMap<object, AbortSignal>();
/** The header SigV4 signs as the payload's hash (AWS SigV4, "x-amz-content-sha256"). */
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';

type AnyCommand<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Command<ServiceInputTypes, I, ServiceOutputTypes, O, never>;

export function send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(client: S3Client, command: AnyCommand<I, O>, call: S3Call = {}): Promise<O> {
  if (call.signal !== undefined || call.payloadSha256 !== undefined) (command.input as Record<symbol, S3Call>)[CALL] = call;
  return client.send(command as never) as Promise<O>;
}

function callOf(input: unknown): S3Call | undefined {
  return typeof input === 'object' && input !== null ? (input as Record<symbol, S3Call | undefined>)[CALL] : undefined;
}

interface MiddlewareArgs {
  readonly input: unknown;
  readonly request: unknown;
}
type Next = (args: MiddlewareArgs) => Promise<unknown>;

/** Adds the two middlewares that read a call's S3Call (once per client). */
export function installCallMiddleware(client: S3Client): void {
  const stack = client.middlewareStack as unknown as {
    add(mw: (next: Next) => Next, options: { step: string; name: string; priority?: string }): void;
  };
  stack.add(
    (next) => async (args) => {
      const sha256 = callOf(args.input)?.payloadSha256;
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (sha256 !== undefined && request?.headers !== undefined) request.headers[PAYLOAD_HASH_HEADER] = sha256;
      return next(args);
    },
    { step: 'build', name: 'floePayloadSha256' },
  );
  // Last before the request handler: the request here is the one it gets (signed, final).
  stack.add(
    (next) => async (args) => {
      const signal = callOf(args.input)?.signal;
      if (signal !== undefined && typeof args.request === 'object' && args.request !== null) SIGNALS.set(args.request, signal);
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'floeAbortSignal' },
  );
}

/** The SDK's Node handler, given each request's signal (the cached handler passes none). */
export class SignalledHttpHandler {
  readonly #inner: NodeHttpHandler;

  constructor(options: NodeHttpHandlerOptions) {
    this.#inner = new NodeHttpHandler(options);
  }

  get metadata(): NodeHttpHandler['metadata'] {
    return this.#inner.metadata;
  }

  handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HttpHandlerOptions = {}): ReturnType<NodeHttpHandler['handle']> {
    const signal = SIGNALS.get(request);
    return this.#inner.handle(request, signal === undefined ? options : { ...options, abortSignal: signal });
  }

  updateHttpClientConfig(key: keyof NodeHttpHandlerOptions, value: NodeHttpHandlerOptions[typeof key]): void {
    this.#inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return this.#inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.#inner.destroy();
  }
}
