# The agent's side of the protocol's one description (src/providers/agent/protocol.ts, written
# beside this file as protocol.json by `deno task gen`): every request is checked against it before
# its handler runs, and a handler sees the request as a Request, which refuses to read a field the
# description does not declare for the operation. So a field added on one side only fails at once.
import json
import os

from agent_env import RUNTIME

with open(os.path.join(RUNTIME, "protocol.json"), "rb") as _f:
    PROTOCOL = json.load(_f)

ERROR_CODES = frozenset(PROTOCOL["errorCodes"])


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_BASE = {
    "string": lambda value: isinstance(value, str),
    "base64": lambda value: isinstance(value, str),
    "number": _is_number,
    "integer": _is_int,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "bytes": lambda value: isinstance(value, (bytes, str)),
    "error_code": lambda value: value in ERROR_CODES,
    "any": lambda value: True,
}


def checker(text):
    """A function that tells whether a value has the field type `text` (see protocol.ts's
    FieldTypes). Raises ValueError for a type the description does not define."""
    if text.startswith("{") and text.endswith("}"):
        item = checker(text[1:-1])
        return lambda value: isinstance(value, dict) and all(item(v) for v in value.values())
    if "|" in text:
        alternatives = [checker(part) for part in text.split("|")]
        return lambda value: any(check(value) for check in alternatives)
    if text.endswith("[]"):
        item = checker(text[:-2])
        return lambda value: isinstance(value, list) and all(item(v) for v in value)
    if text.startswith("'") and text.endswith("'"):
        literal = text[1:-1]
        return lambda value: value == literal
    if text in PROTOCOL["shapes"]:
        fields = _fields(PROTOCOL["shapes"][text])
        return lambda value: isinstance(value, dict) and _conforms(fields, value)
    if text in _BASE:
        return _BASE[text]
    raise ValueError("protocol.json has a type it does not define: %r" % text)


def _fields(spec):
    """{name: (required, check, type text)} for a table of fields."""
    return {name.rstrip("?"): (not name.endswith("?"), checker(text), text) for name, text in spec.items()}


def _conforms(fields, value):
    return (all(name in value for name, (required, _, _) in fields.items() if required)
            and all(name in fields and fields[name][1](v) for name, v in value.items()))


_COMMON = _fields(PROTOCOL["request"])
# Every request's fields by operation: its own and those of every request.
REQUEST_FIELDS = {op: dict(_COMMON, **_fields(spec["request"]))
                  for section in ("ops", "control") for op, spec in PROTOCOL[section].items()}
# The operations with handlers (control requests are the transports' business).
OPS = frozenset(PROTOCOL["ops"])
# Checked at load, so that a type the description does not define stops the agent at once.
for _spec in PROTOCOL["ops"].values():
    if isinstance(_spec["result"], str):
        checker(_spec["result"])
    else:
        _fields(_spec["result"])
for _spec in PROTOCOL["frames"].values():
    _fields(_spec)


class UndeclaredField(Exception):
    """A handler read a field that the protocol does not declare for its operation."""


class Request(dict):
    """A checked request. Reading a field its operation does not declare raises UndeclaredField:
    the handler and the description disagree."""

    __slots__ = ("declared",)

    def __init__(self, req, declared):
        super().__init__(req)
        self.declared = declared

    def _declared(self, key):
        if key not in self.declared:
            raise UndeclaredField("the %s handler reads field %r, which protocol.json does not declare"
                                  % (dict.get(self, "op"), key))

    def __getitem__(self, key):
        self._declared(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._declared(key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        self._declared(key)
        return dict.__contains__(self, key)


def check_request(req):
    """Returns (Request, None) when `req` conforms to its operation's fields, else (None, fault)."""
    op = req.get("op")
    fields = REQUEST_FIELDS.get(op)
    if fields is None:
        return None, {"field": "op", "message": "Unknown operation: %r" % (op,)}
    for name, value in req.items():
        field = fields.get(name)
        if field is None:
            return None, {"field": name, "message": "Cannot run %s: the protocol has no field %s for it" % (op, name)}
        if not field[1](value):
            return None, {"field": name, "message": "Cannot run %s: its field %s must be %s, not %s"
                          % (op, name, field[2], json.dumps(value)[:40])}
    for name, (required, _, text) in fields.items():
        if required and name not in req:
            return None, {"field": name, "message": "Cannot run %s: its field %s (%s) is missing" % (op, name, text)}
    return Request(req, fields), None
