package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netsmtp "net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"

	"passerelle/mail"
)

// DefaultTimeout bounds one SMTP exchange (connection set-up, or one
// message) when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config tells Sender how to reach the mail server.
type Config struct {
	// Addr is the server's host:port, e.g. "smtp.example.be:587".
	Addr string
	// Username and Password, when Username is set, are sent with AUTH PLAIN,
	// which net/smtp only allows over TLS or to a loopback address.
	Username, Password string
	// StartTLS is "auto" (the default: use it when the server offers it),
	// "always" (fail when it does not) or "never".
	StartTLS string
	// TLSConfig is used for STARTTLS; nil means the system roots, with the
	// host of Addr as server name.
	TLSConfig *tls.Config
	// HelloName is the name given in EHLO; when empty, the host's name
	// (HelloName), which is what receiving servers check and log.
	HelloName string
	// Timeout bounds the set-up of a connection and each message;
	// DefaultTimeout when zero.
	Timeout time.Duration
}

// Sender sends messages over a single SMTP connection, opened on the
// first Send and reused by the next ones (with RSET between messages), so
// that a night run of thousands of invitations does not pay a TCP and TLS
// handshake per message. When the reused connection turns out broken or
// closed by the server, it reconnects once and sends again, transparently.
//
// It is safe for concurrent use; sends are serialised on the connection.
type Sender struct {
	cfg    Config
	host   string
	cfgErr error

	// sem is a mutex that a waiting Send can give up on when its context ends.
	sem chan struct{}
	// Guarded by sem.
	conn   net.Conn
	client *netsmtp.Client
	used   bool // a transaction began on client: RSET before the next one
	closed bool
}

// New returns a sender for cfg. It does not connect: the first Send
// does, and reports a bad configuration.
func New(cfg Config) *Sender {
	s := &Sender{sem: make(chan struct{}, 1)}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	mode, err := ParseStartTLS(cfg.StartTLS)
	if err != nil {
		s.cfgErr = err
	}
	cfg.StartTLS = mode
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil && s.cfgErr == nil {
		s.cfgErr = fmt.Errorf("adresse SMTP %q invalide, attendu HOTE:PORT : %w", cfg.Addr, err)
	}
	s.host = host
	if cfg.HelloName == "" {
		cfg.HelloName = HelloName()
	}
	if err := mail.CheckHeaderValue("HELO", cfg.HelloName); err != nil && s.cfgErr == nil {
		s.cfgErr = err
	}
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	cfg.TLSConfig = tc
	s.cfg = cfg
	return s
}

// Send delivers m. It returns once the server has accepted the message, or
// with an error that mail.IsPermanent classifies. Ending ctx interrupts the wait
// for the connection and the exchange with the server.
func (s *Sender) Send(ctx context.Context, m mail.Message) error {
	if ctx.Err() != nil {
		return mail.Canceled(ctx, nil)
	}
	data, env, err := mail.BuildEnvelope(m)
	if err != nil {
		return mail.Permanent(fmt.Errorf("message %q : %w", m.ID, err))
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return mail.Canceled(ctx, nil)
	}
	defer func() { <-s.sem }()
	if s.closed {
		return mail.ErrClosed
	}
	if s.cfgErr != nil {
		return s.cfgErr
	}

	for attempt := 0; ; attempt++ {
		reused := s.client != nil
		if !reused {
			if err := s.connect(ctx); err != nil {
				return err
			}
		}
		err, retry := s.deliver(ctx, data, env)
		if err == nil {
			return nil
		}
		if ctxDone(ctx) {
			return mail.Canceled(ctx, err)
		}
		// Only a broken connection kept from an earlier Send is worth a
		// second try: a server idle timeout is expected there, whereas a
		// fresh connection failing says the server has a problem now. A
		// reply on a live connection is the server's answer; it stands.
		if retry && reused && s.client == nil && attempt == 0 {
			continue
		}
		return fmt.Errorf("message %q : %w", m.ID, err)
	}
}

// Close ends the SMTP session with QUIT. Send fails afterwards.
func (s *Sender) Close() error {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.client == nil {
		return nil
	}
	_ = s.conn.SetDeadline(time.Now().Add(min(s.cfg.Timeout, 5*time.Second)))
	// A failing QUIT only means that the server went first.
	_ = s.client.Quit()
	s.drop()
	return nil
}

// connect opens the connection: greeting, EHLO, STARTTLS, AUTH.
func (s *Sender) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: s.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		if ctxDone(ctx) {
			return mail.Canceled(ctx, err)
		}
		return fmt.Errorf("connexion au serveur SMTP %s : %w", s.cfg.Addr, err)
	}
	disarm := arm(ctx, conn, s.cfg.Timeout)
	client, err := s.handshake(conn)
	if !disarm() || ctxDone(ctx) {
		conn.Close()
		return mail.Canceled(ctx, err)
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("serveur SMTP %s : %w", s.cfg.Addr, err)
	}
	s.conn, s.client, s.used = conn, client, false
	return nil
}

func (s *Sender) handshake(conn net.Conn) (*netsmtp.Client, error) {
	c, err := netsmtp.NewClient(conn, s.host)
	if err != nil {
		return nil, fmt.Errorf("accueil : %w", err)
	}
	if s.cfg.HelloName != "" {
		if err := c.Hello(s.cfg.HelloName); err != nil {
			return nil, fmt.Errorf("EHLO : %w", err)
		}
	}
	// NOOP sends EHLO first and, unlike Extension, reports its failure.
	if err := c.Noop(); err != nil {
		return nil, fmt.Errorf("EHLO : %w", err)
	}
	if s.cfg.StartTLS != StartTLSNever {
		offered, _ := c.Extension("STARTTLS")
		switch {
		case offered:
			if err := c.StartTLS(s.cfg.TLSConfig); err != nil {
				return nil, fmt.Errorf("STARTTLS : %w", err)
			}
		case s.cfg.StartTLS == StartTLSAlways:
			return nil, errors.New("le serveur ne propose pas STARTTLS, exigé par la configuration")
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return nil, errors.New("le serveur ne propose pas l'authentification (AUTH) sur cette connexion")
		}
		if err := c.Auth(netsmtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)); err != nil {
			return nil, fmt.Errorf("authentification de %q refusée : %w", s.cfg.Username, err)
		}
	}
	return c, nil
}

// deliver runs one mail transaction on the open connection. retry tells
// whether the message surely did not reach the server, so that sending it
// again on a new connection cannot duplicate it.
func (s *Sender) deliver(ctx context.Context, data []byte, env mail.Envelope) (err error, retry bool) {
	c := s.client
	disarm := arm(ctx, s.conn, s.cfg.Timeout)
	defer func() {
		// When ctx ended, the connection may have been cut mid-reply:
		// its state is unknown, so it is not reused.
		if !disarm() || (err != nil && ctxDone(ctx)) {
			s.drop()
		}
	}()

	if s.used {
		if err := c.Reset(); err != nil {
			s.drop()
			return fmt.Errorf("RSET : %w", err), true
		}
	}
	s.used = true
	if err := c.Mail(env.From); err != nil {
		return s.classify(fmt.Sprintf("expéditeur <%s> refusé", env.From), err), true
	}
	for _, rcpt := range env.To {
		if err := c.Rcpt(rcpt); err != nil {
			return s.classify(fmt.Sprintf("destinataire <%s> refusé", rcpt), err), true
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.classify("DATA refusé", err), true
	}
	if _, err := w.Write(data); err != nil {
		s.drop()
		return fmt.Errorf("envoi du contenu : %w", err), true
	}
	if err := w.Close(); err != nil {
		// Once the final dot is out, the server may have taken the message
		// even if its reply got lost: sending again could duplicate it. A
		// failed write means the dot never left.
		var op *net.OpError
		retry := errors.As(err, &op) && op.Op == "write"
		return s.classify("message refusé", err), retry
	}
	return nil, false
}

// classify wraps an error of the transaction and decides the fate of the
// connection: after a reply other than 421 (closing) the session goes on,
// after anything else its state is unknown and it is dropped.
func (s *Sender) classify(what string, err error) error {
	err = fmt.Errorf("%s : %w", what, err)
	var tp *textproto.Error
	if !errors.As(err, &tp) || tp.Code < 400 || tp.Code == 421 {
		s.drop()
		return err
	}
	// 530 (authentication required) depends on the configuration, not on
	// the message.
	if tp.Code >= 500 && tp.Code != 530 {
		return mail.Permanent(err)
	}
	return err
}

// drop closes the connection without QUIT.
func (s *Sender) drop() {
	if s.client != nil {
		_ = s.client.Close()
	} else if s.conn != nil {
		_ = s.conn.Close()
	}
	s.conn, s.client, s.used = nil, nil, false
}

// arm bounds the exchange on conn by timeout and by ctx: net/smtp knows no
// context, so an ending ctx moves the deadline to the past, which makes the
// pending read or write return. The returned function reports false when
// that happened, the connection then being unusable.
func arm(ctx context.Context, conn net.Conn, timeout time.Duration) (disarm func() bool) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	return context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
}

// ctxDone reports whether ctx has ended, including the instant when its
// deadline has passed but its timer has not fired yet: a connection timeout
// due to that deadline must read as the context's.
func ctxDone(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// HelloName returns the name this host gives in EHLO: its host name when it
// is one a mail server accepts (letters, digits, hyphens and dots), else
// "localhost".
func HelloName() string {
	name, err := os.Hostname()
	if err != nil || name == "" || len(name) > 253 || strings.Trim(name, ".-") != name {
		return "localhost"
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "localhost"
		}
	}
	return name
}

// STARTTLS modes of Config.
const (
	StartTLSAuto   = "auto"
	StartTLSAlways = "always"
	StartTLSNever  = "never"
)

// ParseStartTLS returns the STARTTLS mode s names ("auto" when empty), or
// a French error naming the choices.
func ParseStartTLS(s string) (string, error) {
	switch mode := strings.ToLower(strings.TrimSpace(s)); mode {
	case "", StartTLSAuto:
		return StartTLSAuto, nil
	case StartTLSAlways, StartTLSNever:
		return mode, nil
	}
	return "", fmt.Errorf("mode STARTTLS %q inconnu : choisissez auto, always ou never", s)
}

var _ mail.Sender = (*Sender)(nil)
