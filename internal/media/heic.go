package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// decodeHEIC has libheif's heif-convert (Debian package libheif-examples) turn the HEIC into a
// near-lossless JPEG in a temporary directory, then decodes that. Go has no HEVC decoder of its own.
func (o DeriveOptions) decodeHEIC(ctx context.Context, r io.Reader, info Info) (image.Image, error) {
	if o.HeifConvert == "" {
		return nil, fmt.Errorf("%w: DeriveOptions.HeifConvert is not set", ErrNoHEICDecoder)
	}
	prog, err := exec.LookPath(o.HeifConvert)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoHEICDecoder, err)
	}
	dir, err := os.MkdirTemp(o.TempDir, "heic-")
	if err != nil {
		return nil, fmt.Errorf("media: heic: %w", err)
	}
	defer os.RemoveAll(dir)

	in := filepath.Join(dir, "in.heic")
	if err := writeFile(in, r); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "out.jpg")
	cmd := exec.CommandContext(ctx, prog, "-q", "95", in, out)
	cmd.Dir = dir
	msg, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: heic: %s: %v: %s", ErrCorrupt, o.HeifConvert, err, bytes.TrimSpace(msg))
	}
	// A file with several top-level images is written as out-1.jpg, out-2.jpg, ... in item order;
	// the first is the primary one in every file we have seen.
	f, err := os.Open(out)
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Open(filepath.Join(dir, "out-1.jpg"))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: heic: %s wrote no image: %s", ErrCorrupt, o.HeifConvert, bytes.TrimSpace(msg))
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%w: heic: decoding %s output: %v", ErrCorrupt, o.HeifConvert, err)
	}
	// Upright, and perhaps cropped to a clean aperture: never larger than the header says.
	if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > int64(info.Width)*int64(info.Height) {
		return nil, fmt.Errorf("%w: heic decoded as %d×%d, header says %d×%d", ErrCorrupt, b.Dx(), b.Dy(), info.Width, info.Height)
	}
	return img, nil
}

func writeFile(name string, r io.Reader) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("media: heic: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		if errors.Is(err, ErrTooLarge) {
			return err
		}
		return fmt.Errorf("media: heic: copying to %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("media: heic: %w", err)
	}
	return nil
}
