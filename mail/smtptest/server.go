// Package smtptest runs an SMTP server on the loopback interface that keeps
// what it receives in memory, for the tests that send mail and for the
// benchmark tool of the binary.
//
// The protocol is github.com/emersion/go-smtp's, a server written apart
// from the client under test (package mail, on net/smtp), so that both
// readings of RFC 5321 must agree. This package only adds what tests
// observe and provoke: the messages received with their envelope, STARTTLS
// with a certificate made at start, AUTH PLAIN with one account, refused
// recipients, dropped connections and a server that stops answering.
//
// It imports no testing package: the binary's benchmark links it.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// MaxMessageSize is the largest message accepted, advertised with SIZE.
const MaxMessageSize = 32 << 20

// Stage is a point of the exchange where a server told to stall falls
// silent.
type Stage string

// The stages at which Options.Stall can hold a client.
const (
	// StallGreeting accepts the connection and never greets.
	StallGreeting Stage = "greeting"
	// StallMail never answers MAIL FROM.
	StallMail Stage = "MAIL"
	// StallEndOfData reads the whole content, then never answers its
	// final dot.
	StallEndOfData Stage = "."
)

// Options configures a Server.
type Options struct {
	// TLS offers STARTTLS with an in-memory self-signed certificate that
	// ClientTLSConfig trusts.
	TLS bool
	// Username and Password, when Username is set, make AUTH PLAIN
	// mandatory before MAIL. With TLS, AUTH is offered only after STARTTLS.
	Username, Password string
	// FailRcpt, when it returns true, refuses a recipient with 550.
	FailRcpt func(rcpt string) bool
	// TempFailRcpt, when it returns true, refuses a recipient with 451.
	TempFailRcpt func(rcpt string) bool
	// RefuseData, when it returns a code (4xx or 5xx), refuses a message
	// once its content is in, with that reply; nothing is kept.
	RefuseData func(data []byte) (code int, text string)
	// CountOnly keeps no message, only their count, so that memory stays
	// flat during long benchmarks; Messages then returns nothing.
	CountOnly bool
	// Stall, when set, makes the server fall silent at that stage, on
	// every connection, until Close: a hung server.
	Stall Stage
}

// Received is a message as the server got it.
type Received struct {
	// From is the reverse path of MAIL FROM, without brackets.
	From string
	// To holds the accepted recipients of RCPT TO.
	To []string
	// Data is the content after DATA, dot-unstuffed, without the final ".".
	Data []byte
	// TLS tells whether the message came over STARTTLS.
	TLS bool
	// Auth is the user name authenticated on the connection, or "".
	Auth string
	// Hello is the name the client gave in EHLO or HELO.
	Hello string
}

// Server is a running SMTP server. Its methods are safe for concurrent use.
type Server struct {
	opts  Options
	smtp  *smtp.Server
	ln    *listener
	roots *x509.CertPool
	// stalled is closed by Close, releasing the sessions held by Stall.
	stalled chan struct{}
	served  chan struct{}

	mu          sync.Mutex
	msgs        []Received
	count       int
	notify      chan struct{} // closed when count grows, if notifyTaken
	notifyTaken bool
	closed      bool
}

// Start starts a server on 127.0.0.1 with a port chosen by the system.
func Start(opts Options) (*Server, error) {
	s := &Server{
		opts:    opts,
		stalled: make(chan struct{}),
		served:  make(chan struct{}),
		notify:  make(chan struct{}),
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.MaxMessageBytes = MaxMessageSize
	srv.MaxRecipients = 1000
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	// Credentials travel in clear only when the server has no TLS at all:
	// the loopback case that net/smtp also allows.
	srv.AllowInsecureAuth = !opts.TLS
	// Connections cut by the tests are expected; they are not news.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		cert, roots, err := selfSigned()
		if err != nil {
			return nil, fmt.Errorf("smtptest: certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.roots = roots
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	s.smtp = srv
	s.ln = &listener{Listener: ln, conns: map[net.Conn]struct{}{}, silent: opts.Stall == StallGreeting}
	go func() {
		defer close(s.served)
		_ = srv.Serve(s.ln)
	}()
	return s, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// ClientTLSConfig returns a client configuration that trusts the server's
// certificate, or nil when the server offers no TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.roots == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// Messages returns a copy of the messages received so far, in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.msgs))
	for i, m := range s.msgs {
		m.To = append([]string(nil), m.To...)
		m.Data = bytes.Clone(m.Data)
		out[i] = m
	}
	return out
}

// Count returns how many messages were accepted.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// WaitFor waits until at least n messages were accepted, and reports
// whether that happened within timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.count >= n {
			s.mu.Unlock()
			return true
		}
		ch := s.notify
		s.notifyTaken = true
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			return s.Count() >= n
		}
	}
}

// Connections returns how many connections were accepted since Start, so
// that tests can check that a client reuses its connection.
func (s *Server) Connections() int { return s.ln.accepted() }

// DropConnections closes every open client connection without a word, as a
// server does on an idle timeout or a restart, and returns how many it
// closed. The server goes on accepting new ones.
func (s *Server) DropConnections() int { return s.ln.drop() }

// Close stops the server, closes the open connections and waits until it
// accepts no more.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stalled)
	err := s.smtp.Close()
	// Serve may not have registered the listener yet: close it here too.
	s.ln.Close()
	s.ln.drop()
	<-s.served
	return err
}

// record stores one accepted message.
func (s *Server) record(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.CountOnly {
		s.msgs = append(s.msgs, r)
	}
	s.count++
	if s.notifyTaken {
		close(s.notify)
		s.notify = make(chan struct{})
		s.notifyTaken = false
	}
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// session is one client's state between two resets, as go-smtp drives it.
// go-smtp starts a new one after STARTTLS, which forgets the
// authentication, as RFC 3207 wants.
type session struct {
	srv  *Server
	conn *smtp.Conn
	auth string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.srv.opts.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		okUser := subtle.ConstantTimeCompare([]byte(user), []byte(ss.srv.opts.Username)) == 1
		okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(ss.srv.opts.Password)) == 1
		if !okUser || !okPass || (identity != "" && identity != user) {
			return smtp.ErrAuthFailed
		}
		ss.auth = user
		return nil
	}), nil
}

// errAuthRequired is RFC 4954's reply; go-smtp's own ErrAuthRequired is a
// 502, which a client cannot tell from an unknown command.
var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0},
	Message: "Authentication required"}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opts.Stall == StallMail {
		<-ss.srv.stalled
	}
	if ss.srv.opts.Username != "" && ss.auth == "" {
		return errAuthRequired
	}
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch o := ss.srv.opts; {
	case o.FailRcpt != nil && o.FailRcpt(to):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "<" + to + ">: Recipient address rejected: mailbox unavailable"}
	case o.TempFailRcpt != nil && o.TempFailRcpt(to):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "<" + to + ">: Temporary failure, try again later"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var data []byte
	var err error
	if ss.srv.opts.CountOnly {
		_, err = io.Copy(io.Discard, r)
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		return err // go-smtp turns a message too big into its 552
	}
	if ss.srv.opts.Stall == StallEndOfData {
		<-ss.srv.stalled
		return nil
	}
	if refuse := ss.srv.opts.RefuseData; refuse != nil {
		if code, text := refuse(data); code != 0 {
			return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: text}
		}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.srv.record(Received{From: ss.from, To: ss.to, Data: data, TLS: isTLS, Auth: ss.auth,
		Hello: ss.conn.Hostname()})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// listener counts the connections it accepts and can cut the open ones.
type listener struct {
	net.Listener
	// silent keeps each connection to itself, so that no greeting goes out.
	silent bool

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	count int
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, l: l}
		l.mu.Lock()
		l.conns[tc] = struct{}{}
		l.count++
		l.mu.Unlock()
		if !l.silent {
			return tc, nil
		}
	}
}

func (l *listener) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

func (l *listener) drop() int {
	l.mu.Lock()
	conns := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	return len(conns)
}

// trackedConn leaves its listener's set when closed, by go-smtp or by drop.
type trackedConn struct {
	net.Conn
	l *listener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost, and a
// pool of roots that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that it can be its own root
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}
