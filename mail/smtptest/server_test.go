package smtptest

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// client is a raw SMTP client that checks reply codes.
type client struct {
	t    *testing.T
	conn net.Conn
	tp   *textproto.Conn
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, conn: conn, tp: textproto.NewConn(conn)}
	c.expect("greeting", 220)
	return c
}

// expect reads one reply and returns its text.
func (c *client) expect(what string, code int) string {
	c.t.Helper()
	got, msg, err := c.tp.ReadResponse(0)
	if err != nil && got == 0 {
		c.t.Fatalf("%s: %v", what, err)
	}
	if got != code {
		c.t.Fatalf("%s: reply %d %s, want %d", what, got, msg, code)
	}
	return msg
}

// do sends a line, or raw text when it already ends with CRLF, and checks
// the reply.
func (c *client) do(send string, code int) string {
	c.t.Helper()
	if !strings.HasSuffix(send, "\r\n") {
		send += "\r\n"
	}
	if _, err := io.WriteString(c.conn, send); err != nil {
		c.t.Fatalf("%q: %v", send, err)
	}
	return c.expect(strings.TrimSpace(send), code)
}

func plain(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
}

type step struct {
	send string
	code int
}

// The protocol is go-smtp's; these conversations check what this package
// adds to it: the record of each message, the account, the refusals.
func TestConversations(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		steps []step
		want  []Received
	}{
		{
			name: "two messages, dot-unstuffing, RSET",
			steps: []step{
				{"EHLO client.example", 250},
				{"MAIL FROM:<a@b.be>", 250},
				{"RCPT TO:<c@d.be>", 250},
				{"DATA", 354},
				{"Subject: un\r\n\r\n..point\r\n...\r\n. \r\nfin\r\n.\r\n", 250},
				{"MAIL FROM:<e@f.be>", 250},
				{"RCPT TO:<g@h.be>", 250},
				{"RSET", 250},
				{"MAIL FROM:<>", 250},
				{"RCPT TO:<i@j.be>", 250},
				{"RCPT TO:<k@l.be>", 250},
				{"DATA", 354},
				{"x\r\n.\r\n", 250},
				{"QUIT", 221},
			},
			want: []Received{
				{From: "a@b.be", To: []string{"c@d.be"}, Data: []byte("Subject: un\r\n\r\n.point\r\n..\r\n \r\nfin\r\n")},
				{From: "", To: []string{"i@j.be", "k@l.be"}, Data: []byte("x\r\n")},
			},
		},
		{
			name: "AUTH PLAIN",
			opts: Options{Username: "extranet", Password: "s3cret"},
			steps: []step{
				{"EHLO client.example", 250},
				{"MAIL FROM:<a@b.be>", 530},
				{"AUTH PLAIN " + plain("extranet", "wrong"), 535},
				{"AUTH PLAIN " + plain("other", "s3cret"), 535},
				{"AUTH LOGIN", 504},
				{"AUTH PLAIN", 334},
				{plain("extranet", "s3cret"), 235},
				{"MAIL FROM:<a@b.be>", 250},
				{"RCPT TO:<c@d.be>", 250},
				{"DATA", 354},
				{"corps\r\n.\r\n", 250},
			},
			want: []Received{{From: "a@b.be", To: []string{"c@d.be"}, Data: []byte("corps\r\n"), Auth: "extranet"}},
		},
		{
			name: "refused recipients",
			opts: Options{
				FailRcpt:     func(r string) bool { return r == "inconnu@ecole.be" },
				TempFailRcpt: func(r string) bool { return r == "plein@ecole.be" },
			},
			steps: []step{
				{"EHLO client.example", 250},
				{"MAIL FROM:<a@b.be>", 250},
				{"RCPT TO:<inconnu@ecole.be>", 550},
				{"RCPT TO:<plein@ecole.be>", 451},
				{"RCPT TO:<ok@ecole.be>", 250},
				{"DATA", 354},
				{"ok\r\n.\r\n", 250},
			},
			want: []Received{{From: "a@b.be", To: []string{"ok@ecole.be"}, Data: []byte("ok\r\n")}},
		},
		{
			name: "refused content",
			opts: Options{RefuseData: func(data []byte) (int, string) {
				if strings.HasPrefix(string(data), "non") {
					return 554, "5.7.1 Refused"
				}
				return 0, ""
			}},
			steps: []step{
				{"EHLO client.example", 250},
				{"MAIL FROM:<a@b.be>", 250},
				{"RCPT TO:<c@d.be>", 250},
				{"DATA", 354},
				{"non\r\n.\r\n", 554},
				{"MAIL FROM:<a@b.be>", 250},
				{"RCPT TO:<c@d.be>", 250},
				{"DATA", 354},
				{"oui\r\n.\r\n", 250},
			},
			want: []Received{{From: "a@b.be", To: []string{"c@d.be"}, Data: []byte("oui\r\n")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.opts)
			c := dial(t, s)
			for _, st := range tt.steps {
				c.do(st.send, st.code)
			}
			got := s.Messages()
			for i := range got {
				// Every conversation greets as client.example.
				if got[i].Hello != "client.example" {
					t.Errorf("message %d: Hello %q, want client.example", i, got[i].Hello)
				}
				got[i].Hello = ""
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("messages\n got %+v\nwant %+v", got, tt.want)
			}
			if s.Count() != len(tt.want) {
				t.Errorf("Count = %d, want %d", s.Count(), len(tt.want))
			}
		})
	}
}

func TestEHLOExtensions(t *testing.T) {
	tests := []struct {
		opts      Options
		want, not []string
	}{
		{Options{}, []string{"PIPELINING", "8BITMIME", "SIZE 33554432"}, []string{"STARTTLS", "AUTH"}},
		{Options{TLS: true}, []string{"STARTTLS"}, []string{"AUTH"}},
		{Options{Username: "u"}, []string{"AUTH PLAIN"}, []string{"STARTTLS"}},
		// Credentials wait for TLS when TLS is offered.
		{Options{TLS: true, Username: "u"}, []string{"STARTTLS"}, []string{"AUTH"}},
	}
	for _, tt := range tests {
		s := start(t, tt.opts)
		c := dial(t, s)
		ext := c.do("EHLO client.example", 250)
		for _, w := range tt.want {
			if !strings.Contains(ext, w) {
				t.Errorf("%+v: %q not in %q", tt.opts, w, ext)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(ext, n) {
				t.Errorf("%+v: %q in %q", tt.opts, n, ext)
			}
		}
	}
}

func TestSTARTTLS(t *testing.T) {
	s := start(t, Options{TLS: true, Username: "u", Password: "p"})
	c := dial(t, s)
	c.do("EHLO client.example", 250)
	c.do("AUTH PLAIN "+plain("u", "p"), 523)
	c.do("STARTTLS", 220)

	tc := tls.Client(c.conn, s.ClientTLSConfig())
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake with ClientTLSConfig: %v", err)
	}
	c.conn, c.tp = tc, textproto.NewConn(tc)
	ext := c.do("EHLO client.example", 250)
	if !strings.Contains(ext, "AUTH PLAIN") || strings.Contains(ext, "STARTTLS") {
		t.Errorf("extensions after TLS: %q", ext)
	}
	c.do("AUTH PLAIN "+plain("u", "p"), 235)
	c.do("MAIL FROM:<a@b.be>", 250)
	c.do("RCPT TO:<c@d.be>", 250)
	c.do("DATA", 354)
	c.do("chiffré\r\n.\r\n", 250)
	if m := s.Messages(); len(m) != 1 || !m[0].TLS || m[0].Auth != "u" || string(m[0].Data) != "chiffré\r\n" {
		t.Errorf("messages %+v", m)
	}
	if start(t, Options{}).ClientTLSConfig() != nil {
		t.Error("ClientTLSConfig without TLS")
	}
}

// TestStall checks that a stalled server holds the client at the stage
// asked, and lets it go at Close.
func TestStall(t *testing.T) {
	t.Run("greeting", func(t *testing.T) {
		s := start(t, Options{Stall: StallGreeting})
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := conn.Read(make([]byte, 1)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read %d bytes, %v; want silence", n, err)
		}
		if s.Connections() != 1 {
			t.Errorf("Connections = %d, want 1", s.Connections())
		}
	})
	for _, tt := range []struct {
		stage Stage
		steps []step // the last one gets no answer
	}{
		{StallMail, []step{{"MAIL FROM:<a@b.be>", 0}}},
		{StallEndOfData, []step{{"MAIL FROM:<a@b.be>", 250}, {"RCPT TO:<c@d.be>", 250}, {"DATA", 354}, {"x\r\n.\r\n", 0}}},
	} {
		t.Run(string(tt.stage), func(t *testing.T) {
			s, err := Start(Options{Stall: tt.stage})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c := dial(t, s)
			c.do("EHLO client.example", 250)
			last := len(tt.steps) - 1
			for _, st := range tt.steps[:last] {
				c.do(st.send, st.code)
			}
			send := tt.steps[last].send
			if !strings.HasSuffix(send, "\r\n") {
				send += "\r\n"
			}
			io.WriteString(c.conn, send)
			c.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if n, err := c.conn.Read(make([]byte, 1)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("read %d bytes, %v; want silence", n, err)
			}
			if s.Count() != 0 {
				t.Errorf("Count = %d while stalled", s.Count())
			}
		})
	}
}

func TestConcurrentClients(t *testing.T) {
	s := start(t, Options{})
	const clients, perClient = 10, 5
	waited := make(chan bool)
	go func() { waited <- s.WaitFor(clients*perClient, 30*time.Second) }()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := smtp.Dial(s.Addr())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Quit()
			for j := range perClient {
				if j > 0 {
					if err := c.Reset(); err != nil {
						t.Error(err)
						return
					}
				}
				rcpt := fmt.Sprintf("c%d-%d@ecole.be", i, j)
				if err := c.Mail("a@b.be"); err != nil {
					t.Error(err)
					return
				}
				if err := c.Rcpt(rcpt); err != nil {
					t.Error(err)
					return
				}
				w, err := c.Data()
				if err != nil {
					t.Error(err)
					return
				}
				fmt.Fprintf(w, "To: %s\r\n\r\n.début\r\n", rcpt)
				if err := w.Close(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if !<-waited {
		t.Fatalf("WaitFor gave up at %d messages", s.Count())
	}
	if s.Connections() != clients {
		t.Errorf("Connections = %d, want %d", s.Connections(), clients)
	}
	for _, m := range s.Messages() {
		if want := "To: " + m.To[0] + "\r\n\r\n.début\r\n"; string(m.Data) != want {
			t.Errorf("data %q, want %q", m.Data, want)
		}
	}
	if s.WaitFor(clients*perClient+1, 50*time.Millisecond) {
		t.Error("WaitFor beyond the count succeeded")
	}
	// WaitFor waits: a message that arrives meanwhile ends the wait with
	// true. The timeout is only a hang guard.
	more := make(chan bool, 1)
	go func() { more <- s.WaitFor(clients*perClient+1, 30*time.Second) }()
	c := dial(t, s)
	c.do("EHLO client.example", 250)
	c.do("MAIL FROM:<a@b.be>", 250)
	c.do("RCPT TO:<c@d.be>", 250)
	c.do("DATA", 354)
	c.do("x\r\n.\r\n", 250)
	if !<-more {
		t.Error("WaitFor missed the message that arrived while it waited")
	}
}

func TestCountOnly(t *testing.T) {
	s := start(t, Options{CountOnly: true})
	c := dial(t, s)
	c.do("EHLO client.example", 250)
	for range 3 {
		c.do("MAIL FROM:<a@b.be>", 250)
		c.do("RCPT TO:<c@d.be>", 250)
		c.do("DATA", 354)
		c.do("x\r\n.\r\n", 250)
	}
	if s.Count() != 3 || len(s.Messages()) != 0 {
		t.Errorf("Count %d, %d messages kept", s.Count(), len(s.Messages()))
	}
}

func TestDropAndClose(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c1 := dial(t, s)
	c1.do("EHLO a", 250)
	if n := s.DropConnections(); n != 1 {
		t.Errorf("DropConnections = %d, want 1", n)
	}
	if _, err := c1.conn.Read(make([]byte, 1)); err == nil {
		t.Error("dropped connection still open")
	}
	c2 := dial(t, s) // still accepting, and left open for Close to end
	c2.do("NOOP", 250)
	if s.Connections() != 2 {
		t.Errorf("Connections = %d, want 2", s.Connections())
	}

	done := make(chan error)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close waits for an idle client")
	}
	if _, err := c2.conn.Read(make([]byte, 1)); err == nil {
		t.Error("connection open after Close")
	}
	if conn, err := net.Dial("tcp", s.Addr()); err == nil {
		conn.Close()
		t.Error("still accepting after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
