package portal

// Attacks on the trust model (docs/security.md), each closed by one of its
// rules, over real HTTP, on SQLite and PostgreSQL.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"passerelle/extranet"
	"passerelle/store"
	"passerelle/wire"
)

const (
	faseC   = 6464
	schoolC = "École Saint-Luc"
)

// followLink uses the sign-in link of an e-mail from a new browser.
func (e *env) followLink(m string) *client {
	e.t.Helper()
	u, _ := url.Parse(m)
	c := e.client()
	if r := c.post(m, "/connexion/lien", url.Values{"jeton": {u.Query().Get("jeton")}}); r.status != http.StatusSeeOther {
		e.t.Fatalf("follow %s: %d: %s", m, r.status, r.body)
	}
	return c
}

// dispute clicks « Ce n'est pas moi » in a notice.
func (e *env) dispute(notice string) response {
	e.t.Helper()
	link := disputePattern.FindString(notice)
	if link == "" {
		e.t.Fatalf("no « Ce n'est pas moi » link in:\n%s", notice)
	}
	u, _ := url.Parse(link)
	return e.client().post(link, "/pas-moi", url.Values{"jeton": {u.Query().Get("jeton")}})
}

// A rogue school first gives the director's own address (no « Ce n'est pas
// moi »: it is the account's address), then changes it to one it reads. The
// night's followedEmail takes the school for the one "that gave" the account's
// address and moves the account there, telling nobody. From then on the
// notices of the person's new accesses, with their addresses, go to the
// attacker, whose « Ce n'est pas moi » suspends the person's real access.
func TestTrustRogueSchoolTakesTheAccountAddress(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		if code := e.putStaff(faseA, e.tokenA, staffA...); code != http.StatusOK {
			t.Fatalf("school A's transfer: %d", code)
		}
		e.night()
		// Night 1: school B sends the director with his own address.
		sameAddress := staff("Milord", "Rémy", "1967-03-15", "remy.milord@ecole.be", "Enseignant")
		if code := e.putStaff(faseB, e.tokenB, eve, sameAddress); code != http.StatusOK {
			t.Fatalf("school B's first transfer: %d", code)
		}
		e.night()
		// Night 2: school B moves its grant to the attacker's address.
		moved := staff("Milord", "Rémy", "1967-03-15", "attacker@evil-mail.be", "Enseignant")
		if code := e.putStaff(faseB, e.tokenB, eve, moved); code != http.StatusOK {
			t.Fatalf("school B's second transfer: %d", code)
		}
		e.night()

		acc, err := e.st.AccountByLogin(e.ctx, "remy.milord.150367")
		if err != nil {
			t.Fatal(err)
		}
		if acc.Email != "remy.milord@ecole.be" {
			t.Errorf("school B moved the account's address to %q (only school A gave it)", acc.Email)
		}
		told := false
		for _, m := range e.mails() {
			if strings.Contains(m.Message.To, "remy.milord@ecole.be") && strings.Contains(m.Message.Text, "a•••@evil-mail.be") &&
				strings.Contains(m.Message.Text, schoolB) {
				told = true
			}
		}
		if !told {
			t.Errorf("the director was never told that school B's access moved to attacker@evil-mail.be")
		}

		// Night 3: the director's real new school C opens his access.
		tokC, err := e.svc.AddSchool(e.ctx, faseC, schoolC, "test")
		if err != nil {
			t.Fatal(err)
		}
		if code := e.putStaff(faseC, tokC, staff("Milord", "Rémy", "1967-03-15", "r.milord@saint-luc.be", "Enseignant")); code != http.StatusOK {
			t.Fatalf("school C's transfer: %d", code)
		}
		e.night()
		for _, m := range e.mails() {
			if strings.Contains(m.Message.To, "attacker@evil-mail.be") && strings.Contains(m.Message.Text, "r.milord@saint-luc.be") {
				t.Errorf("the attacker learns the person's other school and address (%q):\n%s", m.Message.Subject, m.Message.Text)
				// and can suspend it:
				e.dispute(m.Message.Text)
				if _, err := e.portal.Access(e.ctx, acc.ID, "r.milord@saint-luc.be"); err != nil {
					t.Errorf("after the attacker's « Ce n'est pas moi », the director's school C access: %v", err)
				}
			}
		}
		if _, ok := e.mailTo("remy.milord@ecole.be", extranet.SubjectForeignAccess); !ok {
			t.Errorf("the director's own address was not told of school C's access")
		}
	})
}

// A second school that gives the person's own address (a personal address
// both schools have, or a rogue school that knows it) renames the person:
// ownNames takes the names of any grant at the account's address.
func TestTrustSecondSchoolAtTheSameAddressRenamesThePerson(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.transfer(faseA, jean)
		e.night()
		e.transfer(faseB, staff("DUPONT", "Jéan", "1980-05-04", "jean.dupont@ecole.be", "Enseignant"))
		e.night()
		acc, err := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
		if err != nil {
			t.Fatal(err)
		}
		p, _ := e.st.Person(e.ctx, acc.PersonID)
		if p.LastName != "Dupont" || p.FirstName != "Jean" {
			t.Errorf("school B renamed the person to %s %s", p.FirstName, p.LastName)
		}
		noBody(t, e.signIn("jean.dupont@ecole.be").get("/"), "Jéan")
	})
}

// A session whose own scope closes ends every session of the account
// (staffOnly → endStaff → DeleteUserSessions): the attacker's next request
// after « Ce n'est pas moi » signs the real director out, and a rogue school
// can do so at will by moving or ending its own grant.
func TestTrustOneScopeClosingEndsTheOtherScopesSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.forgeDirector()
		notice, ok := e.mailTo("remy.milord@ecole.be", extranet.SubjectForeignAccess)
		if !ok {
			t.Fatal("no notice")
		}
		attacker := e.signIn("attacker@evil-mail.be")
		director := e.signIn("remy.milord@ecole.be")
		e.dispute(notice.Message.Text)
		if r := attacker.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("attacker after the dispute: %d", r.status)
		}
		if r := director.get("/direction/4242"); r.status != http.StatusOK {
			t.Errorf("the director's own session after the attacker's request: %d → %q, want 200", r.status, r.location)
		}
	})
}

// An access a school opens while an operator has disabled the account is
// never told: no « Ce n'est pas moi » then, nor when the operator enables
// the account again, and the attacker's access is live.
func TestTrustAccessOpenedWhileDisabledIsNeverTold(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		if code := e.putStaff(faseA, e.tokenA, staffA...); code != http.StatusOK {
			t.Fatalf("school A's transfer: %d", code)
		}
		e.night()
		acc, err := e.st.AccountByLogin(e.ctx, "remy.milord.150367")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.portal.SetAccountDisabled(e.ctx, acc.ID, true, "operator:ana"); err != nil {
			t.Fatal(err)
		}
		forged := staff("Milord", "Remy", "1967-03-15", "attacker@evil-mail.be", "Enseignant")
		if code := e.putStaff(faseB, e.tokenB, eve, forged); code != http.StatusOK {
			t.Fatalf("school B's transfer: %d", code)
		}
		e.night()
		if _, err := e.portal.SetAccountDisabled(e.ctx, acc.ID, false, "operator:ana"); err != nil {
			t.Fatal(err)
		}
		e.night()
		wantIn(t, e.signIn("attacker@evil-mail.be").get("/"), "#acces tbody td:first-child", schoolB)
		if _, ok := e.mailTo("remy.milord@ecole.be", extranet.SubjectForeignAccess); !ok {
			t.Errorf("the director was never told of school B's access at attacker@evil-mail.be")
		}
	})
}

// « Ce n'est pas moi » suspends the grant but leaves the disputed address in
// the account's circle: once the director has been led to link it (he
// follows a « Relier vos accès » e-mail the attacker asked for), the
// attacker keeps school A's Espace direction after the dispute, through old
// and new sessions — though the dispute page tells him « ni l'adresse … ni
// l'école ne voient vos autres accès ».
func TestTrustDisputeLeavesTheAddressLinked(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.forgeDirector()
		notice, ok := e.mailTo("remy.milord@ecole.be", extranet.SubjectForeignAccess)
		if !ok {
			t.Fatal("no notice")
		}
		attacker := e.signIn("attacker@evil-mail.be")
		// Misled, the director links the attacker's address himself, and
		// the attacker follows the link.
		director := e.signIn("remy.milord@ecole.be")
		director.post("/", "/acces/relier", url.Values{"adresse": {"attacker@evil-mail.be"}})
		m, ok := e.mailTo("attacker@evil-mail.be", extranet.SubjectLinkAddresses)
		if !ok {
			t.Fatal("no linking e-mail")
		}
		attacker = e.followLink(linkIn(t, m))
		if r := attacker.get("/direction/4242"); r.status != http.StatusOK {
			t.Fatalf("precondition: linked, the attacker reaches school A: %d", r.status)
		}

		// The director understands, and says « Ce n'est pas moi ».
		wantIn(t, e.dispute(notice.Message.Text), "#avis-signale", "ne voient vos autres accès")
		if r := attacker.get("/direction/4242"); r.status == http.StatusOK {
			t.Errorf("after « Ce n'est pas moi », the attacker's session still reaches school A's Espace direction")
		}
		before := len(e.mails())
		again := e.client()
		again.post("/connexion", "/connexion", url.Values{"identifiant": {"attacker@evil-mail.be"}})
		all := e.mails()
		for _, m := range all[:len(all)-before] {
			if m.Message.Subject == extranet.SubjectSignInLink && strings.Contains(m.Message.Text, schoolA) {
				t.Errorf("after « Ce n'est pas moi », a new sign-in link to the attacker opens school A:\n%s", m.Message.Text)
			}
		}
	})
}

// The account's address stays the proven one after the school that gave it
// has ended its access, for ever: nothing can move it any more
// (followedEmail needs a live grant carrying it). A person who moves to
// school C has its new access told, with its new address and a « Ce n'est
// pas moi » link, to the old school's mailbox (often reassigned, or a role
// address such as direction@…), whose holder can suspend it; and operators
// can no longer resend the account's invitation.
func TestTrustStaleAccountAddressIsToldAndCanDispute(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.transfer(faseA, staffA...)
		e.night()
		e.transfer(faseA, luc, remy) // Jean leaves school A
		e.night()
		tokC, err := e.svc.AddSchool(e.ctx, faseC, schoolC, "test")
		if err != nil {
			t.Fatal(err)
		}
		if code := e.putStaff(faseC, tokC, staff("Dupont", "Jean", "1980-05-04", "jean@saint-luc.be", "Enseignant")); code != http.StatusOK {
			t.Fatalf("school C's transfer: %d", code)
		}
		e.night()
		acc, err := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range e.mails() {
			if strings.Contains(m.Message.To, "jean.dupont@ecole.be") && strings.Contains(m.Message.Text, "jean@saint-luc.be") {
				t.Errorf("school A's old mailbox is told of school C's access and address (%q)", m.Message.Subject)
				e.dispute(m.Message.Text)
				if _, err := e.portal.Access(e.ctx, acc.ID, "jean@saint-luc.be"); err != nil {
					t.Errorf("after « Ce n'est pas moi » from the old mailbox, Jean's only access: %v", err)
				}
			}
		}
		if err := e.portal.ResendInvitation(e.ctx, acc.ID, "operator:ana", nil); err != nil {
			t.Errorf("operators cannot resend Jean's invitation: %v", err)
		}
		// School A gives Jean's old mailbox to his successor: refused, the
		// address is still Jean's account's (before the change the night
		// moved the account to the new school's address).
		res := e.transfer(faseA, luc, remy, staff("Leroy", "Paul", "1985-09-09", "jean.dupont@ecole.be", "Enseignant"))
		if res.Counts.Rejected != 0 {
			t.Errorf("school A cannot give the old mailbox to the successor: %+v", res.Counts)
		}
	})
}

// A session opened before the change carries no "email": staffOnly then
// scopes it to the account's address. Before the change, a link to any
// address of the account's active grants opened a session on the whole
// account, so a session opened through another school's address (here the
// forged one) reaches the director's grants after the upgrade, for as long
// as it is used (the idle lifetime slides). Simulated by removing "email"
// from a session opened through the attacker's address.
func TestTrustSessionWithoutEmailGetsTheAccountAddressScope(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.forgeDirector()
		attacker := e.signIn("attacker@evil-mail.be")
		acc, err := e.st.AccountByLogin(e.ctx, "remy.milord.150367")
		if err != nil {
			t.Fatal(err)
		}
		err = e.st.DB().Tx(e.ctx, e.clock.Now(), func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, `UPDATE sessions SET data = '{}' WHERE user_id = ?`, acc.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if r := attacker.get("/direction/4242"); r.status == http.StatusOK {
			t.Errorf("a session of unknown scope, opened through the attacker's address, reaches school A's Espace direction")
		}
	})
}

// A school that sends a person with their matricule (it is on payslips) is
// joined to them by a strong match, which is neither recorded, audited nor
// listed for operators (MatchStrong is never used): a rogue school's forged
// entry is then invisible to operators, though docs/security.md says each
// one "is a weak match or a new person, visible to operators", and issue 11
// asks that every merge be in the journal.
func TestTrustMatchByMatriculeIsInvisibleToOperators(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		director := remy
		director.Matricule = "16703150012"
		if code := e.putStaff(faseA, e.tokenA, jean, luc, director); code != http.StatusOK {
			t.Fatalf("school A's transfer: %d", code)
		}
		e.night()
		forged := wire.StaffEntry{LastName: "Milord", FirstName: "Remy", Matricule: "16703150012",
			Email: "attacker@evil-mail.be", Role: "Enseignant"}
		if code := e.putStaff(faseB, e.tokenB, eve, forged); code != http.StatusOK {
			t.Fatalf("school B's transfer: %d", code)
		}
		e.night()
		wantIn(t, e.signIn("attacker@evil-mail.be").get("/"), "#acces tbody td:first-child", schoolB) // the merge happened
		audit, err := e.st.Audit(e.ctx, extranet.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range audit {
			if a.FASE == faseB && a.Action == extranet.AuditIdentityMatch && strings.Contains(a.Detail, `"strength":"strong"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no journal entry for school B's entry joined to a person known at school A")
		}
	})
}

// A rogue school that sends a person first (a new teacher, or staff of a
// school not on the extranet yet) gives the account its address: its own.
// When the person's real school sends them, its access is the "foreign"
// one: the notice, with the real school's address and « Ce n'est pas
// moi », goes to the attacker, who suspends the person's real access.
func TestTrustFirstSchoolOwnsTheAccountAddress(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		claireB := staff("Lambert", "Claire", "1990-02-02", "attacker@evil-mail.be", "Enseignant")
		if code := e.putStaff(faseB, e.tokenB, eve, claireB); code != http.StatusOK {
			t.Fatalf("school B's transfer: %d", code)
		}
		e.night()
		claire := staff("Lambert", "Claire", "1990-02-02", "claire.lambert@ecole.be", "Directeur")
		if code := e.putStaff(faseA, e.tokenA, jean, luc, claire); code != http.StatusOK {
			t.Fatalf("school A's transfer: %d", code)
		}
		e.night()
		acc, err := e.st.AccountByLogin(e.ctx, "claire.lambert.020290")
		if err != nil {
			t.Fatal(err)
		}
		// What remains (docs/security.md): the account's address is the
		// rogue school's, which is told of school A's access — masked — and
		// can suspend it; operators see it and restore it.
		notice, ok := e.mailTo("attacker@evil-mail.be", extranet.SubjectForeignAccess)
		if !ok {
			t.Fatal("no notice to the account's address")
		}
		if strings.Contains(notice.Message.Text, "claire.lambert@ecole.be") || !strings.Contains(notice.Message.Text, "c•••@ecole.be") {
			t.Errorf("the notice gives the other address in full:\n%s", notice.Message.Text)
		}
		e.dispute(notice.Message.Text)
		e.operator("ana")
		op := e.signInOperator("ana")
		v := op.get("/console/verifications")
		wantRow(t, v, "#contestations", "Lambert Claire", schoolA+" (4242) · Directeur", "claire.lambert@ecole.be")
		wantIn(t, v, "#contestations tbody button", "Rétablir le lien")
		op.post("/console/verifications", disputeForm(t, v), url.Values{"decision": {extranet.DisputeRestored}})
		if _, err := e.portal.Access(e.ctx, acc.ID, "claire.lambert@ecole.be"); err != nil {
			t.Errorf("after the operator restored it, Claire's access at school A: %v", err)
		}
		wantIn(t, e.signIn("claire.lambert@ecole.be").get("/direction/4242"), "h1", schoolA)
	})
}

// The side a school opened at another address (the forged one here) can ask
// to link the account's own address; the e-mail sent there reads as the
// person's own request ("à son compte"), and the page its link opens is the
// sign-in page (« Vous avez demandé à vous connecter », « Me connecter »):
// one click, meant as a sign-in, gives the requester every access of the
// account's address, school A's Espace direction included.
func TestTrustJoinLinkPageIsTheSignInPage(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.forgeDirector()
		attacker := e.signIn("attacker@evil-mail.be")
		wantIn(t, attacker.get("/"), "#relier-ailleurs", "connectez-vous avec l'adresse de votre compte")
		before := len(e.mails())
		attacker.post("/", "/acces/relier", url.Values{"adresse": {"remy.milord@ecole.be"}})
		if _, ok := e.mailTo("remy.milord@ecole.be", extranet.SubjectLinkAddresses); ok || len(e.mails()) != before {
			t.Fatal("the side another school opened asked to link the account's own address")
		}
		// From the account's address, the link's page says what the click
		// does and for whom.
		e.signIn("remy.milord@ecole.be").post("/", "/acces/relier", url.Values{"adresse": {"attacker@evil-mail.be"}})
		m, ok := e.mailTo("attacker@evil-mail.be", extranet.SubjectLinkAddresses)
		if !ok {
			t.Fatal("no linking e-mail")
		}
		page := e.client().get(linkIn(t, m))
		if main := doc(t, page).One("main").Text(); !strings.Contains(main, "remy.milord@ecole.be") || !strings.Contains(main, "Relier deux adresses") ||
			strings.Contains(page.body, "Vous avez demandé à vous connecter") {
			t.Errorf("the page of a linking link does not say that the click links the addresses, and for whom")
		}
	})
}
