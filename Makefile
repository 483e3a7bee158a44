# Smart Quảng Ninh Feedback — `make run` starts everything locally, `make test` tests against real servers.
SHELL := /bin/bash
BIN   := .bin
GO    ?= go

.PHONY: run test tools build generate check-generate check-web lint bench e2e clean

run: tools ## start FerretDB, versitygw and the API on :8080 with seed data (Ctrl-C stops all)
	$(GO) build -o $(BIN)/qnfeedback ./cmd/qnfeedback
	@mkdir -p .data
	$(BIN)/devstack -data .data -mongo-addr 127.0.0.1:27027 -s3-addr 127.0.0.1:7070 -versitygw $(BIN)/versitygw \
		-- env SEED_DEMO=true SMS_PROVIDER=sink S3_BUCKET=qnfeedback-dev DEV_KEY_DIR=.data/keys LOG_LEVEL=warn $(BIN)/qnfeedback

test: tools check-generate check-web lint ## unit, integration and e2e tests against real servers
	$(GO) test -count=1 -race -timeout 30m ./...

e2e: tools
	$(GO) test -count=1 -timeout 20m ./e2e/...

bench: tools build ## benchmarks: prints a table and JSON lines (name, value, unit)
	$(BIN)/qnbench

tools: ## build the pinned tools (versitygw, oapi-codegen, devstack) into .bin/
	@tools/install.sh

build:
	$(GO) build -o $(BIN)/qnfeedback ./cmd/qnfeedback
	$(GO) build -o $(BIN)/qnbench ./cmd/qnbench
	$(GO) build -o $(BIN)/qndispatch ./cmd/qndispatch

generate: tools ## regenerate api/ from openapi/openapi.yaml
	cd api && ../$(BIN)/oapi-codegen -config oapi-codegen.yaml ../openapi/openapi.yaml

check-generate: tools ## fail when api/ is out of date with the spec
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	  sed "s|^output: .*|output: $$tmp/api.gen.go|" api/oapi-codegen.yaml > $$tmp/config.yaml && \
	  (cd api && ../$(BIN)/oapi-codegen -config $$tmp/config.yaml ../openapi/openapi.yaml) && \
	  diff -q $$tmp/api.gen.go api/api.gen.go >/dev/null || { echo "api/api.gen.go is out of date: run make generate"; exit 1; }

check-web: ## fail when a committed bundle (public page, console) differs from its sources, or the console no longer type-checks against the spec
	web/build.sh --check
	web/console/build.sh --check

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^tools/')); [ -z "$$out" ] || { echo "gofmt: $$out"; exit 1; }
	$(GO) vet ./...

clean:
	rm -rf $(BIN) .data
