#!/usr/bin/env bash
# One-time, idempotent set-up on a fresh Debian 12 machine with Node 20 and Python 3:
#   apt packages (mosquitto, chromium, dcmtk, poppler-utils, systemd for `systemd-analyze`, postgresql-15 for the hub's store tests,
#   nats-server for the broker-cluster tests, libopenjp2-7 for the native JPEG 2000 decoder), the pinned OpenVINO runtime from PyPI in .venv
#   (and, for tests, pydicom with its codecs), npm packages.
# Network used: Debian's apt, PyPI, the npm registry. Nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENVINO_VERSION=2026.4.1
APT_PACKAGES=(mosquitto chromium dcmtk poppler-utils systemd postgresql-15 nats-server libopenjp2-7)

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The apt mosquitto package starts a system broker on 1883; the project runs its own brokers.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  as_root systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
# Likewise PostgreSQL: tests start throwaway clusters of their own (test/support/postgres.ts).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet postgresql 2>/dev/null; then
  as_root systemctl disable --now postgresql >/dev/null 2>&1 || true
fi
# And NATS: tests start their own 3-node clusters (test/support/nats.ts).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nats-server 2>/dev/null; then
  as_root systemctl disable --now nats-server >/dev/null 2>&1 || true
fi

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import openvino, sys; sys.exit(openvino.__version__.split('-')[0] != '$OPENVINO_VERSION')" 2>/dev/null; then
  log "python: OpenVINO $OPENVINO_VERSION into .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check "openvino==$OPENVINO_VERSION"
fi

# Test only: pydicom, the DICOM files its two wheels carry, and its JPEG/JPEG-LS/JPEG 2000 plugins, for the
# reader's cross-check (test/models/image/pydicom-crosscheck.test.ts). Wheels only: nothing is built or fetched
# at run time.
PYDICOM_PACKAGES=(pydicom==3.0.2 pydicom-data==1.0.0 pylibjpeg==2.1.0 pylibjpeg-libjpeg==2.5.0
  pylibjpeg-openjpeg==2.6.0 pyjpegls==1.5.1)
if ! .venv/bin/python -c "import pydicom, data_store, libjpeg, openjpeg, jpeg_ls, sys; sys.exit(pydicom.__version__ != '3.0.2')" 2>/dev/null; then
  log "python: pydicom and its codecs into .venv (reader cross-check)"
  .venv/bin/pip install -q --disable-pip-version-check --only-binary=:all: "${PYDICOM_PACKAGES[@]}"
fi

# npm: skip onnxruntime-node's CUDA download (CPU binary is bundled); build better-sqlite3 against
# the installed Node headers (its prebuilt download is not reachable).
stamp=node_modules/.cxr-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm: installing packages"
  ONNXRUNTIME_NODE_INSTALL=skip npm_config_nodedir=/usr npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The dashboard bundle (hub/web/src → hub/web/dist, esbuild; a fraction of a second).
node scripts/build-web.mjs
log "ready"
