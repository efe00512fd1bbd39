// The unlock code: 25 random characters in 5 hyphenated groups of 5, 29 characters in all, as on
// Snowball (DOMAIN.md, "Snowball / Snowcone"). It is shown once at provisioning and never stored.
import { randomString } from '../appliance/crypto/random.js';
import { FloeError } from '../appliance/errors.js';

declare const unlockCodeBrand: unique symbol;
/** A well-formed unlock code, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`. */
export type UnlockCode = string & { readonly [unlockCodeBrand]: true };

/**
 * 32 symbols, so each carries exactly 5 bits (125 bits per code): the digits 2-9 and the
 * letters A-Z without I and O. 0/O and 1/I, the pairs people confuse when they read a code
 * aloud or copy it by hand, never occur.
 */
export const UNLOCK_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const UNLOCK_CODE_GROUPS = 5;
export const UNLOCK_CODE_GROUP_LENGTH = 5;
/** 25 symbols plus 4 hyphens. */
export const UNLOCK_CODE_LENGTH = UNLOCK_CODE_GROUPS * UNLOCK_CODE_GROUP_LENGTH + UNLOCK_CODE_GROUPS - 1;

const SYMBOLS = UNLOCK_CODE_GROUPS * UNLOCK_CODE_GROUP_LENGTH;
const FORMAT = 'XXXXX-XXXXX-XXXXX-XXXXX-XXXXX';

export function generateUnlockCode(): UnlockCode {
  return group(randomString(SYMBOLS, UNLOCK_CODE_ALPHABET)) as UnlockCode;
}

/**
 * Accepts a code as a person types it: surrounding whitespace, lowercase, with or without the
 * hyphens (or with spaces between the groups), and returns the canonical form. A malformed code
 * is refused with INVALID_ARGUMENT; the message never repeats the code, which is a secret.
 */
export function normalizeUnlockCode(input: string): UnlockCode {
  const problem = unlockCodeProblem(input);
  if (problem !== undefined) throw new FloeError('INVALID_ARGUMENT', `unlock code: ${problem}`);
  return group(compact(input)) as UnlockCode;
}

export function isUnlockCode(input: string): input is UnlockCode {
  return input.length === UNLOCK_CODE_LENGTH && unlockCodeProblem(input) === undefined && group(compact(input)) === input;
}

/** Why `input` is not an unlock code, or undefined when it is one. */
export function unlockCodeProblem(input: string): string | undefined {
  const trimmed = input.trim().toUpperCase();
  // Hyphens are optional, but where they are given they must separate whole groups.
  const groups = trimmed.split(/[\s-]+/u);
  if (groups.length > 1 && groups.length !== UNLOCK_CODE_GROUPS) {
    return `expected ${UNLOCK_CODE_GROUPS} groups of ${UNLOCK_CODE_GROUP_LENGTH} characters (${FORMAT}), got ${groups.length} groups`;
  }
  if (groups.length > 1) {
    const short = groups.findIndex((g) => g.length !== UNLOCK_CODE_GROUP_LENGTH);
    if (short >= 0) return `group ${short + 1} has ${groups[short]!.length} characters, expected ${UNLOCK_CODE_GROUP_LENGTH} (${FORMAT})`;
  }
  const symbols = groups.join('');
  if (symbols.length !== SYMBOLS) return `expected ${SYMBOLS} letters and digits (${FORMAT}), got ${symbols.length}`;
  for (let i = 0; i < symbols.length; i++) {
    const c = symbols[i]!;
    if (UNLOCK_CODE_ALPHABET.includes(c)) continue;
    const hint = c === '0' || c === 'O' || c === '1' || c === 'I' ? ' (codes never contain 0, O, 1 or I)' : '';
    return `character ${i + 1 + Math.floor(i / UNLOCK_CODE_GROUP_LENGTH)} is not a letter or digit of an unlock code${hint}`;
  }
  return undefined;
}

function compact(input: string): string {
  return input.trim().toUpperCase().replace(/[\s-]+/gu, '');
}

function group(symbols: string): string {
  const parts: string[] = [];
  for (let i = 0; i < symbols.length; i += UNLOCK_CODE_GROUP_LENGTH) parts.push(symbols.slice(i, i + UNLOCK_CODE_GROUP_LENGTH));
  return parts.join('-');
}
