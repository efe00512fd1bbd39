// The job every test device is provisioned with, and a cheap scrypt cost so unlocks are fast.
export const FAST_SCRYPT = { N: 1 << 10, r: 8, p: 1 };

const RETURN_ADDRESS = { name: 'Receiving', street1: '1 Test Way', city: 'Seattle', stateOrProvince: 'WA', postalCode: '98101', country: 'US' };
const DEFAULT_DESTINATIONS = [{ uri: 's3://floe-test-bucket/imports', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1' }];

/** An IMPORT job spec for a test device; `destinations` default to one S3 bucket on loopback. */
export function testJobSpec(description: string, destinations: ReadonlyArray<Record<string, unknown>> = DEFAULT_DESTINATIONS): Record<string, unknown> {
  return { jobType: 'IMPORT', description, deviceType: 'SNC1_SSD', destinations, returnAddress: RETURN_ADDRESS };
}
