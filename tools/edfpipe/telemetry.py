"""edfpipe.telemetry: the client of DPDK's telemetry socket, for every tool and test that talks to a
running edfpipe: edftop, edfpipe-exporter, loadrun, soak, the integration tests. tools/
edfpipe_telemetry.py is its command line (main() below). Standard library only.

DPDK 22.11 telemetry (v2): every DPDK process listens on a SOCK_SEQPACKET Unix socket
<runtime dir>/dpdk/<file prefix>/dpdk_telemetry.v2. On connect the server sends one message
{"version": ..., "pid": ..., "max_output_len": 16384}; then each command string sent (e.g.
"/edfpipe/latency,high") gets exactly one JSON reply {"<command without parameters>": value}.
The value is null for an unknown command. A process accepts at most 10 clients at once.

  with connect(file_prefix="rte") as c:
      print(c.query("/edfpipe/stats")["tx"])
      snap = edfpipe_snapshot(c)          # every /edfpipe/* command in one dict

The socket lives in EAL's runtime directory (runtime_dir() below: $RUNTIME_DIRECTORY, else /var/run
for root, else $XDG_RUNTIME_DIR or /tmp); use it rather than writing /var/run/dpdk.
Sampler polls a set of commands once a second in a thread, reconnecting as needed (loadrun).

Errors are exceptions with a message fit for a user:
  NotRunning  no socket, nobody listening on it, or no /edfpipe/* commands (yet)
  WentAway    the connection closed or timed out after it was established (the process exited)
  Stopping    edfpipe answers "edfpipe is not running": its data path has stopped, it is exiting
"""
import errno
import glob
import contextlib
import json
import math
import os
import socket
import stat
import threading
import time

SOCKET_NAME = "dpdk_telemetry.v2"
DEFAULT_PREFIX = "rte"
DEFAULT_TIMEOUT_S = 5.0
# Drop reasons are not listed here: they are read from the replies (drops_<reason> fields), so a
# reason edfpipe adds shows up without a change to the clients.


class TelemetryError(Exception):
    """Base of this module's errors; str() is a complete message for the user."""


class BadReply(TelemetryError):
    """A reply that is JSON but not shaped as edfpipe's: another program on the socket, or a
    version of edfpipe this client does not know."""


@contextlib.contextmanager
def reading(what: str):
    """Turns the errors that reading a malformed reply raises (a missing key, a string where a
    number belongs, ...) into BadReply naming `what`, so a client prints one line, never a
    traceback."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError) as e:
        raise BadReply(f"unexpected reply to {what}: {type(e).__name__}: {e}") from None


class NotRunning(TelemetryError):
    """Nothing to talk to yet: worth waiting for."""


class WentAway(TelemetryError):
    """The process was there and is not any more."""


class Stopping(WentAway):
    """edfpipe is still there but has stopped its data path (it is draining or exiting)."""


def runtime_dir(file_prefix: str) -> str:
    """The runtime directory of a DPDK process, as EAL (and dpdk-telemetry.py) compute it."""
    base = os.environ.get("RUNTIME_DIRECTORY")
    if not base:
        base = "/var/run" if os.getuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", file_prefix)


def socket_path(file_prefix: str = DEFAULT_PREFIX, instance: int = 0) -> str:
    """The v2 socket of --file-prefix `file_prefix`; instance N > 0 is DPDK's ':N' suffix, used
    when several processes share one prefix."""
    path = os.path.join(runtime_dir(file_prefix), SOCKET_NAME)
    return f"{path}:{instance}" if instance else path


def running_prefixes() -> list:
    """File prefixes that have a telemetry socket now (the process may still be gone)."""
    base = runtime_dir("")
    return sorted({os.path.basename(os.path.dirname(p))
                   for p in glob.glob(os.path.join(base, "*", SOCKET_NAME + "*"))})


def _describe_target(file_prefix, path):
    return f"file prefix '{file_prefix}' ({path})" if file_prefix is not None else path


# The most a reply is read into memory: DPDK 22.11 sends at most 16 KiB; a server that says
# otherwise is not trusted with the client's memory.
MAX_REPLY_BYTES = 1 << 20


class _Silent(WentAway):
    """No answer within the timeout (a WentAway, but said differently for the greeting)."""


def _not_a_socket(path):
    """'' if path is a socket (or cannot be examined), else what it is."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISSOCK(mode):
        return ""
    for test, name in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a socket"


class Client:
    """One connection to a telemetry socket. Not thread-safe: one query at a time."""

    def __init__(self, path: str, timeout: float = DEFAULT_TIMEOUT_S, file_prefix=None):
        self.path = path
        self.file_prefix = file_prefix
        self.timeout = timeout
        self.info = {}
        what = _describe_target(file_prefix, path)
        if not os.path.exists(path):
            others = running_prefixes()
            hint = (f"; telemetry sockets exist for: {', '.join(others)}" if others
                    else "; no DPDK process has a telemetry socket")
            raise NotRunning(f"edfpipe is not running: no telemetry socket for {what}{hint}")
        kind = _not_a_socket(path)
        if kind:
            raise TelemetryError(f"{path} is not a socket ({kind}): give --socket the path of a telemetry socket "
                                 f"(/var/run/dpdk/PREFIX/{SOCKET_NAME})")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError as e:
            self.sock.close()
            if e.errno in (errno.ECONNREFUSED, errno.ENOENT):
                raise NotRunning(f"edfpipe is not running: nothing listens on the telemetry socket of {what} "
                                 f"(a process that was killed leaves its runtime directory behind)") from None
            if e.errno == errno.EACCES:
                raise TelemetryError(f"permission denied on {path}: run as the user that runs edfpipe "
                                     f"(usually root)") from None
            raise NotRunning(f"cannot connect to the telemetry socket of {what}: {e.strerror}") from None
        try:
            hello = self._recv(4096, "the greeting")
        except _Silent:
            self.sock.close()
            raise NotRunning(f"the telemetry server of {what} accepted the connection but sent no greeting "
                             f"within {timeout:g} s: it is not a DPDK telemetry socket, or the process is stuck") from None
        except WentAway:
            self.sock.close()
            raise NotRunning(f"the telemetry server of {what} closed the connection at once: it is exiting, "
                             f"or already has 10 clients (DPDK's limit)") from None
        except TelemetryError as e:
            self.sock.close()
            raise BadReply(f"the telemetry server of {what} sent a greeting that is not DPDK's: {e}") from None
        self.info = hello if isinstance(hello, dict) else {}
        # DPDK's limit is 16 KiB; a server that claims more gets at most MAX_REPLY_BYTES read.
        try:
            self.max_output_len = max(1024, min(int(self.info.get("max_output_len", 16384)), MAX_REPLY_BYTES))
        except (TypeError, ValueError, OverflowError):
            self.max_output_len = 16384

    @property
    def pid(self):
        return self.info.get("pid")

    def _gone(self, why):
        pid = self.info.get("pid")
        who = f"pid {pid}, " if pid else ""
        return WentAway(f"edfpipe went away ({who}{_describe_target(self.file_prefix, self.path)}): {why}")

    def _recv(self, bufsize, what):
        try:
            data = self.sock.recv(bufsize)
        except socket.timeout:
            raise _Silent(f"edfpipe went away ({_describe_target(self.file_prefix, self.path)}): "
                          f"no reply to {what} within {self.timeout:g} s") from None
        except ConnectionResetError:
            raise self._gone("the telemetry connection was closed (the process exited)") from None
        except OSError as e:
            raise self._gone(f"{e.strerror} while reading {what}") from None
        if not data:
            raise self._gone("the telemetry connection was closed (the process exited)")
        if len(data) >= bufsize:  # SOCK_SEQPACKET cut the message: it was at least this long
            raise BadReply(f"the reply to {what} is longer than {bufsize} bytes (DPDK's replies are at most "
                           f"{self.max_output_len if hasattr(self, 'max_output_len') else 16384} bytes)")
        try:
            return json.loads(data.decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise TelemetryError(f"invalid JSON in the reply to {what} ({len(data)} bytes): {e}") from None
        except RecursionError:
            raise TelemetryError(f"invalid JSON in the reply to {what} ({len(data)} bytes): nested too deeply") from None

    def query_raw(self, command: str) -> dict:
        """Sends one command and returns the whole reply, {"/cmd": value}."""
        if len(command) >= 1024:
            raise ValueError("a telemetry command has fewer than 1024 bytes")
        try:
            self.sock.send(command.encode())
        except (BrokenPipeError, ConnectionResetError):
            raise self._gone("the telemetry connection was closed (the process exited)") from None
        except OSError as e:
            raise self._gone(f"{e.strerror} while sending {command}") from None
        return self._recv(self.max_output_len + 1024, command)

    def query(self, command: str):
        """Sends one command and returns its value (None for a command the process does not know)."""
        reply = self.query_raw(command)
        if not isinstance(reply, dict) or len(reply) != 1:
            raise TelemetryError(f"unexpected reply to {command}: {reply!r}")
        return next(iter(reply.values()))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def connect(file_prefix: str = DEFAULT_PREFIX, path: str = None, timeout: float = DEFAULT_TIMEOUT_S,
            instance: int = 0) -> Client:
    """Connects by socket path if given, else by DPDK file prefix."""
    if path:
        return Client(path, timeout)
    return Client(socket_path(file_prefix, instance), timeout, file_prefix)


def connect_wait(file_prefix=DEFAULT_PREFIX, path=None, timeout=DEFAULT_TIMEOUT_S, wait_s=0.0, on_wait=None,
                 poll_s=0.2) -> Client:
    """connect(), retrying for up to wait_s seconds while NotRunning; on_wait(message) is called
    on each failed attempt. Also waits until the /edfpipe/* commands answer."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            c = connect(file_prefix, path, timeout)
            try:
                check_edfpipe(c)
                return c
            except BaseException:
                c.close()
                raise
        except (NotRunning, Stopping) as e:
            if time.monotonic() >= deadline:
                raise
            if on_wait:
                on_wait(str(e))
            time.sleep(poll_s)


def check_edfpipe(c: Client):
    """Raises NotRunning if the process has no /edfpipe/* commands (a DPDK process that is not
    edfpipe, or edfpipe before it registered them), Stopping if its data path has stopped."""
    stats = c.query("/edfpipe/stats")
    _check_value("/edfpipe/stats", stats, c)
    return stats


def _check_value(command, value, c):
    if value is None:
        raise NotRunning(f"the process behind {_describe_target(c.file_prefix, c.path)} (pid {c.pid}) does not "
                         f"answer {command}: it is not edfpipe, or edfpipe is still starting")
    if isinstance(value, dict) and value.get("error") == "edfpipe is not running":
        raise Stopping(f"edfpipe went away (pid {c.pid}, {_describe_target(c.file_prefix, c.path)}): it has "
                       f"stopped its data path and is exiting")


def edfpipe_snapshot(c: Client) -> dict:
    """Runs every /edfpipe/* command (latency for each class) and returns
    {"time": monotonic s, "pid", "stats", "classes", "latency": {class: ...}, "queues", "lcores"}.
    Each command is its own snapshot: values of different commands are read moments apart."""
    t = time.monotonic()
    out = {"time": t, "pid": c.pid}
    for key in ("stats", "classes", "queues", "lcores"):
        v = c.query("/edfpipe/" + key)
        _check_value("/edfpipe/" + key, v, c)
        if not isinstance(v, dict):
            raise BadReply(f"unexpected reply to /edfpipe/{key}: {type(v).__name__}, not an object")
        out[key] = v
    out["latency"] = {}
    with reading("/edfpipe/classes"):
        names = class_names(out)
    for name in names:
        v = c.query("/edfpipe/latency," + name)
        _check_value("/edfpipe/latency", v, c)
        if not isinstance(v, dict):
            raise BadReply(f"unexpected reply to /edfpipe/latency,{name}: {type(v).__name__}, not an object")
        out["latency"][name] = v
    return out


def class_names(snap: dict) -> list:
    """Class names in profile order."""
    return sorted(snap["classes"], key=lambda n: snap["classes"][n].get("index", 0))


def drops_by_reason(stats: dict) -> dict:
    """{reason: count} from /edfpipe/stats (its drops_<reason> fields), every reason edfpipe reports."""
    return {k[len("drops_"):]: v for k, v in stats.items() if k.startswith("drops_")}


def rx_by_kind(stats: dict) -> dict:
    """{kind: count} from /edfpipe/stats (its rx_kind_<kind> fields): frames that entered a class,
    by frame kind (udp4, udp6, and with other_traffic arp, icmp4, tcp4, ...)."""
    return {k[len("rx_kind_"):]: v for k, v in stats.items() if k.startswith("rx_kind_")}


def class_drops_by_reason(cls: dict) -> dict:
    return {k[len("drops_"):]: v for k, v in cls.items() if k.startswith("drops_")}


def classless_drops(snap: dict) -> dict:
    """Drops that have no class (parse errors; frames still unparsed at shutdown): the total per
    reason minus the classes' share. /edfpipe/stats and /edfpipe/classes are read moments apart,
    so while packets are dropped the difference can be briefly off; it is clamped at 0."""
    total = drops_by_reason(snap["stats"])
    out = {}
    for reason, n in total.items():
        in_classes = sum(class_drops_by_reason(c).get(reason, 0) for c in snap["classes"].values())
        out[reason] = max(0, n - in_classes)
    return out


def percentile_from_buckets(le_ns, counts, q, max_ns=None):
    """The value at quantile q from /edfpipe/latency buckets, computed as edfpipe does: the upper
    edge of the bucket holding rank ceil(q*n) (at least 1), clamped to max_ns. None when empty."""
    n = sum(counts)
    if n == 0:
        return None
    rank = max(1, math.ceil(q * n))
    seen = 0
    for le, k in zip(le_ns, counts):
        seen += k
        if seen >= rank:
            return min(le, max_ns) if max_ns is not None else le
    return max_ns if max_ns is not None else le_ns[-1]


class Sampler:
    """Runs `commands` every `period_s` seconds in a background thread, from start() to stop(),
    connecting (again) whenever there is no connection; a round that fails is skipped. samples
    holds {"t_s": seconds since the Sampler was made, command: value, ...} per round."""

    def __init__(self, file_prefix: str, commands, period_s: float = 1.0):
        self.file_prefix = file_prefix
        self.commands = list(commands)
        self.period_s = period_s
        self.samples = []
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        c = None
        while not self._stop.is_set():
            try:
                if c is None:
                    c = connect(self.file_prefix)
                sample = {"t_s": round(time.monotonic() - self._t0, 3)}
                for cmd in self.commands:
                    sample[cmd] = c.query(cmd)
                self.samples.append(sample)
            except (TelemetryError, OSError, ValueError):
                if c is not None:
                    c.close()
                c = None
            self._stop.wait(self.period_s)
        if c is not None:
            c.close()


def main(argv=None):
    """A raw client: runs each COMMAND and prints its reply as one JSON line, like dpdk-telemetry.py
    but with exit codes (0 ok, 1 not running, 2 went away) and messages on stderr."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(
        prog="edfpipe_telemetry.py",
        description="Send DPDK telemetry commands to a running edfpipe (or any DPDK process) and print "
                    "each reply as one line of JSON. The module behind tools/edftop and tools/edfpipe-exporter.",
        epilog="Example: edfpipe_telemetry.py -f X /edfpipe/stats /edfpipe/latency,high. "
               "Exit status: 0 ok, 1 not running, 2 went away, 3 a command is unknown to the process.")
    ap.add_argument("-f", "--file-prefix", default=DEFAULT_PREFIX, help="EAL --file-prefix (default: %(default)s)")
    ap.add_argument("--socket", help="telemetry socket path (instead of --file-prefix)")
    ap.add_argument("--wait", type=float, default=0.0, metavar="S", help="wait up to S seconds for the socket")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per reply (default: %(default)s)")
    ap.add_argument("commands", nargs="+", metavar="COMMAND", help="e.g. /edfpipe/stats or /help,/edfpipe/latency")
    args = ap.parse_args(argv)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            c = connect(args.file_prefix, args.socket, args.timeout)
            break
        except NotRunning as e:
            if time.monotonic() >= deadline:
                print(f"edfpipe_telemetry: {e}", file=sys.stderr)
                return 1
            time.sleep(0.1)
        except TelemetryError as e:
            print(f"edfpipe_telemetry: {e}", file=sys.stderr)
            return 1
    status = 0
    with c:
        for cmd in args.commands:
            try:
                reply = c.query_raw(cmd)
            except WentAway as e:
                print(f"edfpipe_telemetry: {e}", file=sys.stderr)
                return 2
            except (TelemetryError, ValueError) as e:
                print(f"edfpipe_telemetry: {cmd}: {e}", file=sys.stderr)
                return 1
            print(json.dumps(reply), flush=True)
            if isinstance(reply, dict) and list(reply.values()) == [None]:
                print(f"edfpipe_telemetry: {cmd}: unknown command (send / for the list)", file=sys.stderr)
                status = 3
    return status


if __name__ == "__main__":
    raise SystemExit(main())
