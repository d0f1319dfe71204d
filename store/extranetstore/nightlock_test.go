package extranetstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
)

// TestNightLockOutsideThePool: the night run's lock holds its own
// connection, so that even a pool of one (pool_max_conns=1) leaves the
// run's transactions one to work with.
func TestNightLockOutsideThePool(t *testing.T) {
	ctx := context.Background()
	st, err := extranetstore.Open(ctx, pgtest.URL(t)+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	release, err := st.LockNight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := st.Update(tctx, time.Now(), func(tx extranet.Tx) error { return nil }); err != nil {
		t.Errorf("a transaction while the night lock is held, with a pool of one: %v", err)
	}
}

// TestReadyRefusesANewerDatabase: a process older than its database (one
// left running while a newer version migrated it) says so on /readyz
// instead of failing on every request.
func TestReadyRefusesANewerDatabase(t *testing.T) {
	ctx := context.Background()
	st, err := extranetstore.Open(ctx, "sqlite:"+t.TempDir()+"/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if _, err := st.DB().Write().Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future.sql', '2027-01-01T00:00:00.000000Z')`); err != nil {
		t.Fatal(err)
	}
	err = st.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), "version plus récente") {
		t.Fatalf("Ready on a newer database: %v", err)
	}
}
