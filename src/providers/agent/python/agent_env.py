# What the server tells the supervisor through its environment, read once at start. The variables
# meant for the supervisor alone are removed, so that no command or interpreter inherits them.
import os
import sys

HOME = os.environ.get("HOME", "/")
# The runtime directory: the supervisor's modules, worker.py and protocol.json.
RUNTIME = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.environ.pop("SANDBOX_PYTHON", sys.executable)
LIMITS = os.environ.pop("SANDBOX_LIMITS", "")
# Set when the server moves the sandbox into its control group after the spawn: the agent then
# starts nothing (no thread that could fork, no interpreter) until the server says "start".
HOLD = os.environ.pop("SANDBOX_HOLD", "")
# "pid1" when the agent is the sandbox's PID 1 (the local provider): it then protects itself and
# reaps orphans (protect.py).
SUPERVISOR = os.environ.pop("SANDBOX_SUPERVISOR", "")
# The `internet` network mode's relay to the server's egress proxy (net.py), when set.
NET = os.environ.pop("SANDBOX_NET", "")
# Where the sandbox's Python environment lives (agent_venv.py), when the server gives one.
VENV = os.environ.pop("SANDBOX_VENV", "")
# The environment of every command and of the interpreter.
BASE_ENV = dict(os.environ)
