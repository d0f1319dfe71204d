package extranet

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func pendingGrant(fase int, email, last, first, pending string) PendingGrant {
	return PendingGrant{SchoolName: "École n° " + strconv.Itoa(fase), Grant: Grant{
		ID: "g-" + email, FASE: fase, SchoolYear: "2026-2027", GrantValues: GrantValues{Role: "Enseignant", Email: email, LastName: last, FirstName: first},
		Pending: pending,
	}}
}

func TestFollowedEmail(t *testing.T) {
	moved := pendingGrant(1, "a@a.be", "Dupont", "Jean", PendingModified)
	moved.Grant.Next.Email = "new@a.be"
	other := pendingGrant(2, "b@b.be", "Dupont", "Jean", PendingModified)
	other.Grant.Next.Email = "thief@evil.be"
	// A second school that gives the same address, then another, cannot
	// move it either.
	same := pendingGrant(2, "a@a.be", "Dupont", "Jean", PendingModified)
	same.Grant.ID, same.Grant.Next.Email = "g-same", "thief@evil.be"
	acc := Account{Email: "a@a.be", OwnGrantID: moved.Grant.ID}
	for _, tc := range []struct {
		name   string
		grants []PendingGrant
		want   string
	}{
		{"the school of the own grant moves it", []PendingGrant{moved}, "new@a.be"},
		{"another school cannot", []PendingGrant{other}, "a@a.be"},
		{"nor one at the same address", []PendingGrant{same}, "a@a.be"},
		{"a new access elsewhere changes nothing", []PendingGrant{pendingGrant(3, "c@c.be", "D", "J", PendingCreated)}, "a@a.be"},
	} {
		if got := followedEmail(acc, tc.grants); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOwnNames(t *testing.T) {
	p := Person{ID: "p", LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04"}
	acc := Account{Email: "a@a.be", OwnGrantID: "g-a@a.be"}
	if _, ok := ownNames(p, acc, []PendingGrant{pendingGrant(2, "b@b.be", "DUPONT", "Jéan", PendingCreated)}); ok {
		t.Error("another school's spelling renamed the person")
	}
	sameAddress := pendingGrant(2, "a@a.be", "DUPONT", "Jéan", PendingCreated)
	sameAddress.Grant.ID = "g-other-school"
	if _, ok := ownNames(p, acc, []PendingGrant{sameAddress}); ok {
		t.Error("another school at the same address renamed the person")
	}
	renamed := pendingGrant(1, "a@a.be", "Dupont", "Jean", PendingModified)
	g := &renamed.Grant
	g.Next.Role, g.Next.Email, g.Next.LastName, g.Next.FirstName = g.Role, g.Email, "Dupont-Durand", "Jean"
	got, ok := ownNames(p, acc, []PendingGrant{renamed})
	if !ok || got.LastName != "Dupont-Durand" || got.IdentityKey != IdentityKey("Dupont-Durand", "Jean", "1980-05-04") {
		t.Errorf("own grant's spelling: %+v, %v", got, ok)
	}
}

// An access opened at another address than the account's: the account's
// address is told with « Ce n'est pas moi », the other gets an invitation
// to that access only.
func TestForeignAccessIsToldToTheAccountsAddress(t *testing.T) {
	p := Person{ID: "p", LastName: "Milord", FirstName: "Rémy"}
	acc := Account{ID: "acc", Email: "remy@a.be", Login: "remy.milord.150367"}
	grants := []PendingGrant{
		pendingGrant(1, "remy@a.be", "Milord", "Rémy", PendingCreated),
		pendingGrant(2, "attacker@evil.be", "Milord", "Remy", PendingCreated),
	}
	m := nightMail{portalURL: "https://extranet.example/", now: time.Now()}
	var c batchCounts
	own := []string{acc.Email}
	m.notices(p.ID, acc, grants, nil, own, &c)
	m.foreign(p, acc, grants, own, true, &c)
	if len(m.messages) != 3 || len(m.disputes) != 1 || c.notices != 2 || c.invitations != 1 {
		t.Fatalf("%d messages, %d disputes, counts %+v", len(m.messages), len(m.disputes), c)
	}
	notice, told, inv := m.messages[0], m.messages[1], m.messages[2]
	if !strings.Contains(notice.To, "remy@a.be") || strings.Contains(notice.Text, "attacker@evil.be") {
		t.Errorf("own notice: %+v", notice)
	}
	// The other address is told masked: its owner recognises it, anyone
	// else learns only the school's domain.
	if !strings.Contains(told.To, "remy@a.be") || told.Subject != SubjectForeignAccess || strings.Contains(told.Text, "attacker@evil.be") ||
		!strings.Contains(told.Text, "a•••@evil.be") || !strings.Contains(told.Text, disputeSlot(m.disputes[0].ID)) ||
		strings.Contains(told.Text, "jeton=") {
		t.Errorf("foreign notice: %+v", told)
	}
	if !strings.Contains(inv.To, "attacker@evil.be") || strings.Contains(inv.Text, "remy@a.be") || strings.Contains(inv.Text, "(FASE 1)") {
		t.Errorf("invitation to the other address lists more than its access: %+v", inv)
	}
	// The outbox never holds the token: the link is made at delivery.
	if d := m.disputes[0]; d.GrantID != "g-attacker@evil.be" || d.NotifiedEmail != "remy@a.be" || d.TokenHash != "" || d.ID == "" {
		t.Errorf("dispute: %+v", d)
	}
}

// A grant that moves from one of the account's addresses to another one is
// told as an access opened there; one that opens or stays at an own
// address is not.
func TestIsForeign(t *testing.T) {
	own := []string{"remy@a.be"}
	moved := pendingGrant(2, "remy@a.be", "Milord", "Rémy", PendingModified)
	moved.Grant.Next.Role, moved.Grant.Next.Email = "Enseignant", "attacker@evil.be"
	moved.Grant.Next.LastName, moved.Grant.Next.FirstName = "Milord", "Rémy"
	elsewhere := pendingGrant(3, "x@b.be", "Milord", "Rémy", PendingModified)
	elsewhere.Grant.Next.Role, elsewhere.Grant.Next.Email = "Enseignant", "y@b.be"
	elsewhere.Grant.Next.LastName, elsewhere.Grant.Next.FirstName = "Milord", "Rémy"
	for _, tc := range []struct {
		name string
		pg   PendingGrant
		want bool
	}{
		{"opened at the own address", pendingGrant(1, "remy@a.be", "M", "R", PendingCreated), false},
		{"opened elsewhere", pendingGrant(2, "attacker@evil.be", "M", "R", PendingCreated), true},
		{"moved away from the own address", moved, true},
		{"moved between other addresses", elsewhere, false},
	} {
		if got := isForeign(tc.pg, own); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{"jean.dupont@ecole.be": "j•••@ecole.be", "émile@x.be": "é•••@x.be", "bad": "•••"} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}
