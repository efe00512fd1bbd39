// The store's snapshot as react state.
import { useSyncExternalStore } from 'react';
import type { Snapshot, UiStore } from './store.js';

export function useSnapshot(store: Pick<UiStore, 'subscribe' | 'getSnapshot'>): Snapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
