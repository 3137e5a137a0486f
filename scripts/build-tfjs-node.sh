#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node offline-from-Google: libtensorflow (C + eager C API) is taken from the
# `tensorflow-cpu` wheel on PyPI instead of Google storage, and the N-API addon is compiled from the
# sources shipped in the npm package. Network used: PyPI and the npm registry only.
#
# Usage: scripts/build-tfjs-node.sh [PREFIX]        (default PREFIX: <repo>/.cache/tfjs-node, gitignored)
# Env:   CXR_TF_WHEEL_VERSION  tensorflow-cpu version (default 2.15.1, the one measured; sha256 pinned)
#        PYTHON                python with pip, used only for `pip download` (default: python3)
#        npm_config_nodedir    Node headers for node-gyp (default /usr when /usr/include/node/node_api.h exists)
#        CXR_TFJS_NODE_FORCE=1 rebuild even if the stamp says it is built
# Result: PREFIX/node_modules/@tensorflow/tfjs-node, loadable with require(); prints the env line to use.
# Idempotent: a stamp file records the versions; a second run only re-checks that the addon loads.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${1:-$REPO/.cache/tfjs-node}"
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
TFJS_NODE_VERSION="4.22.0"
TF_VERSION="${CXR_TF_WHEEL_VERSION:-2.15.1}"
# sha256 of tensorflow_cpu-2.15.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (PyPI)
TF_2151_SHA256="54660c074d7241a503e81edfd9f5ef5af88f64051b72e2945f26318c790f2d26"
PYTHON="${PYTHON:-python3}"
PKG="$PREFIX/node_modules/@tensorflow/tfjs-node"
STAMP="$PREFIX/.built"
STAMP_TEXT="tfjs-node=$TFJS_NODE_VERSION tensorflow-cpu=$TF_VERSION node-abi=$(node -p 'process.versions.modules')"

log() { echo "[build-tfjs-node] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "only Linux x86-64 is supported (the wheel is manylinux x86_64)"
for tool in node npm g++ make "$PYTHON"; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done

smoke_test() {
  # Loads the addon, trains one conv2d+dense batch, and checks the project's own @tensorflow/tfjs sees the backend
  # when it is shared (same tfjs-core instance).
  (cd "$PREFIX" && TF_CPP_MIN_LOG_LEVEL=2 node -e '
    const tf = require(process.argv[1]);
    if (tf.getBackend() !== "tensorflow") throw new Error("backend is " + tf.getBackend());
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 4, kernelSize: 3, padding: "same", activation: "relu" }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 2, activation: "sigmoid" }));
    m.compile({ optimizer: "adam", loss: "binaryCrossentropy" });
    m.trainOnBatch(tf.randomNormal([4, 16, 16, 1]), tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]])).then((loss) => {
      if (!Number.isFinite(loss)) throw new Error("loss is not finite: " + loss);
      let shared = "no";
      try {
        const projectTf = require(require.resolve("@tensorflow/tfjs", { paths: [process.argv[2]] }));
        shared = projectTf.getBackend() === "tensorflow" ? "yes" : "no";
      } catch {}
      console.log("ok: backend=tensorflow, one training step loss=" + loss.toFixed(4) + ", shares project tfjs-core=" + shared);
    });
  ' "$PKG" "$REPO")
}

print_usage() {
  cat <<EOF

tfjs-node is built. Use it with:
  export CXR_TFJS_NODE_DIR="$PKG"
  // in code (tfjs-node is CommonJS):
  //   const tf = createRequire(import.meta.url)(process.env.CXR_TFJS_NODE_DIR)  // backend 'tensorflow'
Disk: $(du -sh "$PREFIX" | cut -f1) in $PREFIX
EOF
}

if [ "${CXR_TFJS_NODE_FORCE:-0}" != "1" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ]; then
  log "already built ($STAMP_TEXT); checking it loads"
  smoke_test
  print_usage
  exit 0
fi
rm -f "$STAMP"
START=$(date +%s)

# 1. npm package (no install scripts: its install.js would download libtensorflow from Google storage).
log "npm install @tensorflow/tfjs-node@$TFJS_NODE_VERSION --ignore-scripts into $PREFIX"
[ -f "$PREFIX/package.json" ] || echo '{ "name": "cxr-tfjs-node-build", "private": true }' >"$PREFIX/package.json"
(cd "$PREFIX" && npm install --ignore-scripts --no-audit --no-fund --no-package-lock --loglevel=error \
  "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" >&2)

# 2. Share the project's @tensorflow/tfjs (one tfjs-core instance, so the project's `import '@tensorflow/tfjs'`
#    sees the 'tensorflow' backend): drop the nested copies when PREFIX is inside the repo and versions match.
PROJECT_TFJS="$REPO/node_modules/@tensorflow/tfjs/package.json"
NESTED_TFJS="$PREFIX/node_modules/@tensorflow/tfjs/package.json"
case "$PREFIX/" in
  "$REPO"/*)
    if [ -f "$PROJECT_TFJS" ] && [ -f "$NESTED_TFJS" ] &&
      [ "$(node -p "require('$PROJECT_TFJS').version")" = "$(node -p "require('$NESTED_TFJS').version")" ]; then
      log "sharing the project's @tensorflow/tfjs $(node -p "require('$PROJECT_TFJS').version")"
      for p in tfjs tfjs-core tfjs-layers tfjs-converter tfjs-data tfjs-backend-cpu tfjs-backend-webgl; do
        rm -rf "$PREFIX/node_modules/@tensorflow/$p"
      done
    fi
    ;;
esac

# 3. libtensorflow from the tensorflow-cpu wheel (PyPI). The wheel's libtensorflow_cc.so.2 exports the C API
#    (TF_*) and eager C API (TFE_*); it needs libtensorflow_framework.so.2 beside it.
WHEEL_DIR="$PREFIX/wheel"
rm -rf "$WHEEL_DIR" && mkdir -p "$WHEEL_DIR"
log "pip download tensorflow-cpu==$TF_VERSION (cp311, manylinux2014_x86_64)"
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
  --python-version 3.11 --implementation cp -d "$WHEEL_DIR" "tensorflow-cpu==$TF_VERSION" >&2
WHEEL="$(ls "$WHEEL_DIR"/tensorflow_cpu-*.whl)"
if [ "$TF_VERSION" = "2.15.1" ]; then
  echo "$TF_2151_SHA256  $WHEEL" | sha256sum -c --quiet - || die "wheel sha256 mismatch"
else
  log "WARNING: tensorflow-cpu $TF_VERSION is not the measured version; no pinned hash"
fi
DEPS="$PKG/deps"
rm -rf "$DEPS" && mkdir -p "$DEPS/lib" "$DEPS/include"
log "extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C API headers"
"$PYTHON" - "$WHEEL" "$DEPS" <<'PY'
import os, re, shutil, sys, zipfile
wheel, deps = sys.argv[1], sys.argv[2]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
inc = re.compile(r'^tensorflow/include/(tensorflow/c/.*\.h|tensorflow/core/platform/ctstring.*\.h|(?:xla/)?tsl/c/.*\.h|(?:xla/)?tsl/platform/ctstring.*\.h)$')
found = set()
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        m = inc.match(name)
        if name in libs:
            dest = os.path.join(deps, 'lib', os.path.basename(name)); found.add(name)
        elif m:
            dest = os.path.join(deps, 'include', m.group(1))
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, 'wb') as out:
            shutil.copyfileobj(src, out, 1 << 20)
        if name in libs:
            os.chmod(dest, 0o755)
missing = libs - found
if missing:
    sys.exit('wheel lacks ' + ', '.join(sorted(missing)))
PY
rm -rf "$WHEEL_DIR"
ln -sf libtensorflow_cc.so.2 "$DEPS/lib/libtensorflow.so"
ln -sf libtensorflow_cc.so.2 "$DEPS/lib/libtensorflow.so.2"
ln -sf libtensorflow_framework.so.2 "$DEPS/lib/libtensorflow_framework.so"
if command -v nm >/dev/null; then
  SYMS="$(nm -D --defined-only "$DEPS/lib/libtensorflow_cc.so.2")"
  for sym in TFE_NewContext TFE_Execute TF_Version TF_SessionRun; do
    grep -q " $sym@" <<<"$SYMS" || die "libtensorflow_cc.so.2 does not export $sym"
  done
fi

# 4. The addon, for the N-API version @mapbox/node-pre-gyp will look up at run time.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NODE_GYP" ] || die "node-gyp not found beside npm ($NODE_GYP)"
MODULE_PATH="$(cd "$PKG" && node -p "require('path').dirname(require('@mapbox/node-pre-gyp').find('$PKG/package.json'))")"
NAPI="${MODULE_PATH##*napi-v}"
log "compiling the addon (N-API $NAPI) into $MODULE_PATH"
(cd "$PKG" && node "$NODE_GYP" rebuild --loglevel=warn --module_name=tfjs_binding --module_path="$MODULE_PATH" \
  --napi_build_version="$NAPI" >&2)
rm -rf "$PKG/build"

smoke_test
echo "$STAMP_TEXT" >"$STAMP"
log "built in $(($(date +%s) - START)) s"
print_usage
