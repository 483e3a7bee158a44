package mongostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
)

const (
	colReports     = "reports"      // _id: report ID (for a submission, made from its Idempotency-Key: report.ReportIDFor)
	colReportJobs  = "report_jobs"  // _id: report ID; deleted when done, so it stays small
	colUploadSlots = "upload_slots" // _id: slot ID; deleted when used or expired
	// "submissions" (one record per Idempotency-Key) is no longer written: the report's own insert decides.
)

func init() {
	Indexes = append(Indexes,
		// A resident's reports, newest first, with and without a status filter.
		Index{Collection: colReports, Name: "by_reporter", Keys: bson.D{{Key: "reporter_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}},
		Index{Collection: colReports, Name: "by_reporter_status", Keys: bson.D{{Key: "reporter_id", Value: 1}, {Key: "status", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}},
		// Open reports of a category near a point (grid cells; no geo operators).
		Index{Collection: colReports, Name: "by_category_cell", Keys: bson.D{{Key: "category", Value: 1}, {Key: "cell", Value: 1}, {Key: "status", Value: 1}}},
		Index{Collection: colReportJobs, Name: "by_due", Keys: bson.D{{Key: "not_before", Value: 1}}},
		Index{Collection: colUploadSlots, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	)
}

type locationDoc struct {
	Lat       float64 `bson:"lat"`
	Lng       float64 `bson:"lng"`
	AccuracyM float64 `bson:"accuracy_m,omitempty"`
	Source    string  `bson:"source"`
}

type photoDoc struct {
	ID          string `bson:"id"`
	OriginalKey string `bson:"original_key"`
	ContentType string `bson:"content_type"`
	Size        int64  `bson:"size"`
	SHA256      string `bson:"sha256,omitempty"`
	Width       int    `bson:"width"`
	Height      int    `bson:"height"`
	PublicKey   string `bson:"public_key,omitempty"`
	ThumbKey    string `bson:"thumb_key,omitempty"`
	State       string `bson:"state"`
	After       bool   `bson:"after,omitempty"`
}

type eventDoc struct {
	At        time.Time `bson:"at"`
	Action    string    `bson:"action"`
	ActorRole string    `bson:"actor_role"`
	ActorID   string    `bson:"actor_id,omitempty"`
	AgencyID  string    `bson:"agency_id,omitempty"`
	From      string    `bson:"from,omitempty"`
	To        string    `bson:"to,omitempty"`
	Note      string    `bson:"note,omitempty"`
}

type decisionDoc struct {
	AgencyID    string `bson:"agency_id"`
	CommuneCode string `bson:"commune_code,omitempty"`
	Rule        string `bson:"rule"`
	Reason      string `bson:"reason"`
	ReasonVi    string `bson:"reason_vi"`
}

type reportDoc struct {
	ID             string      `bson:"_id"`
	Code           string      `bson:"code"`
	ReporterID     string      `bson:"reporter_id"`
	Category       string      `bson:"category"`
	Description    string      `bson:"description"`
	Address        string      `bson:"address,omitempty"`
	Location       locationDoc `bson:"location"`
	PublishConsent bool        `bson:"publish_consent"`
	Photos         []photoDoc  `bson:"photos"`
	Status         string      `bson:"status"`
	Routing        decisionDoc `bson:"routing"`
	Timeline       []eventDoc  `bson:"timeline"`
	Followers      []string    `bson:"followers"`
	Cell           string      `bson:"cell"`
	AgencyID       string      `bson:"agency_id"` // = routing.agency_id, top level for the queue index
	Ticket         ticketDoc   `bson:"ticket"`
	Outbox         []int       `bson:"outbox,omitempty"`    // timeline positions awaiting their pushes
	OutboxAt       *time.Time  `bson:"outbox_at,omitempty"` // when outbox last gained an entry; the sweep's index
	Fingerprint    string      `bson:"fingerprint,omitempty"`
	CreatedAt      time.Time   `bson:"created_at"`
	UpdatedAt      time.Time   `bson:"updated_at"`
	Version        int64       `bson:"version"`
}

func toPhotoDocs(ps []report.Photo) []photoDoc {
	out := make([]photoDoc, len(ps))
	for i, p := range ps {
		out[i] = photoDoc{ID: p.ID, OriginalKey: p.OriginalKey, ContentType: p.ContentType, Size: p.Size, SHA256: p.SHA256,
			Width: p.Width, Height: p.Height, PublicKey: p.PublicKey, ThumbKey: p.ThumbKey, State: string(p.State), After: p.After}
	}
	return out
}

func toReportDoc(r report.Report) reportDoc {
	d := reportDoc{
		ID: r.ID, Code: r.Code, ReporterID: r.ReporterID, Category: r.Category, Description: r.Description, Address: r.Address,
		Location:       locationDoc{Lat: r.Location.Lat, Lng: r.Location.Lng, AccuracyM: r.Location.AccuracyM, Source: string(r.Location.Source)},
		PublishConsent: r.PublishConsent, Photos: toPhotoDocs(r.Photos), Status: string(r.Status),
		Routing: decisionDoc{AgencyID: r.Routing.AgencyID, CommuneCode: r.Routing.CommuneCode, Rule: string(r.Routing.Rule),
			Reason: r.Routing.Reason, ReasonVi: r.Routing.ReasonVi},
		Followers: append([]string{}, r.Followers...), Cell: r.Cell, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
		AgencyID: r.Routing.AgencyID, Ticket: toTicketDoc(r.Ticket), Outbox: r.Outbox, Fingerprint: r.Fingerprint,
	}
	for _, e := range r.Timeline {
		d.Timeline = append(d.Timeline, eventDoc{At: e.At, Action: e.Action, ActorRole: e.ActorRole, ActorID: e.ActorID,
			AgencyID: e.AgencyID, From: string(e.From), To: string(e.To), Note: e.Note})
	}
	return d
}

func (d reportDoc) report() report.Report {
	r := report.Report{
		ID: d.ID, Code: d.Code, ReporterID: d.ReporterID, Category: d.Category, Description: d.Description, Address: d.Address,
		Location:       report.Location{Lat: d.Location.Lat, Lng: d.Location.Lng, AccuracyM: d.Location.AccuracyM, Source: report.LocationSource(d.Location.Source)},
		PublishConsent: d.PublishConsent, Status: report.Status(d.Status),
		Routing: catalogue.Decision{AgencyID: d.Routing.AgencyID, CommuneCode: d.Routing.CommuneCode, Rule: catalogue.Rule(d.Routing.Rule),
			Reason: d.Routing.Reason, ReasonVi: d.Routing.ReasonVi},
		Followers: d.Followers, Cell: d.Cell, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version,
		Ticket: d.Ticket.ticket(), Outbox: d.Outbox, Fingerprint: d.Fingerprint,
	}
	for _, p := range d.Photos {
		r.Photos = append(r.Photos, report.Photo{ID: p.ID, OriginalKey: p.OriginalKey, ContentType: p.ContentType, Size: p.Size,
			SHA256: p.SHA256, Width: p.Width, Height: p.Height, PublicKey: p.PublicKey, ThumbKey: p.ThumbKey, State: report.PhotoState(p.State), After: p.After})
	}
	for _, e := range d.Timeline {
		r.Timeline = append(r.Timeline, report.Event{At: e.At.UTC(), Action: e.Action, ActorRole: e.ActorRole, ActorID: e.ActorID,
			AgencyID: e.AgencyID, From: report.Status(e.From), To: report.Status(e.To), Note: e.Note})
	}
	return r
}

// forever is the expiry of claims that must never be purged.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// codeBlockSize is how many report numbers a replica claims at once.
const codeBlockSize = 50

// codeBlock is the unused rest of a claimed block of report numbers; spare is the next block, claimed in
// the background once this one is half used, so that no submission waits for a claim (three round trips,
// while every other submission of the replica waits on codeMu: 15% of intake's time at 48 reports/s).
type codeBlock struct {
	next, end int64
	spare     *codeBlock
	fetching  bool
}

// NextCodeNumber returns a report number of the month (1, 2, ...) that no one else gets.
//
// Numbers are claimed in blocks of codeBlockSize by inserting a document with the block as _id: unique
// inserts are the one write FerretDB 1.24 arbitrates between concurrent writers ($inc and compare-and-swap
// updates can both "win" there). Each replica then hands out its block from memory, so 32 concurrent
// submissions cost one claim per 50 reports instead of a race on every number; the next block is claimed in
// the background once half of one is used. Numbers are unique and grow, but are not strictly in order of
// arrival across replicas, and a restart (or a spare claimed while another was) leaves a gap.
func (s *Store) NextCodeNumber(ctx context.Context, month string) (int64, error) {
	s.codeMu.Lock()
	defer s.codeMu.Unlock()
	b := s.codeBlocks[month]
	if b != nil && b.next >= b.end && b.spare != nil {
		b = b.spare
		s.codeBlocks[month] = b
	}
	if b != nil && b.next < b.end {
		n := b.next
		b.next++
		if b.end-b.next <= codeBlockSize/2 && b.spare == nil && !b.fetching {
			b.fetching = true
			go s.fetchSpareBlock(month, b)
		}
		return n, nil
	}
	first, err := s.claimCodeBlock(ctx, month)
	if err != nil {
		return 0, err
	}
	s.codeBlocks[month] = &codeBlock{next: first + 1, end: first + codeBlockSize}
	return first, nil
}

// fetchSpareBlock claims the block that follows b, in the background.
func (s *Store) fetchSpareBlock(month string, b *codeBlock) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, err := s.claimCodeBlock(ctx, month)
	s.codeMu.Lock()
	defer s.codeMu.Unlock()
	b.fetching = false
	if err == nil { // on failure the first caller past the block's end claims one itself
		b.spare = &codeBlock{next: first, end: first + codeBlockSize}
	}
}

// claimCodeBlock claims a free block of report numbers of the month and returns its first number.
func (s *Store) claimCodeBlock(ctx context.Context, month string) (int64, error) {
	var hint struct {
		N int64 `bson:"n"`
	}
	err := s.db.Collection(colMeta).FindOne(ctx, byID("report-code:"+month)).Decode(&hint)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, mapErr(err, "report code counter")
	}
	now := time.Now()
	for block := hint.N; block < hint.N+10000; block++ {
		ok, err := s.claim(ctx, fmt.Sprintf("report-code:%s:block:%d", month, block), now, forever)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		_, err = s.db.Collection(colMeta).UpdateOne(ctx, byID("report-code:"+month),
			bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: block + 1}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil && !isDuplicate(err) {
			return 0, mapErr(err, "report code counter")
		}
		return block*codeBlockSize + 1, nil
	}
	return 0, fmt.Errorf("no free block of report numbers for %s near %d", month, hint.N)
}

// updateReport moves a report from version to version+1 with update (which must not touch "version").
// Only one writer can make each move: it first claims "report-v:<id>:<version+1>" with a unique insert
// (on FerretDB 1.24 concurrent compare-and-swap updates can all succeed), then updates with a filter on
// the version, so a writer holding a stale version changes nothing. false: someone else moved it first.
func (s *Store) updateReport(ctx context.Context, id string, version int64, update bson.D, now time.Time) (bool, error) {
	claimID := fmt.Sprintf("report-v:%s:%d", id, version+1)
	ok, err := s.claim(ctx, claimID, now, now.Add(time.Hour))
	if err != nil || !ok {
		return false, err
	}
	update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}})
	res, err := s.db.Collection(colReports).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, update)
	if err != nil || res.ModifiedCount != 1 {
		// Our move did not happen: release the claim so that a fresh attempt (or another writer) can make it.
		_ = s.unclaim(context.WithoutCancel(ctx), claimID)
		return false, mapErr(err, "report")
	}
	return true, nil
}

// modifyReport reads the report, lets change edit its update, and writes it with updateReport, retrying
// when another writer moved the version meanwhile.
func (s *Store) modifyReport(ctx context.Context, id string, now time.Time, change func(r reportDoc) bson.D) error {
	for attempt := range 30 {
		if attempt > 0 { // back off a little, at random, so racing writers spread out
			select {
			case <-ctx.Done():
				return mapErr(ctx.Err(), "report")
			case <-time.After(time.Duration(1+rand.IntN(5*attempt)) * time.Millisecond):
			}
		}
		var d reportDoc
		if err := s.db.Collection(colReports).FindOne(ctx, byID(id)).Decode(&d); err != nil {
			return mapErr(err, "report")
		}
		ok, err := s.updateReport(ctx, id, d.Version, change(d), now)
		if err != nil || ok {
			return err
		}
	}
	return fault.New(fault.ErrConflict, "the report is being changed by others; retry")
}

// InsertReport stores a new report; fault.ErrConflict when its ID exists.
func (s *Store) InsertReport(ctx context.Context, r report.Report) error {
	d := toReportDoc(r)
	if len(d.Outbox) > 0 {
		d.OutboxAt = &r.UpdatedAt
	}
	// The report and its outbox hints are written at once. A hint whose report is not (yet) stored waits
	// for it (notify.Dispatcher, PendingReport); a report whose hint failed has it re-created by the
	// outbox sweep. The dispatcher is woken once both are written. The code's lookup record is written
	// by the first lookup by code (ReportIDByCode): one write less per report, and lookups are rare.
	// Where a dispatcher runs, the hints are written leased to it and it takes them from memory
	// (stored.go).
	lease := s.ownLease()
	var until time.Time
	if lease > 0 && len(r.Outbox) > 0 {
		until = time.Now().Add(lease)
	}
	var hints []notify.Hint
	var wg sync.WaitGroup
	if len(r.Outbox) > 0 {
		wg.Go(func() { hints = s.insertHints(ctx, r.ID, r.Outbox, r.UpdatedAt, until) })
	}
	err := s.insertGrouped(ctx, colReports, d)
	wg.Wait()
	if err != nil {
		if !until.IsZero() {
			// The submission is answered with an error and its retry finds these hints written: due now,
			// they go out once the report is there (or are settled when it never is), not a lease later.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, _ = s.releaseHints(rctx, hints)
			cancel()
		}
		return mapErr(err, "report")
	}
	if len(r.Outbox) > 0 {
		if !until.IsZero() && len(hints) > 0 {
			s.stored.add(d, hints, until, lease)
		}
		s.wakeDispatcher()
	}
	return nil
}

// Report returns one report; fault.ErrNotFound when there is none.
func (s *Store) Report(ctx context.Context, id string) (report.Report, error) {
	var d reportDoc
	if err := s.db.Collection(colReports).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return report.Report{}, mapErr(err, "report")
	}
	return d.report(), nil
}

// reportsChunk bounds the IDs of one Reports query.
const reportsChunk = 1000

// reportsPointReads is the most reports Reports reads one by one, at once. On FerretDB a point read scans
// the collection inside SQLite, while a $in decodes every document of it: for a few reports (a push batch
// of one status change) point reads are far quicker, for a dispatcher's full batch one $in is (100 reports:
// 0.23 s of point reads against a few ms). MongoDB serves both from the _id index.
const reportsPointReads = 16

// Reports returns the reports with these IDs, by ID: point reads for a few, else one $in per chunk of IDs.
func (s *Store) Reports(ctx context.Context, ids []string) (map[string]report.Report, error) {
	out := make(map[string]report.Report, len(ids))
	if len(ids) <= reportsPointReads {
		rs := make([]report.Report, len(ids))
		errs := make([]error, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Go(func() {
				if rs[i], errs[i] = s.Report(ctx, id); errors.Is(errs[i], fault.ErrNotFound) {
					errs[i] = nil
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.ID != "" {
				out[r.ID] = r
			}
		}
		return out, nil
	}
	for chunk := range slices.Chunk(ids, reportsChunk) {
		rs, err := s.findReports(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}}, nil)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			out[r.ID] = r
		}
	}
	return out, nil
}

// SetPhotos replaces the photos if the report is still at version.
func (s *Store) SetPhotos(ctx context.Context, id string, version int64, photos []report.Photo, now time.Time) (bool, error) {
	return s.updateReport(ctx, id, version, bson.D{{Key: "$set", Value: bson.D{
		{Key: "photos", Value: toPhotoDocs(photos)}, {Key: "updated_at", Value: now}}}}, now)
}

// ReportsByReporter returns a reporter's reports, newest first, after the cursor.
func (s *Store) ReportsByReporter(ctx context.Context, reporterID string, status report.Status, after *report.Cursor, limit int) ([]report.Report, error) {
	filter := bson.D{{Key: "reporter_id", Value: reporterID}}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(status)})
	}
	if after != nil {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: after.CreatedAt}}}},
			bson.D{{Key: "created_at", Value: after.CreatedAt}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: after.ID}}}},
		}})
	}
	return s.findReports(ctx, filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
}

// OpenReportsInCells returns the open reports of a category in the cells.
func (s *Store) OpenReportsInCells(ctx context.Context, category string, cells []string) ([]report.Report, error) {
	open := bson.A{}
	for _, st := range []report.Status{report.Received, report.Accepted, report.InProgress, report.InfoRequested, report.Reopened} {
		open = append(open, string(st))
	}
	filter := bson.D{{Key: "category", Value: category}, {Key: "cell", Value: bson.D{{Key: "$in", Value: cells}}},
		{Key: "status", Value: bson.D{{Key: "$in", Value: open}}}}
	return s.findReports(ctx, filter, options.Find().SetLimit(200))
}

func (s *Store) findReports(ctx context.Context, filter bson.D, o *options.FindOptionsBuilder) ([]report.Report, error) {
	cur, err := s.db.Collection(colReports).Find(ctx, filter, o)
	if err != nil {
		return nil, mapErr(err, "reports")
	}
	var docs []reportDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "reports")
	}
	out := make([]report.Report, len(docs))
	for i, d := range docs {
		out[i] = d.report()
	}
	return out, nil
}

// AddFollower adds a follower (idempotent).
func (s *Store) AddFollower(ctx context.Context, id, userID string, now time.Time) error {
	return s.modifyReport(ctx, id, now, func(reportDoc) bson.D {
		return bson.D{{Key: "$addToSet", Value: bson.D{{Key: "followers", Value: userID}}},
			{Key: "$set", Value: bson.D{{Key: "updated_at", Value: now}}}}
	})
}

// RemoveFollower removes a follower (idempotent).
func (s *Store) RemoveFollower(ctx context.Context, id, userID string, now time.Time) error {
	return s.modifyReport(ctx, id, now, func(reportDoc) bson.D {
		return bson.D{{Key: "$pull", Value: bson.D{{Key: "followers", Value: userID}}},
			{Key: "$set", Value: bson.D{{Key: "updated_at", Value: now}}}}
	})
}

type jobDoc struct {
	ID            string    `bson:"_id"`
	SubmissionKey string    `bson:"submission_key"`
	OwnedKeys     []string  `bson:"owned_keys"`
	UploadSlots   []string  `bson:"upload_slots"`
	NotBefore     time.Time `bson:"not_before"`
	Attempts      int       `bson:"attempts"`
}

// PutJob creates or replaces the report's photo job.
func (s *Store) PutJob(ctx context.Context, j report.Job) error {
	_, err := s.db.Collection(colReportJobs).ReplaceOne(ctx, byID(j.ReportID), toJobDoc(j), options.Replace().SetUpsert(true))
	return mapErr(err, "photo job")
}

// InsertJobs stores new photo jobs in one unordered insert; a report that has a job already keeps it.
func (s *Store) InsertJobs(ctx context.Context, jobs []report.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	docs := make([]any, len(jobs))
	for i, j := range jobs {
		docs[i] = toJobDoc(j)
	}
	errs, err := s.insertMany(ctx, colReportJobs, docs)
	if err != nil {
		return mapErr(err, "photo jobs")
	}
	for _, e := range errs {
		if e != nil && !isDuplicate(e) {
			return mapErr(e, "photo jobs")
		}
	}
	return nil
}

func toJobDoc(j report.Job) jobDoc {
	return jobDoc{ID: j.ReportID, SubmissionKey: j.SubmissionKey, OwnedKeys: append([]string{}, j.OwnedKeys...),
		UploadSlots: append([]string{}, j.UploadSlots...), NotBefore: j.NotBefore, Attempts: j.Attempts}
}

// ClaimJob leases the oldest due job until leaseUntil; fault.ErrNotFound when none is due. Each lease is
// claimed with a unique insert, so two workers never hold the same job at once (see NextCodeNumber).
func (s *Store) ClaimJob(ctx context.Context, now, leaseUntil time.Time) (report.Job, error) {
	cur, err := s.db.Collection(colReportJobs).Find(ctx, bson.D{{Key: "not_before", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "not_before", Value: 1}}).SetLimit(8))
	if err != nil {
		return report.Job{}, mapErr(err, "photo jobs")
	}
	var docs []jobDoc
	if err := cur.All(ctx, &docs); err != nil {
		return report.Job{}, mapErr(err, "photo jobs")
	}
	for _, d := range docs {
		ok, err := s.claim(ctx, fmt.Sprintf("job:%s:%d", d.ID, d.NotBefore.UnixNano()), now, leaseUntil.Add(time.Hour))
		if err != nil {
			return report.Job{}, err
		}
		if !ok {
			continue
		}
		d.NotBefore, d.Attempts = leaseUntil, d.Attempts+1
		_, err = s.db.Collection(colReportJobs).UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: bson.D{
			{Key: "not_before", Value: d.NotBefore}, {Key: "attempts", Value: d.Attempts}}}})
		if err != nil {
			return report.Job{}, mapErr(err, "photo job")
		}
		return report.Job{ReportID: d.ID, SubmissionKey: d.SubmissionKey, OwnedKeys: d.OwnedKeys, UploadSlots: d.UploadSlots,
			NotBefore: d.NotBefore.UTC(), Attempts: d.Attempts}, nil
	}
	return report.Job{}, fault.New(fault.ErrNotFound, "no photo job due")
}

// DeleteJob removes a finished job.
func (s *Store) DeleteJob(ctx context.Context, reportID string) error {
	_, err := s.db.Collection(colReportJobs).DeleteOne(ctx, byID(reportID))
	return mapErr(err, "photo job")
}

type uploadSlotDoc struct {
	ID          string    `bson:"_id"`
	OwnerID     string    `bson:"owner_id"`
	Key         string    `bson:"key"`
	ContentType string    `bson:"content_type"`
	Size        int64     `bson:"size"`
	ExpiresAt   time.Time `bson:"expires_at"`
	ReportID    string    `bson:"report_id,omitempty"`
}

func (d uploadSlotDoc) slot() report.UploadSlot {
	return report.UploadSlot{ID: d.ID, OwnerID: d.OwnerID, Key: d.Key, ContentType: d.ContentType, Size: d.Size, ExpiresAt: d.ExpiresAt.UTC()}
}

// PutUploadSlot stores a new slot.
func (s *Store) PutUploadSlot(ctx context.Context, sl report.UploadSlot) error {
	_, err := s.db.Collection(colUploadSlots).InsertOne(ctx, uploadSlotDoc{ID: sl.ID, OwnerID: sl.OwnerID, Key: sl.Key,
		ContentType: sl.ContentType, Size: sl.Size, ExpiresAt: sl.ExpiresAt})
	return mapErr(err, "upload slot")
}

// UploadSlot returns a slot; fault.ErrNotFound when there is none.
func (s *Store) UploadSlot(ctx context.Context, id string) (report.UploadSlot, error) {
	var d uploadSlotDoc
	if err := s.db.Collection(colUploadSlots).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return report.UploadSlot{}, mapErr(err, "upload slot")
	}
	return d.slot(), nil
}

// ConsumeUploadSlots marks slots as holding a report's originals: they stop expiring.
func (s *Store) ConsumeUploadSlots(ctx context.Context, ids []string, reportID string) error {
	for _, id := range ids {
		_, err := s.db.Collection(colUploadSlots).UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{
			{Key: "report_id", Value: reportID}, {Key: "expires_at", Value: forever}}}})
		if err != nil {
			return mapErr(err, "upload slot")
		}
	}
	return nil
}

// DeleteUploadSlots removes slot records (not their objects).
func (s *Store) DeleteUploadSlots(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if _, err := s.db.Collection(colUploadSlots).DeleteOne(ctx, byID(id)); err != nil {
			return mapErr(err, "upload slot")
		}
	}
	return nil
}

// ExpiredUploadSlots returns up to limit slots that expired unused before now.
func (s *Store) ExpiredUploadSlots(ctx context.Context, now time.Time, limit int) ([]report.UploadSlot, error) {
	cur, err := s.db.Collection(colUploadSlots).Find(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}},
		options.Find().SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr(err, "upload slots")
	}
	var docs []uploadSlotDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "upload slots")
	}
	out := make([]report.UploadSlot, len(docs))
	for i, d := range docs {
		out[i] = d.slot()
	}
	return out, nil
}
