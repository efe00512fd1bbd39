// The job spec: the JSON file a station operator writes to create a job, shaped after
// Snowball's CreateJob request (JobType, Description, SnowballType, Resources, AddressId,
// Notification). floe does IMPORT and EXPORT jobs (ARCHITECTURE.md, "Lifecycle", "The way back"):
// an IMPORT job names the AWS destinations its journal is imported into at the facility; an EXPORT
// job names the sources copied onto the device at the facility and the customer's shipping address.
// A spec without jobType is an IMPORT job, as every spec was before EXPORT jobs.
import { FloeError } from '../appliance/errors.js';
import { DEFAULT_JOB_TYPE, JOB_TYPES, type JobType } from '../appliance/lifecycle/job-lifecycle.js';
import { readDestinations, type DestinationSpec } from './destination-spec.js';
import { SHIPPING_ROLE, readReturnAddress, type ReturnAddress } from './return-address.js';
import {
  Problems,
  asObject,
  fieldPath,
  formatProblem,
  isJsonObject,
  jsonTypeName,
  readBoolean,
  readEnum,
  readInteger,
  readString,
  rejectUnknownFields,
  type SpecProblem,
} from './spec-checks.js';

export type { DestinationSpec } from './destination-spec.js';
export type { ReturnAddress } from './return-address.js';
export type { SpecProblem } from './spec-checks.js';

export type { JobType } from '../appliance/lifecycle/job-lifecycle.js';

/** Snowcone device types and their usable capacity (DOMAIN.md, "Snowball / Snowcone"). */
export const DEVICE_TYPES = {
  SNC1_HDD: { capacityBytes: 8_000_000_000_000 },
  SNC1_SSD: { capacityBytes: 14_000_000_000_000 },
} as const;
export type DeviceType = keyof typeof DEVICE_TYPES;

/** Snowball job states (JobState), for notifications. */
export const JOB_STATES = [
  'New',
  'PreparingAppliance',
  'PreparingShipment',
  'InTransitToCustomer',
  'WithCustomer',
  'InTransitToAWS',
  'WithAWSSortingFacility',
  'WithAWS',
  'InProgress',
  'Complete',
  'Cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Snowball's `Notification`: where job state changes are announced. */
export interface NotificationSpec {
  readonly snsTopicArn: string;
  readonly jobStatesToNotify?: readonly JobState[];
  readonly notifyAll?: boolean;
}

export interface JobSpec {
  /** IMPORT when the spec leaves it out. */
  readonly jobType: JobType;
  readonly description?: string;
  readonly deviceType: DeviceType;
  /** Bytes of the device this job may fill; the whole device when absent. */
  readonly capacityBytes?: number;
  /** IMPORT: where the journal is imported at the facility (at least one). EXPORT: none, always empty. */
  readonly destinations: readonly DestinationSpec[];
  /** EXPORT only: what is copied onto the device at the facility (s3://, efs://, fsx://; at least one). */
  readonly sources?: readonly DestinationSpec[];
  /** Where the device goes back to: the facility. */
  readonly returnAddress: ReturnAddress;
  /** The customer's address (Snowball's shipping address): required for EXPORT, optional for IMPORT. */
  readonly shippingAddress?: ReturnAddress;
  readonly notification?: NotificationSpec;
}

export const JOB_SPEC_FIELDS = ['jobType', 'description', 'deviceType', 'capacityBytes', 'destinations', 'sources', 'returnAddress', 'shippingAddress', 'notification'] as const;
const NOTIFICATION_FIELDS = ['snsTopicArn', 'jobStatesToNotify', 'notifyAll'] as const;
const UNSUPPORTED_JOB_TYPES = ['LOCAL_USE'];

/**
 * Validates a parsed job spec. Every problem is collected; the error's message names the first
 * one (`destinations[0].uri: bucket name "A_B" is not a valid S3 bucket name: ...`) and its
 * details carry `{ field, problems }` with all of them.
 */
export function parseJobSpec(input: unknown): JobSpec {
  const problems = new Problems();
  const spec = checkJobSpec(problems, input);
  if (spec === undefined || !problems.empty) throw jobSpecError(problems.list);
  return spec;
}

/** Lists the problems of a job spec without throwing; empty when it is valid. */
export function jobSpecProblems(input: unknown): SpecProblem[] {
  const problems = new Problems();
  checkJobSpec(problems, input);
  return problems.list;
}

function checkJobSpec(problems: Problems, input: unknown): JobSpec | undefined {
  if (!isJsonObject(input)) {
    problems.add('', `a job spec must be a JSON object, got ${jsonTypeName(input)}`);
    return undefined;
  }
  rejectUnknownFields(problems, '', input, JOB_SPEC_FIELDS, 'job spec');
  const jobType = readJobType(problems, input);
  const description = readString(problems, input, '', 'description', { maxLength: 1024 });
  const deviceType = readEnum(problems, input, '', 'deviceType', Object.keys(DEVICE_TYPES) as DeviceType[], { required: true });
  const capacityBytes = readInteger(problems, input, '', 'capacityBytes', { min: 1 });
  if (capacityBytes !== undefined && deviceType !== undefined && capacityBytes > DEVICE_TYPES[deviceType].capacityBytes) {
    problems.add('capacityBytes', `${capacityBytes} exceeds the ${deviceType} capacity of ${DEVICE_TYPES[deviceType].capacityBytes} bytes`);
  }
  const { destinations, sources } = readDirection(problems, input, jobType);
  const returnAddress = readReturnAddress(problems, 'returnAddress', input.returnAddress);
  const shippingAddress =
    input.shippingAddress === undefined && jobType !== 'EXPORT' ? undefined : readReturnAddress(problems, 'shippingAddress', input.shippingAddress, SHIPPING_ROLE);
  const notification = input.notification === undefined ? undefined : readNotification(problems, 'notification', input.notification);
  if (!problems.empty || jobType === undefined || deviceType === undefined || destinations === undefined || returnAddress === undefined) return undefined;
  return {
    jobType,
    ...(description === undefined ? {} : { description }),
    deviceType,
    ...(capacityBytes === undefined ? {} : { capacityBytes }),
    destinations,
    ...(sources === undefined ? {} : { sources }),
    returnAddress,
    ...(shippingAddress === undefined ? {} : { shippingAddress }),
    ...(notification === undefined ? {} : { notification }),
  };
}

/** IMPORT: destinations, no sources. EXPORT: sources, no destinations (it imports nothing into AWS). */
function readDirection(problems: Problems, input: Record<string, unknown>, jobType: JobType | undefined): { destinations?: DestinationSpec[]; sources?: DestinationSpec[] } {
  if (jobType !== 'EXPORT') {
    if (input.sources !== undefined) problems.add('sources', 'only for EXPORT jobs: an IMPORT job ingests the shares its tasks name on site');
    return { destinations: readDestinations(problems, input) };
  }
  if (input.destinations !== undefined) problems.add('destinations', 'an EXPORT job imports nothing into AWS: name what goes onto the device in sources');
  const sources = readDestinations(problems, input, 'sources', 'source');
  return sources === undefined ? {} : { destinations: [], sources };
}

function readJobType(problems: Problems, input: Record<string, unknown>): JobType | undefined {
  const value = input.jobType;
  if (value === undefined) return DEFAULT_JOB_TYPE;
  if (typeof value === 'string' && UNSUPPORTED_JOB_TYPES.includes(value)) {
    problems.add('jobType', `${value} jobs are not supported by floe (only ${JOB_TYPES.join(' and ')})`);
    return undefined;
  }
  return readEnum(problems, input, '', 'jobType', JOB_TYPES);
}

// arn:<partition>:sns:<region>:<12-digit account>:<topic name of 1-256 letters, digits, - _ (.fifo)>
const SNS_TOPIC_ARN = /^arn:aws(-[a-z]+)*:sns:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/u;

function readNotification(problems: Problems, field: string, value: unknown): NotificationSpec | undefined {
  const object = asObject(problems, field, value);
  if (object === undefined) return undefined;
  const before = problems.list.length;
  rejectUnknownFields(problems, field, object, NOTIFICATION_FIELDS, 'notification');
  const snsTopicArn = readString(problems, object, field, 'snsTopicArn', { required: true, maxLength: 1024 });
  if (snsTopicArn !== undefined && !SNS_TOPIC_ARN.test(snsTopicArn)) {
    problems.add(fieldPath(field, 'snsTopicArn'), `"${snsTopicArn}" is not an SNS topic ARN (arn:aws:sns:us-east-1:123456789012:topic)`);
  }
  const notifyAll = readBoolean(problems, object, field, 'notifyAll');
  let jobStatesToNotify: JobState[] | undefined;
  const states = object.jobStatesToNotify;
  if (states !== undefined) {
    const at = fieldPath(field, 'jobStatesToNotify');
    if (!Array.isArray(states)) problems.add(at, `expected an array, got ${jsonTypeName(states)}`);
    else {
      jobStatesToNotify = [];
      states.forEach((state: unknown, i) => {
        if (typeof state === 'string' && (JOB_STATES as readonly string[]).includes(state)) jobStatesToNotify!.push(state as JobState);
        else problems.add(fieldPath(at, i), `expected one of ${JOB_STATES.join(', ')}, got ${typeof state === 'string' ? `"${state}"` : jsonTypeName(state)}`);
      });
    }
  }
  if (problems.list.length !== before || snsTopicArn === undefined) return undefined;
  return {
    snsTopicArn,
    ...(jobStatesToNotify === undefined ? {} : { jobStatesToNotify }),
    ...(notifyAll === undefined ? {} : { notifyAll }),
  };
}

function jobSpecError(problems: readonly SpecProblem[]): FloeError {
  const first = problems[0] ?? { field: '', message: 'invalid job spec' };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new FloeError('JOB_SPEC_INVALID', `${formatProblem(first)}${more}`, {
    details: { field: first.field, problems: problems.map((p) => ({ field: p.field, message: p.message })) },
  });
}
