#!/usr/bin/env bash
# Writes a fresh <dir>/crl.pem (valid default_crl_days, 10 years) from the CA's database, e.g. when moving
# the CA or after restoring it. Usage: deploy/pki/gen-crl.sh <dir>
source "$(dirname "$0")/pki-common.sh"
dir=${1:?dir}
need_ca "$dir"
gen_crl "$dir"
echo "revocation list: $dir/crl.pem"
