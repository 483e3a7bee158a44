// Package s3blob keeps photos in S3-compatible object storage through minio-go. It speaks plain S3
// (SigV4, presigned URLs), so MinIO, versitygw, SeaweedFS, Garage and AWS all serve.
package s3blob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/quangninh/feedback/internal/fault"
)

// Store is the S3 adapter for one bucket. It is safe for concurrent use.
type Store struct {
	client    *minio.Client
	presigner *minio.Client // signs URLs for the host phones reach; may differ from the one the service uses
	bucket    string
}

// Config says where the bucket lives.
type Config struct {
	Endpoint, AccessKey, SecretKey, Region, Bucket string
	UseTLS                                         bool
	StartupTimeout                                 time.Duration
	// PublicEndpoint is the host:port phones use; "" means Endpoint.
	PublicEndpoint string
	PublicUseTLS   bool
	// WrapTransport, when set, wraps the HTTP transport every S3 request goes through (metrics, traces).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Open connects, waits (up to StartupTimeout) until the server answers, and creates the bucket when missing.
// Creating is idempotent: a bucket that another replica created a moment earlier counts as success.
// It returns an error naming the endpoint when the server does not answer in time or refuses the credentials.
func Open(ctx context.Context, c Config) (*Store, error) {
	o := &minio.Options{
		Creds:  credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure: c.UseTLS,
		Region: c.Region,
	}
	if c.WrapTransport != nil {
		base, err := minio.DefaultTransport(c.UseTLS)
		if err != nil {
			return nil, fmt.Errorf("s3: transport: %w", err)
		}
		o.Transport = c.WrapTransport(base)
	}
	client, err := minio.New(c.Endpoint, o)
	if err != nil {
		return nil, fmt.Errorf("s3: bad settings: %w", err)
	}
	s := &Store{client: client, presigner: client, bucket: c.Bucket}
	if c.PublicEndpoint != "" {
		// With the region set, presigning is local computation: no request reaches the public host.
		s.presigner, err = minio.New(c.PublicEndpoint, &minio.Options{
			Creds: credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""), Secure: c.PublicUseTLS, Region: c.Region,
		})
		if err != nil {
			return nil, fmt.Errorf("s3: bad public endpoint: %w", err)
		}
	}
	if c.StartupTimeout == 0 {
		c.StartupTimeout = 30 * time.Second
	}
	deadline := time.Now().Add(c.StartupTimeout)
	for {
		err = s.ensureBucket(ctx, c.Region)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, fault.ErrUnavailable) || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("s3 at %s: %w", c.Endpoint, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ok, err := s.client.BucketExists(cctx, s.bucket)
	if err != nil {
		return mapErr(err)
	}
	if !ok {
		err = s.client.MakeBucket(cctx, s.bucket, minio.MakeBucketOptions{Region: region})
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return mapErr(err)
		}
	}
	return s.ensureUploadCORS(cctx)
}

// Bucket is the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// Client exposes the minio client to the other files of this package's users in tests and benchmarks.
func (s *Store) Client() *minio.Client { return s.client }

// Ping reports whether the server answers and the bucket exists; fault.ErrUnavailable when not.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return mapErr(err)
	}
	if !ok {
		return fault.New(fault.ErrUnavailable, "the photo bucket is missing")
	}
	return nil
}

// RemoveBucket empties and removes the bucket (tests only).
func (s *Store) RemoveBucket(ctx context.Context) error {
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return mapErr(obj.Err)
		}
		if err := s.client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			return mapErr(err)
		}
	}
	return mapErr(s.client.RemoveBucket(ctx, s.bucket))
}

// mapErr turns minio errors into the domain's kinds.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ne net.Error
	var oe *net.OpError
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey" || resp.Code == "NoSuchBucket":
		return fault.Wrap(fault.ErrNotFound, "object not found", err)
	case errors.As(err, &oe), errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded),
		resp.StatusCode == 503 || resp.StatusCode == 502 || resp.StatusCode == 504 || resp.Code == "SlowDown":
		return fault.Wrap(fault.ErrUnavailable, "photo storage does not answer", err)
	}
	return fmt.Errorf("s3: %w", err)
}
