package mongostore

import (
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"

	"github.com/quangninh/feedback/internal/fault"
)

// poolCleared stands in for the driver's unexported error of a connection pool that another operation's
// network error cleared: the operation never reached the server.
type poolCleared struct{}

func (poolCleared) Error() string {
	return "connection pool for 127.0.0.1:27017 was cleared because another operation failed"
}
func (poolCleared) Retryable() bool { return true }

var _ driver.RetryablePoolError = poolCleared{}

// TestMapErrPoolClearedIsUnavailable: an operation refused because its connection pool was just cleared
// (the database's connections were cut) answers 503 like any network error, not 500.
func TestMapErrPoolClearedIsUnavailable(t *testing.T) {
	wrapped := driver.Error{Message: "pool cleared", Labels: []string{driver.TransientTransactionError}, Wrapped: poolCleared{}}
	for _, err := range []error{poolCleared{}, wrapped, fmt.Errorf("next report number of 2612: %w", wrapped)} {
		if got := mapErr(err, "report code counter"); !errors.Is(got, fault.ErrUnavailable) {
			t.Errorf("mapErr(%v) = %v, want unavailable", err, got)
		}
	}
}
