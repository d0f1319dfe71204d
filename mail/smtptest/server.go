// Package smtptest is an in-memory SMTP server on the loopback interface,
// for the tests of package mail and for the benchmark tool of the binary.
//
// It speaks the ESMTP that a submission client needs: EHLO/HELO, STARTTLS
// (with a self-signed certificate made at start), AUTH PLAIN, MAIL, RCPT,
// DATA, RSET, NOOP and QUIT, with pipelining, many concurrent clients and
// many messages per connection. It keeps what it receives in memory.
//
// Replies are English protocol text, as SMTP replies are 7-bit ASCII.
package smtptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxMessageSize is the largest message accepted, advertised with SIZE.
const MaxMessageSize = 32 << 20

const (
	maxRecipients = 1000
	idleTimeout   = 5 * time.Minute
	tlsTimeout    = 10 * time.Second
	hostname      = "localhost"
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
	// CountOnly keeps no message, only their count, so that memory stays
	// flat during long benchmarks; Messages then returns nothing.
	CountOnly bool
}

// Received is a message as the server got it.
type Received struct {
	// From is the reverse path of MAIL FROM, without brackets.
	From string
	// To holds the accepted recipients of RCPT TO.
	To []string
	// Data is the content after DATA, dot-unstuffed, with the line endings
	// that the client sent, without the final ".".
	Data []byte
	// TLS tells whether the message came over STARTTLS.
	TLS bool
	// Auth is the user name authenticated on the connection, or "".
	Auth string
	// Hello is the name the client gave in EHLO or HELO.
	Hello string
}

// Server is a running test SMTP server. Its methods are safe for concurrent
// use.
type Server struct {
	opts      Options
	ln        net.Listener
	serverTLS *tls.Config
	roots     *x509.CertPool

	mu          sync.Mutex
	conns       map[net.Conn]struct{}
	accepted    int
	msgs        []Received
	count       int
	notify      chan struct{} // closed when count grows, if notifyTaken
	notifyTaken bool
	closed      bool
	wg          sync.WaitGroup
}

// Start starts a server on 127.0.0.1 with a port chosen by the system.
func Start(opts Options) (*Server, error) {
	s := &Server{
		opts:   opts,
		conns:  make(map[net.Conn]struct{}),
		notify: make(chan struct{}),
	}
	if opts.TLS {
		cert, roots, err := selfSigned()
		if err != nil {
			return nil, fmt.Errorf("smtptest: certificate: %w", err)
		}
		s.serverTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.roots = roots
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.acceptLoop()
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
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// DropConnections closes every open client connection without a word, as a
// server does on an idle timeout or a restart, and returns how many it
// closed. The server goes on accepting new ones.
func (s *Server) DropConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
	return len(s.conns)
}

// Close stops the server, closes the open connections and waits for their
// handlers to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, for instance: back off, do not spin.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.accepted++
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	sess := &session{
		srv:  s,
		raw:  c,
		conn: c,
		br:   bufio.NewReaderSize(c, 64<<10),
		bw:   bufio.NewWriterSize(c, 4<<10),
	}
	sess.run()
}

// record stores one accepted message and returns its number.
func (s *Server) record(r Received) int {
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
	return s.count
}

// session is the state of one client connection.
type session struct {
	srv  *Server
	raw  net.Conn // the TCP connection, for STARTTLS
	conn net.Conn // raw, or the TLS connection over it
	br   *bufio.Reader
	bw   *bufio.Writer

	helo, ehlo bool
	helloName  string
	tls        bool
	auth       string

	inMail bool
	from   string
	rcpts  []string
	data   bytes.Buffer
}

var errLineTooLong = errors.New("line too long")

func (ss *session) reply(code int, text string) {
	ss.bw.WriteString(strconv.Itoa(code))
	ss.bw.WriteByte(' ')
	ss.bw.WriteString(text)
	ss.bw.WriteString("\r\n")
}

func (ss *session) replyLines(code int, lines []string) {
	for i, l := range lines {
		sep := byte('-')
		if i == len(lines)-1 {
			sep = ' '
		}
		ss.bw.WriteString(strconv.Itoa(code))
		ss.bw.WriteByte(sep)
		ss.bw.WriteString(l)
		ss.bw.WriteString("\r\n")
	}
}

// fill makes sure input is available, flushing the pending replies before
// blocking on the client: replies to pipelined commands go out together.
func (ss *session) fill() error {
	if ss.br.Buffered() > 0 {
		return nil
	}
	if err := ss.bw.Flush(); err != nil {
		return err
	}
	return ss.conn.SetReadDeadline(time.Now().Add(idleTimeout))
}

func (ss *session) readLine() (string, error) {
	if err := ss.fill(); err != nil {
		return "", err
	}
	line, err := ss.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return "", errLineTooLong
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

func (ss *session) resetMail() {
	ss.inMail, ss.from, ss.rcpts = false, "", nil
}

func (ss *session) run() {
	ss.reply(220, hostname+" ESMTP smtptest")
	for {
		line, err := ss.readLine()
		if err != nil {
			if err == errLineTooLong {
				ss.reply(500, "5.5.2 Line too long")
				ss.bw.Flush()
			}
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		arg = strings.TrimSpace(arg)
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ss.hello(strings.ToUpper(verb) == "EHLO", arg)
		case "STARTTLS":
			if !ss.startTLS(arg) {
				return
			}
		case "AUTH":
			if !ss.authenticate(arg) {
				return
			}
		case "MAIL":
			ss.mail(arg)
		case "RCPT":
			ss.rcpt(arg)
		case "DATA":
			if !ss.dataCmd(arg) {
				return
			}
		case "RSET":
			ss.resetMail()
			ss.reply(250, "2.0.0 Ok")
		case "NOOP":
			ss.reply(250, "2.0.0 Ok")
		case "VRFY":
			ss.reply(252, "2.5.0 Cannot VRFY user")
		case "HELP":
			ss.reply(214, "2.0.0 See RFC 5321")
		case "QUIT":
			ss.reply(221, "2.0.0 Bye")
			ss.bw.Flush()
			return
		default:
			ss.reply(500, "5.5.2 Command not recognized")
		}
	}
}

func (ss *session) hello(extended bool, domain string) {
	if domain == "" {
		ss.reply(501, "5.5.4 Domain name required")
		return
	}
	ss.resetMail()
	ss.helo, ss.ehlo, ss.helloName = true, extended, domain
	if !extended {
		ss.reply(250, hostname)
		return
	}
	lines := []string{hostname + " greets " + domain, "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES",
		"SIZE " + strconv.Itoa(MaxMessageSize)}
	if ss.srv.opts.TLS && !ss.tls {
		lines = append(lines, "STARTTLS")
	}
	if ss.authOffered() {
		lines = append(lines, "AUTH PLAIN")
	}
	ss.replyLines(250, lines)
}

// authOffered: with TLS available, credentials never travel in clear.
func (ss *session) authOffered() bool {
	return ss.srv.opts.Username != "" && (ss.tls || !ss.srv.opts.TLS)
}

// startTLS upgrades the connection; false means it must be closed.
func (ss *session) startTLS(arg string) bool {
	switch {
	case !ss.srv.opts.TLS:
		ss.reply(454, "4.7.0 TLS not available")
		return true
	case ss.tls:
		ss.reply(503, "5.5.1 TLS already active")
		return true
	case arg != "":
		ss.reply(501, "5.5.4 No parameters allowed")
		return true
	}
	ss.reply(220, "2.0.0 Ready to start TLS")
	if err := ss.bw.Flush(); err != nil {
		return false
	}
	// Commands sent in clear after STARTTLS would be taken as if protected
	// by TLS (CVE-2011-0411): refuse the connection.
	if ss.br.Buffered() > 0 {
		return false
	}
	tc := tls.Server(ss.raw, ss.srv.serverTLS)
	ss.raw.SetDeadline(time.Now().Add(tlsTimeout))
	if err := tc.Handshake(); err != nil {
		return false
	}
	ss.raw.SetDeadline(time.Time{})
	ss.conn = tc
	ss.br.Reset(tc)
	ss.bw.Reset(tc)
	ss.tls = true
	// RFC 3207: the client starts over with EHLO and forgets what it knew.
	ss.helo, ss.ehlo, ss.auth = false, false, ""
	ss.resetMail()
	return true
}

// authenticate runs AUTH PLAIN; false means the connection must be closed.
func (ss *session) authenticate(arg string) bool {
	switch {
	case ss.srv.opts.Username == "":
		ss.reply(502, "5.5.1 AUTH not supported")
		return true
	case !ss.ehlo:
		ss.reply(503, "5.5.1 Send EHLO first")
		return true
	case !ss.authOffered():
		ss.reply(538, "5.7.11 Encryption required for requested authentication mechanism")
		return true
	case ss.auth != "":
		ss.reply(503, "5.5.1 Already authenticated")
		return true
	case ss.inMail:
		ss.reply(503, "5.5.1 AUTH not allowed during a mail transaction")
		return true
	}
	mech, resp, _ := strings.Cut(arg, " ")
	if !strings.EqualFold(mech, "PLAIN") {
		ss.reply(504, "5.5.4 Unrecognized authentication type")
		return true
	}
	resp = strings.TrimSpace(resp)
	if resp == "" {
		ss.reply(334, "")
		line, err := ss.readLine()
		if err != nil {
			return false
		}
		if line == "*" {
			ss.reply(501, "5.0.0 Authentication cancelled")
			return true
		}
		resp = strings.TrimSpace(line)
	}
	if resp == "=" {
		resp = ""
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		ss.reply(501, "5.5.2 Cannot decode response")
		return true
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 {
		ss.reply(501, "5.5.2 Malformed PLAIN response")
		return true
	}
	authz, user, pass := parts[0], parts[1], parts[2]
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(ss.srv.opts.Username)) == 1
	okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(ss.srv.opts.Password)) == 1
	if !okUser || !okPass || (authz != "" && authz != user) {
		ss.reply(535, "5.7.8 Authentication credentials invalid")
		return true
	}
	ss.auth = user
	ss.reply(235, "2.7.0 Authentication successful")
	return true
}

// parsePath extracts the address of "FROM:<addr> params" or "TO:<addr>".
func parsePath(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimLeft(arg[len(prefix):], " ")
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}

func (ss *session) mail(arg string) {
	switch {
	case !ss.helo:
		ss.reply(503, "5.5.1 Send HELO/EHLO first")
		return
	case ss.srv.opts.Username != "" && ss.auth == "":
		ss.reply(530, "5.7.0 Authentication required")
		return
	case ss.inMail:
		ss.reply(503, "5.5.1 Nested MAIL command")
		return
	}
	from, ok := parsePath(arg, "FROM:")
	if !ok {
		ss.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
		return
	}
	ss.inMail, ss.from, ss.rcpts = true, from, nil
	ss.reply(250, "2.1.0 Ok")
}

func (ss *session) rcpt(arg string) {
	if !ss.inMail {
		ss.reply(503, "5.5.1 Need MAIL before RCPT")
		return
	}
	to, ok := parsePath(arg, "TO:")
	if !ok || to == "" {
		ss.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
		return
	}
	switch {
	case len(ss.rcpts) >= maxRecipients:
		ss.reply(452, "4.5.3 Too many recipients")
	case ss.srv.opts.FailRcpt != nil && ss.srv.opts.FailRcpt(to):
		ss.reply(550, "5.1.1 <"+to+">: Recipient address rejected: mailbox unavailable")
	case ss.srv.opts.TempFailRcpt != nil && ss.srv.opts.TempFailRcpt(to):
		ss.reply(451, "4.3.0 <"+to+">: Temporary failure, try again later")
	default:
		ss.rcpts = append(ss.rcpts, to)
		ss.reply(250, "2.1.5 Ok")
	}
}

// dataCmd runs DATA; false means the connection must be closed.
func (ss *session) dataCmd(arg string) bool {
	switch {
	case arg != "":
		ss.reply(501, "5.5.4 No parameters allowed")
		return true
	case !ss.inMail:
		ss.reply(503, "5.5.1 Need MAIL command")
		return true
	case len(ss.rcpts) == 0:
		ss.reply(554, "5.5.1 No valid recipients")
		return true
	}
	ss.reply(354, "End data with <CR><LF>.<CR><LF>")
	tooBig, err := ss.readData()
	if err != nil {
		return false
	}
	if tooBig {
		ss.resetMail()
		ss.reply(552, "5.3.4 Message too big")
		return true
	}
	r := Received{From: ss.from, To: ss.rcpts, TLS: ss.tls, Auth: ss.auth, Hello: ss.helloName}
	if !ss.srv.opts.CountOnly {
		r.Data = bytes.Clone(ss.data.Bytes())
	}
	n := ss.srv.record(r)
	ss.resetMail()
	ss.reply(250, "2.0.0 Ok: queued as "+strconv.Itoa(n))
	return true
}

// readData reads the content up to the line ".", undoing dot-stuffing,
// into ss.data. Past MaxMessageSize it reads on but keeps nothing.
func (ss *session) readData() (tooBig bool, err error) {
	ss.data.Reset()
	atStart := true
	for {
		if err := ss.fill(); err != nil {
			return false, err
		}
		line, err := ss.br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			return false, err
		}
		complete := err == nil
		if atStart && line[0] == '.' {
			if complete && (string(line) == ".\r\n" || string(line) == ".\n") {
				return tooBig, nil
			}
			line = line[1:]
		}
		if !tooBig {
			if ss.data.Len()+len(line) > MaxMessageSize {
				tooBig = true
				ss.data.Reset()
			} else {
				ss.data.Write(line)
			}
		}
		atStart = complete
	}
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
