package report

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/zeebo/xxh3"

	"github.com/quangninh/feedback/internal/media"
)

// Spooled is a photo received in a multipart request, checked and written to a temporary file while it
// arrived (never held whole in memory). Close gives the file back.
type Spooled struct {
	Info media.Info
	Size int64
	// Digest identifies the bytes (XXH3-128, hex): it tells a retried submission from a different one
	// under the same Idempotency-Key. Not a security boundary: a resident can only collide with themself.
	Digest string

	file   *spoolFile
	gen    uint64 // the file's generation while this photo owns it
	pool   *spoolPool
	closed atomic.Bool
}

// Close gives the photo's file back for the next upload. A reader from Open fails from then on.
func (s *Spooled) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.pool.put(s.file, s.Size)
}

// Open reads the photo's bytes from the start (a new reader each time: a retried PUT seeks back).
func (s *Spooled) Open() io.ReadSeeker {
	return &spoolReader{file: s.file, gen: s.gen, r: io.NewSectionReader(s.file.f, 0, s.Size)}
}

// Spooling.
//
// Writing a 2 MB photo into a new file costs the kernel a fresh page for every 4 KiB and the file's
// removal frees them all again: measured under the intake benchmark's load, creating, filling and removing
// a file per photo took 2.4 ms of CPU per photo, a third of the service's CPU per report. Overwriting a file
// that held the previous photo costs a copy only. So spool files are kept and reused: removed from the
// folder as soon as they are made (a process that dies leaves nothing behind: the kernel frees an unlinked
// file when its last descriptor closes), handed from one upload to the next, and closed when more than
// spoolKeep are idle or one grew past spoolKeepBytes.
const (
	// spoolWriteBuffer is the write buffer of a photo being spooled (one per upload in flight).
	spoolWriteBuffer = 64 << 10
	// spoolKeep is how many idle spool files are kept for reuse.
	spoolKeep = 32
	// spoolKeepBytes is the largest file kept (a phone's photo is 1 to 6 MB; MaxPhotoBytes is 15 MB).
	spoolKeepBytes = 8 << 20
)

// errSpoolReused is what a reader of a closed Spooled gets (say, a PUT that outlived its submission).
var errSpoolReused = errors.New("spooled photo: closed (its file was given to another upload)")

// spoolFile is an unlinked temporary file. Its generation changes each time it changes hands.
type spoolFile struct {
	f   *os.File
	gen atomic.Uint64
}

// spoolPool hands out spool files in dir.
type spoolPool struct {
	dir  string
	once sync.Once
	idle chan *spoolFile
}

func (p *spoolPool) idleFiles() chan *spoolFile {
	p.once.Do(func() { p.idle = make(chan *spoolFile, spoolKeep) })
	return p.idle
}

// get returns an idle file, or a new one.
func (p *spoolPool) get() (*spoolFile, error) {
	select {
	case f := <-p.idleFiles():
		return f, nil
	default:
	}
	f, err := os.CreateTemp(p.dir, "photo-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return &spoolFile{f: f}, nil
}

// put takes a file back; size is how much of it its last photo used. The generation moves on first, so a
// reader of that photo fails before the file's next owner writes anything.
func (p *spoolPool) put(f *spoolFile, size int64) error {
	f.gen.Add(1)
	if size <= spoolKeepBytes {
		select {
		case p.idleFiles() <- f:
			return nil
		default:
		}
	}
	return f.f.Close()
}

// Spool checks a photo from its first bytes (type, pixel count) and copies it to a spool file, hashing it,
// with at most MaxPhotoBytes. It returns media's errors (ErrUnsupportedType, ErrTooManyPixels, ErrCorrupt,
// ErrTooLarge) for a bad photo.
func (in *Intake) Spool(r io.Reader) (*Spooled, error) {
	info, body, err := in.Inspect.Inspect(r)
	if err != nil {
		return nil, err
	}
	in.spoolOnce.Do(func() { in.spool = &spoolPool{dir: in.TempDir} })
	f, err := in.spool.get()
	if err != nil {
		return nil, fmt.Errorf("spool photo: %w", err)
	}
	h := xxh3.New()
	// The body comes in pieces of a few KiB (mime/multipart): written through a buffer, the file gets one
	// system call per spoolWriteBuffer bytes instead of one per piece. It is written from its start over
	// what the previous photo left: only the first n bytes are ever read.
	w := bufio.NewWriterSize(io.NewOffsetWriter(f.f, 0), spoolWriteBuffer)
	n, err := io.Copy(io.MultiWriter(w, h), body)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return nil, errors.Join(err, in.spool.put(f, n))
	}
	return &Spooled{Info: info, Size: n, Digest: digestHex(h.Sum128()), file: f, gen: f.gen.Load(), pool: in.spool}, nil
}

// spoolReader reads a Spooled's bytes while the Spooled owns its file.
type spoolReader struct {
	file *spoolFile
	gen  uint64
	r    *io.SectionReader
}

// Read checks the generation before and after reading: a read that overlapped the next owner's writes
// returns an error, never the next photo's bytes.
func (r *spoolReader) Read(p []byte) (int, error) {
	if r.file.gen.Load() != r.gen {
		return 0, errSpoolReused
	}
	n, err := r.r.Read(p)
	if r.file.gen.Load() != r.gen {
		return 0, errSpoolReused
	}
	return n, err
}

func (r *spoolReader) Seek(offset int64, whence int) (int64, error) { return r.r.Seek(offset, whence) }

func digestHex(d xxh3.Uint128) string {
	b := d.Bytes()
	return hex.EncodeToString(b[:])
}
