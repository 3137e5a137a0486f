# Shared by the deploy/pki scripts (sourced, not run): the CA folder layout and one openssl wrapper.
# Layout of a CA folder: ca.key (mode 0600), ca.crt, ca.cnf, index.txt/serial/crlnumber (openssl ca's
# database of what it signed), crl.pem, server/<name>.{key,crt}, agents/<site>_<agent>.{key,crt}.
set -euo pipefail

die() { printf '%s\n' "$*" >&2; exit 2; }

# Site and agent ids as the protocol allows them (protocol/topics.ts): the common name "<site>/<agent>"
# is then exactly the MQTT login the ACL's %u patterns expect.
check_id() { [[ "$1" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "invalid id '$1' (letters, digits, _ and - only)"; }

need_ca() { [ -f "$1/ca.cnf" ] && [ -f "$1/ca.key" ] || die "no CA in $1 (run deploy/pki/make-ca.sh $1 first)"; }

# openssl ca with the folder's config, never prompting.
ca_run() { local dir=$1; shift; (cd "$dir" && openssl ca -config ca.cnf -batch "$@"); }

# A new EC P-256 key and a CSR for the subject "/CN=<cn>" ("/" inside the name escaped for -subj).
new_key_and_csr() {
  local key=$1 csr=$2 cn=$3
  (umask 077 && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$key" \
    -subj "/CN=${cn//\//\\/}" -out "$csr" 2>/dev/null)
}

gen_crl() { ca_run "$1" -gencrl -out crl.pem 2>/dev/null; }
