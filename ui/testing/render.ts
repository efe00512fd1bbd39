// Helpers for screen tests: let ink's effects run, type keys one at a time.
import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';

export const tick = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const KEYS = { enter: '\r', esc: '\u001b', tab: '\t', up: '\u001b[A', down: '\u001b[B', backspace: '\u007f' } as const;

export async function renderUi(tree: ReactElement) {
  const r = render(tree);
  await tick();
  return {
    ...r,
    frame: (): string => r.lastFrame() ?? '',
    /** Sends each key (or each character of a string) separately, as a person types. */
    async type(...keys: string[]): Promise<void> {
      for (const k of keys) {
        const parts = Object.values(KEYS).includes(k as never) ? [k] : [...k];
        for (const p of parts) {
          r.stdin.write(p);
          await tick(5);
        }
      }
      await tick();
    },
  };
}
