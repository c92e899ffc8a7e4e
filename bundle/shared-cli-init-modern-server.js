// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_git_credentials.ts
function normalizeGitHost(entry) {
  const trimmed = entry.trim();
  let parsed;
  try {
    parsed = /^[^/?#@\\\s]+$/.test(trimmed) ? new URL(`https://${trimmed}`) : void 0;
  } catch {
  }
  if (!parsed || parsed.pathname !== "/" || !parsed.hostname) {
    throw new TypeError(`Cannot use '${entry}' as a git token host: give a host name or host:port, e.g. gitlab.example.com or git.example.com:8443`);
  }
  return parsed.host;
}
__name(normalizeGitHost, "normalizeGitHost");
function credentialsFor(url, tokens) {
  let parsed;
  try {
    parsed = new URL(url.trim());
  } catch {
    return void 0;
  }
  if (parsed.protocol !== "https:" || parsed.username || parsed.password) return void 0;
  const host = parsed.host;
  const listed = (tokens.gitTokenHosts ?? []).some((entry) => {
    try {
      return normalizeGitHost(entry) === host;
    } catch {
      return false;
    }
  });
  const token = (host === "github.com" ? tokens.githubToken : void 0) ?? (listed ? tokens.gitToken : void 0);
  return token ? {
    host,
    username: "x-access-token",
    password: token
  } : void 0;
}
__name(credentialsFor, "credentialsFor");
function gitTokenWarning(tokens) {
  if (!tokens.gitToken || (tokens.gitTokenHosts ?? []).length > 0) return void 0;
  return "GIT_TOKEN is set but no host is listed for it, so git_clone sends it nowhere; list the hosts it belongs to with --git-token-hosts or MCP_GIT_TOKEN_HOSTS (e.g. gitlab.example.com)";
}
__name(gitTokenWarning, "gitTokenWarning");

export {
  normalizeGitHost,
  credentialsFor,
  gitTokenWarning
};
