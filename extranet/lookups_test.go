package extranet

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/wire"
)

// TestCandidateLookupsChangeNoAnswer checks that a transfer reads enough:
// on thousands of small random networks (namesakes, persons with and
// without matricules or birth dates, grants under a former spelling, live
// or not), a snapshot naming their people in every way, faulty and untidy
// entries included, reconciles to the same plan whether the persons are
// looked up by every matricule and identity key of the snapshot, or by
// those candidateLookups keeps.
func TestCandidateLookupsChangeNoAnswer(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	narrowed, rejected := 0, 0
	for seed := range 4000 {
		rng := rand.New(rand.NewPCG(uint64(seed), 14))
		world := randomWorld(rng)
		grants := randomGrants(rng, world)
		snap := randomSnapshot(rng, world)
		tr, err := newSchoolTransfer(4242, snap, TransferOptions{DryRun: true}, now)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		holders := randomHolders(rng, world)
		in := func(persons []Person) reconcileInput {
			slices.SortFunc(persons, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
			n := 0
			return reconcileInput{
				Now: now, FASE: 4242, SchoolYear: tr.snap.SchoolYear, Snapshot: tr.snap, Grants: grants,
				Persons: persons, Holders: holders, Keys: tr.look.entryKeys, Faults: tr.faults,
				NewID: func() string { n++; return fmt.Sprintf("new%d", n) },
			}
		}
		full := reconcile(in(findIn(world, tr.look.matricules, tr.look.keys)))

		matricules, keys, known := candidateLookups(tr.snap, tr.look, grants)
		persons := findIn(world, matricules, keys)
		for _, p := range known {
			if !slices.ContainsFunc(persons, func(q Person) bool { return q.ID == p.ID }) {
				persons = append(persons, p)
			}
		}
		got := reconcile(in(persons))
		if !reflect.DeepEqual(got, full) {
			t.Fatalf("seed %d: with the keys %q instead of %q, the plan is\n%+v\nnot\n%+v", seed, keys, tr.look.keys, got, full)
		}
		if len(keys) < len(tr.look.keys) {
			narrowed++
		}
		if full.Result.Counts.Rejected > 0 {
			rejected++
		}
	}
	// The cases must include both what the narrowing skips and what it
	// must not: rejections for ambiguity, birth dates or addresses.
	if narrowed < 1000 || rejected < 1000 {
		t.Fatalf("only %d networks with keys left out, %d with rejections", narrowed, rejected)
	}
}

// findIn is what FindPersons returns from world.
func findIn(world []Person, matricules, keys []string) []Person {
	var out []Person
	for _, p := range world {
		if (p.Matricule != "" && slices.Contains(matricules, p.Matricule)) || (p.IdentityKey != "" && slices.Contains(keys, p.IdentityKey)) {
			out = append(out, p)
		}
	}
	return out
}

var (
	testLasts  = []string{"Dupont", "Martin", "Émile"}
	testFirsts = []string{"Anne", "Luc"}
	testBirths = []string{"1980-01-02", "1975-03-04", ""}
)

func pickOne[T any](rng *rand.Rand, vs []T) T { return vs[rng.IntN(len(vs))] }

// randomWorld returns a few persons: namesakes are frequent, matricules
// unique, and each person has a matricule or a birth date.
func randomWorld(rng *rand.Rand) []Person {
	n := 3 + rng.IntN(8)
	world := make([]Person, 0, n)
	for i := range n {
		p := Person{ID: fmt.Sprintf("p%02d", i), LastName: pickOne(rng, testLasts), FirstName: pickOne(rng, testFirsts), BirthDate: pickOne(rng, testBirths)}
		if p.BirthDate == "" || rng.IntN(3) > 0 {
			p.Matricule = fmt.Sprintf("%011d", 10+i)
		}
		p.IdentityKey = IdentityKey(p.LastName, p.FirstName, p.BirthDate)
		world = append(world, p)
	}
	return world
}

// randomGrants gives some of world a grant at the school, in any state,
// sometimes under another spelling or with another birth date sent.
func randomGrants(rng *rand.Rand, world []Person) []GrantRecord {
	var grants []GrantRecord
	for i, p := range world {
		if rng.IntN(2) == 0 {
			continue
		}
		g := Grant{
			ID: fmt.Sprintf("g%02d", i), PersonID: p.ID, FASE: 4242, SchoolYear: "2026-2027",
			GrantValues:   GrantValues{Role: "Enseignant", Email: fmt.Sprintf("e%d@ecole.be", i), LastName: p.LastName, FirstName: p.FirstName},
			SentBirthDate: p.BirthDate, SentMatricule: p.Matricule,
			State: pickOne(rng, []string{GrantPending, GrantActive, GrantActive, GrantDeactivated}),
		}
		if g.State == GrantPending {
			g.Pending = PendingCreated
		}
		if rng.IntN(4) == 0 {
			g.LastName = pickOne(rng, testLasts)
		}
		if rng.IntN(4) == 0 {
			g.SentBirthDate = pickOne(rng, testBirths)
		}
		grants = append(grants, GrantRecord{Grant: g, Person: p})
	}
	return grants
}

// randomSnapshot names persons of world, or new people, with their
// matricule or not, their birth date, another one or none, and addresses
// that may collide.
func randomSnapshot(rng *rand.Rand, world []Person) wire.Snapshot {
	snap := wire.Snapshot{SchoolYear: "2026-2027"}
	for k := range 1 + rng.IntN(7) {
		p := pickOne(rng, world)
		if rng.IntN(5) == 0 {
			p = Person{LastName: pickOne(rng, testLasts), FirstName: pickOne(rng, testFirsts), BirthDate: pickOne(rng, testBirths)}
			if rng.IntN(2) == 0 {
				p.Matricule = fmt.Sprintf("%011d", 100+k)
			}
		}
		birth, matricule := p.BirthDate, p.Matricule
		if rng.IntN(4) == 0 {
			birth = pickOne(rng, testBirths)
		}
		if rng.IntN(4) == 0 {
			matricule = ""
		}
		if birth == "" && matricule == "" {
			birth = testBirths[0]
		}
		last := p.LastName
		switch rng.IntN(12) {
		case 0:
			last = "  " + last + "  " // cleaned, the same person
		case 1:
			birth = "1980-13-45" // a fault: the entry is rejected
		case 2:
			matricule = "123" // a fault too
		}
		if rng.IntN(6) == 0 {
			snap.Keep = append(snap.Keep, wire.KeepEntry{LastName: last, FirstName: p.FirstName, BirthDate: birth, Matricule: matricule})
			continue
		}
		snap.Staff = append(snap.Staff, wire.StaffEntry{
			LastName: last, FirstName: p.FirstName, BirthDate: birth, Matricule: matricule,
			Email: fmt.Sprintf("e%d@ecole.be", rng.IntN(len(world)+2)), Role: pickOne(rng, []string{"Enseignant", "Directeur"}),
		})
	}
	return snap
}

// randomHolders says that persons of world hold some of the addresses
// elsewhere.
func randomHolders(rng *rand.Rand, world []Person) []EmailHolder {
	var hs []EmailHolder
	for range rng.IntN(3) {
		hs = append(hs, EmailHolder{Email: fmt.Sprintf("e%d@ecole.be", rng.IntN(len(world)+2)), PersonID: pickOne(rng, world).ID})
	}
	return hs
}
