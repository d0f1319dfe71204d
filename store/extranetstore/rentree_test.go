package extranetstore_test

import (
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/fwb"
	"passerelle/mail"
	"passerelle/mail/smtptest"
	"passerelle/wire"
)

// The rentrée, on the fake clock: school 4243 has three staff in
// 2026-2027; the year's last day is Friday 2 July 2027, the next year's
// first day Monday 30 August 2027.

var rentreeStaff = []wire.StaffEntry{
	person("Lambert", "Anne", "1980-02-01", "", "anne.lambert@ecole.be", "Enseignant"),
	person("Collin", "Marc", "1970-03-02", "", "marc.collin@ecole.be", "Directeur"),
	person("Servais", "Paul", "1975-04-03", "", "paul.servais@ecole.be", "Enseignant"),
}

// startYear opens the 2026-2027 accesses of school 4243, their invitations
// delivered to srv through sender.
func startYear(t *testing.T, e *env, srv *smtptest.Server, sender mail.Sender) {
	t.Helper()
	e.addSchool(t, 4243, "Institut Sainte-Claire")
	e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2026-2027", Staff: rentreeStaff})
	rep := e.nightAt(t, brussels(2026, time.November, 27, 2, 0), sender)
	if rep.Invitations != 3 || srv.Count() != 3 {
		t.Fatalf("first night = %+v, messages %d", rep, srv.Count())
	}
}

// nightAt runs the night at `at`, delivering through sender, and leaves the
// clock that morning.
func (e *env) nightAt(t *testing.T, at time.Time, sender mail.Sender) extranet.NightReport {
	t.Helper()
	e.clock.Set(at)
	rep, err := e.svc.Night(e.ctx, at, sender)
	if err != nil {
		t.Fatalf("Night %s: %v", at, err)
	}
	e.clock.Set(at.Add(8 * time.Hour))
	e.checkResend(t)
	return rep
}

// state returns the state of the account with this login.
func (e *env) state(t *testing.T, login string) string {
	t.Helper()
	a, err := e.st.AccountByLogin(e.ctx, login)
	if err != nil {
		t.Fatalf("account %s: %v", login, err)
	}
	return a.State
}

// roles returns the active roles of an account's person, "FASE year role".
func (e *env) roles(t *testing.T, login string) []string {
	t.Helper()
	a, err := e.st.AccountByLogin(e.ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := e.st.PersonGrants(e.ctx, a.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range gs {
		if g.Grant.State == extranet.GrantActive {
			out = append(out, g.Grant.SchoolYear+" "+g.Grant.Role)
		}
	}
	return out
}

func TestRentreeCarryOverUntilTheNewYear(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		logins := []string{"anne.lambert.010280", "marc.collin.020370", "paul.servais.030475"}

		// The night after the last day, the rentrée, the day before the
		// transfer: nothing expires, nobody is disabled.
		for _, at := range []time.Time{
			brussels(2027, time.July, 3, 2, 0),
			brussels(2027, time.August, 30, 2, 0),
			brussels(2027, time.September, 6, 2, 0),
		} {
			rep := e.nightAt(t, at, sender)
			if rep.Expired != 0 || rep.Disabled != 0 || rep.CarriedOver != 3 || rep.CarriedSchools != 1 ||
				rep.CarryDeadline != "2027-09-30" {
				t.Fatalf("night of %s = %+v", at.Format(time.DateOnly), rep)
			}
			for _, l := range logins {
				if got := e.roles(t, l); len(got) != 1 || !strings.HasPrefix(got[0], "2026-2027") {
					t.Fatalf("%s, %s: active roles %v", at.Format(time.DateOnly), l, got)
				}
				if e.state(t, l) == extranet.AccountDisabled {
					t.Fatalf("%s disabled at %s", l, at)
				}
			}
		}
		cs, deadline, err := e.svc.Carried(e.ctx, 4243)
		if err != nil || len(cs) != 1 || cs[0].Grants != 3 || cs[0].Directors != 1 || deadline.Format(time.DateOnly) != "2027-09-30" {
			t.Fatalf("Carried = %+v, %s, %v", cs, deadline, err)
		}

		// 6 September: the new year. Anne stays, Marc becomes a teacher,
		// Paul left, Zoé arrives.
		e.clock.Set(brussels(2027, time.September, 6, 18, 0))
		next := wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{
			rentreeStaff[0],
			person("Collin", "Marc", "1970-03-02", "", "marc.collin@ecole.be", "Enseignant"),
			person("Bernard", "Zoé", "1990-05-04", "", "zoe.bernard@ecole.be", "Enseignant"),
		}}
		res := e.transfer(t, 4243, next)
		wantCounts(t, res.Counts, wire.Counts{Created: 3, Renewed: 2})
		if got := e.roles(t, logins[2]); len(got) != 1 {
			t.Fatalf("Paul before the night: %v", got)
		}
		sentBefore := srv.Count()
		rep := e.nightAt(t, brussels(2027, time.September, 7, 2, 0), sender)
		if rep.Expired != 3 || rep.Activated != 3 || rep.Renewed != 2 || rep.RoleChanges != 1 ||
			rep.Invitations != 1 || rep.Notices != 1 || rep.Disabled != 1 || rep.CarriedOver != 0 || rep.Sent != 2 {
			t.Fatalf("night after the new year = %+v", rep)
		}
		got := received(t, srv)
		if srv.Count()-sentBefore != 2 || len(got["anne.lambert@ecole.be"]) != 1 {
			t.Fatalf("messages: %d new, Anne %d", srv.Count()-sentBefore, len(got["anne.lambert@ecole.be"]))
		}
		marc := got["marc.collin@ecole.be"]
		if len(marc) != 2 || marc[1].Subject != extranet.SubjectRoleChange ||
			!strings.Contains(marc[1].Text, "Institut Sainte-Claire (FASE 4243) : Enseignant, année scolaire 2027-2028") {
			t.Fatalf("Marc's messages = %+v", marc)
		}
		if z := got["zoe.bernard@ecole.be"]; len(z) != 1 || z[0].Subject != extranet.SubjectInvitation {
			t.Fatalf("Zoé's messages = %+v", z)
		}
		if e.state(t, logins[2]) != extranet.AccountDisabled || len(e.roles(t, logins[2])) != 0 {
			t.Fatalf("Paul, who left: %s %v", e.state(t, logins[2]), e.roles(t, logins[2]))
		}
		if r := e.roles(t, logins[0]); len(r) != 1 || r[0] != "2027-2028 Enseignant" {
			t.Fatalf("Anne's roles = %v", r)
		}
	})
}

func TestRentreeGraceDeadline(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		// The school never sends 2027-2028: its accesses last through the
		// deadline's day, and end the night after.
		rep := e.nightAt(t, brussels(2027, time.September, 30, 2, 0), sender)
		if rep.Expired != 0 || rep.Disabled != 0 || rep.CarriedOver != 3 {
			t.Fatalf("night of the deadline = %+v", rep)
		}
		rep = e.nightAt(t, brussels(2027, time.October, 1, 2, 0), sender)
		if rep.Expired != 3 || rep.Disabled != 3 || rep.CarriedOver != 0 || rep.CarryDeadline != "" {
			t.Fatalf("night after the deadline = %+v", rep)
		}
		if e.state(t, "anne.lambert.010280") != extranet.AccountDisabled {
			t.Fatal("Anne's account is still open after the deadline")
		}
		// It sends in October: the accounts open again, « rétabli ».
		e.clock.Set(brussels(2027, time.October, 4, 10, 0))
		res := e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2027-2028", Staff: rentreeStaff})
		wantCounts(t, res.Counts, wire.Counts{Created: 3, Renewed: 3})
		rep = e.nightAt(t, brussels(2027, time.October, 5, 2, 0), sender)
		if rep.Reactivated != 3 || rep.Notices != 3 || rep.Sent != 3 {
			t.Fatalf("night after the late transfer = %+v", rep)
		}
	})
}

func TestRentreeNetworkDeadline(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		e.svc.Grace = fwb.MonthDay{Month: time.September, Day: 15}
		startYear(t, e, srv, sender)
		if rep := e.nightAt(t, brussels(2027, time.September, 15, 2, 0), sender); rep.Expired != 0 || rep.CarryDeadline != "2027-09-15" {
			t.Fatalf("night of 15 September = %+v", rep)
		}
		if rep := e.nightAt(t, brussels(2027, time.September, 16, 2, 0), sender); rep.Expired != 3 || rep.Disabled != 3 {
			t.Fatalf("night of 16 September = %+v", rep)
		}
	})
}

func TestRentreeUnchangedSchoolSendsNoEmail(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		e.nightAt(t, brussels(2027, time.July, 3, 2, 0), sender)
		e.clock.Set(brussels(2027, time.August, 24, 10, 0))
		res := e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2027-2028", Staff: rentreeStaff})
		wantCounts(t, res.Counts, wire.Counts{Created: 3, Renewed: 3})
		before := srv.Count()
		rep := e.nightAt(t, brussels(2027, time.August, 25, 2, 0), sender)
		if rep.Activated != 3 || rep.Renewed != 3 || rep.Expired != 3 || rep.Disabled != 0 ||
			rep.Invitations+rep.Notices+rep.Sent != 0 || srv.Count() != before {
			t.Fatalf("night after an unchanged school's new year = %+v, %d e-mails", rep, srv.Count()-before)
		}
		if out, _ := e.st.Outbox(e.ctx, extranet.OutboxFilter{Unsent: true}); len(out) != 0 {
			t.Fatalf("outbox = %+v", out)
		}
		for _, l := range []string{"anne.lambert.010280", "marc.collin.020370", "paul.servais.030475"} {
			if r := e.roles(t, l); len(r) != 1 || !strings.HasPrefix(r[0], "2027-2028") || e.state(t, l) == extranet.AccountDisabled {
				t.Fatalf("%s: %v, %s", l, r, e.state(t, l))
			}
		}
	})
}

func TestRentreePreparedInJune(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		// 14 June 2027: the school sends 2027-2028 as on its first day:
		// Paul leaves with the year, Zoé arrives.
		e.clock.Set(brussels(2027, time.June, 14, 10, 0))
		next := wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{
			rentreeStaff[0], rentreeStaff[1],
			person("Bernard", "Zoé", "1990-05-04", "", "zoe.bernard@ecole.be", "Enseignant"),
		}}
		res := e.transfer(t, 4243, next)
		wantCounts(t, res.Counts, wire.Counts{Created: 3, Renewed: 2})
		// June nights: the new year waits for its start; 2026-2027 goes on.
		rep := e.nightAt(t, brussels(2027, time.June, 15, 2, 0), sender)
		if rep.Activated != 0 || rep.Expired != 0 || rep.Invitations != 0 {
			t.Fatalf("June night = %+v", rep)
		}
		if r := e.roles(t, "paul.servais.030475"); len(r) != 1 {
			t.Fatalf("Paul in June: %v", r)
		}
		// The current year is still sent meanwhile.
		e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2026-2027", Staff: rentreeStaff})
		// The night after the last day: Paul's access ends, Zoé's opens
		// (her invitation), the others continue without an e-mail.
		before := srv.Count()
		rep = e.nightAt(t, brussels(2027, time.July, 3, 2, 0), sender)
		if rep.Expired != 3 || rep.Activated != 3 || rep.Renewed != 2 || rep.Invitations != 1 ||
			rep.Notices != 0 || rep.Disabled != 1 || rep.CarriedOver != 0 || srv.Count()-before != 1 {
			t.Fatalf("night after the last day = %+v, %d e-mails", rep, srv.Count()-before)
		}
		if e.state(t, "paul.servais.030475") != extranet.AccountDisabled {
			t.Fatal("Paul keeps his account")
		}
		// The first day: Zoé has her access.
		e.nightAt(t, brussels(2027, time.August, 30, 2, 0), sender)
		if r := e.roles(t, "zoe.bernard.040590"); len(r) != 1 || r[0] != "2027-2028 Enseignant" {
			t.Fatalf("Zoé on the first day: %v", r)
		}
	})
}

func TestRentreeNewSchoolStillNotified(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		e.addSchool(t, 4244, "Collège Saint-Roch")
		e.clock.Set(brussels(2027, time.August, 24, 10, 0))
		// Anne continues at 4243 as director, and a second school opens
		// an access for her.
		anneDir := person("Lambert", "Anne", "1980-02-01", "", "anne.lambert@ecole.be", "Directeur")
		e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{anneDir, rentreeStaff[1], rentreeStaff[2]}})
		e.transfer(t, 4244, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{rentreeStaff[0]}})
		before := srv.Count()
		rep := e.nightAt(t, brussels(2027, time.August, 25, 2, 0), sender)
		if rep.Activated != 4 || rep.Renewed != 3 || rep.RoleChanges != 1 || rep.Notices != 1 || srv.Count()-before != 1 {
			t.Fatalf("night = %+v, %d e-mails", rep, srv.Count()-before)
		}
		m := received(t, srv)["anne.lambert@ecole.be"]
		last := m[len(m)-1]
		if last.Subject != extranet.SubjectNotice ||
			!strings.Contains(last.Text, "Un nouvel accès s'ouvre pour vous sur l'extranet SeGEC :\n\n- Collège Saint-Roch (FASE 4244) : Enseignant, année scolaire 2027-2028\n") ||
			!strings.Contains(last.Text, "votre rôle change :\n\n- Institut Sainte-Claire (FASE 4243) : Directeur, année scolaire 2027-2028\n") {
			t.Fatalf("Anne's notice: %s\n%s", last.Subject, last.Text)
		}
	})
}

func TestRentreeDirectionWarned(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		e.addSchool(t, 4244, "Collège Saint-Roch")
		e.transfer(t, 4244, wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{
			person("Renard", "Lise", "1972-06-05", "", "lise.renard@roch.be", "Directeur"),
		}})
		e.nightAt(t, brussels(2026, time.November, 28, 2, 0), sender)
		// Collège Saint-Roch sends its new year in time; Institut
		// Sainte-Claire does not.
		e.clock.Set(brussels(2027, time.August, 26, 10, 0))
		e.transfer(t, 4244, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{
			person("Renard", "Lise", "1972-06-05", "", "lise.renard@roch.be", "Directeur"),
		}})
		before := srv.Count()
		if rep := e.nightAt(t, brussels(2027, time.September, 15, 2, 0), sender); rep.GraceWarnings != 0 {
			t.Fatalf("15 September, 15 days before the deadline: %+v", rep)
		}
		rep := e.nightAt(t, brussels(2027, time.September, 16, 2, 0), sender)
		if rep.GraceWarnings != 1 || rep.Sent != 1 || srv.Count()-before != 1 {
			t.Fatalf("16 September: %+v", rep)
		}
		m := received(t, srv)["marc.collin@ecole.be"]
		last := m[len(m)-1]
		for _, want := range []string{"Bonjour Marc Collin", "son personnel de l'année scolaire 2027-2028 :\n\n- Institut Sainte-Claire (FASE 4243)\n",
			"Les accès de l'année 2026-2027 restent ouverts jusqu'au 30/09/2027 inclus.", "bouton Extranet SeGEC", "marc.collin.020370"} {
			if last.Subject != extranet.SubjectGraceWarning || !strings.Contains(last.Text, want) {
				t.Fatalf("warning lacks %q: %s\n%s", want, last.Subject, last.Text)
			}
		}
		// Once a year.
		if rep := e.nightAt(t, brussels(2027, time.September, 17, 2, 0), sender); rep.GraceWarnings != 0 || rep.Sent != 0 {
			t.Fatalf("17 September: %+v", rep)
		}
		if got := received(t, srv)["lise.renard@roch.be"]; len(got) != 1 {
			t.Fatalf("Lise, whose school sent the new year: %d e-mails", len(got))
		}
	})
}

func TestRentreeGuard(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		// The school software's new year is not encoded yet: the first
		// transfer of 2027-2028 sends only the newcomer. It would end the
		// three carried-over accesses: held.
		e.clock.Set(brussels(2027, time.July, 12, 19, 0))
		zoe := person("Bernard", "Zoé", "1990-05-04", "", "zoe.bernard@ecole.be", "Enseignant")
		snap := wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{zoe}}
		_, err := e.svc.Transfer(e.ctx, 4243, snap, extranet.TransferOptions{})
		held := wantErr[*extranet.HeldError](t, err)
		if held.Deactivations != 3 || held.Result.Counts.Deactivated != 3 {
			t.Fatalf("held = %+v", held)
		}
		change(t, held.Result, wire.ActionDeactivated, "Servais")
		rep := e.nightAt(t, brussels(2027, time.July, 13, 2, 0), sender)
		if rep.Expired != 0 || rep.CarriedOver != 3 || rep.Activated != 0 {
			t.Fatalf("night after the held transfer = %+v", rep)
		}
		// Confirmed, it applies; the night ends the three accesses.
		e.clock.Set(brussels(2027, time.July, 13, 10, 0))
		snap.ConfirmDeactivations = 3
		res := e.transfer(t, 4243, snap)
		wantCounts(t, res.Counts, wire.Counts{Created: 1})
		rep = e.nightAt(t, brussels(2027, time.July, 14, 2, 0), sender)
		if rep.Expired != 3 || rep.Disabled != 3 || rep.Invitations != 1 || rep.CarriedOver != 0 {
			t.Fatalf("night after the confirmed transfer = %+v", rep)
		}
	})
}

func TestRentreeKeptMemberCarriedIntoTheNewYear(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		startYear(t, e, srv, sender)
		// Paul's new situation has a blocking finding: the school holds
		// him back (keep) in its first transfer of 2027-2028.
		e.clock.Set(brussels(2027, time.August, 24, 10, 0))
		res := e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2027-2028",
			Staff: rentreeStaff[:2],
			Keep:  []wire.KeepEntry{{LastName: "Servais", FirstName: "Paul", BirthDate: "1975-04-03"}},
		})
		wantCounts(t, res.Counts, wire.Counts{Created: 2, Renewed: 3})
		before := srv.Count()
		rep := e.nightAt(t, brussels(2027, time.August, 25, 2, 0), sender)
		if rep.Expired != 3 || rep.Activated != 3 || rep.Renewed != 3 || rep.Disabled != 0 || srv.Count() != before {
			t.Fatalf("night = %+v, %d e-mails", rep, srv.Count()-before)
		}
		if r := e.roles(t, "paul.servais.030475"); len(r) != 1 || r[0] != "2027-2028 Enseignant" {
			t.Fatalf("Paul's roles = %v", r)
		}
		// Sent again, the same snapshot changes nothing more.
		e.clock.Set(brussels(2027, time.August, 26, 10, 0))
		res = e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2027-2028",
			Staff: rentreeStaff[:2],
			Keep:  []wire.KeepEntry{{LastName: "Servais", FirstName: "Paul", BirthDate: "1975-04-03"}},
		})
		wantCounts(t, res.Counts, wire.Counts{Unchanged: 2})
	})
}
