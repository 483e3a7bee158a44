package mongostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

const colQueues = "queues" // _id: "<agency ID>#<shard>" → the tickets it is handling (precomputed; read by _id)

// queueShards spreads a queue over several documents, so that each write rewrites a small document and
// reports arriving together for one commune (a storm, a flood) do not all contend for one document.
const queueShards = 256

func queueShardID(agencyID, reportID string) string {
	h := fnv.New32a()
	h.Write([]byte(reportID))
	return agencyID + "#" + strconv.Itoa(int(h.Sum32()%queueShards))
}

func init() {
	Indexes = append(Indexes,
		// Rebuilding an agency's queue from the reports (recovery; the queue documents serve the reads).
		Index{Collection: colReports, Name: "by_agency_status", Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}}},
	)
}

type intervalDoc struct {
	Start time.Time  `bson:"start"`
	End   *time.Time `bson:"end,omitempty"`
}

type ticketDoc struct {
	AcceptBy      *time.Time    `bson:"accept_by,omitempty"`
	ResolveBy     *time.Time    `bson:"resolve_by,omitempty"`
	AcceptFrom    *time.Time    `bson:"accept_from,omitempty"`
	ResolveFrom   *time.Time    `bson:"resolve_from,omitempty"`
	Complex       bool          `bson:"complex,omitempty"`
	Pauses        []intervalDoc `bson:"pauses,omitempty"`
	InfoFrom      string        `bson:"info_from,omitempty"`
	ResolvedAt    *time.Time    `bson:"resolved_at,omitempty"`
	AfterPhotos   []string      `bson:"after_photos,omitempty"`
	Rating        int           `bson:"rating,omitempty"`
	RatingComment string        `bson:"rating_comment,omitempty"`
	Hidden        bool          `bson:"hidden,omitempty"`
	Escalated     bool          `bson:"escalated,omitempty"`
	WarnedFor     *time.Time    `bson:"warned_for,omitempty"`
	DuplicateOf   string        `bson:"duplicate_of,omitempty"`
	DuplicateOfID string        `bson:"duplicate_of_id,omitempty"`
	Moved         bool          `bson:"followers_moved,omitempty"`
	AssigneeID    string        `bson:"assignee_id,omitempty"`
	Likely        *linkDoc      `bson:"likely_original,omitempty"`
}

type linkDoc struct {
	ReportID string  `bson:"report_id"`
	Code     string  `bson:"code"`
	Score    float64 `bson:"score"`
}

func toTicketDoc(t report.Ticket) ticketDoc {
	d := ticketDoc{AcceptBy: timePtr(t.AcceptBy), ResolveBy: timePtr(t.ResolveBy), AcceptFrom: timePtr(t.AcceptFrom),
		ResolveFrom: timePtr(t.ResolveFrom), Complex: t.Complex, InfoFrom: string(t.InfoFrom), ResolvedAt: timePtr(t.ResolvedAt),
		AfterPhotos: t.AfterPhotos, Rating: t.Rating, RatingComment: t.RatingComment, Hidden: t.Hidden, Escalated: t.Escalated,
		WarnedFor: timePtr(t.WarnedFor), DuplicateOf: t.DuplicateOf, DuplicateOfID: t.DuplicateOfID, Moved: t.FollowersMoved,
		AssigneeID: t.AssigneeID}
	if l := t.LikelyOriginal; l.ReportID != "" {
		d.Likely = &linkDoc{ReportID: l.ReportID, Code: l.Code, Score: l.Score}
	}
	for _, p := range t.Pauses {
		d.Pauses = append(d.Pauses, intervalDoc{Start: p.Start, End: timePtr(p.End)})
	}
	return d
}

func (d ticketDoc) ticket() report.Ticket {
	t := report.Ticket{AcceptBy: timeOf(d.AcceptBy), ResolveBy: timeOf(d.ResolveBy), AcceptFrom: timeOf(d.AcceptFrom),
		ResolveFrom: timeOf(d.ResolveFrom), Complex: d.Complex, InfoFrom: report.Status(d.InfoFrom), ResolvedAt: timeOf(d.ResolvedAt),
		AfterPhotos: d.AfterPhotos, Rating: d.Rating, RatingComment: d.RatingComment, Hidden: d.Hidden, Escalated: d.Escalated,
		WarnedFor: timeOf(d.WarnedFor), DuplicateOf: d.DuplicateOf, DuplicateOfID: d.DuplicateOfID, FollowersMoved: d.Moved,
		AssigneeID: d.AssigneeID}
	if l := d.Likely; l != nil {
		t.LikelyOriginal = report.DuplicateLink{ReportID: l.ReportID, Code: l.Code, Score: l.Score}
	}
	for _, p := range d.Pauses {
		t.Pauses = append(t.Pauses, workcal.Interval{Start: p.Start.UTC(), End: timeOf(p.End)})
	}
	return t
}

// SaveReport writes the workflow's result over before (same ID), moving version to version+1.
func (s *Store) SaveReport(ctx context.Context, before, after report.Report, now time.Time) (bool, error) {
	d := toReportDoc(after)
	set := bson.D{
		{Key: "status", Value: d.Status}, {Key: "routing", Value: d.Routing}, {Key: "agency_id", Value: d.AgencyID},
		{Key: "timeline", Value: d.Timeline}, {Key: "photos", Value: d.Photos}, {Key: "ticket", Value: d.Ticket},
		{Key: "followers", Value: d.Followers}, {Key: "updated_at", Value: now}, {Key: "outbox", Value: append([]int{}, after.Outbox...)},
	}
	// The notification intent travels in the same update as the change (single-document atomicity).
	fresh := newEntries(before.Outbox, after.Outbox)
	if len(fresh) > 0 {
		set = append(set, bson.E{Key: "outbox_at", Value: now})
	}
	ok, err := s.updateReport(ctx, before.ID, before.Version, bson.D{{Key: "$set", Value: set}})
	if err != nil || !ok {
		return ok, err
	}
	s.writeHints(ctx, before.ID, fresh, now)
	return true, nil
}

type queueEntryDoc struct {
	ReportID    string     `bson:"report_id"`
	Code        string     `bson:"code"`
	Category    string     `bson:"category"`
	CommuneCode string     `bson:"commune_code,omitempty"`
	Status      string     `bson:"status"`
	Urgent      bool       `bson:"urgent,omitempty"`
	Complex     bool       `bson:"complex,omitempty"`
	AcceptBy    *time.Time `bson:"accept_by,omitempty"`
	ResolveBy   *time.Time `bson:"resolve_by,omitempty"`
	CreatedAt   time.Time  `bson:"created_at"`
	Version     int64      `bson:"version"`
	AgencyID    string     `bson:"agency_id,omitempty"`
	AssigneeID  string     `bson:"assignee_id,omitempty"`
	Steps       int64      `bson:"steps,omitempty"`
}

// queueDoc is one shard of a queue: its tickets by report ID, and how many are in each status (written
// with them in the same update, so the reports-by-status gauge reads a few numbers per shard).
type queueDoc struct {
	ID      string                   `bson:"_id"`
	Entries map[string]queueEntryDoc `bson:"entries"`
	Counts  map[string]int           `bson:"counts"`
	Version int64                    `bson:"version"`
}

// countByStatus counts queue entries by status.
func countByStatus(entries map[string]queueEntryDoc) map[string]int {
	out := map[string]int{}
	for _, e := range entries {
		out[e.Status]++
	}
	return out
}

// modifyQueue applies change to one ticket's entry in its queue shard (nil removes it): read, change, and a
// compare-and-swap on the shard's version that sets that entry and the counts, read again when another
// writer moved the shard first. Writers of one process take turns per shard, so they do not race each
// other's compare-and-swap (other replicas still may), and start from what this process wrote last instead
// of reading it back: the compare-and-swap tells when another wrote since.
func (s *Store) modifyQueue(ctx context.Context, shardID, reportID string, change func(old *queueEntryDoc) *queueEntryDoc) error {
	t, _ := s.queueTurns.LoadOrStore(shardID, &queueTurn{})
	turn := t.(*queueTurn)
	turn.mu.Lock()
	defer turn.mu.Unlock()
	col := s.db.Collection(colQueues)
	field := "entries." + reportID
	for attempt := range 50 {
		if attempt > 0 { // spread racing writers a little
			select {
			case <-ctx.Done():
				return mapErr(ctx.Err(), "queue")
			case <-time.After(time.Duration(rand.IntN(2*attempt)+1) * time.Millisecond):
			}
		}
		d, err := turn.last, error(nil)
		turn.last = queueDoc{}
		if d.ID == "" {
			err = col.FindOne(ctx, byID(shardID)).Decode(&d)
		}
		if errors.Is(err, mongo.ErrNoDocuments) {
			fresh := queueDoc{ID: shardID, Entries: map[string]queueEntryDoc{}, Counts: map[string]int{}}
			if _, err := col.InsertOne(ctx, fresh); err != nil && !isDuplicate(err) {
				return mapErr(fmt.Errorf("create queue %s: %w", shardID, err), "queue")
			}
			continue
		}
		if err != nil {
			return mapErr(fmt.Errorf("load queue %s: %w", shardID, err), "queue")
		}
		if d.Entries == nil {
			d.Entries = map[string]queueEntryDoc{}
		}
		var old *queueEntryDoc
		if e, ok := d.Entries[reportID]; ok {
			old = &e
		}
		set := bson.D{}
		update := bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}}
		if next := change(old); next != nil {
			d.Entries[reportID] = *next
			set = append(set, bson.E{Key: field, Value: *next})
		} else {
			delete(d.Entries, reportID)
			update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: field, Value: ""}}})
		}
		update = append(update, bson.E{Key: "$set", Value: append(set, bson.E{Key: "counts", Value: countByStatus(d.Entries)})})
		res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: shardID}, {Key: "version", Value: d.Version}}, update)
		if err != nil {
			return mapErr(fmt.Errorf("save queue %s: %w", shardID, err), "queue")
		}
		if res.ModifiedCount == 1 {
			d.Version++
			turn.last = d
			return nil
		}
	}
	return fault.New(fault.ErrUnavailable, "the queue is too busy; retry")
}

// queueTurn is one queue shard's turn for this process's writers, with what the last of them wrote.
type queueTurn struct {
	mu   sync.Mutex
	last queueDoc // ID "" when unknown
}

// PutQueueEntry adds or updates a ticket in its agency's queue (an older version never overwrites a newer).
func (s *Store) PutQueueEntry(ctx context.Context, agencyID string, e report.QueueEntry, now time.Time) error {
	e.AgencyID = agencyID
	doc := toQueueEntryDoc(e)
	return s.modifyQueue(ctx, queueShardID(agencyID, e.ReportID), e.ReportID, func(old *queueEntryDoc) *queueEntryDoc {
		if old != nil && old.Version > doc.Version {
			return old
		}
		return &doc
	})
}

// DropQueueEntry removes a ticket from an agency's queue.
func (s *Store) DropQueueEntry(ctx context.Context, agencyID, reportID string, now time.Time) error {
	return s.modifyQueue(ctx, queueShardID(agencyID, reportID), reportID, func(*queueEntryDoc) *queueEntryDoc { return nil })
}

func toQueueEntryDoc(e report.QueueEntry) queueEntryDoc {
	return queueEntryDoc{ReportID: e.ReportID, Code: e.Code, Category: e.Category, CommuneCode: e.CommuneCode,
		Status: string(e.Status), Urgent: e.Urgent, Complex: e.Complex, AcceptBy: timePtr(e.AcceptBy),
		ResolveBy: timePtr(e.ResolveBy), CreatedAt: e.CreatedAt, Version: e.Version, AgencyID: e.AgencyID,
		AssigneeID: e.AssigneeID, Steps: e.Steps}
}

// Queue returns an agency's queue: its shards, read by _id in one query.
func (s *Store) Queue(ctx context.Context, agencyID string) ([]report.QueueEntry, error) {
	return s.Queues(ctx, []string{agencyID})
}

// idsPerQuery bounds the IDs of one _id $in.
const idsPerQuery = 512

// Queues returns the queues of the agencies: their shards, read by _id, a chunk of shards per query.
func (s *Store) Queues(ctx context.Context, agencyIDs []string) ([]report.QueueEntry, error) {
	var ids []string
	for _, a := range agencyIDs {
		for i := range queueShards {
			ids = append(ids, a+"#"+strconv.Itoa(i))
		}
	}
	var out []report.QueueEntry
	for chunk := range slices.Chunk(ids, idsPerQuery) {
		cur, err := s.db.Collection(colQueues).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}})
		if err != nil {
			return nil, mapErr(fmt.Errorf("load queues: %w", err), "queue")
		}
		var docs []queueDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, mapErr(fmt.Errorf("load queues: %w", err), "queue")
		}
		for _, d := range docs {
			agencyID, _, _ := strings.Cut(d.ID, "#")
			for _, e := range d.Entries {
				out = append(out, report.QueueEntry{ReportID: e.ReportID, Code: e.Code, Category: e.Category, CommuneCode: e.CommuneCode,
					Status: report.Status(e.Status), Urgent: e.Urgent, Complex: e.Complex, AcceptBy: timeOf(e.AcceptBy),
					ResolveBy: timeOf(e.ResolveBy), CreatedAt: e.CreatedAt.UTC(), Version: e.Version, AgencyID: cmp.Or(e.AgencyID, agencyID),
					AssigneeID: e.AssigneeID, Steps: e.Steps})
			}
		}
	}
	return out, nil
}

// ReportsByStatus counts the entries of every agency's queue by status: the reports that are not closed
// or rejected. It reads only each shard's counts (the queues collection holds a few hundred documents). It returns an error wrapping fault.ErrUnavailable when
// the database does not answer.
func (s *Store) ReportsByStatus(ctx context.Context) (map[string]int, error) {
	cur, err := s.db.Collection(colQueues).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "counts", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "queues")
	}
	var docs []struct {
		ID     string         `bson:"_id"`
		Counts map[string]int `bson:"counts"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "queues")
	}
	out := map[string]int{}
	for _, d := range docs {
		for st, n := range d.Counts {
			out[st] += n
		}
	}
	return out, nil
}
