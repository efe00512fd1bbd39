// A file entry: what the journal knows of one file, directory, link or device.
// This is also the description every destination accepts (rclone's ObjectInfo): a destination
// never needs the source, only this entry and a reader of its bytes.
// Byte-level encoding: docs/journal-format.md, "File entry".

export type FileType = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block';

export const FILE_TYPES: readonly FileType[] = ['file', 'directory', 'symlink', 'fifo', 'socket', 'char', 'block'];

/** S_IFMT type bits of st_mode, as DataSync's `file-permissions` metadata carries them. */
export const TYPE_BITS: Record<FileType, number> = {
  file: 0o100000,
  directory: 0o040000,
  symlink: 0o120000,
  fifo: 0o010000,
  socket: 0o140000,
  char: 0o020000,
  block: 0o060000,
};

export interface ChunkRef {
  /** SHA-256 of the chunk's plaintext. */
  readonly sha256: Buffer;
  readonly size: number;
}

/** An extended attribute (a `user.` name from a local source), name and value as exact bytes. */
export interface Xattr {
  readonly name: Buffer;
  readonly value: Buffer;
}

export interface FileMetadata {
  readonly type: FileType;
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Logical size in bytes (regular files; 0 for others but symlinks, whose size is the target length). */
  readonly size: number;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  /** Hard-link identity: the same (fsid, fileid) means the same file. */
  readonly fsId: bigint;
  readonly fileId: bigint;
  readonly nlink: number;
  /** Device numbers for char and block devices. */
  readonly rdevMajor: number;
  readonly rdevMinor: number;
  /** Symlink target, exact bytes. */
  readonly target?: Buffer;
  /** Extended attributes, sorted by name; absent when there are none. */
  readonly xattrs?: readonly Xattr[];
}

export interface FileEntry extends FileMetadata {
  /** Path relative to the journal's namespace root: '/'-separated exact bytes, no leading '/'. */
  readonly path: Buffer;
  /** SHA-256 of the whole content (regular files; the empty hash for others). */
  readonly sha256: Buffer;
  readonly chunks: readonly ChunkRef[];
}

/** Full st_mode with the type bits, e.g. 0o100644. */
export function stMode(meta: Pick<FileMetadata, 'type' | 'mode'>): number {
  return TYPE_BITS[meta.type] | (meta.mode & 0o7777);
}

/** The path as text for people and logs: invalid UTF-8 bytes shown as \xNN. */
export function displayPath(path: Uint8Array): string {
  const text = Buffer.from(path).toString('utf8');
  if (Buffer.from(text, 'utf8').equals(Buffer.from(path))) return text;
  let out = '';
  for (const byte of path) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}
