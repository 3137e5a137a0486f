#!/usr/bin/env bash
# Makes the cxr-edge certificate authority in <dir> (default /etc/cxr/pki): an EC P-256 key (0600), a
# self-signed CA certificate (CA_DAYS, default 3650), openssl's database of what it signs and an empty
# revocation list crl.pem. Keep <dir> on the hub's host only, readable by root: ca.key signs every login.
# Usage: deploy/pki/make-ca.sh [dir] [common-name]
source "$(dirname "$0")/pki-common.sh"
dir=${1:-/etc/cxr/pki}
cn=${2:-cxr-edge CA}
[ -e "$dir/ca.key" ] && die "$dir/ca.key exists; refusing to overwrite a CA (see docs/pki.md, rotation)"
mkdir -p "$dir/server" "$dir/agents" "$dir/issued"
chmod 700 "$dir"
: > "$dir/index.txt"
echo 1000 > "$dir/crlnumber"
openssl rand -hex 16 > "$dir/serial"
cat > "$dir/ca.cnf" <<CNF
# openssl ca configuration for this folder (written by deploy/pki/make-ca.sh).
[ ca ]
default_ca = cxr_ca
[ cxr_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./issued
certificate = ./ca.crt
private_key = ./ca.key
serial = ./serial
crlnumber = ./crlnumber
default_md = sha256
default_days = 365
# The revocation list is pushed to the brokers as a file, so a long validity is safe; renew with gen-crl.sh.
default_crl_days = 3650
policy = policy_cn
unique_subject = no
copy_extensions = none
[ policy_cn ]
commonName = supplied
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF
(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -days "${CA_DAYS:-3650}" -subj "/CN=${cn}" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null)
chmod 644 "$dir/ca.crt"
gen_crl "$dir"
echo "CA: $dir/ca.crt (key $dir/ca.key), revocation list $dir/crl.pem"
