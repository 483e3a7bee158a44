package httpapi

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/fault"
)

// GetHealth answers while the process serves.
func (s *Server) GetHealth(context.Context, api.GetHealthRequestObject) (api.GetHealthResponseObject, error) {
	return api.GetHealth200JSONResponse{Status: api.Ok}, nil
}

// GetReadiness asks MongoDB and S3 at once, each bounded by two seconds.
func (s *Server) GetReadiness(ctx context.Context, _ api.GetReadinessRequestObject) (api.GetReadinessResponseObject, error) {
	deps := []struct {
		name api.CheckName
		p    Pinger
	}{{api.Mongodb, s.deps.Database}, {api.S3, s.deps.Blobs}}
	checks := make([]api.Check, len(deps))
	var wg sync.WaitGroup
	for i, d := range deps {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			start := time.Now()
			err := d.p.Ping(cctx)
			checks[i] = api.Check{Name: d.name, Ok: err == nil, LatencyMs: float32(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				msg := "does not answer"
				if !errors.Is(err, fault.ErrUnavailable) {
					msg = "answers with an error"
				}
				checks[i].Error = &msg
			}
		})
	}
	wg.Wait()
	for _, c := range checks {
		if !c.Ok {
			return api.GetReadiness503JSONResponse{
				Body:    api.Readiness{Status: api.ReadinessStatusUnavailable, Checks: checks},
				Headers: api.GetReadiness503ResponseHeaders{RetryAfter: int(s.retryAfter / time.Second)},
			}, nil
		}
	}
	return api.GetReadiness200JSONResponse{Status: api.ReadinessStatusReady, Checks: checks}, nil
}
