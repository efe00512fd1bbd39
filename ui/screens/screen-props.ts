// What every screen receives: the data snapshot and the actions (both injectable in tests), its
// size, whether it has the keyboard, and a way to hold the keyboard while a form is open (so
// that typing "3" into a field does not switch screens).
import type { Actions, Snapshot } from '../data/store.js';

export interface ScreenProps {
  readonly snap: Snapshot;
  readonly actions: Actions;
  readonly width: number;
  readonly height: number;
  readonly active: boolean;
  readonly setCapture: (capturing: boolean) => void;
}
