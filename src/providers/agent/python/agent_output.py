# What a command or a Python cell writes: kept in part, counted in full, and reported now and then
# as progress lines.
import base64
import time

import agent_frames

# How often a running call reports its latest output line, in seconds.
LINE_EVERY = 0.5


class Capture:
    """Keeps the first and the last `limit // 2` bytes of a stream and counts all of it."""

    def __init__(self, limit):
        self.head_limit = limit // 2
        self.tail_limit = limit - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.recent = b""

    def add(self, data):
        self.total += len(data)
        self.recent = (self.recent + data)[-512:]
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.tail_limit:
                del self.tail[: len(self.tail) - self.tail_limit]

    def last_line(self):
        lines = self.recent.rstrip(b"\r\n").replace(b"\r", b"\n").rsplit(b"\n", 1)
        return lines[-1][-200:].decode("utf-8", "replace")

    def to_json(self):
        return {
            "head": base64.b64encode(bytes(self.head)).decode(),
            "tail": base64.b64encode(bytes(self.tail)).decode(),
            "total": self.total,
        }


class LineReporter:
    """Sends the latest output line of a request now and then, for progress notifications."""

    def __init__(self, rid, captures):
        self.rid = rid
        self.captures = captures
        self.sent_total = 0
        self.next_at = time.monotonic() + LINE_EVERY

    def tick(self, now):
        if now < self.next_at:
            return self.next_at
        self.next_at = now + LINE_EVERY
        newest = max(self.captures, key=lambda c: c.total)
        total = sum(c.total for c in self.captures)
        if total != self.sent_total:
            self.sent_total = total
            agent_frames.send({"id": self.rid, "line": newest.last_line(), "bytes": total})
        return self.next_at
