// `--listen host:port` for floe serve.
import { isIP } from 'node:net';
import { FloeError } from '../errors.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly loopback: boolean;
}

export function parseListen(value: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new FloeError('INVALID_ARGUMENT', `--listen must be host:port (e.g. 127.0.0.1:4780 or [::1]:4780), not ${JSON.stringify(value)}`);
  }
  if (host !== 'localhost' && isIP(host) === 0) throw new FloeError('INVALID_ARGUMENT', `--listen host must be an IP address or localhost, not ${JSON.stringify(host)}`);
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  return { host, port, loopback };
}
