#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check the Containerfile without building it (no container engine
needed): that its runtime stage installs every Debian package the built
wiremask needs, nothing to build with, and the DPDK drivers the
manifests in configs/k8s need.

- stages: a build stage and a separate runtime stage (not based on it),
  both Debian 12, the runtime one slim; the build stage installs the
  -dev packages scripts/deps.sh lists;
- each binary the runtime stage copies from the build stage is mapped to
  the file this build tree installs at that path (meson-info); every
  library in its ldd maps (dpkg -S) to a package the runtime stage
  installs, explicitly for the libraries it links directly, or through
  their dependencies or the slim base (Essential and required packages);
- no -dev package or toolchain in the runtime stage;
- DPDK plugins: the mempool driver, the PCI and vdev buses, and the VF
  driver of every NIC the SR-IOV policies / device plugin config select;
  each package ships its plugin in the directory this EAL loads from;
- the entrypoint, the probe script at the path the manifests' probes
  exec, the binary at the path the entrypoint runs; a non-root USER equal
  to the manifests' runAsUser; setcap grants only cap_ipc_lock, which the
  manifests add; .dockerignore leaves build*/ out.

--self-test breaks the Containerfile one way at a time and fails unless
each is caught. Needs dpkg, ldd and BUILD_ROOT (the meson build tree);
exits 77 (skip) without them.
"""

import functools
import json
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_lib as K  # noqa: E402

NOTES = []


def note(msg):
    if msg not in NOTES:
        NOTES.append(msg)


TOOLCHAIN = {"gcc", "g++", "clang", "cpp", "make", "meson", "ninja-build",
             "pkg-config", "pkgconf", "build-essential", "cmake", "binutils"}
ALWAYS_PMDS = {
    "librte-mempool-ring23": "the default mempool driver (ring_mp_mc)",
    "librte-bus-pci23": "the PCI bus (VFs)",
    "librte-bus-vdev23": "the vdev bus (--vdev)",
}
IAVF = "librte-net-iavf23"
IXGBE = "librte-net-ixgbe23"
MLX5 = "librte-net-mlx5-23"
# (vendor, device) of a PF or a VF -> the DPDK package driving its VFs.
_INTEL_IAVF = ("1572 1574 1580 1581 1583 1584 1585 1586 1587 1588 1589 158a "
               "158b 0d58 37ce 37cf 37d0 37d1 37d2 37d3 1591 1592 1593 1599 "
               "159a 159b 188a 188b 188c 188d 188e 1890 "
               "154c 1571 1889 37cd")  # the last four: VF ids
_INTEL_IXGBE = ("10fb 10fc 10f7 1514 1517 10f8 151c 154d 1528 1560 1563 15ab "
                "15ac 15c2 15c3 15c4 15c6 15c7 15c8 15ce 15e4 15e5 "
                "10ed 152e 1515 1530 1564 1565 15a8 15a9 15c5 15b4")
VF_PMD = {}
for _d in _INTEL_IAVF.split():
    VF_PMD[("8086", _d)] = IAVF
for _d in _INTEL_IXGBE.split():
    VF_PMD[("8086", _d)] = IXGBE


def vf_pmd(vendor, device):
    if vendor == "15b3":
        return MLX5
    return VF_PMD.get((vendor, device))


# --- Debian package database ------------------------------------------------

class Dpkg:
    """Installed packages: dependencies, priorities, file owners."""

    def __init__(self):
        fmt = ("${Package}\t${Essential}\t${Priority}\t${Depends}\t"
               "${Pre-Depends}\t${Provides}\t${db:Status-Abbrev}\n")
        out = subprocess.run(["dpkg-query", "-W", "-f", fmt],
                             capture_output=True, text=True,
                             check=True).stdout
        self.deps, self.base, self.provides = {}, set(), {}
        for line in out.splitlines():
            f = line.split("\t")
            if len(f) < 7 or not f[6].startswith("ii"):
                continue
            name = f[0]
            self.deps[name] = self._alts(f[3]) + self._alts(f[4])
            if f[1] == "yes" or f[2] == "required":
                self.base.add(name)
            for p in f[5].split(","):
                p = p.strip().split(" ")[0]
                if p:
                    self.provides.setdefault(p, set()).add(name)
        self.base = self.closure(self.base)

    @staticmethod
    def _alts(field):
        out = []
        for dep in field.split(","):
            alts = [a.strip().split(" ")[0].split(":")[0]
                    for a in dep.split("|") if a.strip()]
            if alts:
                out.append(alts)
        return out

    def closure(self, pkgs):
        seen, todo = set(), list(pkgs)
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            for alts in self.deps.get(p, []):
                # The first alternative installed here (apt's choice).
                for a in alts:
                    cands = [a] if a in self.deps else \
                        sorted(self.provides.get(a, ()))
                    cands = [c for c in cands if c in self.deps]
                    if cands:
                        todo.append(cands[0])
                        break
        return seen

    @staticmethod
    def owners(paths):
        return Dpkg._owners(tuple(sorted(paths)))

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def _owners(paths):
        """{path: package} in one dpkg-query call; /lib and /usr/lib
        are tried both ways (merged /usr)."""
        cands = {}
        for path in paths:
            alts = [path, os.path.realpath(path)]
            for a in list(alts):
                alts.append(a[4:] if a.startswith("/usr/") else "/usr" + a)
            for a in alts:
                cands.setdefault(a, path)
        if not cands:
            return {}
        r = subprocess.run(["dpkg-query", "-S"] + sorted(cands),
                           capture_output=True, text=True)
        out = {}
        for line in r.stdout.splitlines():
            if line.startswith("diversion ") or ": " not in line:
                continue
            pkgs, _, path = line.partition(": ")
            orig = cands.get(path.strip())
            if orig and orig not in out:
                out[orig] = pkgs.split(",")[0].split(":")[0].strip()
        return out

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def files(pkg):
        r = subprocess.run(["dpkg-query", "-L", pkg], capture_output=True,
                           text=True)
        return r.stdout.split() if r.returncode == 0 else None


@functools.lru_cache(maxsize=None)
def ldd(path):
    """(resolved library paths, names not found)."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs, missing = [], []
    for line in out.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if m:
            if m.group(2) == "not":
                missing.append(m.group(1))
            else:
                libs.append(m.group(2))
            continue
        m = re.match(r"\s*(/\S+) \(", line)
        if m:
            libs.append(m.group(1))
    return tuple(libs), tuple(missing)


@functools.lru_cache(maxsize=None)
def needed(path):
    """DT_NEEDED names, or None without readelf."""
    if not shutil.which("readelf"):
        return None
    out = subprocess.run(["readelf", "-d", path], capture_output=True,
                         text=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.+?)\]", out)


# --- the checks ---------------------------------------------------------------

def read_build_tree(build_root):
    """{install path: built file} and the tree's prefix."""
    with open(os.path.join(build_root, "meson-info",
                           "intro-installed.json")) as f:
        installed = json.load(f)
    prefix = "/usr/local"
    try:
        with open(os.path.join(build_root, "meson-info",
                               "intro-buildoptions.json")) as f:
            for o in json.load(f):
                if o.get("name") == "prefix":
                    prefix = o["value"]
    except (OSError, ValueError):
        pass
    return {v: k for k, v in installed.items()}, prefix


def deps_sh_packages():
    with open(os.path.join(K.SRC_DIR, "scripts", "deps.sh")) as f:
        text = f.read()
    m = re.search(r"WM_PACKAGES=\((.*?)\)", text, re.S)
    if not m:
        return []
    return " ".join(line.split("#")[0]
                    for line in m.group(1).splitlines()).split()


def manifest_facts():
    docs, _ = K.load_docs()
    pmds, users, caps, probes, status_dirs = {}, set(), set(), set(), []
    for d in docs:
        spec = d.obj.get("spec") if isinstance(d.obj, dict) else None
        if d.kind == "SriovNetworkNodePolicy" and isinstance(spec, dict):
            sel = spec.get("nicSelector") or {}
            v, dev = sel.get("vendor"), sel.get("deviceID")
            pmd = vf_pmd(v, dev)
            pmds.setdefault(pmd or "?%s:%s" % (v, dev), []).append(d.where)
            if pmd == MLX5 and spec.get("deviceType") == "vfio-pci":
                pmds.setdefault("!mlx5-vfio", []).append(d.where)
        if d.kind == "ConfigMap" and d.name == "sriovdp-config":
            try:
                rl = json.loads(d.obj["data"]["config.json"])["resourceList"]
            except (KeyError, ValueError, TypeError):
                rl = []
            for r in rl:
                sel = r.get("selectors") or {}
                for v in sel.get("vendors") or []:
                    for dev in sel.get("devices") or []:
                        pmd = vf_pmd(v, dev)
                        pmds.setdefault(pmd or "?%s:%s" % (v, dev),
                                        []).append(d.where)
        if d.kind in ("Deployment", "DaemonSet") and isinstance(spec, dict):
            pod = (spec.get("template") or {}).get("spec") or {}
            psc = pod.get("securityContext") or {}
            for c in pod.get("containers") or []:
                if c.get("name") != K.CONTAINER:
                    continue
                sc = c.get("securityContext") or {}
                users.add((sc.get("runAsUser", psc.get("runAsUser")),
                           d.where))
                caps |= set(((sc.get("capabilities") or {}).get("add"))
                            or [])
                for p in ("livenessProbe", "readinessProbe", "startupProbe"):
                    cmd = ((c.get(p) or {}).get("exec") or {}).get("command")
                    if cmd:
                        probes.add((cmd[0], d.where))
                mounts = [m.get("mountPath") for m in
                          c.get("volumeMounts") or []]
                status_dirs.append((mounts, d.where))
    return pmds, users, caps, probes, status_dirs


def check(text, build_root, dpkg, facts, errs):
    args, stages = K.parse_containerfile(text)
    if len(stages) < 2:
        errs.append("Containerfile: %d stage(s): the build must be a stage "
                    "of its own" % len(stages))
        return
    rt = stages[-1]
    names = {s.name: s for s in stages if s.name}
    from_stages = [f for f, _, _ in K.copies(rt) if f]
    if not from_stages:
        errs.append("runtime stage: copies nothing from a build stage")
        return
    build = names.get(from_stages[0]) or (
        stages[int(from_stages[0])] if from_stages[0].isdigit() else None)
    if build is None or build is rt:
        errs.append("runtime stage: COPY --from=%s names no earlier stage"
                    % from_stages[0])
        return
    if rt.base in names or rt.base == build.base:
        errs.append("runtime stage: based on %s, like the build stage: it "
                    "would carry the toolchain" % rt.base)
    for st, want in ((build, r"debian:(12|bookworm)$"),
                     (rt, r"debian:(12|bookworm)-slim$")):
        if not re.search(want, st.base):
            errs.append("stage %s: FROM %s, want %s" %
                        (st.name or st.index, st.base, want.rstrip("$")))
    bpk, rpk = K.apt_installs(build), K.apt_installs(rt)
    if not rpk:
        errs.append("runtime stage: installs no package")
    # The build stage builds with what deps.sh installs.
    for p in deps_sh_packages():
        if p.startswith("lib") and p.endswith("-dev") and p not in bpk:
            errs.append("build stage: does not install %s (scripts/deps.sh "
                        "builds with it)" % p)
    for p in ("meson", "ninja-build", "pkg-config"):
        if p not in bpk:
            errs.append("build stage: does not install %s" % p)
    for p in rpk:
        if p.endswith("-dev") or ":" in p and p.split(":")[0].endswith("-dev"):
            errs.append("runtime stage: installs %s, a -dev package" % p)
        if p in TOOLCHAIN:
            errs.append("runtime stage: installs %s, a build tool" % p)

    # Binaries from the build stage -> this tree's files -> ldd -> packages.
    destdir = "/"
    prefix_cf = "/usr/local"
    for kw, rest in build.instructions:
        if kw == "RUN":
            m = re.search(r"--destdir[= ](\S+)", rest)
            if m:
                destdir = m.group(1)
            m = re.search(r"--prefix[= ](\S+)", rest)
            if m:
                prefix_cf = m.group(1)
    try:
        installed, prefix_bt = read_build_tree(build_root)
    except (OSError, ValueError) as e:
        errs.append("build tree %s: %s" % (build_root, e))
        return
    explicit = set(rpk)
    have = dpkg.closure(explicit | dpkg.base)
    copied_bins = {}
    for frm, srcs, dest in K.copies(rt):
        if not frm:
            for s in srcs:
                if not os.path.exists(os.path.join(K.SRC_DIR, s)):
                    errs.append("COPY %s: not in the source tree" % s)
                elif s.startswith("build"):
                    errs.append("COPY %s: .dockerignore leaves build*/ out"
                                % s)
            continue
        for s in srcs:
            if not s.startswith(destdir.rstrip("/") + "/"):
                errs.append("COPY --from=%s %s: not under the install "
                            "destdir %s" % (frm, s, destdir))
                continue
            ipath = s[len(destdir.rstrip("/")):]
            if ipath.startswith(prefix_cf + "/"):
                ipath = prefix_bt + ipath[len(prefix_cf):]
            built = installed.get(ipath)
            if built is None:
                errs.append("COPY --from=%s %s: meson installs no %s"
                            % (frm, s, ipath))
                continue
            d = dest if not dest.endswith("/") else \
                dest + os.path.basename(s)
            copied_bins[d] = built
    if not copied_bins:
        errs.append("runtime stage: copies no binary from the build")
    for dest, built in sorted(copied_bins.items()):
        if not os.path.exists(built):
            errs.append("%s: not built (%s)" % (dest, built))
            continue
        libs, missing = ldd(built)
        libs = list(libs)
        for m in missing:
            errs.append("%s: ldd: %s not found" % (dest, m))
        direct = needed(built)
        if direct is None:
            note("readelf missing: direct libraries not told apart")
        owners = {}
        libs = [lib for lib in libs if "linux-vdso" not in lib]
        by_path = dpkg.owners(libs)
        for lib in libs:
            pkg = by_path.get(lib)
            if pkg is None:
                errs.append("%s: %s belongs to no Debian package" %
                            (dest, lib))
                continue
            owners[os.path.basename(lib)] = pkg
            if pkg not in have:
                errs.append("%s: needs %s from %s, which the runtime stage "
                            "does not install" % (dest, lib, pkg))
        for name in direct or []:
            pkg = owners.get(name)
            if pkg and pkg not in explicit and pkg not in dpkg.base:
                errs.append("%s: links %s (%s) directly: list %s in the "
                            "runtime stage" % (dest, name, pkg, pkg))
        check_plugins(dest, libs, rpk, dpkg, facts, errs)

    check_layout(rt, copied_bins, facts, errs)
    check_apt(bpk + rpk, errs)


def check_plugins(dest, libs, rpk, dpkg, facts, errs):
    eal = [lib for lib in libs if os.path.basename(lib)
           .startswith("librte_eal.so.")]
    if not eal:
        return
    abi = os.path.basename(eal[0]).split(".so.")[1].split(".")[0]
    plugdir = "/dpdk/pmds-%s.0/" % abi
    with open(os.path.realpath(eal[0]), "rb") as f:
        if plugdir.rstrip("/").encode() + b"\0" not in f.read():
            errs.append("%s: %s does not load plugins from *%s" %
                        (dest, eal[0], plugdir))
    pmds = facts[0]
    want = dict(ALWAYS_PMDS)
    for pmd, where in pmds.items():
        if pmd.startswith("?"):
            errs.append("%s: no VF driver known for NIC %s: add it to "
                        "check_containerfile.py's table" %
                        (", ".join(where), pmd[1:]))
        elif pmd == "!mlx5-vfio":
            errs.append("%s: NVIDIA mlx5 VFs are not driven through "
                        "vfio-pci (deviceType netdevice, isRdma true)"
                        % ", ".join(where))
        else:
            want[pmd] = "the VFs selected in %s" % ", ".join(sorted(where))
    for pkg, why in sorted(want.items()):
        if pkg not in rpk:
            errs.append("runtime stage: does not install %s, DPDK's plugin "
                        "for %s" % (pkg, why))
            continue
        files = dpkg.files(pkg)
        if files is None:
            note("%s not installed here: its plugin file not checked" % pkg)
        elif not any(plugdir in f for f in files):
            errs.append("%s: ships no plugin in *%s" % (pkg, plugdir))


def check_layout(rt, copied_bins, facts, errs):
    _, users, caps, probes, status_dirs = facts
    dests = {}
    for frm, srcs, dest in K.copies(rt):
        for s in srcs:
            dests[dest if not dest.endswith("/") else
                  dest + os.path.basename(s)] = (frm, s)
    entry = [json.loads(r) if r.startswith("[") else r.split()
             for kw, r in rt.instructions if kw == "ENTRYPOINT"]
    if not entry:
        errs.append("runtime stage: no ENTRYPOINT")
    else:
        ep = entry[-1][0]
        if dests.get(ep, (None, None))[1] != "scripts/container-entrypoint.sh":
            errs.append("ENTRYPOINT %s is not scripts/container-entrypoint.sh"
                        % ep)
    with open(os.path.join(K.SRC_DIR, "scripts",
                           "container-entrypoint.sh")) as f:
        m = re.search(r"WIREMASK_BIN:-([^}]+)\}", f.read())
    binpath = m.group(1) if m else "/usr/local/bin/wiremask"
    if binpath not in copied_bins:
        errs.append("the entrypoint runs %s, which the runtime stage does "
                    "not copy from the build" % binpath)
    for path, where in sorted(probes):
        if dests.get(path, (None, None))[1] != "scripts/wiremask-probe.sh":
            errs.append("%s: probes exec %s, where the image has no "
                        "scripts/wiremask-probe.sh" % (where, path))
    user = [r for kw, r in rt.instructions if kw == "USER"]
    if not user:
        errs.append("runtime stage: no USER: runs as root")
    else:
        uid = user[-1].split(":")[0]
        if uid in ("0", "root") or not uid.isdigit():
            errs.append("runtime stage: USER %s: want a numeric non-root "
                        "uid (runAsNonRoot checks it)" % user[-1])
        for u, where in sorted(users, key=str):
            if u is not None and str(u) != uid:
                errs.append("%s: runAsUser %s, the image's USER is %s"
                            % (where, u, uid))
    for kw, r in rt.instructions:
        if kw != "RUN":
            continue
        for m in re.finditer(r"setcap\s+(\S+)\s+(\S+)", r):
            granted = set(c.upper() for c in
                          re.split(r"[,=+]", m.group(1).split("+")[0])
                          if c.startswith("cap_"))
            for c in granted:
                if c != "CAP_IPC_LOCK":
                    errs.append("setcap grants %s: only cap_ipc_lock is "
                                "needed" % c.lower())
                if c[4:] not in caps:
                    errs.append("setcap grants %s, which no manifest adds to "
                                "the bounding set: exec would fail" %
                                c.lower())
    env = " ".join(r for kw, r in rt.instructions if kw == "ENV")
    m = re.search(r"XDG_RUNTIME_DIR=(\S+)", env)
    if not m:
        errs.append("runtime stage: no XDG_RUNTIME_DIR: a non-root EAL puts "
                    "its runtime directory in /tmp, read-only in the pods")
    else:
        for mounts, where in status_dirs:
            if m.group(1) not in mounts:
                errs.append("%s: XDG_RUNTIME_DIR %s is not a writable mount"
                            % (where, m.group(1)))
    di = os.path.join(K.SRC_DIR, ".dockerignore")
    if not os.path.exists(di):
        errs.append(".dockerignore missing: build*/ would be sent as context")
    else:
        with open(di) as f:
            lines = [x.strip() for x in f]
        if not any(x.rstrip("/") in ("build*", "/build*") for x in lines):
            errs.append(".dockerignore does not leave build*/ out")


def check_apt(pkgs, errs):
    import glob
    if not glob.glob("/var/lib/apt/lists/*_Packages*"):
        note("apt lists missing (apt-get update): package names not checked "
             "against the archive")
        return
    pkgs = sorted(set(pkgs))
    cand = apt_candidates(pkgs)
    for p in pkgs:
        if cand.get(p, "(none)") == "(none)":
            errs.append("Containerfile: no Debian package %s" % p)


_CANDIDATES = {}


def apt_candidates(pkgs):
    """{package: candidate version}; apt-cache asked once per package."""
    ask = [p for p in pkgs if p not in _CANDIDATES]
    if ask:
        r = subprocess.run(["apt-cache", "policy"] + ask,
                           capture_output=True, text=True)
        for p in ask:
            _CANDIDATES[p] = "(none)"
        name = None
        for line in r.stdout.splitlines():
            if line and not line[0].isspace() and line.endswith(":"):
                name = line[:-1]
            elif name and line.strip().startswith("Candidate:"):
                _CANDIDATES[name] = line.split(":", 1)[1].strip()
    return _CANDIDATES


def run(text, build_root, dpkg, facts):
    errs = []
    check(text, build_root, dpkg, facts, errs)
    return errs


# --- self-test ----------------------------------------------------------------

def _drop_word(word):
    def f(t):
        return re.sub(r"(?m)([ \t])%s(?=[ \t\\\n])" % re.escape(word), r"\1",
                      t)
    return f


def _runtime_add(word):
    def f(t):
        return t.replace("libcap2-bin \\", "libcap2-bin %s \\" % word, 1)
    return f


MUTATIONS = [
    ("runtime lacks librte-ip-frag23", _drop_word("librte-ip-frag23")),
    ("runtime lacks librte-acl23 (zones)", _drop_word("librte-acl23")),
    ("runtime lacks libhyperscan5", _drop_word("libhyperscan5")),
    ("runtime lacks libconfig9", _drop_word("libconfig9")),
    ("runtime lacks libmicrohttpd12", _drop_word("libmicrohttpd12")),
    ("runtime lacks librte-ring23 (linked, pulled in by others)",
     _drop_word("librte-ring23")),
    ("runtime lacks the mempool driver", _drop_word("librte-mempool-ring23")),
    ("runtime lacks the VF driver", _drop_word("librte-net-iavf23")),
    ("runtime lacks the PCI bus", _drop_word("librte-bus-pci23")),
    ("runtime installs libdpdk-dev", _runtime_add("libdpdk-dev")),
    ("runtime installs gcc", _runtime_add("gcc")),
    ("runtime built on the build stage",
     lambda t: re.sub(r"(?m)^FROM .*-slim AS runtime", "FROM build AS runtime",
                      t)),
    ("runtime from Debian 11", lambda t: t.replace(":12-slim", ":11-slim")),
    ("one stage only",
     lambda t: re.sub(r"(?ms)^FROM \S+:12 AS build.*?(?=^FROM )", "", t)),
    ("build lacks libhyperscan-dev", _drop_word("libhyperscan-dev")),
    ("no USER", lambda t: re.sub(r"(?m)^USER .*\n", "", t)),
    ("USER root", lambda t: re.sub(r"(?m)^USER .*$", "USER 0", t)),
    ("probe installed elsewhere",
     lambda t: t.replace("/usr/local/bin/wiremask-probe\n",
                         "/usr/bin/wiremask-probe\n", 1)),
    ("entrypoint not the script",
     lambda t: re.sub(r'(?m)^ENTRYPOINT .*$',
                      'ENTRYPOINT ["/usr/local/bin/wiremask"]', t)),
    ("setcap grants cap_sys_admin",
     lambda t: t.replace("setcap cap_ipc_lock+ep",
                         "setcap cap_ipc_lock,cap_sys_admin+ep")),
    ("binary not installed by meson",
     lambda t: t.replace("/staging/usr/local/bin/wiremask ",
                         "/staging/usr/local/bin/wiremaskd ")),
    ("no XDG_RUNTIME_DIR", lambda t: t.replace("XDG_RUNTIME_DIR=", "XDG_X=")),
    ("package that does not exist", _runtime_add("librte-net-foo23")),
]


def self_test(text, build_root, dpkg, facts):
    base = run(text, build_root, dpkg, facts)
    if base:
        print("self-test needs a clean Containerfile first:")
        for e in base:
            print("  " + e)
        return 1
    missed = 0
    for what, mutate in MUTATIONS:
        t = mutate(text)
        if t == text:
            print("FAIL %s: the mutation changed nothing" % what)
            missed += 1
            continue
        errs = run(t, build_root, dpkg, facts)
        if errs:
            print("caught %s: %s" % (what, errs[0]))
        else:
            print("FAIL %s: not caught" % what)
            missed += 1
    print("%d passed, %d failed" % (len(MUTATIONS) - missed, missed))
    return 1 if missed else 0


def main():
    build_root = os.environ.get("BUILD_ROOT")
    if not build_root or not os.path.isdir(os.path.join(build_root,
                                                        "meson-info")):
        print("SKIP: BUILD_ROOT (the meson build tree) not set")
        return 77
    for tool in ("dpkg-query", "ldd"):
        if not shutil.which(tool):
            print("SKIP: %s not found (a Debian system is needed)" % tool)
            return 77
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("SKIP: python3-yaml is not installed")
        return 77
    with open(K.CONTAINERFILE) as f:
        text = f.read()
    dpkg = Dpkg()
    facts = manifest_facts()
    if "--self-test" in sys.argv[1:]:
        return self_test(text, build_root, dpkg, facts)
    errs = run(text, build_root, dpkg, facts)
    for n in NOTES:
        print("note: " + n)
    for e in errs:
        print("FAIL " + e)
    if errs:
        return 1
    print("Containerfile: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
