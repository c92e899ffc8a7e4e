# The sandbox's Python environment: a virtual environment that sees the host's packages
# (include-system-site-packages), first on every command's PATH and running python_exec, so that
# `pip install x`, `python -m pip install x` and `uv pip install x` install into it without flags.
# A Debian or Ubuntu python3 refuses installs outside a virtual environment (PEP 668,
# EXTERNALLY-MANAGED); inside one pip and uv install into the environment, which the interpreter
# of python_exec imports from. Written by hand: a pyvenv.cfg, three symlinks to the base
# interpreter, an empty site-packages and pip's scripts take well under a millisecond, where
# `python -m venv` takes about 50.
import os
import sys

from agent_env import BASE_ENV, HOME, VENV

# The interpreter python_exec runs (agent_python.py): the environment's once it exists.
python = None
# Where the environment is: where the server says (local sandboxes), else ~/.venv when this
# Python would refuse installs (a Debian python3 on a Daytona image), else none.
path = None


def externally_managed():
    """Whether this interpreter refuses pip installs (PEP 668) and runs outside any environment."""
    stdlib = os.path.dirname(os.__file__)
    return sys.prefix == sys.base_prefix and os.path.exists(os.path.join(stdlib, "EXTERNALLY-MANAGED"))


def ensure(path):
    """Makes the environment at `path` unless one is there (a user's own is kept as it is).
    Returns its interpreter, or None when it cannot be made (a full disk, a file in the way)."""
    interpreter = os.path.join(path, "bin", "python3")
    site = os.path.join(path, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
    try:
        if os.path.exists(os.path.join(path, "pyvenv.cfg")) and os.path.exists(interpreter):
            # A newer host Python gets a site-packages of its own version.
            os.makedirs(site, exist_ok=True)
            return interpreter
        base = getattr(sys, "_base_executable", sys.executable)
        bin_dir = os.path.join(path, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        os.makedirs(site, exist_ok=True)
        if sys.maxsize > 2 ** 32 and not os.path.lexists(os.path.join(path, "lib64")):
            os.symlink("lib", os.path.join(path, "lib64"))  # as `python -m venv` does
        links = {"python": base, "python3": "python", "python%d.%d" % sys.version_info[:2]: "python"}
        for name, target in links.items():
            link = os.path.join(bin_dir, name)
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(target, link)
        if any(os.path.isdir(os.path.join(entry, "pip")) for entry in sys.path if entry):
            # The host's pip, run by the environment's interpreter (a host /usr/bin/pip would
            # run the host's, and refuse).
            script = ("#!%s\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n"
                      % os.path.join(bin_dir, "python"))
            for name in ("pip", "pip3", "pip%d.%d" % sys.version_info[:2]):
                with open(os.path.join(bin_dir, name), "w") as f:
                    f.write(script)
                os.chmod(os.path.join(bin_dir, name), 0o755)
        # Written last: a half-made environment (no pyvenv.cfg) is made again next time.
        with open(os.path.join(path, "pyvenv.cfg"), "w") as f:
            f.write("home = %s\ninclude-system-site-packages = true\nversion = %s\nexecutable = %s\n"
                    % (os.path.dirname(base), sys.version.split()[0], os.path.realpath(base)))
        return interpreter
    except OSError:
        return None


def activate():
    """Makes the environment (when the server asked for one, or this Python is externally
    managed) and puts it first on every command's PATH; python_exec then runs it."""
    global path, python
    path = VENV or (os.path.join(HOME, ".venv") if externally_managed() else None)
    if not path:
        return
    python = ensure(path)
    if python is None:
        return
    BASE_ENV["VIRTUAL_ENV"] = path
    BASE_ENV["PATH"] = os.path.join(path, "bin") + os.pathsep + BASE_ENV.get("PATH", os.defpath)
    BASE_ENV.pop("PYTHONHOME", None)


def interpreter(default):
    """The interpreter for a new python_exec worker: the environment's (made again if it was
    deleted meanwhile), else `default`."""
    global python
    if python is not None and not os.path.exists(python):
        python = ensure(path)
    return python or default
