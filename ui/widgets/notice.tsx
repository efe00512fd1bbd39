// One-line messages: an error (with its code), a route this daemon lacks, a result.
import type React from 'react';
import { Text } from 'ink';
import type { UiError } from '../data/ui-error.js';
import { useColor } from './theme.js';

export function ErrorText(props: { error: UiError; prefix?: string }) {
  const color = useColor();
  return (
    <Text color={color('red')} wrap="wrap">
      {`${props.prefix ?? 'Error'}: ${props.error.message} [${props.error.code}]`}
    </Text>
  );
}

export function NotAvailable(props: { what: string }) {
  return <Text>{`${props.what}: not available on this daemon`}</Text>;
}

export function Loading(props: { what: string }) {
  return <Text>{`${props.what}: loading...`}</Text>;
}

/** Shows a remote value, or why there is none: loading, not on this daemon, or the error (above the last good value). */
export function RemoteView<T>(props: { remote: import('../data/store.js').Remote<T>; what: string; children: (value: T) => React.ReactNode }) {
  const r = props.remote;
  if (r.state === 'loading') return <Loading what={props.what} />;
  if (r.state === 'unavailable') return <NotAvailable what={props.what} />;
  if (r.state === 'error' && r.error.code === 'NOT_FOUND' && r.value === undefined) return <Text wrap="truncate-end">{`${props.what}: ${r.error.message}`}</Text>;
  if (r.state === 'error') {
    return (
      <>
        <ErrorText error={r.error} prefix={props.what} />
        {r.value === undefined ? null : props.children(r.value)}
      </>
    );
  }
  return <>{props.children(r.value)}</>;
}
