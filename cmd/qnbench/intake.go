package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/quangninh/feedback/internal/app"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// submitter posts multipart reports, each with a fresh Idempotency-Key, as resident <worker>.
type submitter struct {
	client *http.Client
	url    string
	ct     string
	body   []byte
	tokens []string // one resident per worker
	run    string   // makes keys unique across runs
}

func newSubmitter(base string, env map[string]string, run string, conns int, ct string, body []byte) (*submitter, error) {
	s := &submitter{
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 2 * time.Minute},
		url:    base + "/v1/reports", ct: ct, body: body, run: run,
	}
	for w := range conns {
		tok, err := residentToken(env, fmt.Sprintf("bench-%s-resident-%03d", run, w))
		if err != nil {
			return nil, err
		}
		s.tokens = append(s.tokens, tok)
	}
	return s, nil
}

// submit sends one report; nil only for 201 Created.
func (s *submitter) submit(worker, seq int) error {
	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(s.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", s.ct)
	req.Header.Set("Authorization", "Bearer "+s.tokens[worker])
	req.Header.Set("Idempotency-Key", fmt.Sprintf("%s-%03d-%06d", s.run, worker, seq))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("HTTP %d %.100s", resp.StatusCode, b)
	}
	return nil
}

func (s *submitter) close() { s.client.CloseIdleConnections() }

// intakeBenchmarks measures report intake (issue 4) through the whole service beside the raw storage work
// it cannot avoid: one S3 PutObject of the same bytes plus one MongoDB InsertOne of a report-like document,
// at the same concurrency against the same servers.
//
// The service runs once, for dur, its dispatcher and photo worker working as they would; the baseline runs
// for dur before it and dur after it (the service stopped), and its figure sums both. Each of the three
// starts from the same page cache (settlePageCache): on this VM, writing gigabytes into pages the guest
// had never touched slowed everything by a third (the baseline, run six times 15 s back to back, measured
// 99, 106, 80, 66 ops/s, then 92 and 107 right after the page cache was dropped; 2026-11-25), so a phase
// run after another ran on a slower machine. Bracketing cancels what drift is left.
func intakeBenchmarks(rs *results, st *stack, ph photo, dur time.Duration, conns int) error {
	ctx := context.Background()
	common := fmt.Sprintf("1 photo per report: %s; %d concurrent clients; everything on this machine (client, service, FerretDB, versitygw)", ph, conns)
	mc, err := st.mongo()
	if err != nil {
		return err
	}
	defer mc.Disconnect(ctx)
	base, err := newBaseline(ctx, st, mc, ph)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	var settled string
	baseCPU := map[string]int64{}
	var baseTime time.Duration
	measureBaseline := func() stats {
		settled = settlePageCache()
		c0, t0 := cpuTicks(), time.Now()
		s := drive(conns, dur, base)
		addTicks(baseCPU, c0, cpuTicks())
		baseTime += time.Since(t0)
		return s
	}
	before := measureBaseline()

	// Each submitter is one resident sending a report after another: their quotas are lifted (still counted).
	cmds := &commandCounts{}
	svc, err := st.startAppWith("intake", map[string]string{"RESIDENT_REPORTS_PER_HOUR": "1000000", "RESIDENT_REPORTS_PER_DAY": "1000000"},
		app.Options{Commands: cmds.monitor()})
	if err != nil {
		return err
	}
	defer svc.stop()
	ct, body := reportBody(ph.bytes)
	sub, err := newSubmitter(svc.url, svc.env, "intake", conns, ct, body)
	if err != nil {
		return err
	}
	defer sub.close()
	if err := sub.submit(0, -1); err != nil { // fail fast, and create the collections
		return fmt.Errorf("first report: %w", err)
	}
	settlePageCache()
	cmds.reset()
	c0, t0 := cpuTicks(), time.Now()
	// Every second: taking all goroutines' stacks stops the world and walks every stack, CPU the service's
	// own figure pays for (at every 100 ms, 10% of the process's CPU). 30 samples of 32 submissions suffice.
	smp := sampleStages(time.Second)
	s := drive(conns, dur, sub.submit)
	sent := cmds.snapshot()
	top, share, where := smp.summary()
	cpu := cpuUse(c0, cpuTicks(), time.Since(t0))
	pending, berr := mc.Database(st.database("intake")).Collection("outbox").CountDocuments(ctx, bson.D{})
	reports, ready, perr := photoProgress(ctx, mc, st.database("intake"))
	svc.stop()

	after := measureBaseline()
	baseAll := merge(before, after)
	baseAll.report(rs, "intake.baseline", "ops/s", fmt.Sprintf("raw minio-go PutObject of the same bytes + 1 mongo-driver InsertOne of a report-like document (~1 KB), straight to versitygw and FerretDB; %s; %s before the service's run (%.1f ops/s) and %s after it (%.1f ops/s); %s; %s", common, dur, before.rps, dur, after.rps, settled, cpuUse(map[string]int64{}, baseCPU, baseTime)))
	s.report(rs, "intake.report", "reports/s", "POST /v1/reports multipart (report JSON + 1 photo part), fresh Idempotency-Key each, 1 resident per client: HTTP → spool to disk with an XXH3-128 digest → S3 PUT → MongoDB: the report number ($inc), the report, its push hint, its agency's queue entry and its photo job, all before the answer; all reports land in one agency, Phường Bãi Cháy; the service's photo worker runs in the same process meanwhile (realistic); "+common+"; for "+dur.String()+"; "+settled+"; "+cpu)
	rs.add("intake.report.upload_rate", s.rps*float64(len(body))/(1<<20), "MiB/s", fmt.Sprintf("request bodies accepted per second (%d bytes each)", len(body)))
	if baseAll.rps > 0 {
		rs.add("intake.report.ratio_to_baseline", s.rps/baseAll.rps, "ratio", fmt.Sprintf("reports/s ÷ baseline ops/s (the baseline's runs before and after the service's together), same photo and concurrency (goal ≥ 0.7); against the run before alone %.2f, after alone %.2f", s.rps/before.rps, s.rps/after.rps))
	}
	if s.ok > 0 {
		rs.add("intake.report.commands_per_report", float64(sent.total())/float64(s.ok), "commands", "MongoDB commands the service sent during the run per report stored (the dispatcher's and the photo worker's included): "+sent.perOp(s.ok))
	}
	rs.add("intake.report.top_step_share", share, "%", "share of in-flight submission time spent in "+top+"; "+where)
	if err := codeNumberDiag(rs, st, 3*time.Second, conns); err != nil {
		return fmt.Errorf("code-number diagnosis: %w", err)
	}
	if berr == nil && perr == nil && reports > 0 {
		rs.add("intake.dispatch.backlog_at_end", float64(pending), "notifications", fmt.Sprintf("outbox hints not yet sent when the run ended, of %d reports stored (each has one, its \"received\" push to the agency's officers): what the dispatcher (PUSH_BATCH %s) had not caught up with; the tickets are in their queue already", reports, orDefault(svc.env["PUSH_BATCH"], "500")))
	}
	if perr == nil && reports > 0 {
		rs.add("intake.worker.derived_during_run", float64(ready), "reports", fmt.Sprintf("of %d reports stored by the end of the run, this many had their photo derivatives made by the (sequential) worker that shared the CPU", reports))
	}
	return nil
}

// addTicks adds the CPU ticks each process used between before and after to sum.
func addTicks(sum, before, after map[string]int64) {
	for k, v := range after {
		sum[k] += v - before[k]
	}
}

// newBaseline returns the raw storage work of one report: a PutObject and an InsertOne.
func newBaseline(ctx context.Context, st *stack, mc *mongo.Client, ph photo) (func(worker, seq int) error, error) {
	s3, err := minio.New(st.srv.S3Endpoint, &minio.Options{Creds: credentials.NewStaticV4(st.srv.S3AccessKey, st.srv.S3SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		return nil, err
	}
	const bucket = "bench-baseline"
	if err := s3.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		return nil, err
	}
	col := mc.Database(st.database("baseline")).Collection("reports")
	op := func(int, int) error {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		key := "originals/" + id + "/p1"
		if _, err := s3.PutObject(ctx, bucket, key, bytes.NewReader(ph.bytes), int64(len(ph.bytes)), minio.PutObjectOptions{ContentType: "image/jpeg"}); err != nil {
			return err
		}
		_, err := col.InsertOne(ctx, reportDoc(id, key, ph))
		return err
	}
	if err := op(0, 0); err != nil { // creates the collection
		return nil, err
	}
	return op, nil
}

// reportDoc is shaped like the service's stored report (same fields, one photo, two timeline events).
func reportDoc(id, key string, ph photo) bson.D {
	now := time.Now()
	return bson.D{
		{Key: "_id", Value: id}, {Key: "code", Value: "QN-2604-00001"}, {Key: "reporter_id", Value: "bench-baseline-resident"},
		{Key: "category", Value: "road_damage"}, {Key: "description", Value: "Ổ gà lớn giữa đường, xe máy dễ ngã khi trời tối."},
		{Key: "location", Value: bson.D{{Key: "lat", Value: 20.955}, {Key: "lng", Value: 107.045}, {Key: "accuracy_m", Value: 8.0}, {Key: "source", Value: "device"}}},
		{Key: "publish_consent", Value: false},
		{Key: "photos", Value: bson.A{bson.D{{Key: "id", Value: "p1"}, {Key: "original_key", Value: key}, {Key: "content_type", Value: "image/jpeg"},
			{Key: "size", Value: int64(len(ph.bytes))}, {Key: "digest", Value: "0f1e2d3c4b5a69788796a5b4c3d2e1f0"},
			{Key: "width", Value: ph.width}, {Key: "height", Value: ph.height}, {Key: "state", Value: "processing"}}}},
		{Key: "status", Value: "received"},
		{Key: "routing", Value: bson.D{{Key: "agency_id", Value: "ubnd-06673"}, {Key: "rule", Value: "commune_polygon"}, {Key: "reason", Value: "Inside Phường Bãi Cháy"}}},
		{Key: "timeline", Value: bson.A{
			bson.D{{Key: "at", Value: now}, {Key: "action", Value: "received"}, {Key: "actor_role", Value: "resident"}, {Key: "to", Value: "received"}, {Key: "note", Value: "Report received"}},
			bson.D{{Key: "at", Value: now}, {Key: "action", Value: "routed"}, {Key: "actor_role", Value: "system"}, {Key: "agency_id", Value: "ubnd-06673"}, {Key: "note", Value: "Inside Phường Bãi Cháy"}},
		}},
		{Key: "followers", Value: bson.A{}}, {Key: "cell", Value: "13970:71363"}, {Key: "agency_id", Value: "ubnd-06673"},
		{Key: "created_at", Value: now}, {Key: "updated_at", Value: now}, {Key: "version", Value: int64(1)},
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// settlePageCache writes back dirty pages and drops the clean page cache (as root), so that each measured
// phase starts from the same memory: on a VM, pages the guest never touched cost the host a fault on first
// use, and a phase that writes gigabytes after another ran slower. It says what it did, for the notes.
func settlePageCache() string {
	syscall.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err != nil {
		return "page cache not dropped before each phase (" + err.Error() + ")"
	}
	return "page cache dropped before each phase"
}
