"""What `kubectl apply -k` would create, made playable by `podman kube play` on one host.

Used by scripts/kube-play.sh. Reads the rendered kustomization (argv[1]), the Secrets the
recipe made (argv[2], a directory of `kubectl create secret --dry-run=client -o yaml` files)
and writes the objects to play (argv[3]) plus each Secret's files under argv[4]. Each change
is one this host needs, printed as a note:

- kinds: Deployment and ConfigMap are played; a Job runs as a Pod (podman has no Jobs); the
  other kinds (Service, HPA, PDB, NetworkPolicy, ServiceAccount) need an API server.
- replicas: 1. Every pod uses the host's network, where two replicas would share a port.
- network: hostNetwork (the recipe's pods reach the host's Postgres and Redis at 127.0.0.1);
  URLs naming a Service (http://alipass-sim:8090) point at 127.0.0.1, since podman ignores
  hostAliases on the host's network.
- ports: the host's network is shared with other programs, so the pods' ports move to free
  ones (PORTS=OLD=NEW,...): in the pods' env, probes and the ConfigMap; containerPorts go
  (podman maps no ports on the host's network).
- Secrets: podman 4.3 plays no `projected` volume and writes a secret volume's values still
  base64-encoded, so each Secret's keys are written decoded to a directory (mode from
  defaultMode, group from fsGroup, as the kubelet does) mounted by hostPath instead.
"""

import base64
import os
import re
import sys

import yaml

PLAYED = ("Deployment", "ConfigMap")


def note(message):
    print(f"  kube-adapt: {message}", file=sys.stderr)


def load_secrets(directory):
    secrets = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name)) as fh:
            secret = yaml.safe_load(fh)
        secrets[secret["metadata"]["name"]] = secret
    return secrets


def write_secret(secret, files_dir, mode, group):
    target = os.path.abspath(os.path.join(files_dir, secret["metadata"]["name"]))
    os.makedirs(target, exist_ok=True)
    os.chmod(target, 0o755)
    for key, value in (secret.get("data") or {}).items():
        path = os.path.join(target, key)
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(value))
        os.chown(path, 0, group)
        os.chmod(path, mode)
    return target


def secret_volumes(spec, secrets, files_dir):
    group = (spec.get("securityContext") or {}).get("fsGroup", 0)
    for volume in spec.get("volumes", []):
        sources = (volume.get("projected") or {}).get("sources")
        if volume.get("secret"):
            names, mode = [volume["secret"]["secretName"]], volume["secret"].get("defaultMode", 0o644)
        elif sources and all("secret" in s for s in sources):
            names, mode = [s["secret"]["name"] for s in sources], volume["projected"].get("defaultMode", 0o644)
        else:
            continue
        if len(names) != 1 or names[0] not in secrets:
            sys.exit(f"kube-adapt: volume {volume['name']} wants Secret(s) {names}; the recipe made {sorted(secrets)}")
        path = write_secret(secrets[names[0]], files_dir, mode, group)
        for key in ("projected", "secret"):
            volume.pop(key, None)
        volume["hostPath"] = {"path": path, "type": "Directory"}
        note(f"Secret {names[0]} -> {path} (mode {mode:o}, group {group})")


def to_this_host(text, ports, services):
    """A moved port as the whole value or as a URL's `:PORT`; a Service's name in a URL as
    127.0.0.1 (podman ignores hostAliases on the host's network)."""
    for old, new in ports.items():
        text = str(new) if text == str(old) else re.sub(rf"(?<=:){old}\b", str(new), text)
    for service in services:
        text = re.sub(rf"(?<=://){re.escape(service)}(?=[:/]|$)", "127.0.0.1", text)
    return text


def adapt_pod_spec(spec, services, ports, secrets, files_dir):
    spec["hostNetwork"] = True
    secret_volumes(spec, secrets, files_dir)
    for container in spec["containers"]:
        for env in container.get("env", []):
            if "value" in env:
                env["value"] = to_this_host(env["value"], ports, services)
        named = {p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            http = (container.get(probe) or {}).get("httpGet")
            if http:
                port = named.get(http["port"], http["port"])
                http["port"] = ports.get(port, port)
        # podman refuses port mappings on the host's network (the ports are the host's).
        container.pop("ports", None)


def main():
    rendered, secrets_dir, out, files_dir = sys.argv[1:5]
    # PORTS: OLD=NEW,... the ports the pods listen on and the free host ports they move to.
    ports = {int(k): int(v) for k, v in (p.split("=") for p in os.environ.get("PORTS", "").split(",") if p)}
    with open(rendered) as fh:
        objects = [o for o in yaml.safe_load_all(fh) if o]
    secrets = load_secrets(secrets_dir)
    services = {o["metadata"]["name"] for o in objects if o["kind"] == "Service"}
    note(f"ports moved {ports}; URLs naming a Service point at 127.0.0.1: {sorted(services) or '-'}")
    played, skipped = [], []
    for o in objects:
        kind, name = o["kind"], o["metadata"]["name"]
        if kind == "ConfigMap":
            o["data"] = {k: to_this_host(v, ports, services) for k, v in o.get("data", {}).items()}
            played.append(o)
        elif kind == "Deployment":
            if o["spec"].get("replicas", 1) != 1:
                note(f"Deployment {name}: replicas {o['spec']['replicas']} -> 1")
                o["spec"]["replicas"] = 1
            adapt_pod_spec(o["spec"]["template"]["spec"], services, ports, secrets, files_dir)
            played.append(o)
        elif kind == "Job":
            template = o["spec"]["template"]
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {**template.get("metadata", {}), "name": name, "namespace": o["metadata"].get("namespace")},
                   "spec": template["spec"]}
            adapt_pod_spec(pod["spec"], services, ports, secrets, files_dir)
            played.append(pod)
            note(f"Job {name} -> Pod {name} (restartPolicy {pod['spec'].get('restartPolicy')})")
        else:
            skipped.append(f"{kind}/{name}")
    note(f"not run here (no API server): {', '.join(skipped) or '-'}")
    with open(out, "w") as fh:
        yaml.safe_dump_all(played, fh, sort_keys=False)


if __name__ == "__main__":
    main()
