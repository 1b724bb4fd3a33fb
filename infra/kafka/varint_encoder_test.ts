import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import KafkaDecoder from "kafkajs/src/protocol/decoder.js";
import { Encoder, kafkajsWriters } from "./varint_encoder.ts";

type DecoderLike = {
  readVarInt(): number;
  readUVarInt(): number;
  readVarLong(): { toString(): string };
};
const Decoder = KafkaDecoder as unknown as new (buffer: Buffer) => DecoderLike;

/** The bytes kafkajs' own writer gives for `value` (the reference). */
function kafkajsBytes(write: (this: unknown, value: number) => unknown, value: number): number[] {
  const encoder = new Encoder();
  write.call(encoder, value);
  return [...encoder.buffer];
}

const SAMPLES = [
  0,
  1,
  63,
  64,
  127,
  128,
  300,
  16_383,
  16_384,
  2 ** 21 - 1,
  2 ** 21,
  2 ** 28,
  2 ** 30 - 1,
  2 ** 31 - 1,
];
const SIGNED = SAMPLES.flatMap((n) => n === 0 ? [0, -1] : [n, -n, -n - 1]).filter((n) =>
  n >= -(2 ** 31)
);

Deno.test("varint writers: the bytes of kafkajs' own writers, read back by kafkajs' decoder", () => {
  for (const value of SAMPLES) {
    const encoder = new Encoder();
    encoder.writeUVarInt(value);
    assert.deepEqual(
      [...encoder.buffer],
      kafkajsBytes(kafkajsWriters.writeUVarInt, value),
      `uvarint ${value}`,
    );
    assert.equal(new Decoder(Buffer.from(encoder.buffer)).readUVarInt(), value);
  }
  for (const value of SIGNED) {
    const encoder = new Encoder();
    encoder.writeVarInt(value).writeVarLong(value);
    const zigzag = (value << 1) ^ (value >> 31); // the record format's signed mapping
    assert.deepEqual(
      [...encoder.buffer],
      [
        ...kafkajsBytes(kafkajsWriters.writeUVarInt, zigzag),
        ...kafkajsBytes(kafkajsWriters.writeVarLong, value),
      ],
      `varint ${value}`,
    );
    const decoder = new Decoder(Buffer.from(encoder.buffer));
    assert.equal(decoder.readVarInt(), value);
    assert.equal(decoder.readVarLong().toString(), String(value));
  }
});

Deno.test("varint writers: a long beyond 32 bits keeps kafkajs' own path", () => {
  for (const value of [2 ** 40, -(2 ** 40), Date.now()]) {
    const encoder = new Encoder();
    encoder.writeVarLong(value);
    assert.equal(new Decoder(Buffer.from(encoder.buffer)).readVarLong().toString(), String(value));
  }
});

Deno.test("varint writers: many values in a row grow the buffer without losing bytes", () => {
  const encoder = new Encoder();
  const values = Array.from({ length: 2000 }, (_, i) => i * 7919);
  for (const value of values) encoder.writeVarInt(value);
  const decoder = new Decoder(Buffer.from(encoder.buffer));
  for (const value of values) assert.equal(decoder.readVarInt(), value);
});
