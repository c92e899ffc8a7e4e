// Git tokens never enter a sandbox and go only to the hosts they belong to: attacks from sandbox
// code (reading /proc during a clone, a ~/.gitconfig that turns TLS verification off or rewrites
// URLs), and clones of hosts a token is not for, against git servers on 127.0.0.1.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { credentialsFor, gitTokenWarning, normalizeGitHost } from "../src/_git_credentials.ts";
import { DaytonaProvider } from "../src/providers/daytona/mod.ts";
import { silentLogger } from "../src/log.ts";
import type { GitCloneOutput } from "../src/tools/git_clone.ts";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import type { SandboxListOutput } from "../src/tools/sandbox_list.ts";
import {
  connect,
  type Connected,
  hasBwrap,
  hostProcesses,
  sh,
  structured,
  TEST_EGRESS,
  text,
} from "./_helpers.ts";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import { canGuard, underGuard } from "./_guard.ts";
import {
  type GitServer,
  makeRepo,
  selfSignedCertificate,
  startGitServer,
  type TestRepo,
} from "./_git_server.ts";
import type { EgressOptions } from "../src/providers/local/mod.ts";

const TOKEN = "glpat_SecretGitToken0123456789";
const GITHUB = "ghp_SecretGithubToken0123456789";
const basic = (token: string) => new TextEncoder().encode(`x-access-token:${token}`).toBase64();

const hasGitLfs = await new Deno.Command("git", {
  args: ["lfs", "version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((out) => out.success, () => false);
const tls = hasBwrap ? await selfSignedCertificate() : undefined;
if (tls) globalThis.addEventListener("unload", () => Deno.removeSync(tls.dir, { recursive: true }));
const opts = { ignore: !hasBwrap || !tls };

/** A private sandbox directory, traversable by `nobody` (bwrap's user when tests run as root). */
async function sandboxDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "git-credentials-" });
  await Deno.chmod(dir, 0o755);
  return dir;
}

/**
 * The sandbox's egress with the git servers' ports of the host's 127.0.0.1 opened, as a user opens
 * a local server's: clones, with a token or not, go through the sandbox's egress proxy.
 */
function opened(...servers: GitServer[]): EgressOptions {
  return { ...TEST_EGRESS, allowHostPorts: servers.map((s) => Number(s.host.split(":")[1])) };
}

/** What the isolations left in the sandbox directories: staging directories, if any. */
async function leftovers(base: string): Promise<string[]> {
  const found: string[] = [];
  for await (const sandbox of Deno.readDir(base)) {
    try {
      for await (const entry of Deno.readDir(`${base}/${sandbox.name}/git`)) found.push(entry.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found;
}

async function removeAll(...paths: (string | TestRepo)[]): Promise<void> {
  for (const path of paths) {
    await Deno.remove(typeof path === "string" ? path : path.root, { recursive: true });
  }
}

/** Lets the sandbox's git trust the test certificate, as a user may configure it. */
async function trustInSandbox(mcp: Connected): Promise<void> {
  await mcp.call("file_upload", { file_path: "ca.pem", content: tls!.cert });
  await mcp.call("file_upload", {
    file_path: ".gitconfig",
    // An absolute path: git-lfs does not expand ~.
    content: `[http]\n\tsslCAInfo = ${(await sh(mcp, "echo $HOME")).trim()}/ca.pem\n`,
  });
}

Deno.test("credentialsFor() gives GITHUB_TOKEN to github.com and GIT_TOKEN to listed hosts only", () => {
  const tokens = {
    gitToken: TOKEN,
    githubToken: GITHUB,
    gitTokenHosts: ["GitLab.Example.com", "git.example.com:8443", "github.com"],
  };
  const cases: [string, string | undefined][] = [
    ["https://github.com/o/r.git", GITHUB],
    ["https://GitHub.COM/o/r.git", GITHUB],
    ["https://github.com:443/o/r.git", GITHUB],
    ["  https://github.com/o/r.git  ", GITHUB],
    ["https://gitlab.example.com/o/r.git", TOKEN],
    ["https://GITLAB.example.com:443/o/r.git", TOKEN],
    ["https://git.example.com:8443/o/r.git", TOKEN],
    // Ports are part of the host.
    ["https://git.example.com/o/r.git", undefined],
    ["https://git.example.com:8444/o/r.git", undefined],
    ["https://github.com:8443/o/r.git", undefined],
    ["https://gitlab.example.com:444/o/r.git", undefined],
    // Never over plain http, ssh, git, file or scp-like URLs.
    ["http://github.com/o/r.git", undefined],
    ["http://gitlab.example.com/o/r.git", undefined],
    ["ssh://git@github.com/o/r.git", undefined],
    ["git://github.com/o/r.git", undefined],
    ["git@github.com:o/r.git", undefined],
    ["file:///tmp/r.git", undefined],
    // A URL with its own user info keeps it, and gets no token.
    ["https://me:pw@github.com/o/r.git", undefined],
    ["https://me@gitlab.example.com/o/r.git", undefined],
    ["https://github.com@evil.example/o/r.git", undefined],
    ["https://github.com:443@evil.example/o/r.git", undefined],
    // Lookalikes.
    ["https://github.com.evil.example/o/r.git", undefined],
    ["https://evilgithub.com/o/r.git", undefined],
    ["https://github.co/o/r.git", undefined],
    ["https://github.com./o/r.git", undefined],
    ["https://api.github.com/o/r.git", undefined],
    ["https://evil.example/github.com/o/r.git", undefined],
    ["https://evil.example\\@github.com/o/r.git", undefined],
    ["https://gitlab.example.com.evil.example/o/r.git", undefined],
    ["https://xgitlab.example.com/o/r.git", undefined],
    ["https://evil.example?https://github.com/", undefined],
    ["https://evil.example#@github.com/", undefined],
    ["not a url", undefined],
  ];
  for (const [url, expected] of cases) {
    assertEquals(credentialsFor(url, tokens)?.password, expected, url);
  }
  assertEquals(credentialsFor("https://GitHub.com/o/r", tokens), {
    host: "github.com",
    username: "x-access-token",
    password: GITHUB,
  });
  assertEquals(
    credentialsFor("https://git.example.com:8443/r", tokens)?.host,
    "git.example.com:8443",
  );
  // GIT_TOKEN without listed hosts goes nowhere, github.com included.
  for (const hosts of [undefined, []]) {
    const unlisted = { gitToken: TOKEN, gitTokenHosts: hosts };
    assertEquals(credentialsFor("https://github.com/o/r.git", unlisted), undefined);
    assertEquals(credentialsFor("https://gitlab.example.com/o/r.git", unlisted), undefined);
  }
  // On github.com GIT_TOKEN applies only when github.com is listed, and GITHUB_TOKEN wins there.
  assertEquals(
    credentialsFor("https://github.com/o/r", { gitToken: TOKEN, gitTokenHosts: ["github.com"] })
      ?.password,
    TOKEN,
  );
  assertEquals(
    credentialsFor("https://github.com/o/r", { gitToken: TOKEN, gitTokenHosts: ["gitlab.com"] }),
    undefined,
  );
  // GITHUB_TOKEN never goes elsewhere.
  assertEquals(credentialsFor("https://gitlab.example.com/r", { githubToken: GITHUB }), undefined);
  assertEquals(
    credentialsFor("https://[::1]:8443/r", { gitToken: TOKEN, gitTokenHosts: ["[::1]:8443"] })
      ?.host,
    "[::1]:8443",
  );
});

Deno.test("normalizeGitHost() takes host[:port] only, and gitTokenWarning() flags an unlisted GIT_TOKEN", () => {
  assertEquals(normalizeGitHost(" GitLab.Example.COM "), "gitlab.example.com");
  assertEquals(normalizeGitHost("github.com:443"), "github.com");
  assertEquals(normalizeGitHost("git.example.com:8443"), "git.example.com:8443");
  for (
    const bad of ["https://github.com", "github.com/org", "me@github.com", "x:99999", "", "a b"]
  ) {
    assertThrows(() => normalizeGitHost(bad), /Cannot use .* as a git token host/, bad);
  }
  assertMatch(gitTokenWarning({ gitToken: TOKEN }) ?? "", /GIT_TOKEN is set but no host is listed/);
  assertEquals(gitTokenWarning({ gitToken: TOKEN, gitTokenHosts: ["a.example"] }), undefined);
  assertEquals(gitTokenWarning({ githubToken: GITHUB }), undefined);
});

Deno.test(
  "git_clone with a token: a sandbox process scanning /proc during the clone never sees it",
  opts,
  async () => {
    const repo = await makeRepo();
    const base = await sandboxDir();
    try {
      // Every answer takes a second: the clone is under way for several seconds.
      await using server = startGitServer(repo, { tls, stallMs: 1000, requireAuth: "git" });
      await using mcp = await connect({
        local: { baseDir: base, gitCaFile: tls!.certFile, egress: opened(server) },
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
      });
      // The sandbox trusts the server too: where git ran in the sandbox, it would reach it.
      await trustInSandbox(mcp);
      const patterns = [TOKEN, basic(TOKEN), "decoy-MARKER-4711"];
      await mcp.call("file_upload", { file_path: "patterns", content: patterns.join("\n") });
      // A decoy with a marker in its environment proves that the scanner sees what it can.
      await sh(mcp, "env DECOY=decoy-MARKER-4711 sleep 60 > /dev/null 2>&1 &");
      await sh(
        mcp,
        `sh -c 'while [ ! -e ~/stop ]; do for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr "\\000" "\\n" < "$f" 2>/dev/null | grep -a -F -f ~/patterns >> ~/leak.txt; done; echo >> ~/scans; done; echo done > ~/scanner-done' > /dev/null 2>&1 &`,
      );
      const result = await mcp.call("git_clone", { repo_url: `${server.origin}/repo.git` });
      await sh(mcp, "touch ~/stop; while [ ! -e ~/scanner-done ]; do sleep 0.05; done");
      assertEquals(result.isError, false, text(result));
      assertEquals(structured<GitCloneOutput>(result).commit, repo.commit);
      // The token was in use (the server asked for it and got it) while the scanner ran...
      assert(server.authorizations().includes(`Basic ${basic(TOKEN)}`), "the token was sent");
      const scans = (await sh(mcp, "wc -l < ~/scans")).trim();
      assert(Number(scans) >= 5, `the scanner ran during the clone (${scans} scans)`);
      // ...and the scanner saw the decoy, never the token.
      const leak = await sh(mcp, "cat ~/leak.txt 2>/dev/null; true");
      assert(leak.includes("decoy-MARKER-4711"), "the scanner works");
      assert(!leak.includes(TOKEN) && !leak.includes(basic(TOKEN)), `leaked: ${leak}`);
      assertEquals(await leftovers(base), [], "the staging directory is gone");
    } finally {
      await removeAll(repo, base);
    }
  },
);

Deno.test(
  "git_clone with a token ignores a ~/.gitconfig that turns TLS verification off or rewrites the URL",
  opts,
  async () => {
    const repo = await makeRepo();
    try {
      // The listed host's certificate is not trusted: whoever answers there is an impostor.
      await using listed = startGitServer(repo, { tls });
      await using other = startGitServer(repo, { tls });
      await using mcp = await connect({
        local: { egress: opened(listed, other) },
        credentials: { gitToken: TOKEN, gitTokenHosts: [listed.host] },
      });
      await mcp.call("file_upload", {
        file_path: ".gitconfig",
        content: "[http]\n\tsslVerify = false\n",
      });
      const plain = await mcp.call("git_clone", { repo_url: `${listed.origin}/repo.git` });
      assertEquals(listed.authorizations(), [], "no token to the impostor");
      assertEquals(plain.isError, true, "the clean configuration verifies the certificate");
      assertMatch(text(plain), /certificate/i);
      await mcp.call("file_upload", {
        file_path: ".gitconfig",
        content:
          `[http]\n\tsslVerify = false\n[url "${other.origin}/"]\n\tinsteadOf = ${listed.origin}/\n`,
      });
      const rewritten = await mcp.call("git_clone", {
        repo_url: `${listed.origin}/repo.git`,
        target_path: "rewritten",
      });
      assertEquals(rewritten.isError, true);
      assertEquals(listed.authorizations(), [], "no token to the impostor");
      assertEquals(other.authorizations(), [], "no token to the host of the rewritten URL");
      assertEquals(other.requests.length, 0, "the sandbox's insteadOf did not apply");
      assert(!JSON.stringify([plain, rewritten]).includes(TOKEN));
    } finally {
      await removeAll(repo);
    }
  },
);

Deno.test(
  "git_clone with a token puts the clone where the sandbox's own symlinks lead, never outside its home and /tmp",
  opts,
  async () => {
    // The isolation that clones sees the sandbox's whole directory (at /run/sandbox, so that the
    // finished clone is renamed into place), which the sandbox itself does not: a symlink to it
    // made mkdir and mv write beside home and /tmp, in the sandbox's directory on the host.
    const repo = await makeRepo();
    const base = await sandboxDir();
    try {
      await using server = startGitServer(repo, { tls });
      await using mcp = await connect({
        local: { baseDir: base, gitCaFile: tls!.certFile, egress: opened(server) },
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
      });
      const url = `${server.origin}/repo.git`;
      await sh(
        mcp,
        "ln -s /run/sandbox /tmp/isolation && ln -s ../.. /tmp/up && mkdir -p /tmp/work && " +
          "ln -s /tmp/work ~/work && ln -s ../../tmp/work ~/relative",
      );
      const [dir] = [...Deno.readDirSync(base)].filter((e) => !e.name.includes("cache"));
      const root = `${base}/${dir.name}`;
      // What is there but the staging area (git), which the server makes for the first clone.
      const entries = () =>
        [...Deno.readDirSync(root)].map((e) => e.name).filter((n) => n !== "git").sort();
      const before = entries();
      for (const target of ["/tmp/isolation/escaped", "/tmp/up/escaped", "/tmp/isolation/home/x"]) {
        const refused = await mcp.call("git_clone", { repo_url: url, target_path: target });
        assertEquals(refused.isError, true, `${target}: ${text(refused)}`);
        assertMatch(text(refused), /outside \/home\/sandbox and \/tmp/);
      }
      assertEquals(entries(), before);
      assertEquals(await sh(mcp, "ls -A ~ | grep -c '^x$'; true"), "0\n");
      // Symlinks that stay in the sandbox's home and /tmp lead where they lead in it.
      for (const [target, lands] of [["work/a", "/tmp/work/a"], ["relative/b", "/tmp/work/b"]]) {
        const cloned = await mcp.call("git_clone", { repo_url: url, target_path: target });
        assertEquals(cloned.isError, false, text(cloned));
        assertEquals((await sh(mcp, `cat ${lands}/a.txt`)).length > 0, true);
      }
      assertEquals(await leftovers(base), [], "no staging directory stays");
    } finally {
      await removeAll(repo, base);
    }
  },
);

Deno.test(
  "git_clone sends GIT_TOKEN to no unlisted host, and no token ever over plain http",
  opts,
  async () => {
    const repo = await makeRepo();
    try {
      await using unlisted = startGitServer(repo, { tls });
      await using http = startGitServer(repo);
      await using mcp = await connect({
        credentials: {
          gitToken: TOKEN,
          githubToken: GITHUB,
          gitTokenHosts: ["git.example.com", http.host, "127.0.0.1"],
        },
        local: { egress: opened(unlisted, http) },
      });
      // The sandbox trusts the server, so the clone succeeds there, without the token.
      await trustInSandbox(mcp);
      const https = await mcp.call("git_clone", { repo_url: `${unlisted.origin}/repo.git` });
      assertEquals(https.isError, false, text(https));
      assertEquals(structured<GitCloneOutput>(https).commit, repo.commit);
      assert(unlisted.requests.length > 0);
      assertEquals(unlisted.authorizations(), []);
      // A listed host, but plain http: no token either.
      const plain = await mcp.call("git_clone", {
        repo_url: `${http.origin}/repo.git`,
        target_path: "plain",
      });
      assertEquals(plain.isError, false, text(plain));
      assert(http.requests.length > 0);
      assertEquals(http.authorizations(), []);
      const env = await sh(mcp, "env; cat ~/.gitconfig");
      assert(!env.includes(TOKEN) && !env.includes(GITHUB));
    } finally {
      await removeAll(repo);
    }
  },
);

Deno.test(
  "git_clone with a token has the sandbox's network: a repository's .lfsconfig cannot send git-lfs to the host's loopback",
  { ...opts, ignore: opts.ignore || !hasGitLfs },
  async () => {
    // The isolation ran on the host's network: a repository whose .lfsconfig named a service on
    // the host's 127.0.0.1 had git-lfs post to it, then fetch what it answered with headers of
    // its choosing, and the error told the answer's hash and length. Sandbox code reaches neither.
    const seen: string[] = [];
    await using internal = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (r) => {
      seen.push(`${r.method} ${new URL(r.url).pathname}`);
      return new Response("internal-secret-data\n");
    });
    const repo = await makeRepo({
      lfs: true,
      files: { ".lfsconfig": `[lfs]\n\turl = http://127.0.0.1:${internal.addr.port}/internal\n` },
    });
    const base = await sandboxDir();
    try {
      await using server = startGitServer(repo, { tls, requireAuth: "git" });
      await using mcp = await connect({
        local: {
          baseDir: base,
          gitCaFile: tls!.certFile,
          egress: opened(server),
        },
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
      });
      const url = `${server.origin}/repo.git`;
      // Git LFS takes its objects from the repository's own remote, whatever .lfsconfig says.
      const cloned = await mcp.call("git_clone", { repo_url: url, lfs: true });
      assertEquals(cloned.isError, false, text(cloned));
      assertEquals(structured<GitCloneOutput>(cloned).lfs, "pulled");
      assertEquals(await sh(mcp, "cat repo/big.bin"), repo.lfsContent);
      assertEquals(seen, [], "nothing reached the host's loopback service");
      // Without LFS the clone works, through the proxy, to the one port opened.
      const plain = structured<GitCloneOutput>(
        await mcp.call("git_clone", { repo_url: url, target_path: "plain" }),
      );
      assertEquals(plain.commit, repo.commit);
      assertEquals(seen, []);
    } finally {
      await removeAll(repo, base);
    }
  },
);

Deno.test(
  "git_clone with a token takes LFS objects from the repository's remote, not from a path its .lfsconfig names",
  { ...opts, ignore: opts.ignore || !hasGitLfs },
  async () => {
    // `lfs.url = file:///proc/self/cwd/evil.git` (the clone itself) made git-lfs read objects as
    // files from any path the isolation sees (the sandbox's whole directory, /proc), not over
    // https: "https only" bound git, not git-lfs.
    const content = "the large file's real content\n"; // makeRepo's LFS object
    const oid = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(content)),
    ).toHex();
    const evil = "file:///proc/self/cwd/evil.git";
    const repo = await makeRepo({
      lfs: true,
      files: {
        ".lfsconfig": `[lfs]\n\turl = ${evil}\n[remote "origin"]\n\tlfsurl = ${evil}\n`,
        "evil.git/HEAD": "ref: refs/heads/main\n",
        "evil.git/config": "[core]\n\tbare = true\n",
        "evil.git/refs/heads/.keep": "",
        "evil.git/objects/info/.keep": "",
        [`evil.git/lfs/objects/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`]: content,
      },
    });
    const base = await sandboxDir();
    try {
      await using server = startGitServer(repo, { tls, requireAuth: "git" });
      await using mcp = await connect({
        local: { baseDir: base, gitCaFile: tls!.certFile, egress: opened(server) },
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
      });
      const cloned = await mcp.call("git_clone", {
        repo_url: `${server.origin}/repo.git`,
        lfs: true,
      });
      assertEquals(cloned.isError, false, text(cloned));
      assertEquals(await sh(mcp, "cat repo/big.bin"), content);
      const lfsRequests = server.requests.filter((r) => r.path.includes("/info/lfs"));
      assert(lfsRequests.length > 0, "the object came from a path, not from the remote");
    } finally {
      await removeAll(repo, base);
    }
  },
);

Deno.test(
  "git_clone with a token passes on git's progress a few times a second, however much the git host writes",
  opts,
  async () => {
    // The git host writes what git prints as `remote:` lines: 2 million of them were as many
    // progress notifications, and held the server's event loop (every client's) for 30 s.
    const repo = await makeRepo();
    const hook = `${repo.root}/hook.sh`;
    await Deno.writeTextFile(
      hook,
      `#!/bin/sh\nyes 'a line from the git host' | head -n 200000 >&2\nexec "$@"\n`,
    );
    await Deno.chmod(hook, 0o755);
    const base = await sandboxDir();
    try {
      await using server = startGitServer(repo, { tls, packObjectsHook: hook });
      await using mcp = await connect({
        local: { baseDir: base, gitCaFile: tls!.certFile, egress: opened(server) },
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
      });
      let progress = 0;
      const started = performance.now();
      const cloned = await mcp.client.callTool(
        { name: "git_clone", arguments: { repo_url: `${server.origin}/repo.git` } },
        undefined,
        { onprogress: () => progress++, timeout: 120_000 },
      ) as CallToolResult;
      const seconds = (performance.now() - started) / 1000;
      assertEquals(cloned.isError, false, text(cloned));
      assert(progress <= 4 * seconds + 10, `${progress} progress notifications in ${seconds} s`);
    } finally {
      await removeAll(repo, base);
    }
  },
);

Deno.test({
  name: "git_clone with a token counts against the sandbox's memory budget",
  ignore: opts.ignore || !canGuard,
  fn: () =>
    underGuard("git-budget", async () => {
      // The isolation ran in the server's control groups: a repository with one 300 MiB file
      // (a few KB packed) had git hold it whole, outside a sandbox of 128 MiB.
      const repo = await makeRepo({ files: { "zeros.bin": 300 * 1024 * 1024 } });
      const base = await sandboxDir();
      try {
        await using server = startGitServer(repo, { tls });
        await using mcp = await connect({
          local: {
            baseDir: base,
            gitCaFile: tls!.certFile,
            egress: opened(server),
            budget: { memoryMb: 128 },
          },
          credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
        });
        const cloned = await mcp.call("git_clone", { repo_url: `${server.origin}/repo.git` });
        assertEquals(cloned.isError, true, text(cloned));
        assertMatch(text(cloned), /git clone failed/);
        // It failed because the kernel killed git for the sandbox's budget.
        const listed = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
        assert(listed.sandboxes[0].usage!.oom_kills >= 1, JSON.stringify(listed.sandboxes[0]));
        assertEquals(await sh(mcp, "echo alive"), "alive\n");
        assertEquals(await leftovers(base), []);
      } finally {
        await removeAll(repo, base);
      }
    }),
});

Deno.test(
  "git_clone with a token clones through the isolation: LFS, a commit, /tmp, and its limits",
  { ...opts, ignore: opts.ignore || !hasGitLfs },
  async () => {
    const repo = await makeRepo({ lfs: true });
    const base = await sandboxDir();
    try {
      await using server = startGitServer(repo, { tls, requireAuth: "all" });
      await using mcp = await connect({
        // As the HTTP server runs it: as root, the sandbox's host uid is its tenant's, which the
        // isolation's clone must end up owned by (the other tests here have nobody).
        local: {
          baseDir: base,
          gitCaFile: tls!.certFile,
          uidPerTenant: true,
          egress: opened(server),
        },
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
      });
      const url = `${server.origin}/repo.git`;
      await sh(mcp, "mkdir empty");
      const out = structured<GitCloneOutput>(
        await mcp.call("git_clone", { repo_url: url, lfs: true, target_path: "empty" }),
      );
      assertEquals([out.path, out.commit, out.branch, out.lfs], [
        "/home/sandbox/empty",
        repo.commit,
        "main",
        "pulled",
      ]);
      assertEquals(await sh(mcp, "cat empty/big.bin"), repo.lfsContent);
      assertEquals(
        await sh(mcp, "stat -c %U empty/a.txt; git -C empty status --short"),
        "sandbox\n",
      );
      const lfsRequests = server.requests.filter((seen) => seen.path.includes("lfs"));
      assert(lfsRequests.some((seen) => seen.authorization === `Basic ${basic(TOKEN)}`));
      const pinned = structured<GitCloneOutput>(
        await mcp.call("git_clone", {
          repo_url: url,
          commit: repo.commit,
          target_path: "/tmp/x/pinned",
        }),
      );
      assertEquals([pinned.commit, pinned.branch], [repo.commit, null]);
      assertEquals(await sh(mcp, "cat /tmp/x/pinned/a.txt"), "a\n");
      // A target that is a symlink (to an empty directory) is never followed.
      await sh(mcp, "mkdir /tmp/elsewhere && ln -s /tmp/elsewhere linked");
      const linked = await mcp.call("git_clone", { repo_url: url, target_path: "linked" });
      assertEquals(linked.isError, true);
      assertEquals(await sh(mcp, "readlink linked; ls -A /tmp/elsewhere"), "/tmp/elsewhere\n");
      // Nowhere but where the sandbox itself can write.
      const outside = await mcp.call("git_clone", { repo_url: url, target_path: "/run/sandbox/x" });
      assertMatch(text(outside), /must be under \/home\/sandbox or \/tmp/);
      assertEquals(await leftovers(base), []);
    } finally {
      await removeAll(repo, base);
    }
  },
);

Deno.test(
  "git_clone with a token: a timeout and a cancelled call kill the isolation",
  opts,
  async () => {
    const repo = await makeRepo();
    const base = await sandboxDir();
    try {
      await using server = startGitServer(repo, { tls, stallMs: 60_000 });
      await using mcp = await connect({
        local: { baseDir: base, gitCaFile: tls!.certFile, egress: opened(server) },
        limits: { defaultTimeout: 2 },
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host] },
      });
      const url = `${server.origin}/repo.git`;
      const timedOut = await mcp.call("git_clone", { repo_url: url });
      assertEquals(timedOut.isError, true);
      assertMatch(text(timedOut), /git clone timed out after 2 s/);
      assertEquals(await hostProcesses("/run/sandbox/git/"), []);
      const controller = new AbortController();
      const call = mcp.client.callTool(
        { name: "git_clone", arguments: { repo_url: url, target_path: "cancelled" } },
        undefined,
        { signal: controller.signal },
      ).catch((error: Error) => error);
      while ((await hostProcesses("/run/sandbox/git/")).length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      controller.abort();
      assert(await call instanceof Error);
      const until = Date.now() + 10_000;
      while ((await hostProcesses("/run/sandbox/git/")).length > 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assertEquals(await hostProcesses("/run/sandbox/git/"), []);
      while ((await leftovers(base)).length > 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assertEquals(await leftovers(base), []);
      assert(!(await sh(mcp, "ls -A")).includes("cancelled"), "nothing was moved into place");
    } finally {
      await removeAll(repo, base);
    }
  },
);

Deno.test(
  "git_clone on Daytona fetches LFS objects without the token, and says so",
  { ...opts, ignore: opts.ignore || !hasGitLfs },
  async () => {
    const repo = await makeRepo({ lfs: true });
    try {
      await using fake = await startFakeDaytona();
      // The repository needs the token; its LFS objects first do not, then do.
      await using server = startGitServer(repo, { tls, requireAuth: "git" });
      await using locked = startGitServer(repo, { tls, requireAuth: "all" });
      await using mcp = await connect({
        provider: new DaytonaProvider({
          apiKey: fake.apiKey,
          apiUrl: fake.apiUrl,
          log: silentLogger(),
        }),
        credentials: { gitToken: TOKEN, gitTokenHosts: [server.host, locked.host] },
      });
      await trustInSandbox(mcp);
      const result = await mcp.call("git_clone", {
        repo_url: `${server.origin}/repo.git`,
        lfs: true,
      });
      assertEquals(result.isError, false, text(result));
      const lfs = server.requests.filter((seen) => seen.path.includes("lfs"));
      assert(lfs.length > 0);
      assertEquals(lfs.filter((seen) => seen.authorization), [], "no token to LFS");
      const out = structured<GitCloneOutput>(result);
      assertEquals(out.lfs, "pulled");
      assertMatch(out.notes.join("\n"), /LFS objects were fetched without the token/);
      assertEquals(await sh(mcp, "cat repo/big.bin"), repo.lfsContent);
      assert(server.authorizations().includes(`Basic ${basic(TOKEN)}`), "the clone used it");

      const failed = await mcp.call("git_clone", {
        repo_url: `${locked.origin}/repo.git`,
        lfs: true,
        target_path: "locked",
      });
      assertEquals(failed.isError, true);
      assertMatch(text(failed), /Cannot fetch the LFS objects of .*without the token/s);
      assertMatch(text(failed), /The repository itself was cloned to \/home\/sandbox\/locked/);
      assertEquals(
        locked.requests.filter((seen) => seen.path.includes("lfs") && seen.authorization),
        [],
      );
      assert(!JSON.stringify([result, failed]).includes(TOKEN));
    } finally {
      await removeAll(repo);
    }
  },
);
