package extranetstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// BenchmarkTransfers loads schools of 70 staff (10 % shared with the next
// school) with 32 transfers at a time, then sends them all again, and
// reports records per second and the 99th percentile of one transfer. The
// number of schools is BENCH_SCHOOLS (default 100); the store is postgres
// unless BENCH_STORE=sqlite; BENCH_PAR sets the parallelism (default 32).
//
//	go test -run '^$' -bench Transfers -benchtime 1x ./store/extranetstore
func BenchmarkTransfers(b *testing.B) {
	schools := 100
	if v, err := strconv.Atoi(os.Getenv("BENCH_SCHOOLS")); err == nil && v > 0 {
		schools = v
	}
	url := ""
	if os.Getenv("BENCH_STORE") == "sqlite" {
		url = "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
	} else {
		url = pgtest.URL(b)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		st, err := extranetstore.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
		svc := &extranet.Service{Store: st, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
		snaps := make([]wire.Snapshot, schools)
		for s := range schools {
			fase := 100000 + s + i*schools
			if _, err := svc.AddSchool(ctx, fase, fmt.Sprintf("École %d", fase), "bench"); err != nil {
				b.Fatal(err)
			}
			var staff []wire.StaffEntry
			for k := range 70 {
				owner := s
				if k < 7 {
					owner = (s + 1) % schools // shared with the next school
				}
				staff = append(staff, wire.StaffEntry{
					LastName: fmt.Sprintf("Nom%d-%d", owner, k), FirstName: "Prénom",
					BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 50+k%40, 1+k%12, 1+k%28),
					Email:     fmt.Sprintf("p%d-%d@ecole%d.be", owner, k, s), Role: "Enseignant",
				})
			}
			snaps[s] = wire.Snapshot{SchoolYear: "2026-2027", Staff: staff}
		}
		for _, phase := range []string{"initial", "resync"} {
			start := time.Now()
			lat := make([]time.Duration, schools)
			var wg sync.WaitGroup
			par := 32
			if v, err := strconv.Atoi(os.Getenv("BENCH_PAR")); err == nil && v > 0 {
				par = v
			}
			sem := make(chan struct{}, par)
			for s := range schools {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					t0 := time.Now()
					if _, err := svc.Transfer(ctx, 100000+s+i*schools, snaps[s], extranet.TransferOptions{}); err != nil {
						b.Error(err)
					}
					lat[s] = time.Since(t0)
				}()
			}
			wg.Wait()
			secs := time.Since(start).Seconds()
			slices.Sort(lat)
			b.ReportMetric(float64(schools*70)/secs, phase+"-records/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, phase+"-p99-ms")
		}
		t0 := time.Now()
		rep, err := svc.Night(ctx, now.Add(10*time.Hour), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Activated)/time.Since(t0).Seconds(), "night-grants/s")
		st.Close()
	}
}
