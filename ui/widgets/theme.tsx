// Colour is a help, never the message: every state is also spelled out in text, and NO_COLOR
// (https://no-color.org) turns colour off entirely.
import { createContext, useContext } from 'react';

export interface Theme {
  readonly color: boolean;
}

export const ThemeContext = createContext<Theme>({ color: false });

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

export function themeFromEnv(env: NodeJS.ProcessEnv = process.env): Theme {
  return { color: env.NO_COLOR === undefined || env.NO_COLOR === '' };
}

/** The ink colour name, or undefined when colour is off. */
export function useColor(): (name: string) => string | undefined {
  const { color } = useTheme();
  return (name: string) => (color ? name : undefined);
}

/** Colour of a lifecycle or execution state. */
export function stateColor(state: string): string {
  if (['ERROR', 'IMPORTED_WITH_ERRORS', 'RESTORED_WITH_ERRORS', 'ERASED'].includes(state)) return 'red';
  if (['LOCKED', 'CANCELLING', 'QUEUED'].includes(state)) return 'yellow';
  if (['SUCCESS', 'IMPORTED', 'RESTORED', 'ON_SITE', 'AT_FACILITY'].includes(state)) return 'green';
  return 'cyan';
}
