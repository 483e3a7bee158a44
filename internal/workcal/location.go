package workcal

import (
	"sync"
	"time"
	_ "time/tzdata" // the binary carries the zone database, so deployments need no tzdata package
)

// Location returns Asia/Ho_Chi_Minh, in which all working time is counted. Should the zone
// database still be unavailable, it returns a fixed UTC+7 zone, which has been Vietnam's offset
// without daylight saving since 1975.
func Location() *time.Location { return vietnam() }

var vietnam = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*60*60)
})
