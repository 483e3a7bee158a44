#!/usr/bin/env bash
# init-secrets.sh [SECRETS_DIR [ENV_FILE]] — create what compose.yaml needs before the first `up`:
# the secret files (default deploy/compose/secrets/) and the .env of settings (default deploy/compose/.env,
# copied from env.example). Only missing files are created, so it is safe to run again; delete a file to
# have it made anew (but see README.md before replacing the JWT key or the OTP pepper).
#
# Needs bash and openssl (the Ed25519 key, random passwords). Nothing here leaves this machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/secrets}
envfile=${2:-$here/.env}
command -v openssl >/dev/null || { echo "init-secrets.sh: openssl is needed" >&2; exit 1; }

# The folder is private to its owner; the files in it are world-readable (0644) on purpose: compose mounts
# file secrets as they are (it cannot change their owner or mode), and the service runs as uid 65532 in the
# container. The 0700 folder keeps other users of this machine out.
mkdir -p "$dir"
chmod 0700 "$dir"
umask 0022

made=()
# new NAME COMMAND... — write COMMAND's output to NAME unless it exists.
new() {
	local name=$1
	shift
	[ -e "$dir/$name" ] && return 0
	rm -f "$dir/$name.tmp"
	"$@" >"$dir/$name.tmp"
	mv "$dir/$name.tmp" "$dir/$name"
	made+=("$name")
}
rand() { openssl rand -hex "$1"; } # URL-safe: goes into the MongoDB URI unescaped

# JWT: the Ed25519 private key (PKCS#8 PEM) that signs access tokens; the extra public keys still accepted
# (empty until the first rotation, see deploy/README.md).
new jwt_signing_key.pem openssl genpkey -algorithm ed25519
new jwt_verify_keys.pem true
# Keys the stored hashes of sign-in codes; 48 random bytes, the same on every replica.
new otp_pepper openssl rand -base64 48
# Bearer token of your SMS gateway: replace the placeholder with the real one.
new sms_gateway_token echo "replace-with-the-sms-gateway-token"

# MongoDB: the root account (used only by the mongo-init one-shot), the service's own account (readWrite on
# its database), the replica-set key file, and the service's connection string with majority writes/reads.
new mongo_root_password rand 24
new mongo_app_password rand 24
new mongo_keyfile openssl rand -base64 756
mongo_uri() {
	printf 'mongodb://qnfeedback:%s@mongo:27017/?replicaSet=rs0&authSource=admin&w=majority&readConcernLevel=majority&appName=qnfeedback\n' \
		"$(cat "$dir/mongo_app_password")"
}
new mongo_uri mongo_uri

# S3 (MinIO): the root account (used only by the s3-init one-shot) and the service's own key pair, limited
# to its bucket by the policy s3-init.sh attaches.
new minio_root_user echo "qnroot-$(rand 4)"
new minio_root_password rand 24
new s3_access_key echo "qnfeedback-$(rand 6)"
new s3_secret_key rand 24

if [ ! -e "$envfile" ]; then
	(umask 0077 && cp "$here/env.example" "$envfile")
	made+=("$envfile")
fi

if [ ${#made[@]} -gt 0 ]; then
	printf 'init-secrets.sh: created %s\n' "${made[@]}"
else
	echo "init-secrets.sh: everything was already there"
fi
echo "init-secrets.sh: now set QN_SMS_GATEWAY_URL in $envfile and the token in $dir/sms_gateway_token"
