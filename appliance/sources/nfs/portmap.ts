// Portmapper version 2 (RFC 1833 §3): PMAPPROC_GETPORT finds the TCP port of a program.
import { FloeError } from '../../errors.js';
import type { RpcClient } from './rpc-client.js';

export const PMAP_PROGRAM = 100000;
export const PMAP_V2 = 2;
const PMAPPROC_GETPORT = 3;
/** RFC 1833 §3: "#define IPPROTO_TCP 6". */
const IPPROTO_TCP = 6;
export const DEFAULT_PORTMAPPER_PORT = 111;

/** RFC 1833 §3: GETPORT(mapping) returns the port, or 0 when the program is not registered. */
export async function getPort(client: RpcClient, program: number, version: number, signal?: AbortSignal): Promise<number> {
  const port = await client.call(
    { program: PMAP_PROGRAM, version: PMAP_V2, procedure: PMAPPROC_GETPORT },
    (w) => w.uint32(program).uint32(version).uint32(IPPROTO_TCP).uint32(0),
    (r) => r.uint32(),
    signal,
  );
  if (port === 0 || port > 65535) {
    throw new FloeError('SOURCE_UNREACHABLE', `portmapper at ${client.label} has no TCP port for program ${program} version ${version}`);
  }
  return port;
}
