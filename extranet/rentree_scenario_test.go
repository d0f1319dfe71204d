package extranet_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/fwb"
	"passerelle/wire"
)

// nightAt runs the night that follows a Brussels civil day's evening.
func (w *world) nightAfter(t *testing.T, y int, m time.Month, d int) extranet.NightReport {
	t.Helper()
	w.clock.Set(brusselsTime(y, m, d, 20, 0))
	return w.night(t)
}

// The rentrée of 2027, for three schools: A prepares the new year in June,
// B sends it in July after a held first attempt, C never sends and loses
// its accesses after the grace deadline, then gets them back.
func TestRentreeOfThreeSchools(t *testing.T) {
	w := newWorld(t)
	w.school(t, 1001, "École A")
	w.school(t, 1002, "École B")
	w.school(t, 1003, "École C")
	jean := staff("Dupont", "Jean", "1980-05-04", "", "jean@a.be", "Directeur")
	anne := staff("Martin", "Anne", "1985-02-11", "", "anne@a.be", "Enseignant")
	luc := staff("Durand", "Luc", "1975-03-03", "", "luc@a.be", "Enseignant")
	w.send(t, 1001, jean, anne, luc)
	bStaff := append(teachers("Prof", 5), staff("Chef", "Bea", "1970-07-07", "", "bea@b.be", "Directeur"))
	w.send(t, 1002, bStaff...)
	cDirector := staff("Roi", "Carl", "1965-06-06", "", "carl@c.be", "Directeur")
	w.send(t, 1003, cDirector)
	w.night(t)

	// June: A prepares 2027-2028: Anne becomes director, Luc leaves, Eva comes.
	w.clock.Set(brusselsTime(2027, time.June, 10, 10, 0))
	anne.Role = "Directeur"
	eva := staff("Petit", "Eva", "1990-09-09", "", "eva@a.be", "Enseignant")
	res := w.sendSnap(t, 1001, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{jean, anne, eva}})
	if res.Counts.Created != 3 || res.Counts.Renewed != 2 {
		t.Fatalf("A's preparation: %+v", res.Counts)
	}
	if lines := wire.ChangeLines(res.Changes); len(lines) != 3 || !strings.Contains(lines[1], "Créé Rôle Anne Martin – Directeur") {
		t.Errorf("A's lines: %q", lines)
	}
	if rep := w.night(t); rep.Activated != 0 || rep.CarriedOver != 0 {
		t.Errorf("a June night opens the next year: %+v", rep)
	}

	// The night after the last day (Friday 2 July): A's new year opens,
	// B's and C's accesses are carried over.
	rep := w.nightAfter(t, 2027, time.July, 2)
	if rep.Renewed != 2 || rep.RoleChanges != 1 || rep.Invitations != 1 || rep.Disabled != 1 {
		t.Errorf("the rentrée's night, A: %+v", rep)
	}
	if rep.CarriedOver != 7 || rep.CarriedSchools != 2 || rep.CarryDeadline != "2027-09-30" {
		t.Errorf("the rentrée's night, carried: %+v", rep)
	}
	if ms := w.box.to("anne@a.be"); ms[len(ms)-1].Subject != extranet.SubjectRoleChange {
		t.Errorf("Anne's last mail: %s", ms[len(ms)-1].Subject)
	}
	if ms := w.box.to("jean@a.be"); len(ms) != 1 {
		t.Errorf("Jean, renewed with the same role, got %d mails", len(ms))
	}
	if a := w.account(t, "luc.durand.030375"); a.State != extranet.AccountDisabled {
		t.Errorf("Luc's account: %+v", a)
	}
	carried, deadline, err := w.svc.Carried(w.ctx, 0)
	if err != nil || len(carried) != 2 || carried[0].FASE != 1002 || carried[0].Grants != 6 || carried[0].Directors != 1 {
		t.Fatalf("Carried: %+v, %v", carried, err)
	}
	if want := w.svc.GraceDeadline(fwb.SchoolYear{Start: 2026}); !deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", deadline, want)
	}
	if only, _, _ := w.svc.Carried(w.ctx, 1003); len(only) != 1 || only[0].FASE != 1003 {
		t.Errorf("Carried(1003): %+v", only)
	}

	// B's first transfer of the year sends one person: held, as it would
	// end five carried-over accesses.
	_, err = w.svc.Transfer(w.ctx, 1002, wire.Snapshot{SchoolYear: "2027-2028", Staff: bStaff[5:]}, extranet.TransferOptions{})
	var held *extranet.HeldError
	if !errors.As(err, &held) || held.Deactivations != 5 {
		t.Fatalf("B's first transfer: %v", err)
	}
	w.sendSnap(t, 1002, wire.Snapshot{SchoolYear: "2027-2028", Staff: bStaff})
	rep = w.nightAfter(t, 2027, time.July, 5)
	if rep.Renewed != 6 || rep.Invitations != 0 || rep.Notices != 0 || rep.CarriedSchools != 1 {
		t.Errorf("B's rentrée night: %+v", rep)
	}

	// From 16 September, C's director is warned, once.
	if from := w.svc.GraceWarningFrom(fwb.SchoolYear{Start: 2026}); !from.Equal(time.Date(2027, time.September, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("GraceWarningFrom = %v", from)
	}
	if rep := w.nightAfter(t, 2027, time.September, 14); rep.GraceWarnings != 0 {
		t.Errorf("warned too early: %+v", rep)
	}
	if rep := w.nightAfter(t, 2027, time.September, 16); rep.GraceWarnings != 1 {
		t.Errorf("not warned: %+v", rep)
	}
	if rep := w.nightAfter(t, 2027, time.September, 17); rep.GraceWarnings != 0 {
		t.Errorf("warned twice: %+v", rep)
	}
	warned := w.box.to("carl@c.be")
	last := warned[len(warned)-1]
	if last.Subject != extranet.SubjectGraceWarning || !strings.Contains(last.Text, "- École C (FASE 1003)") ||
		!strings.Contains(last.Text, "restent ouverts jusqu'au 30/09/2027 inclus") {
		t.Errorf("the warning:\n%s: %s", last.Subject, last.Text)
	}

	// After the deadline C's accesses end; sent later, they come back.
	if rep := w.nightAfter(t, 2027, time.September, 30); rep.Expired != 1 || rep.Disabled != 1 || rep.CarriedOver != 0 {
		t.Errorf("the deadline's night: %+v", rep)
	}
	if a := w.account(t, "carl.roi.060665"); a.State != extranet.AccountDisabled {
		t.Errorf("Carl's account: %+v", a)
	}
	w.sendSnap(t, 1003, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{cDirector}})
	if rep := w.nightAfter(t, 2027, time.October, 4); rep.Reactivated != 1 {
		t.Errorf("C sends late: %+v", rep)
	}
	if ms := w.box.to("carl@c.be"); ms[len(ms)-1].Subject != extranet.SubjectReactivated {
		t.Errorf("Carl's last mail: %s", ms[len(ms)-1].Subject)
	}
}

// A member the school holds back at its first transfer of the new year
// keeps the access of the year before, carried into the new one without a
// line for the school or an e-mail for the person.
func TestRentreeKeptMemberCarriedIntoTheNewYear(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	jean := staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant")
	anne := staff("Martin", "Anne", "1985-02-11", "", "anne@ecole.be", "Directeur")
	w.send(t, 4242, jean, anne)
	w.night(t)
	w.nightAfter(t, 2027, time.July, 2)

	res := w.sendSnap(t, 4242, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{jean},
		Keep: []wire.KeepEntry{{LastName: "Martin", FirstName: "Anne", BirthDate: "1985-02-11"}}})
	if res.Counts.Created != 1 || res.Counts.Deactivated != 0 || res.Counts.Renewed != 2 {
		t.Fatalf("first transfer of the year: %+v", res.Counts)
	}
	if len(res.Changes) != 1 || res.Changes[0].LastName != "Dupont" {
		t.Errorf("the school reads %+v", res.Changes)
	}
	sg, err := w.svc.Grants(w.ctx, 4242, "2027-2028")
	if err != nil || len(sg.Staff) != 2 {
		t.Fatalf("grants of 2027-2028: %+v, %v", sg.Staff, err)
	}
	for _, g := range sg.Staff {
		if g.LastName == "Martin" && (g.Role != "Directeur" || g.Email != "anne@ecole.be") {
			t.Errorf("Anne's carried grant: %+v", g)
		}
	}
	before := len(w.box.to("anne@ecole.be"))
	rep := w.nightAfter(t, 2027, time.July, 5)
	if rep.Renewed != 2 || rep.Disabled != 0 || len(w.box.to("anne@ecole.be")) != before {
		t.Errorf("the night after: %+v", rep)
	}
	if acc := w.signIn(t, "anne@ecole.be", "anne@ecole.be"); len(acc.Active) != 1 || acc.Active[0].Grant.SchoolYear != "2027-2028" {
		t.Errorf("Anne's access: %+v", acc.Active)
	}
}
