// Which git token goes to which URL: GITHUB_TOKEN to github.com, GIT_TOKEN to the hosts the user
// listed, and only over https to a URL without credentials of its own. Kept free of imports:
// the configuration parser uses it before anything else loads.

/** The tokens and where GIT_TOKEN may go, as the server's configuration holds them. */
export interface GitTokens {
  /** GIT_TOKEN. */
  gitToken?: string;
  /** GITHUB_TOKEN. */
  githubToken?: string;
  /** Hosts (`host` or `host:port`) GIT_TOKEN is sent to; none means nowhere. */
  gitTokenHosts?: readonly string[];
}

/** Credentials for one clone. */
export interface GitCredentials {
  /** The URL's host as git and the WHATWG URL parser write it: lowercase, `:port` if not 443. */
  host: string;
  username: string;
  password: string;
}

/**
 * `entry` (`host` or `host:port`, any case) in the form {@linkcode credentialsFor} compares:
 * lowercase, punycode, without the default port 443. Throws a TypeError for anything else
 * (a scheme, a path, user info, a bad port).
 */
export function normalizeGitHost(entry: string): string {
  const trimmed = entry.trim();
  let parsed: URL | undefined;
  try {
    parsed = /^[^/?#@\\\s]+$/.test(trimmed) ? new URL(`https://${trimmed}`) : undefined;
  } catch { /* reported below */ }
  if (!parsed || parsed.pathname !== "/" || !parsed.hostname) {
    throw new TypeError(
      `Cannot use '${entry}' as a git token host: give a host name or host:port, e.g. gitlab.example.com or git.example.com:8443`,
    );
  }
  return parsed.host;
}

/**
 * The credentials for `url`, or undefined: GITHUB_TOKEN for https://github.com, GIT_TOKEN for
 * https URLs whose host (with its port) is one of `gitTokenHosts` (where GITHUB_TOKEN, if set,
 * wins on github.com). Never for plain http, ssh, file or scp-like URLs, nor for a URL that
 * carries its own user info.
 */
export function credentialsFor(url: string, tokens: GitTokens): GitCredentials | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined; // scp-like (user@host:path) or a path: no token
  }
  if (parsed.protocol !== "https:" || parsed.username || parsed.password) return undefined;
  const host = parsed.host;
  const listed = (tokens.gitTokenHosts ?? []).some((entry) => {
    try {
      return normalizeGitHost(entry) === host;
    } catch {
      return false;
    }
  });
  const token = (host === "github.com" ? tokens.githubToken : undefined) ??
    (listed ? tokens.gitToken : undefined);
  return token ? { host, username: "x-access-token", password: token } : undefined;
}

/** What to warn about at start-up: a GIT_TOKEN that no listed host will ever receive. */
export function gitTokenWarning(tokens: GitTokens): string | undefined {
  if (!tokens.gitToken || (tokens.gitTokenHosts ?? []).length > 0) return undefined;
  return "GIT_TOKEN is set but no host is listed for it, so git_clone sends it nowhere; list the hosts it belongs to with --git-token-hosts or MCP_GIT_TOKEN_HOSTS (e.g. gitlab.example.com)";
}
