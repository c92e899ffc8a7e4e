// Byte ranges of a stream: what a read at an offset, or of a length, takes from a whole file.

/** Drops the first `offset` bytes of a stream. */
export function skipStream(
  source: ReadableStream<Uint8Array<ArrayBuffer>>,
  offset: number,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  if (offset <= 0) return source;
  let left = offset;
  return source.pipeThrough(
    new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
      transform(chunk, controller) {
        if (left >= chunk.length) {
          left -= chunk.length;
          return;
        }
        controller.enqueue(chunk.slice(left));
        left = 0;
      },
    }),
  );
}

/** Passes on at most `length` bytes, then cancels the source so the transfer stops. */
export function limitStream(
  source: ReadableStream<Uint8Array<ArrayBuffer>>,
  length: number | undefined,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  if (length === undefined) return source;
  let left = length;
  const reader = source.getReader();
  return new ReadableStream({
    async pull(controller) {
      if (left <= 0) {
        controller.close();
        await reader.cancel();
        return;
      }
      const { value, done } = await reader.read();
      if (done) return controller.close();
      const piece = value.length > left ? value.subarray(0, left) : value;
      left -= piece.length;
      controller.enqueue(piece);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
