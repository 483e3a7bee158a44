// Package notify tells people on their phones what happened to the reports they care about: the reporter
// and followers hear of every status change, public comment, request for information and resolution;
// an agency's officers of new and transferred-in tickets; agency admins and dispatchers of escalations.
//
// Delivery rests on a transactional outbox. The report store writes the intent to notify (the timeline
// positions in Report.Outbox) in the same document update as the change, then a small hint document per
// event ("<report id>:<timeline position>") that the Dispatcher finds quickly; a sweep re-creates hints
// that a failure between the two writes lost. Dispatchers on any number of replicas lease due hints in
// batches (one conditional update: a hint leased is not due, so it has one holder until its lease ends),
// record the hints they sent as settled, record FCM's message ID per device when some of a hint's pushes
// must be retried so a retry never resends to a phone that got it, delete dead tokens, back off on
// temporary failures and park a hint as failed after MaxAttempts. Delivery is at least once: a push that
// FCM accepted just before its dispatcher died, unrecorded, is sent again once the lease ends.
package notify

import (
	"context"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/report"
)

// Platform is the kind of device a push goes to.
type Platform string

// The platforms.
const (
	Android Platform = "android"
	IOS     Platform = "ios"
	Web     Platform = "web"
)

// Device is one registered phone or browser: its FCM registration token, whose it is, and the language
// its notifications are written in.
type Device struct {
	Token      string
	UserID     string
	Platform   Platform
	AppVersion string
	Language   string // "vi" or "en"
	UpdatedAt  time.Time
}

// Hint tells dispatchers that the event at Seq of report ReportID awaits its pushes. Its ID is
// "<report id>:<seq>".
type Hint struct {
	ID        string
	ReportID  string
	Seq       int
	NotBefore time.Time // not due before; a lease or a back-off moves it
	Attempts  int       // leases taken so far
	Failed    bool      // parked after MaxAttempts; an admin may retry it
	LastError string
	CreatedAt time.Time
}

// Settled is a hint whose pushes are all settled: delivered, or dropped for good.
type Settled struct {
	ID           string
	WithReceipts bool // an earlier lease may have recorded receipts
}

// Backlog describes the outbox: what waits to be pushed and what was parked as failed.
type Backlog struct {
	Pending       int       // hints not parked (due now or backing off)
	Parked        int       // hints parked after MaxAttempts
	OldestPending time.Time // when the oldest pending hint's event happened; zero when none is pending
}

// OverdueAfter is how long a hint may stay due before it counts as overdue. A running dispatcher takes a
// due hint within its poll interval (a second), so a hint due for longer means that none is sending.
const OverdueAfter = time.Minute

// Overdue describes the pending hints due for more than OverdueAfter that no dispatcher took. Leased and
// backing-off hints are not due yet, and parked ones wait for an admin: none of them count.
type Overdue struct {
	Count     int
	OldestDue time.Time // the earliest due time among them; zero when there are none
}

// HintID names the hint of the event at seq of a report.
func HintID(reportID string, seq int) string { return reportID + ":" + itoa(seq) }

// Store is what notifications need from storage. Methods return an error wrapping
// fault.ErrUnavailable when the database does not answer.
type Store interface {
	// LeaseDueHints leases up to limit hints due at now (not parked), earliest first, until `until`: no
	// other caller gets them before then. It returns them as leased (NotBefore until, Attempts counted).
	LeaseDueHints(ctx context.Context, now, until time.Time, limit int) ([]Hint, error)
	// HintDone reports whether the hint's pushes were all settled once already.
	HintDone(ctx context.Context, id string) (bool, error)
	// FinishHints records that the hints are settled for good and deletes them, in one batch, with the
	// receipts of those an earlier lease may have written some for (Settled.WithReceipts).
	FinishHints(ctx context.Context, settled []Settled, now time.Time) error
	// RescheduleHint sets when the hint is due again, or parks it when failed is set.
	RescheduleHint(ctx context.Context, id string, notBefore time.Time, failed bool, lastErr string) error
	// Receipts returns, of the tokens, those the hint was already delivered to, with FCM's message IDs.
	Receipts(ctx context.Context, hintID string, tokens []string) (map[string]string, error)
	// PutReceipts records deliveries: token → FCM message ID.
	PutReceipts(ctx context.Context, hintID string, sent map[string]string, now time.Time) error
	// RepairOutbox re-creates the missing hints of reports whose outbox gained entries since `since`,
	// and returns how many it created.
	RepairOutbox(ctx context.Context, since time.Time) (int, error)
	// FailedHints lists parked hints, oldest first.
	FailedHints(ctx context.Context, limit int) ([]Hint, error)
	// RetryHint makes a parked hint due now with its attempts reset; fault.ErrNotFound when there is none.
	RetryHint(ctx context.Context, id string, now time.Time) error

	// Reports returns the reports with these IDs, by ID; those that do not exist are absent.
	Reports(ctx context.Context, ids []string) (map[string]report.Report, error)

	Devices
	// StaffIDs lists the enabled staff of the roles, of one agency or (agencyID "") of all.
	StaffIDs(ctx context.Context, agencyID string, roles ...auth.Role) ([]string, error)
}

// Devices keep registered devices: one token belongs to one user at a time.
type Devices interface {
	// PutDevice registers d, or updates it (and moves it to d.UserID) when the token is known.
	PutDevice(ctx context.Context, d Device) error
	// DeleteDevice forgets a token; not an error when it is unknown.
	DeleteDevice(ctx context.Context, token string) error
	// DeleteUserDevice forgets a token only if it belongs to userID.
	DeleteUserDevice(ctx context.Context, userID, token string) error
	// DeleteUserDevices forgets every device of a user.
	DeleteUserDevices(ctx context.Context, userID string) error
	// DevicesOf returns the devices of the users.
	DevicesOf(ctx context.Context, userIDs []string) ([]Device, error)
}
