package schoolstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"passerelle/internal/errs/wrapcheck"
	"passerelle/school"
	"passerelle/store/schoolstore"
)

func TestExportedMethodsWrapErrors(t *testing.T) {
	wrapcheck.Check(t, []string{"Store", "Prefs"}, nil)
}

// wantOp checks that err names op and still is target.
func wantOp(t *testing.T, err error, op string, target error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q: …", op)
	}
	if !strings.HasPrefix(err.Error(), op+": ") || strings.Count(err.Error(), "schoolstore: ") != 1 {
		t.Errorf("error %q does not begin with %q, once", err, op+": ")
	}
	if !errors.Is(err, target) {
		t.Errorf("errors.Is(%q, %v) = false", err, target)
	}
}

func TestFailuresNameTheirOperation(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		if err := st.SaveSchool(ctx, school.School{FASE: 4242, Name: "École Test"}); err != nil {
			t.Fatal(err)
		}
		canceled, cancel := context.WithCancel(ctx)
		cancel()

		_, err := st.School(canceled, 4242)
		wantOp(t, err, "schoolstore: read school 4242", context.Canceled)
		_, err = st.Rows(canceled, 4242)
		wantOp(t, err, "schoolstore: read rows of school 4242", context.Canceled)
		// Writes in a transaction, which cannot begin.
		_, err = st.SaveRows(canceled, 4242, []school.Row{sampleRow("Dupont", "Anne")})
		wantOp(t, err, "schoolstore: save 1 rows of school 4242", context.Canceled)
		err = st.DeleteSituation(canceled, 4242, 1)
		wantOp(t, err, "schoolstore: delete situation 1 of school 4242", context.Canceled)
		err = st.Prefs().SavePref(canceled, 1, "liste", "{}")
		wantOp(t, err, `schoolstore: save preference "liste" of user 1`, context.Canceled)

		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = st.Schools(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), "schoolstore: list schools: ") {
			t.Errorf("Schools on a closed database: %v, want it named", err)
		}
	})
}

// Refusals are written for people: they keep their French text, unnamed.
func TestRefusalsAreNotNamed(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		_, err := st.School(ctx, 9999)
		if !errors.Is(err, school.ErrNotFound) || err.Error() != "école FASE 9999 : introuvable" {
			t.Errorf("School(9999) = %q, want ErrNotFound as it was", err)
		}
		if _, err := st.CreateUser(ctx, school.User{Login: "direction", Name: "Remy Milord", PasswordHash: "h", Direction: true}); err != nil {
			t.Fatal(err)
		}
		_, err = st.CreateUser(ctx, school.User{Login: "Direction", Name: "Autre", PasswordHash: "h"})
		if !errors.Is(err, school.ErrLoginTaken) || strings.Contains(err.Error(), "schoolstore") {
			t.Errorf("CreateUser with a taken login = %q, want ErrLoginTaken in French only", err)
		}
		_, err = st.CreateUser(ctx, school.User{Login: " "})
		if err == nil || !strings.HasPrefix(err.Error(), "identifiant vide") {
			t.Errorf("CreateUser without a login = %v, want the French refusal as it was", err)
		}
		err = st.SaveSettings(ctx, school.Settings{FASE: 9999, AutoHour: 25})
		if err == nil || !strings.HasPrefix(err.Error(), "heure du transfert automatique") {
			t.Errorf("SaveSettings(hour 25) = %v, want the French refusal as it was", err)
		}
	})
}
