// One folder of the flat key space, page by page (ListObjectsV2 with Delimiter '/'), and a window
// of lookups kept in flight over the entries as they stream. Nothing here holds more than two
// pages (at most 1,000 keys each) and the window: a folder of millions of keys lists in the same
// memory as one of a thousand.
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { send } from '../../destinations/s3/s3-send.js';

export interface FolderListing {
  readonly client: S3Client;
  readonly bucket: string;
  /** The folder's key prefix with its trailing '/', or '' for the bucket root. */
  readonly prefix: string;
  readonly signal?: AbortSignal | undefined;
  /** Keys per page (S3's maximum and default is 1,000). */
  readonly pageSize?: number;
}

/** One child of a folder, in the order S3 gives them. */
export type FolderItem =
  /**
   * A key below the folder with no '/' after the prefix (its own 'prefix' key, the folder marker, is
   * left out), with what the listing says of it: size, ETag and Last-Modified (no user metadata).
   */
  | { readonly kind: 'object'; readonly key: string; readonly name: string; readonly size: number; readonly etag: string | undefined; readonly lastModified: Date | undefined }
  /** A CommonPrefix: a sub-folder, with or without a 'key/' object of its own. */
  | { readonly kind: 'folder'; readonly key: string; readonly name: string }
  /**
   * An object with the name of a sub-folder of the same folder ('a' beside 'a/b'): a tree cannot
   * hold both under one name; the folder is kept and this object is given as left out.
   */
  | { readonly kind: 'shadowed'; readonly key: string; readonly name: string };

export interface FolderPages {
  /** True when the listing held nothing at all, not even the folder's own 'prefix' marker. */
  readonly empty: () => boolean;
  readonly items: AsyncIterable<FolderItem>;
}

/**
 * The folder's children, streamed. The next page is asked for as soon as one arrives, so its round
 * trip overlaps the work on the current one. Errors come from the SDK as thrown.
 */
export function listFolder(listing: FolderListing): FolderPages {
  let sawAnything = false;
  async function* items(): AsyncGenerator<FolderItem> {
    const fetch = (token: string | undefined): Promise<ListObjectsV2CommandOutput> => {
      const page = send(
        listing.client,
        new ListObjectsV2Command({ Bucket: listing.bucket, Prefix: listing.prefix, Delimiter: '/', ContinuationToken: token, MaxKeys: listing.pageSize }),
        { signal: listing.signal },
      );
      page.catch(() => undefined); // observed below; a prefetch the consumer never reaches must not be unhandled
      return page;
    };
    const held: FolderItem[] = [];
    let pending: Promise<ListObjectsV2CommandOutput> | undefined = fetch(undefined);
    while (pending !== undefined) {
      const page: ListObjectsV2CommandOutput = await pending;
      const token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      pending = token === undefined ? undefined : fetch(token);
      const folders = new Set<string>();
      for (const common of page.CommonPrefixes ?? []) {
        const key = common.Prefix;
        if (key === undefined) continue;
        sawAnything = true;
        const name = key.slice(listing.prefix.length, -1);
        folders.add(name);
        yield { kind: 'folder', key, name };
      }
      let last: string | undefined = page.CommonPrefixes?.at(-1)?.Prefix;
      for (const object of page.Contents ?? []) {
        const key = object.Key;
        if (key === undefined) continue;
        sawAnything = true;
        if (utf8After(key, last)) last = key;
        if (key === listing.prefix) continue;
        held.push({ kind: 'object', key, name: key.slice(listing.prefix.length), size: object.Size ?? 0, etag: object.ETag, lastModified: object.LastModified });
      }
      // An object 'X' and the folder 'X/' may come in different pages (keys such as 'X-1' sort
      // between them): an object is held until the listing is past 'X/', so the folder wins.
      while (held.length > 0) {
        const item = held[0]!;
        if (folders.has(item.name)) {
          held.shift();
          yield { kind: 'shadowed', key: item.key, name: item.name };
          continue;
        }
        if (token !== undefined && (last === undefined || utf8After(`${item.key}/`, last))) break;
        held.shift();
        yield item;
      }
    }
  }
  return { empty: () => !sawAnything, items: items() };
}

/** Whether `a` sorts after `b` in S3's listing order (UTF-8 bytes); anything sorts after undefined. */
function utf8After(a: string, b: string | undefined): boolean {
  return b === undefined || Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) > 0;
}

/**
 * `lookup` applied to each input with up to `depth` calls in flight, results yielded in input
 * order; `undefined` results are dropped. A failed lookup fails the stream when its turn comes,
 * after the results before it, as a one-at-a-time listing would.
 */
export async function* lookAhead<I, O>(input: AsyncIterable<I>, depth: number, lookup: (item: I) => Promise<O | undefined>): AsyncGenerator<O> {
  const iterator = input[Symbol.asyncIterator]();
  const window: Promise<O | undefined>[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && window.length < depth) {
        const next = await iterator.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        const result = lookup(next.value);
        result.catch(() => undefined); // observed in turn
        window.push(result);
      }
      const head = window.shift();
      if (head === undefined) return;
      const value = await head;
      if (value !== undefined) yield value;
    }
  } finally {
    await iterator.return?.();
  }
}
