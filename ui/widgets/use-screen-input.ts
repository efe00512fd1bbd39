// What the screens with forms and confirmations share: the keyboard taken from the app's screen
// keys while the screen captures it (typing in a field, a y/n question), given back when it stops
// or the screen goes; and the result of the last action the screen ran, cleared when the next starts.
import { useEffect, useState } from 'react';
import type { ActionResult } from '../data/store.js';

export function useCapture(capturing: boolean, setCapture: (on: boolean) => void): void {
  useEffect(() => {
    setCapture(capturing);
    return () => setCapture(false);
  }, [capturing, setCapture]);
}

export function useActionMessage(): {
  readonly message: ActionResult | undefined;
  readonly setMessage: (next: ActionResult | undefined) => void;
  /** Clears the message, then shows what `p` answers. */
  readonly run: (p: Promise<ActionResult>) => void;
} {
  const [message, setMessage] = useState<ActionResult | undefined>(undefined);
  const run = (p: Promise<ActionResult>): void => {
    setMessage(undefined);
    void p.then(setMessage);
  };
  return { message, setMessage, run };
}
