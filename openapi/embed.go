// Package openapi carries the API contract, openapi.yaml, the source of truth for every route, field and
// error. The server validates requests against it and serves it at /openapi.yaml.
package openapi

import _ "embed"

// Spec is openapi.yaml as written.
//
//go:embed openapi.yaml
var Spec []byte
