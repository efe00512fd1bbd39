import { describe, expect, it } from 'vitest';
import { FloeError } from '../appliance/errors.js';
import { UNLOCK_CODE_ALPHABET, UNLOCK_CODE_LENGTH, generateUnlockCode, isUnlockCode, normalizeUnlockCode, unlockCodeProblem } from './unlock-code.js';

const SHAPE = /^[A-Z0-9]{5}(-[A-Z0-9]{5}){4}$/;

describe('unlock code', () => {
  it('is 29 characters: 5 hyphenated groups of 5 from a 32-symbol alphabet without 0, O, 1, I', () => {
    expect(UNLOCK_CODE_LENGTH).toBe(29);
    expect(UNLOCK_CODE_ALPHABET).toHaveLength(32);
    expect(UNLOCK_CODE_ALPHABET).not.toMatch(/[01IO]/);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = generateUnlockCode();
      expect(code).toMatch(SHAPE);
      expect(code).toHaveLength(29);
      expect(isUnlockCode(code)).toBe(true);
      for (const c of code.replaceAll('-', '')) seen.add(c);
    }
    // 5,000 draws from 32 symbols: every symbol shows up.
    expect([...seen].sort().join('')).toBe([...UNLOCK_CODE_ALPHABET].sort().join(''));
  });

  it('normalizes what a person types: whitespace, lowercase, missing hyphens, spaces between groups', () => {
    const canonical = 'K7QHM-23456-ABCDE-FGHJK-XYZ98';
    for (const typed of [canonical, `  ${canonical.toLowerCase()}\n`, 'K7QHM23456ABCDEFGHJKXYZ98', 'k7qhm 23456 abcde fghjk xyz98']) {
      expect(normalizeUnlockCode(typed)).toBe(canonical);
    }
    expect(isUnlockCode('k7qhm-23456-abcde-fghjk-xyz98')).toBe(false);
  });

  const bad: Array<[string, string]> = [
    ['', 'expected 25 letters and digits (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX), got 0'],
    ['K7QHM-23456-ABCDE-FGHJK', 'expected 5 groups of 5 characters (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX), got 4 groups'],
    ['K7QHM-2345-ABCDE-FGHJK-XYZ986', 'group 2 has 4 characters, expected 5 (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)'],
    ['K7QHM23456ABCDEFGHJKXYZ9', 'expected 25 letters and digits (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX), got 24'],
    ['K7QHM-23456-ABCDE-FGHJK-XYZ90', 'character 29 is not a letter or digit of an unlock code (codes never contain 0, O, 1 or I)'],
    ['K7QHM-2345!-ABCDE-FGHJK-XYZ98', 'character 11 is not a letter or digit of an unlock code'],
  ];
  it.each(bad)('refuses %j with a message that does not repeat the code', (input, problem) => {
    expect(unlockCodeProblem(input)).toBe(problem);
    let err: unknown;
    try {
      normalizeUnlockCode(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).code).toBe('INVALID_ARGUMENT');
    expect((err as FloeError).message).toBe(`unlock code: ${problem}`);
  });
});
