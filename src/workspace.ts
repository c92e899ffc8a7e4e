/**
 * Persistent workspaces: sandboxes that outlive their session and the server, attached again by
 * name. What every provider shares about them: which names are valid, and where the local
 * provider keeps their files by default (the user's data directory, after the XDG base
 * directory specification).
 *
 * @module
 */

/**
 * What a workspace name may be: a lower-case letter or digit, then up to 62 more of them or
 * `-`, `_` and `.`. Names become directory names and labels, so nothing else is allowed.
 *
 * @example Tell good names from bad ones
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { WORKSPACE_NAME } from "./workspace.ts";
 * equal(WORKSPACE_NAME.test("thesis-2026"), true);
 * equal(WORKSPACE_NAME.test("../etc"), false);
 * equal(WORKSPACE_NAME.test("Project"), false);
 * ```
 */
export const WORKSPACE_NAME: RegExp = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * Returns `name` if it is a valid workspace name (see {@linkcode WORKSPACE_NAME}); throws a
 * TypeError saying what a name may be otherwise.
 *
 * @example Check a name from a user
 * ```ts
 * import { equal, throws } from "node:assert/strict";
 * import { checkWorkspaceName } from "./workspace.ts";
 * equal(checkWorkspaceName("data.v2"), "data.v2");
 * throws(() => checkWorkspaceName("my project"), /Cannot use workspace name 'my project'/);
 * ```
 */
export function checkWorkspaceName(name: string): string {
  if (typeof name === "string" && WORKSPACE_NAME.test(name)) return name;
  throw new TypeError(
    `Cannot use workspace name '${name}': a name is 1 to 63 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit`,
  );
}

/** The directory under the user's data directory that holds this software's data. */
export const DATA_DIR_NAME = "daytona-mcp-interpreter";

/**
 * Where the local provider keeps persistent workspaces by default:
 * `$XDG_DATA_HOME/daytona-mcp-interpreter/workspaces`, or with `XDG_DATA_HOME` unset (or not
 * absolute, which the specification says to ignore) `$HOME/.local/share/…`. Undefined when
 * neither variable can be read.
 *
 * @example The default for a user without XDG_DATA_HOME
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { defaultWorkspacesDir } from "./workspace.ts";
 * const env = (name: string) => name === "HOME" ? "/home/you" : undefined;
 * equal(defaultWorkspacesDir(env), "/home/you/.local/share/daytona-mcp-interpreter/workspaces");
 * ```
 */
export function defaultWorkspacesDir(
  env: (name: string) => string | undefined,
): string | undefined {
  const xdg = env("XDG_DATA_HOME");
  const home = env("HOME");
  const data = xdg?.startsWith("/") ? xdg : home?.startsWith("/") ? `${home}/.local/share` : "";
  return data ? `${data.replace(/\/+$/, "")}/${DATA_DIR_NAME}/workspaces` : undefined;
}
