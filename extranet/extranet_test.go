package extranet

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/wire"
)

func TestNextNight(t *testing.T) {
	bx := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, frtext.Brussels)
	}
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	for _, test := range []struct {
		name string
		at   time.Time
		want time.Time // as an instant
	}{
		{"winter evening", bx(2026, time.November, 26, 18, 3), utc(2026, time.November, 27, 1)},
		{"just before", bx(2026, time.November, 27, 1, 59), utc(2026, time.November, 27, 1)},
		{"at the night itself", bx(2026, time.November, 27, 2, 0), utc(2026, time.November, 28, 1)},
		{"summer", bx(2026, time.July, 10, 10, 0), utc(2026, time.July, 11, 0)},
		{"year end", bx(2026, time.December, 31, 23, 0), utc(2027, time.January, 1, 1)},
		// Clocks jump from 02:00 to 03:00 on 29 March 2026: the night is
		// the jump, 01:00 UTC, shown 03:00 CEST.
		{"spring forward", bx(2026, time.March, 28, 12, 0), utc(2026, time.March, 29, 1)},
		{"after the spring jump", utc(2026, time.March, 29, 1).Add(time.Second), utc(2026, time.March, 30, 0)},
		// Clocks go back from 03:00 to 02:00 on 25 October 2026: the first
		// 02:00 (CEST, 00:00 UTC).
		{"fall back", bx(2026, time.October, 24, 12, 0), utc(2026, time.October, 25, 0)},
		{"between the two 02:00", utc(2026, time.October, 25, 0).Add(30 * time.Minute), utc(2026, time.October, 26, 1)},
		{"day after fall back", bx(2026, time.October, 25, 12, 0), utc(2026, time.October, 26, 1)},
		{"UTC input", utc(2026, time.November, 26, 23), utc(2026, time.November, 27, 1)},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := NextNight(test.at)
			if !got.Equal(test.want) {
				t.Fatalf("NextNight(%v) = %v (%v), want %v", test.at, got, got.UTC(), test.want)
			}
			if !got.After(test.at) {
				t.Fatalf("not after %v", test.at)
			}
			if got.Location() != frtext.Brussels {
				t.Fatalf("location = %v", got.Location())
			}
		})
	}
	if got := NextNight(time.Date(2026, 11, 26, 18, 3, 0, 0, frtext.Brussels)).Format(time.RFC3339); got != "2026-11-27T02:00:00+01:00" {
		t.Fatalf("formatted = %s", got)
	}
}

func TestLogin(t *testing.T) {
	for _, test := range []struct {
		p    Person
		want string
	}{
		{Person{LastName: "Dupont", FirstName: "Jean", BirthDate: "1974-02-28"}, "jean.dupont.280274"},
		{Person{LastName: "D'Hoore-Van Damme", FirstName: "Gaëlle Marie", BirthDate: "2001-12-03"}, "gaellemarie.dhoorevandamme.031201"},
		{Person{LastName: "Cœur", FirstName: "Zoé", Matricule: "28005040123"}, "zoe.coeur.040580"},
		{Person{LastName: "Иванов", FirstName: "Анна", BirthDate: "1990-01-02"}, "prenom.nom.020190"},
	} {
		if got := LoginBase(test.p); got != test.want {
			t.Errorf("LoginBase(%+v) = %q, want %q", test.p, got, test.want)
		}
	}
	taken := map[string]bool{}
	for _, want := range []string{"jean.dupont.280274", "jean.dupont.280274.2", "jean.dupont.280274.3"} {
		l := Login("jean.dupont.280274", taken)
		if l != want {
			t.Fatalf("Login = %q, want %q", l, want)
		}
		taken[l] = true
	}
	delete(taken, "jean.dupont.280274.2")
	if l := Login("jean.dupont.280274", taken); l != "jean.dupont.280274.2" {
		t.Fatalf("a freed suffix is reused first: %q", l)
	}
}

func TestIdentityKey(t *testing.T) {
	a := IdentityKey("D'Hoore", "Gaëlle-Marie", "1980-05-04")
	b := IdentityKey("  d hoore ", "GAELLE marie", "1980-05-04")
	if a != b || a == "" {
		t.Fatalf("%q ≠ %q", a, b)
	}
	if IdentityKey("Dupont", "Jean", "") != "" {
		t.Fatal("names alone must not make a key")
	}
	if IdentityKey("Dupont", "Jean", "1980-05-04") == IdentityKey("Dupont", "Jeanne", "1980-05-04") {
		t.Fatal("different first names share a key")
	}
}

func TestValidateSnapshot(t *testing.T) {
	good := wire.StaffEntry{LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04", Email: "jean@ecole.be", Role: "Enseignant"}
	for _, test := range []struct {
		name   string
		snap   wire.Snapshot
		fields []string
	}{
		{"valid", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{good}}, nil},
		{"matricule only", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{{LastName: "A", FirstName: "B", Matricule: "18005040123", Email: "a@b.be", Role: "X"}}}, nil},
		{"empty snapshot", wire.Snapshot{SchoolYear: "2026-2027"}, nil},
		{"year missing", wire.Snapshot{}, []string{"schoolYear"}},
		{"year not consecutive", wire.Snapshot{SchoolYear: "2026-2028"}, []string{"schoolYear"}},
		{"year with slash", wire.Snapshot{SchoolYear: "2026/2027"}, []string{"schoolYear"}},
		{"negative confirmation", wire.Snapshot{SchoolYear: "2026-2027", ConfirmDeactivations: -1}, []string{"confirmDeactivations"}},
		{"entry", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{good, {LastName: " ", FirstName: "Jean", BirthDate: "04/05/1980", Matricule: "123", Email: "jean@", Role: ""}}},
			[]string{"staff[1].lastName", "staff[1].birthDate", "staff[1].matricule", "staff[1].email", "staff[1].role"}},
		{"no way to recognise", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{{LastName: "A", FirstName: "B", Email: "a@b.be", Role: "Enseignant"}}},
			[]string{"staff[0].birthDate"}},
		{"impossible date", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{{LastName: "A", FirstName: "B", BirthDate: "1980-02-30", Email: "a@b.be", Role: "Enseignant"}}},
			[]string{"staff[0].birthDate"}},
		{"control character", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{{LastName: "A\x00", FirstName: "B", BirthDate: "1980-02-03", Email: "a@b.be", Role: "Enseignant"}}},
			[]string{"staff[0].lastName"}},
		{"keep", wire.Snapshot{SchoolYear: "2026-2027", Keep: []wire.KeepEntry{{LastName: "A"}}}, []string{"keep[0].firstName", "keep[0].birthDate"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			ps := ValidateSnapshot(test.snap)
			var fields []string
			for _, p := range ps {
				fields = append(fields, p.Field)
				if p.Message == "" {
					t.Errorf("empty message for %s", p.Field)
				}
				if strings.HasPrefix(p.Field, "staff[") || strings.HasPrefix(p.Field, "keep[") {
					// The school's secretary reads it: it says where to
					// correct the entry.
					if !strings.HasSuffix(p.Message, inFiche) {
						t.Errorf("%s: %q does not say what to fix", p.Field, p.Message)
					}
					if !strings.Contains(p.Field, fmt.Sprintf("[%d]", p.Index)) {
						t.Errorf("index %d for %s", p.Index, p.Field)
					}
				} else if p.Index != -1 {
					t.Errorf("index %d for snapshot field %s", p.Index, p.Field)
				}
			}
			if strings.Join(fields, ",") != strings.Join(test.fields, ",") {
				t.Fatalf("fields = %v, want %v (%+v)", fields, test.fields, ps)
			}
		})
	}
	ve := &ValidationError{Problems: ValidateSnapshot(wire.Snapshot{})}
	if !strings.Contains(ve.Error(), "schoolYear") {
		t.Fatalf("Error() = %q", ve.Error())
	}
}

// state builds a school's grants for reconcile tests.
type state struct {
	persons []Person
	grants  []GrantRecord
}

func (s *state) add(last, first, birth, matricule, email, role, st string) {
	p := Person{ID: NewID(), LastName: last, FirstName: first, BirthDate: birth, Matricule: matricule, IdentityKey: IdentityKey(last, first, birth)}
	s.persons = append(s.persons, p)
	s.grants = append(s.grants, GrantRecord{Person: p, Grant: Grant{ID: NewID(), PersonID: p.ID, FASE: 1, SchoolYear: "2026-2027",
		GrantValues: GrantValues{Role: role, Email: email, LastName: last, FirstName: first}, SentBirthDate: birth, SentMatricule: matricule, State: st}})
}

func (s *state) reconcile(snap wire.Snapshot) plan {
	snap.SchoolYear = "2026-2027"
	return reconcile(reconcileInput{Now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC), FASE: 1, SchoolYear: "2026-2027",
		Snapshot: snap, Grants: s.grants, Persons: s.persons, NewID: NewID})
}

func staffOf(s *state, n int) []wire.StaffEntry {
	var out []wire.StaffEntry
	for _, g := range s.grants[:n] {
		out = append(out, wire.StaffEntry{LastName: g.Grant.LastName, FirstName: g.Grant.FirstName, BirthDate: g.Person.BirthDate,
			Email: g.Grant.Email, Role: g.Grant.Role})
	}
	return out
}

func TestGuardThreshold(t *testing.T) {
	for _, test := range []struct {
		live, kept int
		held       bool
	}{
		{10, 6, false}, // 4 ≤ max(4, 2)
		{10, 5, true},  // 5 > 4
		{25, 20, false},
		{25, 19, true}, // 6 > 5
		{100, 80, false},
		{100, 79, true},
		{3, 0, true}, // all of them
		{1, 0, true},
		{5, 1, false}, // 4 of 5, not all
	} {
		s := &state{}
		for i := 0; i < test.live; i++ {
			s.add(fmt.Sprintf("Nom%03d", i), "Prénom", "1980-01-01", "", fmt.Sprintf("p%d@e.be", i), "Enseignant", GrantActive)
		}
		p := s.reconcile(wire.Snapshot{Staff: staffOf(s, test.kept)})
		if p.Held != test.held || p.Deactivations != test.live-test.kept || p.Live != test.live {
			t.Errorf("live %d kept %d: held %v deactivations %d, want held %v", test.live, test.kept, p.Held, p.Deactivations, test.held)
		}
		if test.held {
			p = s.reconcile(wire.Snapshot{Staff: staffOf(s, test.kept), ConfirmDeactivations: test.live - test.kept})
			if p.Held {
				t.Errorf("live %d kept %d: held despite the confirmation", test.live, test.kept)
			}
		}
	}
	// Deactivated grants do not count.
	s := &state{}
	s.add("A", "A", "1980-01-01", "", "a@e.be", "Enseignant", GrantActive)
	s.add("B", "B", "1980-01-01", "", "b@e.be", "Enseignant", GrantDeactivated)
	if p := s.reconcile(wire.Snapshot{}); !p.Held || p.Deactivations != 1 {
		t.Fatalf("plan = %+v", p)
	}
}

func TestReconcileModifications(t *testing.T) {
	s := &state{}
	s.add("Dupont", "Jean", "1980-05-04", "", "jean@e.be", "Enseignant", GrantActive)
	s.add("Martin", "Luc", "1975-01-31", "", "luc@e.be", "Enseignant", GrantPending)
	entries := staffOf(s, 2)
	entries[0].Role = "Directeur"
	entries[1].Email = "luc.martin@e.be"
	p := s.reconcile(wire.Snapshot{Staff: entries})
	if p.Result.Counts != (wire.Counts{Modified: 2}) || len(p.UpdGrants) != 2 {
		t.Fatalf("plan = %+v", p)
	}
	for _, g := range p.UpdGrants {
		switch g.LastName {
		case "Dupont":
			// Active: the new role waits for the night.
			if g.Role != "Enseignant" || g.Pending != PendingModified || g.Next.Role != "Directeur" {
				t.Errorf("Dupont = %+v", g)
			}
		case "Martin":
			// Not open yet: it will open with the new address.
			if g.Email != "luc.martin@e.be" || g.Pending != "" || g.State != GrantPending {
				t.Errorf("Martin = %+v", g)
			}
		}
	}
	// Sending the active values back cancels the waiting modification.
	s.grants[0].Grant = p.UpdGrants[0]
	entries[0].Role = "Enseignant"
	p = s.reconcile(wire.Snapshot{Staff: entries[:1], Keep: []wire.KeepEntry{{LastName: "Martin", FirstName: "Luc", BirthDate: "1975-01-31"}}})
	if p.Result.Counts != (wire.Counts{Modified: 1}) || p.UpdGrants[0].Pending != PendingNone || p.UpdGrants[0].Next.Role != "" {
		t.Fatalf("plan = %+v", p)
	}
	if c := p.Result.Changes[0]; c.PreviousRole != "Directeur" || c.Role != "Enseignant" {
		t.Fatalf("change = %+v", c)
	}
	// Names count as a modification; case-only differences too.
	entries[0].LastName = "DUPONT"
	if p := s.reconcile(wire.Snapshot{Staff: entries}); p.Result.Counts.Modified != 2 {
		t.Fatalf("counts = %+v", p.Result.Counts)
	}
}

func TestReconcileMatriculeFill(t *testing.T) {
	s := &state{}
	s.add("Dupont", "Jean", "1980-05-04", "", "jean@e.be", "Enseignant", GrantActive)
	e := staffOf(s, 1)
	e[0].Matricule = "18005040123"
	p := s.reconcile(wire.Snapshot{Staff: e})
	if p.Result.Counts != (wire.Counts{Unchanged: 1}) || len(p.FillPersons) != 1 || p.FillPersons[0].Matricule != "18005040123" {
		t.Fatalf("plan = %+v", p)
	}
	// A person known with another matricule is someone else.
	s.persons[0].Matricule = "18005040999"
	p = s.reconcile(wire.Snapshot{Staff: e, ConfirmDeactivations: 1})
	if p.Result.Counts != (wire.Counts{Created: 1, Deactivated: 1}) || len(p.NewPersons) != 1 {
		t.Fatalf("plan = %+v", p.Result.Counts)
	}
}

func TestReconcileSentIdentity(t *testing.T) {
	s := &state{}
	s.add("Dupont", "Jean", "1980-05-04", "", "jean@e.be", "Enseignant", GrantActive)
	s.add("Martin", "Luc", "1975-01-31", "", "luc@e.be", "Enseignant", GrantActive)
	e := staffOf(s, 2)
	// The same snapshot writes nothing.
	if p := s.reconcile(wire.Snapshot{Staff: e}); p.Result.Counts != (wire.Counts{Unchanged: 2}) || len(p.UpdGrants) != 0 {
		t.Fatalf("plan = %+v", p)
	}
	// A matricule sent for the first time is the school's from now on,
	// without a change to report.
	e[0].Matricule = "18005040123"
	p := s.reconcile(wire.Snapshot{Staff: e})
	if p.Result.Counts != (wire.Counts{Unchanged: 2}) || len(p.UpdGrants) != 1 {
		t.Fatalf("plan = %+v", p)
	}
	if g := p.UpdGrants[0]; g.LastName != "Dupont" || g.SentMatricule != "18005040123" || g.SentBirthDate != "1980-05-04" || g.Pending != PendingNone {
		t.Fatalf("grant = %+v", g)
	}
	// A modification carries the identity sent with it; a new grant too.
	e[1].Role = "Directeur"
	e = append(e, wire.StaffEntry{LastName: "Neuf", FirstName: "Noé", Matricule: "19001010001", Email: "noe@e.be", Role: "Enseignant"})
	p = s.reconcile(wire.Snapshot{Staff: e})
	if p.Result.Counts != (wire.Counts{Created: 1, Modified: 1, Unchanged: 1}) || len(p.UpdGrants) != 2 || len(p.NewGrants) != 1 {
		t.Fatalf("plan = %+v", p)
	}
	if g := p.NewGrants[0]; g.SentBirthDate != "" || g.SentMatricule != "19001010001" {
		t.Fatalf("new grant = %+v", g)
	}
}

func TestRejectionReasons(t *testing.T) {
	s := &state{}
	s.add("Dupont", "Jean", "1980-05-04", "18005040123", "jean@e.be", "Enseignant", GrantActive)
	s.add("Martin", "Luc", "1975-01-31", "", "luc@e.be", "Enseignant", GrantActive)
	e := staffOf(s, 2)
	e[0].BirthDate, e[0].Matricule = "1981-01-01", "18005040123"
	p := s.reconcile(wire.Snapshot{Staff: e, Keep: []wire.KeepEntry{{LastName: "Martin", FirstName: "Luc", BirthDate: "1975-01-31"}}})
	reasons := map[string]string{}
	for _, c := range p.Result.Changes {
		if c.Action == wire.ActionRejected {
			reasons[c.LastName] = c.Reason
		}
	}
	// The birth date the extranet holds is never told: sending someone's
	// matricule with any date would otherwise reveal theirs.
	if r := reasons["Dupont"]; r != "le matricule 18005040123 est déjà connu de l'extranet avec une autre date de naissance : "+
		"vérifiez la date de naissance et le matricule dans la fiche de situation école" {
		t.Errorf("matricule conflict: %q", r)
	}
	// The secretary does not know the API's words.
	if r := reasons["Martin"]; r == "" || strings.Contains(r, "keep") || !strings.Contains(r, "corrigez") {
		t.Errorf("sent and kept: %q", r)
	}
}

func FuzzValidateSnapshot(f *testing.F) {
	seed, _ := json.Marshal(wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{{LastName: "Dupont", FirstName: "Jean",
		BirthDate: "1980-05-04", Matricule: "18005040123", Email: "jean@ecole.be", Role: "Enseignant"}},
		Keep: []wire.KeepEntry{{LastName: "Martin", FirstName: "Luc", BirthDate: "1975-01-31"}}})
	f.Add(seed)
	f.Add([]byte(`{"schoolYear":"2026-2027","staff":[{"lastName":"\u0000","birthDate":"9999-99-99","email":"@@"}]}`))
	f.Add([]byte(`{"schoolYear":"20262027","confirmDeactivations":-5,"keep":[{}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s wire.Snapshot
		if json.Unmarshal(data, &s) != nil {
			return
		}
		ps := ValidateSnapshot(s)
		for _, p := range ps {
			if p.Field == "" || p.Message == "" || p.Index < -1 {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if len(ps) > 0 {
			return
		}
		// A valid snapshot reconciles without panicking, against an empty
		// school and against itself.
		snapshotLookups(s)
		in := reconcileInput{Now: time.Unix(1_800_000_000, 0), FASE: 1, SchoolYear: s.SchoolYear, Snapshot: s, NewID: NewID}
		first := reconcile(in)
		if first.Result.Counts.Created+first.Result.Counts.Rejected != len(s.Staff) {
			t.Fatalf("counts %+v for %d entries", first.Result.Counts, len(s.Staff))
		}
		// The identity keys snapshotLookups computed give the same plan as
		// those reconcile computes itself.
		var n int
		in.NewID = func() string { n++; return strconv.Itoa(n) }
		own := reconcile(in)
		n, in.Keys = 0, snapshotLookups(s).entryKeys
		if reused := reconcile(in); !reflect.DeepEqual(own, reused) {
			t.Fatalf("plan with the lookups' keys %+v, without %+v", reused, own)
		}
	})
}

// reconcileChecked validates snap as Transfer does: the faults of single
// entries are parted from the snapshot's, and those entries made safe.
func (s *state) reconcileChecked(t *testing.T, snap wire.Snapshot) plan {
	t.Helper()
	snap.SchoolYear = "2026-2027"
	whole, faults := splitProblems(ValidateSnapshot(snap))
	if len(whole) > 0 {
		t.Fatalf("snapshot faults: %+v", whole)
	}
	return reconcile(reconcileInput{Now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC), FASE: 1, SchoolYear: "2026-2027",
		Snapshot: faults.clean(snap), Grants: s.grants, Persons: s.persons, NewID: NewID, Faults: faults})
}

func TestSplitProblems(t *testing.T) {
	ps := ValidateSnapshot(wire.Snapshot{SchoolYear: "2026-2028",
		Staff: []wire.StaffEntry{{LastName: "A\x01", FirstName: "B", BirthDate: "1980-02-03", Email: "x", Role: "Enseignant"}},
		Keep:  []wire.KeepEntry{{LastName: "C", FirstName: "", Matricule: "18005040123"}}})
	whole, f := splitProblems(ps)
	if len(whole) != 1 || whole[0].Field != "schoolYear" {
		t.Errorf("snapshot's faults: %+v", whole)
	}
	if !strings.HasPrefix(f.staff[0], "nom illisible") || len(f.staff) != 1 {
		t.Errorf("staff faults: %v (first of each entry wanted)", f.staff)
	}
	if !strings.HasPrefix(f.keep[0], "prénom manquant") || !f.unnamed["s0"] || !f.unnamed["k0"] {
		t.Errorf("keep faults: %v, unnamed %v", f.keep, f.unnamed)
	}
	clean := f.clean(wire.Snapshot{Staff: []wire.StaffEntry{{LastName: "A\x01", FirstName: "B", BirthDate: "1980-02-30", Matricule: "123", Email: "x", Role: "R\u202e"}},
		Keep: []wire.KeepEntry{{LastName: "C", Matricule: "18005040123"}}})
	if k := clean.Keep[0]; k.Matricule != "18005040123" {
		t.Errorf("clean dropped a valid matricule: %+v", k)
	}
	if e := clean.Staff[0]; e.LastName != "A\uFFFD" || e.BirthDate != "" || e.Matricule != "" || e.Email != "" || e.Role != "R\uFFFD" {
		t.Errorf("clean = %+v", e)
	}
}

// TestReconcileFaultyEntries checks that entries the extranet cannot take
// are rejected with their fault as the reason, that the others apply, and
// that no grant an unreadable entry may designate is changed or
// deactivated.
func TestReconcileFaultyEntries(t *testing.T) {
	s := &state{}
	s.add("Dupont", "Jean", "1980-05-04", "", "jean@e.be", "Enseignant", GrantActive)
	s.add("Martin", "Luc", "1975-01-31", "", "luc@e.be", "Enseignant", GrantActive)
	s.add("Lambert", "Anne", "1975-01-31", "", "anne@e.be", "Enseignant", GrantActive)
	s.add("Claes", "Tom", "1990-07-07", "", "tom@e.be", "Enseignant", GrantActive)
	entries := staffOf(s, 4)
	entries[0].LastName = "Du\u202epont" // unreadable: designates those born 1980-05-04
	entries[2].Email = "pas une adresse" // readable: designates Lambert only
	entries[3].Role = "Directeur"        // a change that applies
	entries = append(entries, wire.StaffEntry{LastName: "---", FirstName: "Eve", BirthDate: "1990-07-07", Email: "eve@e.be", Role: "Enseignant"})
	p := s.reconcileChecked(t, wire.Snapshot{Staff: entries})
	if p.Result.Counts != (wire.Counts{Rejected: 3, Unchanged: 1, Modified: 1}) || p.Deactivations != 0 || len(p.Deactivate) != 0 {
		t.Fatalf("counts %+v, %d deactivations", p.Result.Counts, p.Deactivations)
	}
	reasons := map[string]string{}
	for _, c := range p.Result.Changes {
		reasons[c.LastName] = c.Reason
	}
	for name, want := range map[string]string{
		"Du\uFFFDpont": "nom illisible",
		"Lambert":      "adresse e-mail « pas une adresse » invalide",
		"---":          "nom sans lettre",
	} {
		if !strings.HasPrefix(reasons[name], want) {
			t.Errorf("reason for %q = %q, want %q…", name, reasons[name], want)
		}
	}
	// Claes, named by a valid entry, changes although an unreadable one
	// shares the birth date.
	if len(p.UpdGrants) != 1 || p.UpdGrants[0].LastName != "Claes" {
		t.Errorf("updates = %+v", p.UpdGrants)
	}

	// Kept back for an unreadable name, Dupont keeps the access; nobody
	// born another day is protected by it.
	p = s.reconcileChecked(t, wire.Snapshot{Staff: staffOf(s, 4)[1:], Keep: []wire.KeepEntry{{LastName: "\u200b", FirstName: "Jean", BirthDate: "1980-05-04"}}})
	if p.Deactivations != 0 || p.Result.Counts.Unchanged != 3 {
		t.Errorf("with a kept unreadable entry: %+v, %d deactivations", p.Result.Counts, p.Deactivations)
	}
	p = s.reconcileChecked(t, wire.Snapshot{Staff: staffOf(s, 4)[1:], Keep: []wire.KeepEntry{{LastName: "\u200b", FirstName: "Jean", BirthDate: "1999-09-09"}}})
	if p.Deactivations != 1 {
		t.Errorf("a kept entry born another day protected Dupont: %d deactivations", p.Deactivations)
	}
}
