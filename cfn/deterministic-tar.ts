import { gzipSync } from 'node:zlib';

/** A file to put into an archive. */
export interface ArchiveEntry {
  /** Path inside the archive (at most 100 bytes). */
  readonly name: string;
  readonly content: Buffer;
}

/**
 * A `.tar.gz` of `entries` that depends only on their names and contents (no times, owners or
 * modes from the disk), so that an asset built from it keeps its hash until the code changes.
 */
export function deterministicTarGz(entries: readonly ArchiveEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    blocks.push(header(entry.name, entry.content.length), entry.content);
    const padding = (512 - (entry.content.length % 512)) % 512;
    if (padding) blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(1024)); // end of archive: two empty blocks
  return gzipSync(Buffer.concat(blocks), { level: 9 }); // Node writes gzip mtime 0
}

function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`Archive entry name too long: ${name}`);
  const h = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => h.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
  h.write(name, 0, 100, 'utf8');
  octal(100, 8, 0o644); // mode
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, size);
  octal(136, 12, 0); // mtime
  field(148, 8, '        '); // checksum counts as spaces while it is computed
  field(156, 1, '0'); // regular file
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  const checksum = h.reduce((sum, byte) => sum + byte, 0);
  field(148, 8, checksum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}
