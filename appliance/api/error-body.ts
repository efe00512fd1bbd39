// One error body for every route: {code, message, details} from the typed error table
// (appliance/errors.ts). Fastify's own 4xx errors (validation, bad JSON, unknown route, body too
// large) keep their status and get a code from the table; nothing else may answer 5xx but a bug.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FloeError, asFloeError, type ErrorCode } from '../errors.js';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function errorBody(err: FloeError): ErrorBody {
  return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details };
}

function fromFastify(err: FastifyError): { status: number; body: ErrorBody } | undefined {
  if (err.validation) {
    const first = err.validation[0];
    const where = err.validationContext ?? 'request';
    const field = first?.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
    const extra = first?.params && 'additionalProperty' in first.params ? ` (${String(first.params.additionalProperty)})` : '';
    return { status: 400, body: { code: 'INVALID_ARGUMENT', message: `${field} ${first?.message ?? 'is invalid'}${extra}`, details: { field } } };
  }
  const status = err.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code: ErrorCode = status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 409 ? 'CONFLICT' : 'INVALID_ARGUMENT';
    return { status, body: { code, message: err.message } };
  }
  return undefined;
}

export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (!(err instanceof FloeError)) {
    const mapped = fromFastify(err as FastifyError);
    if (mapped) {
      void reply.status(mapped.status).send(mapped.body);
      return;
    }
  }
  const e = asFloeError(err);
  if (e.httpStatus >= 500) request.log.error({ err }, e.message);
  void reply.status(e.httpStatus).send(errorBody(e));
}
