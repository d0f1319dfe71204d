package extranetstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// TestStatisticsFollowTheLoad checks that the store refreshes PostgreSQL's
// statistics as transfers fill the tables: without them, the lookups of a
// transfer scan whole tables once the September rush has filled them (a
// re-sync of 1,200 schools went from 28 to 6.5 ms a school with them;
// docs/benchmarks.md).
func TestStatisticsFollowTheLoad(t *testing.T) {
	ctx := context.Background()
	st, err := extranetstore.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	svc := &extranet.Service{Store: st, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	if _, err := svc.AddSchool(ctx, 4242, "École", "test"); err != nil {
		t.Fatal(err)
	}
	// 400 persons and 400 grants: past the first threshold of 500 rows.
	snap := wire.Snapshot{SchoolYear: "2026-2027"}
	for k := range 400 {
		snap.Staff = append(snap.Staff, wire.StaffEntry{
			LastName: fmt.Sprintf("Nom%d", k), FirstName: "Luc", BirthDate: "1980-05-04",
			Email: fmt.Sprintf("p%d@ecole.be", k), Role: "Enseignant",
		})
	}
	if _, err := svc.Transfer(ctx, 4242, snap, extranet.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		err := st.DB().R.QueryRowContext(ctx,
			`SELECT analyze_count + autoanalyze_count FROM pg_stat_user_tables WHERE schemaname = 'extranet' AND relname = 'persons'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no ANALYZE of persons after 800 rows inserted")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
