package smtptest

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
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
				{"mail from:<e@f.be> BODY=8BITMIME", 250},
				{"RCPT TO:<g@h.be>", 250},
				{"RSET", 250},
				{"MAIL FROM:<>", 250},
				{"RCPT TO:<i@j.be>", 250},
				{"RCPT TO: <k@l.be>", 250},
				{"DATA", 354},
				{"x\r\n.\r\n", 250},
				{"NOOP", 250},
				{"VRFY x", 252},
				{"QUIT", 221},
			},
			want: []Received{
				{From: "a@b.be", To: []string{"c@d.be"}, Data: []byte("Subject: un\r\n\r\n.point\r\n..\r\n \r\nfin\r\n")},
				{From: "", To: []string{"i@j.be", "k@l.be"}, Data: []byte("x\r\n")},
			},
		},
		{
			name: "bad sequences and syntax",
			steps: []step{
				{"MAIL FROM:<a@b.be>", 503},
				{"EHLO", 501},
				{"HELO client.example", 250},
				{"RCPT TO:<c@d.be>", 503},
				{"DATA", 503},
				{"MAIL FROM:a@b.be", 501},
				{"MAIL FROM:<a@b.be>", 250},
				{"MAIL FROM:<a@b.be>", 503},
				{"DATA", 554},
				{"RCPT TO:c@d.be", 501},
				{"RCPT TO:<>", 501},
				{"FOO", 500},
				{"STARTTLS", 454},
				{"AUTH PLAIN", 502},
				{"EHLO again", 250}, // resets the transaction
				{"RCPT TO:<c@d.be>", 503},
			},
		},
		{
			name: "AUTH PLAIN",
			opts: Options{Username: "extranet", Password: "s3cret"},
			steps: []step{
				{"AUTH PLAIN " + plain("extranet", "s3cret"), 503}, // before EHLO
				{"EHLO client.example", 250},
				{"MAIL FROM:<a@b.be>", 530},
				{"AUTH PLAIN " + plain("extranet", "wrong"), 535},
				{"AUTH PLAIN " + plain("other", "s3cret"), 535},
				{"AUTH PLAIN !!!", 501},
				{"AUTH LOGIN", 504},
				{"AUTH PLAIN", 334},
				{"*", 501},
				{"AUTH PLAIN", 334},
				{plain("extranet", "s3cret"), 235},
				{"AUTH PLAIN " + plain("extranet", "s3cret"), 503},
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
				{"DATA", 554},
				{"RCPT TO:<ok@ecole.be>", 250},
				{"DATA", 354},
				{"ok\r\n.\r\n", 250},
			},
			want: []Received{{From: "a@b.be", To: []string{"ok@ecole.be"}, Data: []byte("ok\r\n")}},
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
			if !reflect.DeepEqual(got, tt.want) && len(got)+len(tt.want) > 0 {
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
	c.do("AUTH PLAIN "+plain("u", "p"), 538)
	c.do("STARTTLS extra", 501)
	c.do("STARTTLS", 220)

	tc := tls.Client(c.conn, s.ClientTLSConfig())
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake with ClientTLSConfig: %v", err)
	}
	c.conn, c.tp = tc, textproto.NewConn(tc)
	c.do("MAIL FROM:<a@b.be>", 503) // EHLO again first
	ext := c.do("EHLO client.example", 250)
	if !strings.Contains(ext, "AUTH PLAIN") || strings.Contains(ext, "STARTTLS") {
		t.Errorf("extensions after TLS: %q", ext)
	}
	c.do("STARTTLS", 503)
	c.do("AUTH PLAIN "+plain("u", "p"), 235)
	c.do("MAIL FROM:<a@b.be>", 250)
	c.do("RCPT TO:<c@d.be>", 250)
	c.do("DATA", 354)
	c.do("chiffré\r\n.\r\n", 250)
	if m := s.Messages(); len(m) != 1 || !m[0].TLS || m[0].Auth != "u" || string(m[0].Data) != "chiffré\r\n" {
		t.Errorf("messages %+v", m)
	}
}

func TestSTARTTLSRefusesPipelinedCommands(t *testing.T) {
	s := start(t, Options{TLS: true})
	c := dial(t, s)
	c.do("EHLO client.example", 250)
	// A command sent in clear behind STARTTLS must not be run after the
	// handshake as if it had been protected.
	io.WriteString(c.conn, "STARTTLS\r\nMAIL FROM:<evil@example.com>\r\n")
	c.expect("STARTTLS", 220)
	if _, err := c.conn.Read(make([]byte, 1)); err == nil {
		t.Error("connection still open")
	}
	if start(t, Options{}).ClientTLSConfig() != nil {
		t.Error("ClientTLSConfig without TLS")
	}
}

func TestPipelining(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	c.do("EHLO client.example", 250)
	io.WriteString(c.conn, "MAIL FROM:<a@b.be>\r\nRCPT TO:<c@d.be>\r\nRCPT TO:<e@f.be>\r\nDATA\r\n")
	for _, code := range []int{250, 250, 250, 354} {
		c.expect("pipelined", code)
	}
	io.WriteString(c.conn, "un\r\n.\r\nMAIL FROM:<g@h.be>\r\nRCPT TO:<i@j.be>\r\nDATA\r\ndeux\r\n.\r\nQUIT\r\n")
	for _, code := range []int{250, 250, 250, 354, 250, 221} {
		c.expect("pipelined", code)
	}
	if s.Count() != 2 {
		t.Errorf("Count = %d", s.Count())
	}
}

func TestLongLines(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	c.do("EHLO client.example", 250)
	c.do("MAIL FROM:<a@b.be>", 250)
	c.do("RCPT TO:<c@d.be>", 250)
	c.do("DATA", 354)
	long := "." + strings.Repeat("x", 150_000) + "\r\n"
	c.do(long+"fin\r\n.\r\n", 250)
	if m := s.Messages(); len(m) != 1 || string(m[0].Data) != long[1:]+"fin\r\n" {
		t.Error("long data line altered")
	}
	// A command line that does not fit the buffer ends the connection.
	io.WriteString(c.conn, strings.Repeat("N", 70_000)+"\r\n")
	c.expect("long command", 500)
	if _, err := c.conn.Read(make([]byte, 1)); err == nil {
		t.Error("connection still open")
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
