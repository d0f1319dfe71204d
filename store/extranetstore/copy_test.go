package extranetstore_test

import (
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store/extranetstore"
)

// TestInsertedRowsReadBack writes persons and grants with every kind of
// value (empty birth dates and matricules, zero and set instants, waiting
// changes), few of them and many: on PostgreSQL, many rows go through COPY
// and few through INSERT. Both must read back as written, on both engines.
func TestInsertedRowsReadBack(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École des Lilas")
		for _, n := range []int{3, 25} {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				copied := extranetstore.CopiedRows()
				year := fmt.Sprintf("%d-%d", 2026+n, 2027+n)
				now := time.Date(2026, 9, 1, 8, 30, 15, 123456000, time.UTC)
				var persons []extranet.Person
				var grants []extranet.Grant
				for i := range n {
					p := extranet.Person{ID: extranet.NewID(), LastName: fmt.Sprintf("Émile%d", i), FirstName: "Zoé",
						IdentityKey: fmt.Sprintf("k%d-%d", n, i), CreatedAt: now, UpdatedAt: now}
					if i%2 == 0 {
						p.BirthDate = "1980-02-29"
						p.Matricule = fmt.Sprintf("m%d-%d", n, i)
					}
					g := extranet.Grant{ID: extranet.NewID(), PersonID: p.ID, FASE: 4242, SchoolYear: year,
						GrantValues: extranet.GrantValues{Role: "Enseignant", Email: fmt.Sprintf("z%d.%d@ecole.be", n, i),
							LastName: p.LastName, FirstName: p.FirstName},
						SentBirthDate: p.BirthDate, SentMatricule: p.Matricule,
						State: extranet.GrantPending, Since: now, Pending: extranet.PendingCreated,
						CreatedAt: now, UpdatedAt: now.Add(time.Second)}
					if i%3 == 0 {
						g.State, g.Pending = extranet.GrantActive, extranet.PendingModified
						g.Next = extranet.GrantValues{Role: "Directeur", Email: g.Email, LastName: g.LastName, FirstName: g.FirstName}
						g.PendingSince = now.Add(time.Minute)
					}
					persons, grants = append(persons, p), append(grants, g)
				}
				err := e.st.Update(e.ctx, now, func(tx extranet.Tx) error {
					if err := tx.InsertPersons(e.ctx, persons); err != nil {
						return err
					}
					return tx.InsertGrants(e.ctx, grants)
				})
				if err != nil {
					t.Fatal(err)
				}
				recs, err := e.st.YearGrants(e.ctx, 4242, year)
				if err != nil {
					t.Fatal(err)
				}
				sort.Slice(recs, func(i, j int) bool { return recs[i].Grant.ID < recs[j].Grant.ID })
				if len(recs) != n {
					t.Fatalf("%d grants read, want %d", len(recs), n)
				}
				for i, r := range recs {
					if !reflect.DeepEqual(normal(r.Grant), normal(grants[i])) {
						t.Errorf("grant %d:\n got %+v\nwant %+v", i, r.Grant, grants[i])
					}
					if !reflect.DeepEqual(normalPerson(r.Person), normalPerson(persons[i])) {
						t.Errorf("person %d:\n got %+v\nwant %+v", i, r.Person, persons[i])
					}
				}
				want := int64(0)
				if e.pg && n >= 16 {
					want = int64(2 * n)
				}
				if got := extranetstore.CopiedRows() - copied; got != want {
					t.Errorf("%d rows copied, want %d", got, want)
				}
			})
		}
	})
}

// normal makes the instants of g comparable whatever their location.
func normal(g extranet.Grant) extranet.Grant {
	g.Since, g.PendingSince, g.CreatedAt, g.UpdatedAt = g.Since.UTC(), g.PendingSince.UTC(), g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return g
}

func normalPerson(p extranet.Person) extranet.Person {
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p
}
