// Package mail delivers the extranet's outbox: it turns a Message into RFC 5322
// bytes (Build), reads them back (Parse), and hands them to a Sender, either an
// SMTP server over one reused connection (SMTPSender) or a folder of .eml files
// (DirSender) for the demo and for tests.
//
// Messages are French, so every text is UTF-8: headers use RFC 2047
// encoded-words and bodies quoted-printable, which keeps the output 7-bit and
// readable by any server without SMTPUTF8 or 8BITMIME.
package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one e-mail of the outbox.
type Message struct {
	// ID is the stable identifier of the message (the outbox id). It becomes
	// the left part of the Message-ID and part of the .eml file name, so it is
	// limited to letters, digits, '-', '_' and inner dots.
	ID string
	// From is the sender, "Name <address>" or a bare address.
	From string
	// To holds one or more recipients, comma-separated, in the same forms.
	To string
	// Subject is plain UTF-8 text; Build encodes it when needed.
	Subject string
	// Text is the plain text body, UTF-8.
	Text string
	// HTML is an optional HTML alternative of Text.
	HTML string
	// Date is the date of the message; Build uses the current time when zero.
	Date time.Time
	// Headers holds optional extra header fields, such as Reply-To or
	// X-… fields. Fields that Build writes itself are refused.
	Headers map[string]string
}

// DefaultDomain is the Message-ID domain used when none can be taken from From.
const DefaultDomain = "passerelle"

// maxIDLen bounds Message.ID so that file names stay well under common limits.
const maxIDLen = 128

// maxLineLen is the hard limit of RFC 5322 on a line, CRLF excluded.
const maxLineLen = 998

// foldAt is the line length that headers are folded to when possible.
const foldAt = 78

// reservedHeaders are the fields that Build writes itself; accepting them in
// Message.Headers would produce duplicates that receivers resolve differently.
// Cc and Bcc are refused too: the envelope only holds the To recipients, so
// listing others would lie about who received the message.
var reservedHeaders = map[string]bool{
	"Date":                      true,
	"From":                      true,
	"To":                        true,
	"Cc":                        true,
	"Bcc":                       true,
	"Subject":                   true,
	"Message-Id":                true,
	"Mime-Version":              true,
	"Auto-Submitted":            true,
	"Content-Type":              true,
	"Content-Transfer-Encoding": true,
	"Sender":                    true,
}

// addressHeaders are extra fields holding addresses: they are formatted as
// address lists, since encoding them as a whole would break their syntax.
var addressHeaders = map[string]bool{
	"Reply-To": true,
}

// Envelope is what SMTP needs besides the message bytes: the sender and
// the recipients.
type Envelope struct {
	From string
	To   []string
}

// Build returns the RFC 5322 form of m, with CRLF line endings, ready to be
// written to a file or sent over SMTP. It fails, without output, when a
// header value holds a line break or another control character, when an
// address is invalid, or when a text is not valid UTF-8.
func Build(m Message) ([]byte, error) {
	data, _, err := BuildEnvelope(m)
	return data, err
}

// BuildEnvelope is Build that also returns the SMTP envelope.
func BuildEnvelope(m Message) ([]byte, Envelope, error) {
	if err := checkMessage(m); err != nil {
		return nil, Envelope{}, err
	}
	from, to, env, err := addresses(m)
	if err != nil {
		return nil, env, err
	}
	extra, err := extraHeaders(m.Headers)
	if err != nil {
		return nil, env, err
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}

	var b bytes.Buffer
	b.Grow(1024 + len(m.Text) + len(m.HTML))
	hw := headerWriter{b: &b}
	hw.write("Date", date.Format(time.RFC1123Z))
	hw.write("From", from.String())
	hw.write("To", formatAddressList(to))
	hw.write("Subject", encodeUnstructured(m.Subject))
	hw.write("Message-ID", "<"+m.ID+"@"+messageIDDomain(from.Address)+">")
	for _, h := range extra {
		hw.write(h.key, h.value)
	}
	// Every e-mail of Passerelle is sent by a program (RFC 3834): mail
	// servers and out-of-office replies must not answer it.
	hw.write("Auto-Submitted", "auto-generated")
	hw.write("MIME-Version", "1.0")
	if hw.err != nil {
		return nil, env, hw.err
	}

	if m.HTML == "" {
		hw.write("Content-Type", "text/plain; charset=utf-8")
		hw.write("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		writeQP(&b, m.Text)
		return b.Bytes(), env, hw.err
	}
	if err := writeAlternative(&b, &hw, m); err != nil {
		return nil, env, err
	}
	return b.Bytes(), env, hw.err
}

// checkMessage refuses a message whose ID, From, To or Subject could
// inject headers, or whose body is not valid UTF-8.
func checkMessage(m Message) error {
	if err := checkID(m.ID); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{
		{"From", m.From}, {"To", m.To}, {"Subject", m.Subject},
	} {
		if err := CheckHeaderValue(f.name, f.value); err != nil {
			return err
		}
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return errors.New("le corps du message n'est pas en UTF-8 valide")
	}
	return nil
}

// addresses parses the sender and the recipients of m, which must be ASCII
// addresses, and returns them with the SMTP envelope they make.
func addresses(m Message) (*mail.Address, []*mail.Address, Envelope, error) {
	var env Envelope
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, nil, env, fmt.Errorf("expéditeur %q invalide : %w", m.From, err)
	}
	if err := checkASCIIAddress(from.Address); err != nil {
		return nil, nil, env, err
	}
	if strings.TrimSpace(m.To) == "" {
		return nil, nil, env, errors.New("aucun destinataire")
	}
	to, err := mail.ParseAddressList(m.To)
	if err != nil {
		return nil, nil, env, fmt.Errorf("destinataire %q invalide : %w", m.To, err)
	}
	env.From = from.Address
	for _, a := range to {
		if err := checkASCIIAddress(a.Address); err != nil {
			return nil, nil, env, err
		}
		env.To = append(env.To, a.Address)
	}
	return from, to, env, nil
}

// writeAlternative writes m's Content-Type and a multipart/alternative body:
// the text, then the HTML, each quoted-printable.
func writeAlternative(b *bytes.Buffer, hw *headerWriter, m Message) error {
	// The boundary starts with "=_": quoted-printable writes '=' only as
	// "=3D" or a soft line break, so no encoded part can ever contain it.
	// Deriving it from the content keeps Build deterministic.
	sum := sha256.Sum256([]byte(m.ID + "\x00" + m.Text + "\x00" + m.HTML))
	boundary := "=_passerelle_" + hex.EncodeToString(sum[:12])
	hw.write("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary}))
	b.WriteString("\r\n")
	mw := multipart.NewWriter(b)
	if err := mw.SetBoundary(boundary); err != nil {
		return fmt.Errorf("séparateur MIME : %w", err)
	}
	for _, p := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return fmt.Errorf("partie MIME : %w", err)
		}
		var part bytes.Buffer
		writeQP(&part, p.body)
		if _, err := pw.Write(part.Bytes()); err != nil {
			return fmt.Errorf("partie MIME : %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("partie MIME : %w", err)
	}
	return nil
}

// writeQP writes s quoted-printable with CRLF line breaks. The text always
// ends with a line break, as a body of lines should; Parse therefore returns
// a text ending in "\n".
func writeQP(b *bytes.Buffer, s string) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	qw := quotedprintable.NewWriter(b)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = qw.Write([]byte(s))
	_ = qw.Close()
}

// checkID enforces the characters that are safe both in a Message-ID and in
// a file name, so that an id can never escape the mail folder.
func checkID(id string) error {
	if id == "" {
		return errors.New("identifiant de message manquant")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("identifiant de message trop long (%d caractères, au plus %d)", len(id), maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.' && i > 0 && i < len(id)-1 && id[i-1] != '.':
		default:
			return fmt.Errorf("identifiant de message %q invalide : seuls les lettres, chiffres, « - », « _ » et les points intérieurs sont permis", id)
		}
	}
	return nil
}

// CheckHeaderValue refuses control characters in a header value: CR and LF
// would let a value start a new header field (header injection), and the
// others have no business in a header.
func CheckHeaderValue(name, value string) error {
	for _, r := range value {
		if r == '\r' || r == '\n' {
			return fmt.Errorf("en-tête %s refusé : il contient un retour à la ligne", name)
		}
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return fmt.Errorf("en-tête %s refusé : il contient un caractère de contrôle", name)
		}
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("en-tête %s refusé : il n'est pas en UTF-8 valide", name)
	}
	return nil
}

// checkASCIIAddress refuses internationalised addresses: sending them needs
// SMTPUTF8, which neither side negotiates.
func checkASCIIAddress(addr string) error {
	for i := 0; i < len(addr); i++ {
		if addr[i] >= utf8.RuneSelf {
			return fmt.Errorf("adresse %q non prise en charge : elle contient des caractères non ASCII", addr)
		}
	}
	return nil
}

type header struct{ key, value string }

// extraHeaders validates and formats Message.Headers, sorted by name so that
// Build is deterministic.
func extraHeaders(h map[string]string) ([]header, error) {
	out := make([]header, 0, len(h))
	seen := make(map[string]bool, len(h))
	for k, v := range h {
		if k == "" {
			return nil, errors.New("en-tête sans nom")
		}
		for i := 0; i < len(k); i++ {
			if k[i] <= ' ' || k[i] > '~' || k[i] == ':' {
				return nil, fmt.Errorf("nom d'en-tête %q invalide", k)
			}
		}
		key := textproto.CanonicalMIMEHeaderKey(k)
		if reservedHeaders[key] {
			return nil, fmt.Errorf("l'en-tête %s est écrit par le module d'envoi et ne peut pas être ajouté", key)
		}
		if seen[key] {
			return nil, fmt.Errorf("en-tête %s en double", key)
		}
		seen[key] = true
		if err := CheckHeaderValue(key, v); err != nil {
			return nil, err
		}
		value := encodeUnstructured(v)
		if addressHeaders[key] {
			list, err := mail.ParseAddressList(v)
			if err != nil {
				return nil, fmt.Errorf("en-tête %s invalide : %w", key, err)
			}
			for _, a := range list {
				if err := checkASCIIAddress(a.Address); err != nil {
					return nil, err
				}
			}
			value = formatAddressList(list)
		}
		out = append(out, header{key, value})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

func formatAddressList(list []*mail.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		// Address.String quotes the name, or encodes it when not ASCII.
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// messageIDDomain takes the domain of the sender's address, so that the
// Message-ID is unique in the sender's namespace, falling back to
// DefaultDomain when the domain is unusable as an id-right.
func messageIDDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return DefaultDomain
	}
	d := addr[at+1:]
	if d == "" || d[0] == '.' || d[len(d)-1] == '.' || strings.Contains(d, "..") {
		return DefaultDomain
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return DefaultDomain
		}
	}
	return d
}

// encodeUnstructured returns s as an RFC 2047 header value. Non-ASCII text
// becomes Q encoded-words, readable enough for French. Plain ASCII is left
// alone unless a reader would not get it back verbatim: text that looks like
// an encoded-word, or whitespace that unfolding would trim or collapse; that
// text is B-encoded instead (the Q encoder leaves ASCII untouched).
func encodeUnstructured(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		return mime.QEncoding.Encode("utf-8", s)
	}
	if strings.Contains(s, "=?") || strings.TrimSpace(s) != s ||
		strings.Contains(s, "  ") || strings.ContainsRune(s, '\t') {
		return encodeASCIIWords(s)
	}
	return s
}

// encodeASCIIWords B-encodes ASCII text as encoded-words of at most 72
// characters; ASCII never splits a character between two words.
func encodeASCIIWords(s string) string {
	const chunk = 45 // 60 base64 characters, plus 12 of framing
	var words []string
	for len(s) > 0 {
		n := min(chunk, len(s))
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// headerWriter writes header fields folded near 78 characters, keeping the
// first error.
type headerWriter struct {
	b   *bytes.Buffer
	err error
}

// write folds only at a single space between two words: a reader unfolds by
// joining lines with one space, so any other fold would alter the value.
func (w *headerWriter) write(key, value string) {
	if w.err != nil {
		return
	}
	w.b.WriteString(key)
	w.b.WriteByte(':')
	line := len(key) + 1
	words := strings.Split(value, " ")
	for i, word := range words {
		if i == 0 {
			// An encoded-word is up to 75 characters and RFC 2047 wants its
			// line within 76: it may have to start on the next line.
			if line+1+len(word) > foldAt && 1+len(word) <= foldAt {
				w.b.WriteString("\r\n")
				line = 0
			}
			w.b.WriteByte(' ')
			line++
		} else {
			if line+1+len(word) > foldAt && word != "" && words[i-1] != "" {
				w.b.WriteString("\r\n ")
				line = 1
			} else {
				w.b.WriteByte(' ')
				line++
			}
		}
		w.b.WriteString(word)
		line += len(word)
		if line > maxLineLen {
			w.err = fmt.Errorf("en-tête %s trop long : une ligne dépasse %d caractères", key, maxLineLen)
			return
		}
	}
	w.b.WriteString("\r\n")
}
