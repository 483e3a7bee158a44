# syntax=docker/dockerfile:1.7
#
# Smart Quảng Ninh Feedback — one image, two commands:
#   /qnfeedback   the HTTP API (the default command)
#   /qndispatch   the push dispatcher (run it as its own Deployment/service with PUSH_DISPATCH=false on the API)
#
#   docker build -t qnfeedback:<version> .
#
# Checked without a Docker engine by deploy/deploy_test.go (final stage runs as a numeric non-root user,
# base images carry a tag, HEALTHCHECK probes a real route, ENV names are variables the service reads, and
# the build stage's go build, run as written, gives static binaries). No image was built on the machines
# this was written on (no Docker engine there).

# Go: pinned to the patch release, so a rebuild of the same commit gives the same binaries.
ARG GO_VERSION=1.26.8

# ---- build: static binaries, cross-compiled on the build machine's own architecture ------------------------
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-trixie AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# Only the commands that belong in the image (not cmd/qnbench).
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    set -eu; \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/ ./cmd/qnfeedback ./cmd/qndispatch; \
    ls -l /out

# ---- runtime ---------------------------------------------------------------------------------------------
# Why debian-slim and not distroless (gcr.io/distroless/static or cc):
#   HEIC photos (most iPhones) are rendered by running libheif's heif-convert (HEIF_CONVERT), a dynamically
#   linked Debian program. It needs libheif1 and, loaded at run time with dlopen from libheif's plugin folder
#   (so ldd does not even list it), the HEVC decoder plugin libheif-plugin-libde265, plus libde265, libjpeg,
#   libstdc++ and friends. Copying that set into distroless by hand works until a plugin or library is missed
#   (which fails only at the first HEIC upload), and each Debian security fix to libheif/libde265 — the code
#   in this image that parses untrusted files from the Internet — would need the hand-made list re-checked.
#   On debian-slim apt resolves it and a rebuild picks up the fixes. The price: ~80 MB more and a shell in
#   the image; the manifests make up for it with a non-root user, a read-only root file system, no
#   capabilities and the RuntimeDefault seccomp profile. The shell also gives compose a health probe
#   (qnprobe, bash's /dev/tcp: the image has no curl) and Kubernetes a preStop sleep.
# Debian 13 (trixie): libheif 1.19 with full security support (Debian 12's libheif 1.15 is in LTS).
# The base follows Debian's "13-slim" tag on purpose, so rebuilds get security fixes; pin the digest
# (debian:13-slim@sha256:...) in your release pipeline if you need bit-for-bit rebuilds.
FROM debian:13-slim AS runtime
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        libheif-examples \
        libheif-plugin-libde265; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 65532 qnfeedback; \
    useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin qnfeedback
# Fail the build, not the first upload, when heif-convert cannot decode HEVC (e.g. the plugin went missing):
# convert the HEIC test photo of internal/media.
RUN --mount=type=bind,source=internal/media/testdata/photo.heic,target=/tmp/check/photo.heic \
    set -eu; cd /tmp; \
    heif-convert -q 95 /tmp/check/photo.heic /tmp/photo.jpg; \
    test -s /tmp/photo.jpg || test -s /tmp/photo-1.jpg; \
    rm -f /tmp/photo*.jpg

COPY --from=build /out/ /
COPY --chmod=0755 deploy/docker/qnprobe /usr/local/bin/qnprobe

ARG VERSION=dev
LABEL org.opencontainers.image.title="qnfeedback" \
      org.opencontainers.image.description="Smart Quảng Ninh Feedback API and push dispatcher" \
      org.opencontainers.image.source="https://github.com/quangninh/feedback" \
      org.opencontainers.image.version="${VERSION}"

# Absolute path: no PATH lookup. Photos are spooled in the system temp folder (/tmp) unless UPLOAD_TEMP_DIR
# says otherwise; with a read-only root file system mount a writable volume there (a disk-backed volume or
# emptyDir: a tmpfs would count the photos against the memory limit).
ENV HEIF_CONVERT=/usr/bin/heif-convert

# Numeric, so Kubernetes' runAsNonRoot can verify it (a user name cannot be checked without /etc/passwd).
USER 65532:65532
EXPOSE 8080
# For plain Docker and compose only (Kubernetes ignores HEALTHCHECK and uses its own httpGet probes).
# Liveness here; compose overrides it with /readyz for the API and disables it for the dispatcher.
HEALTHCHECK --interval=15s --timeout=3s --start-period=90s --retries=3 CMD ["qnprobe", "/healthz"]
CMD ["/qnfeedback"]
