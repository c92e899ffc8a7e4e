// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/shares.ts
var SHARED_ROOT = "/shared";
function parseShare(text, source) {
  const [, raw, mode] = /^(.*?)(?::(ro|rw))?$/s.exec(text.trim());
  const fail = /* @__PURE__ */ __name((why) => {
    throw new TypeError(`Cannot configure: ${source} ${why}, got '${text}'`);
  }, "fail");
  if (!raw.startsWith("/")) {
    fail("must be an absolute path, optionally followed by :ro or :rw (a shell expands ~/ only at the start of a word: --share ~/dir, not --share=~/dir)");
  }
  const parts = raw.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) fail("must not contain '..'");
  if (parts.length === 0) fail("must name a directory below /");
  if (raw.includes("\0")) fail("must not contain NUL bytes");
  return {
    path: `/${parts.join("/")}`,
    mode: mode === "rw" ? "rw" : "ro",
    name: parts.at(-1)
  };
}
__name(parseShare, "parseShare");
function checkShareNames(shares) {
  const seen = /* @__PURE__ */ new Map();
  for (const share of shares) {
    const other = seen.get(share.name);
    if (other !== void 0 && other !== share.path) {
      throw new TypeError(`Cannot share both ${other} and ${share.path}: both would be ${SHARED_ROOT}/${share.name} in the sandbox; share a parent directory instead, or a symlink to one of them under another name`);
    }
    seen.set(share.name, share.path);
  }
}
__name(checkShareNames, "checkShareNames");
function checkSharePlacement(shares, kept, resolve = readableHostPath) {
  const same = /* @__PURE__ */ __name((a, b) => a.real === b.real || a.id !== null && a.id === b.id, "same");
  const within = /* @__PURE__ */ __name((a, b) => a.real === b.real || a.real.startsWith(`${b.real}/`) || b.id !== null && a.chain.includes(b.id), "within");
  const viaLinkIn = /* @__PURE__ */ __name((a, b) => b.id !== null && a.links.some((chain) => chain.includes(b.id)), "viaLinkIn");
  const resolved = shares.map((share) => ({
    share,
    at: resolve(share.path)
  }));
  const keptAt = kept.map((dir) => ({
    dir,
    at: resolve(dir.path)
  }));
  for (const inner of resolved) {
    for (const outer of resolved) {
      if (outer === inner || outer.share.mode !== "rw" || same(inner.at, outer.at)) continue;
      if (within(inner.at, outer.at)) {
        throw new TypeError(`Cannot share ${inner.share.path}: it lies inside the read-write share ${outer.share.path}, where sandbox code could replace it with a symlink to any directory; share only one of them`);
      }
      if (viaLinkIn(inner.at, outer.at)) {
        throw new TypeError(`Cannot share ${inner.share.path}: the way to it follows a symlink in the read-write share ${outer.share.path}, which sandbox code could point anywhere; share ${inner.at.real} as it is`);
      }
    }
    for (const { dir, at } of keptAt) {
      if (inner.share.mode === "rw" && viaLinkIn(at, inner.at)) {
        throw new TypeError(`Cannot share ${inner.share.path} read-write: the way to ${dir.what} (${dir.path}) follows a symlink in it, which sandbox code could point at a tree of its own; give ${at.real} as it is`);
      }
      if (within(at, inner.at) && (inner.share.mode === "rw" || !dir.readableByShares)) {
        throw new TypeError(`Cannot share ${inner.share.path}${inner.share.mode === "rw" ? " read-write" : ""}: it holds ${dir.what} (${dir.path}); share a directory beside it`);
      }
      if (!dir.sharesInside && (within(inner.at, at) && !same(inner.at, at) || viaLinkIn(inner.at, at))) {
        throw new TypeError(`Cannot share ${inner.share.path}: it lies inside ${dir.what} (${dir.path}), which sandboxes write in`);
      }
    }
  }
}
__name(checkSharePlacement, "checkSharePlacement");
function readableHostPath(path) {
  return {
    real: readableRealPath(path),
    id: null,
    chain: [],
    links: []
  };
}
__name(readableHostPath, "readableHostPath");
function readableRealPath(path) {
  try {
    if (Deno.permissions.querySync({
      name: "read",
      path
    }).state === "granted") {
      return Deno.realPathSync(path);
    }
  } catch {
  }
  return path;
}
__name(readableRealPath, "readableRealPath");
function describeShares(shares, mounted = true) {
  if (shares.length === 0) return "no directory is shared (the server's --share flag shares one)";
  return shares.map((share) => `${share.path} (${share.mode === "rw" ? "read-write" : "read-only"}${mounted ? `, ${SHARED_ROOT}/${share.name} in the sandbox` : ""})`).join(", ");
}
__name(describeShares, "describeShares");
function locateShared(shares, hostPath, action, options = {}) {
  const fail = /* @__PURE__ */ __name((why) => {
    throw new TypeError(`Cannot ${action} host_path ${hostPath}: ${why}`);
  }, "fail");
  if (shares.length === 0) fail(`${describeShares(shares)}; ask the user to share one`);
  if (!hostPath.startsWith("/")) {
    fail(`it must be an absolute path on the user's machine, inside a shared directory (shared: ${describeShares(shares)})`);
  }
  if (hostPath.length > 1 && hostPath.endsWith("/")) {
    fail("it ends in /, as a directory's name does; name the file itself");
  }
  const parts = hostPath.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) fail("'..' is not allowed in host_path");
  let best;
  for (const share2 of shares) {
    const own = share2.path.split("/").filter(Boolean);
    const inside = own.length < parts.length && own.every((part, i) => parts[i] === part);
    if (inside && (!best || share2.path.length > best.path.length)) best = share2;
  }
  if (!best) {
    const exact = shares.find((share2) => `/${parts.join("/")}` === share2.path);
    fail(exact ? "it is a shared directory itself; name a file inside it" : `it is not inside a shared directory (shared: ${describeShares(shares)})`);
  }
  const share = best;
  if (options.writable && share.mode !== "rw") {
    fail(`the shared directory ${share.path} is read-only; the user can share it with :rw (--share ${share.path}:rw) to allow writing there`);
  }
  const below = parts.slice(share.path.split("/").filter(Boolean).length);
  return {
    share,
    parts: below,
    hostPath: `/${parts.join("/")}`
  };
}
__name(locateShared, "locateShared");
function kindOf(info) {
  return info.isSymlink ? "a symlink" : info.isDirectory ? "a directory" : info.isFile ? "a file" : "a device, FIFO or socket";
}
__name(kindOf, "kindOf");
function sameFile(a, b) {
  return a.dev === b.dev && a.ino === b.ino;
}
__name(sameFile, "sameFile");
async function walkShared(location, action, create) {
  const fail = /* @__PURE__ */ __name((why) => {
    throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: ${why}`);
  }, "fail");
  const dirs = [];
  let path = location.share.path;
  const root = await Deno.stat(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) fail(`the shared directory ${path} does not exist`);
    throw error;
  });
  if (!root.isDirectory) fail(`the shared directory ${path} is not a directory`);
  dirs.push(root);
  const { parts } = location;
  for (let i = 0; i < parts.length; i++) {
    path += `/${parts[i]}`;
    let info = await Deno.lstat(path).catch((error) => {
      if (error instanceof Deno.errors.NotFound) return void 0;
      throw error;
    });
    if (i === parts.length - 1) return {
      dirs,
      last: info
    };
    if (!info && create) {
      await Deno.mkdir(path).catch((error) => {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      });
      info = await Deno.lstat(path);
    }
    if (!info) fail(`${path} does not exist`);
    if (info.isSymlink) {
      fail(`${path} is a symlink; host_path never follows symlinks inside a shared directory`);
    }
    if (!info.isDirectory) fail(`${path} is ${kindOf(info)}, not a directory`);
    dirs.push(info);
  }
  return {
    dirs,
    last: void 0
  };
}
__name(walkShared, "walkShared");
async function checkUnchanged(location, first, action) {
  const again = await walkShared(location, action, false);
  const moved = again.dirs.length !== first.dirs.length || again.dirs.some((dir, i) => !sameFile(dir, first.dirs[i]));
  if (moved) {
    throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: a directory on its path changed during the transfer`);
  }
  return again;
}
__name(checkUnchanged, "checkUnchanged");
async function openSharedFile(location, action) {
  const fail = /* @__PURE__ */ __name((why) => {
    throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: ${why}`);
  }, "fail");
  const walk = await walkShared(location, action, false);
  const found = walk.last;
  if (!found) fail("no such file");
  if (!found.isFile) {
    fail(found.isSymlink ? "it is a symlink; host_path never follows symlinks inside a shared directory" : `it is ${kindOf(found)}, not a regular file`);
  }
  const file = await Deno.open(location.hostPath, {
    read: true
  });
  try {
    const opened = await file.stat();
    const again = await checkUnchanged(location, walk, action);
    if (!opened.isFile || !sameFile(opened, found) || !again.last || !sameFile(again.last, found)) {
      fail("it changed while it was opened");
    }
    return {
      file,
      size: opened.size
    };
  } catch (error) {
    file.close();
    throw error;
  }
}
__name(openSharedFile, "openSharedFile");
async function writeSharedFile(location, data, options) {
  const { action } = options;
  const fail = /* @__PURE__ */ __name((why) => {
    throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: ${why}`);
  }, "fail");
  if (location.share.mode !== "rw") {
    fail(`the shared directory ${location.share.path} is read-only`);
  }
  const walk = await walkShared(location, action, true);
  const existing = walk.last;
  if (existing && !existing.isFile) {
    fail(existing.isSymlink ? "it is a symlink; host_path never replaces symlinks inside a shared directory" : `it is ${kindOf(existing)}; only a regular file can be replaced`);
  }
  if (existing && !options.overwrite) {
    fail("it already exists; pass overwrite: true to replace it");
  }
  const dir = location.hostPath.slice(0, location.hostPath.lastIndexOf("/"));
  const name = location.parts.at(-1);
  const tag = `.download-${crypto.randomUUID().slice(0, 8)}`;
  const beside = `.${name}${tag}`;
  const temp = `${dir}/${new TextEncoder().encode(beside).length <= 255 ? beside : tag}`;
  const file = await Deno.open(temp, {
    write: true,
    createNew: true,
    mode: 420
  });
  let size = 0;
  let placed = false;
  try {
    const created = await file.stat();
    const reader = data.getReader();
    try {
      for (; ; ) {
        options.signal?.throwIfAborted();
        const { value, done } = await reader.read();
        if (done) break;
        size += value.length;
        if (options.expectedSize !== void 0 && size > options.expectedSize) {
          fail(`the file grew during the transfer, past the ${options.expectedSize} bytes it had when it began`);
        }
        await writeSparse(file, value);
      }
    } catch (error) {
      await reader.cancel().catch(() => {
      });
      throw error;
    }
    await file.truncate(size);
    file.close();
    const again = await checkUnchanged(location, walk, action);
    const now = await Deno.lstat(temp);
    if (!sameFile(now, created)) fail("its directory changed during the transfer");
    const current = again.last;
    if (current && (!current.isFile || !options.overwrite)) {
      fail(options.overwrite ? `it became ${kindOf(current)} during the transfer` : "it was created during the transfer; pass overwrite: true to replace it");
    }
    if (options.overwrite) {
      await Deno.rename(temp, location.hostPath);
    } else {
      await Deno.link(temp, location.hostPath).catch((error) => {
        if (error instanceof Deno.errors.AlreadyExists) {
          fail("it was created during the transfer; pass overwrite: true to replace it");
        }
        throw error;
      });
      await Deno.remove(temp);
    }
    placed = true;
    return {
      size,
      replaced: current !== void 0
    };
  } finally {
    try {
      file.close();
    } catch {
    }
    if (!placed) await Deno.remove(temp).catch(() => {
    });
  }
}
__name(writeSharedFile, "writeSharedFile");
var HOLE_BLOCK = 64 * 1024;
async function writeSparse(file, chunk) {
  const blockEnd = /* @__PURE__ */ __name((at2) => Math.min(at2 + HOLE_BLOCK, chunk.length), "blockEnd");
  let at = 0;
  while (at < chunk.length) {
    const zero = allZero(chunk, at, blockEnd(at));
    let end = blockEnd(at);
    while (end < chunk.length && allZero(chunk, end, blockEnd(end)) === zero) end = blockEnd(end);
    if (zero) await file.seek(end - at, Deno.SeekMode.Current);
    else for (let done = at; done < end; ) done += await file.write(chunk.subarray(done, end));
    at = end;
  }
}
__name(writeSparse, "writeSparse");
function allZero(bytes, from, to) {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}
__name(allZero, "allZero");

export {
  SHARED_ROOT,
  parseShare,
  checkShareNames,
  checkSharePlacement,
  describeShares,
  locateShared,
  openSharedFile,
  writeSharedFile
};
