package extranet_test

// The scenario tests of this package drive the Service and the Portal
// through their public API on the real SQLite store, in a file of
// t.TempDir(): the rules that only the orchestration reaches (a transfer
// then its grants, a night, a sign-in, an operator's decision) are tested
// here without a fake of the store's interfaces. The pure rules have table
// tests in package extranet itself; the stores' contract suite, on SQLite
// and PostgreSQL, stays in store/extranetstore.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/internal/testkit"
	"passerelle/mail"
	"passerelle/store/extranetstore"
	"passerelle/wire"
)

// world is an extranet on a fresh SQLite database, with a settable clock
// and a mailbox that records what the night delivers.
type world struct {
	ctx    context.Context
	st     *extranetstore.Store
	svc    *extranet.Service
	portal *extranet.Portal
	clock  *testkit.Clock
	box    *mailbox
}

// mailbox is a mail.Sender that keeps what it is given; fail, when set,
// refuses every message with that error.
type mailbox struct {
	mu   sync.Mutex
	msgs []mail.Message
	fail error
}

func (b *mailbox) Send(_ context.Context, m mail.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.msgs = append(b.msgs, m)
	return nil
}

func (b *mailbox) Close() error { return nil }

// to returns the messages delivered to an address, oldest first.
func (b *mailbox) to(addr string) []mail.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []mail.Message
	for _, m := range b.msgs {
		if strings.Contains(m.To, "<"+addr+">") || m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// brusselsTime returns a Brussels civil time.
func brusselsTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, frtext.Brussels)
}

const (
	thisYear   = "2026-2027"
	portalURL  = "https://extranet.test/"
	signInPath = "https://extranet.test/connexion/lien?jeton="
	noticePath = "https://extranet.test/pas-moi?jeton="
)

// newWorld opens a world on 26 November 2026, 18:03 in Brussels.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := extranetstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "extranet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := testkit.NewClock(brusselsTime(2026, time.November, 26, 18, 3))
	svc := &extranet.Service{Store: st, Now: c.Now, Log: slog.New(slog.DiscardHandler), PortalURL: portalURL}
	return &world{ctx: ctx, st: st, svc: svc, portal: &extranet.Portal{Store: st, Service: svc}, clock: c, box: &mailbox{}}
}

// school registers a school and returns its token.
func (w *world) school(t *testing.T, fase int, name string) string {
	t.Helper()
	tok, err := w.svc.AddSchool(w.ctx, fase, name, "operator:test")
	if err != nil {
		t.Fatalf("AddSchool(%d): %v", fase, err)
	}
	return tok
}

// send applies a snapshot of the current school year.
func (w *world) send(t *testing.T, fase int, staff ...wire.StaffEntry) wire.TransferResult {
	t.Helper()
	return w.sendSnap(t, fase, wire.Snapshot{SchoolYear: thisYear, Staff: staff})
}

func (w *world) sendSnap(t *testing.T, fase int, snap wire.Snapshot) wire.TransferResult {
	t.Helper()
	res, err := w.svc.Transfer(w.ctx, fase, snap, extranet.TransferOptions{})
	if err != nil {
		t.Fatalf("Transfer(%d): %v", fase, err)
	}
	return res
}

// night runs the night at the next 02:00, delivering into the mailbox,
// and leaves the clock at 10:00 that morning.
func (w *world) night(t *testing.T) extranet.NightReport {
	t.Helper()
	at := extranet.NextNight(w.clock.Now())
	w.clock.Set(at)
	rep, err := w.svc.Night(w.ctx, at, w.box)
	if err != nil {
		t.Fatalf("Night: %v", err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("Night errors: %v", rep.Errors)
	}
	w.clock.Set(at.Add(8 * time.Hour))
	return rep
}

// grants returns a school's grants of the current year by "Last First".
func (w *world) grants(t *testing.T, fase int) map[string]wire.GrantEntry {
	t.Helper()
	sg, err := w.svc.Grants(w.ctx, fase, thisYear)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]wire.GrantEntry{}
	for _, g := range sg.Staff {
		out[g.LastName+" "+g.FirstName] = g
	}
	return out
}

// account returns the account of a login.
func (w *world) account(t *testing.T, login string) extranet.Account {
	t.Helper()
	a, err := w.st.AccountByLogin(w.ctx, login)
	if err != nil {
		t.Fatalf("account %s: %v", login, err)
	}
	return a
}

// audited counts the audit entries of an action.
func (w *world) audited(t *testing.T, action string) int {
	t.Helper()
	es, err := w.st.Audit(w.ctx, extranet.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// signIn asks a link for identifier and follows the one sent to email.
func (w *world) signIn(t *testing.T, identifier, email string) extranet.StaffAccess {
	t.Helper()
	ms, err := w.portal.RequestSignIn(w.ctx, identifier, linkURL)
	if err != nil {
		t.Fatalf("RequestSignIn(%s): %v", identifier, err)
	}
	for _, m := range ms {
		if strings.Contains(m.To, "<"+email+">") {
			acc, err := w.portal.SignIn(w.ctx, tokenIn(t, m.Text, signInPath))
			if err != nil {
				t.Fatalf("SignIn through %s: %v", email, err)
			}
			return acc
		}
	}
	t.Fatalf("no sign-in message to %s among %d", email, len(ms))
	return extranet.StaffAccess{}
}

func linkURL(tok string) string { return signInPath + tok }

// tokenIn returns the token written after prefix in a text.
func tokenIn(t *testing.T, text, prefix string) string {
	t.Helper()
	_, after, ok := strings.Cut(text, prefix)
	if !ok {
		t.Fatalf("no link %s… in:\n%s", prefix, text)
	}
	return strings.Fields(after)[0]
}

func staff(last, first, birth, matricule, email, role string) wire.StaffEntry {
	return wire.StaffEntry{LastName: last, FirstName: first, BirthDate: birth, Matricule: matricule, Email: email, Role: role}
}

// teachers returns n distinct teachers named Prefix01…
func teachers(prefix string, n int) []wire.StaffEntry {
	var out []wire.StaffEntry
	for i := 1; i <= n; i++ {
		out = append(out, staff(fmt.Sprintf("%s%02d", prefix, i), "Test", fmt.Sprintf("1980-01-%02d", i), "",
			fmt.Sprintf("%s%02d@ecole.be", strings.ToLower(prefix), i), "Enseignant"))
	}
	return out
}

// refusal returns the French message of a RefusedError, failing otherwise.
func refusal(t *testing.T, err error) string {
	t.Helper()
	var r *extranet.RefusedError
	if !errors.As(err, &r) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return r.Message
}
