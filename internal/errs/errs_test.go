package errs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"passerelle/internal/errs"
)

// failing runs an operation that fails with err, as a store method does.
func failing(err error) (rerr error) {
	defer errs.Wrap(&rerr, "somestore: lock school %d", 4242)
	return err
}

func TestWrap(t *testing.T) {
	refusal := errs.New("école inconnue de l'extranet")
	tests := []struct {
		name string
		err  error
		want string
		is   error
	}{
		{"nil stays nil", nil, "", nil},
		{"a failure is named", context.Canceled, "somestore: lock school 4242: context canceled", context.Canceled},
		{"a wrapped failure is named", fmt.Errorf("scan: %w", sql.ErrNoRows), "somestore: lock school 4242: scan: sql: no rows in result set", sql.ErrNoRows},
		{"not found passes", fmt.Errorf("FASE 4242 : %w", errs.ErrNotFound), "FASE 4242 : introuvable", errs.ErrNotFound},
		{"a refusal passes", refusal, refusal.Error(), refusal},
		{"a refusal with a cause passes", errs.Errorf("adresse illisible : %w", sql.ErrConnDone), "adresse illisible : sql: connection is already closed", sql.ErrConnDone},
		{"a named error passes", failing(context.DeadlineExceeded), "somestore: lock school 4242: context deadline exceeded", context.DeadlineExceeded},
		{"a named error wrapped further passes", fmt.Errorf("lot 3 : %w", failing(context.Canceled)), "lot 3 : somestore: lock school 4242: context canceled", context.Canceled},
		{"a kept error comes back unmarked", errs.Keep(context.Canceled), "context canceled", context.Canceled},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			err := failing(test.err)
			if test.err == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err.Error() != test.want {
				t.Errorf("got %q, want %q", err.Error(), test.want)
			}
			if !errors.Is(err, test.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, test.is)
			}
		})
	}
}

func TestWrapKeepsErrorsAs(t *testing.T) {
	type driverError struct{ error }
	err := failing(&driverError{errors.New("serialization failure")})
	var de *driverError
	if !errors.As(err, &de) {
		t.Fatalf("errors.As(%v, *driverError) = false", err)
	}
}

func TestKeep(t *testing.T) {
	if errs.Keep(nil) != nil {
		t.Error("Keep(nil) != nil")
	}
	err := errs.Keep(errs.Keep(context.Canceled))
	if got := failing(err); got != context.Canceled {
		t.Errorf("a doubly kept error came back as %#v, want context.Canceled itself", got)
	}
}
