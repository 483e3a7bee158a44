package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
)

var _ notify.Store = (*Store)(nil)

const (
	colOutbox   = "outbox"        // _id: "<report id>:<timeline position>"; deleted once sent, so it stays small
	colReceipts = "push_receipts" // _id: "<hint id>|<token>" → FCM message ID; deleted with the hint
)

func init() {
	Indexes = append(Indexes,
		// Dispatchers poll for due hints; parked ones are due "forever" and listed for admins.
		Index{Collection: colOutbox, Name: "by_due", Keys: bson.D{{Key: "not_before", Value: 1}}},
		Index{Collection: colOutbox, Name: "by_failed", Keys: bson.D{{Key: "failed", Value: 1}, {Key: "created_at", Value: 1}}},
		// The outbox sweep: reports whose outbox gained an entry recently.
		Index{Collection: colReports, Name: "by_outbox_at", Keys: bson.D{{Key: "outbox_at", Value: 1}}},
	)
}

// OnOutbox registers this process's dispatcher: wake is called after a report write that added
// notifications, so they go out at once rather than at the next poll (it must be quick).
func (s *Store) OnOutbox(wake func()) { s.wake.Store(&wake) }

type hintDoc struct {
	ID        string    `bson:"_id"`
	ReportID  string    `bson:"report_id"`
	Seq       int       `bson:"seq"`
	NotBefore time.Time `bson:"not_before"`
	Attempts  int       `bson:"attempts"`
	Failed    bool      `bson:"failed"`
	LastError string    `bson:"last_error,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	Lease     string    `bson:"lease,omitempty"` // the last lease taken
}

func (d hintDoc) hint() notify.Hint {
	return notify.Hint{ID: d.ID, ReportID: d.ReportID, Seq: d.Seq, NotBefore: d.NotBefore.UTC(), Attempts: d.Attempts,
		Failed: d.Failed, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC()}
}

// newEntries returns the entries of after that before lacks.
func newEntries(before, after []int) []int {
	var out []int
	for _, i := range after {
		if !slices.Contains(before, i) {
			out = append(out, i)
		}
	}
	return out
}

// writeHints inserts the hints of a report's new outbox entries, due now, right after the report write,
// and wakes the dispatcher. When the insert fails it is tried again in the background for a while
// (retryHints); a crash, or a longer outage, is repaired by RepairOutbox: the outbox entries in the report
// are the truth.
func (s *Store) writeHints(ctx context.Context, reportID string, seqs []int, now time.Time) {
	if len(seqs) == 0 {
		return
	}
	docs := make([]any, len(seqs))
	for i, seq := range seqs {
		docs[i] = hintDoc{ID: notify.HintID(reportID, seq), ReportID: reportID, Seq: seq, NotBefore: now, CreatedAt: now}
	}
	if err := s.insertHints(context.WithoutCancel(ctx), docs); err != nil {
		s.retrying.Go(func() { s.retryHints(docs) })
	}
	if wake := s.wake.Load(); wake != nil {
		(*wake)()
	}
}

// retryHints inserts hints whose first insert failed, every hintRetry for up to hintRetries tries, due
// when inserted. They count as attempted once: the first insert may have landed after all, and its hints
// been sent and deleted since; a dispatcher checks whether a hint leased before was settled. Once the
// store is closing it tries one last time; what is still missing then is left to RepairOutbox.
func (s *Store) retryHints(docs []any) {
	for range hintRetries {
		closing := false
		select {
		case <-time.After(hintRetry):
		case <-s.closing:
			closing = true
		}
		for i := range docs {
			d := docs[i].(hintDoc)
			d.Attempts, d.NotBefore = 1, time.Now()
			docs[i] = d
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := s.insertHints(ctx, docs)
		cancel()
		if err == nil {
			if wake := s.wake.Load(); wake != nil {
				(*wake)()
			}
			return
		}
		if closing {
			return
		}
	}
}

// RestoreHints inserts the hints of the report's recent outbox entries (within report.OutboxHorizon) that
// have none. A retried submission calls it: its first attempt's report write may have landed while the
// client saw it fail, so that no hint was written. They are inserted as attempted once, so a dispatcher
// checks that they were not sent already.
func (s *Store) RestoreHints(ctx context.Context, r report.Report) error {
	now := time.Now()
	var docs []any
	for _, seq := range r.Outbox {
		if seq >= 0 && seq < len(r.Timeline) && now.Sub(r.Timeline[seq].At) < report.OutboxHorizon {
			docs = append(docs, hintDoc{ID: notify.HintID(r.ID, seq), ReportID: r.ID, Seq: seq, NotBefore: now, Attempts: 1, CreatedAt: r.Timeline[seq].At})
		}
	}
	if len(docs) == 0 {
		return nil
	}
	if err := s.insertHints(ctx, docs); err != nil {
		return fmt.Errorf("restore the hints of report %s: %w", r.ID, err)
	}
	if wake := s.wake.Load(); wake != nil {
		(*wake)()
	}
	return nil
}

// insertHints inserts hint documents in one unordered insert; hints already there count as inserted.
func (s *Store) insertHints(ctx context.Context, docs []any) error {
	_, err := s.hints.do(ctx, docs)
	return err
}

// insertHintBatches inserts the hints of several reports written at the same moment in one InsertMany
// (hints).
func (s *Store) insertHintBatches(ctx context.Context, batches [][]any) ([]struct{}, error) {
	var docs []any
	for _, b := range batches {
		docs = append(docs, b...)
	}
	if s.hintFault != nil {
		if err := s.hintFault(); err != nil {
			return nil, err
		}
	}
	_, err := s.db.Collection(colOutbox).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !allDuplicates(err) {
		return nil, mapErr(fmt.Errorf("insert hints: %w", err), "outbox")
	}
	return make([]struct{}, len(batches)), nil
}

// How often and how long a failed hint insert is tried again; after that, RepairOutbox's next sweep
// re-creates the hints (within a minute).
const (
	hintRetry   = time.Second
	hintRetries = 60
)

// FailedHints lists parked hints, oldest first.
func (s *Store) FailedHints(ctx context.Context, limit int) ([]notify.Hint, error) {
	return s.findHints(ctx, bson.D{{Key: "failed", Value: true}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}).SetLimit(int64(limit)))
}

func (s *Store) findHints(ctx context.Context, filter bson.D, o *options.FindOptionsBuilder) ([]notify.Hint, error) {
	cur, err := s.db.Collection(colOutbox).Find(ctx, filter, o)
	if err != nil {
		return nil, mapErr(err, "outbox")
	}
	var docs []hintDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "outbox")
	}
	out := make([]notify.Hint, len(docs))
	for i, d := range docs {
		out[i] = d.hint()
	}
	return out, nil
}

// LeaseDueHints leases up to limit hints due at now (earliest first) until `until`, counting an attempt,
// and returns them as leased. Each hint is leased by one conditional update (still due, so two
// dispatchers never both take it), all of them in one UpdateMany marked with a fresh lease ID; a failure
// after that write leaves the hints leased to no one until `until`, when they are due again.
func (s *Store) LeaseDueHints(ctx context.Context, now, until time.Time, limit int) ([]notify.Hint, error) {
	col := s.db.Collection(colOutbox)
	due := bson.D{{Key: "not_before", Value: bson.D{{Key: "$lte", Value: now}}}}
	cur, err := col.Find(ctx, due, options.Find().SetSort(bson.D{{Key: "not_before", Value: 1}}).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "outbox")
	}
	var found []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, mapErr(err, "outbox")
	}
	if len(found) == 0 {
		return nil, nil
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	lease := newLeaseID()
	inIDs := bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}
	_, err = col.UpdateMany(ctx, append(bson.D{inIDs}, due...),
		bson.D{{Key: "$set", Value: bson.D{{Key: "not_before", Value: until}, {Key: "lease", Value: lease}}},
			{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}})
	if err != nil {
		return nil, mapErr(fmt.Errorf("lease hints: %w", err), "outbox")
	}
	return s.findHints(ctx, bson.D{inIDs, {Key: "lease", Value: lease}}, options.Find().SetSort(bson.D{{Key: "not_before", Value: 1}}))
}

// newLeaseID returns a random ID that marks the hints one lease took.
func newLeaseID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func doneID(hintID string) string { return "pushed:" + hintID }

// pushedTTL is how long the record that a hint was settled is kept: longer than report.OutboxHorizon, so
// the sweep never re-creates a hint that was sent.
const pushedTTL = report.OutboxHorizon + 24*time.Hour

// HintDone reports whether the hint was settled.
func (s *Store) HintDone(ctx context.Context, id string) (bool, error) {
	_, ok, err := s.claimed(ctx, doneID(id))
	return ok, err
}

// FinishHints records the hints as settled (first, so a crash after it cannot lead to a resend), then
// deletes their receipts and the hints: three writes for the whole batch when no hint has receipts.
func (s *Store) FinishHints(ctx context.Context, settled []notify.Settled, now time.Time) error {
	if len(settled) == 0 {
		return nil
	}
	docs := make([]any, len(settled))
	ids := make([]string, len(settled))
	for i, h := range settled {
		docs[i] = claimDoc{ID: doneID(h.ID), At: now, ExpiresAt: now.Add(pushedTTL)}
		ids[i] = h.ID
	}
	if _, err := s.db.Collection(colClaims).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !allDuplicates(err) {
		return mapErr(err, "claim")
	}
	for _, h := range settled {
		if !h.WithReceipts {
			continue
		}
		if _, err := s.db.Collection(colReceipts).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{
			{Key: "$gte", Value: h.ID + "|"}, {Key: "$lt", Value: h.ID + "}"}}}}); err != nil {
			return mapErr(err, "push receipts")
		}
	}
	_, err := s.db.Collection(colOutbox).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return mapErr(err, "outbox")
}

// allDuplicates reports whether every write error of a bulk insert is a duplicate _id.
func allDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return false
		}
	}
	return true
}

// RescheduleHint sets the next attempt, or parks the hint.
func (s *Store) RescheduleHint(ctx context.Context, id string, notBefore time.Time, failed bool, lastErr string) error {
	if failed {
		notBefore = forever
	}
	_, err := s.db.Collection(colOutbox).UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{
		{Key: "not_before", Value: notBefore}, {Key: "failed", Value: failed}, {Key: "last_error", Value: lastErr}}}})
	return mapErr(err, "outbox")
}

// RetryHint makes a parked hint due now, with its attempts reset.
func (s *Store) RetryHint(ctx context.Context, id string, now time.Time) error {
	res, err := s.db.Collection(colOutbox).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "failed", Value: true}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "not_before", Value: now}, {Key: "failed", Value: false}, {Key: "attempts", Value: 0}}}})
	if err != nil {
		return mapErr(err, "outbox")
	}
	if res.MatchedCount == 0 {
		return fault.New(fault.ErrNotFound, "no failed notification with this ID")
	}
	return nil
}

// OutboxBacklog counts pending and parked hints and finds the oldest pending one. It reads the whole
// outbox, which stays small (hints are deleted once sent), projecting two fields.
func (s *Store) OutboxBacklog(ctx context.Context) (notify.Backlog, error) {
	cur, err := s.db.Collection(colOutbox).Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "failed", Value: 1}, {Key: "created_at", Value: 1}}))
	if err != nil {
		return notify.Backlog{}, mapErr(err, "outbox")
	}
	var docs []struct {
		Failed    bool      `bson:"failed"`
		CreatedAt time.Time `bson:"created_at"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return notify.Backlog{}, mapErr(err, "outbox")
	}
	var b notify.Backlog
	for _, d := range docs {
		if d.Failed {
			b.Parked++
			continue
		}
		b.Pending++
		if b.OldestPending.IsZero() || d.CreatedAt.Before(b.OldestPending) {
			b.OldestPending = d.CreatedAt.UTC()
		}
	}
	return b, nil
}

// OutboxOverdue finds the pending hints due before dueBefore (now less notify.OverdueAfter): those no
// dispatcher took in time. Parked hints are due "forever", so the due-time index skips them.
func (s *Store) OutboxOverdue(ctx context.Context, dueBefore time.Time) (notify.Overdue, error) {
	cur, err := s.db.Collection(colOutbox).Find(ctx, bson.D{{Key: "not_before", Value: bson.D{{Key: "$lt", Value: dueBefore}}}},
		options.Find().SetProjection(bson.D{{Key: "not_before", Value: 1}, {Key: "failed", Value: 1}}))
	if err != nil {
		return notify.Overdue{}, mapErr(fmt.Errorf("overdue hints: %w", err), "outbox")
	}
	var docs []struct {
		NotBefore time.Time `bson:"not_before"`
		Failed    bool      `bson:"failed"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return notify.Overdue{}, mapErr(fmt.Errorf("overdue hints: %w", err), "outbox")
	}
	var o notify.Overdue
	for _, d := range docs {
		if d.Failed {
			continue
		}
		o.Count++
		if o.OldestDue.IsZero() || d.NotBefore.Before(o.OldestDue) {
			o.OldestDue = d.NotBefore.UTC()
		}
	}
	return o, nil
}

type receiptDoc struct {
	ID        string    `bson:"_id"`
	MessageID string    `bson:"message_id"`
	At        time.Time `bson:"at"`
}

func receiptID(hintID, token string) string { return hintID + "|" + token }

// Receipts returns the tokens the hint was delivered to.
func (s *Store) Receipts(ctx context.Context, hintID string, tokens []string) (map[string]string, error) {
	out := map[string]string{}
	if len(tokens) == 0 {
		return out, nil
	}
	ids := make([]string, len(tokens))
	for i, t := range tokens {
		ids[i] = receiptID(hintID, t)
	}
	cur, err := s.db.Collection(colReceipts).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, mapErr(err, "push receipts")
	}
	var docs []receiptDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "push receipts")
	}
	for _, d := range docs {
		out[strings.TrimPrefix(d.ID, hintID+"|")] = d.MessageID
	}
	return out, nil
}

// PutReceipts records deliveries in one unordered insert; a receipt already there is kept.
func (s *Store) PutReceipts(ctx context.Context, hintID string, sent map[string]string, now time.Time) error {
	if len(sent) == 0 {
		return nil
	}
	docs := make([]any, 0, len(sent))
	for tok, id := range sent {
		docs = append(docs, receiptDoc{ID: receiptID(hintID, tok), MessageID: id, At: now})
	}
	_, err := s.db.Collection(colReceipts).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !allDuplicates(err) {
		return mapErr(err, "push receipts")
	}
	return nil
}

// RepairOutbox re-creates the hints that a crash between a report write and its hint writes lost: for each
// report whose outbox gained entries since `since`, each entry with neither a hint nor a settled record.
func (s *Store) RepairOutbox(ctx context.Context, since time.Time) (int, error) {
	cur, err := s.db.Collection(colReports).Find(ctx, bson.D{{Key: "outbox_at", Value: bson.D{{Key: "$gte", Value: since}}}},
		options.Find().SetProjection(bson.D{{Key: "outbox", Value: 1}, {Key: "outbox_at", Value: 1}}))
	if err != nil {
		return 0, mapErr(err, "reports")
	}
	var docs []struct {
		ID       string    `bson:"_id"`
		Outbox   []int     `bson:"outbox"`
		OutboxAt time.Time `bson:"outbox_at"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, mapErr(err, "reports")
	}
	made := 0
	for _, d := range docs {
		for _, seq := range d.Outbox {
			id := notify.HintID(d.ID, seq)
			if done, err := s.HintDone(ctx, id); err != nil || done {
				if err != nil {
					return made, err
				}
				continue
			}
			// Attempts 1: the hint may have been settled and deleted between the check above and this
			// insert, so the dispatcher checks again (it checks only hints leased before).
			_, err := s.db.Collection(colOutbox).InsertOne(ctx, hintDoc{ID: id, ReportID: d.ID, Seq: seq, NotBefore: time.Now(), Attempts: 1, CreatedAt: d.OutboxAt})
			switch {
			case err == nil:
				made++
			case !isDuplicate(err):
				return made, mapErr(err, "outbox")
			}
		}
	}
	return made, nil
}

// StaffIDs lists enabled staff of the roles through the staff directory (usernames, by agency).
func (s *Store) StaffIDs(ctx context.Context, agencyID string, roles ...auth.Role) ([]string, error) {
	staff, err := s.ListStaff(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range staff {
		if !u.Disabled && slices.Contains(roles, u.Role) {
			out = append(out, u.ID)
		}
	}
	return out, nil
}
