package s3blob

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7/pkg/cors"
)

// uploadCORS lets browsers (the staff console's after-photo uploads) PUT to presigned URLs from any page:
// the URL's signature is what grants the upload, so the origin adds nothing to check.
var uploadCORS = cors.NewConfig([]cors.Rule{{
	ID: "qnfeedback-presigned-put", AllowedOrigin: []string{"*"}, AllowedMethod: []string{"PUT"},
	AllowedHeader: []string{"*"}, ExposeHeader: []string{"ETag"}, MaxAgeSeconds: 3600,
}})

// ensureUploadCORS sets uploadCORS on a bucket that has no CORS configuration; one an operator set stays.
func (s *Store) ensureUploadCORS(ctx context.Context) error {
	have, err := s.client.GetBucketCors(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("read the CORS of bucket %s: %w", s.bucket, mapErr(err))
	}
	if have != nil && len(have.CORSRules) > 0 {
		return nil
	}
	if err := s.client.SetBucketCors(ctx, s.bucket, uploadCORS); err != nil {
		return fmt.Errorf("set the CORS of bucket %s: %w", s.bucket, mapErr(err))
	}
	return nil
}
