package report

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/media"
	"github.com/quangninh/feedback/internal/workcal"
)

// Store keeps reports and the records that make intake safe.
type Store interface {
	// BeginSubmission inserts s, or returns the submission already stored under s.Key (created false).
	BeginSubmission(ctx context.Context, s Submission) (existing Submission, created bool, err error)
	// TakeOverSubmission renews an expired lease; false when another request renewed it first.
	TakeOverSubmission(ctx context.Context, key string, oldLease, newLease time.Time) (bool, error)
	AbandonSubmission(ctx context.Context, key string) error
	Submission(ctx context.Context, key string) (Submission, error)
	NextCodeNumber(ctx context.Context, month string) (int64, error)
	// InsertReport stores a new report; fault.ErrConflict when one with its ID exists.
	InsertReport(ctx context.Context, r Report) error
	Report(ctx context.Context, id string) (Report, error)
	PutJob(ctx context.Context, j Job) error
	// InsertJob stores a new job (replacing the report's job if one exists, like PutJob).
	InsertJob(ctx context.Context, j Job) error
	UploadSlot(ctx context.Context, id string) (UploadSlot, error)
	PutUploadSlot(ctx context.Context, s UploadSlot) error
	DeleteUploadSlots(ctx context.Context, ids []string) error
	// ConsumeUploadSlots marks slots as holding a report's originals, so they no longer expire.
	ConsumeUploadSlots(ctx context.Context, ids []string, reportID string) error
}

// Blobs keeps photo bytes.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (size int64, err error)
	Remove(ctx context.Context, keys ...string) error
	PresignPut(ctx context.Context, key, contentType string, expiry time.Duration) (string, error)
	PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error)
}

// Router decides who handles a report.
type Router interface {
	Catalogue() *catalogue.Catalogue
	Route(category string, p jurisdiction.Point) (catalogue.Decision, error)
}

// Submission records one Idempotency-Key of one resident and the report it stands for. It is done when
// its report exists: the report's insert is the commit point, and no second write marks it (Done is set
// only in records written before that, when a separate update did).
type Submission struct {
	Key         string // "<reporter>:<Idempotency-Key>"
	ReporterID  string
	ReportID    string
	Fingerprint string
	Done        bool
	LeaseUntil  time.Time
	CreatedAt   time.Time
}

// Job is background work on a report's photos: making derivatives once the report exists, or removing the
// originals of a submission that never became a report.
type Job struct {
	ReportID      string
	SubmissionKey string
	OwnedKeys     []string // originals this submission stored (removed if it never completes)
	UploadSlots   []string // presigned-upload slots it consumed
	NotBefore     time.Time
	Attempts      int
}

// UploadSlot is a presigned direct upload granted to a resident.
type UploadSlot struct {
	ID          string
	OwnerID     string
	Key         string
	ContentType string
	Size        int64
	ExpiresAt   time.Time
}

// Intake receives reports.
type Intake struct {
	Store    Store
	Blobs    Blobs
	Router   Router
	Places   *jurisdiction.Index
	Log      *slog.Logger
	Now      func() time.Time
	TempDir  string        // spooled photos; "" means os.TempDir()
	Lease    time.Duration // how long a submission may take before another request may take it over
	SlotTTL  time.Duration // how long a presigned upload URL is valid
	Inspect  media.Inspector
	Patience time.Duration            // how long a concurrent retry waits for the first request to finish
	Calendar func() *workcal.Calendar // the calendar in force (administrators edit the holidays)
	Policy   workcal.Policy
	// OnRouted, when set, hears the rule of each report routed and stored (once per report, not per retry).
	OnRouted func(rule catalogue.Rule)

	inFlight atomic.Int64 // submissions being stored
}

// Busy reports whether submissions are being stored right now (Worker.Busy). Photos still arriving do not
// count: a phone on a slow network can take minutes to send one, waiting on the network, not the CPU.
func (in *Intake) Busy() bool { return in.inFlight.Load() > 0 }

func (in *Intake) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// Spooled is a photo received in a multipart request, checked and written to a temporary file while it
// arrived (never held whole in memory). Close removes the file.
type Spooled struct {
	Info   media.Info
	Size   int64
	SHA256 string
	path   string
}

// spoolWriteBuffer is the write buffer of a photo being spooled (one per upload in flight).
const spoolWriteBuffer = 64 << 10

// Close removes the temporary file.
func (s *Spooled) Close() error { return os.Remove(s.path) }

// Spool checks a photo from its first bytes (type, pixel count) and copies it to a temporary file, hashing
// it, with at most MaxPhotoBytes. It returns media's errors (ErrUnsupportedType, ErrTooManyPixels,
// ErrCorrupt, ErrTooLarge) for a bad photo.
func (in *Intake) Spool(r io.Reader) (*Spooled, error) {
	info, body, err := in.Inspect.Inspect(r)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(in.TempDir, "photo-*")
	if err != nil {
		return nil, fmt.Errorf("spool photo: %w", err)
	}
	h := sha256.New()
	// The body comes in pieces of a few KiB (mime/multipart): written through a buffer, the file gets one
	// system call per spoolWriteBuffer bytes instead of one per piece.
	w := bufio.NewWriterSize(f, spoolWriteBuffer)
	n, err := io.Copy(io.MultiWriter(w, h), body)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	return &Spooled{Info: info, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), path: f.Name()}, nil
}

// Submit turns a draft with its photos (spooled, or presigned uploads listed in the draft) into a report.
//
// The same key from the same resident returns the same report with created false, also when retries race;
// a reused key with a different draft is fault.ErrUnprocessable. Bad fields are *fault.Invalid; a place
// outside the province is fault.ErrUnprocessable; storage failures are fault.ErrUnavailable and leave no
// report behind (the originals already stored are removed, now or by the background job).
func (in *Intake) Submit(ctx context.Context, p auth.Principal, key string, d Draft, photos []*Spooled) (Report, bool, error) {
	in.inFlight.Add(1)
	defer in.inFlight.Add(-1)
	prefix := "body."
	if photos != nil {
		prefix = "report."
	}
	if err := d.Check(prefix); err != nil {
		return Report{}, false, err
	}
	cat, ok := in.Router.Catalogue().Category(d.Category)
	if !ok {
		return Report{}, false, invalid(prefix+"category", "unknown category; see GET /v1/categories")
	}
	var sources []photoSource
	if photos != nil {
		if len(photos) < MinPhotos || len(photos) > MaxPhotos {
			return Report{}, false, invalid("photo", fmt.Sprintf("send %d to %d photos", MinPhotos, MaxPhotos))
		}
		for _, s := range photos {
			sources = append(sources, photoSource{info: s.Info, size: s.Size, hash: s.SHA256, spooled: s})
		}
	} else {
		if len(d.UploadIDs) < MinPhotos {
			return Report{}, false, invalid("body.photos", fmt.Sprintf("list %d to %d upload IDs from POST /v1/uploads (or send a multipart request)", MinPhotos, MaxPhotos))
		}
		var err error
		if sources, err = in.verifyUploads(ctx, p, d.UploadIDs); err != nil {
			return Report{}, false, err
		}
	}

	loc, err := in.locate(d, sources, prefix)
	if err != nil {
		return Report{}, false, err
	}
	hashes := make([]string, len(sources))
	for i, s := range sources {
		hashes[i] = s.hash
	}
	now := in.now()
	sub := Submission{
		Key: p.UserID + ":" + key, ReporterID: p.UserID, ReportID: newID(),
		Fingerprint: d.fingerprint(hashes), LeaseUntil: now.Add(in.Lease), CreatedAt: now,
	}
	// The photo job is written beside the submission record, before any original goes to S3: if this process
	// dies later, the job removes what was stored. When the key turns out to be taken, the job names a
	// report ID that never comes to be, and the worker removes it (Worker.cleanUp) a few seconds later.
	jobWritten := make(chan error, 1)
	go func() { _, job := in.plan(sub, sources, now); jobWritten <- in.Store.InsertJob(ctx, job) }()
	existing, created, err := in.Store.BeginSubmission(ctx, sub)
	jobErr := <-jobWritten
	if err == nil && created && jobErr != nil {
		in.abandon(sub, nil, false)
		err = jobErr
	}
	if err != nil {
		return Report{}, false, err
	}
	if !created {
		if existing.Fingerprint != sub.Fingerprint {
			return Report{}, false, fault.New(fault.ErrUnprocessable,
				"This Idempotency-Key was already used for a different report; use a new key for a new report.")
		}
		if r, done, err := in.awaitExisting(ctx, existing); done || err != nil {
			return r, false, err
		}
		// The first attempt died mid-way: take it over and finish it under the same report ID.
		ok, err := in.Store.TakeOverSubmission(ctx, existing.Key, existing.LeaseUntil, now.Add(in.Lease))
		if err != nil {
			return Report{}, false, err
		}
		if !ok {
			return Report{}, false, fault.New(fault.ErrConflict, "This report is still being received; retry in a moment with the same Idempotency-Key.")
		}
		sub.ReportID, sub.CreatedAt = existing.ReportID, existing.CreatedAt
		_, job := in.plan(sub, sources, now)
		if err := in.Store.InsertJob(ctx, job); err != nil {
			return Report{}, false, err
		}
	}

	r, inserted, err := in.store(ctx, p, sub, d, cat, loc, sources)
	if err != nil {
		if !inserted { // once the report exists, a retry after the lease completes it instead
			in.abandon(sub, r.Photos, photos != nil)
		}
		return Report{}, false, err
	}
	return r, true, nil
}

type photoSource struct {
	info    media.Info
	size    int64
	hash    string
	spooled *Spooled
	slot    *UploadSlot
}

func (in *Intake) locate(d Draft, sources []photoSource, prefix string) (Location, error) {
	loc := Location{}
	switch {
	case d.Location != nil:
		loc = *d.Location
		loc.Source = FromDevice
	case sources[0].info.GPS != nil:
		loc = Location{Lat: sources[0].info.GPS.Lat, Lng: sources[0].info.GPS.Lng, Source: FromPhotoGPS}
	default:
		return Location{}, invalid(prefix+"location", "is required: the first photo carries no GPS position")
	}
	pt, err := jurisdiction.ParsePoint(loc.Lat, loc.Lng)
	if err != nil {
		return Location{}, invalid(prefix+"location", err.Error())
	}
	if !in.Places.InProvince(pt) {
		msg := "The location is outside Quảng Ninh province and its coastal waters; reports can only be sent for places in the province."
		if loc.Source == FromPhotoGPS {
			msg = "The first photo was taken outside Quảng Ninh province (by its GPS position); send the location of the problem."
		}
		return Location{}, fault.New(fault.ErrUnprocessable, msg)
	}
	return loc, nil
}

// awaitExisting waits (a little) for the request that holds the key to finish. done is true when the
// existing report is returned; false means its lease expired and it may be taken over.
func (in *Intake) awaitExisting(ctx context.Context, s Submission) (Report, bool, error) {
	deadline := in.now().Add(in.Patience)
	for {
		r, err := in.Store.Report(ctx, s.ReportID)
		if err == nil || !errors.Is(err, fault.ErrNotFound) {
			return r, true, err // stored (done), or the database failed
		}
		if s.Done { // a record from before done was derived: its report is gone
			return Report{}, true, err
		}
		if in.now().After(s.LeaseUntil) {
			return Report{}, false, nil
		}
		if in.now().After(deadline) {
			// Tell the phone when the first attempt's lease ends: by then it is done or may be taken over.
			return Report{}, true, retryLater{fault.New(fault.ErrConflict, "This report is still being received; retry in a moment with the same Idempotency-Key."),
				s.LeaseUntil.Sub(in.now())}
		}
		select {
		case <-ctx.Done():
			return Report{}, true, fault.Wrap(fault.ErrUnavailable, "", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if s, err = in.Store.Submission(ctx, s.Key); err != nil {
			if errors.Is(err, fault.ErrNotFound) { // the first attempt failed and gave the key up
				return Report{}, true, fault.New(fault.ErrConflict, "The first attempt with this Idempotency-Key failed; retry.")
			}
			return Report{}, true, err
		}
	}
}

func (in *Intake) store(ctx context.Context, p auth.Principal, sub Submission, d Draft, cat catalogue.Category, loc Location, sources []photoSource) (_ Report, inserted bool, _ error) {
	now := in.now()
	r := Report{
		ID: sub.ReportID, ReporterID: p.UserID, Category: cat.Code, Description: d.Description, Address: d.Address,
		Location: loc, PublishConsent: d.PublishConsent, Status: Received, Cell: Cell(loc.Lat, loc.Lng),
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	var job Job
	r.Photos, job = in.plan(sub, sources, now) // the job is stored already (Submit)
	for i, s := range sources {
		if s.spooled == nil {
			continue
		}
		f, err := os.Open(s.spooled.path)
		if err != nil {
			return r, false, err
		}
		err = in.Blobs.Put(ctx, r.Photos[i].OriginalKey, f, s.size, s.info.ContentType)
		f.Close()
		if err != nil {
			return r, false, err
		}
	}
	n, err := in.Store.NextCodeNumber(ctx, now.In(time.FixedZone("ICT", 7*3600)).Format("0601"))
	if err != nil {
		return r, false, err
	}
	r.Code = FormatCode(now.In(time.FixedZone("ICT", 7*3600)), n)
	pt, _ := jurisdiction.ParsePoint(loc.Lat, loc.Lng)
	if r.Routing, err = in.Router.Route(cat.Code, pt); err != nil {
		return r, false, err
	}
	r.Ticket, err = NewTicket(r, Env{Calendar: in.Calendar(), Policy: in.Policy, Category: cat})
	if err != nil {
		return r, false, err
	}
	r.Timeline = []Event{
		{At: now, Action: EventReceived, ActorRole: string(auth.RoleResident), ActorID: p.UserID, To: Received,
			Note: "Report received"},
		{At: now, Action: EventRouted, ActorRole: EventRoleSystem, AgencyID: r.Routing.AgencyID, Note: r.Routing.Reason},
	}
	r = withOutbox(Report{}, r, len(r.Timeline), now)
	if err := in.Store.InsertReport(ctx, r); err != nil && !errors.Is(err, fault.ErrConflict) {
		return r, false, err
	} else if err != nil { // a taken-over attempt had already stored it
		if r, err = in.Store.Report(ctx, r.ID); err != nil {
			return r, true, err
		}
	} else if in.OnRouted != nil {
		in.OnRouted(r.Routing.Rule)
	}
	if err := in.Store.ConsumeUploadSlots(ctx, job.UploadSlots, r.ID); err != nil {
		return r, true, err
	}
	// The ticket enters its agency's queue from the outbox (notify.Dispatcher.queueNew), with the push
	// that tells the officers: the report's insert carries both.
	return r, true, nil
}

// plan names a submission's photos and the job that makes their derivatives (or removes the originals if
// the report never comes to be). The job starts jobDelay from now, when the report is usually stored; a
// worker that comes earlier finds the submission still running and comes back (Worker.cleanUp).
func (in *Intake) plan(sub Submission, sources []photoSource, now time.Time) ([]Photo, Job) {
	job := Job{ReportID: sub.ReportID, SubmissionKey: sub.Key, NotBefore: now.Add(jobDelay)}
	var photos []Photo
	for i, s := range sources {
		ph := Photo{ID: fmt.Sprintf("p%d", i+1), ContentType: s.info.ContentType, Size: s.size, SHA256: s.hash,
			Width: s.info.Width, Height: s.info.Height, State: PhotoProcessing}
		if s.slot != nil {
			ph.OriginalKey = s.slot.Key
			job.UploadSlots = append(job.UploadSlots, s.slot.ID)
		} else {
			ph.OriginalKey = "originals/" + sub.ReportID + "/" + ph.ID
			job.OwnedKeys = append(job.OwnedKeys, ph.OriginalKey)
		}
		photos = append(photos, ph)
	}
	return photos, job
}

// jobDelay is how long after a submission starts its photo job becomes due.
const jobDelay = 2 * time.Second

// abandon undoes a failed submission as far as the servers allow; the job removes the rest later. The key
// is released first (the database usually still answers when S3 does not), so the phone's retry starts
// afresh; each step has its own deadline so a dead S3 cannot hold up the other.
func (in *Intake) abandon(sub Submission, photos []Photo, owned bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	err := in.Store.AbandonSubmission(ctx, sub.Key)
	cancel()
	if err != nil {
		in.Log.Warn("abandoned submission: key left for the cleanup job", "report", sub.ReportID, "error", err.Error())
	}
	var keys []string
	for _, ph := range photos {
		if owned && ph.OriginalKey != "" {
			keys = append(keys, ph.OriginalKey)
		}
	}
	ctx, cancel = context.WithTimeout(context.Background(), 3*time.Second)
	err = in.Blobs.Remove(ctx, keys...)
	cancel()
	if err != nil {
		in.Log.Warn("abandoned submission: originals left for the cleanup job", "report", sub.ReportID, "error", err.Error())
	}
}

// verifyUploads checks that every slot belongs to the resident and that its object exists and is a photo
// we accept (type and pixels decided from its bytes).
func (in *Intake) verifyUploads(ctx context.Context, p auth.Principal, ids []string) ([]photoSource, error) {
	var out []photoSource
	seen := map[string]bool{}
	for i, id := range ids {
		field := fmt.Sprintf("body.photos.%d", i)
		if seen[id] {
			return nil, invalid(field, "is listed twice")
		}
		seen[id] = true
		slot, err := in.Store.UploadSlot(ctx, id)
		if errors.Is(err, fault.ErrNotFound) || (err == nil && slot.OwnerID != p.UserID) {
			return nil, invalid(field, "no such upload (it may have expired); ask for a new one")
		}
		if err != nil {
			return nil, err
		}
		size, err := in.Blobs.Stat(ctx, slot.Key)
		if errors.Is(err, fault.ErrNotFound) {
			return nil, invalid(field, "nothing was uploaded to this slot yet; PUT the photo to its URL first")
		}
		if err != nil {
			return nil, err
		}
		if size != slot.Size {
			return nil, invalid(field, fmt.Sprintf("the uploaded object has %d bytes, the slot was asked for %d", size, slot.Size))
		}
		rc, err := in.Blobs.Get(ctx, slot.Key)
		if err != nil {
			return nil, err
		}
		info, _, err := in.Inspect.Inspect(io.LimitReader(rc, media.MaxPeek))
		rc.Close()
		if err != nil && !errors.Is(err, media.ErrTooLarge) {
			return nil, fmt.Errorf("upload %s: %w", id, err)
		}
		s := slot
		out = append(out, photoSource{info: info, size: size, hash: "upload:" + id, slot: &s})
	}
	return out, nil
}

// NewUploadSlot grants a presigned PUT URL for one photo of at most MaxPhotoBytes.
func (in *Intake) NewUploadSlot(ctx context.Context, p auth.Principal, contentType string, size int64) (UploadSlot, string, error) {
	if size <= 0 || size > MaxPhotoBytes {
		return UploadSlot{}, "", fault.Wrap(fault.ErrUnprocessable, fmt.Sprintf("a photo may have at most %d bytes", MaxPhotoBytes), media.ErrTooLarge)
	}
	id := newID()
	s := UploadSlot{ID: id, OwnerID: p.UserID, Key: "uploads/" + id, ContentType: contentType, Size: size,
		ExpiresAt: in.now().Add(in.SlotTTL)}
	if err := in.Store.PutUploadSlot(ctx, s); err != nil {
		return UploadSlot{}, "", err
	}
	url, err := in.Blobs.PresignPut(ctx, s.Key, contentType, in.SlotTTL)
	if err != nil {
		return UploadSlot{}, "", err
	}
	return s, url, nil
}

func invalid(field, msg string) error {
	inv := &fault.Invalid{}
	inv.Add(field, msg)
	return inv
}

// newID returns a random URL-safe identifier (128 bits).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// retryLater is an error that tells the caller how long to wait before retrying (sent as Retry-After).
type retryLater struct {
	err   error
	after time.Duration
}

func (e retryLater) Error() string             { return e.err.Error() }
func (e retryLater) Unwrap() error             { return e.err }
func (e retryLater) RetryAfter() time.Duration { return max(e.after, time.Second) }
