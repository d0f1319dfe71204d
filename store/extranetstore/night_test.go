package extranetstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/mail"
	mailsmtp "passerelle/mail/smtp"
	"passerelle/mail/smtptest"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// smtp starts an in-process SMTP server and a sender to it.
func smtp(t *testing.T, opts smtptest.Options) (*smtptest.Server, mail.Sender) {
	t.Helper()
	srv, err := smtptest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sender := mailsmtp.New(mailsmtp.Config{Addr: srv.Addr(), StartTLS: mailsmtp.StartTLSNever, Timeout: 10 * time.Second})
	t.Cleanup(func() { sender.Close() })
	return srv, sender
}

// received parses what the server got, by recipient address.
func received(t *testing.T, srv *smtptest.Server) map[string][]mail.Message {
	t.Helper()
	out := map[string][]mail.Message{}
	for _, r := range srv.Messages() {
		m, err := mail.Parse(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range r.To {
			out[to] = append(out[to], m)
		}
	}
	return out
}

func TestNightRun(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{})
		e.addSchool(t, 4242, "École Saint-Joseph")

		// June 2026: the 2025-2026 school year.
		e.clock.Set(brussels(2026, time.June, 10, 10, 0))
		old := wire.Snapshot{SchoolYear: "2025-2026", Staff: []wire.StaffEntry{
			person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@ecole.be", "Enseignant"),
			person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Directeur"),
		}}
		if _, err := e.svc.Transfer(e.ctx, 4242, old, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		at := extranet.NextNight(e.clock.Now())
		rep, err := e.svc.Night(e.ctx, at, sender)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Activated != 2 || rep.CreatedAccounts != 2 || rep.Invitations != 2 || rep.Sent != 2 || rep.Failed != 0 {
			t.Fatalf("first night = %+v", rep)
		}
		got := received(t, srv)
		inv := got["jean.dupont@ecole.be"]
		if len(inv) != 1 {
			t.Fatalf("messages to Jean Dupont = %d", len(inv))
		}
		if inv[0].Subject != "Votre accès à l'extranet SeGEC" {
			t.Fatalf("subject = %q", inv[0].Subject)
		}
		for _, want := range []string{"Bonjour Jean Dupont", "École Saint-Joseph (FASE 4242) : Enseignant, année scolaire 2025-2026",
			"Votre identifiant : jean.dupont.040580", "https://extranet.test/"} {
			if !strings.Contains(inv[0].Text, want) {
				t.Errorf("invitation lacks %q:\n%s", want, inv[0].Text)
			}
		}
		if !strings.Contains(inv[0].To, "jean.dupont@ecole.be") || !strings.Contains(inv[0].From, "extranet") {
			t.Errorf("To = %q, From = %q", inv[0].To, inv[0].From)
		}

		// July 2026, after the last day of 2025-2026: the school sends the
		// new year without Luc Martin, with a newcomer and a namesake of
		// Jean Dupont (another matricule, so another person).
		e.clock.Set(brussels(2026, time.July, 10, 10, 0))
		next := wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{
			person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@ecole.be", "Enseignant"),
			person("Lefèvre", "Anne", "1985-03-03", "", "anne.lefevre@ecole.be", "Enseignant"),
			person("Dupont", "Jean", "1980-05-04", "18005040999", "jean.dupont2@ecole.be", "Enseignant"),
		}}
		r, err := e.svc.Transfer(e.ctx, 4242, next, extranet.TransferOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantCounts(t, r.Counts, wire.Counts{Created: 3, Renewed: 1})
		at = extranet.NextNight(e.clock.Now())
		rep, err = e.svc.Night(e.ctx, at, sender)
		if err != nil {
			t.Fatal(err)
		}
		// Jean Dupont's access continues at the same school: no e-mail
		// (see rentree_test.go).
		if rep.Expired != 2 || rep.Activated != 3 || rep.CreatedAccounts != 2 || rep.Invitations != 2 ||
			rep.Notices != 0 || rep.Renewed != 1 || rep.Disabled != 1 || rep.Sent != 2 {
			t.Fatalf("second night = %+v", rep)
		}
		if srv.Count() != 4 {
			t.Fatalf("messages = %d, want 4", srv.Count())
		}
		got = received(t, srv)
		if n := got["jean.dupont@ecole.be"]; len(n) != 1 {
			t.Fatalf("Jean Dupont's messages = %+v", n)
		}
		if a := got["anne.lefevre@ecole.be"]; len(a) != 1 || !strings.Contains(a[0].Text, "anne.lefevre.030385") {
			t.Fatalf("Anne's invitation = %+v", a)
		}
		if a := got["jean.dupont2@ecole.be"]; len(a) != 1 || !strings.Contains(a[0].Text, "Votre identifiant : jean.dupont.040580.2") {
			t.Fatalf("namesake's invitation = %+v", a)
		}
		luc, err := e.st.AccountByLogin(e.ctx, "luc.martin.310175")
		if err != nil || luc.State != extranet.AccountDisabled || luc.DisabledAt.IsZero() {
			t.Fatalf("Luc's account = %+v, %v", luc, err)
		}
		sg, err := e.svc.Grants(e.ctx, 4242, "2025-2026")
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range sg.Staff {
			if g.State != extranet.GrantDeactivated {
				t.Fatalf("2025-2026 grant of %s = %s", g.LastName, g.State)
			}
		}
		if unsent, _ := e.st.Outbox(e.ctx, extranet.OutboxFilter{Unsent: true}); len(unsent) != 0 {
			t.Fatalf("unsent = %d", len(unsent))
		}
		reports, err := e.svc.NightReports(e.ctx, 10)
		if err != nil || len(reports) != 2 || reports[0].ID != rep.ID || reports[0].Disabled != 1 {
			t.Fatalf("reports = %+v, %v", reports, err)
		}

		// Luc comes back later in the year: his account opens again.
		e.clock.Set(brussels(2026, time.September, 1, 10, 0))
		next.Staff = append(next.Staff, person("Martin", "Luc", "1975-01-31", "", "luc.martin@ecole.be", "Enseignant"))
		if _, err := e.svc.Transfer(e.ctx, 4242, next, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		rep, err = e.svc.Night(e.ctx, extranet.NextNight(e.clock.Now()), sender)
		if err != nil || rep.Reactivated != 1 || rep.Notices != 1 || rep.Sent != 1 {
			t.Fatalf("third night = %+v, %v", rep, err)
		}
		if luc, _ := e.st.AccountByLogin(e.ctx, "luc.martin.310175"); luc.State != extranet.AccountInvited {
			t.Fatalf("Luc's account = %s", luc.State)
		}
		if m := received(t, srv)["luc.martin@ecole.be"]; len(m) != 2 || m[1].Subject != "Votre accès à l'extranet SeGEC est rétabli" {
			t.Fatalf("Luc's messages = %+v", m)
		}
	})
}

// cancelAfter is a sender that "kills" the run after n messages: it cancels
// the run's context, as a SIGTERM does, and the next Send fails.
type cancelAfter struct {
	mail.Sender
	mu     sync.Mutex
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Send(ctx context.Context, m mail.Message) error {
	c.mu.Lock()
	if c.n == 0 {
		c.cancel()
	}
	c.n--
	c.mu.Unlock()
	return c.Sender.Send(ctx, m)
}

func TestNightKilledMidway(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv, sender := smtp(t, smtptest.Options{
			FailRcpt: func(rcpt string) bool { return rcpt == "refuse@ecole.be" },
		})
		e.addSchool(t, 4242, "École Saint-Joseph")
		staff := numbered("Prof", 6)
		staff = append(staff, person("Refus", "René", "1979-09-09", "", "refuse@ecole.be", "Enseignant"))
		e.transfer(t, 4242, snapshot(staff...))
		// The outbox is delivered in the order it was written: one
		// partition writes René's invitation last, after the six others.
		e.svc.NightWorkers = 1

		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		at := extranet.NextNight(e.clock.Now())
		rep, err := e.svc.Night(ctx, at, &cancelAfter{Sender: sender, n: 2, cancel: cancel})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("killed run: err = %v", err)
		}
		if rep.Sent != 2 || rep.Activated != 7 || len(rep.Errors) == 0 {
			t.Fatalf("killed run = %+v", rep)
		}
		if srv.Count() != 2 {
			t.Fatalf("delivered before the kill = %d", srv.Count())
		}
		if reports, _ := e.svc.NightReports(e.ctx, 5); len(reports) != 1 || len(reports[0].Errors) == 0 {
			t.Fatalf("the killed run's report = %+v", reports)
		}

		rep, err = e.svc.Night(e.ctx, at.Add(time.Minute), sender)
		if err != nil {
			t.Fatal(err)
		}
		// Nothing left to open; the outbox carries on where it stopped.
		if rep.Activated != 0 || rep.Invitations != 0 || rep.Sent != 4 || rep.Failed != 1 {
			t.Fatalf("second run = %+v", rep)
		}
		rep, err = e.svc.Night(e.ctx, at.Add(2*time.Minute), sender)
		if err != nil || rep.Sent != 0 || rep.Failed != 0 {
			t.Fatalf("third run = %+v, %v", rep, err)
		}
		if srv.Count() != 6 {
			t.Fatalf("delivered = %d, want 6", srv.Count())
		}
		ids := map[string]int{}
		for _, r := range srv.Messages() {
			m, err := mail.Parse(bytes.NewReader(r.Data))
			if err != nil {
				t.Fatal(err)
			}
			ids[m.ID]++
			if len(r.To) != 1 {
				t.Fatalf("recipients = %v", r.To)
			}
		}
		for i := 1; i <= 6; i++ {
			to := fmt.Sprintf("prof%02d@ecole.be", i)
			found := 0
			for _, r := range srv.Messages() {
				if r.To[0] == to {
					found++
				}
			}
			if found != 1 {
				t.Errorf("%s received %d messages", to, found)
			}
		}
		if len(ids) != 6 {
			t.Fatalf("distinct Message-IDs = %d", len(ids))
		}
		all, err := e.st.Outbox(e.ctx, extranet.OutboxFilter{})
		if err != nil || len(all) != 7 {
			t.Fatalf("outbox = %d, %v", len(all), err)
		}
		for _, m := range all {
			refused := strings.Contains(m.To, "refuse@")
			if refused != !m.FailedAt.IsZero() || refused == !m.SentAt.IsZero() {
				t.Errorf("outbox %s to %s: sent %v failed %v (%s)", m.ID, m.To, m.SentAt, m.FailedAt, m.LastError)
			}
		}
	})
}

// TestNightLoginsDoNotDependOnTheWorkers runs the same nights on the same
// data with 1, 3 and 8 partitions: namesakes across schools and nights get
// the same logins, suffixes included, in the order the persons were created.
func TestNightLoginsDoNotDependOnTheWorkers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var first map[string]string
		for _, workers := range []int{1, 3, 8} {
			url := "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")
			if e.pg {
				url = pgtest.URL(t)
			}
			logins := nightLogins(t, newEnv(t, url, e.pg), workers)
			if first == nil {
				first = logins
				continue
			}
			if len(logins) != len(first) {
				t.Fatalf("%d workers: %d accounts, 1 worker: %d", workers, len(logins), len(first))
			}
			for email, l := range first {
				if logins[email] != l {
					t.Errorf("%d workers: %s has login %q, 1 worker: %q", workers, email, logins[email], l)
				}
			}
		}
		// The namesakes' suffixes follow the order of creation, across
		// schools and nights.
		for i, want := range []string{"jean.dupont.040580", "jean.dupont.040580.2", "jean.dupont.040580.3",
			"jean.dupont.040580.4", "jean.dupont.040580.5"} {
			if got := first[fmt.Sprintf("dupont%d@ecole.be", i+1)]; got != want {
				t.Errorf("Jean Dupont %d: login %q, want %q", i+1, got, want)
			}
		}
	})
}

// nightLogins runs two transfers and nights with namesakes on a fresh
// database and returns the logins by address.
func nightLogins(t *testing.T, e *env, workers int) map[string]string {
	t.Helper()
	e.svc.NightWorkers = workers
	e.addSchool(t, 4242, "École Saint-Joseph")
	e.addSchool(t, 4343, "Athénée Royal")
	dupont := func(i int) wire.StaffEntry {
		return person("Dupont", "Jean", "1980-05-04", fmt.Sprintf("180050401%02d", i), fmt.Sprintf("dupont%d@ecole.be", i), "Enseignant")
	}
	martin := func(i int, first string) wire.StaffEntry {
		// « Anne-Marie » and « Anne Marie » make the same login.
		return person("Martin", first, "1975-01-31", fmt.Sprintf("175013100%02d", i), fmt.Sprintf("martin%d@ecole.be", i), "Enseignant")
	}
	a := append(numbered("Prof", 30), dupont(1), dupont(2), martin(1, "Anne-Marie"), dupont(3))
	e.transfer(t, 4242, snapshot(a...))
	night := extranet.NextNight(e.clock.Now())
	if rep, err := e.svc.Night(e.ctx, night, nil); err != nil || rep.CreatedAccounts != len(a) {
		t.Fatalf("first night = %+v, %v", rep, err)
	}
	e.clock.Set(night.Add(8 * time.Hour))
	b := append(numbered("Coll", 25), martin(2, "Anne Marie"), dupont(4), martin(3, "Anne-Marie"), dupont(5))
	e.transfer(t, 4343, snapshot(b...))
	if rep, err := e.svc.Night(e.ctx, extranet.NextNight(e.clock.Now()), nil); err != nil || rep.CreatedAccounts != len(b) {
		t.Fatalf("second night = %+v, %v", rep, err)
	}
	logins := map[string]string{}
	for _, s := range append(a, b...) {
		acc, err := e.st.AccountByEmail(e.ctx, s.Email)
		if err != nil {
			t.Fatalf("account of %s: %v", s.Email, err)
		}
		logins[s.Email] = acc.Login
	}
	return logins
}
