/**
 * The version of this module, as published.
 *
 * @example Read the version
 * ```ts
 * import { match } from "node:assert/strict";
 * import { VERSION } from "./version.ts";
 * match(VERSION, /^\d+\.\d+\.\d+/); // as in deno.json
 * ```
 */
export const VERSION = "0.1.0";
