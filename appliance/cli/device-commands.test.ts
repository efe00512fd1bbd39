import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../lifecycle/lifecycle-state.js';
import { statusLines } from './device-commands.js';

describe('floe status text', () => {
  it('offers unlock only where there is a job to unlock', () => {
    const locked = { state: 'LOCKED', snowballJobState: 'InTransitToAWS', since: 't', jobId: 'JID1', deviceId: 'DEV1', unlocked: false, unlockRetryAfterSeconds: 0, failedUnlockAttempts: 0 } as DeviceStatus;
    expect(statusLines(locked)).toContain('Keys:   none (unlock with the manifest and the code)');
    const erased = { state: 'ERASED', snowballJobState: 'Complete', since: 't' } as unknown as DeviceStatus;
    expect(statusLines(erased)).toEqual(['State:  ERASED (Complete)', 'Since:  t', 'Keys:   none (erased: the job and its keys are gone; nothing to unlock)']);
  });
});
