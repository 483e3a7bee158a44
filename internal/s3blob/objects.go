package s3blob

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"
)

// Put stores size bytes from r under key. A known size lets minio-go stream the body in one PUT instead of
// buffering multipart chunks (5-16 MiB each), which keeps memory flat under many concurrent uploads.
//
// The body is sent as UNSIGNED-PAYLOAD, as minio-go always does over TLS: over plain HTTP it would
// otherwise sign every 64 KiB chunk with SHA-256 (a second hash of each photo here, the spool already took
// one) and the server would verify each signature. That was 16% of the service's CPU in the intake
// benchmark. The request itself stays signed (SigV4), and production endpoints are https.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType, DisableContentSha256: true})
	return mapErr(err)
}

// Get opens an object; fault.ErrNotFound when it does not exist.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, mapErr(err)
	}
	// GetObject is lazy: Stat makes the request so a missing object fails here, not on first Read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, mapErr(err)
	}
	return obj, nil
}

// Stat returns an object's size; fault.ErrNotFound when it does not exist.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return 0, mapErr(err)
	}
	return info.Size, nil
}

// Remove deletes the objects; missing ones count as removed.
func (s *Store) Remove(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := s.client.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil {
			if minio.ToErrorResponse(err).Code == "NoSuchKey" {
				continue
			}
			return mapErr(err)
		}
	}
	return nil
}

// List returns the keys of the objects under prefix, all of them (listed a page at a time).
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx) // stops minio-go's listing goroutine if we return early
	defer cancel()
	var keys []string
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, mapErr(obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	return keys, nil
}

// PresignPut returns a URL that lets its holder PUT one object under key until expiry, of exactly size
// bytes and with exactly this Content-Type: both headers are signed (SigV4), so S3 refuses a PUT with
// another length or type.
func (s *Store) PresignPut(ctx context.Context, key, contentType string, size int64, expiry time.Duration) (string, error) {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	u, err := s.presigner.PresignHeader(ctx, http.MethodPut, s.bucket, key, expiry, nil, h)
	if err != nil {
		return "", mapErr(err)
	}
	return u.String(), nil
}

// Copy copies the object at src to dst, inside S3; fault.ErrNotFound when src does not exist. The copy is
// of the object as it stood at one moment, even while src is being overwritten.
func (s *Store) Copy(ctx context.Context, src, dst string) error {
	_, err := s.client.CopyObject(ctx, minio.CopyDestOptions{Bucket: s.bucket, Object: dst},
		minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	return mapErr(err)
}

// PresignGet returns a URL that lets its holder GET the object until expiry.
func (s *Store) PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error) {
	u, err := s.presigner.PresignedGetObject(ctx, s.bucket, key, expiry, url.Values{})
	if err != nil {
		return "", mapErr(err)
	}
	return u.String(), nil
}
