package extranet

import (
	"strings"
	"testing"

	"passerelle/wire"
)

// The identity rules of docs/extranet.md (« Identity matching »), one entry
// of a school that gives access to nobody yet, against the persons other
// schools made known.
func TestIdentityMatching(t *testing.T) {
	known := func(id, last, first, birth, matricule string) Person {
		return Person{ID: id, LastName: last, FirstName: first, BirthDate: birth, Matricule: matricule, IdentityKey: IdentityKey(last, first, birth)}
	}
	entry := func(last, first, birth, matricule string) wire.StaffEntry {
		return wire.StaffEntry{LastName: last, FirstName: first, BirthDate: birth, Matricule: matricule, Email: "x@ecole.be", Role: "Enseignant"}
	}
	jean := known("jean", "Dupont", "Jean", "1980-05-04", "18005040123")
	jeanNoMat := known("jean", "Dupont", "Jean", "1980-05-04", "")
	jeanNoBirth := known("jean", "Dupont", "Jean", "", "18005040123")
	jean2 := known("jean2", "Dupont", "Jean", "1980-05-04", "18005040999")
	jean2NoMat := known("jean2", "Dupont", "Jean", "1980-05-04", "")

	for _, test := range []struct {
		name    string
		persons []Person
		entry   wire.StaffEntry
		person  string // the person the grant goes to; "new" for a new person; "" when rejected
		reason  string // the beginning of the rejection's reason
		weak    bool   // the match is by names and birth date only
		fill    string // what the person learns: "birth", "matricule" or ""
	}{
		{"matricule known", []Person{jean}, entry("Dupond", "J.", "", "18005040123"), "jean", "", false, ""},
		{"matricule known, same birth date", []Person{jean}, entry("Dupont", "Jean", "1980-05-04", "18005040123"), "jean", "", false, ""},
		{"matricule known, other birth date", []Person{jean}, entry("Dupont", "Jean", "1980-05-05", "18005040123"), "",
			"le matricule 18005040123 est déjà connu de l'extranet avec une autre date de naissance", false, ""},
		{"matricule known, birth date learnt", []Person{jeanNoBirth}, entry("Dupont", "Jean", "1980-05-04", "18005040123"), "jean", "", false, "birth"},
		{"matricule unknown, one candidate without matricule", []Person{jeanNoMat}, entry("Dupont", "Jean", "1980-05-04", "18005040123"), "jean", "", true, "matricule"},
		{"matricule unknown, the candidate has another", []Person{jean2}, entry("Dupont", "Jean", "1980-05-04", "18005040123"), "new", "", false, ""},
		{"matricule unknown, two candidates without", []Person{jeanNoMat, jean2NoMat}, entry("Dupont", "Jean", "1980-05-04", "18005040123"), "",
			"plusieurs personnes connues de l'extranet portent ce nom et cette date de naissance", false, ""},
		{"matricule unknown, no candidate", nil, entry("Dupont", "Jean", "1980-05-04", "18005040123"), "new", "", false, ""},
		{"no matricule, one by names and birth date", []Person{jean}, entry("Dupont", "Jean", "1980-05-04", ""), "jean", "", true, ""},
		{"no matricule, accents, case and hyphens do not count", []Person{known("eve", "Lefèvre-Dubois", "Ève", "1990-01-01", "")},
			entry("LEFEVRE DUBOIS", "eve", "1990-01-01", ""), "eve", "", true, ""},
		{"no matricule, two by names and birth date", []Person{jean, jean2}, entry("Dupont", "Jean", "1980-05-04", ""), "",
			"plusieurs personnes connues de l'extranet portent ce nom et cette date de naissance", false, ""},
		{"no matricule, another birth date", []Person{jean}, entry("Dupont", "Jean", "1980-05-05", ""), "new", "", false, ""},
		{"names alone never recognise", []Person{jeanNoBirth}, entry("Dupont", "Jean", "", "18005040999"), "new", "", false, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			s := &state{persons: test.persons}
			p := s.reconcile(wire.Snapshot{Staff: []wire.StaffEntry{test.entry}})
			c := p.Result.Changes[0]
			if test.person == "" {
				if c.Action != wire.ActionRejected || !strings.HasPrefix(c.Reason, test.reason) || len(p.Rejections) != 1 {
					t.Fatalf("change %+v, want rejected: %s", c, test.reason)
				}
				return
			}
			if c.Action != wire.ActionCreated || len(p.NewGrants) != 1 {
				t.Fatalf("change %+v, want created", c)
			}
			g := p.NewGrants[0]
			if test.person == "new" {
				if len(p.NewPersons) != 1 || g.PersonID != p.NewPersons[0].ID || len(p.matched) != 0 {
					t.Fatalf("want a new person: grant to %s, new %+v", g.PersonID, p.NewPersons)
				}
				return
			}
			if g.PersonID != test.person || len(p.NewPersons) != 0 {
				t.Fatalf("grant to %s (new persons %+v), want %s", g.PersonID, p.NewPersons, test.person)
			}
			want := MatchStrong
			if test.weak {
				want = MatchWeak
			}
			if len(p.matched) != 1 || p.matched[0].strength != want {
				t.Errorf("matches %+v, want one %s", p.matched, want)
			}
			switch test.fill {
			case "":
				if len(p.FillPersons) != 0 {
					t.Errorf("the person learns %+v", p.FillPersons)
				}
			case "birth":
				if len(p.FillPersons) != 1 || p.FillPersons[0].BirthDate != test.entry.BirthDate || p.FillPersons[0].IdentityKey == "" {
					t.Errorf("learnt %+v, want the birth date", p.FillPersons)
				}
			case "matricule":
				if len(p.FillPersons) != 1 || p.FillPersons[0].Matricule != test.entry.Matricule {
					t.Errorf("learnt %+v, want the matricule", p.FillPersons)
				}
			}
		})
	}
}

// Entries of one snapshot that name the same person, or share an address,
// are rejected; two matricules are two people whatever their names.
func TestSnapshotDuplicates(t *testing.T) {
	e := func(birth, matricule, email string) wire.StaffEntry {
		return wire.StaffEntry{LastName: "Dupont", FirstName: "Jean", BirthDate: birth, Matricule: matricule, Email: email, Role: "Enseignant"}
	}
	for _, test := range []struct {
		name     string
		staff    []wire.StaffEntry
		persons  []Person
		rejected int
		reason   string
	}{
		{"two matricules, same names and birth date", []wire.StaffEntry{e("1980-05-04", "18005040123", "a@e.be"), e("1980-05-04", "18005040999", "b@e.be")}, nil, 0, ""},
		{"same matricule twice", []wire.StaffEntry{e("1980-05-04", "18005040123", "a@e.be"), e("", "18005040123", "b@e.be")}, nil, 2, reasonDuplicate},
		{"same names and birth date, one without matricule", []wire.StaffEntry{e("1980-05-04", "18005040123", "a@e.be"), e("1980-05-04", "", "b@e.be")}, nil, 2, reasonDuplicate},
		{"same known person twice", []wire.StaffEntry{e("1980-05-04", "", "a@e.be"), e("", "18005040123", "b@e.be")},
			[]Person{{ID: "jean", LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04", Matricule: "18005040123", IdentityKey: IdentityKey("Dupont", "Jean", "1980-05-04")}},
			2, reasonDuplicate},
		{"one address for two people", []wire.StaffEntry{e("1980-05-04", "", "a@e.be"), e("1981-05-04", "", "a@e.be")}, nil, 2,
			"l'adresse e-mail a@e.be est donnée à plusieurs personnes de l'envoi"},
	} {
		t.Run(test.name, func(t *testing.T) {
			s := &state{persons: test.persons}
			p := s.reconcile(wire.Snapshot{Staff: test.staff})
			if p.Result.Counts.Rejected != test.rejected {
				t.Fatalf("counts %+v, want %d rejected", p.Result.Counts, test.rejected)
			}
			for _, c := range p.Result.Changes {
				if c.Action == wire.ActionRejected && !strings.HasPrefix(c.Reason, test.reason) {
					t.Errorf("reason %q, want %q", c.Reason, test.reason)
				}
			}
		})
	}
}

// The validation's limits, each a problem of the snapshot itself, and the
// values it quotes kept short.
func TestValidationLimits(t *testing.T) {
	good := wire.StaffEntry{LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04", Email: "jean@ecole.be", Role: "Enseignant"}
	many := make([]wire.StaffEntry, MaxEntries+1)
	for i := range many {
		many[i] = good
	}
	for _, test := range []struct {
		name  string
		snap  wire.Snapshot
		field string
		want  string
	}{
		{"too many staff", wire.Snapshot{SchoolYear: "2026-2027", Staff: many}, "staff", "trop de membres du personnel (10001) : au plus 10000 par envoi"},
		{"too many kept", wire.Snapshot{SchoolYear: "2026-2027", Keep: make([]wire.KeepEntry, MaxEntries+1)}, "keep", "trop de membres retenus (10001)"},
		{"an e-mail too long", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{withEmail(good, strings.Repeat("a", 300)+"@ecole.be")}},
			"staff[0].email", "adresse e-mail école trop longue"},
		{"a role unreadable", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{withRole(good, "Ensei\x00gnant")}}, "staff[0].role", "rôle extranet illisible"},
		{"a role too long", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{withRole(good, strings.Repeat("r", 200))}}, "staff[0].role", "rôle extranet illisible"},
		{"a matricule with letters", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{withMatricule(good, "1800504012a")}}, "staff[0].matricule", ""},
		{"invalid UTF-8 in a name", wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{withLast(good, "Du\xffpont")}}, "staff[0].lastName", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			ps := ValidateSnapshot(test.snap)
			if len(ps) != 1 || ps[0].Field != test.field || !strings.Contains(ps[0].Message, test.want) {
				t.Fatalf("problems %+v, want one of %s: %q", ps, test.field, test.want)
			}
			if len(ps[0].Message) > 400 {
				t.Errorf("a message of %d bytes: the value it quotes is not clipped", len(ps[0].Message))
			}
		})
	}
	// A long value quoted is clipped, with its end marked.
	if got := clip(strings.Repeat("é", 50)); !strings.HasSuffix(got, "…") || len([]rune(got)) > 41 {
		t.Errorf("clip = %q", got)
	}
	if got := clip("court"); got != "court" {
		t.Errorf("clip(court) = %q", got)
	}
	if got := clip("a\xffb"); got != "a�b" {
		t.Errorf("clip of invalid UTF-8 = %q", got)
	}
}

func withEmail(e wire.StaffEntry, v string) wire.StaffEntry     { e.Email = v; return e }
func withRole(e wire.StaffEntry, v string) wire.StaffEntry      { e.Role = v; return e }
func withMatricule(e wire.StaffEntry, v string) wire.StaffEntry { e.Matricule = v; return e }
func withLast(e wire.StaffEntry, v string) wire.StaffEntry      { e.LastName = v; return e }
