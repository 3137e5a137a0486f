#!/usr/bin/env bash
# Issues a TLS server certificate (the broker's, or the hub's HTTPS) from the CA in <dir>:
# <dir>/server/<name>.key (0600) and <name>.crt, valid DAYS (default 825). <name>.crt holds the chain (the
# certificate, then the CA's): the hub's own client trusts its embedded broker by the certificate file it
# serves, and needs the CA in it. <san> lists every name agents and browsers connect to, as openssl writes
# it: "DNS:hub.example.org,IP:10.0.0.5".
# Usage: deploy/pki/issue-server.sh <dir> <name> <san>
source "$(dirname "$0")/pki-common.sh"
dir=${1:?dir}; name=${2:?name}; san=${3:?san, e.g. DNS:hub.example.org}
need_ca "$dir"
[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid name '$name'"
new_key_and_csr "$dir/server/$name.key" "$dir/server/$name.csr" "$name"
cat > "$dir/server/$name.ext" <<EXT
[ ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
EXT
ca_run "$dir" -in "server/$name.csr" -out "server/$name.leaf.crt" -days "${DAYS:-825}" -notext \
  -extfile "server/$name.ext" -extensions ext 2>/dev/null || die "openssl ca refused to sign $name"
cat "$dir/server/$name.leaf.crt" "$dir/ca.crt" > "$dir/server/$name.crt"
rm -f "$dir/server/$name.csr" "$dir/server/$name.ext" "$dir/server/$name.leaf.crt"
echo "server certificate: $dir/server/$name.crt (key $dir/server/$name.key)"
