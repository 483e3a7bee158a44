package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// tracingBenchmarks measures what tracing costs: the same GET routes against one service with tracing off
// (no exporter) and one exporting every request (sampler ratio 1) over OTLP/HTTP to a local receiver that
// reads and discards the spans. Both run on the same stack, one after the other; the ratio is the figure.
func tracingBenchmarks(rs *results, st *stack, dur time.Duration, conns int) error {
	var exports, bytes atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	recv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		exports.Add(1)
		bytes.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
	})}
	go func() { _ = recv.Serve(ln) }()
	defer recv.Close()

	off, err := st.startApp("trace-off", nil)
	if err != nil {
		return err
	}
	defer off.stop()
	on, err := st.startApp("trace-on", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + ln.Addr().String(), "OTEL_TRACES_SAMPLER_ARG": "1"})
	if err != nil {
		return err
	}
	var once sync.Once
	stopOn := func() { once.Do(on.stop) }
	defer stopOn()

	note := fmt.Sprintf("GET, %d keep-alive connections, %s per run, client in the same process", conns, dur)
	for _, route := range []struct{ name, path, spans string }{
		{"tracing.readyz", "/readyz", "server span + MongoDB ping + S3 HEAD"},
		{"tracing.get_category", "/v1/categories/road_damage", "server span + one MongoDB find"},
		{"tracing.list_categories", "/v1/categories", "server span only: the catalogue is in memory"},
	} {
		a := load(off.url+route.path, dur, conns)
		a.report(rs, route.name+".off", "req/s", note+"; tracing off; "+route.path)
		b := load(on.url+route.path, dur, conns)
		b.report(rs, route.name+".on", "req/s", note+"; every request traced ("+route.spans+") and exported to a local OTLP/HTTP receiver; "+route.path)
		if a.rps > 0 {
			rs.add(route.name+".ratio_on_to_off", b.rps/a.rps, "ratio", "req/s traced ÷ req/s untraced, "+route.path)
		}
	}
	stopOn() // flush the batch still buffered before counting what arrived
	rs.add("tracing.exports", float64(exports.Load()), "requests", fmt.Sprintf("OTLP export requests received, %d bytes in all", bytes.Load()))
	return nil
}
