# The server's hands on the disks of local sandboxes (src/providers/local/_disk.ts holds the
# logic), used only when the server runs as root. Each sandbox's directory is a mounted ext4
# image of the sandbox's disk budget (sparse: it takes host disk only as it fills), so writes to
# its home and /tmp stop there with ENOSPC, and the server and the git clones with a token still
# reach those files at their host paths. Deno may not mount, so the server starts this helper
# once through bwrap with the host's file system; it joins the server's mount namespace (that of
# bwrap's monitor, its parent) and answers JSON lines on stdin and stdout:
#   {"id": N, "op": "make", "dir": D, "bytes": B, "uid": U}  an image of B bytes mounted on D
#   {"id": N, "op": "make", "dir": D, "keep": true, ...}  a persistent workspace's: its image is
#       mounted again if D has one (or left as it is if it is still mounted), made otherwise
#   {"id": N, "op": "remove", "dir": D}  unmounts D and detaches loop devices left on its image;
#       fails unless nothing is mounted on D or below it any more (the server then deletes D with
#       the image: it must not reach into a file system that is not the sandbox's)
#   {"id": N, "op": "usage", "dir": D}  {"total": T, "used": U, "free": F} in bytes
# Replies: {"id": N, "result": ...} or {"id": N, "error": "..."}. D must be a directory
# mcp-sandbox-* directly in BASE, or the sandbox directory WORKSPACES/<name>/sandbox of a
# persistent workspace (WORKSPACES is the second argument, if any).
import ctypes
import fcntl
import json
import os
import re
import struct
import subprocess
import sys

BASE = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else "/tmp")
WORKSPACES = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
WORKSPACE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
IMAGE = "disk.img"
CLONE_NEWNS = 0x00020000
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
# From <linux/loop.h>, <sys/mount.h> and <errno.h>.
LOOP_CTL_GET_FREE = 0x4C82
LOOP_CONFIGURE = 0x4C0A
LO_FLAGS_AUTOCLEAR = 4
LO_FLAGS_DIRECT_IO = 16
MS_NOSUID, MS_NODEV, MS_NOATIME = 0x2, 0x4, 0x400
EBUSY = 16
libc = ctypes.CDLL(None, use_errno=True)


def join_server_namespace():
    fd = os.open("/proc/%d/ns/mnt" % os.getppid(), os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    finally:
        os.close(fd)


def in_workspaces(path):
    workspace = os.path.dirname(path)
    return (WORKSPACES is not None and os.path.basename(path) == "sandbox" and
            WORKSPACE_NAME.match(os.path.basename(workspace)) is not None and
            os.path.dirname(workspace) == os.path.realpath(WORKSPACES))


def checked(path):
    path = os.path.normpath(path)
    name = os.path.basename(path)
    throwaway = os.path.dirname(path) == BASE and name.startswith("mcp-sandbox-")
    if not throwaway and not in_workspaces(path):
        raise ValueError("not a sandbox directory in %s: %s" % (BASE, path))
    if os.path.islink(path) or not os.path.isdir(path):
        raise ValueError("not a directory: %s" % path)
    return path


def run(argv):
    done = subprocess.run(argv, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError("%s failed: %s" % (argv[0], (done.stderr or done.stdout).strip()))


def make(path, size, uid, keep=False):
    image = os.path.join(path, IMAGE)
    if keep and mounted(path):
        return None  # a server that died left it mounted: it is in use again as it is
    if keep and os.path.exists(image):
        os.chmod(image, 0o600)  # older servers left it readable by everyone
        mount_image(image, path)
        return None
    # Only root reads it (it mounts it): the sandbox's files are in there.
    with os.fdopen(os.open(image, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), "wb") as f:
        f.truncate(size)
    # No journal (the files die with the sandbox; a workspace's outlive it and get one), no
    # reserved blocks (the budget is all the sandbox's); `discard` on the mount hands deleted
    # files' blocks back to the host.
    run(["mkfs.ext4", "-q", "-F", "-m", "0", *([] if keep else ["-O", "^has_journal"]),
         "-E", "root_owner=%d:%d,nodiscard" % (uid, uid), image])
    mount_image(image, path)
    try:
        os.rmdir(os.path.join(path, "lost+found"))
    except OSError:
        pass


def mount_image(image, path):
    """Mounts `image` on `path` through a loop device that detaches itself once unmounted, with
    direct I/O: that keeps the image's pages out of the host's page cache a second time, so an
    fsync'd write runs at the host disk's speed (about 3x faster here); the kernel does without
    where the host's file system cannot. Done here, with direct I/O set as the device is set up,
    rather than by `mount -o loop` and `losetup --direct-io`: those took about 40 ms, mostly to
    switch direct I/O on under the mounted file system; this takes 1 to 3."""
    try:
        loop, number = attach(image)
    except OSError:
        # A kernel without LOOP_CONFIGURE (before 5.8), or no loop-control device: mount's way.
        run(["mount", "-t", "ext4", "-o", "loop,nosuid,nodev,noatime,discard", image, path])
        try:
            run(["losetup", "--direct-io=on", source(path)])
        except OSError:
            pass  # a host file system without direct I/O: the disk works without
        return
    try:
        flags = MS_NOSUID | MS_NODEV | MS_NOATIME
        if libc.mount(b"/dev/loop%d" % number, os.fsencode(path), b"ext4", flags, b"discard") != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, "mount %s: %s" % (image, os.strerror(errno)))
    finally:
        os.close(loop)  # the mount holds the device now; without one, it detaches


def attach(image):
    """A free loop device set up on `image`, detaching itself when last closed: (an open
    descriptor of it, its number)."""
    backing = os.open(image, os.O_RDWR | os.O_CLOEXEC)
    control = os.open("/dev/loop-control", os.O_RDWR | os.O_CLOEXEC)
    try:
        # struct loop_config: the backing file, the block size (0: the default), a loop_info64.
        info = struct.pack("=5Q4I64s64s32s2Q", 0, 0, 0, 0, 0, 0, 0, 0,
                           LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO, os.fsencode(image)[:63],
                           b"", b"", 0, 0)
        config = struct.pack("=II", backing, 0) + info + bytes(64)
        for _ in range(16):
            number = fcntl.ioctl(control, LOOP_CTL_GET_FREE)
            loop = os.open("/dev/loop%d" % number, os.O_RDWR | os.O_CLOEXEC)
            try:
                fcntl.ioctl(loop, LOOP_CONFIGURE, config)
                return loop, number
            except OSError as error:
                os.close(loop)
                if error.errno != EBUSY:  # EBUSY: another process took it meanwhile
                    raise
        raise OSError(EBUSY, "no free loop device")
    finally:
        os.close(control)
        os.close(backing)


def source(path):
    """The device mounted on `path`, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == path:
                return fields[fields.index("-") + 2]
    return None


def mounted(path):
    return source(path) is not None


def mounts_at_or_under(path):
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return [p for p in points if p == path or p.startswith(path + "/")]


def loops_on(image):
    """Loop devices whose backing file is `image` (its name ends in " (deleted)" once unlinked)."""
    found = []
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return found
    for name in names:
        try:
            with open("/sys/block/%s/loop/backing_file" % name) as f:
                backing = f.read().strip()
        except OSError:
            continue
        if backing in (image, image + " (deleted)"):
            found.append("/dev/" + name)
    return found


def remove(path):
    if mounted(path):
        try:
            run(["umount", path])
        except OSError:
            run(["umount", "-l", path])  # a straggler holds a file: detach now, freed when it lets go
    # A loop the mount set up clears itself once unmounted; one left by a server that died
    # between losetup and mount does not.
    for device in loops_on(os.path.join(path, IMAGE)):
        try:
            run(["losetup", "-d", device])
        except OSError:
            pass
    left = mounts_at_or_under(path)
    if left:
        raise OSError("still mounted: %s" % " ".join(left))
    return None


def usage(path):
    if not mounted(path):
        raise ValueError("no disk is mounted on %s" % path)
    st = os.statvfs(path)
    return {
        "total": st.f_blocks * st.f_frsize,
        "used": (st.f_blocks - st.f_bfree) * st.f_frsize,
        "free": st.f_bavail * st.f_frsize,
    }


def handle(req):
    op = req["op"]
    if op == "make":
        return make(checked(req["dir"]), int(req["bytes"]), int(req["uid"]), req.get("keep") is True)
    if op == "remove":
        return remove(checked(req["dir"]))
    if op == "usage":
        return usage(checked(req["dir"]))
    raise ValueError("unknown op %r" % op)


def main():
    join_server_namespace()
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = {"id": req.get("id"), "result": handle(req)}
        except Exception as error:  # reported to the server, which decides what it means
            reply = {"id": req.get("id"), "error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
