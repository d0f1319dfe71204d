package sqlsession_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/errs/wrapcheck"
	"passerelle/store"
	"passerelle/store/sqlsession"
	"passerelle/web"
)

func TestExportedMethodsWrapErrors(t *testing.T) {
	wrapcheck.Check(t, []string{"Store"}, nil)
}

func TestFailuresNameTheirOperation(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "s.db"), os.DirFS("testdata/migrations"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := sqlsession.New(db)

	// Not found keeps its sentinel.
	if _, err := st.GetSession(ctx, "nope"); !errors.Is(err, web.ErrNoSession) {
		t.Errorf("GetSession(missing) = %v, want web.ErrNoSession", err)
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	now := time.Now()
	for _, test := range []struct {
		op  string
		err error
	}{
		{"sqlsession: create session", st.CreateSession(canceled, web.Session{TokenHash: "h", UserID: "7", Kind: web.KindSchool, Created: now, Expires: now.Add(time.Hour)})},
		{"sqlsession: read session", func() error { _, err := st.GetSession(canceled, "h"); return err }()},
		{"sqlsession: delete school sessions of 1 users", st.DeleteKindSessions(canceled, web.KindSchool, []string{"7"})},
	} {
		if test.err == nil || !strings.HasPrefix(test.err.Error(), test.op+": ") || !errors.Is(test.err, context.Canceled) {
			t.Errorf("got %v, want %q: context canceled", test.err, test.op)
		}
	}
}
