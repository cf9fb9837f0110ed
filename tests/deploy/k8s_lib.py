# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of the deployment checks: load configs/k8s, Kubernetes
quantities, Multus network annotations, the Containerfile's stages."""

import glob
import json
import os
import re
import shlex
from decimal import Decimal, InvalidOperation

import yaml

SRC_DIR = os.environ.get("SRC_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
K8S_DIR = os.path.join(SRC_DIR, "configs", "k8s")
CONTAINERFILE = os.path.join(SRC_DIR, "Containerfile")

NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks"
RESOURCE_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName"
# The SR-IOV Network Operator's default resource prefix.
SRIOV_PREFIX = "openshift.io"
PROBE = "/usr/local/bin/wiremask-probe"
CONTAINER = "wiremask"


class Doc:
    """One YAML document and where it came from."""

    def __init__(self, path, index, obj):
        self.path = path
        self.index = index
        self.obj = obj

    @property
    def where(self):
        rel = os.path.relpath(self.path, SRC_DIR)
        return "%s[%d]" % (rel, self.index) if self.index else rel

    @property
    def kind(self):
        return self.obj.get("kind") if isinstance(self.obj, dict) else None

    @property
    def name(self):
        return ((self.obj.get("metadata") or {}).get("name")
                if isinstance(self.obj, dict) else None)

    @property
    def namespace(self):
        return ((self.obj.get("metadata") or {}).get("namespace")
                if isinstance(self.obj, dict) else None)


def yaml_files(root=K8S_DIR):
    out = []
    for ext in ("yaml", "yml"):
        out += glob.glob(os.path.join(root, "**", "*." + ext), recursive=True)
    return sorted(out)


def load_docs(root=K8S_DIR):
    """(docs, errors): every document of every YAML file under root."""
    docs, errs = [], []
    for path in yaml_files(root):
        try:
            with open(path, encoding="utf-8") as f:
                objs = list(yaml.safe_load_all(f))
        except yaml.YAMLError as e:
            errs.append("%s: does not parse: %s" %
                        (os.path.relpath(path, SRC_DIR), e))
            continue
        for i, obj in enumerate(o for o in objs if o is not None):
            docs.append(Doc(os.path.abspath(path), i, obj))
    return docs, errs


# --- quantities ----------------------------------------------------------

_SUFFIX = {
    "": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9,
    "T": 10**12, "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20,
    "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
_QTY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")


def quantity(v):
    """A Kubernetes quantity as a Decimal, or None if it is not one."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    if not isinstance(v, str):
        return None
    m = _QTY.match(v.strip())
    if not m:
        return None
    try:
        return Decimal(m.group(1)) * _SUFFIX[m.group(2) or ""]
    except InvalidOperation:
        return None


# --- Multus ----------------------------------------------------------------

def parse_networks(value, default_ns):
    """The networks a k8s.v1.cni.cncf.io/networks value names, as a list of
    (namespace, name), one per attachment; ValueError if malformed."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("empty")
    value = value.strip()
    out = []
    if value.startswith("["):
        items = json.loads(value)
        if not isinstance(items, list):
            raise ValueError("not a JSON list")
        for it in items:
            if not isinstance(it, dict) or not isinstance(it.get("name"), str):
                raise ValueError("an element without \"name\"")
            out.append((it.get("namespace") or default_ns, it["name"]))
        return out
    for part in value.split(","):
        part = part.strip()
        if not part:
            raise ValueError("an empty element")
        part = part.split("@", 1)[0]
        ns, _, name = part.rpartition("/")
        if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", name):
            raise ValueError("bad network name %r" % name)
        out.append((ns or default_ns, name))
    return out


def env_var_of_resource(resource):
    """PCIDEVICE_<RESOURCE> as the SR-IOV device plugin names it."""
    return "PCIDEVICE_" + re.sub(r"[^A-Za-z0-9]", "_", resource).upper()


# --- Containerfile -----------------------------------------------------------

class Stage:
    def __init__(self, base, name, index):
        self.base = base
        self.name = name
        self.index = index
        self.instructions = []  # (keyword, text)


def containerfile_instructions(text):
    """(KEYWORD, arguments) per instruction: comments dropped, continued
    lines joined."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue  # a comment inside a continued instruction
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        kw, _, rest = cur.strip().partition(" ")
        out.append((kw.upper(), rest.strip()))
        cur = ""
    if cur.strip():
        kw, _, rest = cur.strip().partition(" ")
        out.append((kw.upper(), rest.strip()))
    return out


def parse_containerfile(text):
    """(global ARG defaults, [Stage]) of a Containerfile."""
    args, stages = {}, []
    for kw, rest in containerfile_instructions(text):
        if kw == "FROM":
            words = rest.split()
            words = [w for w in words if not w.startswith("--")]
            base = words[0] if words else ""
            base = re.sub(r"\$\{?(\w+)\}?",
                          lambda m: args.get(m.group(1), m.group(0)), base)
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name, len(stages)))
        elif not stages:
            if kw == "ARG":
                k, _, v = rest.partition("=")
                args[k.strip()] = v.strip()
        else:
            stages[-1].instructions.append((kw, rest))
    return args, stages


def apt_installs(stage):
    """Packages the stage's RUN lines give to apt-get/apt install."""
    pkgs = []
    for kw, rest in stage.instructions:
        if kw != "RUN":
            continue
        for cmd in re.split(r"&&|;|\|\|", rest):
            try:
                words = shlex.split(cmd)
            except ValueError:
                words = cmd.split()
            if len(words) < 2 or words[0] not in ("apt-get", "apt"):
                continue
            if "install" not in words:
                continue
            after = words[words.index("install") + 1:]
            pkgs += [w for w in after if not w.startswith("-")]
    return pkgs


def copies(stage):
    """COPY/ADD instructions as (from_stage or None, [sources], dest)."""
    out = []
    for kw, rest in stage.instructions:
        if kw not in ("COPY", "ADD"):
            continue
        if rest.startswith("["):
            words = json.loads(rest)
        else:
            words = shlex.split(rest)
        frm = None
        plain = []
        for w in words:
            if w.startswith("--from="):
                frm = w.split("=", 1)[1]
            elif w.startswith("--"):
                continue
            else:
                plain.append(w)
        out.append((frm, plain[:-1], plain[-1] if plain else ""))
    return out
