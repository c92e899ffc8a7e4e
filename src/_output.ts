// Turns captured output (the first and last bytes of a stream, and its total size) into text.

const decoder = new TextDecoder();

/** Formats a byte count for people: `"1.5 MB"`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Decoded output and whether part of it was dropped. */
export interface DecodedOutput {
  text: string;
  truncated: boolean;
}

/**
 * Joins the kept head and tail of a stream. When bytes were dropped between them, a marker says
 * how many, and both sides are cut at UTF-8 character boundaries so no character is split.
 */
export function decodeCaptured(
  head: Uint8Array,
  tail: Uint8Array,
  total: number,
): DecodedOutput {
  const dropped = total - head.length - tail.length;
  if (dropped <= 0) {
    const whole = new Uint8Array(head.length + tail.length);
    whole.set(head);
    whole.set(tail, head.length);
    return { text: decoder.decode(whole), truncated: false };
  }
  const headEnd = completeUtf8End(head);
  const tailStart = utf8Start(tail);
  const omitted = dropped + (head.length - headEnd) + tailStart;
  const marker = `\n[... ${formatBytes(omitted)} (${omitted} bytes) of output omitted ...]\n`;
  return {
    text: decoder.decode(head.subarray(0, headEnd)) + marker +
      decoder.decode(tail.subarray(tailStart)),
    truncated: true,
  };
}

/** The length of `bytes` without a trailing, incomplete UTF-8 sequence. */
export function completeUtf8End(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** The offset of the first byte in `bytes` that is not a UTF-8 continuation byte. */
export function utf8Start(bytes: Uint8Array): number {
  let start = 0;
  while (start < Math.min(3, bytes.length) && (bytes[start] & 0xc0) === 0x80) start++;
  return start;
}

/** Joins byte chunks whose lengths add up to `length` into one array. */
export function concatBytes(parts: Uint8Array[], length: number): Uint8Array {
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/**
 * Reads a stream into one array; throws a RangeError past `limit` bytes (and reads no further:
 * the stream is cancelled).
 */
export async function readAll(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new RangeError(`Cannot read more than ${limit} bytes`);
    chunks.push(chunk);
  }
  return concatBytes(chunks, size);
}
