#!/usr/bin/env bash
# Installs an unpacked cxr-edge agent bundle (`cxr bundle --out agent-bundle.tar`) on a Debian 12 machine with
# Node 20 and no network (docs/operations.md):
#   tar -xf agent-bundle.tar && sudo bash cxr-edge/deploy/bundle/install.sh [--prefix /opt/cxr-edge] [--no-system]
# 1. checks the machine (x86_64, Node >= 20.10); 2. copies the tree to the prefix (an earlier install there is
# kept as <prefix>.previous); 3. runs `cxr bundle --check` there (SQLite, image reader, the model's self-test on
# OpenVINO and ONNX Runtime); 4. unless --no-system (as root): the cxr-agent system user, /etc/cxr/agent.json
# from the example (kept if present), the hardened systemd unit. It never enables or starts the service and
# never touches the network.
set -euo pipefail

die() { printf 'install: %s\n' "$*" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
prefix=/opt/cxr-edge
system=1
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --no-system) system=0; shift ;;
    *) die "unknown option $1 (use --prefix <dir>, --no-system)" ;;
  esac
done

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || die "this bundle is for Linux x86_64, not $(uname -s)/$(uname -m)"
command -v node >/dev/null || die "node is not installed (Debian 12: Node 20 from the distribution or NodeSource)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=10)?0:1)' \
  || die "Node >= 20.10 is needed, this is $(node -v)"
[ -f "$src/BUNDLE.json" ] || die "$src is not an unpacked bundle (no BUNDLE.json)"

prefix=$(realpath -m "$prefix")
if [ "$src" != "$prefix" ]; then
  rm -rf "$prefix.new"
  mkdir -p "$(dirname "$prefix")"
  cp -a "$src" "$prefix.new"
  if [ -e "$prefix" ]; then rm -rf "$prefix.previous"; mv "$prefix" "$prefix.previous"; fi
  mv "$prefix.new" "$prefix"
fi
echo "install: code in $prefix ($(node -e "console.log(require('$prefix/BUNDLE.json').version)"))"

(cd "$prefix" && node bin/cxr.mjs bundle --check) || die "the installed agent does not run here (see above)"

if [ "$system" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "run as root for the system part, or pass --no-system"
  id cxr-agent >/dev/null 2>&1 || useradd --system --home /var/lib/cxr-agent --shell /usr/sbin/nologin cxr-agent
  install -d -m 0750 -o root -g cxr-agent /etc/cxr
  if [ ! -e /etc/cxr/agent.json ]; then
    install -m 0640 -o root -g cxr-agent "$prefix/deploy/agent.example.json" /etc/cxr/agent.json
    echo "install: wrote /etc/cxr/agent.json from the example: edit site, agentId, watch folders, mqtt"
  fi
  sed "s#/opt/cxr-edge#$prefix#g" "$prefix/deploy/systemd/cxr-agent.service" > /etc/systemd/system/cxr-agent.service
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  echo "install: unit /etc/systemd/system/cxr-agent.service (list the watch folders in ReadWritePaths)"
  echo "install: then: systemctl enable --now cxr-agent && curl -s localhost:9464/healthz"
fi
