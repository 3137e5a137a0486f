/**
 * Bit reader for JPEG entropy-coded segments (ITU T.81 F.2.2.4–F.2.2.5): byte stuffing, Huffman decoding
 * with the F.2.2.3 tables, EXTEND, and restart-marker resynchronisation. Reads past a marker as zeros.
 */
import { imageError } from '../../image-errors.ts';
import type { HuffmanTable } from './jpeg-tables.ts';

/** Entropy-coded segment reader with byte-stuffing and marker detection (T.81 F.1.2.3, F.2.2.5). */
export class BitReader {
  private bits = 0;
  private count = 0;
  marker = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}
  bit(): number {
    if (this.count === 0) {
      if (this.marker !== 0 || this.pos >= this.data.length) {
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
  /** Skip to and past an RSTn marker; reset the bit buffer. */
  restart(): void {
    this.count = 0;
    this.marker = 0;
    while (this.pos + 1 < this.data.length) {
      if (
        this.data[this.pos] === 0xff &&
        (this.data[this.pos + 1] ?? 0) >= 0xd0 &&
        (this.data[this.pos + 1] ?? 0) <= 0xd7
      ) {
        this.pos += 2;
        return;
      }
      this.pos++;
    }
  }
}
