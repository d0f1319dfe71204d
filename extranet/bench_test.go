package extranet

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"passerelle/wire"
)

// The hot path of a transfer without its store: the decision (reconcile) of
// one school of 70 staff, and what surrounds it in Service.Transfer
// (validation, lookups). Run with
//
//	go test -run '^$' -bench Reconcile -benchmem ./extranet

// benchSchool returns a 70-staff snapshot (a tenth without matricule) and,
// as a transfer would read them once the snapshot is applied, its persons
// and grants.
func benchSchool() (wire.Snapshot, []Person, []GrantRecord) {
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	var snap wire.Snapshot
	snap.SchoolYear = "2026-2027"
	var persons []Person
	var grants []GrantRecord
	for k := range 70 {
		e := wire.StaffEntry{
			LastName: fmt.Sprintf("Lefèvre-%d", k), FirstName: "Gaëlle",
			BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 60+k%40, 1+k%12, 1+k%28),
			Email:     fmt.Sprintf("gaelle.lefevre%d@ecole4242.be", k), Role: "Enseignant",
		}
		if k%10 != 0 {
			e.Matricule = "2" + e.BirthDate[2:4] + e.BirthDate[5:7] + e.BirthDate[8:10] + fmt.Sprintf("%04d", k)
		}
		if k == 0 {
			e.Role = "Directeur"
		}
		snap.Staff = append(snap.Staff, e)
		p := Person{
			ID: "p" + strconv.Itoa(k), LastName: e.LastName, FirstName: e.FirstName, BirthDate: e.BirthDate,
			Matricule: e.Matricule, IdentityKey: IdentityKey(e.LastName, e.FirstName, e.BirthDate),
			CreatedAt: now, UpdatedAt: now,
		}
		persons = append(persons, p)
		grants = append(grants, GrantRecord{Person: p, Grant: Grant{
			ID: "g" + strconv.Itoa(k), PersonID: p.ID, FASE: 4242, SchoolYear: snap.SchoolYear,
			GrantValues: GrantValues{Role: e.Role, Email: e.Email, LastName: e.LastName, FirstName: e.FirstName},
			State:       GrantActive, Since: now, CreatedAt: now, UpdatedAt: now,
			// What the school sent, as a transfer records it: a re-send
			// of the same entries changes nothing.
			SentBirthDate: e.BirthDate, SentMatricule: e.Matricule,
		}})
	}
	return snap, persons, grants
}

func BenchmarkReconcile70(b *testing.B) {
	snap, persons, grants := benchSchool()
	now := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	n := 0
	newID := func() string { n++; return "n" + strconv.Itoa(n) }
	churned := snap
	churned.Staff = append([]wire.StaffEntry(nil), snap.Staff...)
	churned.Staff[3].Role = "Directeur"
	churned.Staff[5].Email = "autre@ecole4242.be"
	churned.Staff = append(churned.Staff[:60], churned.Staff[62:]...)
	for _, test := range []struct {
		name    string
		snap    wire.Snapshot
		persons []Person
		grants  []GrantRecord
		want    wire.Counts
	}{
		{"initial", snap, nil, nil, wire.Counts{Created: 70}},
		{"resync", snap, persons, grants, wire.Counts{Unchanged: 70}},
		{"churn", churned, persons, grants, wire.Counts{Modified: 2, Deactivated: 2, Unchanged: 66}},
	} {
		b.Run(test.name, func(b *testing.B) {
			for b.Loop() {
				p := reconcile(reconcileInput{
					Now: now, FASE: 4242, SchoolYear: test.snap.SchoolYear, Snapshot: test.snap,
					Grants: test.grants, Persons: test.persons, NewID: newID,
				})
				if p.Result.Counts != test.want {
					b.Fatalf("counts %+v, want %+v", p.Result.Counts, test.want)
				}
				if test.name == "resync" && len(p.UpdGrants)+len(p.NewGrants)+len(p.NewPersons) > 0 {
					b.Fatalf("a re-send writes %d grants and %d persons", len(p.UpdGrants)+len(p.NewGrants), len(p.NewPersons))
				}
			}
		})
	}
}

// BenchmarkTransferCPU70 is the CPU a transfer spends outside the store:
// validation, lookups and reconcile, for a re-sync of 70 staff.
func BenchmarkTransferCPU70(b *testing.B) {
	snap, persons, grants := benchSchool()
	now := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	for b.Loop() {
		if ps := ValidateSnapshot(snap); len(ps) > 0 {
			b.Fatal(ps)
		}
		look := snapshotLookups(snap)
		p := reconcile(reconcileInput{
			Now: now, FASE: 4242, SchoolYear: snap.SchoolYear, Snapshot: snap,
			Grants: grants, Persons: persons, NewID: NewID, Keys: look.entryKeys,
		})
		if p.Result.Counts.Unchanged != 70 || len(p.UpdGrants) > 0 {
			b.Fatal(p.Result.Counts, len(p.UpdGrants))
		}
	}
}
