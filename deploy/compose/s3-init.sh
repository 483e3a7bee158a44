#!/bin/sh
# Run by compose's s3-init one-shot (minio/mc image) on every `up`; safe to repeat.
# Creates the bucket and the API's own S3 user, whose policy reaches that bucket only (the API never gets
# MinIO's root credentials). Plain POSIX sh: the mc image has little else.
set -eu
secret() { cat "/run/secrets/$1"; }
bucket=${BUCKET:?}
key=$(secret s3_access_key)

mc alias set qn "${S3_HOST:?}" "$(secret minio_root_user)" "$(secret minio_root_password)" >/dev/null
mc mb --ignore-existing "qn/$bucket"

cat >/tmp/qnfeedback-policy.json <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$bucket"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$bucket/*"]
    }
  ]
}
JSON
mc admin policy create qn qnfeedback-rw /tmp/qnfeedback-policy.json
# Adding an existing user resets its secret to the one in the secret file (how a rotated key gets in).
mc admin user add qn "$key" "$(secret s3_secret_key)"
# Attach once (attaching twice is an error). The key is "qnfeedback-<hex>", so "qnfeedback-rw" in the
# answer can only be the policy.
case $(mc admin user info qn "$key") in
*qnfeedback-rw*) ;;
*) mc admin policy attach qn qnfeedback-rw --user "$key" ;;
esac
echo "s3-init: bucket $bucket and user $key ready"
