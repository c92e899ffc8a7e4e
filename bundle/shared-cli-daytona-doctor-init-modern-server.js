// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/workspace.ts
var WORKSPACE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
function checkWorkspaceName(name) {
  if (typeof name === "string" && WORKSPACE_NAME.test(name)) return name;
  throw new TypeError(`Cannot use workspace name '${name}': a name is 1 to 63 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit`);
}
__name(checkWorkspaceName, "checkWorkspaceName");
var DATA_DIR_NAME = "daytona-mcp-interpreter";
function defaultWorkspacesDir(env) {
  const xdg = env("XDG_DATA_HOME");
  const home = env("HOME");
  const data = xdg?.startsWith("/") ? xdg : home?.startsWith("/") ? `${home}/.local/share` : "";
  return data ? `${data.replace(/\/+$/, "")}/${DATA_DIR_NAME}/workspaces` : void 0;
}
__name(defaultWorkspacesDir, "defaultWorkspacesDir");

export {
  WORKSPACE_NAME,
  checkWorkspaceName,
  defaultWorkspacesDir
};
