// Lifecycle routes' bodies and responses (ARCHITECTURE.md, "Lifecycle").
import { Type } from '@sinclair/typebox';
import { JOB_TYPES } from '../../lifecycle/job-lifecycle.js';
import { LIFECYCLE_STATES } from '../../lifecycle/lifecycle-state.js';
import { Out } from './common-schemas.js';

export const LifecycleStateSchema = Type.Union(
  LIFECYCLE_STATES.map((s) => Type.Literal(s)),
  {
    description:
      'IMPORT: PROVISIONED, ON_SITE, LOCKED (sealed, in transit), AT_FACILITY, IMPORTING, IMPORTED, IMPORTED_WITH_ERRORS, ERASED; ' +
      'EXPORT: PROVISIONED, AT_FACILITY, LOCKED (sealed, in transit to the customer), ON_SITE, RESTORED, RESTORED_WITH_ERRORS, ERASED',
  },
);

export const JobTypeSchema = Type.Union(
  JOB_TYPES.map((t) => Type.Literal(t)),
  { description: "Snowball's job type: IMPORT (site to AWS) or EXPORT (AWS to site)" },
);

const AddressSchema = (description: string) => Type.Object({}, { additionalProperties: true, description: `${description}: name, street1, city, stateOrProvince, postalCode, country, ...` });

export const Health = Out({ ok: Type.Boolean() });

/** Without the token only state, snowballJobState and since are present. */
export const StatusResponse = Out(
  {
    state: LifecycleStateSchema,
    snowballJobState: Type.String({ description: 'the Snowball job state this maps onto, by job type (IMPORT: WithCustomer, InTransitToAWS, ...; EXPORT: InTransitToCustomer, WithCustomer, ...)' }),
    since: Type.String({ format: 'date-time' }),
    jobId: Type.Optional(Type.String()),
    jobType: Type.Optional(JobTypeSchema),
    deviceId: Type.Optional(Type.String()),
    unlocked: Type.Optional(Type.Boolean({ description: 'whether the daemon holds the job keys now' })),
    sealFingerprint: Type.Optional(Type.String()),
    unlockRetryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    failedUnlockAttempts: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { title: 'Status' },
);

export const UnlockBody = Type.Object(
  {
    manifest: Type.String({ minLength: 1, maxLength: 1_000_000, description: 'the <jobId>_manifest.bin file, base64' }),
    code: Type.String({ minLength: 1, maxLength: 100, description: 'the 29-character unlock code' }),
  },
  { additionalProperties: false },
);
export const LockBody = Type.Object({ cancelRunning: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const EraseBody = Type.Object({ force: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

export const ShippingLabelSchema = Out(
  {
    jobId: Type.String(),
    deviceId: Type.String(),
    jobType: Type.Optional(JobTypeSchema),
    shipTo: Type.Optional(AddressSchema('where the device goes now: the facility (IMPORT), the customer (EXPORT)')),
    shipFrom: Type.Optional(AddressSchema('where it comes from, when the job names it')),
    returnAddress: AddressSchema('where the device goes back to at the end of the job (the facility)'),
    sealFingerprint: Type.String(),
    sealedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'ShippingLabel' },
);

export const EraseRecordSchema = Out(
  {
    erasedAt: Type.String({ format: 'date-time' }),
    jobId: Type.String(),
    deviceId: Type.String(),
    jobType: Type.Optional(JobTypeSchema),
    method: Type.String(),
    filesOverwritten: Type.Integer(),
    bytesOverwritten: Type.Integer(),
    forced: Type.Boolean(),
  },
  { title: 'EraseRecord' },
);
