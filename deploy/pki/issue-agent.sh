#!/usr/bin/env bash
# Issues an agent's client certificate from the CA in <dir>: common name "<site>/<agent>" (its MQTT login),
# extended key usage clientAuth, valid DAYS (default 365). Writes <dir>/agents/<site>_<agent>.key (0600)
# and .crt; copy both and <dir>/ca.crt to the agent (mqtt.certFile, keyFile, caFile). Issuing again for
# the same agent makes a new key and certificate (rotation); the old one stays valid until it expires or
# is revoked (revoke-agent.sh --serial).
# Usage: deploy/pki/issue-agent.sh <dir> <site> <agent>
source "$(dirname "$0")/pki-common.sh"
dir=${1:?dir}; site=${2:?site}; agent=${3:?agent}
need_ca "$dir"; check_id "$site"; check_id "$agent"
base="agents/${site}_${agent}"
new_key_and_csr "$dir/$base.key" "$dir/$base.csr" "$site/$agent"
ca_run "$dir" -in "$base.csr" -out "$base.crt.new" -days "${DAYS:-365}" -notext -extensions client_ext 2>/dev/null \
  || die "openssl ca refused to sign $site/$agent"
mv "$dir/$base.crt.new" "$dir/$base.crt"
rm -f "$dir/$base.csr"
echo "agent certificate: $dir/$base.crt (key $dir/$base.key, serial $(openssl x509 -in "$dir/$base.crt" -noout -serial | cut -d= -f2))"
