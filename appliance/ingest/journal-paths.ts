// Where a task's source lands in the journal's namespace: the source root maps to the task's
// destination path ('' = the journal root). Paths are exact bytes, '/'-separated, no leading '/'.
import { FloeError } from '../errors.js';

export class JournalPaths {
  readonly prefix: Buffer;
  readonly #prefixSlash: Buffer;

  constructor(destinationPath: string) {
    const trimmed = destinationPath.replace(/^\/+|\/+$/g, '');
    if (trimmed.split('/').some((c) => c === '.' || c === '..' || (trimmed !== '' && c === '')) || trimmed.includes('\0')) {
      throw new FloeError('INVALID_ARGUMENT', `destination path ${JSON.stringify(destinationPath)} must be a relative folder without empty, '.' or '..' components`, {
        details: { field: 'DestinationPath' },
      });
    }
    this.prefix = Buffer.from(trimmed, 'utf8');
    this.#prefixSlash = Buffer.from(trimmed + '/', 'utf8');
  }

  /** Source-relative path -> journal path. */
  toJournal(relative: Buffer): Buffer {
    if (this.prefix.length === 0) return relative;
    return relative.length === 0 ? this.prefix : Buffer.concat([this.#prefixSlash, relative]);
  }

  /** Journal path -> source-relative path, or undefined when it lies outside this task's folder. */
  toRelative(journalPath: Buffer): Buffer | undefined {
    if (this.prefix.length === 0) return journalPath;
    if (journalPath.equals(this.prefix)) return Buffer.alloc(0);
    if (journalPath.length > this.#prefixSlash.length && journalPath.subarray(0, this.#prefixSlash.length).equals(this.#prefixSlash)) {
      return journalPath.subarray(this.#prefixSlash.length);
    }
    return undefined;
  }
}
