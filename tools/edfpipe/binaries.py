"""Where the project's binaries are, for tools run from the source tree or after `meson install`.

find("edfpipe") looks, in order, at the environment variable (EDFPIPE, EDFGEN, HOP_FLOOR), a
build directory given by the caller, the source tree's own build directories, then PATH. It never
guesses further: a binary that is not found is an error that says how to build it.
"""
import os
import shutil
from pathlib import Path

# The source tree, when this package runs from it (tools/edfpipe/ -> the root).
SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
# Build directories searched in the source tree, in order; tools/build.sh builds into `build`.
BUILD_DIRS = ("build", "build-gen")
# Where meson puts each binary inside a build directory.
BUILD_SUBDIR = {"edfpipe": "src", "edfgen": "tools/edfgen", "edfpipe_hop_floor": "tests/bench"}
ENV_VAR = {"edfpipe": "EDFPIPE", "edfgen": "EDFGEN", "edfpipe_hop_floor": "HOP_FLOOR"}


class NotFound(RuntimeError):
    """No such binary; str() says where it looked and how to get one."""


def find(name: str, build=None) -> str:
    """The path of binary `name` ("edfpipe", "edfgen" or fwd-bench's "edfpipe_hop_floor");
    raises NotFound. A relative `build` directory is taken from the source tree's root."""
    var = ENV_VAR[name]
    if os.environ.get(var):
        path = os.environ[var]
        if not os.path.isfile(path):
            raise NotFound(f"{var}={path}: no such file")
        return path
    dirs = ([SOURCE_ROOT / build] if build else []) + [SOURCE_ROOT / b for b in BUILD_DIRS]
    for d in dirs:
        p = d / BUILD_SUBDIR[name] / name
        if p.is_file():
            return str(p)
    on_path = shutil.which(name)
    if on_path:
        return on_path
    where = ", ".join([f"${var}"] + [str(d / BUILD_SUBDIR[name]) for d in dirs] + ["PATH"])
    raise NotFound(f"cannot find {name} (looked at {where}): build it "
                   f"(bash tools/build.sh, or meson setup build && ninja -C build) or set {var}")
