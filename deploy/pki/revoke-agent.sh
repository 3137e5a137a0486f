#!/usr/bin/env bash
# Revokes an agent's client certificate and rewrites <dir>/crl.pem. Without --serial it revokes the
# certificate currently in <dir>/agents/<site>_<agent>.crt; with --serial <hex> an older one (after a
# rotation). Copy crl.pem to the broker (Mosquitto crlfile, the embedded broker's mqtt.tls.crlFile) and
# restart it: the agent is refused at its next connection.
# Usage: deploy/pki/revoke-agent.sh <dir> <site> <agent> [--serial <hex>]
source "$(dirname "$0")/pki-common.sh"
dir=${1:?dir}; site=${2:?site}; agent=${3:?agent}
need_ca "$dir"; check_id "$site"; check_id "$agent"
if [ "${4:-}" = --serial ]; then
  serial=${5:?serial}
  cert="$dir/issued/$serial.pem"
else
  cert="$dir/agents/${site}_${agent}.crt"
fi
[ -f "$cert" ] || die "no certificate $cert"
ca_run "$dir" -revoke "$cert" 2>/dev/null || die "openssl ca could not revoke $cert"
gen_crl "$dir"
echo "revoked $(openssl x509 -in "$cert" -noout -subject -serial | tr '\n' ' '); new $dir/crl.pem"
