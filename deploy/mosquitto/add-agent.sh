#!/usr/bin/env bash
# Adds an agent login "<site>/<agent>" to the Mosquitto password file and reloads the broker.
# Usage: deploy/mosquitto/add-agent.sh <site> <agent> [passwd-file]
# Prints the generated password once; put it in the agent's config (mqtt.username/password).
# Uses `cxr hub agent add --mosquitto-passwd`, which also records the login in the hub database.
set -euo pipefail
site=${1:?site}
agent=${2:?agent}
passwd=${3:-/etc/mosquitto/cxr/passwd}
config=${CXR_HUB_CONFIG:-/etc/cxr/hub.json}
cd "$(dirname "$0")/../.."
node bin/cxr.mjs hub agent add --config "$config" --site "$site" --agent "$agent" --mosquitto-passwd "$passwd"
# Mosquitto re-reads its password and ACL files on SIGHUP.
if pid=$(pidof mosquitto); then kill -HUP $pid; fi
