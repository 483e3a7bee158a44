package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os/exec"
	"testing"
	"time"

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
		return media.Info{Type: media.HEIC, ContentType: "image/heic", Width: w, Height: h, Orientation: o, DecodeBytes: int64(w) * int64(h) * 9 / 2}
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

// An iloc whose extents take no bytes must not make Inspect loop over 65535 of them per item.
func TestInspectHEIFEmptyExtents(t *testing.T) {
	iloc := []byte{0, 0, 0, 0, 0x00, 0x00} // version 0; offset, length and base offset sizes 0
	const items = 10000
	iloc = append(iloc, u16(items)...)
	for id := range items {
		iloc = append(iloc, u16(uint16(id+3))...)
		iloc = append(iloc, 0, 0, 0xff, 0xff) // data reference 0, 65535 extents
	}
	in := append(ftyp("heic", "mif1", "heic"), fullBox("meta", 0,
		fullBox("pitm", 0, u16(1)),
		fullBox("iinf", 0, u16(2),
			fullBox("infe", 2, u16(1), u16(0), []byte("hvc1"), []byte{0}),
			fullBox("infe", 2, u16(2), u16(0), []byte("Exif"), []byte{0})),
		box("iloc", iloc),
		box("iprp", box("ipco", fullBox("ispe", 0, u32(640), u32(480))), fullBox("ipma", 0, u32(1), []byte{0, 1, 1, 0x81})),
	)...)
	start := time.Now()
	info, _, err := media.Inspect(bytes.NewReader(in))
	if err != nil || info.Width != 640 {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("took %v", d)
	}
}

func TestDeriveHEIC(t *testing.T) {
	prog, err := exec.LookPath("heif-convert")
	if err != nil {
		t.Fatal("heif-convert not installed (Debian package libheif-examples; tools/install.sh installs it)")
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

// An iPhone portrait photo is stored on its side with irot 3 (three quarter turns anticlockwise):
// Inspect reports orientation 6 and heif-convert hands back the picture upright, turned once.
func TestDeriveHEICRotated(t *testing.T) {
	prog, err := exec.LookPath("heif-convert")
	if err != nil {
		t.Fatal("heif-convert not installed (Debian package libheif-examples; tools/install.sh installs it)")
	}
	in := withIrot(t, MustRead(t, "photo.heic"), 3)
	info, _, err := media.Inspect(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if info.Orientation != 6 || info.Width != 96 || info.Height != 64 {
		t.Errorf("Info = %+v", info)
	}
	public, _, err := media.DeriveOptions{HeifConvert: prog}.Derive(context.Background(), bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if w, h := info.DisplaySize(); public.Width != w || public.Height != h {
		t.Errorf("public is %d×%d, DisplaySize %d×%d", public.Width, public.Height, w, h)
	}
	// The pattern turned a quarter clockwise: blue, red over yellow, green.
	assertColors(t, public, blue, red, yellow, green)
}

// withIrot adds an irot property to heif-enc's output and associates it with the primary item 1.
// It knows that file's layout: meta first after ftyp; iloc (version 0, 4-byte base offsets) before
// iprp; ipco then ipma in iprp; the image data in an mdat after meta.
func withIrot(tb testing.TB, heic []byte, angle byte) []byte {
	tb.Helper()
	type at struct{ off, size int }
	children := func(start, end int) map[string]at {
		m := map[string]at{}
		for i := start; i+8 <= end; {
			n := int(binary.BigEndian.Uint32(heic[i:]))
			if n < 8 {
				tb.Fatalf("box at %d of size %d", i, n)
			}
			m[string(heic[i+4:i+8])] = at{i, n}
			i += n
		}
		return m
	}
	top := children(0, len(heic))
	meta := top["meta"]
	inMeta := children(meta.off+12, meta.off+meta.size)
	iprp, iloc := inMeta["iprp"], inMeta["iloc"]
	inIprp := children(iprp.off+8, iprp.off+iprp.size)
	ipco, ipma := inIprp["ipco"], inIprp["ipma"]
	nProps := 0
	for i := ipco.off + 8; i < ipco.off+ipco.size; i += int(binary.BigEndian.Uint32(heic[i:])) {
		nProps++
	}

	// ipma v0: entry count, then per item a 16-bit ID, a count and 1-byte associations.
	p := ipma.off + 12 + 4
	for binary.BigEndian.Uint16(heic[p:]) != 1 {
		p += 3 + int(heic[p+2])
	}
	assocEnd := p + 3 + int(heic[p+2])
	out := append([]byte{}, heic[:assocEnd]...)
	out = append(out, 0x80|byte(nProps+1))
	out = append(out, heic[assocEnd:]...)
	out[p+2]++
	irot := []byte{0, 0, 0, 9, 'i', 'r', 'o', 't', angle}
	ipcoEnd := ipco.off + ipco.size
	out = append(out[:ipcoEnd:ipcoEnd], append(irot, out[ipcoEnd:]...)...)

	grow := func(b at, by int) {
		binary.BigEndian.PutUint32(out[b.off:], uint32(b.size+by))
	}
	grow(meta, 10)
	grow(iprp, 10)
	grow(ipco, 9)
	grow(at{ipma.off + len(irot), ipma.size}, 1) // ipma now sits after the new irot
	// iloc v0 with 4-byte offsets, lengths and base offsets: the data moved 10 bytes on.
	q := iloc.off + 12
	if heic[q] != 0x44 || heic[q+1] != 0x40 {
		tb.Fatalf("iloc sizes %#x %#x", heic[q], heic[q+1])
	}
	count := int(binary.BigEndian.Uint16(heic[q+2:]))
	q += 4
	for range count {
		base := q + 4
		binary.BigEndian.PutUint32(out[base:], binary.BigEndian.Uint32(out[base:])+10)
		q = base + 4 + 2 + int(binary.BigEndian.Uint16(heic[base+4:]))*8
	}
	return out
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
