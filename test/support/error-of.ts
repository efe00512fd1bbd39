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
