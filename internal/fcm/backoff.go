package fcm

import "time"

// Retry delays: FCM asks senders to back off exponentially from at least 1 s, and a status change that is
// 5 minutes late is still worth delivering.
const (
	backoffBase = time.Second
	backoffCap  = 5 * time.Minute
)

// Backoff returns how long to wait before retry number attempt (1 for the first retry): a uniformly random
// duration in [0, min(5 min, 1 s × 2^(attempt-1))) ("full jitter", so that many senders failing together do
// not retry together), but never less than retryAfter, the server's Retry-After. rnd returns a number in
// [0, 1), such as math/rand/v2.Float64. An attempt below 1 counts as 1.
func Backoff(attempt int, retryAfter time.Duration, rnd func() float64) time.Duration {
	attempt = max(attempt, 1)
	ceiling := backoffCap
	// 1 s << 9 already exceeds the cap; stopping there also keeps the shift from overflowing.
	if attempt <= 9 {
		ceiling = min(backoffCap, backoffBase<<(attempt-1))
	}
	d := time.Duration(rnd() * float64(ceiling))
	return max(d, retryAfter)
}
