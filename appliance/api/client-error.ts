// Requests the HTTP parser itself refuses (malformed, headers too large, too slow) never reach
// fastify: they get the one error body here, written straight on the socket, and the socket is
// closed. A connection reset by the client gets nothing.
import type { Socket } from 'node:net';
import type { ErrorBody } from './error-body.js';

const STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

export function handleClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = STATUS[err.code ?? ''] ?? [400, 'Bad Request'];
  const body: ErrorBody = { code: 'INVALID_ARGUMENT', message: `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})` };
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}
