# File operations: they run here, inside the sandbox, as its user: paths and symlinks resolve
# exactly as they do for the sandbox's processes, so nothing outside the sandbox can be reached
# through them. Failures are FileFaults, whose codes are the protocol's error codes.
import base64
import errno
import json
import os
import stat

from agent_env import HOME

# The most bytes one read returns.
READ_LIMIT = 4 * 1024 * 1024

FILE_FAULTS = {
    errno.ENOENT: ("not_found", "no such file or directory"),
    errno.ENOTDIR: ("not_found", "a parent of it is not a directory"),
    errno.EISDIR: ("is_directory", "it is a directory"),
    errno.EACCES: ("permission", "permission denied"),
    errno.EPERM: ("permission", "permission denied"),
    errno.EROFS: ("read_only", "the file system is read-only there (only %s and /tmp are writable)" % HOME),
    errno.EEXIST: ("exists", "it already exists"),
    errno.ENOSPC: ("no_space", "no space left on the device"),
    errno.ELOOP: ("not_found", "too many levels of symbolic links"),
}


class FileFault(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def fault(error, verb, path):
    code, why = FILE_FAULTS.get(error.errno, ("io", error.strerror or str(error)))
    return FileFault(code, "Cannot %s %s: %s" % (verb, path, why))


def resolve(path):
    if path == "~" or path.startswith("~/"):
        path = HOME + path[1:]
    return os.path.normpath(os.path.join(HOME, path))


def describe(path, st, name=None, dir_fd=None):
    """A file's info; a symlink's target is read from `dir_fd` (by `name`) when given: by path, a
    directory swapped for a link to /proc/1/fd after it was checked showed the supervisor's."""
    mode = st.st_mode
    kind = ("directory" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode)
            else "symlink" if stat.S_ISLNK(mode) else "other")
    info = {"path": path, "name": name or os.path.basename(path) or "/", "type": kind,
            "size": st.st_size, "modified": st.st_mtime, "mode": stat.filemode(mode)}
    if kind == "symlink":
        try:
            info["target"] = os.readlink(name, dir_fd=dir_fd) if dir_fd is not None else os.readlink(path)
        except OSError:
            pass
    return info


def _refuse_supervisors(fd, verb, path):
    """Raises when `fd` is on this supervisor's own /proc files, which sandbox code may not see
    (a listing of /proc/1/fd named its pipes, /proc/1/map_files its memory map)."""
    if _supervisors(fd):
        raise FileFault("permission", "Cannot %s %s: permission denied" % (verb, path))


def op_stat(req):
    path = resolve(req["path"])
    fds = []
    try:
        # The name itself (/proc/1/fd/0 is a link of the supervisor's) and where it leads.
        for flags in (os.O_PATH | os.O_NOFOLLOW, os.O_PATH):
            fds.append(os.open(path, flags))
            _refuse_supervisors(fds[-1], "read", path)
        return {"result": describe(path, os.stat(fds[-1]))}
    except OSError as e:
        raise fault(e, "read", path)
    finally:
        for fd in fds:
            os.close(fd)


def _regular_file(fd, path):
    """The stat of the file open on `fd`, which must be a regular file to be read, and not one of
    this supervisor's own /proc files: sandbox code may not read those (its memory map, its
    environment), and would otherwise have the supervisor read them for it."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise FileFault("is_directory" if stat.S_ISDIR(st.st_mode) else "not_file",
                        "Cannot read %s: it is %s" % (path, kind))
    if _supervisors(fd):
        raise FileFault("permission", "Cannot read %s: it is a file of the sandbox's supervisor" % path)
    return st


def _supervisors(fd):
    """Whether `fd` is open on a /proc file of this process (or of one of its threads)."""
    try:
        where = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        return False
    parts = where.split("/")
    if len(parts) < 3 or parts[1] != "proc" or not parts[2].isdigit():
        return False
    try:
        with open("/proc/%s/status" % parts[2]) as f:
            for line in f:
                if line.startswith("Tgid:"):
                    return int(line.split()[1]) == os.getpid()
    except OSError:
        return True  # gone, or hidden: not worth the risk
    return False


def op_read(req):
    path = resolve(req["path"])
    offset = max(0, int(req.get("offset", 0)))
    length = max(0, min(int(req.get("length", READ_LIMIT)), READ_LIMIT))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise fault(e, "read", path)
    try:
        st = _regular_file(fd, path)
        data = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    return {"result": {"data": data, "size": st.st_size}}


def _prepare_target(path, overwrite):
    """Makes `path`'s parent directories, and refuses a directory there, or any file unless
    `overwrite`: what a write or a copy checks before its first byte."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.isdir(path):
        raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)
    if not overwrite and os.path.lexists(path):
        raise FileFault("exists", "Cannot write %s: it already exists and overwrite is false" % path)


def op_write(req):
    """Uploads arrive in chunks into a hidden temporary file that replaces the target at the end,
    so a failed upload never leaves a half-written file in place of the old one."""
    path = resolve(req["path"])
    parent = os.path.dirname(path)
    temp = os.path.join(parent, ".%s.upload-%s" % (os.path.basename(path), req["upload"]))
    data = base64.b64decode(req.get("data", ""))
    try:
        if req.get("first"):
            _prepare_target(path, req.get("overwrite", True))
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        else:
            flags = os.O_WRONLY | os.O_APPEND
        fd = os.open(temp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        if not req.get("last"):
            return {"result": {"path": path}}
        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}
    except FileFault:
        raise
    except OSError as e:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise fault(e, "write", path)


# The most a listing's entries take as JSON: the tool's result holds them twice (as its structure
# and as its text), within the 10 MiB an MCP client reads in one message. Names of 250 escaped
# control characters, ten levels deep, made 1000 entries 34 MiB, and the whole listing failed.
LIST_BYTES = 2 * 1024 * 1024


def op_list(req):
    root = resolve(req.get("path") or ".")
    depth = max(1, int(req.get("depth", 1)))
    limit = int(req.get("limit", 1000))
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode):
            raise FileFault("not_directory", "Cannot list %s: it is not a directory" % root)
    except OSError as e:
        raise fault(e, "list", root)
    entries = []
    size = 0
    truncated = False
    pending = [(root, 1)]
    while pending and not truncated:
        directory, level = pending.pop(0)
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # unreadable subdirectory: list what can be listed
        try:
            if _supervisors(fd):
                if directory == root:
                    raise FileFault("permission", "Cannot list %s: permission denied" % root)
                continue
            with os.scandir(fd) as it:
                children = sorted(it, key=lambda entry: entry.name)
            for entry in children:
                if len(entries) >= limit:
                    truncated = True
                    break
                path = os.path.join(directory, entry.name)
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                info = describe(path, st, entry.name, fd)
                size += len(json.dumps(info))
                if size > LIST_BYTES:
                    truncated = True
                    break
                entries.append(info)
                if level < depth and entry.is_dir(follow_symlinks=False):
                    pending.append((path, level + 1))
        except OSError:
            continue
        finally:
            os.close(fd)
    return {"result": {"path": root, "entries": entries, "truncated": truncated}}


def _put_in_place(temp, path, overwrite):
    """Moves a finished upload to its name, and describes it, saying whether it replaced a file."""
    replaced = False
    if overwrite:
        replaced = os.path.lexists(path)
        os.replace(temp, path)
    else:
        os.link(temp, path)  # fails if the target appeared meanwhile: never clobbers
        os.unlink(temp)
    info = describe(path, os.stat(path))
    info["replaced"] = replaced
    return info


def op_copy(rid, req, job):
    """Copies a file within the sandbox's view, hashing it on the way: how a file of a shared
    directory comes in or goes out without passing through the server."""
    import hashlib
    source = resolve(req["from"])
    path = resolve(req["to"])
    overwrite = req.get("overwrite", True)
    try:
        fd_in = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise fault(e, "read", source)
    parent = os.path.dirname(path)
    temp = os.path.join(parent, ".%s.upload-%s" % (os.path.basename(path), os.urandom(4).hex()))
    made = False
    try:
        _regular_file(fd_in, source)
        _prepare_target(path, overwrite)
        digest = hashlib.sha256()
        fd_out = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        made = True
        try:
            while True:
                if job.cancelled:
                    return {"error": {"message": "Cannot copy %s to %s: cancelled" % (source, path)}}
                chunk = os.read(fd_in, 1 << 20)
                if not chunk:
                    break
                digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd_out, view):]
        finally:
            os.close(fd_out)
        info = _put_in_place(temp, path, overwrite)
        made = False
        return {"result": {"file": info, "sha256": digest.hexdigest()}}
    except OSError as e:
        raise fault(e, "write", path)
    finally:
        os.close(fd_in)
        if made:
            try:
                os.unlink(temp)
            except OSError:
                pass


def op_commit_upload(req):
    """Moves a file uploaded by other means (Daytona's toolbox) into place, like op_write's end."""
    path = resolve(req["path"])
    temp = resolve(req["temp"])
    try:
        if os.path.isdir(path):
            raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)
        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}
    except OSError as e:
        raise fault(e, "write", path)
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)
