import { FloeError } from '../../appliance/errors.js';

/** The FloeError `fn` throws; fails the test when it throws something else or nothing. */
export function errorOf(fn: () => unknown): FloeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FloeError) return err;
    throw err;
  }
  throw new Error('expected a FloeError');
}

/** The FloeError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<FloeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FloeError) return err;
    throw err;
  }
  throw new Error('expected a FloeError rejection');
}
