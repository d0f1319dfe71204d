package extranetstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// attemptCounter counts the attempts of the store's transactions: a
// transaction run again after a conflict counts twice.
type attemptCounter struct {
	extranet.Store
	attempts atomic.Int64
}

func (c *attemptCounter) Update(ctx context.Context, now time.Time, fn func(extranet.Tx) error) error {
	return c.Store.Update(ctx, now, func(tx extranet.Tx) error {
		c.attempts.Add(1)
		return fn(tx)
	})
}

// TestSchoolsCreatingTheSamePersonsAtOnce sends, all at once, the first
// snapshot of schools that share the same new persons, with and without
// matricule. Each person must be created once, and no transfer may have to
// be run again (which, repeated, reaches the school as an internal error).
func TestSchoolsCreatingTheSamePersonsAtOnce(t *testing.T) {
	ctx := context.Background()
	st, err := extranetstore.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	counter := &attemptCounter{Store: st}
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	svc := &extranet.Service{Store: counter, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}

	const schools, shared, own = 24, 12, 4
	snaps := make([]wire.Snapshot, schools)
	for s := range schools {
		fase := 5000 + s
		if _, err := svc.AddSchool(ctx, fase, fmt.Sprintf("École %d", fase), "test"); err != nil {
			t.Fatal(err)
		}
		snaps[s].SchoolYear = "2026-2027"
		for k := range shared + own {
			name := fmt.Sprintf("Partagé%d", k)
			if k >= shared {
				name = fmt.Sprintf("Propre%d-%d", s, k)
			}
			e := wire.StaffEntry{
				LastName: name, FirstName: "Gaëlle", BirthDate: fmt.Sprintf("1980-01-%02d", 1+k),
				Email: fmt.Sprintf("p%d@ecole%d.be", k, fase), Role: "Enseignant",
			}
			if k%2 == 0 && k < shared {
				e.Matricule = fmt.Sprintf("2800101%04d", k)
			}
			snaps[s].Staff = append(snaps[s].Staff, e)
		}
	}
	counter.attempts.Store(0)

	start := make(chan struct{})
	errs := make([]error, schools)
	var wg sync.WaitGroup
	for s := range schools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[s] = svc.Transfer(ctx, 5000+s, snaps[s], extranet.TransferOptions{})
		}()
	}
	close(start)
	wg.Wait()
	for s, err := range errs {
		if err != nil {
			t.Errorf("FASE %d: %v", 5000+s, err)
		}
	}
	if n := counter.attempts.Load(); n != schools {
		t.Errorf("%d transaction attempts for %d transfers: some were run again", n, schools)
	}
	v, err := st.BenchInvariants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Persons != shared+schools*own || v.DuplicatePersons != 0 || v.GrantsPending != schools*(shared+own) {
		t.Errorf("%d persons (%d duplicated), %d grants; want %d persons, %d grants",
			v.Persons, v.DuplicatePersons, v.GrantsPending, shared+schools*own, schools*(shared+own))
	}
}
