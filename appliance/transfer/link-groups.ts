// The names of one hard-linked file (same fsId and fileId at ingest, nlink > 1), delivered to a
// destination that keeps hard links: one name carries the content, the others become links to it
// (PutOptions.linkTo). A name that starts while another of its file is being delivered waits for
// it; if that delivery fails, the next name carries the content instead. The name that carries the
// content never waits, so waiting cannot form a cycle.
import type { FileEntry } from '../journal/file-entry.js';

export interface LinkClaim {
  /** The key of a name of this file already delivered: link to it. */
  readonly linkTo?: string;
  /** For the name that carries the content: call with its key once delivered, or with nothing if not. */
  settle(key?: string): void;
}

/** The claim of a file with one name, or on a destination without hard links: nothing to wait for or link to. */
export const NO_LINK: LinkClaim = { settle: () => undefined };

/** "fsId:fileId" for a file with several names; undefined for the rest. */
export function linkIdentity(entry: FileEntry): string | undefined {
  return entry.type === 'file' && entry.nlink > 1 && entry.fileId !== 0n ? `${entry.fsId}:${entry.fileId}` : undefined;
}

export class LinkGroups {
  /** Per identity: the key of the name delivered, or a promise of it while that put runs. */
  readonly #delivered = new Map<string, Promise<string | undefined>>();

  /** A name already delivered by an earlier execution: later names of its file link to it. */
  seed(entry: FileEntry, key: string): void {
    const identity = linkIdentity(entry);
    if (identity !== undefined && !this.#delivered.has(identity)) this.#delivered.set(identity, Promise.resolve(key));
  }

  async claim(entry: FileEntry): Promise<LinkClaim> {
    const identity = linkIdentity(entry);
    if (identity === undefined) return NO_LINK;
    for (;;) {
      const pending = this.#delivered.get(identity);
      if (pending === undefined) break;
      const key = await pending;
      if (key !== undefined) return { linkTo: key, settle: NO_LINK.settle };
    }
    let resolve!: (key: string | undefined) => void;
    const promise = new Promise<string | undefined>((r) => (resolve = r));
    this.#delivered.set(identity, promise);
    let settled = false;
    return {
      settle: (key?: string) => {
        if (settled) return;
        settled = true;
        if (key === undefined && this.#delivered.get(identity) === promise) this.#delivered.delete(identity);
        resolve(key);
      },
    };
  }
}
