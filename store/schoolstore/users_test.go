package schoolstore_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"passerelle/school"
	"passerelle/store/schoolstore"
)

func TestUserAdministration(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		dir, err := st.CreateUser(ctx, school.User{Login: "direction", Name: "Remy Milord", PasswordHash: "h", Direction: true})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := st.CreateUser(ctx, school.User{Login: "secretariat", Name: "Secrétariat", PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		users, err := st.Users(ctx)
		if err != nil || len(users) != 2 || users[0].Login != "direction" || users[1].Login != "secretariat" {
			t.Fatalf("Users = %+v, %v", users, err)
		}
		// The last direction user keeps the right and stays.
		if err := st.UpdateUser(ctx, school.User{ID: dir.ID, Name: dir.Name}); !errors.Is(err, school.ErrLastDirection) {
			t.Fatalf("taking the last direction right: %v", err)
		}
		if err := st.DeleteUser(ctx, dir.ID); !errors.Is(err, school.ErrLastDirection) {
			t.Fatalf("deleting the last direction user: %v", err)
		}
		if err := st.UpdateUser(ctx, school.User{ID: sec.ID, Name: "Anne Secrétaire", Direction: true}); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.UserByID(ctx, sec.ID); got.Name != "Anne Secrétaire" || !got.Direction || got.PasswordHash != "h" {
			t.Fatalf("after UpdateUser: %+v", got)
		}
		// Now there are two: one may go, with its sessions and preferences.
		if err := st.Prefs().SavePref(ctx, dir.ID, "columns", `["nom"]`); err != nil {
			t.Fatal(err)
		}
		_, err = st.DB().Write().Exec(ctx, `INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			"h", strconv.FormatInt(dir.ID, 10), "school", "c", "2026-11-26T00:00:00.000000Z", "2026-11-27T00:00:00.000000Z")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteUser(ctx, dir.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UserByID(ctx, dir.ID); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("deleted user still there: %v", err)
		}
		if n := countRows(t, st, `SELECT COUNT(*) FROM sessions`) + countRows(t, st, `SELECT COUNT(*) FROM user_prefs`); n != 0 {
			t.Fatalf("%d sessions and preferences left", n)
		}
		if err := st.DeleteUser(ctx, 9999); !errors.Is(err, school.ErrNotFound) && !errors.Is(err, school.ErrLastDirection) {
			t.Fatalf("DeleteUser(missing) = %v", err)
		}
		if err := st.UpdateUser(ctx, school.User{ID: 9999, Direction: true}); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("UpdateUser(missing) = %v", err)
		}
	})
}

func TestDeleteSituation(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		for _, fase := range []int{5342, 17} {
			if err := st.SaveSchool(ctx, school.School{FASE: fase, Name: "École"}); err != nil {
				t.Fatal(err)
			}
		}
		a := sampleRow("Brocar", "Pascale")
		saved, err := st.SaveRows(ctx, 5342, []school.Row{a})
		if err != nil {
			t.Fatal(err)
		}
		first := saved[0]
		// A second situation of the same member.
		second := first
		second.Situation.ID = 0
		second.Situation.Function = "PRIM"
		saved, err = st.SaveRows(ctx, 5342, []school.Row{second})
		if err != nil {
			t.Fatal(err)
		}
		second = saved[0]
		// Another school cannot delete it.
		if err := st.DeleteSituation(ctx, 17, first.Situation.ID); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("delete from another school: %v", err)
		}
		if err := st.DeleteSituation(ctx, 5342, first.Situation.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Row(ctx, 5342, first.Situation.ID); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("deleted situation still there: %v", err)
		}
		if n := countRows(t, st, `SELECT COUNT(*) FROM members`); n != 1 {
			t.Fatalf("members = %d, want 1 (the member keeps a situation)", n)
		}
		if err := st.DeleteSituation(ctx, 5342, second.Situation.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, st, `SELECT COUNT(*) FROM members`); n != 0 {
			t.Fatalf("members = %d, want 0 (no situation left)", n)
		}
		if err := st.DeleteSituation(ctx, 5342, second.Situation.ID); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}

func countRows(t *testing.T, st *schoolstore.Store, q string) int {
	t.Helper()
	var n int
	if err := st.DB().Read().QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
