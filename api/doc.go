// Package api holds the Go generated from openapi/openapi.yaml: wire types, the gin strict-server
// interface and a client. Never edit api.gen.go; change the spec and run `make generate`.
package api

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.5.1 -config oapi-codegen.yaml ../openapi/openapi.yaml
