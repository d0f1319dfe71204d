package extranetstore_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/store/schematest"
	"passerelle/wire"
)

// TestGrantIdentityIsTheSchools checks that a school sees, of its own staff,
// the birth date and matricule it sent, never what another school sent for
// the same person: the shared person record must not leak across schools.
func TestGrantIdentityIsTheSchools(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		e.addSchool(t, 5555, "Institut Sainte-Marie")
		e.addSchool(t, 6666, "Collège Saint-Paul")
		// A sends the matricule; B the same person by names and birth date
		// only; C by matricule only.
		a := person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@ecole.be", "Enseignant")
		b := person("Dupont", "Jean", "1980-05-04", "", "j.dupont@sainte-marie.be", "Directeur")
		c := person("Dupont", "Jean", "", "18005040123", "jean.dupont@saint-paul.be", "Enseignant")
		e.transfer(t, 4242, snapshot(a))
		wantCounts(t, e.transfer(t, 5555, snapshot(b)).Counts, wire.Counts{Created: 1})
		wantCounts(t, e.transfer(t, 6666, snapshot(c)).Counts, wire.Counts{Created: 1})
		if n := e.count(t, `SELECT COUNT(*) FROM persons`); n != 1 {
			t.Fatalf("persons = %d, want 1 (one person, three schools)", n)
		}

		want := func(when string, fase int, birth, matricule string) {
			t.Helper()
			g, ok := e.grants(t, fase)["Dupont Jean"]
			if !ok {
				t.Fatalf("%s: no grant for Jean Dupont at %d", when, fase)
			}
			if g.BirthDate != birth || g.Matricule != matricule {
				t.Errorf("%s: FASE %d sees birth date %q and matricule %q, want %q and %q",
					when, fase, g.BirthDate, g.Matricule, birth, matricule)
			}
		}
		want("first transfers", 4242, "1980-05-04", "18005040123")
		want("first transfers", 5555, "1980-05-04", "")
		want("first transfers", 6666, "", "18005040123")

		// The night run opens the grants; what each school sees stays its own.
		e.night(t)
		want("after the night", 4242, "1980-05-04", "18005040123")
		want("after the night", 5555, "1980-05-04", "")
		want("after the night", 6666, "", "18005040123")

		// B learns the matricule and sends it: nothing to report, but B
		// sees it from now on. A drops it: A no longer sees it.
		b.Matricule = "18005040123"
		wantCounts(t, e.transfer(t, 5555, snapshot(b)).Counts, wire.Counts{Unchanged: 1})
		a.Matricule = ""
		wantCounts(t, e.transfer(t, 4242, snapshot(a)).Counts, wire.Counts{Unchanged: 1})
		want("identity resent", 5555, "1980-05-04", "18005040123")
		want("identity resent", 4242, "1980-05-04", "")
		want("identity resent", 6666, "", "18005040123")

		// A modification records the identity sent with it.
		a.Matricule, a.Role = "18005040123", "Directeur"
		wantCounts(t, e.transfer(t, 4242, snapshot(a)).Counts, wire.Counts{Modified: 1})
		want("modified", 4242, "1980-05-04", "18005040123")

		// Re-sending the same snapshots writes nothing.
		var before string
		if err := e.st.DB().Read().QueryRow(e.ctx, `SELECT MAX(updated_at) FROM grants`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(e.clock.Now().Add(time.Second))
		e.transfer(t, 4242, snapshot(a))
		e.transfer(t, 5555, snapshot(b))
		e.transfer(t, 6666, snapshot(c))
		var after string
		if err := e.st.DB().Read().QueryRow(e.ctx, `SELECT MAX(updated_at) FROM grants`).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("re-sent snapshots updated grants: %s → %s", before, after)
		}
	})
}

// TestGrantIdentityBackfill checks migration 003 on grants written before
// it: the birth date comes from the person, the matricule stays unknown
// until the school's next transfer sends it.
func TestGrantIdentityBackfill(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		backfill(t, "sqlite:"+filepath.Join(t.TempDir(), "extranet.db"), false)
	})
	t.Run("postgres", func(t *testing.T) {
		backfill(t, pgtest.URL(t), true)
	})
}

func backfill(t *testing.T, url string, pg bool) {
	// The database as it was before migration 003.
	old := migrationsBefore(t, 3)
	db, err := store.Open(t.Context(), url, old, store.Options{Schema: extranetstore.Schema})
	if err != nil {
		t.Fatal(err)
	}
	const at = "2026-11-26T17:03:00.000000Z"
	for _, q := range []string{
		`INSERT INTO schools (fase, name, created_at, updated_at) VALUES (4242, 'École Saint-Joseph', '` + at + `', '` + at + `')`,
		`INSERT INTO schools (fase, name, created_at, updated_at) VALUES (5555, 'Institut Sainte-Marie', '` + at + `', '` + at + `')`,
		`INSERT INTO persons (id, last_name, first_name, birth_date, matricule, identity_key, created_at, updated_at)
		 VALUES ('p1', 'Dupont', 'Jean', '1980-05-04', '18005040123', '` + extranet.IdentityKey("Dupont", "Jean", "1980-05-04") + `', '` + at + `', '` + at + `')`,
		`INSERT INTO persons (id, last_name, first_name, birth_date, matricule, identity_key, created_at, updated_at)
		 VALUES ('p2', 'Martin', 'Luc', '', '17501310123', '', '` + at + `', '` + at + `')`,
	} {
		if _, err := db.W.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, g := range []struct{ id, person, email string }{
		{"g1", "p1", "jean.dupont@ecole.be"}, {"g2", "p2", "luc.martin@ecole.be"},
	} {
		for _, fase := range []string{"4242", "5555"} {
			q := `INSERT INTO grants (id, person_id, fase, school_year, role, email, last_name, first_name, state, since, created_at, updated_at)
			 SELECT '` + g.id + `-` + fase + `', id, ` + fase + `, '` + year + `', 'Enseignant', '` + fase + `.` + g.email + `',
			 last_name, first_name, 'pending', '` + at + `', '` + at + `', '` + at + `' FROM persons WHERE id = '` + g.person + `'`
			if _, err := db.W.ExecContext(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	db.Close()

	e := newEnv(t, url, pg)
	for _, fase := range []int{4242, 5555} {
		g := e.grants(t, fase)
		if d := g["Dupont Jean"]; d.BirthDate != "1980-05-04" || d.Matricule != "" {
			t.Errorf("FASE %d, Dupont after the migration: %+v", fase, d)
		}
		if m := g["Martin Luc"]; m.BirthDate != "" || m.Matricule != "" {
			t.Errorf("FASE %d, Martin after the migration: %+v", fase, m)
		}
	}
	// The next transfer of 4242 records what it sends, without a change to
	// report; 5555 still sees nothing of it.
	r := e.transfer(t, 4242, snapshot(
		person("Dupont", "Jean", "1980-05-04", "18005040123", "4242.jean.dupont@ecole.be", "Enseignant"),
		person("Martin", "Luc", "", "17501310123", "4242.luc.martin@ecole.be", "Enseignant"),
	))
	wantCounts(t, r.Counts, wire.Counts{Unchanged: 2})
	if d := e.grants(t, 4242)["Dupont Jean"]; d.BirthDate != "1980-05-04" || d.Matricule != "18005040123" {
		t.Errorf("4242 after its transfer: %+v", d)
	}
	if d := e.grants(t, 5555)["Dupont Jean"]; d.Matricule != "" {
		t.Errorf("5555 sees the matricule 4242 sent: %+v", d)
	}
}

// migrationsBefore returns the store's migrations numbered below n.
func migrationsBefore(t *testing.T, n int) fs.FS {
	return schematest.Upto(t, os.DirFS("migrations"), n-1)
}
