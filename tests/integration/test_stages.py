"""Processing stages on the real binary: a stage built out of tree, --stage-lib errors, the crypto stage.

Out of tree: the build directory of $EDFPIPE is installed with `meson install --destdir` into a
temporary directory, and examples/stage (the `tagcheck` stage, docs/extending.md) is built from a
copy outside the source tree with its Makefile, which only knows `pkg-config --cflags edfpipe`:
PKG_CONFIG_PATH points at the DESTDIR's edfpipe.pc and PKG_CONFIG_SYSROOT_DIR at the DESTDIR, so
the compiler sees the installed edfpipe/stage.h and nothing else of the project. edfpipe then runs
it (`--stage-lib tagcheck.so --processing tagcheck`) on a pcap of every class, IPv4 and IPv6, where
every 3rd valid frame's payload starts with the marked byte: each marked frame is counted under
the stage's own reason `marked` for its class in the exit table, the --stats-json report, the
/edfpipe/stats and /edfpipe/classes telemetry and tools/edfpipe-exporter; every other frame leaves
once, as the fwd stage would send it.

--stage-lib errors: a missing file, a library without `edfpipe_stage`, one with another ABI version:
each gives one error line naming the file, before EAL (so before any lcore), and the exit status
of other start-up errors (that of `--processing nosuch`).

Crypto (src/stage_crypto.cc), in both memory modes: one run encrypts a pcap of every class (IPv4,
IPv6, VLAN, other traffic), a second decrypts that: the frames come back byte-identical (the port
map is off: `fwd.udp_port_map=none`). In the encrypted pcap every UDP payload grew by 28 bytes,
its IVs are unique, its IP and UDP checksums verify; other traffic is untouched. Tampered frames
(a ciphertext byte flipped, the UDP checksum fixed so only the tag can tell) are counted under
auth_failed and not sent, a payload shorter than IV + tag under too_short, a frame that cannot grow
in its mbuf under no_room, one spanning several mbufs under multi_segment. `classes` limits the
classes processed; bad keys are refused before EAL, a missing key when the stage starts.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

import edfit
import teltools
from edfpipe import frames, profile
from edfpipe.pcap import write_pcap
from test_install import build_dir

SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = SOURCE_ROOT / "examples" / "stage"
MARK = 0xEE
KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"  # AES-256
CRYPTO = ["--processing", "crypto", "--set", f"stage crypto.key={KEY}", "--set", "fwd.udp_port_map=none",
          "--idle-exit", edfit.IDLE_EXIT_MS]
IV_TAG = 28  # bytes the crypto stage adds: 12-byte IV + 16-byte tag


def program(name, pkg):
    path = shutil.which(name)
    assert path, f"{name} not found on PATH (Debian package {pkg}; tools/install-deps.sh installs it)"
    return path


def reset_checksum(frame: bytes) -> bytes:
    """`frame` with its UDP checksum computed from scratch (IPv4: 0 stays 0)."""
    u = frames.parse_udp(frame)
    if u.version == 4 and u.checksum == 0:
        return frame
    b = bytearray(frame)
    b[u.l4 + 6:u.l4 + 8] = struct.pack("!H", frames.udp_checksum(frame, u))
    return bytes(b)


def set_payload_byte(frame: bytes, offset: int, value: int) -> bytes:
    u = frames.parse_udp(frame)
    b = bytearray(frame)
    b[u.l4 + 8 + offset] = value
    return reset_checksum(bytes(b))


def payload_of(frame: bytes) -> bytes:
    u = frames.parse_udp(frame)
    return frame[u.l4 + 8:u.l4 + struct.unpack("!H", frame[u.l4 + 4:u.l4 + 6])[0]]


def crypted(frame: bytes) -> bool:
    """Whether the crypto stage processes `frame`: UDP over IP that edfpipe classifies. edfpcap's
    other traffic (tagged NO_CLASS) includes UDP fragments, which edfpipe passes as they are."""
    u = frames.parse_udp(frame)
    return u is not None and u.cls_index != frames.NO_CLASS


def header_key(frame: bytes):
    """IP version and UDP ports: what identifies a frame of these tests' pcaps across encryption."""
    u = frames.parse_udp(frame)
    return u.version, frame[u.l4:u.l4 + 4]


def ipv4_header_ok(frame: bytes, u) -> bool:
    ihl = (frame[u.l3] & 0x0F) * 4
    return frames.csum(frame[u.l3:u.l3 + ihl]) == 0


@pytest.fixture(scope="module")
def startup_rc(edfpipe_bin):
    """The exit status of a start-up error edfpipe already had: an unknown --processing."""
    r = edfit.run_cli(edfpipe_bin, ["--processing", "nosuch"])
    assert r.rc not in (0, None) and "nosuch" in r.stdout + r.stderr, r.describe()
    return r.rc


def error_lines(res):
    return [ln for ln in (res.stdout + res.stderr).splitlines() if "error" in ln.lower()]


# ------------------------------------------------------------------ the installed SDK and the example

@pytest.fixture(scope="module")
def sdk(tmp_path_factory):
    """The build installed into a DESTDIR: its edfpipe.pc, stage.h, and the pkg-config environment."""
    meson = program("meson", "meson")
    program("pkg-config", "pkgconf")
    build = build_dir()
    dest = tmp_path_factory.mktemp("destdir")
    r = subprocess.run([meson, "install", "-C", str(build), "--no-rebuild", "--quiet", "--destdir", str(dest)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"meson install failed:\n{r.stdout}\n{r.stderr}"
    pcs = sorted(dest.rglob("edfpipe.pc"))
    headers = sorted(dest.rglob("stage.h"))
    assert len(pcs) == 1, f"edfpipe.pc installed as {pcs}"
    assert len(headers) == 1 and headers[0].parent.name == "edfpipe", f"stage.h installed as {headers}"
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcs[0].parent), PKG_CONFIG_SYSROOT_DIR=str(dest))
    env.pop("PKG_CONFIG_LIBDIR", None)
    return SimpleNamespace(dest=dest, pc=pcs[0], header=headers[0], env=env)


def test_pkg_config_points_at_installed_header(sdk):
    text = sdk.pc.read_text()
    assert "Libs:" not in text or re.search(r"^Libs:\s*$", text, re.M), f"edfpipe.pc links something:\n{text}"
    r = subprocess.run(["pkg-config", "--cflags", "edfpipe"], env=sdk.env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [f"-I{sdk.header.parent.parent}"], f"Cflags {r.stdout!r}, header at {sdk.header}"
    r = subprocess.run(["pkg-config", "--libs", "edfpipe"], env=sdk.env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == "", f"edfpipe.pc has libs: {r.stdout!r}"
    assert sdk.header.read_bytes() == (SOURCE_ROOT / "lib" / "edfpipe" / "stage.h").read_bytes()


def build_c(sdk, workdir, name, source):
    """`source` built as workdir/name.so against the installed header (as a user would, with cc)."""
    cc = program("cc", "gcc")
    src = Path(workdir) / f"{name}.c"
    src.write_text(source)
    cflags = subprocess.run(["pkg-config", "--cflags", "edfpipe"], env=sdk.env, capture_output=True, text=True,
                            check=True, timeout=30).stdout.split()
    out = Path(workdir) / f"{name}.so"
    r = subprocess.run([cc, "-shared", "-fPIC", "-Wall", "-Werror", *cflags, "-o", str(out), str(src)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"building {name}.so failed:\n{r.stderr}"
    return out


@pytest.fixture(scope="module")
def tagcheck_so(sdk, tmp_path_factory):
    """examples/stage built out of tree by its own Makefile, against the DESTDIR only."""
    program("make", "make")
    program("cc", "gcc")
    work = tmp_path_factory.mktemp("example") / "stage"
    shutil.copytree(EXAMPLE, work)
    r = subprocess.run(["make", "-C", str(work), "CFLAGS=-O2 -Werror"], env=sdk.env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, f"make in a copy of examples/stage failed:\n{r.stdout}\n{r.stderr}"
    assert str(sdk.dest) in r.stdout, f"the example was not built against the DESTDIR's header:\n{r.stdout}"
    so = work / "tagcheck.so"
    assert so.is_file(), r.stdout
    return so


# ------------------------------------------------------------------ --stage-lib errors

NO_SYMBOL_C = "int edfpipe_stage_not_here = 1;\n"
WRONG_ABI_C = """#include <edfpipe/stage.h>
static const struct edfpipe_stage_ops ops = {EDFPIPE_STAGE_ABI_VERSION + 1u, "wrongabi", 0, 0, 0, 0, 0, 0, 0};
const struct edfpipe_stage_ops *edfpipe_stage(void) { return &ops; }
"""


@pytest.mark.parametrize("case", ["missing", "no_symbol", "wrong_abi"])
def test_bad_stage_lib_is_one_clear_startup_error(case, sdk, edfpipe_bin, startup_rc, tmp_path):
    if case == "missing":
        lib, why = tmp_path / "nosuch_stage.so", "cannot load"
    elif case == "no_symbol":
        lib, why = build_c(sdk, tmp_path, "nosym", NO_SYMBOL_C), "edfpipe_stage"
    else:
        lib, why = build_c(sdk, tmp_path, "wrongabi", WRONG_ABI_C), "ABI version"
    r = edfit.run_cli(edfpipe_bin, ["--stage-lib", str(lib), "--processing", "tagcheck",
                                    "--set", "stage tagcheck.drop_byte=0xee"])
    assert r.rc == startup_rc, r.describe()
    assert not r.extra["started_eal"], f"EAL (and lcores) started despite the bad library:\n{r.describe()}"
    errors = error_lines(r)
    assert len(errors) == 1, f"expected one error line:\n{r.describe()}"
    assert str(lib) in errors[0] and why in errors[0], f"the error does not name the file and the cause:\n{errors[0]}"


def test_stage_lib_check_profile_validates_stage_keys(tagcheck_so, edfpipe_bin):
    base = ["--stage-lib", str(tagcheck_so), "--processing", "tagcheck", "--check-profile"]
    r = edfit.run_cli(edfpipe_bin, base + ["--set", "stage tagcheck.drop_byte=0xee"])
    assert r.rc == 0 and "profile OK" in r.stdout + r.stderr, r.describe()
    r = edfit.run_cli(edfpipe_bin, base + ["--set", "stage tagcheck.drop_byte=0x1ff"])
    assert r.rc != 0 and not r.extra["started_eal"], r.describe()
    errors = error_lines(r)
    assert len(errors) == 1 and "drop_byte" in errors[0] and "0x1ff" in errors[0] and "00 to ff" in errors[0], \
        r.describe()


# ------------------------------------------------------------------ the example stage, observed

def tagcheck_traffic():
    """(frames, marked {class: n}, manifest of the unmarked frames as check_forwarded wants it)."""
    prof = profile.builtin()
    out, packets, marked = [], [], Counter()
    seq = 0
    for i in range(240):
        cls = prof.names()[i % len(prof.names())]
        port = prof.port(cls, last=i % 5 == 0)
        fr = frames.valid_frame(seq, cls, port, 64 + (i * 37) % 1300, vlan=100 if i % 7 == 0 else None,
                                ip6=i % 5 == 1)
        if i % 3 == 1:
            out.append(set_payload_byte(fr, 0, MARK))
            marked[cls] += 1
        else:
            out.append(fr)
            packets.append({"seq": seq, "len": len(fr), "dst_port": port, "class": cls})
        seq += 1
    return out, marked, {"packets": packets}


@pytest.fixture(scope="module")
def tagcheck_run(tagcheck_so, edfpipe_bin, tmp_path_factory):
    """edfpipe with the example stage: telemetry and the exporter while it runs, then the report."""
    work = tmp_path_factory.mktemp("tagcheck")
    traffic, marked, manifest = tagcheck_traffic()
    pcap, out = work / "in.pcap", work / "out.pcap"
    write_pcap(str(pcap), traffic)
    run = teltools.LiveEdfpipe(edfpipe_bin, edfit.NOHUGE, work, [f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"],
                               ["--stage-lib", str(tagcheck_so), "--processing", "tagcheck",
                                "--set", f"stage tagcheck.drop_byte={MARK:#04x}", "--duration", "60"])
    exporter = None
    try:
        run.start()
        client = run.client()
        stats = teltools.wait_drained(client, len(traffic))
        classes = client.query("/edfpipe/classes")
        client.close()
        exporter = teltools.Exporter(run.prefix, work)
        metrics, _ = teltools.parse_metrics(exporter.get()[1])
        assert run.stop(signal.SIGINT) == 0, run.describe()
        return SimpleNamespace(traffic=traffic, marked=marked, manifest=manifest, tel_stats=stats,
                               tel_classes=classes, metrics=metrics, final=run.stats,
                               stdout=teltools.read_text(run.out_path), stderr=teltools.read_text(run.err_path),
                               out=edfit.read_pcap(str(out)), describe=run.describe())
    finally:
        if exporter is not None:
            exporter.stop()
        run.cleanup()


def test_tagcheck_forwards_unmarked(tagcheck_run):
    t = tagcheck_run
    assert sum(t.marked.values()) == len(t.traffic) - len(t.manifest["packets"]) > 0
    assert all(t.marked[c] > 0 for c in profile.builtin().names()), t.marked
    edfit.check_forwarded(t.traffic, t.manifest, t.out, edfit.DEFAULT_PORT_MAP)
    # The stage's worker_stop ran, after the workers, and saw every unmarked frame.
    assert f"tagcheck: worker 0 checksummed {len(t.manifest['packets'])} packets" in t.stderr, t.describe


def test_tagcheck_drops_in_report(tagcheck_run):
    t = tagcheck_run
    st = t.final
    edfit.check_accounting(st)
    assert st["drops_by_reason"]["marked"] == st["drops"] == sum(t.marked.values()), st["drops_by_reason"]
    for name, c in edfit.by_class(st).items():
        assert c["drops_by_reason"]["marked"] == c["drops"] == t.marked[name], f"class {name}: {c['drops_by_reason']}"


def test_tagcheck_drops_in_exit_table(tagcheck_run):
    t = tagcheck_run
    for name, n in t.marked.items():
        rows = [ln for ln in t.stdout.splitlines() if ln.split()[:1] == [name]]
        assert rows, f"no row for class {name} in the exit table:\n{t.stdout}"
        assert re.search(rf"\bmarked={n}\b", rows[-1]), f"class {name}: expected marked={n} in\n{rows[-1]}"


def test_tagcheck_drops_in_telemetry(tagcheck_run):
    t = tagcheck_run
    assert t.tel_stats["drops_marked"] == sum(t.marked.values()), t.tel_stats
    for name, n in t.marked.items():
        assert t.tel_classes[name]["drops_marked"] == n, f"class {name}: {t.tel_classes[name]}"


def test_tagcheck_drops_in_exporter(tagcheck_run):
    t = tagcheck_run
    for name, n in t.marked.items():
        assert teltools.metric(t.metrics, "edfpipe_drops_total", **{"class": name, "reason": "marked"}) == n


# ------------------------------------------------------------------ crypto

@pytest.fixture(scope="module")
def crypto(edfpipe, make_pcap):
    """The input pcap, its encryption, the decryption of that, and a decrypt run on tampered frames."""
    pcap, manifest = make_pcap("--count", 600, "--vlan-every", 5, "--ipv6-every", 3, "--other-every", 40,
                               "--min-size", 64, "--max-size", 1400, "--seed", 13)
    in_frames = edfit.read_pcap(pcap)
    w = edfpipe.workdir

    def run(rx, name, direction, extra=()):
        out = f"{w}/{name}.pcap"
        res = edfpipe.run([f"net_pcap0,rx_pcap={rx},tx_pcap={out}"],
                          CRYPTO + ["--set", f"stage crypto.direction={direction}", *extra], timeout=60)
        assert res.rc == 0 and res.stats is not None, res.describe()
        edfit.check_read_all(res, len(edfit.read_pcap(rx)))
        edfit.check_accounting(res.stats, name)
        return res, edfit.read_pcap(out)

    enc_res, enc = run(pcap, "encrypted", "encrypt")
    dec_res, dec = run(f"{w}/encrypted.pcap", "decrypted", "decrypt")

    # Tampering: a ciphertext byte flipped in one frame of each class (best_effort's over IPv6),
    # the UDP checksum fixed so that only the tag can tell.
    prof = profile.builtin()
    plain = {header_key(f): f for f in in_frames if crypted(f)}
    tampered, tampered_cls, victims = list(enc), Counter(), []
    for cls in prof.names():
        version = 6 if cls == "best_effort" else 4
        for i, fr in enumerate(enc):
            u = frames.parse_udp(fr)
            if crypted(fr) and u.version == version and prof.class_of_port(u.dport) == cls:
                tampered[i] = set_payload_byte(fr, 12 + 3, payload_of(fr)[12 + 3] ^ 0x01)
                tampered_cls[cls] += 1
                victims.append(plain[header_key(fr)])
                break
    short_port = prof.port("high")
    tampered.append(frames.eth(0x0800, frames.ipv4(frames.udp(short_port, bytes(IV_TAG - 1)))))
    write_pcap(f"{w}/tampered_in.pcap", tampered)
    tam_res, tam = run(f"{w}/tampered_in.pcap", "tampered", "decrypt")
    return SimpleNamespace(manifest=manifest, inp=in_frames, enc=enc, dec=dec, enc_res=enc_res, dec_res=dec_res,
                           tam_res=tam_res, tam=tam, tam_in=tampered, victims=victims, tampered_cls=tampered_cls)


def test_crypto_round_trip_byte_identical(crypto):
    c = crypto
    assert len(c.dec) == len(c.inp) == c.dec_res.stats["tx"], (len(c.dec), len(c.inp))
    assert Counter(c.dec) == Counter(c.inp), "decrypted frames differ from the input"
    # Within a class the order is kept (one input, one output port); other traffic is best_effort's.
    def per_class(fs):
        out = {}
        for f in fs:
            u = frames.parse_udp(f)
            out.setdefault(u.cls if u is not None and u.cls else "best_effort", []).append(f)
        return out
    assert per_class(c.dec) == per_class(c.inp)


def test_crypto_encrypted_frames(crypto):
    c = crypto
    assert c.enc_res.stats["tx"] == len(c.inp) and c.enc_res.stats["drops"] == 0
    udp_in = [f for f in c.inp if crypted(f)]
    udp_out = [f for f in c.enc if crypted(f)]
    assert len(udp_in) == c.manifest["valid"] == len(udp_out)
    # Other traffic passes unchanged, in order.
    assert [f for f in c.enc if not crypted(f)] == [f for f in c.inp if not crypted(f)]
    assert Counter(len(f) + IV_TAG for f in udp_in) == Counter(len(f) for f in udp_out)
    ivs = set()
    for fr in udp_out:
        u = frames.parse_udp(fr)
        assert u.seq is None, "an encrypted payload still starts with the plain tag"
        assert frames.udp_checksum_verifies(fr, u) and u.checksum == frames.udp_checksum(fr, u), fr[:64].hex()
        if u.version == 4:
            assert ipv4_header_ok(fr, u), fr[:64].hex()
            assert struct.unpack("!H", fr[u.l3 + 2:u.l3 + 4])[0] == len(fr) - u.l3
        else:
            assert struct.unpack("!H", fr[u.l3 + 4:u.l3 + 6])[0] == len(fr) - u.l3 - 40
        ivs.add(payload_of(fr)[:12])
    assert len(ivs) == len(udp_out), "an IV was used twice"
    # The headers are those of the input frames: matched by ports (unique per frame here).
    ins = {header_key(f): f for f in udp_in}
    assert len(ins) == len(udp_in), "the test's input has two frames with the same ports"
    for fr in udp_out:
        src, u = ins[header_key(fr)], frames.parse_udp(fr)
        skip = {u.l4 + 4, u.l4 + 5, u.l4 + 6, u.l4 + 7} | (
            {u.l3 + 2, u.l3 + 3, u.l3 + 10, u.l3 + 11} if u.version == 4 else {u.l3 + 4, u.l3 + 5})
        assert all(fr[i] == src[i] for i in range(u.l4 + 8) if i not in skip), f"headers changed: {fr[:64].hex()}"


def test_crypto_tampered_frames_dropped(crypto):
    c = crypto
    st = c.tam_res.stats
    assert st["drops_by_reason"]["auth_failed"] == len(c.victims) == 4, st["drops_by_reason"]
    assert st["drops_by_reason"]["too_short"] == 1, st["drops_by_reason"]
    assert st["drops"] == len(c.victims) + 1 and st["tx"] == len(c.tam_in) - len(c.victims) - 1
    for name, cl in edfit.by_class(st).items():
        assert cl["drops_by_reason"]["auth_failed"] == c.tampered_cls[name], f"class {name}: {cl['drops_by_reason']}"
    assert edfit.by_class(st)["high"]["drops_by_reason"]["too_short"] == 1
    # Every other frame came back as it was; none of the tampered ones did, in any form.
    expected = Counter(c.inp)
    expected.subtract(c.victims)
    assert Counter(c.tam) == +expected


def test_crypto_classes_limit(edfpipe, make_pcap):
    pcap, manifest = make_pcap("--count", 200, "--ipv6-every", 4, "--seed", 14)
    inp = edfit.read_pcap(pcap)
    out = f"{edfpipe.workdir}/high_only.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"],
                      CRYPTO + ["--set", "stage crypto.direction=encrypt", "--set", "stage crypto.classes=0"])
    assert res.rc == 0, res.describe()
    edfit.check_read_all(res, len(inp))
    got = Counter(edfit.read_pcap(out))
    high = [f for f in inp if frames.parse_udp(f).cls == "high"]
    assert high and len(high) < len(inp)
    assert all(f not in got for f in high), "a frame of class high (index 0) was not encrypted"
    assert all(got[f] == 1 for f in inp if frames.parse_udp(f).cls != "high"), "another class was changed"


def test_crypto_frames_it_cannot_take(edfpipe):
    # edfpipe's mbufs hold 2048 bytes: a 2040-byte frame cannot grow by 28 (no_room), a 2020-byte
    # one over IPv6 just can; net_pcap chains a 3000-byte frame over several mbufs (multi_segment).
    port = profile.builtin().port("high")
    fr = [frames.valid_frame(1, "high", port, 2040), frames.valid_frame(2, "high", port, 3000),
          frames.valid_frame(3, "high", port, 1514), frames.valid_frame(4, "high", port, 2020, ip6=True)]
    pcap, out = f"{edfpipe.workdir}/big.pcap", f"{edfpipe.workdir}/big_out.pcap"
    write_pcap(pcap, fr)
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"], CRYPTO + ["--set", "stage crypto.direction=encrypt"])
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats)
    high = edfit.by_class(res.stats)["high"]["drops_by_reason"]
    assert high["no_room"] == 1 and high["multi_segment"] == 1 and res.stats["drops"] == 2, high
    assert sorted(len(f) for f in edfit.read_pcap(out)) == [1514 + IV_TAG, 2020 + IV_TAG]


@pytest.mark.parametrize("key,value,message", [
    ("direction", "sideways", "expected encrypt, decrypt or roundtrip"),
    ("key", "0011", "expected 32 or 64 hex digits"),
    ("key", "zz" * 16, "not a hex digit"),
    ("classes", "0,9", "class indexes 0-7"),
    ("colour", "blue", "unknown key"),
])
def test_crypto_bad_keys_refused_before_eal(edfpipe_bin, startup_rc, key, value, message):
    r = edfit.run_cli(edfpipe_bin, ["--processing", "crypto", "--set", f"stage crypto.{key}={value}"])
    assert r.rc == startup_rc and not r.extra["started_eal"], r.describe()
    errors = error_lines(r)
    assert len(errors) == 1 and key in errors[0] and value in errors[0] and message in errors[0], r.describe()


def test_crypto_without_key_fails_at_start(edfpipe, startup_rc):
    res = edfpipe.run(["net_null0"], ["--processing", "crypto", "--set", "stage crypto.direction=encrypt"],
                      timeout=60, stats=False)
    assert res.rc == startup_rc, res.describe()
    assert "no key" in res.stdout + res.stderr, res.describe()
