package report

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
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
	NextCodeNumber(ctx context.Context, month string) (int64, error)
	// InsertReport stores a new report; fault.ErrConflict when one with its ID exists.
	InsertReport(ctx context.Context, r Report) error
	Report(ctx context.Context, id string) (Report, error)
	filer
	UploadSlot(ctx context.Context, id string) (UploadSlot, error)
	PutUploadSlot(ctx context.Context, s UploadSlot) error
	// ClaimUploadSlot gives the owner's slot to a report, atomically: true when it was free or the report's
	// already, false when another report has it (or the owner has no such slot).
	ClaimUploadSlot(ctx context.Context, id, ownerID, reportID string) (bool, error)
	// ReleaseUploadSlot frees a slot the report claimed.
	ReleaseUploadSlot(ctx context.Context, id, reportID string) error
	// RestoreHints writes again the notification hints of the report's recent outbox entries that have
	// none (without sending anything twice).
	RestoreHints(ctx context.Context, r Report) error
}

// Blobs keeps photo bytes.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (size int64, err error)
	// Copy copies the object at src (as it stands at one moment) to dst; fault.ErrNotFound without src.
	Copy(ctx context.Context, src, dst string) error
	Remove(ctx context.Context, keys ...string) error
	// List returns the keys of the objects under prefix.
	List(ctx context.Context, prefix string) ([]string, error)
	// PresignPut returns a URL that takes one PUT of exactly size bytes of contentType (both signed).
	PresignPut(ctx context.Context, key, contentType string, size int64, expiry time.Duration) (string, error)
	PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error)
}

// Router decides who handles a report.
type Router interface {
	Catalogue() *catalogue.Catalogue
	Route(category string, p jurisdiction.Point) (catalogue.Decision, error)
}

// Job is background work on a report's photos: making their derivatives.
type Job struct {
	ReportID  string
	NotBefore time.Time
	Attempts  int
	Lease     string // the lease of the worker that claimed it (JobStore.ClaimJob)
}

// photoJob returns the job of a report's photos still to derive, due at now; false when none is.
func photoJob(r Report, now time.Time) (Job, bool) {
	for _, ph := range r.Photos {
		if ph.State == PhotoProcessing {
			return Job{ReportID: r.ID, NotBefore: now}, true
		}
	}
	return Job{}, false
}

// UploadSlot is a presigned direct upload granted to a resident (or an officer, for after photos): one
// PUT of Size bytes of ContentType to Key until ExpiresAt. It serves one report, the one it is claimed
// for (ReportID), which keeps a copy of the object: the slot and its object go once it expires.
type UploadSlot struct {
	ID          string
	OwnerID     string
	Key         string
	ContentType string
	Size        int64
	ExpiresAt   time.Time
	ReportID    string // the report that claimed it; "" while free
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
	SlotTTL  time.Duration // how long a presigned upload URL is valid
	Inspect  media.Inspector
	Calendar func() *workcal.Calendar // the calendar in force (administrators edit the holidays)
	Policy   workcal.Policy
	Quotas   Quotas // per resident: upload slots, reports per hour and per day
	// OnRouted, when set, hears the rule of each report routed and stored (once per report, not per retry).
	OnRouted func(rule catalogue.Rule)
	// OnReceived, when set, hears of each report stored, once (not per retry), while the submission files
	// it: the public statistics count it as received.
	OnReceived func(ctx context.Context, r Report)

	inFlight  atomic.Int64 // submissions being stored
	spoolOnce sync.Once
	spool     *spoolPool // spool files for reuse (Spool)
}

// Busy reports whether submissions are being stored right now (Worker.Busy). Photos still arriving do not
// count: a phone on a slow network can take minutes to send one, waiting on the network, not the CPU.
func (in *Intake) Busy() bool { return in.inFlight.Load() > 0 }

func (in *Intake) now() time.Time {
	if in.Now != nil {
		return Stamp(in.Now())
	}
	return Stamp(time.Now())
}

// Submit turns a draft with its photos (spooled, or presigned uploads listed in the draft) into a report.
//
// The same key from the same resident returns the same report with created false, also when retries race;
// a reused key with a different draft is fault.ErrUnprocessable. Bad fields are *fault.Invalid; a place
// outside the province is fault.ErrUnprocessable; storage failures are fault.ErrUnavailable and leave no
// report behind.
//
// The key makes the report's ID (ReportIDFor), and the report's insert is the only commit: retries racing
// each other all store their originals (under keys named by their bytes, so an identical photo lands on
// the same object and a different one on another) and try the insert; one wins (created), the others find
// its report and answer with it. Nothing is written before the originals are stored, so a submission that
// fails (or a process that dies) midway leaves only originals no report names: SweepOriginals removes them.
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
	now := in.now()
	// The submitter's keys name the report: a resident's own, or the call-taker's for a caller (see commit).
	id := ReportIDFor(p.UserID, key)
	reporter, minPhotos := p.UserID, MinPhotos
	d.TakenBy = ""
	if d.OnBehalfOf != "" {
		if p.Role != auth.RoleCallTaker || photos != nil {
			return Report{}, false, fault.New(fault.ErrForbidden, "only call-takers file reports for residents, with uploaded photos")
		}
		if d.Location == nil {
			return Report{}, false, invalid(prefix+"location", "is required: pick the place on the map")
		}
		reporter, minPhotos, d.TakenBy = d.OnBehalfOf, 0, p.UserID
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
			sources = append(sources, photoSource{info: s.Info, size: s.Size, hash: s.Digest, spooled: s})
		}
	} else {
		if len(d.UploadIDs) < minPhotos {
			return Report{}, false, invalid("body.photos", fmt.Sprintf("list %d to %d upload IDs from POST /v1/uploads (or send a multipart request)", MinPhotos, MaxPhotos))
		}
		if len(d.UploadIDs) > 0 {
			var err error
			if sources, err = in.adoptUploads(ctx, p, d.UploadIDs, id, now, "body.photos"); err != nil {
				return Report{}, false, err
			}
		}
	}

	loc, err := in.locate(d, sources, prefix)
	if err != nil {
		return Report{}, false, err
	}
	return in.commit(ctx, "", reporter, key, d, cat, loc, sources)
}

// commit stores a checked draft as the reporter's report (filed through the partner, if any), numbered,
// routed and filed (see Submit).
func (in *Intake) commit(ctx context.Context, partnerID, reporterID, key string, d Draft, cat catalogue.Category, loc Location, sources []photoSource) (Report, bool, error) {
	hashes := make([]string, len(sources))
	for i, s := range sources {
		hashes[i] = s.hash
	}
	now := in.now()
	id, fingerprint := ReportIDFor(partnerID+"\x00"+reporterID, key), d.fingerprint(hashes)
	switch {
	case d.TakenBy != "": // the call-taker's keys
		id = ReportIDFor(d.TakenBy, key)
	case partnerID == "":
		id = ReportIDFor(reporterID, key)
	}
	// The quotas count a resident's new reports: a slot is given back unless this submission makes the
	// report, and a resident over a quota still gets the report a retry names.
	var quota []taken
	if partnerID == "" {
		var err error
		quota, err = in.Quotas.takeReport(ctx, now, reporterID)
		if errors.Is(err, fault.ErrRateLimited) {
			if _, perr := in.Store.Report(ctx, id); perr == nil {
				return in.existing(ctx, Report{ID: id, Fingerprint: fingerprint}, sources)
			}
		}
		if err != nil {
			return Report{}, false, err
		}
	}
	made := false
	defer func() {
		if !made {
			in.Quotas.giveBack(ctx, quota)
		}
	}()
	r := Report{
		ID: id, ReporterID: reporterID, Partner: partnerID, Category: cat.Code, Attributes: d.Attributes, Description: d.Description, Address: d.Address,
		Location: loc, PublishConsent: d.PublishConsent, Status: Received,
		Photos: plan(id, sources, now), Fingerprint: fingerprint, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	// The originals go to S3 while the database gives the report its number.
	var n int64
	var numErr error
	numbered := make(chan struct{})
	go func() {
		defer close(numbered)
		n, numErr = in.Store.NextCodeNumber(ctx, now.In(time.FixedZone("ICT", 7*3600)).Format("0601"))
	}()
	for i, s := range sources {
		if s.spooled == nil {
			continue
		}
		if err := in.putOriginal(ctx, r.Photos[i].OriginalKey, s); err != nil {
			<-numbered
			return Report{}, false, err
		}
	}
	<-numbered
	if numErr != nil {
		return Report{}, false, numErr
	}
	r.Code = FormatCode(now.In(time.FixedZone("ICT", 7*3600)), n)
	pt, _ := jurisdiction.ParsePoint(loc.Lat, loc.Lng)
	var err error
	if r.Routing, err = in.Router.Route(cat.Code, pt); err != nil {
		return Report{}, false, err
	}
	r.Ticket, err = NewTicket(r, Env{Calendar: in.Calendar(), Policy: in.Policy, Category: cat})
	if err != nil {
		return Report{}, false, err
	}
	received := Event{At: now, Action: EventReceived, ActorRole: receivedBy(partnerID), ActorID: reporterID, To: Received,
		Note: "Report received"}
	if d.TakenBy != "" {
		received.ActorRole, received.ActorID, received.Note = string(auth.RoleCallTaker), d.TakenBy, "Report received by the hotline"
	}
	r.Timeline = []Event{
		received,
		{At: now, Action: EventRouted, ActorRole: EventRoleSystem, AgencyID: r.Routing.AgencyID, Note: r.Routing.Reason},
	}
	r = withOutbox(Report{}, r, len(r.Timeline), now)
	err = in.Store.InsertReport(ctx, r)
	if errors.Is(err, fault.ErrConflict) {
		return in.existing(ctx, r, sources)
	}
	if err != nil {
		return Report{}, false, err
	}
	made = true
	if in.OnRouted != nil {
		in.OnRouted(r.Routing.Rule)
	}
	var counted sync.WaitGroup
	if in.OnReceived != nil {
		counted.Go(func() { in.OnReceived(context.WithoutCancel(ctx), r) })
	}
	err = in.file(ctx, r, cat.Deadline == "urgent")
	counted.Wait()
	if err != nil {
		return Report{}, false, err
	}
	return r, true, nil
}

// file does what a stored report needs before its submission is answered (fileReport). It is idempotent: a
// failure here answers the submission with an error, and its retry, which finds the report stored, files it
// again; the desk's sweep files the reports of submissions never retried.
func (in *Intake) file(ctx context.Context, r Report, urgent bool) error {
	return fileReport(ctx, in.Store, r, urgent, in.now())
}

// filer keeps what a stored report needs: its queue entry and its photo job.
type filer interface {
	PutQueueEntry(ctx context.Context, agencyID string, e QueueEntry, now time.Time) error
	InsertJob(ctx context.Context, j Job) error
}

// fileReport puts a report's ticket into its agency's queue (while it belongs there) and creates its photo
// job (while photos are still to derive). Both are idempotent.
func fileReport(ctx context.Context, f filer, r Report, urgent bool, now time.Time) error {
	var queueErr, jobErr error
	var wg sync.WaitGroup
	if InQueue(r.Status) {
		wg.Go(func() {
			if err := f.PutQueueEntry(ctx, r.Routing.AgencyID, Entry(r, urgent), now); err != nil {
				queueErr = fmt.Errorf("queue report %s: %w", r.ID, err)
			}
		})
	}
	if j, ok := photoJob(r, now); ok {
		wg.Go(func() {
			if err := f.InsertJob(ctx, j); err != nil {
				jobErr = fmt.Errorf("photo job of report %s: %w", r.ID, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(queueErr, jobErr)
}

// existing answers a submission whose report ID is taken: by an earlier attempt with the same key (the
// same draft: its report), or by another draft under a reused key (refused). The originals this attempt
// stored that the report does not name (another draft's photos, or the same ones stored in another hour)
// are removed: under the report's ID, no other report can name them.
func (in *Intake) existing(ctx context.Context, mine Report, sources []photoSource) (Report, bool, error) {
	r, err := in.Store.Report(ctx, mine.ID)
	if err != nil {
		return Report{}, false, err
	}
	named := map[string]bool{}
	for _, ph := range r.Photos {
		named[ph.OriginalKey] = true
	}
	var stray []string
	for _, ph := range mine.Photos {
		if strings.HasPrefix(ph.OriginalKey, originalsPrefix) && !named[ph.OriginalKey] {
			stray = append(stray, ph.OriginalKey)
		}
	}
	if err := in.Blobs.Remove(ctx, stray...); err != nil {
		in.Log.WarnContext(ctx, "retried submission: originals left for the sweep", "report", mine.ID, "error", err.Error())
	}
	if r.Fingerprint != mine.Fingerprint {
		return Report{}, false, fault.New(fault.ErrUnprocessable,
			"This Idempotency-Key was already used for a different report; use a new key for a new report.")
	}
	// The first attempt may have failed right after its insert, or its insert landed while it saw a failure
	// (so it wrote no hints): file the report as it stands now, and restore its hints.
	cat, _ := in.Router.Catalogue().Category(r.Category)
	if err := in.file(ctx, r, cat.Deadline == "urgent"); err != nil {
		return Report{}, false, err
	}
	if err := in.Store.RestoreHints(ctx, r); err != nil {
		return Report{}, false, err
	}
	return r, false, nil
}

// ReportIDFor is the ID of the report a resident's submission with this Idempotency-Key stands for: a
// digest of both (128 bits, URL-safe), so every retry of it names the same report, and the report's
// unique insert decides among retries that race.
func ReportIDFor(userID, key string) string {
	h := sha256.Sum256([]byte("qn-report\x00" + userID + "\x00" + key))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

// putOriginal stores a spooled photo under key.
func (in *Intake) putOriginal(ctx context.Context, key string, s photoSource) error {
	return in.Blobs.Put(ctx, key, s.spooled.Open(), s.size, s.info.ContentType)
}

type photoSource struct {
	info    media.Info
	size    int64
	hash    string
	spooled *Spooled
	slot    *UploadSlot // an upload, copied to key
	key     string
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

// The prefixes of photo objects: originals a submission stored, and presigned uploads.
const (
	originalsPrefix = "originals/"
	uploadsPrefix   = "uploads/"
)

// plan names a submission's photos. A spooled original is stored under
// originals/<hour it arrived, UTC>/<report ID>/<photo>-<its SHA-256, 64 bits>: the same bytes retried land on
// the same object and other bytes on another; the hour lets SweepOriginals list one hour at a time.
func plan(reportID string, sources []photoSource, now time.Time) []Photo {
	var photos []Photo
	for i, s := range sources {
		ph := Photo{ID: fmt.Sprintf("p%d", i+1), ContentType: s.info.ContentType, Size: s.size, Digest: s.hash,
			Width: s.info.Width, Height: s.info.Height, State: PhotoProcessing}
		if s.slot != nil {
			ph.OriginalKey = s.key
		} else {
			ph.OriginalKey = originalsPrefix + hourOf(now) + "/" + reportID + "/" + ph.ID + "-" + s.hash[:min(16, len(s.hash))]
		}
		photos = append(photos, ph)
	}
	return photos
}

// hourOf names the hour of t (UTC) in original keys.
func hourOf(t time.Time) string { return t.UTC().Format("2006010215") }

// adoptUploads makes the objects of presigned-upload slots photos of the report reportID: each slot must be
// the resident's, unexpired, and free or already this report's; it is claimed for the report (one atomic
// update: a slot serves one report), its object copied under the report's originals (which no URL handed out
// can write), and the copy checked as a multipart photo is (size, type and pixels from its bytes). A photo
// refused gives its slot back. field names the list in errors ("body.photos").
func (in *Intake) adoptUploads(ctx context.Context, p auth.Principal, ids []string, reportID string, now time.Time, field string) ([]photoSource, error) {
	var out []photoSource
	seen := map[string]bool{}
	for i, id := range ids {
		f := fmt.Sprintf("%s.%d", field, i)
		if seen[id] {
			return nil, invalid(f, "is listed twice")
		}
		seen[id] = true
		slot, err := in.Store.UploadSlot(ctx, id)
		if errors.Is(err, fault.ErrNotFound) || (err == nil && (slot.OwnerID != p.UserID || !now.Before(slot.ExpiresAt))) {
			return nil, invalid(f, "no such upload (it may have expired); ask for a new one")
		}
		if err != nil {
			return nil, err
		}
		ok, err := in.Store.ClaimUploadSlot(ctx, id, p.UserID, reportID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, invalid(f, "this upload belongs to another report already; ask for a new one for each photo")
		}
		src, err := in.adopt(ctx, slot, reportID, now, i)
		if err != nil {
			if rerr := in.Store.ReleaseUploadSlot(context.WithoutCancel(ctx), id, reportID); rerr != nil {
				in.Log.WarnContext(ctx, "upload slot not given back", "slot", id, "error", rerr.Error())
			}
			if errors.Is(err, fault.ErrNotFound) {
				return nil, invalid(f, "nothing was uploaded to this slot yet; PUT the photo to its URL first")
			}
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// adopt copies a claimed slot's object under the report's originals and checks the copy; a refused copy is
// removed. The photo is the i-th of its list.
func (in *Intake) adopt(ctx context.Context, slot UploadSlot, reportID string, now time.Time, i int) (photoSource, error) {
	key := originalsPrefix + hourOf(now) + "/" + reportID + "/upload-" + slot.ID
	if err := in.Blobs.Copy(ctx, slot.Key, key); err != nil {
		return photoSource{}, err
	}
	info, size, err := in.inspectStored(ctx, key)
	if err == nil && size != slot.Size {
		err = fmt.Errorf("%w: the upload has %d bytes, the slot was granted for %d", media.ErrCorrupt, size, slot.Size)
	}
	if err != nil {
		if rerr := in.Blobs.Remove(context.WithoutCancel(ctx), key); rerr != nil {
			in.Log.WarnContext(ctx, "refused upload copy left for the sweep", "key", key, "error", rerr.Error())
		}
		return photoSource{}, PhotoError(i, err)
	}
	return photoSource{info: info, size: size, hash: "upload:" + slot.ID, slot: &slot, key: key}, nil
}

// inspectStored inspects a stored object's first bytes and returns what it is and its size.
func (in *Intake) inspectStored(ctx context.Context, key string) (media.Info, int64, error) {
	size, err := in.Blobs.Stat(ctx, key)
	if err != nil {
		return media.Info{}, 0, err
	}
	rc, err := in.Blobs.Get(ctx, key)
	if err != nil {
		return media.Info{}, 0, err
	}
	defer rc.Close()
	info, _, err := in.Inspect.Inspect(io.LimitReader(rc, media.MaxPeek))
	if errors.Is(err, media.ErrTooLarge) {
		err = nil // the limit above, not the photo's: its size is checked against the slot's
	}
	return info, size, err
}

// PhotoError turns media's verdict on the i-th photo (from 0) of a submission into the answer a resident
// gets, the same for a multipart part and an upload: fault.ErrUnsupportedMedia, fault.ErrTooLarge or
// fault.ErrUnprocessable naming the photo. Other errors are returned as they are.
func PhotoError(i int, err error) error {
	name := fmt.Sprintf("photo %d", i+1)
	switch {
	case errors.Is(err, media.ErrUnsupportedType):
		return fault.Wrap(fault.ErrUnsupportedMedia, name+" is not a JPEG, PNG, WebP or HEIC image (judged from its bytes)", err)
	case errors.Is(err, media.ErrTooLarge):
		return fault.Wrap(fault.ErrTooLarge, fmt.Sprintf("%s is larger than %d MB", name, MaxPhotoBytes>>20), err)
	case errors.Is(err, media.ErrTooManyPixels):
		return fault.Wrap(fault.ErrUnprocessable, name+" has more than 50 megapixels", err)
	case errors.Is(err, media.ErrTooMuchMemory):
		return fault.Wrap(fault.ErrUnprocessable, fmt.Sprintf("%s has too many pixels for its format to be processed (decoded, it would take more than %d MB); send it as a JPEG, or smaller", name, media.DefaultMaxDecodeBytes>>20), err)
	case errors.Is(err, media.ErrCorrupt):
		return fault.Wrap(fault.ErrUnprocessable, name+" cannot be read: the image is damaged or truncated", err)
	}
	return err
}

// NewUploadSlot grants a presigned PUT URL for one photo of at most MaxPhotoBytes.
func (in *Intake) NewUploadSlot(ctx context.Context, p auth.Principal, contentType string, size int64) (UploadSlot, string, error) {
	if size <= 0 || size > MaxPhotoBytes {
		return UploadSlot{}, "", fault.Wrap(fault.ErrUnprocessable, fmt.Sprintf("a photo may have at most %d bytes", MaxPhotoBytes), media.ErrTooLarge)
	}
	if _, err := in.Quotas.take(ctx, in.now(), in.Quotas.uploadWindows(p, in.SlotTTL)...); err != nil {
		return UploadSlot{}, "", err
	}
	id := newID()
	s := UploadSlot{ID: id, OwnerID: p.UserID, Key: uploadsPrefix + id, ContentType: contentType, Size: size,
		ExpiresAt: in.now().Add(in.SlotTTL)}
	if err := in.Store.PutUploadSlot(ctx, s); err != nil {
		return UploadSlot{}, "", err
	}
	url, err := in.Blobs.PresignPut(ctx, s.Key, contentType, size, in.SlotTTL)
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

// EventRolePartner is the actor role of a partner's events.
const EventRolePartner = "partner"

// receivedBy is the actor role of a report's receipt: the resident, or the partner that filed it.
func receivedBy(partnerID string) string {
	if partnerID != "" {
		return EventRolePartner
	}
	return string(auth.RoleResident)
}

// SubmitPartner files a partner's report, marked with the partner: no photos, the location given, a new
// report each call, reported by reporterID (a resident, or "" when the partner sent no contact). Bad
// fields are *fault.Invalid (named without prefix: "description", "location"); otherwise it fails as
// Submit does.
func (in *Intake) SubmitPartner(ctx context.Context, partnerID, reporterID string, d Draft) (Report, error) {
	in.inFlight.Add(1)
	defer in.inFlight.Add(-1)
	if err := d.Check(""); err != nil {
		return Report{}, err
	}
	cat, ok := in.Router.Catalogue().Category(d.Category)
	if !ok {
		return Report{}, invalid("service_code", "unknown service")
	}
	if d.Location == nil {
		return Report{}, invalid("location", "lat and long are required")
	}
	loc, err := in.locate(d, nil, "")
	if err != nil {
		return Report{}, err
	}
	r, _, err := in.commit(ctx, partnerID, reporterID, newID(), d, cat, loc, nil)
	return r, err
}
