import { describe, it } from 'vitest';
import { ROUNDS, crashRounds } from './crash-rounds.js';

describe('journal crash safety under SIGKILL: small files', () => {
  it(`survives ${ROUNDS} kills while writing thousands of small files`, async () => {
    await crashRounds('small', [150, 1500]);
  }, 900_000);
});
