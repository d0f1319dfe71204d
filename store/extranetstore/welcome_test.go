package extranetstore_test

import (
	"errors"
	"strings"
	"testing"

	"passerelle/extranet"
	"passerelle/token"
)

// TestWelcome: what waits at an address, a person's account, and the
// invitation's link made at delivery, its hash only stored.
func TestWelcome(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		e.addSchool(t, 4242, "École A")
		jean := person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Enseignant")
		e.transfer(t, 4242, snapshot(jean))
		waiting, err := e.st.PendingAt(e.ctx, " Jean.Dupont@ecole.be")
		if err != nil || len(waiting) != 1 || waiting[0].SchoolName != "École A" || waiting[0].Grant.Role != "Enseignant" {
			t.Fatalf("PendingAt before the night = %+v, %v", waiting, err)
		}
		if _, err := e.st.PersonAccount(e.ctx, waiting[0].Grant.PersonID); !errors.Is(err, extranet.ErrNotFound) {
			t.Errorf("an account before the night: %v", err)
		}
		e.night(t)
		if waiting, err := e.st.PendingAt(e.ctx, "jean.dupont@ecole.be"); err != nil || len(waiting) != 0 {
			t.Errorf("PendingAt after the night = %+v, %v", waiting, err)
		}
		acc, err := e.st.PersonAccount(e.ctx, waiting[0].Grant.PersonID)
		if err != nil || acc.Login != "jean.dupont.040580" {
			t.Fatalf("PersonAccount = %+v, %v", acc, err)
		}

		// A modification waiting to move the access to a new address.
		jean.Email = "j.dupont@ecole.be"
		e.transfer(t, 4242, snapshot(jean))
		moved, err := e.st.PendingAt(e.ctx, "j.dupont@ecole.be")
		if err != nil || len(moved) != 1 || moved[0].Grant.Email != "j.dupont@ecole.be" {
			t.Errorf("PendingAt of a waiting modification = %+v, %v", moved, err)
		}

		// The invitation: its slot in the outbox, its link made at delivery.
		if n := e.count(t, `SELECT COUNT(*) FROM signin_links`); n != 0 {
			t.Fatalf("%d links before delivery", n)
		}
		var rec recorder
		if sent, _, err := e.svc.Deliver(e.ctx, &rec); err != nil || sent != 1 {
			t.Fatalf("Deliver: %d, %v", sent, err)
		}
		tok := linkOf(t, rec.sent[0])
		if n := e.count(t, `SELECT COUNT(*) FROM signin_links WHERE token_hash = ? AND email = ? AND purpose = ?`,
			token.Hash(tok), "jean.dupont@ecole.be", extranet.LinkSignIn); n != 1 {
			t.Errorf("the invitation's link is not stored by its hash, scoped to its address")
		}
		if n := e.count(t, `SELECT COUNT(*) FROM outbox WHERE body LIKE ? OR body LIKE ?`, "%"+tok+"%", "%jeton=%"); n != 0 {
			t.Error("the outbox holds the token")
		}
		acc2, err := e.portal.SignIn(e.ctx, tok)
		if err != nil || acc2.Email != "jean.dupont@ecole.be" {
			t.Fatalf("SignIn with the invitation's link: %+v, %v", acc2, err)
		}
		if !strings.Contains(rec.sent[0].Text, "Ce lien vaut 7 jours") {
			t.Errorf("invitation:\n%s", rec.sent[0].Text)
		}
	})
}
