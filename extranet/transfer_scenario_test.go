package extranet_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

// A school's transfer opens nothing at once: its grants wait for the night,
// which opens them, creates the accounts and invites each person at the
// address the school gave; later transfers modify and deactivate.
func TestTransferThenNightOpensTheAccesses(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "Athénée Saint-Joseph")
	jean := staff("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Directeur")
	anne := staff("Martin", "Anne", "1985-02-11", "18502110123", "anne.martin@ecole.be", "enseignante")

	res := w.send(t, 4242, jean, anne)
	if res.Counts != (wire.Counts{Created: 2}) {
		t.Fatalf("first transfer: counts %+v, want 2 created", res.Counts)
	}
	if want := extranet.NextNight(w.clock.Now()); !res.EffectiveAt.Equal(want) {
		t.Errorf("effectiveAt %v, want the next night %v", res.EffectiveAt, want)
	}
	if got := wire.ChangeLines(res.Changes); len(got) != 2 || !strings.Contains(got[0], "Créé Rôle Jean Dupont – Directeur") {
		t.Errorf("the school's lines: %q", got)
	}
	g := w.grants(t, 4242)
	if g["Martin Anne"].State != extranet.GrantPending || g["Martin Anne"].Role != "Enseignant" || g["Martin Anne"].Matricule != "18502110123" {
		t.Errorf("before the night: %+v", g["Martin Anne"])
	}

	rep := w.night(t)
	if rep.Activated != 2 || rep.CreatedAccounts != 2 || rep.Invitations != 2 || rep.Sent != 2 || rep.Failed != 0 {
		t.Fatalf("first night: %+v", rep)
	}
	g = w.grants(t, 4242)
	if g["Dupont Jean"].State != extranet.GrantActive || g["Dupont Jean"].Login != "jean.dupont.040580" {
		t.Errorf("after the night: %+v", g["Dupont Jean"])
	}
	inv := w.box.to("jean.dupont@ecole.be")
	if len(inv) != 1 || inv[0].Subject != extranet.SubjectInvitation {
		t.Fatalf("Jean's mail: %+v", inv)
	}
	for _, want := range []string{"Athénée Saint-Joseph (FASE 4242) : Directeur, année scolaire 2026-2027", "jean.dupont.040580", signInPath} {
		if !strings.Contains(inv[0].Text, want) {
			t.Errorf("invitation lacks %q:\n%s", want, inv[0].Text)
		}
	}
	if strings.Contains(inv[0].Text, extranet.SignInLinkSlot) {
		t.Errorf("the invitation's link was not made at delivery:\n%s", inv[0].Text)
	}
	stored, err := w.st.Outbox(w.ctx, extranet.OutboxFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range stored {
		if strings.Contains(m.Text, "jeton=") || !m.SentAt.After(time.Time{}) {
			t.Errorf("outbox row %s: a usable token or not marked sent:\n%s", m.ID, m.Text)
		}
	}

	// The invitation's link signs the person in, once.
	tok := tokenIn(t, inv[0].Text, signInPath)
	if ok, err := w.portal.LinkOpen(w.ctx, tok); err != nil || !ok {
		t.Fatalf("LinkOpen = %v, %v", ok, err)
	}
	acc, err := w.portal.SignIn(w.ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Account.State != extranet.AccountActive || len(acc.Active) != 1 || acc.Active[0].SchoolName != "Athénée Saint-Joseph" {
		t.Errorf("signed in: %+v", acc)
	}
	if _, ok := acc.Directs(4242); !ok || len(acc.Directed()) != 1 {
		t.Errorf("Jean directs 4242: %v, %d", ok, len(acc.Directed()))
	}
	if _, err := w.portal.SignIn(w.ctx, tok); !errors.Is(err, extranet.ErrLinkInvalid) {
		t.Errorf("the link served twice: %v", err)
	}

	// The same snapshot again changes nothing.
	if res := w.send(t, 4242, jean, anne); res.Counts != (wire.Counts{Unchanged: 2}) {
		t.Errorf("same snapshot: %+v", res.Counts)
	}

	// A new address waits for the night, as the school sees it.
	anne.Email = "a.martin@ecole.be"
	res = w.send(t, 4242, jean, anne)
	if res.Counts != (wire.Counts{Modified: 1, Unchanged: 1}) || res.Changes[0].PreviousEmail != "anne.martin@ecole.be" {
		t.Fatalf("new address: %+v", res)
	}
	if g := w.grants(t, 4242)["Martin Anne"]; g.State != extranet.GrantPending || g.Email != "a.martin@ecole.be" {
		t.Errorf("a modification waits: %+v", g)
	}
	if rep := w.night(t); rep.Modified != 1 || rep.Invitations != 0 {
		t.Errorf("second night: %+v", rep)
	}

	// Leaving the snapshot ends the access at once, and the account at the night.
	res = w.send(t, 4242, jean)
	if res.Counts != (wire.Counts{Deactivated: 1, Unchanged: 1}) {
		t.Fatalf("Anne left: %+v", res.Counts)
	}
	if g := w.grants(t, 4242)["Martin Anne"]; g.State != extranet.GrantDeactivated {
		t.Errorf("Anne's grant: %+v", g)
	}
	if rep := w.night(t); rep.Disabled != 1 {
		t.Errorf("third night: %+v", rep)
	}
	if a := w.account(t, "anne.martin.110285"); a.State != extranet.AccountDisabled || a.DisabledBy != "" {
		t.Errorf("Anne's account: %+v", a)
	}

	reps, err := w.svc.NightReports(w.ctx, 10)
	if err != nil || len(reps) != 3 || reps[0].Disabled != 1 {
		t.Errorf("NightReports: %d, %v", len(reps), err)
	}
	if n := w.audited(t, extranet.AuditTransferApplied); n != 4 {
		t.Errorf("%d transfers audited, want 4", n)
	}
}

// What Transfer refuses, and what it answers without applying.
func TestTransferRefusals(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	ok := staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant")

	for _, test := range []struct {
		name  string
		fase  int
		snap  wire.Snapshot
		field string // of the ValidationError's first problem; "" for another error
		err   error
	}{
		{"unknown school", 9999, wire.Snapshot{SchoolYear: thisYear, Staff: []wire.StaffEntry{ok}}, "", extranet.ErrUnknownSchool},
		{"bad year", 4242, wire.Snapshot{SchoolYear: "2026-2028", Staff: []wire.StaffEntry{ok}}, "schoolYear", nil},
		{"ended year", 4242, wire.Snapshot{SchoolYear: "2024-2025", Staff: []wire.StaffEntry{ok}}, "schoolYear", nil},
		{"far year", 4242, wire.Snapshot{SchoolYear: "2028-2029", Staff: []wire.StaffEntry{ok}}, "schoolYear", nil},
		{"negative confirmation", 4242, wire.Snapshot{SchoolYear: thisYear, ConfirmDeactivations: -1}, "confirmDeactivations", nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := w.svc.Transfer(w.ctx, test.fase, test.snap, extranet.TransferOptions{})
			if test.err != nil {
				if !errors.Is(err, test.err) {
					t.Fatalf("err %v, want %v", err, test.err)
				}
				return
			}
			var v *extranet.ValidationError
			if !errors.As(err, &v) || v.Problems[0].Field != test.field || !strings.HasPrefix(err.Error(), "envoi invalide, rien n'a été appliqué") {
				t.Fatalf("err %v, want a problem of %s", err, test.field)
			}
		})
	}
	if g := w.grants(t, 4242); len(g) != 0 {
		t.Errorf("a refused transfer wrote %d grants", len(g))
	}

	// The next school year is accepted at any time (a preparation).
	next := wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{ok}}
	if res, err := w.svc.Transfer(w.ctx, 4242, next, extranet.TransferOptions{}); err != nil || res.Counts.Created != 1 {
		t.Errorf("next year: %+v, %v", res, err)
	}

	// A dry run answers and writes nothing.
	res, err := w.svc.Transfer(w.ctx, 4242, wire.Snapshot{SchoolYear: thisYear, Staff: []wire.StaffEntry{ok}}, extranet.TransferOptions{DryRun: true})
	if err != nil || !res.DryRun || res.Counts.Created != 1 {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	if g := w.grants(t, 4242); len(g) != 0 {
		t.Errorf("the dry run wrote %d grants", len(g))
	}
	if _, err := w.svc.Grants(w.ctx, 4242, "2026"); err == nil {
		t.Error("Grants of a malformed year: no error")
	}
	if _, err := w.svc.Grants(w.ctx, 7, thisYear); !errors.Is(err, extranet.ErrUnknownSchool) {
		t.Errorf("Grants of an unknown school: %v", err)
	}
	if sg, err := w.svc.Grants(w.ctx, 4242, ""); err != nil || sg.SchoolYear != thisYear {
		t.Errorf("Grants of the current year: %+v, %v", sg, err)
	}
}

// One entry the extranet cannot read is rejected with its reason; the
// others go through.
func TestTransferRejectsAnEntryAndAppliesTheOthers(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	res := w.send(t, 4242,
		staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"),
		staff("Durand", "Luc", "1981-06-05", "", "", "Enseignant"),
		staff("Petit", "Eva", "1982-07-06", "", "eva@ecole.be", "Secrétaire"),
	)
	if res.Counts != (wire.Counts{Created: 1, Rejected: 2}) {
		t.Fatalf("counts %+v", res.Counts)
	}
	lines := wire.ChangeLines(res.Changes)
	want := []string{"adresse e-mail école manquante", "rôle « Secrétaire » inconnu de l'extranet"}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], "Erreur : Non transféré") || !strings.Contains(lines[i], w) {
			t.Errorf("line %d: %q, want %q", i, lines[i], w)
		}
	}
	open, err := w.st.Rejections(w.ctx, extranet.RejectionFilter{FASE: 4242, OpenOnly: true})
	if err != nil || len(open) != 2 {
		t.Fatalf("open rejections: %d, %v", len(open), err)
	}
	// Corrected, the entries are resolved.
	res = w.send(t, 4242,
		staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"),
		staff("Durand", "Luc", "1981-06-05", "", "luc@ecole.be", "Enseignant"),
		staff("Petit", "Eva", "1982-07-06", "", "eva@ecole.be", "Directrice"),
	)
	if res.Counts != (wire.Counts{Created: 2, Unchanged: 1}) {
		t.Fatalf("corrected: %+v", res.Counts)
	}
	if open, _ := w.st.Rejections(w.ctx, extranet.RejectionFilter{FASE: 4242, OpenOnly: true}); len(open) != 0 {
		t.Errorf("%d rejections still open", len(open))
	}
}

// The guard holds a mass deactivation until the school confirms its count.
func TestTransferGuardHoldsThenConfirmed(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	all := teachers("Prof", 10)
	w.send(t, 4242, all...)

	_, err := w.svc.Transfer(w.ctx, 4242, wire.Snapshot{SchoolYear: thisYear, Staff: all[:4]}, extranet.TransferOptions{})
	var held *extranet.HeldError
	if !errors.As(err, &held) || held.Deactivations != 6 || held.Result.Counts.Deactivated != 6 {
		t.Fatalf("held: %v", err)
	}
	if !strings.Contains(err.Error(), "confirmDeactivations = 6") {
		t.Errorf("message: %s", err)
	}
	if n := len(w.grants(t, 4242)); n != 10 {
		t.Fatalf("a held transfer applied something: %d grants", n)
	}
	if n := w.audited(t, extranet.AuditTransferHeld); n != 1 {
		t.Errorf("%d held transfers audited", n)
	}
	held1, err := w.st.Transfers(w.ctx, extranet.TransferFilter{FASE: 4242, OpenHeld: true})
	if err != nil || len(held1) != 1 {
		t.Fatalf("open held transfers: %d, %v", len(held1), err)
	}
	// An operator dealt with it: it leaves the list.
	if err := w.portal.DismissHeld(w.ctx, held1[0].ID, "operator:ana"); err != nil {
		t.Fatal(err)
	}
	if left, _ := w.st.Transfers(w.ctx, extranet.TransferFilter{FASE: 4242, OpenHeld: true}); len(left) != 0 {
		t.Errorf("still open after dismissal: %d", len(left))
	}
	if err := w.portal.DismissHeld(w.ctx, "nope", "operator:ana"); err == nil {
		t.Error("dismissing an unknown transfer: no error")
	}

	// Another count is held again; the right one applies.
	if _, err := w.svc.Transfer(w.ctx, 4242, wire.Snapshot{SchoolYear: thisYear, ConfirmDeactivations: 5, Staff: all[:4]}, extranet.TransferOptions{}); !errors.As(err, &held) {
		t.Fatalf("wrong confirmation: %v", err)
	}
	res := w.sendSnap(t, 4242, wire.Snapshot{SchoolYear: thisYear, ConfirmDeactivations: 6, Staff: all[:4]})
	if res.Counts.Deactivated != 6 {
		t.Errorf("confirmed: %+v", res.Counts)
	}
}

// A retried request with its idempotency key gets the first answer; the
// key with another body is refused.
func TestTransferIdempotency(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	snap := wire.Snapshot{SchoolYear: thisYear, Staff: teachers("Prof", 2)}
	opt := extranet.TransferOptions{IdempotencyKey: "k-1", Actor: "school:4242"}
	first, err := w.svc.Transfer(w.ctx, 4242, snap, opt)
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.svc.Transfer(w.ctx, 4242, snap, opt)
	if err != nil || again.TransferID != first.TransferID || again.Counts != first.Counts {
		t.Fatalf("retry: %+v, %v; first %+v", again, err, first)
	}
	other := wire.Snapshot{SchoolYear: thisYear, Staff: teachers("Prof", 3)}
	if _, err := w.svc.Transfer(w.ctx, 4242, other, opt); !errors.Is(err, extranet.ErrIdempotencyConflict) {
		t.Errorf("another body, same key: %v", err)
	}
	if n := w.audited(t, extranet.AuditTransferApplied); n != 1 {
		t.Errorf("%d transfers applied, want 1", n)
	}
}

// A school's token: made once, rotated, revoked.
func TestSchoolsAndTokens(t *testing.T) {
	w := newWorld(t)
	tok := w.school(t, 4242, "  Athénée   Royal ")
	if fase, err := w.svc.AuthenticateSchool(w.ctx, tok); err != nil || fase != 4242 {
		t.Fatalf("AuthenticateSchool: %d, %v", fase, err)
	}
	for _, bad := range []string{"", "nope", tok + "x", strings.ToUpper(tok)} {
		if _, err := w.svc.AuthenticateSchool(w.ctx, bad); !errors.Is(err, extranet.ErrBadToken) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if s, err := w.st.School(w.ctx, 4242); err != nil || s.Name != "Athénée Royal" {
		t.Errorf("school's name: %q, %v", s.Name, err)
	}
	if _, err := w.svc.AddSchool(w.ctx, 4242, "Autre", "operator:test"); !errors.Is(err, extranet.ErrSchoolExists) {
		t.Errorf("twice: %v", err)
	}
	for _, test := range []struct {
		fase int
		name string
	}{{0, "École"}, {-3, "École"}, {5, " "}, {5, "École\u0000"}, {5, "École\u200b"}, {5, "\ue000École"}} {
		if _, err := w.svc.AddSchool(w.ctx, test.fase, test.name, "operator:test"); err == nil {
			t.Errorf("AddSchool(%d, %q): no error", test.fase, test.name)
		}
	}

	fresh, err := w.svc.RotateToken(w.ctx, 4242, "operator:test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AuthenticateSchool(w.ctx, tok); !errors.Is(err, extranet.ErrBadToken) {
		t.Errorf("the old token still works: %v", err)
	}
	if fase, err := w.svc.AuthenticateSchool(w.ctx, fresh); err != nil || fase != 4242 {
		t.Errorf("the new token: %d, %v", fase, err)
	}
	if _, err := w.svc.RotateToken(w.ctx, 77, "operator:test"); !errors.Is(err, extranet.ErrUnknownSchool) {
		t.Errorf("rotating an unknown school's token: %v", err)
	}
	if err := w.svc.RevokeTokens(w.ctx, 4242, "operator:test"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AuthenticateSchool(w.ctx, fresh); !errors.Is(err, extranet.ErrBadToken) {
		t.Errorf("a revoked token works: %v", err)
	}
	for action, want := range map[string]int{extranet.AuditSchoolAdded: 1, extranet.AuditTokenRotated: 1, extranet.AuditTokensRevoked: 1} {
		if n := w.audited(t, action); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}
	if err := w.svc.Ready(w.ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
	if d := w.svc.Clock().Sub(w.clock.Now()); d != 0 {
		t.Errorf("Clock is %v off the service's clock", d)
	}
}

// A mail server that fails leaves the outbox for later; Deliver sends it.
func TestDeliveryWaitsForTheMailServer(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	w.send(t, 4242, teachers("Prof", 5)...)
	w.box.fail = errors.New("connection refused")
	at := extranet.NextNight(w.clock.Now())
	w.clock.Set(at)
	rep, err := w.svc.Night(w.ctx, at, w.box)
	if err == nil || !strings.Contains(err.Error(), "envoi des e-mails suspendu après 3 échecs") {
		t.Fatalf("night with the server down: %v", err)
	}
	if rep.Invitations != 5 || rep.Sent != 0 || rep.Failed != 3 || len(rep.Errors) == 0 {
		t.Fatalf("night with the server down: %+v", rep)
	}
	w.box.fail = nil
	sent, failed, err := w.svc.Deliver(w.ctx, w.box)
	if err != nil || sent != 5 || failed != 0 {
		t.Fatalf("Deliver: %d sent, %d failed, %v", sent, failed, err)
	}
	if sent, _, _ := w.svc.Deliver(w.ctx, w.box); sent != 0 {
		t.Errorf("delivered twice: %d", sent)
	}
}
