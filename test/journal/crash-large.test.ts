import { describe, it } from 'vitest';
import { ROUNDS, crashRounds } from './crash-rounds.js';

describe('journal crash safety under SIGKILL: large files', () => {
  it(`survives ${ROUNDS} kills while writing files of 200 MiB`, async () => {
    await crashRounds('large', [200, 2500]);
  }, 900_000);
});
