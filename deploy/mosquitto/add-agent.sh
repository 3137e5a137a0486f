#!/usr/bin/env bash
# Adds an agent "<site>/<agent>" for the shipped Mosquitto config: records it in the hub
# (`cxr hub agent add`, so the fleet screen knows it) and issues its client certificate from the CA in
# $CXR_PKI_DIR (default /etc/cxr/pki; deploy/pki/issue-agent.sh). On the TLS listener the certificate is the
# login (use_identity_as_username): the password `cxr hub agent add` prints is only used with the embedded
# broker without client certificates. Copy the three files it names to the agent (docs/pki.md).
# Usage: deploy/mosquitto/add-agent.sh <site> <agent>
set -euo pipefail
site=${1:?site}
agent=${2:?agent}
config=${CXR_HUB_CONFIG:-/etc/cxr/hub.json}
pki=${CXR_PKI_DIR:-/etc/cxr/pki}
cd "$(dirname "$0")/../.."
node bin/cxr.mjs hub agent add --config "$config" --site "$site" --agent "$agent" >/dev/null
bash deploy/pki/issue-agent.sh "$pki" "$site" "$agent"
echo "copy to the agent: $pki/ca.crt (mqtt.caFile), $pki/agents/${site}_${agent}.crt (certFile), .key (keyFile)"
