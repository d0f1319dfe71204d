package extranetstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/internal/errs/wrapcheck"
	"passerelle/store/extranetstore"
)

// wrapExceptions are the exported methods that name no operation, and why.
var wrapExceptions = map[string]string{
	// A one-line delegation to Update, which names the transaction's own
	// failures and returns fn's errors as fn returned them.
	"Store.UpdatePortal": "delegates to Update",
}

func TestExportedMethodsWrapErrors(t *testing.T) {
	wrapcheck.Check(t, []string{"Store", "tx"}, wrapExceptions)
}

// wantOp checks that err names op and still is target.
func wantOp(t *testing.T, err error, op string, target error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q: …", op)
	}
	if !strings.HasPrefix(err.Error(), op+": ") {
		t.Errorf("error %q does not begin with %q", err, op+": ")
	}
	if strings.Count(err.Error(), "extranetstore: ") != 1 {
		t.Errorf("error %q names more than one operation", err)
	}
	if !errors.Is(err, target) {
		t.Errorf("errors.Is(%q, %v) = false", err, target)
	}
}

func TestFailuresNameTheirOperation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Test")
		canceled, cancel := context.WithCancel(e.ctx)
		cancel()
		now := e.clock.Now()

		// A read.
		_, err := e.st.School(canceled, 4242)
		wantOp(t, err, "extranetstore: read school 4242", context.Canceled)
		_, err = e.st.YearGrants(canceled, 4242, year)
		wantOp(t, err, "extranetstore: read grants of school 4242 for "+year, context.Canceled)

		// The transaction function itself: it cannot begin.
		called := false
		err = e.st.Update(canceled, now, func(extranet.Tx) error { called = true; return nil })
		wantOp(t, err, "extranetstore: run transaction", context.Canceled)
		if called {
			t.Error("fn ran in a transaction that could not begin")
		}

		// A statement inside a transaction: the method names it, and the
		// transaction passes it on as it is.
		err = e.st.Update(e.ctx, now, func(tx extranet.Tx) error {
			_, err := tx.LockSchool(canceled, 4242)
			return err
		})
		wantOp(t, err, "extranetstore: lock school 4242", context.Canceled)
		err = e.st.Update(e.ctx, now, func(tx extranet.Tx) error {
			return tx.InsertPersons(canceled, []extranet.Person{{ID: extranet.NewID(), LastName: "Dupont", FirstName: "Anne"}})
		})
		wantOp(t, err, "extranetstore: insert 1 persons", context.Canceled)

		// The caller's own error comes back as it was.
		own := errors.New("refused by the caller")
		if err := e.st.UpdatePortal(e.ctx, now, func(extranet.PortalTx) error { return own }); err != own {
			t.Errorf("UpdatePortal returned %#v, want the callback's error itself", err)
		}
		if err := e.st.Update(e.ctx, now, func(extranet.Tx) error { return extranet.ErrAlreadyResolved }); err != extranet.ErrAlreadyResolved {
			t.Errorf("Update returned %#v, want the callback's error itself", err)
		}

		// A closed database.
		if err := e.st.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = e.st.Schools(e.ctx)
		if err == nil || !strings.HasPrefix(err.Error(), "extranetstore: list schools: ") {
			t.Errorf("Schools on a closed database: %v, want it named", err)
		}
	})
}

func TestNotFoundIsNotNamed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, err := e.st.School(e.ctx, 9999)
		if !errors.Is(err, extranet.ErrUnknownSchool) || err.Error() != "FASE 9999 : "+extranet.ErrUnknownSchool.Error() {
			t.Errorf("School(9999) = %q, want the French refusal as it was", err)
		}
		_, err = e.st.Person(e.ctx, "nobody")
		if !errors.Is(err, extranet.ErrNotFound) || !errors.Is(err, errs.ErrNotFound) || err.Error() != "personne nobody : introuvable" {
			t.Errorf("Person(nobody) = %q, want ErrNotFound as it was", err)
		}
		err = e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			_, err := tx.LockSchool(e.ctx, 9999)
			return err
		})
		if !errors.Is(err, extranet.ErrUnknownSchool) || strings.Contains(err.Error(), "extranetstore") {
			t.Errorf("LockSchool(9999) in a transaction = %q, want the French refusal as it was", err)
		}
	})
}

// A driver error keeps its type through the names and marks, so that Update
// still retries a lost race.
func TestRetryableThroughWrap(t *testing.T) {
	lost := func(code string) (err error) {
		defer errs.Wrap(&err, "extranetstore: insert %d persons", 3)
		return &pgconn.PgError{Code: code}
	}
	if !extranetstore.Retryable(errs.Keep(lost("40001"))) {
		t.Error("a named serialization failure is not retried")
	}
	if extranetstore.Retryable(errs.Keep(lost("23503"))) {
		t.Error("a named foreign key violation is retried")
	}
}
