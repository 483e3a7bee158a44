package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/report"
)

const (
	colReports     = "reports"      // _id: report ID (for a submission, made from its Idempotency-Key: report.ReportIDFor)
	colReportJobs  = "report_jobs"  // _id: report ID; deleted when done, so it stays small
	colUploadSlots = "upload_slots" // _id: slot ID; deleted once expired
)

func init() {
	Indexes = append(Indexes,
		// A resident's reports, newest first, with and without a status filter.
		Index{Collection: colReports, Name: "by_reporter", Keys: bson.D{{Key: "reporter_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}},
		Index{Collection: colReports, Name: "by_reporter_status", Keys: bson.D{{Key: "reporter_id", Value: 1}, {Key: "status", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}},
		// The reports a resident follows, newest first (their data export); multikey on the followers array.
		Index{Collection: colReports, Name: "by_follower", Keys: bson.D{{Key: "followers", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}},
		// Reports by the time they were made: the desk's sweep files recent ones a failed submission left.
		Index{Collection: colReports, Name: "by_created", Keys: bson.D{{Key: "created_at", Value: 1}}},
		// An Open311 partner's reports by time (its GET requests).
		Index{Collection: colReports, Name: "by_partner", Keys: bson.D{{Key: "partner", Value: 1}, {Key: "created_at", Value: -1}}},
		// A report by its public code (Open311 service_request_id; an officer names a duplicate's original by it).
		Index{Collection: colReports, Name: "by_code", Keys: bson.D{{Key: "code", Value: 1}}, Unique: true},
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
	Digest      string `bson:"digest,omitempty"`
	Width       int    `bson:"width"`
	Height      int    `bson:"height"`
	PublicKey   string `bson:"public_key,omitempty"`
	ThumbKey    string `bson:"thumb_key,omitempty"`
	State       string `bson:"state"`
	After       bool   `bson:"after,omitempty"`
	Look        string `bson:"look,omitempty"` // photohash.Fingerprint in hex
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
	Assignee  string    `bson:"assignee,omitempty"`
}

type decisionDoc struct {
	AgencyID    string `bson:"agency_id"`
	CommuneCode string `bson:"commune_code,omitempty"`
	Rule        string `bson:"rule"`
	Reason      string `bson:"reason"`
	ReasonVi    string `bson:"reason_vi"`
}

type reportDoc struct {
	ID             string              `bson:"_id"`
	Code           string              `bson:"code"`
	ReporterID     string              `bson:"reporter_id"`
	Partner        string              `bson:"partner,omitempty"`
	Category       string              `bson:"category"`
	Description    string              `bson:"description"`
	Address        string              `bson:"address,omitempty"`
	Location       locationDoc         `bson:"location"`
	PublishConsent bool                `bson:"publish_consent"`
	Photos         []photoDoc          `bson:"photos"`
	Status         string              `bson:"status"`
	Routing        decisionDoc         `bson:"routing"`
	Timeline       []eventDoc          `bson:"timeline"`
	Followers      []string            `bson:"followers"`
	Attributes     map[string][]string `bson:"attributes,omitempty"`
	AgencyID       string              `bson:"agency_id"` // = routing.agency_id, top level for the queue index
	Ticket         ticketDoc           `bson:"ticket"`
	Outbox         []int               `bson:"outbox,omitempty"`    // timeline positions awaiting their pushes
	OutboxAt       *time.Time          `bson:"outbox_at,omitempty"` // when outbox last gained an entry; the sweep's index
	Fingerprint    string              `bson:"fingerprint,omitempty"`
	CreatedAt      time.Time           `bson:"created_at"`
	UpdatedAt      time.Time           `bson:"updated_at"`
	Version        int64               `bson:"version"`
}

func toPhotoDocs(ps []report.Photo) []photoDoc {
	out := make([]photoDoc, len(ps))
	for i, p := range ps {
		out[i] = photoDoc{ID: p.ID, OriginalKey: p.OriginalKey, ContentType: p.ContentType, Size: p.Size, Digest: p.Digest,
			Width: p.Width, Height: p.Height, PublicKey: p.PublicKey, ThumbKey: p.ThumbKey, State: string(p.State), After: p.After}
		if !p.Look.IsZero() {
			out[i].Look = p.Look.String()
		}
	}
	return out
}

func toReportDoc(r report.Report) reportDoc {
	d := reportDoc{
		ID: r.ID, Code: r.Code, ReporterID: r.ReporterID, Partner: r.Partner, Category: r.Category, Description: r.Description, Address: r.Address,
		Location:       locationDoc{Lat: r.Location.Lat, Lng: r.Location.Lng, AccuracyM: r.Location.AccuracyM, Source: string(r.Location.Source)},
		PublishConsent: r.PublishConsent, Photos: toPhotoDocs(r.Photos), Status: string(r.Status),
		Routing: decisionDoc{AgencyID: r.Routing.AgencyID, CommuneCode: r.Routing.CommuneCode, Rule: string(r.Routing.Rule),
			Reason: r.Routing.Reason, ReasonVi: r.Routing.ReasonVi},
		Followers: append([]string{}, r.Followers...), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
		AgencyID: r.Routing.AgencyID, Ticket: toTicketDoc(r.Ticket), Outbox: r.Outbox, Fingerprint: r.Fingerprint,
		Attributes: r.Attributes,
	}
	for _, e := range r.Timeline {
		d.Timeline = append(d.Timeline, eventDoc{At: e.At, Action: e.Action, ActorRole: e.ActorRole, ActorID: e.ActorID,
			AgencyID: e.AgencyID, From: string(e.From), To: string(e.To), Note: e.Note, Assignee: e.Assignee})
	}
	return d
}

func (d reportDoc) report() report.Report {
	r := report.Report{
		ID: d.ID, Code: d.Code, ReporterID: d.ReporterID, Partner: d.Partner, Category: d.Category, Description: d.Description, Address: d.Address,
		Location:       report.Location{Lat: d.Location.Lat, Lng: d.Location.Lng, AccuracyM: d.Location.AccuracyM, Source: report.LocationSource(d.Location.Source)},
		PublishConsent: d.PublishConsent, Status: report.Status(d.Status),
		Routing: catalogue.Decision{AgencyID: d.Routing.AgencyID, CommuneCode: d.Routing.CommuneCode, Rule: catalogue.Rule(d.Routing.Rule),
			Reason: d.Routing.Reason, ReasonVi: d.Routing.ReasonVi},
		Followers: d.Followers, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version,
		Ticket: d.Ticket.ticket(), Outbox: d.Outbox, Fingerprint: d.Fingerprint, Attributes: d.Attributes,
	}
	for _, p := range d.Photos {
		look, _ := photohash.Parse(p.Look) // none (zero) when absent
		r.Photos = append(r.Photos, report.Photo{ID: p.ID, OriginalKey: p.OriginalKey, ContentType: p.ContentType, Size: p.Size,
			Digest: p.Digest, Width: p.Width, Height: p.Height, PublicKey: p.PublicKey, ThumbKey: p.ThumbKey, State: report.PhotoState(p.State), After: p.After,
			Look: look})
	}
	for _, e := range d.Timeline {
		r.Timeline = append(r.Timeline, report.Event{At: e.At.UTC(), Action: e.Action, ActorRole: e.ActorRole, ActorID: e.ActorID,
			AgencyID: e.AgencyID, From: report.Status(e.From), To: report.Status(e.To), Note: e.Note, Assignee: e.Assignee})
	}
	return r
}

// forever is the expiry of claims that must never be purged.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// NextCodeNumber returns the next report number of the month (1, 2, ...): one counter document per month,
// moved by $inc, so numbers follow the order of submissions and none is given twice. Submissions numbered
// at the same moment share one $inc by their count (codeNumbers).
func (s *Store) NextCodeNumber(ctx context.Context, month string) (int64, error) {
	return s.codeNumbers.do(ctx, month)
}

// takeCodeNumbers hands out one number per item (a month), each month's by one $inc of its counter.
func (s *Store) takeCodeNumbers(ctx context.Context, months []string) ([]int64, error) {
	out := make([]int64, len(months))
	for _, month := range uniq(months) {
		var k int64
		for _, m := range months {
			if m == month {
				k++
			}
		}
		last, err := s.incCodeCounter(ctx, month, k)
		if err != nil {
			return nil, err
		}
		next := last - k + 1
		for i, m := range months {
			if m == month {
				out[i] = next
				next++
			}
		}
	}
	return out, nil
}

// incCodeCounter adds k to the month's counter and returns its new value.
func (s *Store) incCodeCounter(ctx context.Context, month string, k int64) (int64, error) {
	var d struct {
		N int64 `bson:"n"`
	}
	upd := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: k}}}}
	o := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	for attempt := 0; ; attempt++ {
		err := s.db.Collection(colMeta).FindOneAndUpdate(ctx, byID("report-code:"+month), upd, o).Decode(&d)
		if isDuplicate(err) && attempt == 0 { // two upserts created the month's counter at once: the other won
			continue
		}
		if err != nil {
			return 0, mapErr(fmt.Errorf("next report number of %s: %w", month, err), "report code counter")
		}
		return d.N, nil
	}
}

// uniq returns the distinct values of xs in their first order.
func uniq[T comparable](xs []T) []T {
	var out []T
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// updateReport moves a report from version to version+1 with update (which must not touch "version"): the
// filter on the version makes it a compare-and-swap. false: someone else moved it first.
func (s *Store) updateReport(ctx context.Context, id string, version int64, update bson.D) (bool, error) {
	update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}})
	res, err := s.db.Collection(colReports).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, update)
	if err != nil {
		return false, mapErr(fmt.Errorf("update report %s: %w", id, err), "report")
	}
	return res.ModifiedCount == 1, nil
}

// changeReport applies an update that does not depend on the report's state (followers, flags) in one
// atomic write, moving its version so that a workflow write from an older read fails its compare-and-swap
// instead of undoing it. fault.ErrNotFound when there is no such report.
func (s *Store) changeReport(ctx context.Context, id string, update bson.D) error {
	update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}})
	res, err := s.db.Collection(colReports).UpdateOne(ctx, byID(id), update)
	if err != nil {
		return mapErr(fmt.Errorf("update report %s: %w", id, err), "report")
	}
	if res.MatchedCount == 0 {
		return fault.New(fault.ErrNotFound, "no such report")
	}
	return nil
}

// InsertReport stores a new report, then its outbox hints (a failure between the two is repaired by
// RepairOutbox); fault.ErrConflict when its ID exists.
func (s *Store) InsertReport(ctx context.Context, r report.Report) error {
	d := toReportDoc(r)
	if len(d.Outbox) > 0 {
		d.OutboxAt = &r.UpdatedAt
	}
	if _, err := s.db.Collection(colReports).InsertOne(ctx, d); err != nil {
		return mapErr(err, "report")
	}
	s.writeHints(ctx, r.ID, r.Outbox, r.UpdatedAt)
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

// Reports returns the reports with these IDs, by ID: one $in per chunk of IDs, served by the _id index.
func (s *Store) Reports(ctx context.Context, ids []string) (map[string]report.Report, error) {
	out := make(map[string]report.Report, len(ids))
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
		{Key: "photos", Value: toPhotoDocs(photos)}, {Key: "updated_at", Value: now}}}})
}

// ReportsByReporter returns a reporter's reports, newest first, after the cursor.
func (s *Store) ReportsByReporter(ctx context.Context, reporterID string, status report.Status, after *report.Cursor, limit int) ([]report.Report, error) {
	filter := bson.D{{Key: "reporter_id", Value: reporterID}}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(status)})
	}
	return s.reportsPage(ctx, filter, after, limit)
}

// ReportsFollowedBy returns up to limit reports that userID follows, newest first, strictly after the
// cursor position when after is set.
func (s *Store) ReportsFollowedBy(ctx context.Context, userID string, after *report.Cursor, limit int) ([]report.Report, error) {
	list, err := s.reportsPage(ctx, bson.D{{Key: "followers", Value: userID}}, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list reports followed by %s: %w", userID, err)
	}
	return list, nil
}

// reportsPage returns a newest-first page of the reports matching filter, after the cursor position.
func (s *Store) reportsPage(ctx context.Context, filter bson.D, after *report.Cursor, limit int) ([]report.Report, error) {
	if after != nil {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: after.CreatedAt}}}},
			bson.D{{Key: "created_at", Value: after.CreatedAt}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: after.ID}}}},
		}})
	}
	return s.findReports(ctx, filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
}

// ReportByCode returns the report with the code; fault.ErrNotFound when there is none.
func (s *Store) ReportByCode(ctx context.Context, code string) (report.Report, error) {
	var d reportDoc
	if err := s.db.Collection(colReports).FindOne(ctx, bson.D{{Key: "code", Value: code}}).Decode(&d); err != nil {
		return report.Report{}, fmt.Errorf("load report %s: %w", code, mapErr(err, "report"))
	}
	return d.report(), nil
}

// ReportsByPartner returns the reports the partner filed from from to to (inclusive), newest first, at
// most limit.
func (s *Store) ReportsByPartner(ctx context.Context, partnerID string, from, to time.Time, limit int) ([]report.Report, error) {
	filter := bson.D{{Key: "partner", Value: partnerID}, {Key: "created_at", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}}}
	return s.findReports(ctx, filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(int64(limit)))
}

// ReportsCreated returns the reports created in [from, to), oldest first.
func (s *Store) ReportsCreated(ctx context.Context, from, to time.Time) ([]report.Report, error) {
	return s.findReports(ctx, bson.D{{Key: "created_at", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}))
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
	return s.changeReport(ctx, id, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "followers", Value: userID}}},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: now}}}})
}

// RemoveFollower removes a follower (idempotent).
func (s *Store) RemoveFollower(ctx context.Context, id, userID string, now time.Time) error {
	return s.changeReport(ctx, id, bson.D{{Key: "$pull", Value: bson.D{{Key: "followers", Value: userID}}},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: now}}}})
}

type jobDoc struct {
	ID        string    `bson:"_id"`
	NotBefore time.Time `bson:"not_before"`
	Attempts  int       `bson:"attempts"`
	Lease     string    `bson:"lease,omitempty"` // the last lease taken (ClaimJob)
}

// PutJob creates or replaces the report's photo job.
func (s *Store) PutJob(ctx context.Context, j report.Job) error {
	_, err := s.db.Collection(colReportJobs).ReplaceOne(ctx, byID(j.ReportID), toJobDoc(j), options.Replace().SetUpsert(true))
	return mapErr(err, "photo job")
}

// InsertJob stores a new photo job; a report that has a job already keeps it.
func (s *Store) InsertJob(ctx context.Context, j report.Job) error {
	_, err := s.jobs.do(ctx, toJobDoc(j))
	return err
}

// insertJobs inserts the jobs of several reports filed at the same moment in one InsertMany (jobs); a job
// already there counts as inserted.
func (s *Store) insertJobs(ctx context.Context, docs []jobDoc) ([]struct{}, error) {
	_, err := s.db.Collection(colReportJobs).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !allDuplicates(err) {
		return nil, mapErr(fmt.Errorf("insert photo jobs: %w", err), "photo job")
	}
	return make([]struct{}, len(docs)), nil
}

func toJobDoc(j report.Job) jobDoc {
	return jobDoc{ID: j.ReportID, NotBefore: j.NotBefore, Attempts: j.Attempts}
}

// ClaimJob leases the oldest due job until leaseUntil, marked with a fresh lease ID; fault.ErrNotFound when
// none is due. The lease is one findOneAndUpdate, so two workers never hold the same job at once.
func (s *Store) ClaimJob(ctx context.Context, now, leaseUntil time.Time) (report.Job, error) {
	var d jobDoc
	err := s.db.Collection(colReportJobs).FindOneAndUpdate(ctx,
		bson.D{{Key: "not_before", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "not_before", Value: leaseUntil}, {Key: "lease", Value: newLeaseID()}}},
			{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}},
		options.FindOneAndUpdate().SetSort(bson.D{{Key: "not_before", Value: 1}}).SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return report.Job{}, fault.New(fault.ErrNotFound, "no photo job due")
	}
	if err != nil {
		return report.Job{}, mapErr(err, "photo job")
	}
	return report.Job{ReportID: d.ID, NotBefore: d.NotBefore.UTC(), Attempts: d.Attempts, Lease: d.Lease}, nil
}

// ExtendJob moves the due time of a job leased by ClaimJob, while that lease is still the job's: later to
// keep it, sooner to give it back. false when the job is gone or was leased again since.
func (s *Store) ExtendJob(ctx context.Context, j report.Job, notBefore time.Time) (bool, error) {
	res, err := s.db.Collection(colReportJobs).UpdateOne(ctx, bson.D{{Key: "_id", Value: j.ReportID}, {Key: "lease", Value: j.Lease}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "not_before", Value: notBefore}}}})
	if err != nil {
		return false, mapErr(fmt.Errorf("extend the photo job of report %s: %w", j.ReportID, err), "photo job")
	}
	return res.MatchedCount == 1, nil
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
	return report.UploadSlot{ID: d.ID, OwnerID: d.OwnerID, Key: d.Key, ContentType: d.ContentType, Size: d.Size,
		ExpiresAt: d.ExpiresAt.UTC(), ReportID: d.ReportID}
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

// ClaimUploadSlot gives the owner's slot to a report, in one conditional update: it succeeds when the slot
// is free or already this report's (a retry), and false when another report has it or there is no such
// slot of this owner.
func (s *Store) ClaimUploadSlot(ctx context.Context, id, ownerID, reportID string) (bool, error) {
	res, err := s.db.Collection(colUploadSlots).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner_id", Value: ownerID},
		{Key: "report_id", Value: bson.D{{Key: "$in", Value: bson.A{nil, reportID}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "report_id", Value: reportID}}}})
	if err != nil {
		return false, mapErr(fmt.Errorf("claim upload slot %s for report %s: %w", id, reportID, err), "upload slot")
	}
	return res.MatchedCount == 1, nil
}

// ReleaseUploadSlot frees a slot the report claimed (its photo was refused), so that its owner may upload again.
func (s *Store) ReleaseUploadSlot(ctx context.Context, id, reportID string) error {
	_, err := s.db.Collection(colUploadSlots).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "report_id", Value: reportID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "report_id", Value: ""}}}})
	if err != nil {
		return mapErr(fmt.Errorf("release upload slot %s: %w", id, err), "upload slot")
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

// ExpiredUploadSlots returns up to limit slots that expired before now.
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
