package portal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"passerelle/extranet"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// eachStore runs fn on an environment over SQLite, then over PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newEnv(t, envOptions{url: pgtest.URL(t)})) })
}

// putStaff sends a snapshot over the real API with a school's token.
func (e *env) putStaff(fase int, tok string, people ...wire.StaffEntry) int {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"schoolYear": year, "staff": people})
	req, _ := http.NewRequest(http.MethodPut, e.ts.URL+"/api/v1/schools/"+itoa(fase)+"/staff", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func itoa(n int) string { return jsonInt(n) }

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// forgeDirector plays the attack of the trust issue: school A's staff and a
// night; then school B, with its own token, sends school A's director under
// his names and birth date at an address the attacker reads; a night.
func (e *env) forgeDirector() {
	e.t.Helper()
	if code := e.putStaff(faseA, e.tokenA, staffA...); code != http.StatusOK {
		e.t.Fatalf("school A's transfer: %d", code)
	}
	e.night()
	forged := staff("Milord", "Remy", "1967-03-15", "attacker@evil-mail.be", "Enseignant")
	if code := e.putStaff(faseB, e.tokenB, eve, forged); code != http.StatusOK {
		e.t.Fatalf("school B's transfer: %d", code)
	}
	e.night()
}

var disputePattern = regexp.MustCompile(`https?://\S+/pas-moi\?jeton=[A-Za-z0-9_-]+`)

// The attack of the trust issue: school B's own token sends school A's
// director under his names and birth date, with an address the attacker
// controls. The attacker gets exactly school B's access; the director is
// told at his own address, and « Ce n'est pas moi » suspends the access
// and puts it before the operators.
func TestAnotherSchoolCannotTakeOverAnAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.forgeDirector()

		// The director's own address is told, naming school B.
		notice, ok := e.mailTo("remy.milord@ecole.be", extranet.SubjectForeignAccess)
		if !ok {
			t.Fatal("no notice to the director's own address")
		}
		for _, want := range []string{schoolB, "FASE 5353", "Enseignant", "a•••@evil-mail.be", "Ce n'est pas moi"} {
			if !strings.Contains(notice.Message.Text, want) {
				t.Errorf("notice lacks %q:\n%s", want, notice.Message.Text)
			}
		}
		// The attacker's address gets an invitation to school B only.
		inv, ok := e.mailTo("attacker@evil-mail.be", extranet.SubjectInvitation)
		if !ok {
			t.Fatal("no invitation to the new address")
		}
		if strings.Contains(inv.Message.Text, schoolA) || !strings.Contains(inv.Message.Text, schoolB) {
			t.Errorf("invitation to the attacker:\n%s", inv.Message.Text)
		}

		attacker := e.signIn("attacker@evil-mail.be")
		if r := attacker.get("/direction/4242"); r.status != http.StatusNotFound {
			t.Errorf("attacker on school A's Espace direction: %d, want 404", r.status)
		}
		page := attacker.get("/")
		if rows := doc(t, page).Rows("#acces"); len(rows) != 1 || rows[0][0] != schoolB {
			t.Errorf("the attacker's accesses: %q", rows)
		}
		noBody(t, page, schoolA, "Directeur", "remy.milord@ecole.be")

		// By login, a link goes to each address, each scoped to it.
		before := len(e.mails())
		c := e.client()
		c.post("/connexion", "/connexion", url.Values{"identifiant": {"remy.milord.150367"}})
		if got := len(e.mails()) - before; got != 2 {
			t.Errorf("sign-in by login sent %d e-mails, want 2 (one an address)", got)
		}

		// The director keeps his space, and does not see school B's access.
		director := e.signIn("remy.milord@ecole.be")
		if r := director.get("/direction/4242"); r.status != http.StatusOK {
			t.Errorf("director on his space: %d", r.status)
		}
		noneIn(t, director.get("/"), "#acces", schoolB)
		noBody(t, director.get("/"), schoolB)

		// « Ce n'est pas moi »: a page, then a click.
		link := disputePattern.FindString(notice.Message.Text)
		if link == "" {
			t.Fatalf("no « Ce n'est pas moi » link in:\n%s", notice.Message.Text)
		}
		u, _ := url.Parse(link)
		anon := e.client()
		if r := anon.get(link); r.status != http.StatusOK {
			t.Fatalf("dispute page: %d", r.status)
		}
		r := anon.post(link, "/pas-moi", url.Values{"jeton": {u.Query().Get("jeton")}})
		wantIn(t, r, "#avis-signale", "séparé de votre compte")
		if again := anon.get(link); again.status != http.StatusGone {
			t.Errorf("dispute link used twice: %d", again.status)
		}
		// The attacker's session ends: its only access is suspended.
		if r := attacker.get("/"); r.status != http.StatusSeeOther {
			t.Errorf("attacker after the dispute: %d, want a redirect to sign-in", r.status)
		}

		// Operators see it, and the weak match, and decide; all audited.
		e.operator("ana")
		op := e.signInOperator("ana")
		v := op.get("/console/verifications")
		wantIn(t, v, "h2#titre-rapprochements", "Rapprochements à vérifier")
		wantIn(t, v, "h2#titre-contestations", "Accès contestés")
		wantIn(t, v, "#rapprochements tbody", "Milord Remy", schoolA, schoolB)
		wantIn(t, v, "#contestations tbody", "attacker@evil-mail.be", schoolB)
		decide := disputeForm(t, v)
		op.post("/console/verifications", decide, url.Values{"decision": {extranet.DisputeKept}})
		wantIn(t, op.get("/console/verifications"), "#contestations tbody td:last-child", "Suspension maintenue")
		audit, err := e.st.Audit(e.ctx, extranet.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, a := range audit {
			seen[a.Action] = true
		}
		for _, action := range []string{extranet.AuditIdentityMatch, extranet.AuditGrantDisputed, extranet.AuditDisputeDecided} {
			if !seen[action] {
				t.Errorf("no %s in the audit log", action)
			}
		}
	})
}

// A teacher in two schools with two addresses reaches both after linking
// them from inside a session, and not before.
func TestLinkingTwoAddresses(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.transfer(faseA, jean)
		e.night()
		jeanB := staff("Dupont", "Jean", "1980-05-04", "j.dupont@marie.be", "Directeur")
		e.transfer(faseB, jeanB)
		e.night()

		c := e.signIn("jean.dupont@ecole.be")
		noBody(t, c.get("/"), schoolB)
		if r := c.get("/direction/5353"); r.status != http.StatusNotFound {
			t.Fatalf("before linking, school B's space: %d", r.status)
		}
		// An address of no access of his: the same answer, no e-mail.
		before := len(e.mails())
		c.post("/", "/acces/relier", url.Values{"adresse": {"someone@else.be"}})
		if n := len(e.mails()); n != before {
			t.Errorf("a link was sent to an address of no access")
		}
		c.post("/", "/acces/relier", url.Values{"adresse": {"j.dupont@marie.be"}})
		m, ok := e.mailTo("j.dupont@marie.be", extranet.SubjectLinkAddresses)
		if !ok {
			t.Fatal("no linking e-mail")
		}
		if !strings.Contains(m.Message.Text, "jean.dupont@ecole.be") {
			t.Errorf("the linking e-mail does not say who asks:\n%s", m.Message.Text)
		}
		link := linkIn(t, m)
		u, _ := url.Parse(link)
		other := e.client()
		if r := other.post(link, "/connexion/lien", url.Values{"jeton": {u.Query().Get("jeton")}}); r.status != http.StatusSeeOther {
			t.Fatalf("follow the linking link: %d", r.status)
		}
		// Both sessions, and new ones through either address, reach both.
		for _, s := range []*client{c, other, e.signIn("jean.dupont@ecole.be")} {
			wantIn(t, s.get("/"), "#acces tbody td:first-child", schoolA, schoolB)
			if r := s.get("/direction/5353"); r.status != http.StatusOK {
				t.Errorf("after linking, school B's space: %d", r.status)
			}
		}
		audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{Action: extranet.AuditAddressesLinked})
		if len(audit) != 1 {
			t.Errorf("addresses_linked audit entries = %d, want 1", len(audit))
		}
	})
}

// A second school's spelling of a name changes nothing the first school or
// the person sees.
func TestAnotherSchoolsSpellingStaysItsOwn(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.transfer(faseA, jean)
		e.night()
		e.transfer(faseB, staff("DUPONT", "Jéan", "1980-05-04", "jean@marie.be", "Enseignant"))
		e.night()
		acc, err := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
		if err != nil {
			t.Fatal(err)
		}
		p, _ := e.st.Person(e.ctx, acc.PersonID)
		if p.LastName != "Dupont" || p.FirstName != "Jean" {
			t.Errorf("person renamed to %s %s", p.FirstName, p.LastName)
		}
		grants, _ := e.svc.Grants(e.ctx, faseA, year)
		if len(grants.Staff) != 1 || grants.Staff[0].LastName != "Dupont" || grants.Staff[0].FirstName != "Jean" {
			t.Errorf("school A sees %+v", grants.Staff)
		}
		c := e.signIn("jean.dupont@ecole.be")
		page := c.get("/")
		noBody(t, page, "DUPONT", "Jéan")
	})
}
