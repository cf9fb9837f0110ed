#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Validate the Kubernetes manifests in configs/k8s without a cluster.

1. Every YAML file parses; every object has apiVersion, kind, a name.
2. Schemas: Namespace, ConfigMap, Deployment against the Kubernetes API
   models of Debian's python3-kubernetes (unknown fields, types, required
   fields); the SR-IOV and Multus custom resources against the schemas
   below (fields of sriov-network-operator's and Multus' CRDs).
3. What the SR-IOV VNF needs, across objects: the networks annotation
   names a NetworkAttachmentDefinition / SriovNetwork whose resource is the
   SriovNetworkNodePolicy's (and the device plugin config's), requested as
   many times as attached; Guaranteed QoS with integer CPUs (exclusive
   CPUs from the static CPU manager); hugepages and memory requests equal
   to limits; a HugePages emptyDir; the ConfigMap mounted where the config
   path points; probes that exec the probe script on the status file's
   volume; minimal capabilities; the VF PCI variable.
4. Each ConfigMap's wiremask config passes `$WIREMASK --check-config`, and
   its ports.pairs use exactly the ports the pod gets (one VF: [0, 0]).

--self-test removes or breaks one required field at a time and fails
unless every such change is caught.
Exit 0 ok, 1 failures, 77 skip (python3-yaml missing).
"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml  # noqa: F401
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_lib as K  # noqa: E402

NOTES = []


def note(msg):
    if msg not in NOTES:
        NOTES.append(msg)


# --- schemas -------------------------------------------------------------

def _api_models():
    try:
        import kubernetes.client as kc
        return kc
    except ImportError:
        note("schema: python3-kubernetes not installed, core objects get "
             "the structural checks only")
        return None


CORE_MODELS = {
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
    ("apps/v1", "StatefulSet"): "V1StatefulSet",
}

_MODEL_RE = re.compile(r"^(list)\[(.*)\]$|^dict\(([^,]+),\s*(.*)\)$")


def walk_model(kc, value, typ, path, errs, quantity=False):
    """Type-check value against a python3-kubernetes openapi type; unknown
    fields are errors (kubectl --validate=strict)."""
    m = _MODEL_RE.match(typ)
    if m and m.group(1):
        if not isinstance(value, list):
            errs.append("%s: want a list" % path)
            return
        for i, v in enumerate(value):
            walk_model(kc, v, m.group(2), "%s[%d]" % (path, i), errs)
        return
    if m:
        if not isinstance(value, dict):
            errs.append("%s: want a map" % path)
            return
        for k, v in value.items():
            if not isinstance(k, str):
                errs.append("%s: key %r is not a string" % (path, k))
            walk_model(kc, v, m.group(4), "%s.%s" % (path, k), errs,
                       quantity=quantity)
        return
    if typ == "str":
        if quantity and K.quantity(value) is not None:
            return
        if not isinstance(value, str):
            errs.append("%s: want a string, got %r" % (path, value))
        return
    if typ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            errs.append("%s: want an integer, got %r" % (path, value))
        return
    if typ == "bool":
        if not isinstance(value, bool):
            errs.append("%s: want true or false, got %r" % (path, value))
        return
    if typ == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errs.append("%s: want a number, got %r" % (path, value))
        return
    if typ in ("object", "datetime", "date"):
        return
    cls = getattr(kc, typ, None)
    if cls is None:
        return
    if not isinstance(value, dict):
        errs.append("%s: want an object (%s)" % (path, typ))
        return
    by_json = {j: a for a, j in cls.attribute_map.items()}
    for k, v in value.items():
        if k not in by_json:
            errs.append("%s: unknown field %r (%s)" % (path, k, typ))
            continue
        a = by_json[k]
        walk_model(kc, v, cls.openapi_types[a], "%s.%s" % (path, k), errs,
                   quantity=(typ == "V1ResourceRequirements"))


def check_core_schema(kc, doc, errs):
    key = (doc.obj.get("apiVersion"), doc.kind)
    model = CORE_MODELS.get(key)
    if model is None:
        note("schema: no model for %s %s" % key)
        return
    n = len(errs)
    walk_model(kc, doc.obj, model, doc.where, errs)
    if len(errs) > n:
        return
    # Required fields: the client's own deserializer refuses a None
    # where the API requires a value.
    try:
        kc.ApiClient()._ApiClient__deserialize(copy.deepcopy(doc.obj), model)
    except (ValueError, TypeError) as e:
        errs.append("%s: %s schema: %s" % (doc.where, model, e))


_ONOFF = {"type": "string", "enum": ["on", "off"]}
_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR}
_STRMAP = {"type": "object", "additionalProperties": _STR}


def _crd(api, kind, spec, required_spec, meta_annotations=None):
    meta = {
        "type": "object",
        "required": ["name", "namespace"],
        "properties": {
            "name": {"type": "string",
                     "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
            "namespace": {"type": "string"},
            "labels": _STRMAP,
            "annotations": meta_annotations or _STRMAP,
        },
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": api},
            "kind": {"const": kind},
            "metadata": meta,
            "spec": {"type": "object", "properties": spec,
                     "required": required_spec,
                     "additionalProperties": False},
        },
        "additionalProperties": False,
    }


# The fields of the custom resources as their CRDs declare them
# (sriov-network-operator: sriovnetworknodepolicies, sriovnetworks;
# Multus: network-attachment-definitions). Unknown fields are errors.
CRD_SCHEMAS = {
    ("sriovnetwork.openshift.io/v1", "SriovNetworkNodePolicy"): _crd(
        "sriovnetwork.openshift.io/v1", "SriovNetworkNodePolicy", {
            "resourceName": {"type": "string", "pattern": r"^[A-Za-z0-9_]+$"},
            "nodeSelector": _STRMAP,
            "priority": {"type": "integer", "minimum": 0, "maximum": 99},
            "numVfs": {"type": "integer", "minimum": 0},
            "mtu": {"type": "integer", "minimum": 1},
            "nicSelector": {
                "type": "object",
                "properties": {
                    "vendor": {"type": "string", "pattern": r"^[0-9a-f]{4}$"},
                    "deviceID": {"type": "string",
                                 "pattern": r"^[0-9a-f]{4}$"},
                    "pfNames": _STRS, "rootDevices": _STRS,
                    "netFilter": _STR,
                },
                "minProperties": 1,
                "additionalProperties": False,
            },
            "deviceType": {"type": "string",
                           "enum": ["netdevice", "vfio-pci"]},
            "isRdma": {"type": "boolean"},
            "needVhostNet": {"type": "boolean"},
            "linkType": {"type": "string",
                         "enum": ["eth", "ETH", "ib", "IB"]},
            "eSwitchMode": {"type": "string",
                            "enum": ["legacy", "switchdev"]},
            "excludeTopology": {"type": "boolean"},
            "externallyManaged": {"type": "boolean"},
            "vdpaType": {"type": "string", "enum": ["virtio", "vhost"]},
            "bridge": {"type": "object"},
            "eSwitchParams": {"type": "object"},
        }, ["nicSelector", "nodeSelector", "numVfs", "resourceName"]),
    ("sriovnetwork.openshift.io/v1", "SriovNetwork"): _crd(
        "sriovnetwork.openshift.io/v1", "SriovNetwork", {
            "resourceName": {"type": "string", "pattern": r"^[A-Za-z0-9_]+$"},
            "networkNamespace": _STR,
            "vlan": {"type": "integer", "minimum": 0, "maximum": 4096},
            "vlanQoS": {"type": "integer", "minimum": 0, "maximum": 7},
            "vlanProto": {"type": "string", "enum": ["802.1q", "802.1Q",
                                                     "802.1ad", "802.1AD"]},
            "spoofChk": _ONOFF, "trust": _ONOFF, "allMulticast": _ONOFF,
            "linkState": {"type": "string",
                          "enum": ["auto", "enable", "disable"]},
            "ipam": _STR, "capabilities": _STR, "metaPlugins": _STR,
            "maxTxRate": {"type": "integer", "minimum": 0},
            "minTxRate": {"type": "integer", "minimum": 0},
            "logLevel": _STR, "logFile": _STR,
        }, ["resourceName"]),
    ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition"): _crd(
        "k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition",
        {"config": {"type": "string", "minLength": 2}}, ["config"]),
}


def check_crd_schema(doc, errs):
    schema = CRD_SCHEMAS[(doc.obj.get("apiVersion"), doc.kind)]
    try:
        import jsonschema
        note("schema: SriovNetworkNodePolicy, SriovNetwork, "
             "NetworkAttachmentDefinition checked against their CRD fields "
             "(jsonschema)")
    except ImportError:
        note("schema: python3-jsonschema not installed, custom resources "
             "get the structural checks only")
        return
    v = jsonschema.Draft7Validator(schema)
    for e in sorted(v.iter_errors(doc.obj), key=lambda e: list(e.path)):
        where = ".".join(str(p) for p in e.path) or "(top)"
        errs.append("%s: %s: %s" % (doc.where, where, e.message))


# --- cross-object checks ------------------------------------------------

def by_kind(docs, kind):
    return [d for d in docs if d.kind == kind]


def check_basics(docs, errs):
    for d in docs:
        if not isinstance(d.obj, dict):
            errs.append("%s: not a mapping" % d.where)
            continue
        if d.kind == "Kustomization":
            continue
        for f in ("apiVersion", "kind"):
            if not isinstance(d.obj.get(f), str):
                errs.append("%s: no %s" % (d.where, f))
        if not d.name:
            errs.append("%s: no metadata.name" % d.where)


def check_kustomizations(docs, errs):
    for d in by_kind(docs, "Kustomization"):
        base = os.path.dirname(d.path)
        res = d.obj.get("resources") or []
        if not res:
            errs.append("%s: lists no resources" % d.where)
        for r in res:
            p = os.path.join(base, r)
            if not os.path.exists(p):
                errs.append("%s: resource %s does not exist" % (d.where, r))
            elif os.path.isfile(p) and not any(
                    x.path == os.path.abspath(p) for x in docs):
                errs.append("%s: resource %s is not a loaded YAML file"
                            % (d.where, r))
        kinds = set()
        for x in docs:
            for r in res:
                if os.path.abspath(x.path) == os.path.abspath(
                        os.path.join(base, r)):
                    kinds.add(x.kind)
        for want in ("Deployment", "ConfigMap"):
            if want not in kinds:
                errs.append("%s: lists no %s" % (d.where, want))


def policy_resources(docs, errs):
    """Full resource names the cluster will advertise: from the operator's
    node policies and the device plugin's config."""
    out = {}
    for d in by_kind(docs, "SriovNetworkNodePolicy"):
        rn = (d.obj.get("spec") or {}).get("resourceName")
        if isinstance(rn, str):
            out["%s/%s" % (K.SRIOV_PREFIX, rn)] = d
    for d in by_kind(docs, "ConfigMap"):
        cfg = (d.obj.get("data") or {}).get("config.json")
        if cfg is None or d.name != "sriovdp-config":
            continue
        try:
            rl = json.loads(cfg)["resourceList"]
        except (ValueError, KeyError, TypeError) as e:
            errs.append("%s: config.json: %s" % (d.where, e))
            continue
        for r in rl:
            prefix = r.get("resourcePrefix", "intel.com")
            out["%s/%s" % (prefix, r.get("resourceName"))] = d
            sel = r.get("selectors") or {}
            if "vfio-pci" not in (sel.get("drivers") or []):
                errs.append("%s: device plugin resource %s does not select "
                            "vfio-pci VFs" % (d.where, r.get("resourceName")))
    return out


def networks_by_name(docs, errs):
    """(namespace, name) -> [(resource, doc)] for every NAD, and for the
    NAD each SriovNetwork makes."""
    out = {}
    for d in by_kind(docs, "NetworkAttachmentDefinition"):
        ann = (d.obj.get("metadata") or {}).get("annotations") or {}
        res = ann.get(K.RESOURCE_ANNOTATION)
        if not res:
            errs.append("%s: no %s annotation: Multus cannot find the VF"
                        % (d.where, K.RESOURCE_ANNOTATION))
        try:
            conf = json.loads((d.obj.get("spec") or {}).get("config", ""))
            if conf.get("type") != "sriov":
                errs.append("%s: spec.config type is %r, not \"sriov\""
                            % (d.where, conf.get("type")))
        except ValueError as e:
            errs.append("%s: spec.config is not JSON: %s" % (d.where, e))
        out.setdefault((d.namespace, d.name), []).append((res, d))
    for d in by_kind(docs, "SriovNetwork"):
        spec = d.obj.get("spec") or {}
        ns = spec.get("networkNamespace") or d.namespace
        res = "%s/%s" % (K.SRIOV_PREFIX, spec.get("resourceName"))
        out.setdefault((ns, d.name), []).append((res, d))
        if spec.get("spoofChk") != "off":
            errs.append("%s: spoofChk must be \"off\": wiremask forwards "
                        "frames with other hosts' source MACs" % d.where)
        if spec.get("trust") != "on":
            errs.append("%s: trust must be \"on\" for a promiscuous VF"
                        % d.where)
    return out


def env_of(container):
    out = {}
    for e in container.get("env") or []:
        if isinstance(e, dict) and "name" in e:
            out[e["name"]] = e
    return out


def env_value(container, name, default=None):
    e = env_of(container).get(name)
    if e is None:
        return default
    return e.get("value", default)


def is_int_cpu(v):
    q = K.quantity(v)
    return q is not None and q > 0 and q == q.to_integral_value()


def check_resources(d, c, errs):
    res = c.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    cname = "%s: container %s" % (d.where, c.get("name"))
    for key in ("cpu", "memory"):
        if key not in req or key not in lim:
            errs.append("%s: %s needs requests and limits (Guaranteed QoS)"
                        % (cname, key))
        elif K.quantity(req[key]) != K.quantity(lim[key]):
            errs.append("%s: %s requests %s != limits %s (Guaranteed QoS "
                        "needs them equal)" % (cname, key, req[key], lim[key]))
    if "cpu" in lim and not is_int_cpu(lim["cpu"]):
        errs.append("%s: cpu %r is not a whole number of CPUs: the static "
                    "CPU manager gives exclusive CPUs only for integers"
                    % (cname, lim["cpu"]))
    huge = sorted(set(k for k in list(req) + list(lim)
                      if k.startswith("hugepages-")))
    if not huge:
        errs.append("%s: requests no hugepages-2Mi / hugepages-1Gi" % cname)
    for k in huge:
        if k not in req or k not in lim or \
                K.quantity(req[k]) != K.quantity(lim[k]) or \
                not K.quantity(lim[k]):
            errs.append("%s: %s requests must equal limits (and be > 0)"
                        % (cname, k))
    return req, lim, huge


def check_security(d, pod, c, errs):
    cname = "%s: container %s" % (d.where, c.get("name"))
    psc = pod.get("securityContext") or {}
    sc = c.get("securityContext") or {}
    if sc.get("privileged"):
        errs.append("%s: privileged: the pod needs only IPC_LOCK and "
                    "SYS_NICE" % cname)
    caps = sc.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []):
        errs.append("%s: capabilities.drop must be [ALL]" % cname)
    add = set(caps.get("add") or [])
    if "IPC_LOCK" not in add:
        errs.append("%s: capabilities.add lacks IPC_LOCK (VFIO pins the "
                    "hugepages for DMA)" % cname)
    allowed = {"IPC_LOCK", "SYS_NICE", "NET_RAW"}
    for cap in sorted(add - allowed):
        errs.append("%s: capability %s is not needed (allowed: %s)"
                    % (cname, cap, ", ".join(sorted(allowed))))
    nonroot = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
    uid = sc.get("runAsUser", psc.get("runAsUser"))
    if nonroot is not True:
        errs.append("%s: runAsNonRoot is not true" % cname)
    if uid == 0:
        errs.append("%s: runAsUser 0" % cname)
    if nonroot and sc.get("allowPrivilegeEscalation") is False:
        errs.append("%s: allowPrivilegeEscalation false sets no_new_privs, "
                    "which voids wiremask's file capability cap_ipc_lock "
                    "for a non-root user" % cname)
    if psc.get("fsGroup") is None and nonroot:
        errs.append("%s: no fsGroup: the non-root user cannot write the "
                    "hugepage emptyDir" % cname)


def mounts_of(c):
    return {m.get("mountPath"): m for m in c.get("volumeMounts") or []
            if isinstance(m, dict)}


def volume(pod, name):
    for v in pod.get("volumes") or []:
        if isinstance(v, dict) and v.get("name") == name:
            return v
    return None


def mount_for(c, path):
    """The volume mount whose path holds path (longest match)."""
    best = None
    for mp, m in mounts_of(c).items():
        if not isinstance(mp, str):
            continue
        if path == mp or path.startswith(mp.rstrip("/") + "/"):
            if best is None or len(mp) > len(best[0]):
                best = (mp, m)
    return best


def check_volumes(d, pod, c, huge, docs, errs):
    cname = "%s: container %s" % (d.where, c.get("name"))
    sc = c.get("securityContext") or {}
    # Hugepages: an emptyDir of medium HugePages[-<size>] at the huge dir.
    huge_dir = env_value(c, "WIREMASK_HUGE_DIR", "/dev/hugepages")
    m = mounts_of(c).get(huge_dir)
    v = volume(pod, m.get("name")) if m else None
    medium = ((v or {}).get("emptyDir") or {}).get("medium", "")
    if not m or not v or not medium.startswith("HugePages"):
        errs.append("%s: no emptyDir with medium HugePages mounted at %s"
                    % (cname, huge_dir))
    elif medium == "HugePages" and len(huge) > 1:
        errs.append("%s: medium HugePages with two page sizes requested: "
                    "name the size (HugePages-2Mi)" % cname)
    elif medium != "HugePages" and \
            "hugepages-" + medium.split("-", 1)[1] not in huge:
        errs.append("%s: medium %s but that size is not requested"
                    % (cname, medium))
    # The config: WIREMASK_CONFIG (or -c in args) inside a read-only
    # ConfigMap mount whose map has that key.
    args = c.get("args") or []
    cfg = env_value(c, "WIREMASK_CONFIG", "/etc/wiremask/wiremask.cfg")
    for i, a in enumerate(args):
        if a in ("-c", "--config") and i + 1 < len(args):
            cfg = args[i + 1]
        elif isinstance(a, str) and a.startswith("--config="):
            cfg = a.split("=", 1)[1]
    hit = mount_for(c, cfg)
    cm_doc = None
    if not hit:
        errs.append("%s: nothing mounted where the config is read (%s)"
                    % (cname, cfg))
    else:
        mp, mnt = hit
        v = volume(pod, mnt.get("name")) or {}
        cmref = v.get("configMap")
        if not cmref:
            errs.append("%s: %s is not from a ConfigMap" % (cname, cfg))
        else:
            if not mnt.get("readOnly"):
                errs.append("%s: the ConfigMap mount %s is not readOnly"
                            % (cname, mp))
            if mnt.get("subPath") is not None:
                errs.append("%s: the ConfigMap is mounted with subPath at "
                            "%s: the kubelet never updates it, so the pod "
                            "cannot reload a new config by itself"
                            % (cname, mp))
            key = os.path.relpath(cfg, mp) if mnt.get("subPath") is None \
                else None
            items = cmref.get("items")
            if items:
                paths = {i.get("path"): i.get("key") for i in items}
                key = paths.get(key)
            cms = [x for x in by_kind(docs, "ConfigMap")
                   if x.name == cmref.get("name") and
                   (x.namespace or d.namespace) == d.namespace]
            if not cms:
                errs.append("%s: ConfigMap %s not found in namespace %s"
                            % (cname, cmref.get("name"), d.namespace))
            elif key not in (cms[0].obj.get("data") or {}):
                errs.append("%s: ConfigMap %s has no key %r for %s"
                            % (cname, cmref.get("name"), key, cfg))
            else:
                cm_doc = (cms[0], key)
    # The status file: on a writable volume (the root is read-only).
    status = env_value(c, "WIREMASK_STATUS_FILE", "/run/wiremask/status.json")
    hit = mount_for(c, status)
    if not hit:
        if sc.get("readOnlyRootFilesystem"):
            errs.append("%s: the status file %s is on the read-only root"
                        % (cname, status))
    else:
        v = volume(pod, hit[1].get("name")) or {}
        if "emptyDir" not in v or hit[1].get("readOnly"):
            errs.append("%s: the status file %s needs a writable emptyDir"
                        % (cname, status))
    return cm_doc, status


def check_probes(d, c, status, errs):
    cname = "%s: container %s" % (d.where, c.get("name"))
    want = {"livenessProbe": "live", "readinessProbe": "ready",
            "startupProbe": "live"}
    for probe, mode in want.items():
        p = c.get(probe)
        if p is None:
            if probe != "startupProbe":
                errs.append("%s: no %s" % (cname, probe))
            continue
        cmd = ((p.get("exec") or {}).get("command")) or []
        if not cmd or cmd[0] != K.PROBE or len(cmd) < 2 or cmd[1] != mode:
            errs.append("%s: %s must exec [%s, %s] (the status file), "
                        "not %r" % (cname, probe, K.PROBE, mode, cmd))
        elif len(cmd) > 2 and cmd[2] != status:
            errs.append("%s: %s reads %s, wiremask writes %s"
                        % (cname, probe, cmd[2], status))
        period = p.get("periodSeconds", 10)
        if probe == "livenessProbe" and \
                period * p.get("failureThreshold", 3) < 5:
            errs.append("%s: livenessProbe gives up in under 5 s" % cname)


def check_hugepage_env(d, c, huge, errs):
    mem = env_of(c).get("WIREMASK_MEM_MB")
    if mem is None or "valueFrom" not in mem:
        return
    ref = (mem["valueFrom"] or {}).get("resourceFieldRef") or {}
    r = ref.get("resource", "")
    if r.split(".", 1)[-1] not in huge:
        errs.append("%s: WIREMASK_MEM_MB comes from %s, not a requested "
                    "hugepage size" % (d.where, r))
    if K.quantity(ref.get("divisor", "1")) != 2**20:
        errs.append("%s: WIREMASK_MEM_MB needs divisor 1Mi" % d.where)


def check_workloads(docs, errs):
    """Returns [(workload doc, ConfigMap doc, key, number of VFs)]."""
    out = []
    resources = policy_resources(docs, errs)
    nets = networks_by_name(docs, errs)
    for d in docs:
        if d.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
            continue
        tmpl = (d.obj.get("spec") or {}).get("template") or {}
        pod = tmpl.get("spec") or {}
        ann = (tmpl.get("metadata") or {}).get("annotations") or {}
        cs = [c for c in pod.get("containers") or []
              if isinstance(c, dict)]
        main = [c for c in cs if c.get("name") == K.CONTAINER]
        if not main:
            errs.append("%s: no container named %s" % (d.where, K.CONTAINER))
            continue
        c = main[0]
        for other in cs + (pod.get("initContainers") or []):
            req, lim, huge = check_resources(d, other, errs)
        req, lim, huge = check_resources(d, c, [])
        # The VFs: annotation -> network -> resource -> node policy.
        attach = {}
        try:
            names = K.parse_networks(ann.get(K.NETWORKS_ANNOTATION),
                                     d.namespace)
        except (ValueError, TypeError) as e:
            errs.append("%s: pod annotation %s: %s"
                        % (d.where, K.NETWORKS_ANNOTATION, e))
            names = []
        for ns, name in names:
            defs = nets.get((ns, name))
            if not defs:
                errs.append("%s: network %s/%s is neither a "
                            "NetworkAttachmentDefinition nor made by a "
                            "SriovNetwork" % (d.where, ns, name))
                continue
            rs = set(r for r, _ in defs)
            if len(rs) != 1:
                errs.append("%s: the definitions of network %s disagree on "
                            "the resource: %s" % (d.where, name,
                                                  sorted(map(str, rs))))
            r = sorted(map(str, rs))[0]
            attach[r] = attach.get(r, 0) + 1
        nvf = 0
        for r, n in attach.items():
            if r not in resources:
                errs.append("%s: resource %s is made by no "
                            "SriovNetworkNodePolicy / device plugin config"
                            % (d.where, r))
            if K.quantity(req.get(r)) != n or K.quantity(lim.get(r)) != n:
                errs.append("%s: %d attachment(s) of %s but requests %s / "
                            "limits %s" % (d.where, n, r, req.get(r),
                                           lim.get(r)))
            var = K.env_var_of_resource(r)
            got = env_value(c, "WIREMASK_PCI_ENV",
                            "PCIDEVICE_OPENSHIFT_IO_WIREMASK_VF")
            if got != var:
                errs.append("%s: WIREMASK_PCI_ENV is %s, the device plugin "
                            "sets %s" % (d.where, got, var))
            nvf += n
        if not attach:
            errs.append("%s: no SR-IOV VF attached" % d.where)
        for r in resources:
            if r in req and r not in attach:
                errs.append("%s: requests %s but attaches no network of it"
                            % (d.where, r))
        check_security(d, pod, c, errs)
        cm, status = check_volumes(d, pod, c, huge, docs, errs)
        check_probes(d, c, status, errs)
        check_hugepage_env(d, c, huge, errs)
        if cm:
            out.append((d, cm[0], cm[1], nvf))
    if not any(d.kind == "Deployment" for d in docs):
        errs.append("configs/k8s: no Deployment")
    return out


def check_node_policies(docs, errs):
    for d in by_kind(docs, "SriovNetworkNodePolicy"):
        spec = d.obj.get("spec") or {}
        if d.namespace != "sriov-network-operator":
            errs.append("%s: the operator watches namespace "
                        "sriov-network-operator, not %s"
                        % (d.where, d.namespace))
        if spec.get("deviceType") != "vfio-pci" and not spec.get("isRdma"):
            errs.append("%s: deviceType must be vfio-pci (DPDK drives the "
                        "VF), or netdevice with isRdma for mlx5" % d.where)
    made = set("%s/%s" % (K.SRIOV_PREFIX, (d.obj.get("spec") or {})
                          .get("resourceName"))
               for d in by_kind(docs, "SriovNetworkNodePolicy"))
    for d in by_kind(docs, "SriovNetwork"):
        r = "%s/%s" % (K.SRIOV_PREFIX, (d.obj.get("spec") or {})
                       .get("resourceName"))
        if r not in made:
            errs.append("%s: resource %s is made by no SriovNetworkNodePolicy"
                        % (d.where, r))
        if d.namespace != "sriov-network-operator":
            errs.append("%s: the operator watches namespace "
                        "sriov-network-operator, not %s"
                        % (d.where, d.namespace))


# --- the embedded wiremask configs --------------------------------------

def check_configs(found, errs, workdir):
    exe = os.environ.get("WIREMASK")
    if not exe or not os.access(exe, os.X_OK):
        note("config: WIREMASK not set: ConfigMap configs not checked with "
             "--check-config")
        return
    for d, cm, key, nvf in found:
        text = cm.obj["data"][key]
        path = os.path.join(workdir, "%s-%s" % (cm.name, key))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run([exe, "--check-config", path],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            errs.append("%s: ConfigMap %s key %s fails --check-config: %s"
                        % (cm.where, cm.name, key,
                           (r.stderr or r.stdout).strip()))
            continue
        m = re.search(r"^ports\.pairs = (.*)$", r.stdout, re.M)
        if not m:
            errs.append("%s: --check-config printed no ports.pairs"
                        % cm.where)
            continue
        pairs = re.findall(r"(\d+)<->(\d+)", m.group(1))
        if m.group(1).startswith("default"):
            if nvf % 2:
                errs.append("%s: default pairing 0<->1 with %d VF(s) in %s: "
                            "set ports.pairs = ( [0, 0] )"
                            % (cm.where, nvf, d.where))
            continue
        used = set()
        for a, b in pairs:
            used |= {int(a), int(b)}
        if used != set(range(nvf)):
            errs.append("%s: ports.pairs use ports %s but %s gets %d VF(s) "
                        "(ports 0..%d)" % (cm.where, sorted(used), d.where,
                                           nvf, nvf - 1))


def kustomize_build(errs):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        note("kustomize: kubectl not installed, kustomization not built")
        return
    r = subprocess.run([kubectl, "kustomize", K.K8S_DIR],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        errs.append("configs/k8s: kubectl kustomize fails: %s"
                    % r.stderr.strip())
    else:
        note("kustomize: kubectl kustomize configs/k8s builds")


def check_all(docs, workdir, with_exec=True):
    errs = []
    check_basics(docs, errs)
    kc = _api_models()
    if kc is not None:
        note("schema: Namespace, ConfigMap, Deployment checked against the "
             "Kubernetes API models of python3-kubernetes %s"
             % getattr(sys.modules.get("kubernetes"), "__version__", "?"))
    for d in docs:
        if not isinstance(d.obj, dict) or d.kind == "Kustomization":
            continue
        key = (d.obj.get("apiVersion"), d.kind)
        if key in CRD_SCHEMAS:
            check_crd_schema(d, errs)
        elif kc is not None:
            check_core_schema(kc, d, errs)
    check_kustomizations(docs, errs)
    check_node_policies(docs, errs)
    found = check_workloads(docs, errs)
    if with_exec:
        check_configs(found, errs, workdir)
    return errs


# --- self-test: every required field is required -------------------------

def _find(docs, kind, name=None):
    for d in docs:
        if d.kind == kind and (name is None or d.name == name):
            return d.obj
    raise KeyError(kind)


def _ctr(docs, name="wiremask"):
    dep = _find(docs, "Deployment", name)
    return dep["spec"]["template"]["spec"]["containers"][0]


def _pod(docs, name="wiremask"):
    return _find(docs, "Deployment", name)["spec"]["template"]["spec"]


def _cm(docs, name="wiremask-config-one-vf"):
    return _find(docs, "ConfigMap", name)


MUTATIONS = [
    ("hugepages limit removed",
     lambda D: _ctr(D)["resources"]["limits"].pop("hugepages-2Mi")),
    ("hugepages request != limit",
     lambda D: _ctr(D)["resources"]["requests"].update(
         {"hugepages-2Mi": "512Mi"})),
    ("no hugepages at all",
     lambda D: [_ctr(D)["resources"][k].pop("hugepages-2Mi")
                for k in ("requests", "limits")]),
    ("cpu not an integer",
     lambda D: [_ctr(D)["resources"][k].update({"cpu": "2500m"})
                for k in ("requests", "limits")]),
    ("cpu requests != limits",
     lambda D: _ctr(D)["resources"]["requests"].update({"cpu": "2"})),
    ("memory limit removed",
     lambda D: _ctr(D)["resources"]["limits"].pop("memory")),
    ("memory requests != limits",
     lambda D: _ctr(D)["resources"]["requests"].update({"memory": "1Gi"})),
    ("SR-IOV resource not requested",
     lambda D: [_ctr(D)["resources"][k].pop("openshift.io/wiremask_vf")
                for k in ("requests", "limits")]),
    ("two VFs requested for one attachment",
     lambda D: [_ctr(D)["resources"][k].update(
         {"openshift.io/wiremask_vf": "2"}) for k in ("requests", "limits")]),
    ("networks annotation removed",
     lambda D: _find(D, "Deployment", "wiremask")["spec"]["template"]
     ["metadata"]["annotations"].pop(K.NETWORKS_ANNOTATION)),
    ("networks annotation names an unknown network",
     lambda D: _find(D, "Deployment", "wiremask")["spec"]["template"]
     ["metadata"]["annotations"].update(
         {K.NETWORKS_ANNOTATION: "no-such-net"})),
    ("SriovNetwork resourceName differs from the policy's",
     lambda D: [_find(D, "SriovNetwork")["spec"].update(
         {"resourceName": "other_vf"})]),
    ("NAD resourceName annotation removed",
     lambda D: _find(D, "NetworkAttachmentDefinition")["metadata"]
     ["annotations"].pop(K.RESOURCE_ANNOTATION)),
    ("node policy resourceName changed",
     lambda D: _find(D, "SriovNetworkNodePolicy")["spec"].update(
         {"resourceName": "other_vf"})),
    ("node policy numVfs removed",
     lambda D: _find(D, "SriovNetworkNodePolicy")["spec"].pop("numVfs")),
    ("node policy deviceType misspelt",
     lambda D: _find(D, "SriovNetworkNodePolicy")["spec"].update(
         {"deviceType": "vfio"})),
    ("node policy unknown field",
     lambda D: _find(D, "SriovNetworkNodePolicy")["spec"].update(
         {"numVf": 4})),
    ("liveness probe removed",
     lambda D: _ctr(D).pop("livenessProbe")),
    ("readiness probe not the probe script",
     lambda D: _ctr(D)["readinessProbe"]["exec"].update(
         {"command": ["/bin/true"]})),
    ("liveness probe checks ready",
     lambda D: _ctr(D)["livenessProbe"]["exec"]["command"].__setitem__(
         1, "ready")),
    ("ConfigMap volume removed",
     lambda D: _pod(D).__setitem__("volumes", [
         v for v in _pod(D)["volumes"] if "configMap" not in v])),
    ("ConfigMap mount not read-only",
     lambda D: [m.pop("readOnly") for m in _ctr(D)["volumeMounts"]
                if m["name"] == "config"]),
    ("ConfigMap mounted with subPath (never updated: no reload)",
     lambda D: [m.update({"mountPath": "/etc/wiremask/wiremask.cfg",
                          "subPath": "wiremask.cfg"})
                for m in _ctr(D)["volumeMounts"] if m["name"] == "config"]),
    ("config path outside the ConfigMap mount",
     lambda D: [e.update({"value": "/etc/other/wiremask.cfg"})
                for e in _ctr(D)["env"] if e["name"] == "WIREMASK_CONFIG"]),
    ("ConfigMap key renamed",
     lambda D: _cm(D)["data"].update(
         {"other.cfg": _cm(D)["data"].pop("wiremask.cfg")})),
    ("hugepage volume not HugePages",
     lambda D: [v["emptyDir"].pop("medium") for v in _pod(D)["volumes"]
                if v["name"] == "hugepages"]),
    ("status volume removed",
     lambda D: _ctr(D).__setitem__("volumeMounts", [
         m for m in _ctr(D)["volumeMounts"] if m["name"] != "run"])),
    ("IPC_LOCK not added",
     lambda D: _ctr(D)["securityContext"]["capabilities"]["add"].remove(
         "IPC_LOCK")),
    ("SYS_ADMIN added",
     lambda D: _ctr(D)["securityContext"]["capabilities"]["add"].append(
         "SYS_ADMIN")),
    ("privileged",
     lambda D: _ctr(D)["securityContext"].update({"privileged": True})),
    ("runAsNonRoot removed",
     lambda D: [_pod(D)["securityContext"].pop("runAsNonRoot"),
                _ctr(D)["securityContext"].pop("runAsNonRoot")]),
    ("no_new_privs for a file-capability binary",
     lambda D: _ctr(D)["securityContext"].update(
         {"allowPrivilegeEscalation": False})),
    ("PCI variable name wrong",
     lambda D: [e.update({"value": "PCIDEVICE_INTEL_COM_WIREMASK_VF"})
                for e in _ctr(D)["env"] if e["name"] == "WIREMASK_PCI_ENV"]),
    ("unknown container field (schema)",
     lambda D: _ctr(D).update({"livenesProbe": {}})),
    ("env value not a string (schema)",
     lambda D: _ctr(D)["env"].append({"name": "X", "value": 5})),
    ("Deployment selector removed (schema)",
     lambda D: _find(D, "Deployment", "wiremask")["spec"].pop("selector")),
    ("one-VF config pairs [0, 1]",
     lambda D: _cm(D)["data"].update({"wiremask.cfg": _cm(D)["data"]
                                      ["wiremask.cfg"].replace(
                                          "[0, 0]", "[0, 1]")})),
    ("one-VF config invalid",
     lambda D: _cm(D)["data"].update({"wiremask.cfg": _cm(D)["data"]
                                      ["wiremask.cfg"] + "\nbogus = 1;\n"})),
    ("two-VF pod attaches one VF",
     lambda D: [_find(D, "Deployment", "wiremask-two-vf")["spec"]
                ["template"]["metadata"]["annotations"].update(
                    {K.NETWORKS_ANNOTATION: "wiremask-vf"})]),
]


def self_test(docs, workdir):
    base = check_all(docs, workdir)
    if base:
        print("self-test needs clean manifests first:")
        for e in base:
            print("  " + e)
        return 1
    missed = 0
    for what, mutate in MUTATIONS:
        mdocs = copy.deepcopy(docs)
        try:
            mutate(mdocs)
        except (KeyError, IndexError, ValueError) as e:
            print("FAIL %s: cannot apply (%s: %s)" % (what, type(e).__name__,
                                                      e))
            missed += 1
            continue
        needs_exec = "config" in what
        errs = check_all(mdocs, workdir, with_exec=needs_exec)
        if needs_exec and not os.environ.get("WIREMASK"):
            print("skip %s (WIREMASK not set)" % what)
            continue
        if errs:
            print("caught %s: %s" % (what, errs[0]))
        else:
            print("FAIL %s: not caught" % what)
            missed += 1
    n = len(MUTATIONS)
    print("%d passed, %d failed" % (n - missed, missed))
    return 1 if missed else 0


def main():
    docs, errs = K.load_docs()
    workdir = tempfile.mkdtemp(prefix="wm-k8s-",
                               dir=os.environ.get("BUILD_DIR"))
    try:
        if errs:
            for e in errs:
                print("FAIL " + e)
            return 1
        if not docs:
            print("FAIL no YAML under %s" % K.K8S_DIR)
            return 1
        if "--self-test" in sys.argv[1:]:
            return self_test(docs, workdir)
        errs = check_all(docs, workdir)
        kustomize_build(errs)
        if os.environ.get("WIREMASK") and not errs:
            note("config: every ConfigMap's wiremask.cfg passes "
                 "--check-config and pairs the pod's VFs")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for n in NOTES:
        print("note: " + n)
    files = sorted(set(os.path.relpath(d.path, K.SRC_DIR) for d in docs))
    print("%d YAML files, %d objects" % (len(files), len(docs)))
    for e in errs:
        print("FAIL " + e)
    if errs:
        return 1
    print("configs/k8s: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
