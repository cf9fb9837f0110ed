#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The container's two scripts, run here with /bin/sh (dash on Debian, as
in debian:12-slim):

- scripts/wiremask-probe.sh against status files made up to be fresh,
  stale, not alive, not ready, missing, garbled;
- scripts/container-entrypoint.sh with WIREMASK_DRY_RUN=1: the EAL
  arguments it builds from the device plugin's PCIDEVICE_* variable, this
  process's CPUs, the hugepage and memory settings, and what given
  arguments override;
- then for real: the entrypoint starts the built wiremask (WIREMASK) in
  one-VF mode with the one-VF ConfigMap's config on one net_pcap port
  (received and sent on the same port); while it runs the probe says
  live and ready; after it exits the status file is gone and the probe
  says not live; every frame came back out of the port.
Prints "N passed, N failed"; exit 1 on a failure.
"""

import os
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_lib as K  # noqa: E402

SH = "/bin/sh"
ENTRY = os.path.join(K.SRC_DIR, "scripts", "container-entrypoint.sh")
PROBE = os.path.join(K.SRC_DIR, "scripts", "wiremask-probe.sh")
SAMPLE = os.path.join(K.SRC_DIR, "configs", "samples", "sample-http.pcap")

passed = failed = 0


def ok(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   %s" % what)
    else:
        failed += 1
        print("FAIL %s%s" % (what, (": " + detail) if detail else ""))


def clean_env(**kw):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PCIDEVICE_", "WIREMASK_"))}
    env.update(kw)
    return env


# --- probe -------------------------------------------------------------------

def probe(mode, path, **env):
    r = subprocess.run([SH, PROBE, mode, path], capture_output=True,
                       text=True, env=clean_env(**env), timeout=30)
    return r.returncode, r.stdout.strip()


def status_json(t, alive, ready):
    return ('{"time": %d, "alive": %s, "ready": %s, "ports": '
            '[{"port": 0, "link": "%s"}], "workers": 2}\n'
            % (t, "true" if alive else "false", "true" if ready else "false",
               "up" if ready else "down"))


def test_probe(tmp):
    f = os.path.join(tmp, "status.json")
    now = int(time.time())
    cases = [
        ("fresh, alive, ready", status_json(now, True, True), 0, 0),
        ("fresh, alive, link down", status_json(now, True, False), 0, 1),
        ("fresh, a worker stuck", status_json(now, False, False), 1, 1),
        ("written 30 s ago", status_json(now - 30, True, True), 1, 1),
        ("time in the future", status_json(now + 30, True, True), 1, 1),
        ("empty file", "", 1, 1),
        ("not JSON", "garbage\n", 1, 1),
    ]
    for what, text, live, ready in cases:
        with open(f, "w") as fh:
            fh.write(text)
        got = (probe("live", f)[0], probe("ready", f)[0])
        ok(got == (live, ready), "probe: %s -> live %d ready %d"
           % (what, live, ready), "got %r" % (got,))
    # No "time": the file's mtime decides.
    with open(f, "w") as fh:
        fh.write('{"alive": true, "ready": true}\n')
    ok(probe("ready", f)[0] == 0, "probe: no time field, fresh mtime")
    os.utime(f, (now - 60, now - 60))
    ok(probe("live", f)[0] == 1, "probe: no time field, old mtime")
    rc, out = probe("live", os.path.join(tmp, "none.json"))
    ok(rc == 1 and "no status file" in out, "probe: no file", out)
    with open(f, "w") as fh:
        fh.write(status_json(now - 8, True, True))
    ok(probe("live", f, WIREMASK_PROBE_MAX_AGE="10")[0] == 0,
       "probe: WIREMASK_PROBE_MAX_AGE widens the window")
    ok(probe("sideways", f)[0] == 2, "probe: bad mode is a usage error")
    with open(f, "w") as fh:
        fh.write(status_json(int(time.time()), True, True))
    r = subprocess.run([SH, PROBE, "live"], capture_output=True, text=True,
                       env=clean_env(WIREMASK_STATUS_FILE=f), timeout=30)
    ok(r.returncode == 0, "probe: file from WIREMASK_STATUS_FILE", r.stdout)


# --- entrypoint, dry run ---------------------------------------------------

def entry(args, **env):
    e = clean_env(WIREMASK_DRY_RUN="1", **env)
    r = subprocess.run([SH, ENTRY] + args, capture_output=True, text=True,
                       env=e, timeout=30)
    return r.returncode, r.stdout.splitlines(), r.stderr.strip()


def expected_lcores():
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) == 1:
        return "0@%d,1@%d" % (cpus[0], cpus[0])
    return ",".join("%d@%d" % (i, c) for i, c in enumerate(cpus))


def split(argv):
    i = argv.index("--")
    return argv[1:i], argv[i + 1:]


def test_entrypoint():
    ok(subprocess.run([SH, "-n", ENTRY]).returncode == 0 and
       subprocess.run([SH, "-n", PROBE]).returncode == 0,
       "entrypoint, probe: sh -n")
    vf = "PCIDEVICE_OPENSHIFT_IO_WIREMASK_VF"
    rc, argv, err = entry(["--", "--stats-interval", "10"],
                          **{vf: "0000:3b:02.1,0000:3b:02.0"})
    ok(rc == 0 and argv[0] == "/usr/local/bin/wiremask",
       "entrypoint: runs /usr/local/bin/wiremask", err)
    if rc != 0:
        return
    eal, app = split(argv)
    ok(eal[:4] == ["-a", "0000:3b:02.1", "-a", "0000:3b:02.0"],
       "entrypoint: -a per VF of PCIDEVICE_OPENSHIFT_IO_WIREMASK_VF",
       repr(eal))
    ok("--lcores" in eal and eal[eal.index("--lcores") + 1] ==
       expected_lcores(), "entrypoint: --lcores from the CPU affinity (%s)"
       % expected_lcores(), repr(eal))
    ok("--main-lcore" in eal and eal[eal.index("--main-lcore") + 1] == "0",
       "entrypoint: lcore 0 is the control lcore")
    ok("--in-memory" in eal, "entrypoint: --in-memory with hugepages")
    ok(app == ["-c", "/etc/wiremask/wiremask.cfg", "--status-file",
               "/run/wiremask/status.json", "--stats-interval", "10"],
       "entrypoint: default config and status file, then the given args",
       repr(app))

    rc, argv, _ = entry([], WIREMASK_PCI="0000:af:00.2",
                        WIREMASK_LCORES="2-4,7", WIREMASK_MEM_MB="1024",
                        WIREMASK_EAL_ARGS="--log-level 7")
    eal, app = split(argv)
    ok(rc == 0 and eal[eal.index("--lcores") + 1] == "0@2,1@3,2@4,3@7",
       "entrypoint: CPU list ranges 2-4,7 -> 0@2,1@3,2@4,3@7", repr(eal))
    ok(eal[eal.index("-m") + 1] == "1024", "entrypoint: -m WIREMASK_MEM_MB")
    ok(eal[-2:] == ["--log-level", "7"], "entrypoint: WIREMASK_EAL_ARGS",
       repr(eal))
    ok(eal[:2] == ["-a", "0000:af:00.2"], "entrypoint: WIREMASK_PCI wins")

    rc, argv, err = entry([], WIREMASK_PCI="0000:af:00.2",
                          WIREMASK_LCORES="5")
    ok(rc == 0 and argv[argv.index("--lcores") + 1] == "0@5,1@5" and
       "one CPU" in err, "entrypoint: one CPU is shared by both lcores",
       err)

    rc, argv, _ = entry(["-l", "0-3", "--no-huge", "-m", "256", "--vdev",
                         "net_null0", "--", "-c", "/x.cfg",
                         "--status-file", "/y", "--stats-json", "/a b.json"],
                        WIREMASK_MEM_MB="1024")
    eal, app = split(argv)
    ok(rc == 0 and "--lcores" not in eal and "--in-memory" not in eal and
       eal.count("-m") == 1 and "-a" not in eal,
       "entrypoint: given -l, --no-huge, -m, --vdev win", repr(eal))
    ok(app == ["-c", "/x.cfg", "--status-file", "/y", "--stats-json",
               "/a b.json"],
       "entrypoint: given -c and --status-file win, blanks kept", repr(app))

    rc, argv, _ = entry([], PCIDEVICE_INTEL_COM_OTHER="0000:01:00.1")
    ok(rc == 0 and argv[1:3] == ["-a", "0000:01:00.1"],
       "entrypoint: another resource's PCIDEVICE_* variable", repr(argv))
    rc, argv, _ = entry([], WIREMASK_PCI="0000:01:00.1",
                        WIREMASK_STATUS_FILE="")
    ok(rc == 0 and "--status-file" not in argv,
       "entrypoint: WIREMASK_STATUS_FILE= turns the status file off")
    rc, _, err = entry([])
    ok(rc == 2 and "no VF" in err, "entrypoint: no VF is an error", err)
    rc, _, err = entry([], WIREMASK_PCI="0000:01:00.1;reboot")
    ok(rc == 2 and "not a PCI address" in err,
       "entrypoint: a PCI address is checked", err)
    rc, _, err = entry([], WIREMASK_PCI_ENV="A;B")
    ok(rc == 2, "entrypoint: WIREMASK_PCI_ENV must be a variable name", err)
    rc, argv, _ = entry(["--check-config", "/c.cfg"])
    ok(rc == 0 and argv[1:] == ["--check-config", "/c.cfg"],
       "entrypoint: --check-config goes straight through", repr(argv))


# --- entrypoint + wiremask, for real -----------------------------------------

def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return -1
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    n, off = 0, 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        n += 1
    return n


def one_vf_config(tmp):
    docs, _ = K.load_docs()
    for d in docs:
        if d.kind == "ConfigMap" and d.name == "wiremask-config-one-vf":
            path = os.path.join(tmp, "one-vf.cfg")
            with open(path, "w") as f:
                f.write(d.obj["data"]["wiremask.cfg"])
            return path
    return None


def test_real_run(tmp):
    exe = os.environ.get("WIREMASK")
    if not exe or not os.access(exe, os.X_OK):
        print("skip real run: WIREMASK not set")
        return
    cfg = one_vf_config(tmp)
    ok(cfg is not None, "one-VF ConfigMap found")
    if cfg is None:
        return
    status = os.path.join(tmp, "status.json")
    out = os.path.join(tmp, "out.pcap")
    stats = os.path.join(tmp, "stats.json")
    log = open(os.path.join(tmp, "wiremask.log"), "w+")
    env = clean_env(WIREMASK_BIN=exe, WIREMASK_CONFIG=cfg,
                    WIREMASK_STATUS_FILE=status)
    # One port paired with itself, as a one-VF pod; --idle-exit keeps it
    # running a few seconds after the capture so the probes can look.
    args = ["--no-huge", "-m", "512", "--no-pci", "--no-shconf",
            "--file-prefix", "wm-deploy-%d" % os.getpid(),
            "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (SAMPLE, out),
            "--", "--idle-exit", "3500", "--stats-json", stats]
    p = subprocess.Popen([SH, ENTRY] + args, env=env, stdout=log,
                         stderr=subprocess.STDOUT, cwd=tmp)
    live = ready = None
    deadline = time.time() + 30
    while time.time() < deadline and p.poll() is None:
        if os.path.exists(status):
            live = probe("live", status)
            ready = probe("ready", status)
            if live[0] == 0 and ready[0] == 0:
                break
        time.sleep(0.2)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    log.seek(0)
    text = log.read()
    log.close()
    ok(rc == 0, "entrypoint + wiremask one-VF run exits 0",
       "rc %s\n%s" % (rc, text[-3000:]))
    ok(live is not None and live[0] == 0,
       "probe live while running", repr(live))
    ok(ready is not None and ready[0] == 0,
       "probe ready while running (link up)", repr(ready))
    ok(not os.path.exists(status), "status file removed at exit")
    ok(probe("live", status)[0] == 1, "probe not live after exit")
    n_in, n_out = pcap_frames(SAMPLE), (pcap_frames(out)
                                        if os.path.exists(out) else -1)
    ok(n_in > 0 and n_in == n_out,
       "one-VF: all %d frames left by the port they came in on" % n_in,
       "%d out" % n_out)


def main():
    tmp = tempfile.mkdtemp(prefix="wm-scripts-",
                           dir=os.environ.get("BUILD_DIR"))
    test_probe(tmp)
    test_entrypoint()
    test_real_run(tmp)
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0:
        subprocess.run(["rm", "-rf", tmp])
    else:
        print("work files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
