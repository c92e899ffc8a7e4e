# How replies leave the supervisor (the frames of src/providers/agent/protocol.ts). On the pipe to
# the server (local sandboxes) each reply is one JSON line, and file data follows it raw; through
# the socket of remote mode (agent_server.py) file data is base64 inside the line, and progress
# lines are kept for the `wait` requests that follow a detached call.
import base64
import json
import sys
import threading

_out = sys.stdout.buffer
_out_lock = threading.Lock()

# Remote mode keeps each request's latest progress line here for `wait` replies (see
# agent_server.serve()); None in pipe mode, where progress lines are sent as they come.
progress = None


def send(message):
    """Writes one reply line. File data (bytes in result["data"]) follows the line raw, its length
    given as result["_binary"]: no base64, no JSON escaping for the bulk of a read."""
    if progress is not None and "line" in message:
        progress[message.get("id")] = (message["line"], message.get("bytes", 0))
        return
    result = message.get("result")
    raw = None
    if isinstance(result, dict) and isinstance(result.get("data"), bytes):
        raw = result.pop("data")
        result["_binary"] = len(raw)
    data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
    with _out_lock:
        _out.write(data)
        if raw is not None:
            _out.write(raw)
        _out.flush()


def socket_line(reply):
    """One reply as a line for the socket of remote mode: file data base64 in the JSON."""
    result = reply.get("result")
    if isinstance(result, dict) and isinstance(result.get("data"), bytes):
        result["data"] = base64.b64encode(result["data"]).decode()
    return (json.dumps(reply, separators=(",", ":")) + "\n").encode()
