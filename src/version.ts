/**
 * The version of this module, as published.
 *
 * @example Report the version
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(`daytona-mcp-interpreter ${VERSION}`);
 * ```
 */
export const VERSION = "0.1.0";
