# The sandbox's Python interpreter: runs cells in one namespace, like a notebook kernel. Requests
# arrive as JSON lines on one inherited pipe and replies leave on another, so that stdout and stderr
# stay free for the user's code (and for any subprocess it starts).
import ast
import base64
import importlib
import io
import json
import linecache
import os
import signal
import site
import sys
import traceback
import types

_in_fd, _out_fd = (int(fd) for fd in os.environ.pop("SANDBOX_WORKER_FDS").split(","))
_requests = os.fdopen(_in_fd, "rb")
_replies = os.fdopen(_out_fd, "wb")
_running = False
_cells = 0

# The user's code gets a real __main__ module of its own, so pickle and dataclasses find its classes.
_main = types.ModuleType("__main__")
sys.modules["__main__"] = _main
namespace = _main.__dict__
sys.stdout.reconfigure(line_buffering=True)
sys.stderr.reconfigure(line_buffering=True)


def _on_interrupt(signum, frame):
    # Interrupts stop user code only; one that arrives between cells is ignored.
    if _running:
        raise KeyboardInterrupt


signal.signal(signal.SIGINT, _on_interrupt)


def _format_error(error):
    if isinstance(error, SyntaxError) and error.filename and error.filename.startswith("<cell-"):
        lines = traceback.format_exception_only(type(error), error)
        return {"type": type(error).__name__, "message": str(error), "traceback": "".join(lines)}
    summary = traceback.TracebackException(type(error), error, error.__traceback__)
    # Hide this file's frames (the cell runner, the interrupt handler): show only the user's code.
    summary.stack = traceback.StackSummary.from_list([f for f in summary.stack if f.filename != __file__])
    return {"type": type(error).__name__, "message": str(error), "traceback": "".join(summary.format())}


def _site_dirs():
    """The directories packages get installed into: the environment's and the system's
    site-packages on sys.path, and the user's (`pip install --user`), which joins sys.path only
    once it exists."""
    dirs = [entry for entry in sys.path if entry.endswith(("site-packages", "dist-packages"))]
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user and user not in dirs:
        dirs.insert(0, user)
    return dirs


def _stamp(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _pth_files(path):
    try:
        return {(path, name) for name in os.listdir(path) if name.endswith(".pth")}
    except OSError:
        return set()


_watched = _site_dirs()
_stamps = [_stamp(path) for path in _watched]
_pth_seen = set().union(*(_pth_files(path) for path in _watched))  # site.py processed these


def _refresh_packages():
    """Lets a cell import what `pip install` put in place since the last cell, without a reset:
    a new user site directory joins sys.path, new .pth files are processed, and the import
    system forgets its listings of the directories that changed. A few stat calls when nothing
    did."""
    global _stamps
    stamps = [_stamp(path) for path in _watched]
    if stamps == _stamps:
        return
    changed = [path for path, old, new in zip(_watched, _stamps, stamps) if new is not None and new != old]
    _stamps = stamps
    known = set(sys.path)
    for path in changed:
        if path not in known:
            # Where site.py puts it: before the environment's and the system's site-packages.
            sys.path.insert(next((i for i, e in enumerate(sys.path) if e in _watched), len(sys.path)), path)
            known.add(path)
        for _, name in sorted(_pth_files(path) - _pth_seen):
            _pth_seen.add((path, name))
            site.addpackage(path, name, known)
    importlib.invalidate_caches()


def _run_cell(code):
    global _cells, _running
    _cells += 1
    filename = "<cell-%d>" % _cells
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    tail = compile(last, filename, "eval") if last is not None else None
    _running = True
    try:
        exec(body, namespace)
        value = eval(tail, namespace) if tail is not None else None
    finally:
        _running = False
    if value is not None:
        namespace["_"] = value
    return value


def _short_repr(value, limit):
    try:
        text = repr(value)
    except Exception as e:  # a broken __repr__ must not lose the cell's other results
        text = "<repr failed: %s: %s>" % (type(e).__name__, e)
    if len(text) > limit:
        text = text[:limit] + "... [%d more characters]" % (len(text) - limit)
    return text


def _cut(text, limit):
    """`text` cut to `limit` characters with a note saying how many more it had, as the server
    cuts texts: an exception's message of 60 MB is not sent whole (twice, with its traceback)."""
    if len(text) <= limit:
        return text
    return text[:limit] + "\n[... %d more characters omitted ...]" % (len(text) - limit)


def _collect_figures(max_bytes, max_images, notes):
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    images = []
    try:
        for number in plt.get_fignums():
            if len(images) >= max_images:
                notes.append("Figure %d was not returned: at most %d images per call" % (number, max_images))
                continue
            figure = plt.figure(number)
            dpi = figure.dpi
            for _ in range(4):
                buffer = io.BytesIO()
                figure.savefig(buffer, format="png", dpi=dpi)
                data = buffer.getvalue()
                if len(data) <= max_bytes:
                    break
                dpi *= max(0.3, min(0.9, (max_bytes / len(data)) ** 0.5 * 0.9))
            if len(data) > max_bytes:
                notes.append("Figure %d was not returned: still %d bytes at %d dpi (limit %d)" % (number, len(data), dpi, max_bytes))
                continue
            width, height = figure.get_size_inches()
            images.append({
                "data": base64.b64encode(data).decode(), "mime_type": "image/png",
                "width": round(width * dpi), "height": round(height * dpi), "bytes": len(data),
            })
    finally:
        plt.close("all")
    return images


def _handle(request):
    notes = []
    reply = {"value": None, "error": None}
    try:
        _refresh_packages()
        value = _run_cell(request["code"])
        if value is not None:
            reply["value"] = _short_repr(value, request.get("max_repr", 20_000))
    except BaseException as error:  # SystemExit and KeyboardInterrupt are the cell's results too
        limit = request.get("max_output", 100_000)
        reply["error"] = {k: _cut(v, limit) for k, v in _format_error(error).items()}
    try:
        reply["images"] = _collect_figures(request.get("max_image_bytes", 400_000), request.get("max_images", 8), notes)
    except Exception as error:
        notes.append("Figures could not be saved: %s: %s" % (type(error).__name__, error))
    reply["notes"] = notes
    return reply


def main():
    while True:
        try:
            line = _requests.readline()
            if not line:
                return
            reply = _handle(json.loads(line))
            for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                try:
                    stream.flush()
                except Exception:
                    pass
            _replies.write((json.dumps(reply) + "\n").encode())
            _replies.flush()
        except KeyboardInterrupt:
            continue


main()
