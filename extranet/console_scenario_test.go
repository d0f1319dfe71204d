package extranet_test

import (
	"errors"
	"strings"
	"testing"

	"passerelle/extranet"
)

func TestOperators(t *testing.T) {
	w := newWorld(t)
	o, err := w.portal.AddOperator(w.ctx, " Ana.Lopez ", "  Ana   Lopez ", "$2a$hash", "operator:root")
	if err != nil {
		t.Fatal(err)
	}
	if o.Login != "ana.lopez" || o.Name != "Ana Lopez" || o.Actor() != "operator:ana.lopez" {
		t.Errorf("operator %+v, actor %s", o, o.Actor())
	}
	for _, test := range []struct{ login, name, hash, want string }{
		{"a", "Ana", "h", "identifiant \"a\" invalide"},
		{"ana lopez", "Ana", "h", "invalide"},
		{"élise", "Élise", "h", "invalide"},
		{"bob", " ", "h", "nom de l'opérateur manquant"},
		{"bob", "Bob\a", "h", "illisible"},
		{"bob", "Bob\u200b", "h", "illisible"},     // zero-width space
		{"bob", "\u202eBob Ana", "h", "illisible"}, // right-to-left override
		{"bob", "Bob", "", "mot de passe manquant"},
	} {
		_, err := w.portal.AddOperator(w.ctx, test.login, test.name, test.hash, "operator:root")
		if msg := refusal(t, err); !strings.Contains(msg, test.want) {
			t.Errorf("AddOperator(%q, %q): %q, want %q", test.login, test.name, msg, test.want)
		}
	}
	if _, err := w.portal.AddOperator(w.ctx, "ana.lopez", "Ana Bis", "h", "operator:root"); !errors.Is(err, extranet.ErrOperatorExists) {
		t.Errorf("same login: %v", err)
	}
	if n := w.audited(t, extranet.AuditOperatorAdded); n != 1 {
		t.Errorf("%d operators audited", n)
	}
	if err := w.portal.Audit(w.ctx, "operator:ana.lopez", extranet.AuditOperatorSignIn, 0, map[string]string{"ip": "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if n := w.audited(t, extranet.AuditOperatorSignIn); n != 1 {
		t.Errorf("Audit wrote %d entries", n)
	}
}

// An operator disables an account: it stays so whatever the schools open,
// until an operator enables it.
func TestAccountDisabledByAnOperator(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	w.send(t, 4242, staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"))
	w.night(t)
	acc := w.account(t, "jean.dupont.040580")

	a, err := w.portal.SetAccountDisabled(w.ctx, acc.ID, true, "operator:ana")
	if err != nil || a.State != extranet.AccountDisabled || a.DisabledBy != "operator:ana" {
		t.Fatalf("disabled: %+v, %v", a, err)
	}
	if msg := refusal(t, second(w.portal.SetAccountDisabled(w.ctx, acc.ID, true, "operator:ana"))); msg != "ce compte est déjà désactivé" {
		t.Errorf("twice: %s", msg)
	}
	if _, err := w.portal.SetAccountDisabled(w.ctx, "nope", true, "operator:ana"); !errors.Is(err, extranet.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := w.portal.Access(w.ctx, acc.ID, ""); !errors.Is(err, extranet.ErrNoAccess) {
		t.Errorf("a disabled account reaches: %v", err)
	}
	if msg := refusal(t, w.portal.ResendInvitation(w.ctx, acc.ID, "operator:ana", w.box)); !strings.Contains(msg, "pas d'accès actif") {
		t.Errorf("invitation of a disabled account: %s", msg)
	}
	// The answer to a sign-in request tells nothing opens, and no night will.
	ms, err := w.portal.RequestSignIn(w.ctx, "jean.dupont.040580", linkURL)
	if err != nil || len(ms) != 1 || ms[0].Subject != extranet.SubjectNoAccess {
		t.Fatalf("request: %+v, %v", ms, err)
	}

	// A second school's access opens, the account stays disabled, no invitation.
	w.school(t, 5555, "Autre école")
	w.send(t, 5555, staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Directeur"))
	if rep := w.night(t); rep.KeptDisabled != 1 || rep.Invitations != 0 || rep.Reactivated != 0 {
		t.Errorf("night: %+v", rep)
	}
	if a := w.account(t, "jean.dupont.040580"); a.State != extranet.AccountDisabled {
		t.Errorf("account after the night: %+v", a)
	}

	a, err = w.portal.SetAccountDisabled(w.ctx, acc.ID, false, "operator:ana")
	if err != nil || a.State != extranet.AccountInvited || a.DisabledBy != "" {
		t.Fatalf("enabled: %+v, %v", a, err)
	}
	if msg := refusal(t, second(w.portal.SetAccountDisabled(w.ctx, acc.ID, false, "operator:ana"))); msg != "ce compte n'est pas désactivé" {
		t.Errorf("enable twice: %s", msg)
	}
	if w.audited(t, extranet.AuditAccountDisabled) != 1 || w.audited(t, extranet.AuditAccountEnabled) != 1 {
		t.Error("the decisions are not audited once each")
	}
	if acc, err := w.portal.Access(w.ctx, acc.ID, ""); err != nil || len(acc.Active) != 2 {
		t.Errorf("enabled, the account reaches %+v, %v", acc.Active, err)
	}
}

func second[T any](_ T, err error) error { return err }

// « Renvoyer l'invitation »: a fresh invitation with the account's active
// accesses and a link of its own, delivered at once or by the next night.
func TestResendInvitation(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	w.send(t, 4242, staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"))
	w.night(t)
	acc := w.account(t, "jean.dupont.040580")

	if err := w.portal.ResendInvitation(w.ctx, acc.ID, "operator:ana", w.box); err != nil {
		t.Fatal(err)
	}
	got := w.box.to("jean@ecole.be")
	if len(got) != 2 || got[1].Subject != extranet.SubjectInvitation || !strings.Contains(got[1].Text, signInPath) {
		t.Fatalf("resent invitation: %+v", got)
	}
	if _, err := w.portal.SignIn(w.ctx, tokenIn(t, got[1].Text, signInPath)); err != nil {
		t.Errorf("the resent invitation's link: %v", err)
	}

	// Without a sender, the night delivers it.
	if err := w.portal.ResendInvitation(w.ctx, acc.ID, "operator:ana", nil); err != nil {
		t.Fatal(err)
	}
	if unsent, _ := w.st.Outbox(w.ctx, extranet.OutboxFilter{Unsent: true}); len(unsent) != 1 {
		t.Errorf("%d messages wait", len(unsent))
	}
	// A server that refuses: recorded, and said.
	w.box.fail = errors.New("421 service not available")
	err := w.portal.ResendInvitation(w.ctx, acc.ID, "operator:ana", w.box)
	if err == nil || !strings.HasPrefix(err.Error(), "invitation enregistrée mais non envoyée") {
		t.Errorf("server down: %v", err)
	}
	w.box.fail = nil
	if n := w.audited(t, extranet.AuditInvitationResent); n != 3 {
		t.Errorf("%d invitations resent audited, want 3", n)
	}

	// « Simuler la nuit » delivers what waits, and is audited.
	rep, err := w.portal.RunNight(w.ctx, "operator:ana", w.box)
	if err != nil || rep.Sent != 2 {
		t.Errorf("RunNight: %+v, %v", rep, err)
	}
	if n := w.audited(t, extranet.AuditNightRequested); n != 1 {
		t.Errorf("%d night requests audited", n)
	}
}

// Operators settle rejected entries: the preview says what the decision
// does and writes nothing; the decision opens the access at the next night.
func TestRejectionDecisions(t *testing.T) {
	w := newWorld(t)
	for fase, name := range map[int]string{1: "École A", 2: "École B", 3: "École C"} {
		w.school(t, fase, name)
	}
	w.send(t, 1, staff("Leroy", "Marc", "1980-01-01", "18001010001", "marc@a.be", "Enseignant"),
		staff("Roux", "Yves", "1970-01-01", "17001010003", "yves@a.be", "Enseignant"))
	w.send(t, 2, staff("Leroy", "Marc", "1980-01-01", "18001010002", "marc@b.be", "Enseignant"))
	res := w.send(t, 3,
		staff("Leroy", "Marc", "1980-01-01", "", "marc@c.be", "Directeur"),            // two candidates
		staff("Roux", "Yves", "1970-01-02", "17001010003", "yves@c.be", "Enseignant"), // another birth date
		staff("Neuf", "Paul", "1990-03-03", "", "yves@a.be", "Enseignant"),            // Roux's address
		staff("Sans", "Rôle", "1991-04-04", "", "sans@c.be", "Éducateur"),             // unknown role
	)
	if res.Counts.Rejected != 4 {
		t.Fatalf("school C: %+v", res.Counts)
	}
	open, err := w.st.Rejections(w.ctx, extranet.RejectionFilter{FASE: 3, OpenOnly: true})
	if err != nil || len(open) != 4 {
		t.Fatalf("open rejections: %d, %v", len(open), err)
	}
	byName := map[string]extranet.Rejection{}
	for _, r := range open {
		byName[r.LastName] = r
	}
	persons := map[string]string{} // matricule: person
	for _, fase := range []int{1, 2} {
		recs, _ := w.st.YearGrants(w.ctx, fase, thisYear)
		for _, r := range recs {
			persons[r.Person.Matricule] = r.Person.ID
		}
	}

	// Refusals, each with what to do instead.
	for _, test := range []struct {
		name, rejection, person, want string
	}{
		{"unknown role", "Sans", "", "le rôle « Éducateur » n'existe pas sur l'extranet"},
		{"another matricule", "Roux", persons["18001010001"], "a un autre matricule (18001010001) que l'entrée (17001010003)"},
		{"an address another holds", "Neuf", "", "l'adresse yves@a.be est déjà celle d'une autre personne"},
		{"a matricule another holds", "Roux", "", "le matricule 17001010003 est déjà celui de Yves Roux"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := w.portal.PreviewRejection(w.ctx, byName[test.rejection].ID, test.person)
			if msg := refusal(t, err); !strings.Contains(msg, test.want) {
				t.Errorf("preview: %q, want %q", msg, test.want)
			}
			_, err = w.portal.ResolveRejection(w.ctx, byName[test.rejection].ID, test.person, "operator:ana")
			if msg := refusal(t, err); !strings.Contains(msg, test.want) {
				t.Errorf("decision: %q, want %q", msg, test.want)
			}
		})
	}
	if _, err := w.portal.ResolveRejection(w.ctx, "nope", "", "operator:ana"); !errors.Is(err, extranet.ErrNotFound) {
		t.Errorf("unknown rejection: %v", err)
	}

	// Roux of C is Roux of A: the preview shows the birth date C gives.
	roux := persons["17001010003"]
	pv, err := w.portal.PreviewRejection(w.ctx, byName["Roux"].ID, roux)
	if err != nil {
		t.Fatal(err)
	}
	want := []extranet.FieldChange{{Field: "Date de naissance", Before: "01/01/1970", After: "02/01/1970"}}
	if pv.NewPerson || pv.Role != "Enseignant" || len(pv.Changes) != 1 || pv.Changes[0] != want[0] || !pv.OpensAt.Equal(w.svc.NextNightRun()) {
		t.Errorf("preview: %+v", pv)
	}
	if p, _ := w.st.Person(w.ctx, roux); p.BirthDate != "1970-01-01" {
		t.Errorf("the preview wrote the birth date: %s", p.BirthDate)
	}
	p, err := w.portal.ResolveRejection(w.ctx, byName["Roux"].ID, roux, "operator:ana")
	if err != nil || p.ID != roux || p.BirthDate != "1970-01-02" {
		t.Fatalf("Roux linked: %+v, %v", p, err)
	}
	if _, err := w.portal.ResolveRejection(w.ctx, byName["Roux"].ID, roux, "operator:ana"); !errors.Is(err, extranet.ErrAlreadyResolved) {
		t.Errorf("second decision: %v", err)
	}
	if g := w.grants(t, 3)["Roux Yves"]; g.State != extranet.GrantPending || g.BirthDate != "1970-01-02" {
		t.Errorf("Roux's grant at C: %+v", g)
	}

	// Leroy of C is someone new: a person without matricule, whose key the
	// two others (with theirs) do not block.
	pv, err = w.portal.PreviewRejection(w.ctx, byName["Leroy"].ID, "")
	if err != nil || !pv.NewPerson || pv.Role != "Directeur" || len(pv.Changes) != 3 {
		t.Fatalf("preview of a new person: %+v, %v", pv, err)
	}
	p, err = w.portal.ResolveRejection(w.ctx, byName["Leroy"].ID, "", "operator:ana")
	if err != nil || p.Matricule != "" || p.ID == persons["18001010001"] || p.ID == persons["18001010002"] {
		t.Fatalf("new Leroy: %+v, %v", p, err)
	}
	decisions, err := w.st.RejectionDecisions(w.ctx, byName["Leroy"].ID)
	if err != nil || len(decisions) != 1 || decisions[0].Decision != extranet.DecisionNewPerson {
		t.Errorf("decisions: %+v, %v", decisions, err)
	}
	if rep := w.night(t); rep.Activated < 2 {
		t.Errorf("the decided accesses did not open: %+v", rep)
	}
	if w.audited(t, extranet.AuditRejectionLinked) != 1 || w.audited(t, extranet.AuditRejectionNewPerson) != 1 {
		t.Error("decisions not audited")
	}
}

// The spaces' content: checked, saved for every school or one, deleted,
// each change audited.
func TestSpaceContent(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	it, err := w.portal.SaveSpaceItem(w.ctx, extranet.SpaceItem{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink,
		Title: "  Agenda   pédagogique ", URL: " https://segec.be/agenda ", Text: " Les dates. "}, "operator:ana")
	if err != nil {
		t.Fatal(err)
	}
	if it.ID == "" || it.Title != "Agenda pédagogique" || it.URL != "https://segec.be/agenda" || it.Text != "Les dates." || it.UpdatedBy != "operator:ana" {
		t.Errorf("saved: %+v", it)
	}
	notice, err := w.portal.SaveSpaceItem(w.ctx, extranet.SpaceItem{Space: extranet.SpaceDirection, Kind: extranet.ItemNotice, FASE: 4242,
		Title: "Réunion des directions"}, "operator:ana")
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.portal.SaveSpaceItem(w.ctx, extranet.SpaceItem{Space: extranet.SpaceDirection, Kind: extranet.ItemNotice, FASE: 77, Title: "x"}, "operator:ana")
	if msg := refusal(t, err); !strings.Contains(msg, "aucune école inscrite ne porte le numéro FASE 77") {
		t.Errorf("unknown school: %s", msg)
	}
	_, err = w.portal.SaveSpaceItem(w.ctx, extranet.SpaceItem{Space: "x", Kind: extranet.ItemLink}, "operator:ana")
	if msg := refusal(t, err); strings.Count(msg, " ; ") != 2 {
		t.Errorf("problems joined: %s", msg)
	}
	items, err := w.st.SpaceItems(w.ctx, "", []int{4242})
	if err != nil || len(items) != 2 || items[0].ID != notice.ID {
		t.Fatalf("items: %+v, %v", items, err)
	}
	it.Title = "Agenda"
	if _, err := w.portal.SaveSpaceItem(w.ctx, it, "operator:bob"); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.st.SpaceItem(w.ctx, it.ID); got.Title != "Agenda" || got.UpdatedBy != "operator:bob" {
		t.Errorf("changed: %+v", got)
	}
	if err := w.portal.DeleteSpaceItem(w.ctx, it.ID, "operator:ana"); err != nil {
		t.Fatal(err)
	}
	if err := w.portal.DeleteSpaceItem(w.ctx, it.ID, "operator:ana"); !errors.Is(err, extranet.ErrNotFound) {
		t.Errorf("deleted twice: %v", err)
	}
	if w.audited(t, extranet.AuditContentSaved) != 3 || w.audited(t, extranet.AuditContentDeleted) != 1 {
		t.Error("content changes not audited")
	}
}

// A decision on an entry whose person already has a grant at the school
// changes that grant as a transfer would: a new address waits for the
// night, the same values change nothing, a deactivated grant opens again.
func TestRejectionDecisionOnAnExistingGrant(t *testing.T) {
	w := newWorld(t)
	for fase, name := range map[int]string{1: "École A", 2: "École B", 3: "École C"} {
		w.school(t, fase, name)
	}
	w.send(t, 1, staff("Leroy", "Marc", "1980-01-01", "18001010001", "marc@a.be", "Enseignant"))
	w.send(t, 2, staff("Leroy", "Marc", "1980-01-01", "18001010002", "marc@b.be", "Enseignant"))
	eva := staff("Petit", "Eva", "1990-09-09", "", "eva@c.be", "Enseignant")
	recs, _ := w.st.YearGrants(w.ctx, 1, thisYear)
	marcA := recs[0].Person.ID

	// decide sends C's staff with Leroy (ambiguous without matricule) and
	// links the rejected entry to the person of A.
	decide := func(email string) {
		t.Helper()
		res := w.send(t, 3, eva, staff("Leroy", "Marc", "1980-01-01", "", email, "Directeur"))
		if res.Counts.Rejected != 1 {
			t.Fatalf("C's transfer: %+v", res.Counts)
		}
		open, err := w.st.Rejections(w.ctx, extranet.RejectionFilter{FASE: 3, OpenOnly: true})
		if err != nil || len(open) != 1 {
			t.Fatalf("open rejections: %+v, %v", open, err)
		}
		if _, err := w.portal.ResolveRejection(w.ctx, open[0].ID, marcA, "operator:ana"); err != nil {
			t.Fatal(err)
		}
	}
	decide("marc@c.be")
	if g := w.grants(t, 3)["Leroy Marc"]; g.State != extranet.GrantPending || g.Role != "Directeur" {
		t.Fatalf("decided: %+v", g)
	}
	w.night(t)

	for _, test := range []struct {
		name, email string
		state       string
		modified    int
	}{
		{"the same values", "marc@c.be", extranet.GrantActive, 0},
		{"a new address waits for the night", "marc.leroy@c.be", extranet.GrantPending, 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			decide(test.email)
			g := w.grants(t, 3)["Leroy Marc"]
			if g.State != test.state || g.Email != test.email {
				t.Errorf("grant: %+v", g)
			}
			if rep := w.night(t); rep.Modified != test.modified {
				t.Errorf("night: %+v", rep)
			}
		})
	}

	// C removes Leroy; a later decision opens the grant again.
	w.send(t, 3, eva)
	if g := w.grants(t, 3)["Leroy Marc"]; g.State != extranet.GrantDeactivated {
		t.Fatalf("removed: %+v", g)
	}
	decide("marc@c.be")
	if g := w.grants(t, 3)["Leroy Marc"]; g.State != extranet.GrantPending || g.Email != "marc@c.be" {
		t.Errorf("reopened: %+v", g)
	}
	if rep := w.night(t); rep.Activated != 1 {
		t.Errorf("night after the reopening: %+v", rep)
	}
}
