/**
 * `sandbox://` resources: files that a tool result links to instead of inlining, served to
 * clients through `resources/read`.
 *
 * @module
 */

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { ReadResourceResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { oversized } from "./_call.ts";
import { FILE_DATA } from "./_gate.ts";
import { formatBytes } from "./_output.ts";
import type { SandboxSession } from "./session.ts";
import { decodeText, HARD_CEILING, readAll, sandboxPath, sniffMimeType } from "./tools/_files.ts";

/** The URI template of sandbox files: `sandbox://<sandbox id>/<absolute path>`. */
export const SANDBOX_URI_TEMPLATE = "sandbox://{sandbox}{+path}";

/**
 * Reads the file a `sandbox://` URI names, in one of `session`'s sandboxes, as text when it is
 * UTF-8 and as a base64 blob otherwise. `variables` are the URI's, matched against
 * {@linkcode SANDBOX_URI_TEMPLATE} (the path percent-encoded).
 */
export async function readSandboxResource(
  session: SandboxSession,
  uri: string,
  variables: Record<string, string | string[]>,
  signal?: AbortSignal,
): Promise<ReadResourceResult> {
  const sandbox = await session.sandbox({ id: String(variables.sandbox), signal });
  const path = sandboxPath(String(variables.path));
  const info = await sandbox.stat(path, { signal });
  if (info.type !== "file") throw new TypeError(`Cannot read ${uri}: it is not a regular file`);
  if (info.size > HARD_CEILING) {
    throw new RangeError(
      `Cannot read ${uri}: it is ${formatBytes(info.size)}, over the ${
        formatBytes(HARD_CEILING)
      } one message carries; use file_download with download_partial`,
    );
  }
  // Its bytes, their base64 and the answer's JSON are held until the client's connection takes
  // it: with many reads of the sandbox at once, each waits its turn at its gate.
  using _admitted = await FILE_DATA.enter(`sandbox ${sandbox.id}`, info.size, signal);
  const bytes = await readAll(sandbox.readFile(path, { signal }), HARD_CEILING);
  const mimeType = sniffMimeType(bytes.subarray(0, 4096), path);
  const text = mimeType.startsWith("image/") ? null : decodeText(bytes);
  // Text that escaping would grow past what a client reads in one message (control characters
  // take six bytes each in JSON) goes as base64, a third larger at most.
  const asText = text !== null && oversized({ contents: [{ uri, mimeType, text }] }) === undefined;
  return {
    contents: [
      asText ? { uri, mimeType, text: text! } : { uri, mimeType, blob: bytes.toBase64() },
    ],
  };
}
