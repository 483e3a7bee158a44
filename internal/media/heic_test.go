package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/media"
)

// box builds an ISO BMFF box; fullBox one with version and flags.
func box(typ string, body ...[]byte) []byte {
	b := bytes.Join(body, nil)
	return append(binary.BigEndian.AppendUint32(nil, uint32(8+len(b)))[:4:4], append([]byte(typ), b...)...)
}

func fullBox(typ string, version byte, body ...[]byte) []byte {
	return box(typ, append([][]byte{{version, 0, 0, 0}}, body...)...)
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// heifFile is a HEIF header with no image data: item 1 of itemType is primary, with an ispe of
// w×h and, when rot >= 0, an irot of rot anticlockwise quarter turns.
func heifFile(brands []string, itemType string, w, h uint32, rot int) []byte {
	props := [][]byte{fullBox("ispe", 0, u32(w), u32(h))}
	if rot >= 0 {
		props = append(props, box("irot", []byte{byte(rot)}))
	}
	assoc := []byte{0, 1, byte(len(props)), 0x81}
	if rot >= 0 {
		assoc = append(assoc, 0x82)
	}
	return append(ftyp(brands[0], brands[1:]...), fullBox("meta", 0,
		fullBox("hdlr", 0, u32(0), []byte("pict"), make([]byte, 13)),
		fullBox("pitm", 0, u16(1)),
		fullBox("iinf", 0, u16(1), fullBox("infe", 2, u16(1), u16(0), []byte(itemType), []byte{0})),
		box("iprp", box("ipco", props...), fullBox("ipma", 0, u32(1), assoc)),
	)...)
}

func TestInspectHEIFHeaders(t *testing.T) {
	heic := []string{"heic", "mif1", "heic"}
	info := func(w, h, o int) media.Info {
		return media.Info{Type: media.HEIC, ContentType: "image/heic", Width: w, Height: h, Orientation: o}
	}
	tests := []struct {
		name    string
		in      []byte
		want    media.Info
		wantErr error
	}{
		{"no irot", heifFile(heic, "hvc1", 4032, 3024, -1), info(4032, 3024, 1), nil},
		{"irot 0", heifFile(heic, "hvc1", 4032, 3024, 0), info(4032, 3024, 1), nil},
		{"irot 1 is orientation 8", heifFile(heic, "hvc1", 4032, 3024, 1), info(4032, 3024, 8), nil},
		{"irot 2 is orientation 3", heifFile(heic, "hvc1", 4032, 3024, 2), info(4032, 3024, 3), nil},
		{"irot 3 is orientation 6 (iPhone portrait)", heifFile(heic, "hvc1", 4032, 3024, 3), info(4032, 3024, 6), nil},
		{"grid primary", heifFile(heic, "grid", 4032, 3024, -1), info(4032, 3024, 1), nil},
		{"mif1 with hevc primary", heifFile([]string{"mif1", "mif1", "miaf"}, "hvc1", 640, 480, -1), info(640, 480, 1), nil},
		{"mif1 with av1 primary", heifFile([]string{"mif1", "mif1", "miaf"}, "av01", 640, 480, -1), media.Info{}, media.ErrUnsupportedType},
		{"avif", heifFile([]string{"avif", "mif1", "avif"}, "av01", 640, 480, -1), media.Info{}, media.ErrUnsupportedType},
		{"60 MP", heifFile(heic, "hvc1", 10000, 6000, -1), media.Info{}, media.ErrTooManyPixels},
		{"no ispe", heifFile(heic, "hvc1", 0, 0, -1), media.Info{}, media.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := media.Inspect(bytes.NewReader(tt.in))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Info (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeriveHEIC(t *testing.T) {
	prog, err := exec.LookPath("heif-convert")
	if err != nil {
		t.Skip("heif-convert not installed (Debian package libheif-examples)")
	}
	public, thumb, err := media.DeriveOptions{HeifConvert: prog, TempDir: t.TempDir()}.Derive(context.Background(), bytes.NewReader(MustRead(t, "photo.heic")))
	if err != nil {
		t.Fatal(err)
	}
	if public.Width != 96 || public.Height != 64 || thumb.Width != 96 {
		t.Errorf("public %d×%d, thumb %d×%d", public.Width, public.Height, thumb.Width, thumb.Height)
	}
	// The fixture has EXIF orientation 6 but no irot: HEIF readers show it as stored.
	assertQuadrants(t, public)
	assertQuadrants(t, thumb)
}

func TestDeriveErrors(t *testing.T) {
	jpg := MustJPEG(t, pattern(96, 64), nil)
	heic := MustRead(t, "photo.heic")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		opts media.DeriveOptions
		ctx  context.Context
		in   []byte
		want error
	}{
		{"heic without heif-convert", media.DeriveOptions{}, context.Background(), heic, media.ErrNoHEICDecoder},
		{"heic with a missing heif-convert", media.DeriveOptions{HeifConvert: "/nonexistent/heif-convert"}, context.Background(), heic, media.ErrNoHEICDecoder},
		{"jpeg cut in its scan", media.DeriveOptions{}, context.Background(), jpg[:len(jpg)/2], media.ErrCorrupt},
		{"png cut in its data", media.DeriveOptions{}, context.Background(), MustPNG(t, pattern(96, 64), nil)[:200], media.ErrCorrupt},
		{"60 MP", media.DeriveOptions{}, context.Background(), jpegHeader(10000, 6000, nil), media.ErrTooManyPixels},
		{"pdf", media.DeriveOptions{}, context.Background(), []byte("%PDF-1.7\n"), media.ErrUnsupportedType},
		{"too large", media.DeriveOptions{Inspector: media.Inspector{MaxBytes: 600}}, context.Background(), jpg, media.ErrTooLarge},
		{"cancelled heic", media.DeriveOptions{HeifConvert: "sh"}, cancelled, heic, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tt.opts.Derive(tt.ctx, bytes.NewReader(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
