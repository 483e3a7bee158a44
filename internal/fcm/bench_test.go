package fcm_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkSendEach500 sends 500 pushes per operation through the real client to the stand-in, which
// answers every request after a fixed delay standing in for FCM's latency. firebase-admin-go's SendEach
// runs 50 requests at a time, so Send gives it 50 per call and makes 16 calls at once: 500 pushes take
// about one round trip, not ten.
func BenchmarkSendEach500(b *testing.B) {
	for _, delay := range []time.Duration{0, 50 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%v", delay), func(b *testing.B) {
			s, standin := mustSender(b)
			standin.SetDelay(delay)
			ps := pushes(500)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				for _, r := range s.Send(ctx, ps) {
					if r.Err != nil {
						b.Fatal(r.Err)
					}
				}
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(500*b.N)/secs, "msgs/s")
			b.ReportMetric(secs*1000/float64(b.N), "ms/batch")
		})
	}
}

// BenchmarkSendConcurrent500 is the same 500 pushes split into calls made concurrently by the caller,
// showing how far throughput scales past SendEach's 50 workers.
func BenchmarkSendConcurrent500(b *testing.B) {
	for _, calls := range []int{2, 5, 10} {
		b.Run(fmt.Sprintf("latency=50ms/calls=%d", calls), func(b *testing.B) {
			s, standin := mustSender(b)
			standin.SetDelay(50 * time.Millisecond)
			ps := pushes(500)
			per := len(ps) / calls
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				var wg sync.WaitGroup
				for c := range calls {
					wg.Go(func() {
						for _, r := range s.Send(ctx, ps[c*per:(c+1)*per]) {
							if r.Err != nil {
								b.Error(r.Err)
							}
						}
					})
				}
				wg.Wait()
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(500*b.N)/secs, "msgs/s")
			b.ReportMetric(secs*1000/float64(b.N), "ms/batch")
		})
	}
}
