import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finishPart, stopSyscallHelper } from './syscall-helper.js';

const dir = await mkdtemp(join(tmpdir(), 'floe-finish-part-'));
afterAll(async () => {
  stopSyscallHelper();
  await rm(dir, { recursive: true, force: true });
});
const root = process.getuid?.() === 0;

describe('finishPart', () => {
  it('sets mode (setuid kept after the owner), times to the nanosecond, also before 1970, and renames the part into place', async () => {
    const part = join(dir, 'part-a');
    const target = join(dir, 'a');
    await writeFile(part, 'content', { mode: 0o600 });
    const owner = root ? { uid: 1234, gid: 5678 } : undefined;
    await finishPart(Buffer.from(part), Buffer.from(target), owner, 0o104755, -86_400_123_456_789n, 1_000_000_000_987_654_321n);
    const st = await lstat(target, { bigint: true });
    expect(Number(st.mode & 0o7777n).toString(8)).toBe('4755');
    expect([st.atimeNs, st.mtimeNs]).toEqual([-86_400_123_456_789n, 1_000_000_000_987_654_321n]);
    if (root) expect([st.uid, st.gid]).toEqual([1234n, 5678n]);
    expect(await readFile(target, 'utf8')).toBe('content');
    expect(existsSync(part)).toBe(false);
  });

  it('does not follow a symlink put in place of the part (ELOOP at open) and names the step that failed', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'x', { mode: 0o600 });
    await symlink(victim, join(dir, 'part-link'));
    await expect(finishPart(Buffer.from(join(dir, 'part-link')), Buffer.from(join(dir, 'b')), undefined, 0o666, 0n, 0n)).rejects.toMatchObject({ code: 'ELOOP', syscall: 'open' });
    expect(Number((await lstat(victim)).mode & 0o7777).toString(8)).toBe('600');
    expect(existsSync(join(dir, 'b'))).toBe(false);
    await writeFile(join(dir, 'part-c'), '');
    await mkdir(join(dir, 'c'));
    await writeFile(join(dir, 'c', 'inside'), '');
    await expect(finishPart(Buffer.from(join(dir, 'part-c')), Buffer.from(join(dir, 'c')), undefined, 0o644, 0n, 0n)).rejects.toMatchObject({ code: 'EISDIR', syscall: 'rename' });
    await expect(finishPart(Buffer.from(join(dir, 'missing')), Buffer.from(join(dir, 'd')), undefined, 0o644, 0n, 0n)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' });
  });
});
