/**
 * Bit reader for JPEG entropy-coded segments (ITU T.81 F.2.2.4–F.2.2.5): byte stuffing, Huffman decoding
 * with the F.2.2.3 tables, EXTEND, and restart markers. Reads past a marker, or past the end of the data, as
 * zeros and remembers it (`marker`), so that a caller can tell a segment that ended too early.
 */
import { imageError } from '../../image-errors.ts';
import type { HuffmanTable } from './jpeg-tables.ts';

/** Stands for the end of the data in `marker` (no real marker is above 0xFF). */
const END_OF_DATA = 0x100;

/** Entropy-coded segment reader with byte-stuffing and marker detection (T.81 F.1.2.3, F.2.2.5). */
export class BitReader {
  private bits = 0;
  private count = 0;
  /** The marker the reader ran into (END_OF_DATA past the end), 0 while inside the segment. */
  marker = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}
  bit(): number {
    if (this.count === 0) {
      if (this.marker !== 0 || this.pos >= this.data.length) {
        if (this.marker === 0) this.marker = END_OF_DATA;
        this.bits = 0; // past a marker: feed zeros (T.81 F.2.2.5 leaves this to the decoder)
      } else {
        const byte = this.data[this.pos++] ?? 0;
        if (byte === 0xff) {
          const next = this.data[this.pos] ?? 0;
          if (next === 0) this.pos++;
          else {
            this.marker = next;
            this.pos--; // leave the marker for the parser
            this.bits = 0;
            this.count = 8;
            return this.bit();
          }
        }
        this.bits = byte;
      }
      this.count = 8;
    }
    this.count--;
    return (this.bits >> this.count) & 1;
  }
  receive(length: number): number {
    let value = 0;
    for (let i = 0; i < length; i++) value = (value << 1) | this.bit();
    return value;
  }
  /** T.81 F.2.2.1 EXTEND. */
  receiveExtend(length: number): number {
    if (length === 0) return 0;
    const value = this.receive(length);
    return value < 1 << (length - 1) ? value - (1 << length) + 1 : value;
  }
  decode(table: HuffmanTable): number {
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bit();
      const max = table.maxCode[length] ?? -1;
      if (code <= max) return table.values[(table.valPtr[length] ?? 0) + code - (table.minCode[length] ?? 0)] ?? 0;
    }
    throw imageError('CXR_ERR_DECODE_FAILED', 'JPEG: bad Huffman code');
  }
  /** Moves to the next marker; returns how many data bytes it passed (0xFF fill bytes, T.81 B.1.1.2, not counted). */
  skipToMarker(): number {
    let skipped = 0;
    while (this.pos + 1 < this.data.length) {
      const next = this.data[this.pos + 1] ?? 0;
      if (this.data[this.pos] === 0xff && next !== 0) {
        if (next !== 0xff) return skipped;
      } else skipped++;
      this.pos++;
    }
    return skipped + Math.max(0, this.data.length - this.pos);
  }
  /** Past the RSTn marker at the current position (after fill bytes), with a fresh bit buffer; false if none. */
  restart(): boolean {
    this.count = 0;
    this.marker = 0;
    while (this.data[this.pos] === 0xff && this.data[this.pos + 1] === 0xff) this.pos++;
    const next = this.data[this.pos + 1] ?? 0;
    if (this.data[this.pos] !== 0xff || next < 0xd0 || next > 0xd7) return false;
    this.pos += 2;
    return true;
  }
}
