import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import {
  defaultTarget,
  type GitCloneOutput,
  gitEnvironment,
  hideUserinfo,
} from "../../src/tools/git_clone.ts";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import {
  assertToolErrors,
  connect,
  type Connected,
  hasBwrap,
  sh,
  structured,
  text,
} from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

/** A bare repository at /tmp/repo.git: main (3 commits: a, b, c) and feature (a + f). */
async function makeRepo(mcp: Connected): Promise<{ main: string; first: string; feature: string }> {
  const out = await sh(
    mcp,
    [
      "set -e",
      "export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com",
      "git init -q -b main /tmp/src && cd /tmp/src",
      "echo a > a.txt && git add a.txt && git commit -qm a",
      "git checkout -q -b feature && echo f > f.txt && git add f.txt && git commit -qm f",
      "git checkout -q main && echo b > b.txt && git add b.txt && git commit -qm b",
      "mkdir -p docs && echo c > docs/c.md && git add docs && git commit -qm c",
      "git clone -q --bare /tmp/src /tmp/repo.git",
      "git rev-parse main main~2 feature",
    ].join("\n"),
  );
  const [main, first, feature] = out.trim().split("\n");
  return { main, first, feature };
}

Deno.test(
  "gitClone() clones the default branch shallowly into the repository's name",
  opts,
  async () => {
    await using mcp = await connect();
    const commits = await makeRepo(mcp);
    const result = await mcp.call("git_clone", { repo_url: "file:///tmp/repo.git" });
    assertEquals(result.isError, false, text(result));
    const out = structured<GitCloneOutput>(result);
    assertEquals(out.path, "/home/sandbox/repo");
    assertEquals(out.commit, commits.main);
    assertEquals(out.branch, "main");
    assertEquals(out.depth, 1);
    assertEquals(out.file_count, 3);
    assertEquals(out.files, ["a.txt", "b.txt", "docs/c.md"]);
    assertEquals(out.lfs, "not_requested");
    assertEquals(await sh(mcp, "git -C repo rev-list --count HEAD"), "1\n", "depth 1 is shallow");
  },
);

Deno.test("gitClone() takes a branch, a target path and full history", opts, async () => {
  await using mcp = await connect();
  const commits = await makeRepo(mcp);
  const out = structured<GitCloneOutput>(
    await mcp.call("git_clone", {
      repo_url: "file:///tmp/repo.git",
      branch: "feature",
      target_path: "work/feat",
      depth: 0,
    }),
  );
  assertEquals(out.path, "/home/sandbox/work/feat");
  assertEquals(out.branch, "feature");
  assertEquals(out.commit, commits.feature);
  assertEquals(out.files, ["a.txt", "f.txt"]);
  assertEquals(await sh(mcp, "git -C work/feat rev-list --count HEAD"), "2\n", "depth 0 is full");
});

Deno.test("gitClone() checks out a given commit", opts, async () => {
  await using mcp = await connect();
  const commits = await makeRepo(mcp);
  const out = structured<GitCloneOutput>(
    await mcp.call("git_clone", {
      repo_url: "/tmp/repo.git".replace(/^/, "file://"),
      commit: commits.first,
      target_path: "old",
    }),
  );
  assertEquals(out.commit, commits.first);
  assertEquals(out.branch, null, "a commit checkout is detached");
  assertEquals(out.files, ["a.txt"]);
});

Deno.test(
  "gitClone() refuses a non-empty target and bad arguments, naming them",
  opts,
  async () => {
    await using mcp = await connect();
    await makeRepo(mcp);
    await sh(mcp, "mkdir -p taken && touch taken/file");
    await assertToolErrors(mcp, "git_clone", [
      [
        { repo_url: "file:///tmp/repo.git", target_path: "taken" },
        /taken: it already exists and is not empty/,
      ],
      [
        { repo_url: "file:///tmp/missing.git" },
        /git clone failed: .*(does not exist|not appear to be a git repository)/s,
      ],
      [{ repo_url: "--upload-pack=touch /tmp/pwned" }, /repo_url must not start with '-'/],
      [{ repo_url: "ext::sh -c touch% /tmp/pwned" }, /repo_url must be an https:\/\//],
      [
        { repo_url: "file:///tmp/repo.git", branch: "--orphan" },
        /branch must be a branch or tag name/,
      ],
      [
        { repo_url: "file:///tmp/repo.git", commit: "HEAD; rm -rf ~" },
        /commit must be a commit hash/,
      ],
      [{ repo_url: "file:///tmp/repo.git", depth: -1 }, /depth must be 0/],
    ]);
    assertEquals(await sh(mcp, "ls /tmp/pwned 2>/dev/null || echo absent"), "absent\n");
    // A file in the way is never removed, whichever way the clone goes.
    await sh(mcp, "echo precious > inplace");
    for (const extra of [{}, { commit: "abcdef12" }]) {
      const result = await mcp.call("git_clone", {
        repo_url: "file:///tmp/repo.git",
        target_path: "inplace",
        ...extra,
      });
      assertEquals(result.isError, true);
      assertMatch(text(result), /inplace: it already exists/);
    }
    assertEquals(await sh(mcp, "cat inplace"), "precious\n");
    // A failed commit checkout into an empty directory leaves the directory, without .git.
    await sh(mcp, "mkdir empty");
    const failed = await mcp.call("git_clone", {
      repo_url: "file:///tmp/repo.git",
      target_path: "empty",
      commit: "abcdef12",
    });
    assertEquals(failed.isError, true);
    assertEquals(await sh(mcp, "ls -A empty; echo end"), "end\n");
    assertEquals(await sh(mcp, "ls -A taken"), "file\n", "the existing target is untouched");
  },
);

Deno.test("gitClone() with lfs reports whether git-lfs could pull", opts, async () => {
  await using mcp = await connect();
  await makeRepo(mcp);
  const hasLfs = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "git lfs version" }),
  ).exit_code === 0;
  const out = structured<GitCloneOutput>(
    await mcp.call("git_clone", { repo_url: "file:///tmp/repo.git", lfs: true }),
  );
  assertEquals(out.lfs, hasLfs ? "pulled" : "missing");
  assertMatch(
    out.notes.join("\n"),
    hasLfs ? /LFS objects were pulled/ : /git-lfs is not installed/,
  );
});

Deno.test("gitClone() never shows a token or URL credentials", opts, async () => {
  const token = "ghp_TopSecretToken1234567890";
  await using mcp = await connect({
    credentials: { gitToken: token, githubToken: token, gitTokenHosts: ["127.0.0.1:9"] },
  });
  const failed = await mcp.call("git_clone", {
    repo_url: "https://user:hunter2@127.0.0.1:9/private/repo.git",
  });
  assertEquals(failed.isError, true);
  const message = text(failed);
  assertMatch(message, /Cannot clone https:\/\/127\.0\.0\.1:9\/private\/repo\.git/);
  assert(!message.includes("hunter2"), message);
  const tokenClone = await mcp.call("git_clone", { repo_url: "https://127.0.0.1:9/x.git" });
  assertEquals(tokenClone.isError, true);
  const all = JSON.stringify(tokenClone) + JSON.stringify(failed);
  const header = new TextEncoder().encode(`x-access-token:${token}`).toBase64();
  assert(!all.includes(token) && !all.includes(header), all);
  const env = await sh(mcp, "env");
  assert(!env.includes(token) && !env.includes(header), "the token is not left in the sandbox");
});

Deno.test("gitEnvironment() never carries a token into the sandbox", () => {
  assertEquals(gitEnvironment(), { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" });
});

Deno.test("defaultTarget() drops .git and trailing slashes", () => {
  assertEquals(defaultTarget("https://github.com/o/repo.git"), "repo");
  assertEquals(defaultTarget("https://github.com/o/repo/"), "repo");
  assertEquals(defaultTarget("git@github.com:o/tool.git"), "tool");
  assertEquals(defaultTarget("file:///tmp/x/lib.git"), "lib");
});

Deno.test("hideUserinfo() hides what comes between :// and @ in every URL, and nothing else", () => {
  assertEquals(
    hideUserinfo("fatal: https://x:y@host/repo.git not found\nremote: http://q@r ssh://h/p a@b"),
    "fatal: https://***@host/repo.git not found\nremote: http://***@r ssh://h/p a@b",
  );
  assertEquals(
    hideUserinfo("x://@y ://a@b a://b c@d a://b/c@d"),
    "x://@y ://a@b a://b c@d a://b/c@d",
  );
  assertEquals(hideUserinfo("git://a@b@c ab://cd://ef@g"), "git://***@b@c ab://cd://***@g");
});

Deno.test(
  "git's output cannot hold the server: what a sandbox's git writes is cleaned in one pass",
  opts,
  async () => {
    // The sandbox runs git, and whatever its PATH names git: 100 KB of word characters made the
    // expression that hides URL credentials take 21 s, the server's event loop (every sandbox and
    // client) with it. The server runs in this process: a timer due meanwhile shows the hold.
    await using mcp = await connect();
    await sh(
      mcp,
      "printf '#!/bin/sh\\nhead -c 100000 /dev/zero | tr \"\\\\0\" a >&2\\nexit 1\\n' > ~/.venv/bin/git && chmod +x ~/.venv/bin/git && git; true",
    );
    const due = performance.now() + 20;
    const late = new Promise<number>((resolve) =>
      setTimeout(() => resolve(performance.now() - due), 20)
    );
    const result = await mcp.call("git_clone", { repo_url: "https://127.0.0.1:9/repo.git" });
    assertEquals(result.isError, true);
    assertMatch(text(result), /git clone failed: a{1000}/, "the sandbox's git ran");
    const held = await late;
    // A bound on liveness, thousands of times what cleaning 100 KB takes.
    assert(held < 5_000, `the event loop was held ${Math.round(held)} ms`);
  },
);
