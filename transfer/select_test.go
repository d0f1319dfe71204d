package transfer

import (
	"slices"
	"testing"
	"time"

	"passerelle/fwb"
	"passerelle/school"
	"passerelle/wire"
)

// withIDs numbers the rows' members and situations as a store would.
func withIDs(rows ...school.Row) []school.Row {
	for i := range rows {
		if rows[i].Member.ID == 0 {
			rows[i].Member.ID = int64(i + 1)
		}
		rows[i].Situation.ID = int64(100 + i)
		rows[i].Situation.MemberID = rows[i].Member.ID
	}
	return rows
}

// TestSelectBrusselsToday checks that the school's today is Brussels' even
// on a UTC server: at 23:30 UTC on 26 November it is already 27 November in
// Brussels, so a situation starting on the 27th is current and one that
// ended on the 26th is not.
func TestSelectBrusselsToday(t *testing.T) {
	at := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)
	starts := member("Debut", "Léa", "1990-01-01", "", "lea.debut@ecole.be", "IP", fwb.RoleEnseignant)
	starts.Situation.Start = date(2026, 11, 27)
	ended := member("Fin", "Paul", "1970-01-01", "", "paul.fin@ecole.be", "IP", fwb.RoleEnseignant)
	ended.Situation.End = date(2026, 11, 26)
	sel := Select(withIDs(starts, ended), at, nil)
	want := []wire.StaffEntry{{LastName: "Debut", FirstName: "Léa", BirthDate: "1990-01-01", Email: "lea.debut@ecole.be", Role: "Enseignant"}}
	if !slices.Equal(sel.Snapshot.Staff, want) {
		t.Errorf("staff at %s:\n%+v\nwant\n%+v", at.Format(time.RFC3339), sel.Snapshot.Staff, want)
	}
	if y, m, d := sel.At.Date(); y != 2026 || m != time.November || d != 27 {
		t.Errorf("selection's civil date %d-%d-%d, want 2026-11-27", y, m, d)
	}
}

func TestSelect(t *testing.T) {
	at := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	ended := member("Ancien", "Paul", "1970-01-01", "", "paul.ancien@ecole.be", "IP", fwb.RoleEnseignant)
	ended.Situation.End = date(2026, 11, 25)
	future := member("Futur", "Léa", "1990-01-01", "", "lea.futur@ecole.be", "IP", fwb.RoleEnseignant)
	future.Situation.Start = date(2026, 11, 27)
	inactive := member("Inactif", "Rik", "1970-01-01", "", "rik.inactif@ecole.be", "IP", fwb.RoleEnseignant)
	inactive.Situation.Active = false
	absent := member("Absent", "Bea", "1975-05-05", "", " Bea.Absent@Ecole.BE ", "IP", fwb.RoleEnseignant)
	absent.Situation.Present = false // on leave: still sent
	noBirth := member("Sansdate", "Noé", "", "", "noe@ecole.be", "IP", fwb.RoleEnseignant)
	byNISS := member("Parniss", "Ida", "", "", "ida@ecole.be", "IP", fwb.RoleEnseignant)
	byNISS.Member.NISS = "85073003328" // born 30 July 1985
	badMatricule := member("Badmat", "Max", "1980-01-01", "98005040123", "max@ecole.be", "IP", fwb.RoleEnseignant)
	rows := withIDs(
		member("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@ecole.be", "IP", fwb.RoleEnseignant), // 1
		member("Martin", "Marie", "1985-02-03", "", "partage@ecole.be", "IM", fwb.RoleNone),                     // 2
		member("Martin", "Luc", "1987-02-03", "", "Partage@ecole.be", "IP", fwb.RoleEnseignant),                 // 3
		member("Peeters", "Anne", "1990-04-12", "", "", "PU", fwb.RoleNone),                                     // 4: not sent, no error
		member("Claes", "Sophie", "1983-03-09", "", "sophie@ecole", "ME", fwb.RoleEnseignant),                   // 5
		member("Janssens", "Tom", "1979-12-24", "", "", "IP", fwb.RoleNone),                                     // 6
		member("Lambert", "Luc", "1968-10-22", "", "luc.lambert@ecole.be", "DC", fwb.RoleNone),                  // 7
		ended, future, inactive, absent, noBirth, byNISS, badMatricule,
		member("Wauters", "Eva", "1981-01-01", "", "eva@ecole.be", "IP", fwb.RoleEnseignant), // 15
		member("Wauters", "Eva", "1981-01-01", "", "eva@ecole.be", "D", fwb.RoleNone),        // 16: same member, second situation
	)
	rows[15].Member.ID = rows[14].Member.ID
	rows[15].Situation.MemberID = rows[14].Member.ID

	sel := Select(rows, at, nil)
	if sel.Snapshot.SchoolYear != "2026-2027" || sel.SchoolYear != fwb.SchoolYearAt(at) {
		t.Errorf("school year %q", sel.Snapshot.SchoolYear)
	}
	wantStaff := []wire.StaffEntry{
		{LastName: "Absent", FirstName: "Bea", BirthDate: "1975-05-05", Email: "bea.absent@ecole.be", Role: "Enseignant"},
		{LastName: "Badmat", FirstName: "Max", BirthDate: "1980-01-01", Email: "max@ecole.be", Role: "Enseignant"},
		{LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04", Matricule: "18005040123", Email: "jean.dupont@ecole.be", Role: "Enseignant"},
		{LastName: "Lambert", FirstName: "Luc", BirthDate: "1968-10-22", Email: "luc.lambert@ecole.be", Role: "Directeur"},
		{LastName: "Parniss", FirstName: "Ida", BirthDate: "1985-07-30", Email: "ida@ecole.be", Role: "Enseignant"},
		{LastName: "Wauters", FirstName: "Eva", BirthDate: "1981-01-01", Email: "eva@ecole.be", Role: "Directeur"},
	}
	if !slices.Equal(sel.Snapshot.Staff, wantStaff) {
		t.Errorf("staff:\n%+v\nwant\n%+v", sel.Snapshot.Staff, wantStaff)
	}
	wantHeld := []HeldBack{
		{MemberID: 5, LastName: "Claes", FirstName: "Sophie", Role: fwb.RoleEnseignant, Reason: ReasonBadEmail},
		{MemberID: 6, LastName: "Janssens", FirstName: "Tom", Role: fwb.RoleEnseignant, Reason: ReasonNoEmail},
		{MemberID: 3, LastName: "Martin", FirstName: "Luc", Role: fwb.RoleEnseignant, Reason: "adresse e-mail école partagée avec Marie Martin"},
		{MemberID: 2, LastName: "Martin", FirstName: "Marie", Role: fwb.RoleEnseignant, Reason: "adresse e-mail école partagée avec Luc Martin"},
		{MemberID: 12, LastName: "Sansdate", FirstName: "Noé", Role: fwb.RoleEnseignant, Reason: ReasonNoIdentity},
	}
	if !slices.Equal(sel.HeldBack, wantHeld) {
		t.Errorf("held back:\n%+v\nwant\n%+v", sel.HeldBack, wantHeld)
	}
	// The held-back members the extranet can recognise are kept; Noé,
	// with no birth date nor matricule, cannot be.
	wantKeep := []wire.KeepEntry{
		{LastName: "Claes", FirstName: "Sophie", BirthDate: "1983-03-09"},
		{LastName: "Janssens", FirstName: "Tom", BirthDate: "1979-12-24"},
		{LastName: "Martin", FirstName: "Luc", BirthDate: "1987-02-03"},
		{LastName: "Martin", FirstName: "Marie", BirthDate: "1985-02-03"},
	}
	if !slices.Equal(sel.Snapshot.Keep, wantKeep) {
		t.Errorf("keep:\n%+v\nwant\n%+v", sel.Snapshot.Keep, wantKeep)
	}
	// Only members sent get their role completed: Lambert (DC gives
	// Directeur) and Eva Wauters' director situation.
	wantCompl := []school.RoleCompletion{{SituationID: 106, Role: fwb.RoleDirecteur}, {SituationID: 115, Role: fwb.RoleDirecteur}}
	if got := sel.RoleCompletions(); !slices.Equal(got, wantCompl) {
		t.Errorf("completions %+v, want %+v", got, wantCompl)
	}
}

// TestSelectFollowsCheck: any other blocking finding of school.Check holds
// the member back with its own message. Check and Select must agree on who
// is blocked, or the Erreur lines would contradict the checks page.
func TestSelectFollowsCheck(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	noName := member("", "Zoé", "1990-01-01", "", "zoe@ecole.be", "IP", fwb.RoleEnseignant)
	rows := withIDs(
		member("Dupont", "Jean", "1980-05-04", "", "", "IP", fwb.RoleEnseignant),
		member("Martin", "Marie", "1985-02-03", "", "marie@ecole", "IM", fwb.RoleNone),
		member("Claes", "Sophie", "", "", "s@ecole.be", "IP", fwb.RoleEnseignant),
		member("Peeters", "Anne", "1990-04-12", "", "", "PU", fwb.RoleNone),
		member("Lambert", "Luc", "1968-10-22", "", "luc@ecole.be", "D", fwb.RoleDirecteur),
		noName,
	)
	sel := Select(rows, at, nil)
	held := map[int64]bool{}
	for _, h := range sel.HeldBack {
		held[h.MemberID] = true
	}
	blocked := school.BlockedMembers(school.Check(rows, at, nil))
	if len(blocked) != len(held) {
		t.Errorf("Check blocks %d members, Select holds back %d", len(blocked), len(held))
	}
	for id := range blocked {
		if !held[id] {
			t.Errorf("member %d blocked by Check but sent", id)
		}
	}
	if got := sel.HeldBack[0]; got.Reason != ReasonNoName {
		t.Errorf("first held back %+v", got)
	}
}

// TestSelectSharedReason: the Erreur line of a shared address names the
// others by name order (last name first), "A, B et C".
func TestSelectSharedReason(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	rows := withIDs(
		member("Zed", "Anne", "1980-01-01", "", "x@ecole.be", "IP", fwb.RoleEnseignant),
		member("Abel", "Zoé", "1981-01-01", "", "X@ecole.be", "IP", fwb.RoleEnseignant),
		member("Martin", "Bob", "1982-01-01", "", "x@ecole.be ", "IP", fwb.RoleEnseignant),
		member("Claes", "Luc", "1983-01-01", "", "x@ecole.be", "IP", fwb.RoleEnseignant),
	)
	sel := Select(rows, at, nil)
	want := map[string]string{
		"Zed":    "adresse e-mail école partagée avec Zoé Abel, Luc Claes et Bob Martin",
		"Abel":   "adresse e-mail école partagée avec Luc Claes, Bob Martin et Anne Zed",
		"Martin": "adresse e-mail école partagée avec Zoé Abel, Luc Claes et Anne Zed",
		"Claes":  "adresse e-mail école partagée avec Zoé Abel, Bob Martin et Anne Zed",
	}
	if len(sel.HeldBack) != len(want) || len(sel.Snapshot.Staff) != 0 {
		t.Fatalf("held back %+v, staff %+v", sel.HeldBack, sel.Snapshot.Staff)
	}
	for _, h := range sel.HeldBack {
		if h.Reason != want[h.LastName] {
			t.Errorf("%s: %q, want %q", h.LastName, h.Reason, want[h.LastName])
		}
	}
}
