import { randomBytes as nodeRandomBytes, randomInt, randomUUID } from 'node:crypto';

export function randomBytes(length: number): Buffer {
  return nodeRandomBytes(length);
}

export function randomId(): string {
  return randomUUID();
}

/** A uniformly random string over `alphabet` (rejection sampling through randomInt). */
export function randomString(length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
