// The shipping label of a locked device: the job id in large letters, the return address, the
// seal fingerprint and a QR code of job id and seal for the facility's scanner. Before the device
// is locked, this is where it is locked.
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { lifecycleOf } from '../../appliance/lifecycle/job-lifecycle.js';
import { valueOf, type ActionResult } from '../data/store.js';
import type { ShippingLabel } from '../data/views.js';
import { bigText } from '../widgets/big-font.js';
import { ErrorText, RemoteView } from '../widgets/notice.js';
import { QrCode, labelPayload } from '../widgets/qr-code.js';
import { useRefState } from '../widgets/use-ref-state.js';
import type { ScreenProps } from './screen-props.js';

export function addressLines(address: Readonly<Record<string, unknown>>): string[] {
  const s = (k: string): string => (typeof address[k] === 'string' ? (address[k] as string) : '');
  const cityLine = [s('city'), s('stateOrProvince'), s('postalCode')].filter((x) => x !== '').join(' ');
  return [s('name'), s('company'), s('street1'), s('street2'), s('street3'), [cityLine, s('country')].filter((x) => x !== '').join(', '), s('phone')].filter((x) => x !== '');
}

export function Label(props: { label: ShippingLabel; width: number }) {
  const { label } = props;
  // The QR code (31 columns) and a gap, then the job id: 12 large characters need 47 columns.
  const right = Math.max(20, props.width - 32);
  return (
    <Box flexDirection="row">
      <Box flexDirection="column" width={32}>
        <QrCode payload={labelPayload(label.jobId, label.sealFingerprint)} />
        <Text> scan: job id + seal</Text>
      </Box>
      <Box flexDirection="column" width={right}>
        {bigText(label.jobId, right).map((line, i) => (
          <Text key={i} bold>
            {line}
          </Text>
        ))}
        <Text wrap="truncate-end">{`Job  ${label.jobId}`}</Text>
        <Text wrap="truncate-end">{`Seal ${label.sealFingerprint}`}</Text>
        {/* The label follows the direction: an EXPORT device goes to the customer, an IMPORT device back to the facility. */}
        <Text>{label.jobType === 'EXPORT' ? 'Ship to (customer):' : 'Return to:'}</Text>
        {addressLines(label.jobType === 'EXPORT' ? (label.shipTo ?? {}) : label.returnAddress).map((l, i) => (
          <Text key={i} wrap="truncate-end">{`  ${l}`}</Text>
        ))}
      </Box>
    </Box>
  );
}

export function LabelScreen({ snap, actions, active, width }: ScreenProps) {
  const [confirm, setConfirm, getConfirm] = useRefState(false);
  const [message, setMessage] = useState<ActionResult | undefined>(undefined);
  const status = valueOf(snap.status);
  const locked = status?.state === 'LOCKED';
  // Lock applies where the job fills the device: on site (IMPORT), at the facility (EXPORT).
  const canLock = status !== undefined && status.state === lifecycleOf(status.jobType).fillState;
  useInput(
    (input) => {
      if (getConfirm()) {
        setConfirm(false);
        if (input === 'y' || input === 'c') {
          setMessage(undefined);
          void actions.lock(input === 'c').then(setMessage);
        }
        return;
      }
      if (input === 'L' && canLock) setConfirm(true);
    },
    { isActive: active },
  );
  if (locked) return <RemoteView remote={snap.label} what="Shipping label">{(l) => <Label label={l} width={width} />}</RemoteView>;
  return (
    <Box flexDirection="column">
      <Text bold>Shipping label</Text>
      <Text wrap="wrap">
        {status?.state === 'ERASED'
          ? 'The device is erased: it holds no job, so there is no shipping label.'
          : `The device is ${status?.state ?? 'in an unknown state'}: the label appears once it is locked for shipping.`}
      </Text>
      {canLock ? (
        <Text wrap="wrap">Press L (shift+l) to lock: the journal is sealed, every key is dropped, and the label is shown here.</Text>
      ) : null}
      {confirm ? <Text bold>Lock the device now? y = lock, c = cancel running executions and lock, any other key = no</Text> : null}
      {message ? message.ok ? <Text>{message.message}</Text> : <ErrorText error={message.error} prefix="Lock failed" /> : null}
    </Box>
  );
}
