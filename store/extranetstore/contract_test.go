package extranetstore_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

func TestTransferKinds(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		a := person("Dupont", "Jean", "1980-05-04", "18005040123", "Jean.Dupont@ecole.be", "Enseignant")
		b := person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant")
		c := person("Émile", "Zoé", "1990-12-01", "", "zoe.emile@ecole.be", "Directeur")

		r := e.transfer(t, 4242, snapshot(a, b, c))
		wantCounts(t, r.Counts, wire.Counts{Created: 3})
		if want := brussels(2026, time.November, 27, 2, 0); !r.EffectiveAt.Equal(want) {
			t.Fatalf("EffectiveAt = %v, want %v", r.EffectiveAt, want)
		}
		if r.TransferID == "" || r.DryRun || r.SchoolYear != year {
			t.Fatalf("result = %+v", r)
		}
		if got := change(t, r, wire.ActionCreated, "Dupont").Email; got != "jean.dupont@ecole.be" {
			t.Fatalf("e-mail not normalised: %q", got)
		}
		g := e.grants(t, 4242)
		if d := g["Dupont Jean"]; d.State != extranet.GrantPending || d.Login != "" || d.Matricule != "18005040123" {
			t.Fatalf("before the night: %+v", d)
		}

		rep := e.night(t)
		if rep.Activated != 3 || rep.CreatedAccounts != 3 || rep.Invitations != 3 {
			t.Fatalf("night = %+v", rep)
		}
		g = e.grants(t, 4242)
		if d := g["Dupont Jean"]; d.State != extranet.GrantActive || d.Login != "jean.dupont.040580" {
			t.Fatalf("after the night: %+v", d)
		}

		b2 := b
		b2.Role = "Directeur"
		d := person("Lefèvre", "Anne", "1985-03-03", "", "anne.lefevre@ecole.be", "enseignante")
		unknown := person("Secret", "Sam", "1970-07-07", "", "sam@ecole.be", "Secrétaire")
		r = e.transfer(t, 4242, snapshot(a, b2, d, unknown))
		wantCounts(t, r.Counts, wire.Counts{Created: 1, Modified: 1, Deactivated: 1, Unchanged: 1, Rejected: 1})
		if m := change(t, r, wire.ActionModified, "Martin"); m.Role != "Directeur" || m.PreviousRole != "Enseignant" {
			t.Fatalf("modified = %+v", m)
		}
		if c := change(t, r, wire.ActionDeactivated, "Émile"); c.Role != "Directeur" {
			t.Fatalf("deactivated = %+v", c)
		}
		if c := change(t, r, wire.ActionCreated, "Lefèvre"); c.Role != "Enseignant" {
			t.Fatalf("role not canonical: %+v", c)
		}
		if c := change(t, r, wire.ActionRejected, "Secret"); !strings.Contains(c.Reason, "rôle « Secrétaire » inconnu") {
			t.Fatalf("rejected = %+v", c)
		}
		var order []string
		for _, c := range r.Changes {
			order = append(order, c.Action)
		}
		if got := strings.Join(order, ","); got != "rejected,modified,created,deactivated,unchanged" {
			t.Fatalf("order = %s", got)
		}

		g = e.grants(t, 4242)
		// A deactivation is immediate; a modification waits for the night.
		if s := g["Émile Zoé"].State; s != extranet.GrantDeactivated {
			t.Fatalf("Émile state = %s", s)
		}
		if m := g["Martin Luc"]; m.State != extranet.GrantPending || m.Role != "Directeur" {
			t.Fatalf("Martin = %+v", m)
		}
		var active string
		if err := e.st.DB().Read().QueryRow(e.ctx, `SELECT role FROM grants WHERE last_name = 'Martin'`).Scan(&active); err != nil || active != "Enseignant" {
			t.Fatalf("active role before the night = %q, %v", active, err)
		}

		// The same snapshot again changes nothing.
		audits := e.count(t, `SELECT COUNT(*) FROM audit`)
		r = e.transfer(t, 4242, snapshot(a, b2, d, unknown))
		wantCounts(t, r.Counts, wire.Counts{Unchanged: 3, Rejected: 1})
		if n := e.count(t, `SELECT COUNT(*) FROM audit`); n != audits+1 {
			t.Fatalf("audit entries %d → %d", audits, n)
		}

		rep = e.night(t)
		if rep.Activated != 1 || rep.Modified != 1 || rep.Invitations != 1 {
			t.Fatalf("night = %+v", rep)
		}
		g = e.grants(t, 4242)
		if m := g["Martin Luc"]; m.State != extranet.GrantActive || m.Role != "Directeur" {
			t.Fatalf("Martin after the night = %+v", m)
		}

		// Back after a deactivation: created again.
		r = e.transfer(t, 4242, snapshot(a, b2, d, c))
		wantCounts(t, r.Counts, wire.Counts{Created: 1, Unchanged: 3})
		change(t, r, wire.ActionCreated, "Émile")
		if s := e.grants(t, 4242)["Émile Zoé"].State; s != extranet.GrantPending {
			t.Fatalf("Émile back: %s", s)
		}
	})
}

func TestPersonInTwoSchools(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		e.addSchool(t, 5555, "Institut Sainte-Marie")
		a := person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@ecole.be", "Enseignant")
		b := person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant")
		// The other school writes the names otherwise and has no matricule.
		a2 := person("DUPONT", "jean", "1980-05-04", "", "j.dupont@sainte-marie.be", "Directeur")
		x := person("Xavier", "Yves", "1966-06-06", "", "yves.xavier@sainte-marie.be", "Enseignant")
		e.transfer(t, 4242, snapshot(a, b))
		r := e.transfer(t, 5555, snapshot(a2, x))
		wantCounts(t, r.Counts, wire.Counts{Created: 2})
		if n := e.count(t, `SELECT COUNT(*) FROM persons`); n != 3 {
			t.Fatalf("persons = %d, want 3", n)
		}
		rep := e.night(t)
		// Jean's two schools give two addresses: each gets its own
		// invitation, listing only the access given to it.
		if rep.Activated != 4 || rep.CreatedAccounts != 3 || rep.Invitations != 4 {
			t.Fatalf("night = %+v", rep)
		}
		acc, err := e.st.AccountByLogin(e.ctx, "Jean.Dupont.040580")
		if err != nil {
			t.Fatal(err)
		}
		pgs, err := e.st.PersonGrants(e.ctx, acc.PersonID)
		if err != nil || len(pgs) != 2 {
			t.Fatalf("PersonGrants = %+v, %v", pgs, err)
		}
		names := map[int]string{}
		for _, pg := range pgs {
			names[pg.Grant.FASE] = pg.SchoolName + "/" + pg.Grant.Role + "/" + pg.Grant.State
		}
		if names[4242] != "École Saint-Joseph/Enseignant/active" || names[5555] != "Institut Sainte-Marie/Directeur/active" {
			t.Fatalf("grants = %v", names)
		}
		if byMail, err := e.st.AccountByEmail(e.ctx, acc.Email); err != nil || byMail.ID != acc.ID {
			t.Fatalf("AccountByEmail = %+v, %v", byMail, err)
		}

		// Leaving one school leaves the other untouched.
		r = e.transfer(t, 5555, snapshot(x))
		wantCounts(t, r.Counts, wire.Counts{Deactivated: 1, Unchanged: 1})
		if s := e.grants(t, 5555)["DUPONT jean"].State; s != extranet.GrantDeactivated {
			t.Fatalf("5555 grant = %s", s)
		}
		if s := e.grants(t, 4242)["Dupont Jean"].State; s != extranet.GrantActive {
			t.Fatalf("4242 grant = %s", s)
		}
		rep = e.night(t)
		if rep.Disabled != 0 {
			t.Fatalf("an account with an active grant was disabled: %+v", rep)
		}
		if acc, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580"); acc.State == extranet.AccountDisabled {
			t.Fatal("account disabled")
		}
	})
}

func TestRejectionsChangeNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		e.addSchool(t, 6666, "Collège Saint-Paul")
		a := person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@ecole.be", "Enseignant")
		b := person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant")
		c := person("Colin", "Marc", "1971-02-02", "", "marc.colin@ecole.be", "Enseignant")
		d := person("Denis", "Eva", "1972-03-03", "", "eva.denis@ecole.be", "Enseignant")
		f := person("Fabre", "Ana", "1973-04-04", "", "ana.fabre@ecole.be", "Enseignant")
		// Two people with the same names and birth date, told apart by
		// their matricules.
		px := person("Durand", "Paul", "1970-01-01", "17001010001", "paul.durand@ecole.be", "Enseignant")
		py := person("Durand", "Paul", "1970-01-01", "17001010002", "p.durand@saint-paul.be", "Enseignant")
		z := person("Zeller", "Zoé", "1960-01-01", "", "zoe.zeller@saint-paul.be", "Directeur")
		e.transfer(t, 4242, snapshot(a, b, c, d, f, px))
		r := e.transfer(t, 6666, snapshot(py, z))
		wantCounts(t, r.Counts, wire.Counts{Created: 2})
		e.night(t)

		badBirth := a
		badBirth.BirthDate = "1981-01-01"
		badBirth.Role = "Directeur"
		takenMail := person("Nouveau", "Noé", "1990-01-01", "", "zoe.zeller@saint-paul.be", "Enseignant")
		shared := person("Gilles", "Guy", "1991-01-01", "", "eva.denis@ecole.be", "Enseignant")
		ambiguous := person("Durand", "Paul", "1970-01-01", "", "paul.durand@ecole.be", "Directeur")
		c2 := c
		c2.Role = "Directeur"
		r = e.transfer(t, 4242, snapshot(badBirth, b, c2, c2, d, shared, f, takenMail, ambiguous))
		wantCounts(t, r.Counts, wire.Counts{Unchanged: 2, Rejected: 7})
		reasons := map[string]string{}
		for _, ch := range r.Changes {
			if ch.Action == wire.ActionRejected {
				reasons[ch.LastName] = ch.Reason
			}
		}
		for last, want := range map[string]string{
			"Dupont":  "le matricule 18005040123 est déjà connu de l'extranet avec une autre date de naissance : vérifiez",
			"Nouveau": "déjà celle d'une autre personne",
			"Colin":   "figure plusieurs fois",
			"Denis":   "donnée à plusieurs personnes",
			"Gilles":  "donnée à plusieurs personnes",
			"Durand":  "plusieurs personnes connues",
		} {
			if !strings.Contains(reasons[last], want) {
				t.Errorf("reason for %s = %q, want it to contain %q", last, reasons[last], want)
			}
		}
		// The birth date the extranet holds is never told: a school could
		// otherwise look up anyone's by sending their matricule.
		if r := reasons["Dupont"]; strings.Contains(r, "04/05/1980") || strings.Contains(r, "1980-05-04") {
			t.Errorf("reason for Dupont tells the known birth date: %q", r)
		}
		// Every grant the rejected lines may designate is as it was.
		g := e.grants(t, 4242)
		for _, name := range []string{"Dupont Jean", "Martin Luc", "Colin Marc", "Denis Eva", "Fabre Ana", "Durand Paul"} {
			if s := g[name]; s.State != extranet.GrantActive || s.Role != "Enseignant" {
				t.Errorf("%s = %+v", name, s)
			}
		}
		if n := e.count(t, `SELECT COUNT(*) FROM persons`); n != 8 {
			t.Fatalf("persons = %d, want 8 (nothing created)", n)
		}
		open, err := e.st.Rejections(e.ctx, extranet.RejectionFilter{FASE: 4242, OpenOnly: true})
		if err != nil || len(open) != 6 {
			t.Fatalf("open rejections = %d, %v; want 6", len(open), err)
		}

		// The corrected snapshot resolves them.
		r = e.transfer(t, 4242, snapshot(a, b, c, d, f, px))
		wantCounts(t, r.Counts, wire.Counts{Unchanged: 6})
		if open, _ := e.st.Rejections(e.ctx, extranet.RejectionFilter{FASE: 4242, OpenOnly: true}); len(open) != 0 {
			t.Fatalf("open rejections after the correction = %d", len(open))
		}
		if all, _ := e.st.Rejections(e.ctx, extranet.RejectionFilter{FASE: 4242}); len(all) != 6 {
			t.Fatalf("rejections kept = %d, want 6", len(all))
		}
	})
}

func TestKeep(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		a := person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@ecole.be", "Enseignant")
		b := person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant")
		c := person("Colin", "Marc", "1971-02-02", "", "marc.colin@ecole.be", "Enseignant")
		e.transfer(t, 4242, snapshot(a, b, c))
		snap := snapshot(c)
		snap.Keep = []wire.KeepEntry{
			{LastName: "Dupont", FirstName: "Jean", Matricule: "18005040123"},
			{LastName: "martin", FirstName: "LUC", BirthDate: "1975-01-31"},
		}
		r := e.transfer(t, 4242, snap)
		wantCounts(t, r.Counts, wire.Counts{Unchanged: 1})
		for _, g := range e.grants(t, 4242) {
			if g.State != extranet.GrantPending {
				t.Fatalf("%s %s = %s", g.LastName, g.FirstName, g.State)
			}
		}
	})
}

func TestGuard(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		staff := numbered("Prof", 10)
		e.transfer(t, 4242, snapshot(staff...))
		e.night(t)

		snap := snapshot(staff[:5]...)
		_, err := e.svc.Transfer(e.ctx, 4242, snap, extranet.TransferOptions{})
		held := wantErr[*extranet.HeldError](t, err)
		if held.Deactivations != 5 || held.Result.Counts.Deactivated != 5 || held.Result.Counts.Unchanged != 5 {
			t.Fatalf("held = %+v", held)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM grants WHERE state = 'active'`); n != 10 {
			t.Fatalf("active grants after a held transfer = %d", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM audit WHERE action = 'transfer.held'`); n != 1 {
			t.Fatalf("held transfers audited = %d", n)
		}
		snap.ConfirmDeactivations = 4
		_, err = e.svc.Transfer(e.ctx, 4242, snap, extranet.TransferOptions{})
		wantErr[*extranet.HeldError](t, err)

		snap.ConfirmDeactivations = 5
		r := e.transfer(t, 4242, snap)
		wantCounts(t, r.Counts, wire.Counts{Deactivated: 5, Unchanged: 5})
		if n := e.count(t, `SELECT COUNT(*) FROM grants WHERE state = 'active'`); n != 5 {
			t.Fatalf("active grants = %d", n)
		}

		// All of a school's grants, even few, need a confirmation.
		e.addSchool(t, 7777, "Petite école")
		e.transfer(t, 7777, snapshot(numbered("Solo", 2)...))
		_, err = e.svc.Transfer(e.ctx, 7777, snapshot(), extranet.TransferOptions{})
		if held := wantErr[*extranet.HeldError](t, err); held.Deactivations != 2 {
			t.Fatalf("held = %+v", held)
		}
		empty := snapshot()
		empty.ConfirmDeactivations = 2
		r = e.transfer(t, 7777, empty)
		wantCounts(t, r.Counts, wire.Counts{Deactivated: 2})
	})
}

func TestDryRun(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		a := person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Enseignant")
		b := person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant")
		c := person("Colin", "Marc", "1971-02-02", "", "marc.colin@ecole.be", "Enseignant")
		e.transfer(t, 4242, snapshot(a, b))
		e.night(t)

		a.Role = "Directeur"
		bad := person("Bad", "Role", "1970-01-01", "", "bad@ecole.be", "Concierge")
		snap := snapshot(a, c, bad)
		tables := []string{"persons", "grants", "audit", "rejections", "idempotency", "accounts"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = e.count(t, `SELECT COUNT(*) FROM `+tb)
		}
		grantsBefore := e.grants(t, 4242)
		dry, err := e.svc.Transfer(e.ctx, 4242, snap, extranet.TransferOptions{DryRun: true, IdempotencyKey: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		if !dry.DryRun {
			t.Fatal("DryRun not set in the result")
		}
		wantCounts(t, dry.Counts, wire.Counts{Created: 1, Modified: 1, Deactivated: 1, Rejected: 1})
		for _, tb := range tables {
			if n := e.count(t, `SELECT COUNT(*) FROM `+tb); n != before[tb] {
				t.Fatalf("dry run wrote to %s: %d → %d", tb, before[tb], n)
			}
		}
		for k, g := range e.grants(t, 4242) {
			if g != grantsBefore[k] {
				t.Fatalf("dry run changed %s: %+v → %+v", k, grantsBefore[k], g)
			}
		}

		real, err := e.svc.Transfer(e.ctx, 4242, snap, extranet.TransferOptions{IdempotencyKey: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		if real.Counts != dry.Counts || len(real.Changes) != len(dry.Changes) {
			t.Fatalf("dry %+v ≠ real %+v", dry, real)
		}
		for i := range real.Changes {
			if real.Changes[i] != dry.Changes[i] {
				t.Fatalf("change %d: dry %+v ≠ real %+v", i, dry.Changes[i], real.Changes[i])
			}
		}
	})
}

func TestIdempotency(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		snap := snapshot(numbered("Prof", 3)...)
		opt := extranet.TransferOptions{IdempotencyKey: "abc-123", BodyHash: "h1"}
		first, err := e.svc.Transfer(e.ctx, 4242, snap, opt)
		if err != nil {
			t.Fatal(err)
		}
		audits := e.count(t, `SELECT COUNT(*) FROM audit`)
		again, err := e.svc.Transfer(e.ctx, 4242, snap, opt)
		if err != nil {
			t.Fatal(err)
		}
		if again.TransferID != first.TransferID || again.Counts != first.Counts || again.Counts.Created != 3 ||
			!again.EffectiveAt.Equal(first.EffectiveAt) || len(again.Changes) != 3 {
			t.Fatalf("replay = %+v, first = %+v", again, first)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM audit`); n != audits {
			t.Fatal("a replay was applied again")
		}
		other := snapshot(numbered("Prof", 2)...)
		_, err = e.svc.Transfer(e.ctx, 4242, other, extranet.TransferOptions{IdempotencyKey: "abc-123", BodyHash: "h2"})
		if !errors.Is(err, extranet.ErrIdempotencyConflict) {
			t.Fatalf("err = %v, want ErrIdempotencyConflict", err)
		}
		// Without a body hash, the snapshot itself is compared.
		_, err = e.svc.Transfer(e.ctx, 4242, snap, extranet.TransferOptions{IdempotencyKey: "k2"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = e.svc.Transfer(e.ctx, 4242, other, extranet.TransferOptions{IdempotencyKey: "k2"}); !errors.Is(err, extranet.ErrIdempotencyConflict) {
			t.Fatalf("err = %v, want ErrIdempotencyConflict", err)
		}
		// Keys belong to one school.
		e.addSchool(t, 5555, "Autre école")
		if _, err := e.svc.Transfer(e.ctx, 5555, other, extranet.TransferOptions{IdempotencyKey: "abc-123", BodyHash: "h2"}); err != nil {
			t.Fatal(err)
		}
		// Kept at least 24 hours: the night two days later forgets them.
		e.clock.Set(e.clock.Now().Add(72 * time.Hour))
		e.night(t)
		if n := e.count(t, `SELECT COUNT(*) FROM idempotency`); n != 0 {
			t.Fatalf("idempotency keys after 3 days = %d", n)
		}
	})
}

func TestTokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		tok := e.addSchool(t, 4242, "École Saint-Joseph")
		if !strings.HasPrefix(tok, "psr_") || len(tok) != 4+43 {
			t.Fatalf("token = %q", tok)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM school_tokens WHERE token_hash = ?`, tok); n != 0 {
			t.Fatal("the token is stored in clear")
		}
		if fase, err := e.svc.AuthenticateSchool(e.ctx, tok); err != nil || fase != 4242 {
			t.Fatalf("AuthenticateSchool = %d, %v", fase, err)
		}
		if _, err := e.svc.AuthenticateSchool(e.ctx, tok+"x"); !errors.Is(err, extranet.ErrBadToken) {
			t.Fatalf("bad token: %v", err)
		}
		if _, err := e.svc.AddSchool(e.ctx, 4242, "Encore", "op"); !errors.Is(err, extranet.ErrSchoolExists) {
			t.Fatalf("AddSchool twice: %v", err)
		}
		// The audit log is read newest first: let time pass between entries.
		e.clock.Set(e.clock.Now().Add(time.Minute))
		tok2, err := e.svc.RotateToken(e.ctx, 4242, "operator:test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthenticateSchool(e.ctx, tok); !errors.Is(err, extranet.ErrBadToken) {
			t.Fatalf("old token after rotation: %v", err)
		}
		if fase, err := e.svc.AuthenticateSchool(e.ctx, tok2); err != nil || fase != 4242 {
			t.Fatalf("new token = %d, %v", fase, err)
		}
		e.clock.Set(e.clock.Now().Add(time.Minute))
		if err := e.svc.RevokeTokens(e.ctx, 4242, "operator:test"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthenticateSchool(e.ctx, tok2); !errors.Is(err, extranet.ErrBadToken) {
			t.Fatalf("revoked token: %v", err)
		}
		if _, err := e.svc.RotateToken(e.ctx, 9999, "op"); !errors.Is(err, extranet.ErrUnknownSchool) {
			t.Fatalf("RotateToken of an unknown school: %v", err)
		}
		if _, err := e.svc.Transfer(e.ctx, 9999, snapshot(), extranet.TransferOptions{}); !errors.Is(err, extranet.ErrUnknownSchool) {
			t.Fatalf("Transfer to an unknown school: %v", err)
		}
		if _, err := e.svc.Grants(e.ctx, 9999, ""); !errors.Is(err, extranet.ErrUnknownSchool) {
			t.Fatalf("Grants of an unknown school: %v", err)
		}
		entries, err := e.st.Audit(e.ctx, extranet.AuditFilter{FASE: 4242})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range entries {
			actions = append(actions, a.Action)
		}
		if got := strings.Join(actions, ","); got != "token.revoked,token.rotated,school.added" {
			t.Fatalf("audit = %s", got)
		}
	})
}

func TestValidationAndYear(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		// An entry's faults make it rejected, with the first as its reason;
		// the others apply.
		bad := snapshot(person("", "Jean", "1980-13-01", "", "pas-une-adresse", ""), person("Dupont", "Luc", "1981-02-03", "", "luc@ecole.be", "Enseignant"))
		res, err := e.svc.Transfer(e.ctx, 4242, bad, extranet.TransferOptions{})
		if err != nil || res.Counts.Rejected != 1 || res.Counts.Created != 1 {
			t.Fatalf("entry faults: %+v, %v", res.Counts, err)
		}
		// A fault of the snapshot refuses it.
		bad.SchoolYear = "2026-2028"
		_, err = e.svc.Transfer(e.ctx, 4242, bad, extranet.TransferOptions{})
		ve := wantErr[*extranet.ValidationError](t, err)
		if len(ve.Problems) != 1 || ve.Problems[0].Field != "schoolYear" {
			t.Fatalf("problems = %+v", ve.Problems)
		}
		old := snapshot(numbered("Prof", 1)...)
		old.SchoolYear = "2024-2025"
		_, err = e.svc.Transfer(e.ctx, 4242, old, extranet.TransferOptions{})
		ve = wantErr[*extranet.ValidationError](t, err)
		if !strings.Contains(ve.Problems[0].Message, "terminée") {
			t.Fatalf("ended year: %+v", ve.Problems)
		}
		sg, err := e.svc.Grants(e.ctx, 4242, "")
		if err != nil || sg.SchoolYear != year || sg.FASE != "4242" {
			t.Fatalf("Grants = %+v, %v", sg, err)
		}
	})
}

func TestConcurrentTransfers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1001, "École A")
		e.addSchool(t, 1002, "École B")
		own1, own2 := numbered("Alpha", 30), numbered("Beta", 30)
		shared := numbered("Commun", 10)
		for i := range shared {
			if i%2 == 0 {
				shared[i].Matricule = "1800101" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "00"
			}
		}
		snaps := map[int]wire.Snapshot{}
		s1 := append(append([]wire.StaffEntry{}, own1...), shared...)
		var s2 []wire.StaffEntry
		s2 = append(s2, own2...)
		for _, p := range shared {
			p.Email = strings.Replace(p.Email, "@ecole.be", "@ecole-b.be", 1)
			s2 = append(s2, p)
		}
		snaps[1001], snaps[1002] = snapshot(s1...), snapshot(s2...)

		type out struct {
			fase int
			res  wire.TransferResult
			err  error
		}
		results := make(chan out, 8)
		var wg sync.WaitGroup
		for _, fase := range []int{1001, 1002, 1001, 1002, 1001, 1002} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.svc.Transfer(e.ctx, fase, snaps[fase], extranet.TransferOptions{})
				results <- out{fase, r, err}
			}()
		}
		wg.Wait()
		close(results)
		created := map[int]int{}
		for o := range results {
			if o.err != nil {
				t.Fatalf("transfer %d: %v", o.fase, o.err)
			}
			c := o.res.Counts
			switch {
			case c == wire.Counts{Created: 40}:
				created[o.fase]++
			case c == wire.Counts{Unchanged: 40}:
			default:
				// Interleaved transfers of one school would show a mix.
				t.Fatalf("school %d: counts %+v", o.fase, c)
			}
		}
		if created[1001] != 1 || created[1002] != 1 {
			t.Fatalf("created by school = %v, want one creating transfer each", created)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM persons`); n != 70 {
			t.Fatalf("persons = %d, want 70 (shared people once)", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM grants`); n != 80 {
			t.Fatalf("grants = %d, want 80", n)
		}
	})
}

func TestNightLock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		release, err := e.st.LockNight(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.LockNight(e.ctx); !errors.Is(err, extranet.ErrNightRunning) {
			t.Fatalf("second lock: %v", err)
		}
		if _, err := e.svc.Night(e.ctx, time.Time{}, nil); !errors.Is(err, extranet.ErrNightRunning) {
			t.Fatalf("Night while locked: %v", err)
		}
		release()
		release() // twice is harmless
		release2, err := e.st.LockNight(e.ctx)
		if err != nil {
			t.Fatalf("lock after release: %v", err)
		}
		release2()
		if err := e.svc.Ready(e.ctx); err != nil {
			t.Fatalf("Ready: %v", err)
		}
	})
}
