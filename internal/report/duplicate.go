package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/quangninh/feedback/internal/fault"
)

// When an officer rejects a report as a duplicate of another, the duplicate's reporter and followers
// follow the original from then on, so the original's pushes reach them. The move touches two documents,
// and no transaction spans both, so it is made idempotent and resumable instead:
//
//  1. a follower-move note (_id: the duplicate's ID) is written;
//  2. the duplicate is saved as rejected with Ticket.DuplicateOfID set and FollowersMoved false;
//  3. the people are added to the original's followers ($addToSet through the claim-arbitrated update,
//     so concurrent writers to the original lose nothing, and a repeat adds nobody twice);
//  4. the duplicate is marked FollowersMoved and the note deleted.
//
// A crash or an outage between the steps leaves the note; the sweep redoes 3 and 4 from the duplicate's
// own state. A note whose duplicate was never saved (step 2 failed) is simply deleted.

// FollowerMoves is what the move needs from the store.
type FollowerMoves interface {
	// ReportIDByCode returns the ID of the report with that code; fault.ErrNotFound when there is none.
	ReportIDByCode(ctx context.Context, code string) (string, error)
	// AddFollowers adds the users, except the report's own reporter, to its followers (idempotent).
	AddFollowers(ctx context.Context, id string, userIDs []string, now time.Time) error
	// MarkFollowersMoved records on a duplicate that its people follow the original now.
	MarkFollowersMoved(ctx context.Context, id string, now time.Time) error
	// PutFollowerMove notes that the duplicate id owes a move; DeleteFollowerMove forgets the note.
	PutFollowerMove(ctx context.Context, id string, now time.Time) error
	DeleteFollowerMove(ctx context.Context, id string) error
	// PendingFollowerMoves returns up to limit duplicates whose note was written before `before`.
	PendingFollowerMoves(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// followerMoveGrace is how old a note must be before the sweep takes it over from the request that wrote it.
const followerMoveGrace = time.Minute

// duplicating reports whether c marks its report as a duplicate.
func duplicating(c Command) bool {
	return c.Action == ActionMarkDuplicate || c.Action == ActionReject && c.Reason == ReasonDuplicate
}

// followersOwed reports whether r is a duplicate whose people do not follow the original yet.
func followersOwed(r Report) bool {
	return r.Status == Rejected && r.Ticket.DuplicateOfID != "" && !r.Ticket.FollowersMoved
}

// original looks up the report a duplicate points to, by code. It returns *fault.Invalid (body.duplicate_of)
// when no report has the code or that report was itself rejected: its people would follow a dead end.
func (d *Desk) original(ctx context.Context, code string) (string, error) {
	id, err := d.Store.ReportIDByCode(ctx, code)
	if errors.Is(err, fault.ErrNotFound) {
		return "", invalid("body.duplicate_of", "no report has the code "+code)
	}
	if err != nil {
		return "", err
	}
	o, err := d.Store.Report(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return "", invalid("body.duplicate_of", "no report has the code "+code)
	}
	if err != nil {
		return "", err
	}
	if o.Status == Rejected {
		msg := fmt.Sprintf("%s was rejected; mark the report as a duplicate of a report still handled", code)
		if o.Ticket.DuplicateOf != "" {
			msg = fmt.Sprintf("%s is itself a duplicate of %s; use that code", code, o.Ticket.DuplicateOf)
		}
		return "", invalid("body.duplicate_of", msg)
	}
	return id, nil
}

// MoveFollowers makes a duplicate's reporter and followers follow its original (steps 3 and 4 above). It
// does nothing for a report that owes no move, and may be repeated. It returns storage errors.
func (d *Desk) MoveFollowers(ctx context.Context, dup Report) error {
	if !followersOwed(dup) {
		return d.Store.DeleteFollowerMove(ctx, dup.ID)
	}
	people := slices.DeleteFunc(append([]string{dup.ReporterID}, dup.Followers...), func(u string) bool { return u == "" })
	now := d.now()
	if len(people) > 0 {
		err := d.Store.AddFollowers(ctx, dup.Ticket.DuplicateOfID, people, now)
		if err != nil && !errors.Is(err, fault.ErrNotFound) { // an original that vanished cannot be followed
			return err
		}
	}
	if err := d.Store.MarkFollowersMoved(ctx, dup.ID, now); err != nil {
		return err
	}
	return d.Store.DeleteFollowerMove(ctx, dup.ID)
}

// FinishFollowerMoves completes the moves noted before `before` (interrupted by a crash or an outage) and
// returns how many it completed. It stops at the first storage error.
func (d *Desk) FinishFollowerMoves(ctx context.Context, before time.Time) (int, error) {
	ids, err := d.Store.PendingFollowerMoves(ctx, before, 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, id := range ids {
		r, err := d.Store.Report(ctx, id)
		switch {
		case errors.Is(err, fault.ErrNotFound):
			err = d.Store.DeleteFollowerMove(ctx, id)
		case err == nil:
			owed := followersOwed(r)
			if err = d.MoveFollowers(ctx, r); err == nil && owed {
				done++
			}
		}
		if err != nil {
			return done, err
		}
	}
	return done, nil
}
