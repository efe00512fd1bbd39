// Unlock: the manifest file (typed, or picked from the ones found on inserted media), the code
// typed masked, and, when it fails, why and how long until the next attempt.
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { formatBytes, formatPercent } from '../data/format.js';
import { keysText, sealText } from '../data/lifecycle-hints.js';
import { valueOf, type ActionResult } from '../data/store.js';
import { retryAfterSeconds } from '../data/ui-error.js';
import { ErrorText } from '../widgets/notice.js';
import { TextField, editText } from '../widgets/text-field.js';
import { useRefState, useTicker } from '../widgets/use-ref-state.js';
import { useCapture } from '../widgets/use-screen-input.js';
import type { ScreenProps } from './screen-props.js';

export interface UnlockScreenProps extends ScreenProps {
  /** Manifest files found where a technician would put them (Up/Down picks one). */
  readonly manifestCandidates: readonly string[];
}

const CODE_LENGTH = 29;

export function UnlockScreen({ snap, actions, active, setCapture, manifestCandidates, width }: UnlockScreenProps) {
  const [manifest, setManifest, getManifest] = useRefState(manifestCandidates[0] ?? '');
  const [code, setCode, getCode] = useRefState('');
  const [field, setField, getField] = useRefState<'manifest' | 'code'>('manifest');
  const [busy, setBusy, getBusy] = useRefState(false);
  const [result, setResult] = useState<(ActionResult & { at: number }) | undefined>(undefined);
  const [, setPick, getPick] = useRefState(0);
  const [editing, setEditing, getEditing] = useRefState(true);
  const status = valueOf(snap.status);
  // unlock refuses an erased device (INVALID_STATE): there is no job left to open.
  const erased = status?.state === 'ERASED';

  useCapture(active && editing && !erased, setCapture);

  useInput(
    (input, key) => {
      if (getBusy() || erased) return;
      const field = getField();
      if (!getEditing()) {
        if (key.return) {
          setEditing(true);
          setCapture(true);
        }
        return;
      }
      if (key.escape) {
        setEditing(false);
        setCapture(false);
        return;
      }
      if (key.tab || (key.return && field === 'manifest')) {
        setField(field === 'manifest' ? 'code' : 'manifest');
        return;
      }
      if (key.return && field === 'code') {
        setBusy(true);
        setResult(undefined);
        void actions.unlock(getManifest().trim(), getCode().trim()).then((r) => {
          setBusy(false);
          setResult({ ...r, at: Date.now() });
          if (!r.ok) setCode('');
        });
        return;
      }
      if (field === 'manifest' && (key.upArrow || key.downArrow) && manifestCandidates.length > 0) {
        const next = (getPick() + (key.downArrow ? 1 : manifestCandidates.length - 1)) % manifestCandidates.length;
        setPick(next);
        setManifest(manifestCandidates[next]!);
        return;
      }
      if (field === 'manifest') {
        const v = editText(getManifest(), input, key);
        if (v !== undefined) setManifest(v);
      } else {
        const v = editText(getCode(), input, key);
        if (v !== undefined) setCode(v.slice(0, 64));
      }
    },
    { isActive: active },
  );

  // The delay counts down from the error's retryAfterSeconds, or from the daemon's status.
  const failure = result !== undefined && !result.ok ? result.error : undefined;
  const fromError = retryAfterSeconds(failure);
  const now = useTicker(fromError !== undefined);
  const fromErrorLeft = fromError === undefined || result === undefined ? 0 : Math.ceil(fromError - (now - result.at) / 1000);
  const delay = Math.max(fromErrorLeft, status?.unlockRetryAfterSeconds ?? 0);
  const progress = snap.unlockProgress;

  return (
    <Box flexDirection="column">
      <Text bold>Unlock the device</Text>
      <Text>{status ? `State ${status.state} (${status.snowballJobState})` : 'State unknown'}</Text>
      {status ? <Text wrap="wrap">{sealText(status)}</Text> : null}
      {status ? <Text wrap="wrap">{`Keys: ${keysText(status)}`}</Text> : null}
      <Text> </Text>
      {erased ? null : (
      <>
      <TextField label="Manifest file" value={manifest} focused={active && editing && field === 'manifest'} width={width - 20} placeholder="path to <job id>_manifest.bin" />
      <TextField label="Unlock code  " value={code} masked focused={active && editing && field === 'code'} width={40} placeholder="29 characters, 5 groups" />
      <Text>{`                 ${code.length}/${CODE_LENGTH} characters`}</Text>
      {manifestCandidates.length > 0 ? <Text wrap="truncate-end">{`Found ${manifestCandidates.length} manifest file(s): Up/Down in the manifest field picks one`}</Text> : null}
      </>
      )}
      <Text> </Text>
      {busy ? (
        <Text>
          {`Unlocking: ${progress?.phase === 'seal-check' ? 'checking the journal against its seal' : progress?.phase === 'journal' ? 'opening the journal' : 'opening the manifest'}`}
          {progress?.totalBytes ? ` ${formatPercent(progress.bytesScanned ?? 0, progress.totalBytes)} of ${formatBytes(progress.totalBytes)}` : ''}
          ...
        </Text>
      ) : null}
      {result?.ok ? <Text>{`Unlocked: the device is ${status?.state ?? 'unlocked'}`}</Text> : null}
      {failure ? <ErrorText error={failure} prefix="Unlock failed" /> : null}
      {failure?.code === 'WRONG_UNLOCK_CODE' ? <Text>The code does not open this manifest: check it against the one sent separately from the manifest.</Text> : null}
      {delay > 0 ? <Text bold>{`Next attempt allowed in ${delay} s${status && status.failedUnlockAttempts > 0 ? ` (${status.failedUnlockAttempts} wrong code(s) so far)` : ''}`}</Text> : null}
    </Box>
  );
}
