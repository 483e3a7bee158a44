package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/app"
)

// accessRounds is how many interleaved rounds of each service the access section runs (2 × dur in all).
const accessRounds = 4

// accessResidents is how many residents (each with one report) the access section seeds.
const accessResidents = 1000

// accessCheckBenchmark measures what the per-request account check costs (every access token compared
// with its account, read at most once per account.DefaultStateCacheTTL per replica): a resident's GET
// /v1/reports/{id} on a service with the check beside the same route on a service without it, one after
// the other on one database, in the same run. It runs it for one resident (the account read once per TTL)
// and for accessResidents residents in turn (a read per resident per TTL: the cache's worst case here).
func accessCheckBenchmark(rs *results, st *stack, dur time.Duration, conns int) error {
	with, err := st.startAppWith("access", nil, app.Options{})
	if err != nil {
		return err
	}
	defer with.stop()
	without, err := st.startAppWith("access", nil, app.Options{SkipAccessCheck: true})
	if err != nil {
		return err
	}
	defer without.stop()

	ctx := context.Background()
	mc, err := st.mongo()
	if err != nil {
		return err
	}
	defer mc.Disconnect(ctx)
	col := mc.Database(st.database("access")).Collection("reports")
	ph := photo{bytes: []byte("x"), width: 4000, height: 3000}
	ids, tokens := make([]string, accessResidents), make([]string, accessResidents)
	docs := make([]any, 0, accessResidents)
	for i := range accessResidents {
		ids[i] = fmt.Sprintf("bench-access-%05d", i)
		resident := fmt.Sprintf("bench-access-resident-%05d", i)
		d := reportDoc(ids[i], "originals/bench/p1", ph)
		for j := range d {
			switch d[j].Key {
			case "reporter_id":
				d[j].Value = resident
			case "code":
				d[j].Value = fmt.Sprintf("QN-2612-%05d", i+1)
			}
		}
		docs = append(docs, d)
		if tokens[i], err = residentToken(with.env, resident); err != nil {
			return err
		}
	}
	if _, err := col.InsertMany(ctx, docs); err != nil {
		return fmt.Errorf("seed reports: %w", err)
	}

	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	get := func(base string, i int) error {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/reports/"+ids[i], nil)
		req.Header.Set("Authorization", "Bearer "+tokens[i])
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	note := fmt.Sprintf("GET /v1/reports/{id} as its reporter, %d keep-alive connections, %d interleaved rounds of %s per service, client in the same process; "+
		"%d reports and %d residents in the database; account state cached %s", conns, accessRounds, dur/accessRounds*2, accessResidents, accessResidents, account.DefaultStateCacheTTL)
	for _, run := range []struct {
		name, what string
		pick       func(worker, seq int) int
	}{
		{"access.one_resident", "one resident", func(int, int) int { return 0 }},
		{"access.many_residents", fmt.Sprintf("%d residents in turn", accessResidents),
			func(w, seq int) int { return (w*997 + seq) % accessResidents }},
	} {
		// Interleaved rounds, alternating which service goes first, so that a busy moment of the machine
		// weighs on both.
		var rounds [2][]stats
		bases := []string{without.url, with.url}
		for _, base := range bases {
			for w := range conns { // warm up: connections, and the accounts' first reads
				_ = get(base, run.pick(w, 0))
			}
		}
		for round := range accessRounds {
			for i := range bases {
				k := (i + round) % 2
				rounds[k] = append(rounds[k], drive(conns, dur/accessRounds*2, func(w, seq int) error { return get(bases[k], run.pick(w, seq)) }))
			}
		}
		runs := [2]stats{merge(rounds[0]...), merge(rounds[1]...)}
		runs[0].report(rs, run.name+".without_check", "req/s", note+"; "+run.what+"; service without the account check")
		runs[1].report(rs, run.name+".with_check", "req/s", note+"; "+run.what+"; service with the account check")
		if runs[0].rps > 0 {
			rs.add(run.name+".ratio_with_to_without", runs[1].rps/runs[0].rps, "ratio",
				"req/s with the account check ÷ req/s without it, same route, same data, same run; "+run.what)
		}
	}
	return nil
}
