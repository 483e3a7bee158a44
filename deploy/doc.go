// Package deploy holds no code: it holds the files that run the service for real (the top-level Dockerfile,
// compose/ and k8s/), and its test checks them against the service itself, without a Docker engine or a
// cluster: every environment variable they set is one the service reads (internal/config), every probe and
// health check asks for a route of the OpenAPI spec, every container is hardened and sized, every image tag
// is pinned, and the image's final stage runs as a non-root user.
package deploy
