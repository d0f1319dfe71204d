package transfer

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/apiclient"
	"passerelle/fwb"
	"passerelle/internal/syncbuf"
	"passerelle/school"
	"passerelle/wire"
)

// TestFailures checks that each way the extranet can fail gives its French
// message, a failed history entry, and no other local change: the role that
// the transfer would complete stays empty.
func TestFailures(t *testing.T) {
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	serve := func(h http.HandlerFunc) string {
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		return ts.URL
	}
	// One school for every case: a failure must leave it as it was.
	e := newEnv(t, smallSchool(), nil)
	var logs syncbuf.Buffer
	e.runner.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if l := logs.String(); !strings.Contains(l, "transfer failed") || strings.Contains(l, e.token) || strings.Contains(l, "not-the-token") {
			t.Errorf("logs hold a token or miss the failures:\n%s", l)
		}
	})
	for _, test := range []struct {
		name    string
		url     func(e *env) string
		token   string
		timeout time.Duration
		want    string
	}{
		{name: "unreachable", url: func(*env) string { return closed() },
			want: "extranet injoignable : vérifiez l'adresse de l'extranet dans les paramètres et la connexion au réseau, puis réessayez ; rien n'a été transféré"},
		{name: "timeout", timeout: 100 * time.Millisecond, url: func(*env) string {
			return serve(func(w http.ResponseWriter, r *http.Request) {
				// Reading the body lets the server notice the client's
				// hang-up, which ends the wait.
				io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			})
		}, want: "l'extranet n'a pas répondu à temps : réessayez plus tard ; si le transfert a été appliqué entre-temps, le relancer ne change rien de plus"},
		{name: "token refused", token: "not-the-token", url: func(e *env) string { return e.ts.URL },
			want: "jeton refusé par l'extranet : vérifiez le jeton dans les paramètres"},
		{name: "server error", url: func(*env) string {
			return serve(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", wire.ProblemContentType)
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"type":"`+wire.TypeUnavailable+`","title":"Service indisponible","status":503}`)
			})
		}, want: "erreur de l'extranet (HTTP 503) : réessayez plus tard ; rien n'a été transféré"},
		{name: "malformed answer", url: func(*env) string {
			return serve(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"transferId": "x", "counts": [`)
			})
		}, want: "réponse illisible de l'extranet : réessayez plus tard et, si cela persiste, prévenez le support de l'extranet ; aucun rôle n'a été complété"},
		{name: "no address", url: func(*env) string { return "" }, want: MsgNoURL},
	} {
		t.Run(test.name, func(t *testing.T) {
			e.runner.NewClient = func(url, token string) Extranet {
				timeout := 5 * time.Second
				if test.timeout > 0 {
					timeout = test.timeout
				}
				return apiclient.NewClient(url, token, apiclient.WithRetries(1, 0), apiclient.WithTimeout(timeout))
			}
			set, err := e.school.Settings(e.ctx, testFASE)
			if err != nil {
				t.Fatal(err)
			}
			set.ExtranetURL = test.url(e)
			if err := e.school.SaveSettings(e.ctx, set); err != nil {
				t.Fatal(err)
			}
			before, runs := e.allRows(), len(e.history())
			out, err := e.run(Options{Token: test.token})
			var te *Error
			if !errors.As(err, &te) || te.Msg != test.want {
				t.Fatalf("error %v, want %q", err, test.want)
			}
			h := e.history()
			if len(h) != runs+1 {
				t.Fatalf("%d history entries, want %d", len(h), runs+1)
			}
			last := h[len(h)-1]
			if last.Outcome != school.OutcomeFailed || last.Error != test.want || last.By != "Anne Direction" || last.ID != out.Record.ID {
				t.Fatalf("history %+v", last)
			}
			if got := e.row("Martin").Situation.Role; got != fwb.RoleNone {
				t.Errorf("role completed despite the failure: %q", got)
			}
			if after := e.allRows(); !reflect.DeepEqual(before, after) {
				t.Errorf("rows changed:\n%+v\n%+v", before, after)
			}
			if strings.Contains(te.Msg, e.token) || strings.Contains(last.Error, e.token) {
				t.Error("token in the message")
			}
		})
	}
}

// TestLostAnswer drops the extranet's first answer on the way back: the
// client sends the request again with the same Idempotency-Key, the
// extranet answers its first result without applying anything twice, and the
// school gets the messages of the transfer.
func TestLostAnswer(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	drop := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			n := len(keys)
			mu.Unlock()
			if n > 1 {
				h.ServeHTTP(w, r)
				return
			}
			// The extranet applies the transfer, then the connection
			// breaks before the answer reaches the school.
			h.ServeHTTP(httptest.NewRecorder(), r)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		})
	}
	e := newEnv(t, smallSchool(), drop)
	e.runner.NewClient = func(url, token string) Extranet {
		return apiclient.NewClient(url, token, apiclient.WithRetries(3, time.Millisecond))
	}
	out, err := e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] || keys[0] != out.Record.IdempotencyKey {
		t.Fatalf("keys %q, recorded %q", keys, out.Record.IdempotencyKey)
	}
	// Had the second request been applied again, it would have changed
	// nothing and said so; the first result has the creations.
	if out.Record.Counts.Created != 6 || !strings.Contains(strings.Join(out.Messages, "\n"), "Avertissement : Créé Rôle Jean Dupont – Enseignant") {
		t.Fatalf("messages:%s", lines(out.Messages))
	}
	if got := e.row("Martin").Situation.Role; got != fwb.RoleEnseignant {
		t.Errorf("role not completed: %q", got)
	}
	grants, err := e.svc.Grants(e.ctx, testFASE, "2026-2027")
	if err != nil {
		t.Fatal(err)
	}
	if len(grants.Staff) != 6 {
		t.Errorf("%d grants, want 6", len(grants.Staff))
	}
	// The next transfer confirms that the first was applied, once.
	out, err = e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Record.Outcome != school.OutcomeNoChange {
		t.Errorf("second transfer:%s", lines(out.Messages))
	}
}

// TestHeld makes most of the staff leave at once: the extranet holds the
// transfer, the school records it as held and completes nothing; the same
// transfer with the wrong count is held again, with the right one applied.
func TestHeld(t *testing.T) {
	e := newEnv(t, smallSchool(), nil)
	if _, err := e.run(Options{}); err != nil {
		t.Fatal(err)
	}
	e.night()
	e.clock.Add(24 * time.Hour)
	var gone []school.Row
	for _, last := range []string{"Dupont", "Lambert", "Écrivain", "Claes", "Bernard"} {
		r := e.row(last)
		r.Situation.Active = false
		gone = append(gone, r)
	}
	newcomer := member("Dubois", "Hugo", "1996-01-30", "", "hugo.dubois@sjoseph.be", "IP", fwb.RoleNone)
	e.save(append(gone, newcomer)...)

	held := []string{
		"Avertissement : Désactivé Rôle Zoé Bernard – Enseignant",
		"Avertissement : Désactivé Rôle Sophie Claes – Enseignant",
		"Avertissement : Désactivé Rôle Jean Dupont – Enseignant",
		"Avertissement : Désactivé Rôle Élodie Écrivain – Enseignant",
		"Avertissement : Désactivé Rôle Luc Lambert – Directeur",
		"Avertissement : Transfert suspendu – 5 désactivations à confirmer (--confirm-deactivations 5).",
	}
	for _, confirm := range []int{0, 4} {
		out, err := e.run(Options{HeldHint: true, ConfirmDeactivations: confirm})
		if err != nil {
			t.Fatal(err)
		}
		if !out.Held || out.HeldCount != 5 || out.Record.Outcome != school.OutcomeHeld {
			t.Fatalf("confirm %d: %+v", confirm, out)
		}
		if !reflectEqual(out.Messages, held) {
			t.Fatalf("held:%s\nwant:%s", lines(out.Messages), lines(held))
		}
		if got := e.row("Dubois").Situation.Role; got != fwb.RoleNone {
			t.Fatalf("held transfer completed a role: %q", got)
		}
	}
	out, err := e.run(Options{HeldHint: true, ConfirmDeactivations: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`Information : Complété Rôle Extranet "Enseignant" chez Hugo Dubois`,
		"Erreur : Non transféré Tom Janssens – adresse e-mail école manquante",
		"Avertissement : Créé Rôle Hugo Dubois – Enseignant",
		"Avertissement : Désactivé Rôle Zoé Bernard – Enseignant",
		"Avertissement : Désactivé Rôle Sophie Claes – Enseignant",
		"Avertissement : Désactivé Rôle Jean Dupont – Enseignant",
		"Avertissement : Désactivé Rôle Élodie Écrivain – Enseignant",
		"Avertissement : Désactivé Rôle Luc Lambert – Directeur",
		closing1, closing2,
	}
	if out.Held || !reflectEqual(out.Messages, want) {
		t.Fatalf("confirmed:%s\nwant:%s", lines(out.Messages), lines(want))
	}
	if got := e.row("Dubois").Situation.Role; got != fwb.RoleEnseignant {
		t.Errorf("role not completed: %q", got)
	}
	h := e.history()
	if len(h) != 4 || h[1].Outcome != school.OutcomeHeld || h[2].Outcome != school.OutcomeHeld || h[3].Outcome != school.OutcomeDone {
		t.Fatalf("history %+v", h)
	}
}

func reflectEqual(a, b []string) bool { return reflect.DeepEqual(a, b) }
