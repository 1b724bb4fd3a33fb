import KafkaEncoder from "kafkajs/src/protocol/encoder.js";

/** The part of kafkajs' protocol encoder that the faster varint writers touch. */
type EncoderLike = {
  buf: Uint8Array;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): EncoderLike;
  writeVarInt(value: number): EncoderLike;
  writeVarLong(value: unknown): EncoderLike;
};

const Kafka = KafkaEncoder as unknown as {
  prototype: EncoderLike;
  encodeZigZag(value: number): number;
};
const prototype = Kafka.prototype;
/** kafkajs' own writers, kept: the long path, and the reference the tests compare with. */
export const kafkajsWriters = {
  writeUVarInt: prototype.writeUVarInt,
  writeVarLong: prototype.writeVarLong,
};

/** A zigzag varint of this magnitude fits the 32-bit arithmetic below. */
const SMALL = 2 ** 30;

/**
 * Makes kafkajs write varints straight into its buffer. Its own writers
 * build an array and copy it through `Buffer.from` for each of the dozen
 * varints of every record (lengths, offsets, each header's key and value),
 * which in Deno's Buffer layer cost more than the rest of the produce
 * request. The bytes written are the same (LEB128 of the zigzag value, as
 * the Kafka record format says); values a 32-bit zigzag cannot hold keep the
 * original path. Applied once, when the module loads.
 */
function install(): void {
  prototype.writeUVarInt = function (this: EncoderLike, value: number) {
    this.ensureAvailable(5);
    const buf = this.buf;
    let offset = this.offset;
    let rest = value >>> 0;
    while (rest >= 0x80) {
      buf[offset++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buf[offset++] = rest;
    this.offset = offset;
    return this;
  };
  prototype.writeVarLong = function (this: EncoderLike, value: unknown) {
    if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) < SMALL) {
      return this.writeUVarInt(Kafka.encodeZigZag(value) >>> 0);
    }
    return kafkajsWriters.writeVarLong.call(this, value);
  };
}

install();

/** kafkajs' encoder class, with the varint writers above (for tests). */
export const Encoder = KafkaEncoder as unknown as new () => EncoderLike & { buffer: Uint8Array };
