// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_output.ts
var decoder = new TextDecoder();
function formatBytes(bytes) {
  if (bytes < 1e3) return `${bytes} B`;
  const units = [
    "KB",
    "MB",
    "GB",
    "TB"
  ];
  let value = bytes;
  let unit = -1;
  while (value >= 1e3 && unit < units.length - 1) {
    value /= 1e3;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
__name(formatBytes, "formatBytes");
function decodeCaptured(head, tail, total) {
  const dropped = total - head.length - tail.length;
  if (dropped <= 0) {
    const whole = new Uint8Array(head.length + tail.length);
    whole.set(head);
    whole.set(tail, head.length);
    return {
      text: decoder.decode(whole),
      truncated: false
    };
  }
  const headEnd = completeUtf8End(head);
  const tailStart = utf8Start(tail);
  const omitted = dropped + (head.length - headEnd) + tailStart;
  const marker = `
[... ${formatBytes(omitted)} (${omitted} bytes) of output omitted ...]
`;
  return {
    text: decoder.decode(head.subarray(0, headEnd)) + marker + decoder.decode(tail.subarray(tailStart)),
    truncated: true
  };
}
__name(decodeCaptured, "decodeCaptured");
function completeUtf8End(bytes) {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 192) === 128) continue;
    const need = byte >= 240 ? 4 : byte >= 224 ? 3 : byte >= 192 ? 2 : 1;
    return need > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}
__name(completeUtf8End, "completeUtf8End");
function utf8Start(bytes) {
  let start = 0;
  while (start < Math.min(3, bytes.length) && (bytes[start] & 192) === 128) start++;
  return start;
}
__name(utf8Start, "utf8Start");
function concatBytes(parts, length) {
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
__name(concatBytes, "concatBytes");
async function readAll(stream, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new RangeError(`Cannot read more than ${limit} bytes`);
    chunks.push(chunk);
  }
  return concatBytes(chunks, size);
}
__name(readAll, "readAll");

export {
  formatBytes,
  decodeCaptured,
  completeUtf8End,
  utf8Start,
  concatBytes,
  readAll
};
