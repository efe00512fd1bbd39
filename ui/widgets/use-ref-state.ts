// State that a key handler can read back at once: keys typed quickly (or pasted) arrive before
// react re-renders, and each must see what the one before it did.
import { useCallback, useEffect, useRef, useState } from 'react';

export function useRefState<T>(initial: T): [value: T, set: (next: T | ((previous: T) => T)) => void, get: () => T] {
  const ref = useRef(initial);
  const [, setVersion] = useState(0);
  const set = useCallback((next: T | ((previous: T) => T)) => {
    ref.current = typeof next === 'function' ? (next as (p: T) => T)(ref.current) : next;
    setVersion((v) => v + 1);
  }, []);
  const get = useCallback(() => ref.current, []);
  return [ref.current, set, get];
}

/** The time now, re-rendering every second while `running` (countdowns). */
export function useTicker(running: boolean): number {
  const [, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return Date.now();
}
