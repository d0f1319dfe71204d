package smtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/mail"
	"passerelle/mail/smtptest"
)

func startServer(t testing.TB, opts smtptest.Options) *smtptest.Server {
	t.Helper()
	srv, err := smtptest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func newSender(t testing.TB, cfg Config) *Sender {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	s := New(cfg)
	t.Cleanup(func() { s.Close() })
	return s
}

func numbered(i int) mail.Message {
	m := sampleMessage()
	m.ID = fmt.Sprintf("msg-%d", i)
	m.To = fmt.Sprintf("Élève %d <eleve%d@ecole.be>", i, i)
	return m
}

func TestSMTPSend(t *testing.T) {
	tests := []struct {
		name      string
		opts      smtptest.Options
		cfg       Config
		trust     bool // use the server's ClientTLSConfig
		wantTLS   bool
		wantAuth  string
		wantError string // part of the error, "" for success
	}{
		{name: "plain", cfg: Config{}},
		{name: "STARTTLS auto", opts: smtptest.Options{TLS: true}, trust: true, wantTLS: true},
		{name: "STARTTLS and AUTH", opts: smtptest.Options{TLS: true, Username: "extranet", Password: "s3cret"},
			cfg: Config{Username: "extranet", Password: "s3cret", StartTLS: "always"}, trust: true,
			wantTLS: true, wantAuth: "extranet"},
		{name: "AUTH in clear on loopback", opts: smtptest.Options{Username: "extranet", Password: "s3cret"},
			cfg: Config{Username: "extranet", Password: "s3cret"}, wantAuth: "extranet"},
		{name: "STARTTLS never", opts: smtptest.Options{TLS: true}, cfg: Config{StartTLS: "never"}},
		{name: "STARTTLS always but not offered", cfg: Config{StartTLS: "always"},
			wantError: "ne propose pas STARTTLS"},
		{name: "untrusted certificate", opts: smtptest.Options{TLS: true},
			wantError: "certificate"},
		{name: "AUTH not offered before TLS", opts: smtptest.Options{TLS: true, Username: "u", Password: "p"},
			cfg: Config{Username: "u", Password: "p", StartTLS: "never"}, wantError: "authentification (AUTH)"},
		{name: "wrong password", opts: smtptest.Options{Username: "u", Password: "p"},
			cfg: Config{Username: "u", Password: "wrong"}, wantError: "535"},
		{name: "authentication required", opts: smtptest.Options{Username: "u", Password: "p"},
			wantError: "530"},
		{name: "bad STARTTLS mode", cfg: Config{StartTLS: "sometimes"}, wantError: "sometimes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.opts)
			cfg := tt.cfg
			cfg.Addr = srv.Addr()
			if tt.trust {
				cfg.TLSConfig = srv.ClientTLSConfig()
			}
			s := newSender(t, cfg)
			m := sampleMessage()
			m.To = "Élève Dupont <eleve.dupont@ecole.be>, direction@ecole.be"
			err := s.Send(context.Background(), m)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("error %v, want one with %q", err, tt.wantError)
				}
				if mail.IsPermanent(err) {
					t.Errorf("set-up failure %v is permanent", err)
				}
				if srv.Count() != 0 {
					t.Error("message delivered anyway")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages received", len(msgs))
			}
			r := msgs[0]
			if r.From != "noreply@segec.be" || !reflect.DeepEqual(r.To, []string{"eleve.dupont@ecole.be", "direction@ecole.be"}) {
				t.Errorf("envelope %s → %v", r.From, r.To)
			}
			if r.TLS != tt.wantTLS || r.Auth != tt.wantAuth {
				t.Errorf("TLS %v auth %q, want %v %q", r.TLS, r.Auth, tt.wantTLS, tt.wantAuth)
			}
			got, err := mail.Parse(bytes.NewReader(r.Data))
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != m.Subject || got.Text != m.Text || got.To != m.To || got.ID != m.ID {
				t.Errorf("received %+v", got)
			}
		})
	}
}

func TestSMTPReusesOneConnection(t *testing.T) {
	srv := startServer(t, smtptest.Options{TLS: true, Username: "u", Password: "p"})
	s := newSender(t, Config{Addr: srv.Addr(), Username: "u", Password: "p", TLSConfig: srv.ClientTLSConfig()})
	var wg sync.WaitGroup
	for g := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if err := s.Send(context.Background(), numbered(g*10+i)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := srv.Count(); n != 50 {
		t.Fatalf("%d messages received, want 50", n)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	seen := map[string]bool{}
	for _, r := range srv.Messages() {
		m, err := mail.Parse(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		if seen[m.ID] || r.To[0] != strings.Replace(m.ID, "msg-", "eleve", 1)+"@ecole.be" {
			t.Errorf("message %s duplicated or sent to %v", m.ID, r.To)
		}
		seen[m.ID] = true
	}
}

func TestSMTPReconnectsAfterDrop(t *testing.T) {
	for _, opts := range []smtptest.Options{{}, {TLS: true, Username: "u", Password: "p"}} {
		t.Run(fmt.Sprintf("TLS=%v", opts.TLS), func(t *testing.T) {
			srv := startServer(t, opts)
			s := newSender(t, Config{Addr: srv.Addr(), Username: opts.Username, Password: opts.Password,
				TLSConfig: srv.ClientTLSConfig()})
			ctx := context.Background()
			for i := range 3 {
				if err := s.Send(ctx, numbered(i)); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if i < 2 && srv.DropConnections() != 1 {
					t.Fatal("no connection to drop")
				}
			}
			if srv.Count() != 3 || srv.Connections() != 3 {
				t.Errorf("%d messages over %d connections, want 3 over 3", srv.Count(), srv.Connections())
			}
		})
	}
}

func TestSMTPRefusals(t *testing.T) {
	srv := startServer(t, smtptest.Options{
		FailRcpt:     func(r string) bool { return strings.HasPrefix(r, "inconnu") },
		TempFailRcpt: func(r string) bool { return strings.HasPrefix(r, "plein") },
	})
	s := newSender(t, Config{Addr: srv.Addr()})
	tests := []struct {
		to        string
		wantCode  int
		permanent bool
	}{
		{"inconnu@ecole.be", 550, true},
		{"ok@ecole.be", 0, false},
		{"plein@ecole.be", 451, false},
		{"ok@ecole.be, inconnu@ecole.be", 550, true},
		{"ok2@ecole.be", 0, false},
	}
	for i, tt := range tests {
		recipients := strings.Split(tt.to, ", ")
		sendRefused(t, s, i, tt.to, tt.wantCode, tt.permanent, "destinataire <"+recipients[len(recipients)-1]+"> refusé")
	}
	if srv.Count() != 2 {
		t.Errorf("%d messages delivered, want 2", srv.Count())
	}
	// A refusal is an answer, not a broken connection: it is kept.
	if srv.Connections() != 1 {
		t.Errorf("%d connections, want 1", srv.Connections())
	}
}

// sendRefused sends message i to to and checks the answer: none when
// wantCode is 0, else an error with that SMTP code, classified permanent or
// not, whose text holds want.
func sendRefused(t *testing.T, s *Sender, i int, to string, wantCode int, permanent bool, want string) {
	t.Helper()
	m := numbered(i)
	m.To = to
	err := s.Send(context.Background(), m)
	if wantCode == 0 {
		if err != nil {
			t.Errorf("%s: %v", to, err)
		}
		return
	}
	var tp *textproto.Error
	if !errors.As(err, &tp) || tp.Code != wantCode || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %v, want code %d and %q", to, err, wantCode, want)
	}
	if mail.IsPermanent(err) != permanent {
		t.Errorf("%s: IsPermanent = %v", to, !permanent)
	}
}

// TestSMTPRefusedAfterData checks the replies to the content's final dot:
// a 5xx is permanent, a 4xx is not, and neither costs the connection.
func TestSMTPRefusedAfterData(t *testing.T) {
	srv := startServer(t, smtptest.Options{RefuseData: func(data []byte) (int, string) {
		switch {
		case bytes.Contains(data, []byte("virus@")):
			return 554, "5.7.1 Message content rejected"
		case bytes.Contains(data, []byte("lent@")):
			return 452, "4.3.1 Insufficient system storage"
		}
		return 0, ""
	}})
	s := newSender(t, Config{Addr: srv.Addr()})
	for i, tt := range []struct {
		to        string
		wantCode  int
		permanent bool
	}{
		{"virus@ecole.be", 554, true},
		{"ok@ecole.be", 0, false},
		{"lent@ecole.be", 452, false},
		{"ok2@ecole.be", 0, false},
	} {
		sendRefused(t, s, i, tt.to, tt.wantCode, tt.permanent, "message refusé")
	}
	if got := srv.Messages(); len(got) != 2 || got[0].To[0] != "ok@ecole.be" || got[1].To[0] != "ok2@ecole.be" {
		t.Errorf("messages kept: %+v", got)
	}
	if srv.Connections() != 1 {
		t.Errorf("%d connections, want 1", srv.Connections())
	}
}

// stallServer is an SMTP server that falls silent at stage, like one that
// hangs.
func stallServer(t *testing.T, stage smtptest.Stage) string {
	t.Helper()
	return startServer(t, smtptest.Options{Stall: stage}).Addr()
}

func TestSMTPContext(t *testing.T) {
	t.Run("canceled before sending", func(t *testing.T) {
		srv := startServer(t, smtptest.Options{})
		s := newSender(t, Config{Addr: srv.Addr()})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Send(ctx, sampleMessage())
		if !errors.Is(err, context.Canceled) || mail.IsPermanent(err) {
			t.Errorf("error %v", err)
		}
		if srv.Connections() != 0 {
			t.Error("connected anyway")
		}
	})

	tests := []struct {
		name  string
		stall smtptest.Stage
		ctx   func() (context.Context, context.CancelFunc)
		is    error
	}{
		{"deadline during greeting", smtptest.StallGreeting, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel during greeting", smtptest.StallGreeting, cancelSoon, context.Canceled},
		{"cancel during MAIL", smtptest.StallMail, cancelSoon, context.Canceled},
		{"deadline during DATA", smtptest.StallEndOfData, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	// The sender's own timeout is an hour: only the context can end these
	// sends, and the context's error proves it did.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSender(t, Config{Addr: stallServer(t, tt.stall), Timeout: time.Hour})
			ctx, cancel := tt.ctx()
			defer cancel()
			err := sendReturns(t, s, ctx, sampleMessage())
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
		})
	}

	t.Run("waiting for a busy connection", func(t *testing.T) {
		s := newSender(t, Config{Addr: stallServer(t, smtptest.StallMail), Timeout: time.Hour})
		busyCtx, cancelBusy := context.WithCancel(context.Background())
		busy := make(chan error, 1)
		go func() { busy <- s.Send(busyCtx, numbered(1)) }()
		time.Sleep(50 * time.Millisecond) // let it take the connection
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := sendReturns(t, s, ctx, numbered(2)); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting Send: %v", err)
		}
		cancelBusy()
		select {
		case err := <-busy:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("busy Send: %v", err)
			}
		case <-time.After(hangGuard):
			t.Fatal("busy Send still running after its context was cancelled")
		}
	})
}

// hangGuard only keeps a broken test from hanging; no assertion depends on
// how fast a call returns.
const hangGuard = 30 * time.Second

// sendReturns runs s.Send and returns its error, failing the test if Send
// is still running after hangGuard.
func sendReturns(t *testing.T, s *Sender, ctx context.Context, m mail.Message) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, m) }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangGuard):
		t.Fatal("Send still running after its context ended")
		return nil
	}
}

func cancelSoon() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	return ctx, cancel
}

func TestSMTPRecoversAfterCancel(t *testing.T) {
	srv := startServer(t, smtptest.Options{})
	s := newSender(t, Config{Addr: srv.Addr()})
	if err := s.Send(context.Background(), numbered(1)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, numbered(2)); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if err := s.Send(context.Background(), numbered(3)); err != nil {
		t.Fatal(err)
	}
	if srv.Count() != 2 {
		t.Errorf("%d messages, want 2", srv.Count())
	}
}

func TestSMTPClose(t *testing.T) {
	srv := startServer(t, smtptest.Options{})
	s := New(Config{Addr: srv.Addr()})
	if err := s.Send(context.Background(), numbered(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Send(context.Background(), numbered(2)); !errors.Is(err, mail.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
}

// BenchmarkSMTPSend measures sending over the reused connection; the target
// is at least 300 messages per second.
func BenchmarkSMTPSend(b *testing.B) {
	for _, tls := range []bool{false, true} {
		b.Run(fmt.Sprintf("TLS=%v", tls), func(b *testing.B) {
			srv := startServer(b, smtptest.Options{TLS: tls, CountOnly: true})
			s := newSender(b, Config{Addr: srv.Addr(), TLSConfig: srv.ClientTLSConfig()})
			m := sampleMessage()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
			if srv.Connections() != 1 {
				b.Errorf("%d connections", srv.Connections())
			}
		})
	}
}

// TestSMTPHelloName checks that the sender greets with the host's name (or
// "localhost" on a host without a usable one), or the one configured.
func TestSMTPHelloName(t *testing.T) {
	if name, _ := os.Hostname(); name == "" && HelloName() != "localhost" {
		t.Errorf("HelloName() = %q on a host without a name", HelloName())
	}
	for _, tt := range []struct{ cfg, want string }{{"", HelloName()}, {"mail.segec.be", "mail.segec.be"}} {
		srv := startServer(t, smtptest.Options{})
		s := newSender(t, Config{Addr: srv.Addr(), StartTLS: "never", HelloName: tt.cfg})
		if err := s.Send(context.Background(), sampleMessage()); err != nil {
			t.Fatal(err)
		}
		if got := srv.Messages(); len(got) != 1 || got[0].Hello != tt.want {
			t.Errorf("HelloName %q: greeted as %+v, want %q", tt.cfg, got, tt.want)
		}
	}
}

// sampleMessage has a line that starts with a dot, which SMTP must stuff.
func sampleMessage() mail.Message {
	return mail.Message{
		ID: "outbox-42", From: "Extranet SeGEC <noreply@segec.be>", To: "Élève Dupont <eleve.dupont@ecole.be>",
		Subject: "Votre accès à l'extranet SeGEC",
		Text:    "Bonjour Élève,\n.Une ligne qui commence par un point\nÉgalité = 100 %\n",
		Date:    time.Date(2026, 11, 27, 1, 0, 5, 0, time.UTC),
	}
}

// TestInvalidMessageIsPermanent checks that a message Build refuses is a
// permanent failure of the sender, without a connection.
func TestInvalidMessageIsPermanent(t *testing.T) {
	err := New(Config{Addr: "127.0.0.1:1"}).Send(context.Background(), mail.Message{ID: "x", From: "a@b.be", To: "c@d.be", Subject: "a\nb"})
	if !mail.IsPermanent(err) {
		t.Errorf("invalid message: IsPermanent(%v) = false", err)
	}
}
