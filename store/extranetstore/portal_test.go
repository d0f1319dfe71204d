package extranetstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/mail"
	"passerelle/wire"
)

// portalEnv is the contract env with the journal of transfers and the
// portal's use cases.
type portalEnv struct {
	*env
	portal *extranet.Portal
}

func eachPortal(t *testing.T, fn func(t *testing.T, e *portalEnv)) {
	each(t, func(t *testing.T, e *env) {
		fn(t, &portalEnv{env: e, portal: &extranet.Portal{Store: e.st, Service: e.svc}})
	})
}

// linkOf returns the token of the sign-in link written in a message.
func linkOf(t *testing.T, m mail.Message) string {
	t.Helper()
	_, after, ok := strings.Cut(m.Text, "https://extranet.test/connexion/lien?jeton=")
	if !ok {
		t.Fatalf("no sign-in link in %q", m.Text)
	}
	tok, _, _ := strings.Cut(after, "\n")
	return tok
}

func linkURL(tok string) string { return "https://extranet.test/connexion/lien?jeton=" + tok }

// recorder is a mail.Sender that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	sent []mail.Message
	fail error
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.sent = append(r.sent, m)
	return nil
}

func (r *recorder) Close() error { return nil }

func TestJournalOfTransfers(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		e.addSchool(t, 4242, "École A")
		e.transfer(t, 4242, snapshot(
			person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Enseignant"),
			person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant"),
			person("Zeller", "Anne", "1970-02-02", "", "anne.zeller@ecole.be", "Directeur"),
		))
		e.night(t)
		e.clock.Set(e.clock.Now().Add(time.Minute)) // after the night's re-sync
		res := e.transfer(t, 4242, snapshot(
			person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Directeur"),
			person("Zeller", "Anne", "1970-02-02", "", "anne.zeller@ecole.be", "Directeur"),
			person("Neuf", "Nina", "1990-03-03", "", "nina.neuf@ecole.be", "Enseignant"),
			person("Double", "Dora", "1991-04-04", "", "nina.neuf@ecole.be", "Enseignant"),
		))
		wantCounts(t, res.Counts, wire.Counts{Created: 0, Modified: 1, Deactivated: 1, Unchanged: 1, Rejected: 2})

		recs, err := e.st.Transfers(e.ctx, extranet.TransferFilter{FASE: 4242})
		if err != nil {
			t.Fatal(err)
		}
		// The two transfers, and between them the re-syncs that e.transfer
		// and e.night sent (checkResend), which changed nobody.
		if len(recs) < 2 {
			t.Fatalf("journal has %d transfers, want at least 2", len(recs))
		}
		for _, r := range recs[1 : len(recs)-1] {
			if len(r.Changes) != 0 || r.Counts.Unchanged != 3 {
				t.Errorf("re-sync in the journal = %+v, want 3 unchanged and no change", r)
			}
		}
		first := recs[len(recs)-1]
		last := recs[0]
		if last.ID != res.TransferID || last.Outcome != extranet.OutcomeApplied || last.Counts != res.Counts || last.Actor != "school:4242" {
			t.Errorf("last transfer = %+v, want id %s applied with %+v", last, res.TransferID, res.Counts)
		}
		// The journal holds the result's changes, the unchanged ones aside.
		var want []wire.Change
		for _, c := range res.Changes {
			if c.Action != wire.ActionUnchanged {
				want = append(want, c)
			}
		}
		if !slices.Equal(last.Changes, want) {
			t.Errorf("journal changes:\n got %+v\nwant %+v", last.Changes, want)
		}
		if len(first.Changes) != 3 || first.Changes[0].Action != wire.ActionCreated {
			t.Errorf("first transfer changes = %+v, want 3 created", first.Changes)
		}
		if one, err := e.st.TransferRecord(e.ctx, res.TransferID); err != nil || one.ID != res.TransferID {
			t.Errorf("TransferRecord = %+v, %v", one, err)
		}
		if _, err := e.st.TransferRecord(e.ctx, "nope"); !errors.Is(err, extranet.ErrNotFound) {
			t.Errorf("TransferRecord(nope) = %v, want ErrNotFound", err)
		}

		// Search by date: the window of the second transfer only.
		at := last.At
		got, err := e.st.Transfers(e.ctx, extranet.TransferFilter{From: at, To: at.Add(time.Second)})
		if err != nil || len(got) != 1 || got[0].ID != last.ID {
			t.Errorf("Transfers(date) = %d records, %v; want the second transfer", len(got), err)
		}
		if got, _ := e.st.Transfers(e.ctx, extranet.TransferFilter{FASE: 9999}); len(got) != 0 {
			t.Errorf("Transfers(other school) = %d records, want 0", len(got))
		}
	})
}

func TestJournalHeldTransfers(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		e.addSchool(t, 4242, "École A")
		e.transfer(t, 4242, snapshot(numbered("Prof", 6)...))
		tick := func() { e.clock.Set(e.clock.Now().Add(time.Minute)) }
		tick()
		_, err := e.svc.Transfer(e.ctx, 4242, snapshot(), extranet.TransferOptions{})
		held := wantErr[*extranet.HeldError](t, err)

		open, err := e.st.Transfers(e.ctx, extranet.TransferFilter{OpenHeld: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].Outcome != extranet.OutcomeHeld || open[0].Deactivations != held.Deactivations || open[0].LiveGrants != 6 {
			t.Fatalf("open held = %+v, want one held transfer with %d deactivations", open, held.Deactivations)
		}
		if err := e.portal.DismissHeld(e.ctx, open[0].ID, "operator:ana"); err != nil {
			t.Fatal(err)
		}
		if again := e.portal.DismissHeld(e.ctx, open[0].ID, "operator:ana"); !errors.Is(again, extranet.ErrNotFound) {
			t.Errorf("second dismissal = %v, want ErrNotFound", again)
		}
		if open, _ := e.st.Transfers(e.ctx, extranet.TransferFilter{OpenHeld: true}); len(open) != 0 {
			t.Errorf("after dismissal %d held transfers wait, want 0", len(open))
		}
		audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{Action: extranet.AuditHeldDismissed})
		if len(audit) != 1 || audit[0].Actor != "operator:ana" {
			t.Errorf("audit of the dismissal = %+v", audit)
		}

		// A held transfer followed by an applied one no longer waits.
		tick()
		if _, err := e.svc.Transfer(e.ctx, 4242, snapshot(), extranet.TransferOptions{}); err == nil {
			t.Fatal("second empty snapshot applied, want held")
		}
		if open, _ := e.st.Transfers(e.ctx, extranet.TransferFilter{OpenHeld: true}); len(open) != 1 {
			t.Fatalf("%d held transfers wait, want 1", len(open))
		}
		snap := snapshot()
		snap.ConfirmDeactivations = held.Deactivations
		tick()
		e.transfer(t, 4242, snap)
		if open, _ := e.st.Transfers(e.ctx, extranet.TransferFilter{OpenHeld: true}); len(open) != 0 {
			t.Errorf("after the confirmed transfer %d held transfers wait, want 0", len(open))
		}
	})
}

func TestSignInLinks(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		e.addSchool(t, 4242, "École A")
		e.transfer(t, 4242, snapshot(
			person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Enseignant"),
			person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant"),
		))
		// Before the night there is no account: nobody can sign in; the
		// person is told when the access opens.
		if m, err := oneMail(e.portal.RequestSignIn(e.ctx, "jean.dupont@ecole.be", linkURL)); err != nil ||
			m.Subject != extranet.SubjectPending || strings.Contains(m.Text, "jeton=") {
			t.Fatalf("before the night: %+v, %v, want the pending notice", m, err)
		}
		e.night(t)

		for _, id := range []string{"nobody@ecole.be", "jean.dupont.000000", "not an address@", ""} {
			if _, err := e.portal.RequestSignIn(e.ctx, id, linkURL); !errors.Is(err, extranet.ErrNotFound) {
				t.Errorf("RequestSignIn(%q) = %v, want ErrNotFound", id, err)
			}
		}

		// By login, any case; by e-mail.
		first, err := oneMail(e.portal.RequestSignIn(e.ctx, " Jean.Dupont.040580 ", linkURL))
		if err != nil {
			t.Fatal(err)
		}
		if first.Subject != extranet.SubjectSignInLink || !strings.Contains(first.To, "jean.dupont@ecole.be") ||
			!strings.Contains(first.Text, "jean.dupont.040580") {
			t.Errorf("message = %+v", first)
		}
		second, err := oneMail(e.portal.RequestSignIn(e.ctx, "JEAN.DUPONT@ecole.be", linkURL))
		if err != nil {
			t.Fatal(err)
		}
		tok1, tok2 := linkOf(t, first), linkOf(t, second)
		if n := e.count(t, `SELECT COUNT(*) FROM signin_links WHERE token_hash = ?`, tok1); n != 0 {
			t.Errorf("the token itself is stored")
		}
		if open, _ := e.portal.LinkOpen(e.ctx, tok2); !open {
			t.Errorf("fresh link not open")
		}

		acc, err := e.portal.SignIn(e.ctx, tok2)
		if err != nil {
			t.Fatal(err)
		}
		if acc.Account.Login != "jean.dupont.040580" || acc.Account.State != extranet.AccountActive || len(acc.Active) != 1 {
			t.Errorf("signed in as %+v", acc)
		}
		stored, _ := e.st.Account(e.ctx, acc.Account.ID)
		if stored.State != extranet.AccountActive || stored.ActivatedAt.IsZero() {
			t.Errorf("account after sign-in = %+v, want active", stored)
		}
		// Once only; and the older link died with it.
		for _, tok := range []string{tok2, tok1, "garbage"} {
			if _, err := e.portal.SignIn(e.ctx, tok); !errors.Is(err, extranet.ErrLinkInvalid) {
				t.Errorf("SignIn(spent %q) = %v, want ErrLinkInvalid", tok[:min(6, len(tok))], err)
			}
		}

		// Expired after 15 minutes.
		m, err := oneMail(e.portal.RequestSignIn(e.ctx, "luc.martin@ecole.be", linkURL))
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(e.clock.Now().Add(extranet.SignInLinkTTL + time.Second))
		if open, _ := e.portal.LinkOpen(e.ctx, linkOf(t, m)); open {
			t.Errorf("expired link still open")
		}
		if _, err := e.portal.SignIn(e.ctx, linkOf(t, m)); !errors.Is(err, extranet.ErrLinkInvalid) {
			t.Errorf("expired link: %v, want ErrLinkInvalid", err)
		}

		// Martin leaves the school: no link, a notice instead, and his
		// access is closed at once.
		e.transfer(t, 4242, snapshot(person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Enseignant")))
		luc, _ := e.st.AccountByLogin(e.ctx, "luc.martin.310175")
		if _, err := e.portal.Access(e.ctx, luc.ID, ""); !errors.Is(err, extranet.ErrNoAccess) {
			t.Errorf("Access after deactivation = %v, want ErrNoAccess", err)
		}
		notice, err := oneMail(e.portal.RequestSignIn(e.ctx, "luc.martin.310175", linkURL))
		if err != nil {
			t.Fatal(err)
		}
		if notice.Subject != extranet.SubjectNoAccess || strings.Contains(notice.Text, "jeton=") {
			t.Errorf("notice = %+v, want no link", notice)
		}
	})
}

func TestOperatorsAndAccounts(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		op, err := e.portal.AddOperator(e.ctx, "Ana.Op", "Ana  Opératrice", "$2a$hash", "cli:root")
		if err != nil {
			t.Fatal(err)
		}
		if op.Login != "ana.op" || op.Name != "Ana Opératrice" {
			t.Errorf("operator = %+v", op)
		}
		if _, err := e.portal.AddOperator(e.ctx, "ana.op", "Autre", "$2a$hash", "cli:root"); !errors.Is(err, extranet.ErrOperatorExists) {
			t.Errorf("duplicate login: %v, want ErrOperatorExists", err)
		}
		wantErr[*extranet.RefusedError](t, func() error { _, err := e.portal.AddOperator(e.ctx, "a b", "X", "h", "cli"); return err }())
		if got, err := e.st.OperatorByLogin(e.ctx, "ANA.OP"); err != nil || got.ID != op.ID || got.PasswordHash != "$2a$hash" {
			t.Errorf("OperatorByLogin = %+v, %v", got, err)
		}
		if _, err := e.st.Operator(e.ctx, "nope"); !errors.Is(err, extranet.ErrNotFound) {
			t.Errorf("Operator(nope) = %v", err)
		}

		e.addSchool(t, 4242, "École A")
		e.transfer(t, 4242, snapshot(
			person("Vervandier", "Gaëlle", "1989-07-25", "", "gaelle.vervandier@ecole.be", "Enseignant"),
			person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@ecole.be", "Directeur"),
		))
		e.night(t)
		for _, test := range []struct {
			query, state string
			want         []string
		}{
			{"gaelle", "", []string{"gaelle.vervandier.250789"}},
			{"Gaëlle Vervandier", "", []string{"gaelle.vervandier.250789"}},
			{"@ecole.be", "", []string{"gaelle.vervandier.250789", "jean.dupont.040580"}},
			{"jean.dupont@", "", []string{"jean.dupont.040580"}},
			{"100%_", "", nil},
			{"", extranet.AccountDisabled, nil},
		} {
			recs, err := e.st.SearchAccounts(e.ctx, extranet.AccountFilter{Query: test.query, State: test.state})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Account.Login)
				if r.ActiveGrants != 1 {
					t.Errorf("%s has %d active grants, want 1", r.Account.Login, r.ActiveGrants)
				}
			}
			if !slices.Equal(got, test.want) {
				t.Errorf("SearchAccounts(%q, %q) = %v, want %v", test.query, test.state, got, test.want)
			}
		}

		jean, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
		if _, err := e.portal.SetAccountDisabled(e.ctx, jean.ID, true, op.Actor()); err != nil {
			t.Fatal(err)
		}
		if _, err := e.portal.Access(e.ctx, jean.ID, ""); !errors.Is(err, extranet.ErrNoAccess) {
			t.Errorf("Access of a disabled account = %v, want ErrNoAccess", err)
		}
		wantErr[*extranet.RefusedError](t, func() error { _, err := e.portal.SetAccountDisabled(e.ctx, jean.ID, true, op.Actor()); return err }())
		if a, err := e.portal.SetAccountDisabled(e.ctx, jean.ID, false, op.Actor()); err != nil || a.State != extranet.AccountInvited {
			t.Errorf("enable = %+v, %v; want invited", a, err)
		}
		if _, err := e.portal.Access(e.ctx, jean.ID, ""); err != nil {
			t.Errorf("Access after enabling = %v", err)
		}

		// Resend the invitation: in the outbox, delivered, audited.
		rec := &recorder{}
		if err := e.portal.ResendInvitation(e.ctx, jean.ID, op.Actor(), rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.sent) != 1 || rec.sent[0].Subject != extranet.SubjectInvitation || !strings.Contains(rec.sent[0].Text, "jean.dupont.040580") ||
			!strings.Contains(rec.sent[0].Text, "École A (FASE 4242) : Directeur") {
			t.Errorf("resent = %+v", rec.sent)
		}
		box, _ := e.st.Outbox(e.ctx, extranet.OutboxFilter{PersonID: jean.PersonID})
		if len(box) != 2 || box[1].SentAt.IsZero() {
			t.Errorf("outbox = %+v, want the invitation and its copy, sent", box)
		}
		rec.fail = errors.New("450 mailbox busy")
		if err := e.portal.ResendInvitation(e.ctx, jean.ID, op.Actor(), rec); err == nil {
			t.Error("failed delivery reported no error")
		}
		box, _ = e.st.Outbox(e.ctx, extranet.OutboxFilter{PersonID: jean.PersonID})
		if len(box) != 3 || box[2].Attempts != 1 || !box[2].SentAt.IsZero() || !box[2].FailedAt.IsZero() {
			t.Errorf("outbox = %+v, want the failed copy left for the night", box)
		}

		var actions []string
		audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{})
		for _, a := range audit {
			if a.Actor == op.Actor() {
				actions = append(actions, a.Action)
			}
		}
		want := []string{extranet.AuditInvitationResent, extranet.AuditInvitationResent, extranet.AuditAccountEnabled, extranet.AuditAccountDisabled}
		if !slices.Equal(actions, want) {
			t.Errorf("audited actions = %v, want %v", actions, want)
		}

		// Tokens: the first, then a rotation.
		if _, err := e.svc.RotateToken(e.ctx, 4242, op.Actor()); err != nil {
			t.Fatal(err)
		}
		toks, err := e.st.SchoolTokens(e.ctx, 4242)
		if err != nil || len(toks) != 2 {
			t.Fatalf("SchoolTokens = %+v, %v", toks, err)
		}
		live := 0
		for _, tk := range toks {
			if tk.RevokedAt.IsZero() {
				live++
			}
			if len(tk.HashPrefix) != 8 {
				t.Errorf("hash prefix %q", tk.HashPrefix)
			}
		}
		if live != 1 {
			t.Errorf("%d live tokens, want 1", live)
		}
	})
}

func TestResolveRejections(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		e.addSchool(t, 1, "École A")
		e.addSchool(t, 2, "École B")
		e.addSchool(t, 3, "École C")
		// Two people with the same names and birth date, told apart by
		// their matricules.
		e.transfer(t, 1, snapshot(person("Leroy", "Marc", "1980-01-01", "18001010001", "marc.leroy@a.be", "Enseignant"),
			person("Roux", "Yves", "1970-01-01", "17001010003", "yves.roux@a.be", "Enseignant")))
		e.transfer(t, 2, snapshot(person("Leroy", "Marc", "1980-01-01", "18001010002", "marc.leroy@b.be", "Enseignant")))
		// School C sends them without matricule: ambiguous. And Roux with
		// another birth date: conflict with his matricule.
		snapC := snapshot(person("Leroy", "Marc", "1980-01-01", "", "marc.leroy@c.be", "Directeur"),
			person("Roux", "Yves", "1970-01-02", "17001010003", "yves.roux@c.be", "Enseignant"))
		res := e.transfer(t, 3, snapC)
		wantCounts(t, res.Counts, wire.Counts{Rejected: 2})

		open, err := e.st.Rejections(e.ctx, extranet.RejectionFilter{OpenOnly: true})
		if err != nil || len(open) != 2 {
			t.Fatalf("open rejections = %+v, %v", open, err)
		}
		byName := map[string]extranet.Rejection{}
		for _, r := range open {
			byName[r.LastName] = r
		}
		leroy, roux := byName["Leroy"], byName["Roux"]

		cands, err := e.st.Candidates(e.ctx, leroy)
		if err != nil || len(cands) != 2 {
			t.Fatalf("candidates of Leroy = %+v, %v", cands, err)
		}
		for _, c := range cands {
			if !slices.Contains(c.Why, "même nom et date de naissance") || len(c.Grants) != 1 {
				t.Errorf("candidate %+v", c)
			}
		}
		var fromA extranet.Person
		for _, c := range cands {
			if c.Person.Matricule == "18001010001" {
				fromA = c.Person
			}
		}

		// Refused: the person of school B has another matricule than Roux's.
		wantErr[*extranet.RefusedError](t, func() error {
			_, err := e.portal.ResolveRejection(e.ctx, roux.ID, cands[0].Person.ID, "operator:ana")
			return err
		}())

		// Leroy of school C is Leroy of school A.
		p, err := e.portal.ResolveRejection(e.ctx, leroy.ID, fromA.ID, "operator:ana")
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != fromA.ID {
			t.Errorf("resolved to %s, want %s", p.ID, fromA.ID)
		}
		if _, err := e.portal.ResolveRejection(e.ctx, leroy.ID, fromA.ID, "operator:ana"); !errors.Is(err, extranet.ErrAlreadyResolved) {
			t.Errorf("second decision = %v, want ErrAlreadyResolved", err)
		}
		g := e.grants(t, 3)["Leroy Marc"]
		// School C sees what it sent: no matricule, although the person
		// it is linked to has one (school A's).
		if g.State != extranet.GrantPending || g.Role != "Directeur" || g.Matricule != "" || g.BirthDate != "1980-01-01" || g.Email != "marc.leroy@c.be" {
			t.Errorf("grant at C = %+v, want pending Directeur with C's identity", g)
		}
		if recs, err := e.st.YearGrants(e.ctx, 3, year); err != nil || len(recs) != 1 || recs[0].Grant.PersonID != fromA.ID {
			t.Errorf("grants at C = %+v, %v; want the person of A", recs, err)
		}
		decisions, _ := e.st.RejectionDecisions(e.ctx, leroy.ID)
		if len(decisions) != 1 || decisions[0].Decision != extranet.DecisionLinked || decisions[0].PersonID != fromA.ID || decisions[0].Actor != "operator:ana" {
			t.Errorf("decisions = %+v", decisions)
		}

		// Roux of C is Roux of A: his birth date becomes the one school C gives.
		if _, err := e.portal.ResolveRejection(e.ctx, roux.ID, e.grants(t, 1)["Roux Yves"].Login+"x", "operator:ana"); !errors.Is(err, extranet.ErrNotFound) {
			t.Errorf("unknown person: %v, want ErrNotFound", err)
		}
		var rouxA string
		rs, _ := e.st.YearGrants(e.ctx, 1, year)
		for _, r := range rs {
			if r.Person.LastName == "Roux" {
				rouxA = r.Person.ID
			}
		}
		if _, err := e.portal.ResolveRejection(e.ctx, roux.ID, rouxA, "operator:ana"); err != nil {
			t.Fatal(err)
		}
		rs, _ = e.st.YearGrants(e.ctx, 1, year)
		for _, r := range rs {
			if r.Person.ID == rouxA && r.Person.BirthDate != "1970-01-02" {
				t.Errorf("Roux's birth date = %s, want the one school C gave", r.Person.BirthDate)
			}
		}
		// Each school still sees the birth date it sent.
		if got := e.grants(t, 1)["Roux Yves"].BirthDate; got != "1970-01-01" {
			t.Errorf("Roux's birth date at A = %s, want the one A sent", got)
		}
		if got := e.grants(t, 3)["Roux Yves"]; got.BirthDate != "1970-01-02" || got.Matricule != "17001010003" {
			t.Errorf("Roux at C = %+v, want the identity C sent", got)
		}

		// School C sends the same again: Roux is now recognised; Leroy,
		// still without matricule, is rejected again but keeps the grant
		// the operator opened.
		res = e.transfer(t, 3, snapC)
		if c := change(t, res, wire.ActionUnchanged, "Roux"); c.Role != "Enseignant" {
			t.Errorf("Roux = %+v", c)
		}
		change(t, res, wire.ActionRejected, "Leroy")
		if g := e.grants(t, 3)["Leroy Marc"]; g.State != extranet.GrantPending {
			t.Errorf("Leroy's grant at C = %+v, want kept", g)
		}

		// A new person instead: Leroy is rejected again, now open.
		again, _ := e.st.Rejection(e.ctx, leroy.ID)
		if !again.ResolvedAt.IsZero() {
			t.Fatalf("Leroy's rejection is not open again")
		}
		// The address is the one the operator gave the person of A.
		wantErr[*extranet.RefusedError](t, func() error { _, err := e.portal.ResolveRejection(e.ctx, leroy.ID, "", "operator:ana"); return err }())

		audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{FASE: 3, Action: extranet.AuditRejectionLinked})
		if len(audit) != 2 {
			t.Errorf("%d rejection.linked entries, want 2", len(audit))
		}
	})
}

func TestResolveRejectionNewPerson(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		for fase, name := range map[int]string{1: "A", 2: "B", 3: "C", 4: "D"} {
			e.addSchool(t, fase, "École "+name)
		}
		e.transfer(t, 1, snapshot(person("Leroy", "Marc", "1980-01-01", "18001010001", "marc.leroy@a.be", "Enseignant"),
			person("Autre", "Ami", "1981-01-01", "", "ami@a.be", "Enseignant")))
		e.transfer(t, 2, snapshot(person("Leroy", "Marc", "1980-01-01", "18001010002", "marc.leroy@b.be", "Enseignant")))
		// A third Leroy born the same day, without matricule, at school C;
		// and a line with a role the extranet does not know.
		res := e.transfer(t, 3, snapshot(person("Leroy", "Marc", "1980-01-01", "", "marc.leroy@c.be", "Enseignant"),
			person("Sans", "Role", "1980-01-01", "", "sans@c.be", "Concierge")))
		wantCounts(t, res.Counts, wire.Counts{Rejected: 2})
		open, _ := e.st.Rejections(e.ctx, extranet.RejectionFilter{OpenOnly: true, FASE: 3})
		var leroy, sans extranet.Rejection
		for _, r := range open {
			if r.LastName == "Leroy" {
				leroy = r
			} else {
				sans = r
			}
		}
		// An unknown role is the school's to correct.
		wantErr[*extranet.RefusedError](t, func() error { _, err := e.portal.ResolveRejection(e.ctx, sans.ID, "", "operator:ana"); return err }())

		p, err := e.portal.ResolveRejection(e.ctx, leroy.ID, "", "operator:ana")
		if err != nil {
			t.Fatal(err)
		}
		if p.Matricule != "" || p.BirthDate != "1980-01-01" || p.LastName != "Leroy" {
			t.Errorf("new person = %+v", p)
		}
		if g := e.grants(t, 3)["Leroy Marc"]; g.State != extranet.GrantPending || g.Email != "marc.leroy@c.be" {
			t.Errorf("grant at C = %+v", g)
		}
		if rep := e.night(t); rep.CreatedAccounts != 4 {
			t.Errorf("night created %d accounts, want 4 (three Leroy and Autre)", rep.CreatedAccounts)
		}

		// A fourth Leroy without matricule, at school D: a new person would
		// be the twin of the one just created, which nothing could tell
		// apart; and the address of Autre is taken.
		res = e.transfer(t, 4, snapshot(person("Leroy", "Marc", "1980-01-01", "", "marc.leroy@d.be", "Enseignant"),
			person("Autre", "Bis", "1982-01-01", "18201010007", "ami@a.be", "Enseignant")))
		wantCounts(t, res.Counts, wire.Counts{Rejected: 2})
		open, _ = e.st.Rejections(e.ctx, extranet.RejectionFilter{OpenOnly: true, FASE: 4})
		if len(open) != 2 {
			t.Fatalf("open at D = %+v", open)
		}
		for _, r := range open {
			err := func() error { _, err := e.portal.ResolveRejection(e.ctx, r.ID, "", "operator:ana"); return err }()
			msg := wantErr[*extranet.RefusedError](t, err).Message
			if r.LastName == "Leroy" && !strings.Contains(msg, "sans matricule") || r.LastName == "Autre" && !strings.Contains(msg, "ami@a.be") {
				t.Errorf("new person for %s refused with %q", r.LastName, msg)
			}
		}
		audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{Action: extranet.AuditRejectionNewPerson})
		if len(audit) != 1 || audit[0].FASE != 3 {
			t.Errorf("rejection.new_person entries = %+v", audit)
		}
	})
}

// An account an operator disabled stays disabled when a school opens a new
// access; one the night disabled for want of access opens again.
func TestOperatorDisableLasts(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		op, err := e.portal.AddOperator(e.ctx, "ana", "Ana", "$2a$hash", "cli:root")
		if err != nil {
			t.Fatal(err)
		}
		e.addSchool(t, 4242, "École A")
		e.addSchool(t, 5555, "École B")
		jean := person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@a.be", "Enseignant")
		e.transfer(t, 4242, snapshot(jean))
		e.night(t)
		acc, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
		if _, err := e.portal.SetAccountDisabled(e.ctx, acc.ID, true, op.Actor()); err != nil {
			t.Fatal(err)
		}
		// School B gives him an access: the grant opens, the account stays
		// closed; the only e-mail is the notice to the account's address
		// that an access was opened in his name elsewhere (docs/security.md),
		// no invitation.
		jeanB := person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@b.be", "Directeur")
		e.transfer(t, 5555, snapshot(jeanB))
		boxBefore, _ := e.st.Outbox(e.ctx, extranet.OutboxFilter{PersonID: acc.PersonID})
		rep := e.night(t)
		if rep.Activated != 1 || rep.KeptDisabled != 1 || rep.Reactivated != 0 || rep.Notices != 1 || rep.Invitations != 0 {
			t.Fatalf("night = %+v", rep)
		}
		got, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
		// School B cannot move the account's address: it vouches for its
		// own access only.
		if got.State != extranet.AccountDisabled || got.DisabledBy != op.Actor() || got.Email != "jean.dupont@a.be" {
			t.Fatalf("account after the night = %+v", got)
		}
		box, _ := e.st.Outbox(e.ctx, extranet.OutboxFilter{PersonID: acc.PersonID})
		if len(box) != len(boxBefore)+1 || box[len(box)-1].Subject != extranet.SubjectForeignAccess || !strings.Contains(box[len(box)-1].To, "jean.dupont@a.be") {
			t.Fatalf("outbox: %+v", box)
		}
		if g := e.grants(t, 5555)["Dupont Jean"]; g.State != extranet.GrantActive {
			t.Fatalf("school B's grant = %+v", g)
		}
		// The operator enables it: it opens, and stays open.
		if a, err := e.portal.SetAccountDisabled(e.ctx, acc.ID, false, op.Actor()); err != nil || a.State != extranet.AccountInvited || a.DisabledBy != "" {
			t.Fatalf("enable = %+v, %v", a, err)
		}
		e.night(t)
		if got, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580"); got.State != extranet.AccountInvited {
			t.Fatalf("account after enabling and a night = %+v", got)
		}

		// Disabled by the night for want of access, an account opens again
		// with a new access, with a notice.
		e.transfer(t, 4242, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{}, ConfirmDeactivations: 1})
		e.transfer(t, 5555, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{}, ConfirmDeactivations: 1})
		if rep := e.night(t); rep.Disabled != 1 {
			t.Fatalf("night after the departures = %+v", rep)
		}
		if got, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580"); got.State != extranet.AccountDisabled || got.DisabledBy != "" {
			t.Fatalf("account without access = %+v", got)
		}
		e.transfer(t, 4242, snapshot(jean))
		if rep := e.night(t); rep.Reactivated != 1 || rep.Notices != 1 {
			t.Fatalf("night after the return = %+v", rep)
		}
	})
}

// oneMail returns the only message of a sign-in request's answer.
func oneMail(ms []mail.Message, err error) (mail.Message, error) {
	if err == nil && len(ms) != 1 {
		err = fmt.Errorf("%d messages, want 1", len(ms))
	}
	if err != nil {
		return mail.Message{}, err
	}
	return ms[0], nil
}
