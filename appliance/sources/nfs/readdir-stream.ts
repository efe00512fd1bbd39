// One directory's entries through READDIRPLUS pages (RFC 1813 §3.3.17), streamed: cookie and
// cookie verifier passed back page after page, '.' and '..' left out, and each entry's handle and
// attributes made whole (LOOKUP or GETATTR) where the server left them out of the page.
import { FloeError } from '../../errors.js';
import type { FsInfo, Nfs3Client, OpContext } from './nfs3-procedures.js';
import type { Fattr3 } from './nfs3-types.js';

export interface DirectoryEntry {
  readonly name: Buffer;
  readonly fileHandle: Buffer;
  readonly attributes: Fattr3;
}

const COOKIEVERF_ZERO = Buffer.alloc(8);
const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

export async function* readDirectory(nfs: Nfs3Client, dirHandle: Buffer, fsInfo: FsInfo, ctx: OpContext, childCtx: (name: Buffer) => OpContext = () => ctx): AsyncGenerator<DirectoryEntry> {
  const dircount = Math.max(fsInfo.dtpref || 0, 8192);
  const maxcount = Math.min(dircount * 8, 1 << 20);
  let cookie = 0n;
  let cookieverf: Buffer = COOKIEVERF_ZERO;
  for (;;) {
    const page = await nfs.readdirplus(dirHandle, cookie, cookieverf, dircount, maxcount, ctx);
    for (const e of page.entries) {
      cookie = e.cookie;
      if (e.name.equals(DOT) || e.name.equals(DOTDOT)) continue;
      let fileHandle = e.fileHandle;
      let attributes = e.attributes;
      if (!fileHandle) {
        const child = childCtx(e.name);
        ({ fileHandle, attributes } = await nfs.lookup(dirHandle, e.name, child));
      }
      attributes ??= await nfs.getattr(fileHandle, childCtx(e.name));
      yield { name: e.name, fileHandle, attributes };
    }
    cookieverf = page.cookieverf;
    if (page.eof) return;
    if (page.entries.length === 0) throw new FloeError('SOURCE_PROTOCOL', `READDIRPLUS '${ctx.path}' on ${nfs.rpc.label}: no entries and no EOF`);
  }
}
