package extranet_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

// Sign-in by address or login: a pending access is told when it opens, an
// open one gets a link scoped to the address, an unknown address nothing.
func TestSignInRequests(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "Athénée")
	w.send(t, 4242, staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"))

	// Before the night: the person is told which night opens the access.
	ms, err := w.portal.RequestSignIn(w.ctx, " Jean@Ecole.be ", linkURL)
	if err != nil || len(ms) != 1 {
		t.Fatalf("pending: %d messages, %v", len(ms), err)
	}
	if ms[0].Subject != extranet.SubjectPending || !strings.Contains(ms[0].Text, "nuit du 26/11/2026 au 27/11/2026") ||
		!strings.Contains(ms[0].Text, "Athénée (FASE 4242) : Enseignant") || strings.Contains(ms[0].Text, "jeton=") {
		t.Errorf("pending answer:\n%s: %s", ms[0].Subject, ms[0].Text)
	}
	for _, unknown := range []string{"personne@ecole.be", "pas une adresse@", "inconnu.login.010101"} {
		if _, err := w.portal.RequestSignIn(w.ctx, unknown, linkURL); !errors.Is(err, extranet.ErrNotFound) {
			t.Errorf("RequestSignIn(%q): %v, want ErrNotFound", unknown, err)
		}
	}

	w.night(t)
	ms, err = w.portal.RequestSignIn(w.ctx, "jean@ecole.be", linkURL)
	if err != nil || len(ms) != 1 || ms[0].Subject != extranet.SubjectSignInLink {
		t.Fatalf("open: %+v, %v", ms, err)
	}
	if !strings.Contains(ms[0].Text, "jean.dupont.040580") || !strings.Contains(ms[0].Text, "- Athénée (FASE 4242) : Enseignant, année scolaire 2026-2027") {
		t.Errorf("sign-in mail:\n%s", ms[0].Text)
	}
	tok := tokenIn(t, ms[0].Text, signInPath)
	last := "A" // another last character: the token with one character changed
	if strings.HasSuffix(tok, last) {
		last = "E"
	}
	for _, bad := range []string{"", "abc", tok[:len(tok)-1] + last} {
		if ok, err := w.portal.LinkOpen(w.ctx, bad); ok || err != nil {
			t.Errorf("LinkOpen(%q) = %v, %v", bad, ok, err)
		}
		if _, err := w.portal.SignIn(w.ctx, bad); !errors.Is(err, extranet.ErrLinkInvalid) {
			t.Errorf("SignIn(%q): %v", bad, err)
		}
	}
	acc, err := w.portal.SignIn(w.ctx, tok)
	if err != nil || acc.Email != "jean@ecole.be" || acc.Person.LastName != "Dupont" {
		t.Fatalf("SignIn: %+v, %v", acc, err)
	}
	if _, ok := acc.Directs(4242); ok {
		t.Error("a teacher directs the school")
	}
	if n := w.audited(t, extranet.AuditStaffSignIn); n != 1 {
		t.Errorf("%d sign-ins audited", n)
	}

	// A link is worth 15 minutes.
	ms, _ = w.portal.RequestSignIn(w.ctx, "jean@ecole.be", linkURL)
	late := tokenIn(t, ms[0].Text, signInPath)
	w.clock.Set(w.clock.Now().Add(extranet.SignInLinkTTL + time.Second))
	if ok, err := w.portal.LinkOpen(w.ctx, late); ok || err != nil {
		t.Errorf("LinkOpen after 15 minutes = %v, %v", ok, err)
	}
	if _, err := w.portal.SignIn(w.ctx, late); !errors.Is(err, extranet.ErrLinkInvalid) {
		t.Errorf("SignIn after 15 minutes: %v", err)
	}

	// By login, in any case.
	byLogin := w.signIn(t, "JEAN.DUPONT.040580", "jean@ecole.be")
	if byLogin.Account.ID != acc.Account.ID {
		t.Errorf("by login: account %s, want %s", byLogin.Account.ID, acc.Account.ID)
	}

	// Once the school removes the person, the address reaches nothing:
	// the answer says so, with no link.
	w.sendSnap(t, 4242, wire.Snapshot{SchoolYear: thisYear, ConfirmDeactivations: 1,
		Staff: []wire.StaffEntry{staff("Autre", "Eva", "1990-01-01", "", "eva@ecole.be", "Enseignant")}})
	if _, err := w.portal.Access(w.ctx, acc.Account.ID, ""); !errors.Is(err, extranet.ErrNoAccess) {
		t.Errorf("Access after removal: %v", err)
	}
	ms, err = w.portal.RequestSignIn(w.ctx, "jean.dupont.040580", linkURL)
	if err != nil || len(ms) != 1 || ms[0].Subject != extranet.SubjectNoAccess || strings.Contains(ms[0].Text, "jeton=") {
		t.Fatalf("no access: %+v, %v", ms, err)
	}
	if _, err := w.portal.Access(w.ctx, "no-such-account", ""); !errors.Is(err, extranet.ErrNoAccess) {
		t.Errorf("Access of an unknown account: %v", err)
	}
}

// Two schools, one person at two addresses: each address reaches its own
// school's access; the account's address is told of the other one, can
// say « Ce n'est pas moi », and can link the two.
func TestTwoSchoolsOnePerson(t *testing.T) {
	w := newWorld(t)
	rep := w.twoSchools(t, "Directeur", "DUPONT")
	if rep.Notices != 1 || rep.Invitations != 1 || rep.CreatedAccounts != 0 {
		t.Fatalf("second school's night: %+v", rep)
	}

	// The weak match is for operators to look at.
	matches, err := w.st.OpenMatches(w.ctx, 10)
	if err != nil || len(matches) != 1 || matches[0].Strength != extranet.MatchWeak || matches[0].FASE != 1002 {
		t.Fatalf("open matches: %+v, %v", matches, err)
	}
	if err := w.portal.ReviewMatch(w.ctx, matches[0].ID, "operator:ana"); err != nil {
		t.Fatal(err)
	}
	if left, _ := w.st.OpenMatches(w.ctx, 10); len(left) != 0 {
		t.Errorf("reviewed match still open: %+v", left)
	}

	told := w.box.to("jean@a.be")
	notice := told[len(told)-1]
	if notice.Subject != extranet.SubjectForeignAccess || !strings.Contains(notice.Text, "j•••@b.be") || strings.Contains(notice.Text, "jean@b.be") {
		t.Fatalf("notice to the account's address:\n%s: %s", notice.Subject, notice.Text)
	}
	if inv := w.box.to("jean@b.be"); len(inv) != 1 || inv[0].Subject != extranet.SubjectInvitation || strings.Contains(inv[0].Text, "École A") {
		t.Fatalf("invitation at the other address: %+v", inv)
	}

	// Asked by login, a link goes to each address, each scoped to it.
	byLogin, err := w.portal.RequestSignIn(w.ctx, "jean.dupont.040580", linkURL)
	if err != nil || len(byLogin) != 2 {
		t.Fatalf("by login: %d messages, %v", len(byLogin), err)
	}
	for _, m := range byLogin {
		other := "École B"
		if strings.Contains(m.To, "jean@b.be") {
			other = "École A"
		}
		if m.Subject != extranet.SubjectSignInLink || strings.Contains(m.Text, other) {
			t.Errorf("the link to %s names %s:\n%s", m.To, other, m.Text)
		}
	}

	// Each address reaches its own school; only the account's may link.
	atA := w.signIn(t, "jean@a.be", "jean@a.be")
	atB := w.signIn(t, "jean@b.be", "jean@b.be")
	if len(atA.Active) != 1 || atA.Active[0].Grant.FASE != 1001 || !atA.CanLink() {
		t.Errorf("through A: %+v", atA.Active)
	}
	if len(atB.Active) != 1 || atB.Active[0].Grant.FASE != 1002 || atB.CanLink() || atB.Person.LastName != "DUPONT" {
		t.Errorf("through B: %+v, names %s", atB.Active, atB.Person.LastName)
	}
	if _, ok := atB.Directs(1001); ok {
		t.Error("the session through B's address opens A's Espace direction")
	}
	if _, ok := atA.Directs(1001); !ok {
		t.Error("the session through A's address does not open A's Espace direction")
	}
	if _, _, err := w.portal.RequestAddressLink(w.ctx, atB, "jean@a.be", linkURL); !errors.Is(err, extranet.ErrLinkFromOwnAddress) {
		t.Errorf("linking from B: %v", err)
	}
	for _, nothing := range []string{"pas une adresse", "jean@a.be", "inconnu@b.be"} {
		if _, ok, err := w.portal.RequestAddressLink(w.ctx, atA, nothing, linkURL); ok || err != nil {
			t.Errorf("RequestAddressLink(%q) = %v, %v", nothing, ok, err)
		}
	}
	m, ok, err := w.portal.RequestAddressLink(w.ctx, atA, "Jean@B.be", linkURL)
	if err != nil || !ok || m.Subject != extranet.SubjectLinkAddresses || !strings.Contains(m.To, "jean@b.be") ||
		!strings.Contains(m.Text, "Depuis une session ouverte avec l'adresse jean@a.be") || !strings.Contains(m.Text, "École B (FASE 1002)") {
		t.Fatalf("link request: %+v, %v, %v", m, ok, err)
	}
	join := tokenIn(t, m.Text, signInPath)
	if l, ok, err := w.portal.JoinLink(w.ctx, join); err != nil || !ok || l.FromEmail != "jean@a.be" || l.Email != "jean@b.be" {
		t.Errorf("JoinLink: %+v, %v, %v", l, ok, err)
	}
	if _, ok, _ := w.portal.JoinLink(w.ctx, "short"); ok {
		t.Error("JoinLink of a malformed token")
	}
	linked, err := w.portal.SignIn(w.ctx, join)
	if err != nil || len(linked.Active) != 2 {
		t.Fatalf("after linking: %+v, %v", linked.Active, err)
	}
	if again, err := w.portal.Access(w.ctx, atA.Account.ID, "jean@a.be"); err != nil || len(again.Active) != 2 {
		t.Errorf("the session through A reaches %d accesses, %v", len(again.Active), err)
	}
	if n := w.audited(t, extranet.AuditAddressesLinked); n != 1 {
		t.Errorf("%d links audited", n)
	}

	// « Ce n'est pas moi »: the access leaves the account until an operator decides.
	dispute := tokenIn(t, notice.Text, noticePath)
	n, err := w.portal.NoticeForToken(w.ctx, dispute)
	if err != nil || n.FASE != 1002 || n.GrantEmail != "jean@b.be" || n.NotifiedEmail != "jean@a.be" {
		t.Fatalf("NoticeForToken: %+v, %v", n, err)
	}
	if _, err := w.portal.NoticeForToken(w.ctx, "x"); !errors.Is(err, extranet.ErrNoticeInvalid) {
		t.Errorf("malformed notice token: %v", err)
	}
	if n, err = w.portal.Dispute(w.ctx, dispute); err != nil || !n.Suspended {
		t.Fatalf("Dispute: %+v, %v", n, err)
	}
	if _, err := w.portal.NoticeForToken(w.ctx, dispute); !errors.Is(err, extranet.ErrNoticeInvalid) {
		t.Errorf("a disputed notice opens again: %v", err)
	}
	if _, err := w.portal.Dispute(w.ctx, "x"); !errors.Is(err, extranet.ErrNoticeInvalid) {
		t.Errorf("Dispute of a malformed token: %v", err)
	}
	if acc, err := w.portal.Access(w.ctx, atA.Account.ID, "jean@a.be"); err != nil || len(acc.Active) != 1 || acc.Active[0].Grant.FASE != 1001 {
		t.Errorf("after the dispute, through A: %+v, %v", acc.Active, err)
	}
	if _, err := w.portal.Access(w.ctx, atA.Account.ID, "jean@b.be"); !errors.Is(err, extranet.ErrScopeClosed) {
		t.Errorf("after the dispute, through B: %v", err)
	}
	disputes, err := w.st.Disputes(w.ctx, 10)
	if err != nil || len(disputes) != 1 {
		t.Fatalf("Disputes: %+v, %v", disputes, err)
	}
	if msg := refusal(t, w.portal.DecideDispute(w.ctx, disputes[0].ID, "peut-être", "operator:ana")); !strings.Contains(msg, "Rétablir le lien") {
		t.Errorf("unknown decision: %s", msg)
	}
	if err := w.portal.DecideDispute(w.ctx, disputes[0].ID, extranet.DisputeRestored, "operator:ana"); err != nil {
		t.Fatal(err)
	}
	if acc, err := w.portal.Access(w.ctx, atA.Account.ID, "jean@b.be"); err != nil || len(acc.Active) != 1 {
		t.Errorf("restored, through B: %+v, %v", acc.Active, err)
	}
	for _, action := range []string{extranet.AuditGrantDisputed, extranet.AuditDisputeDecided, extranet.AuditMatchReviewed} {
		if w.audited(t, action) != 1 {
			t.Errorf("%s not audited once", action)
		}
	}
}

// twoSchools registers schools 1001 and 1002, sends Jean Dupont from the
// first at jean@a.be with roleA, runs the night, then sends him from the
// second at jean@b.be as a teacher, spelt lastAtB, and returns that night's
// report.
func (w *world) twoSchools(t *testing.T, roleA, lastAtB string) extranet.NightReport {
	t.Helper()
	w.school(t, 1001, "École A")
	w.school(t, 1002, "École B")
	w.send(t, 1001, staff("Dupont", "Jean", "1980-05-04", "", "jean@a.be", roleA))
	w.night(t)
	w.send(t, 1002, staff(lastAtB, "Jean", "1980-05-04", "", "jean@b.be", "Enseignant"))
	return w.night(t)
}

// « Ce n'est pas moi » can be said for 30 days.
func TestNoticeExpires(t *testing.T) {
	w := newWorld(t)
	w.twoSchools(t, "Enseignant", "Dupont")
	told := w.box.to("jean@a.be")
	tok := tokenIn(t, told[len(told)-1].Text, noticePath)
	w.clock.Set(w.clock.Now().Add(29 * 24 * time.Hour))
	if _, err := w.portal.NoticeForToken(w.ctx, tok); err != nil {
		t.Fatalf("after 29 days: %v", err)
	}
	w.clock.Set(w.clock.Now().Add(extranet.NoticeTTL - 29*24*time.Hour))
	if _, err := w.portal.NoticeForToken(w.ctx, tok); !errors.Is(err, extranet.ErrNoticeInvalid) {
		t.Errorf("after 30 days: %v", err)
	}
	if _, err := w.portal.Dispute(w.ctx, tok); !errors.Is(err, extranet.ErrNoticeInvalid) {
		t.Errorf("disputed after 30 days: %v", err)
	}
	if acc := w.signIn(t, "jean@b.be", "jean@b.be"); len(acc.Active) != 1 {
		t.Errorf("the access at B after an expired notice: %+v", acc.Active)
	}
}
