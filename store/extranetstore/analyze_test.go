package extranetstore_test

import (
	"fmt"
	"testing"
	"time"

	"passerelle/wire"
)

// TestStatisticsFollowTheLoad checks that the store refreshes the
// statistics of a looked-up table as its rows grow, and of that table only:
// without them, the lookups of a transfer scan whole tables once the
// September rush has filled them (a re-sync of 1,200 schools went from 28 to
// 6.5 ms a school with them on PostgreSQL; SQLite has none at all until
// ANALYZE; docs/benchmarks.md). A first transfer of 600 persons analyses
// the persons and the grants, not the accounts; the night that gives them
// 600 accounts analyses the accounts, not the persons again.
func TestStatisticsFollowTheLoad(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		analyzed := func(table string) int {
			t.Helper()
			if e.pg {
				return e.count(t, `SELECT analyze_count FROM pg_stat_user_tables WHERE schemaname = 'extranet' AND relname = ?`, table)
			}
			if e.count(t, `SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`) == 0 {
				return 0
			}
			return e.count(t, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = ?`, table)
		}
		waitAnalyzed := func(table string, after int) int {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for {
				if n := analyzed(table); n > after {
					return n
				}
				if time.Now().After(deadline) {
					t.Fatalf("no ANALYZE of %s after 20 s", table)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		e.addSchool(t, 4242, "École")
		snap := wire.Snapshot{SchoolYear: year}
		for k := range 600 {
			snap.Staff = append(snap.Staff, person(fmt.Sprintf("Nom%d", k), "Luc", "1980-05-04", "", fmt.Sprintf("p%d@ecole.be", k), "Enseignant"))
		}
		e.transfer(t, 4242, snap)
		persons := waitAnalyzed("persons", 0)
		waitAnalyzed("grants", 0)
		if n := analyzed("accounts"); n != 0 {
			t.Errorf("accounts analysed (%d) before any was created", n)
		}
		if !e.pg {
			// SQLite keeps no count of its runs: take the persons'
			// statistics away, and see that the night does not write
			// them again.
			if _, err := e.st.DB().Write().Exec(e.ctx, `DELETE FROM sqlite_stat1 WHERE tbl = 'persons'`); err != nil {
				t.Fatal(err)
			}
			persons = 0
		}
		if rep := e.night(t); rep.CreatedAccounts != 600 {
			t.Fatalf("night created %d accounts, want 600", rep.CreatedAccounts)
		}
		waitAnalyzed("accounts", 0)
		if n := analyzed("persons"); n != persons {
			t.Errorf("persons analysed (%d) after a night that added none, %d before", n, persons)
		}
	})
}
