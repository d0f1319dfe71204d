package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"unicode/utf8"
)

// maxParseSize bounds what Parse reads, so that a stray huge file in the
// mail folder cannot exhaust memory of the page that lists it.
const maxParseSize = 32 << 20

// maxMultipartDepth bounds nested multiparts.
const maxMultipartDepth = 5

// Parse reads a message as Build writes it: headers are decoded from RFC 2047
// encoded-words, addresses are given back as "Name <address>", bodies are
// decoded from quoted-printable or base64 with "\n" line breaks, and in a
// multipart message the first text/plain and text/html parts are kept.
// Extra header fields are returned in Headers, with canonical names.
func Parse(r io.Reader) (Message, error) {
	var m Message
	msg, err := mail.ReadMessage(io.LimitReader(r, maxParseSize))
	if err != nil {
		return m, fmt.Errorf("lecture du message : %w", err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder) // knows UTF-8, US-ASCII and ISO-8859-1

	m.From = parseAddressField(dec, h.Get("From"))
	m.To = parseAddressField(dec, h.Get("To"))
	m.Subject = decodeField(dec, h.Get("Subject"))
	if d, err := h.Date(); err == nil {
		m.Date = d
	}
	if id := strings.TrimSpace(h.Get("Message-Id")); id != "" {
		id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
		if at := strings.LastIndexByte(id, '@'); at >= 0 {
			id = id[:at]
		}
		m.ID = id
	}
	for k, v := range h {
		if reservedHeaders[k] || len(v) == 0 {
			continue
		}
		if m.Headers == nil {
			m.Headers = make(map[string]string)
		}
		if addressHeaders[k] {
			m.Headers[k] = parseAddressField(dec, v[0])
		} else {
			m.Headers[k] = decodeField(dec, v[0])
		}
	}

	text, html, err := readBody(textproto.MIMEHeader(h), msg.Body, 0)
	if err != nil {
		return m, err
	}
	m.Text, m.HTML = text, html
	return m, nil
}

// decodeField decodes encoded-words, keeping the raw value when a word is
// in an unknown charset: a readable approximation beats an empty field.
func decodeField(dec *mime.WordDecoder, v string) string {
	s, err := dec.DecodeHeader(v)
	if err != nil {
		return v
	}
	return s
}

// parseAddressField returns an address list in the form that Build accepts
// back, with display names decoded.
func parseAddressField(dec *mime.WordDecoder, v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	p := mail.AddressParser{WordDecoder: dec}
	list, err := p.ParseList(v)
	if err != nil {
		return decodeField(dec, v)
	}
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = displayAddress(a)
	}
	return strings.Join(parts, ", ")
}

// displayAddress writes a name unquoted when it is made of words only, so
// that "Jean Dupont <jean@ecole.be>" reads as it was written.
func displayAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	name := a.Name
	if strings.ContainsAny(name, "()<>[]:;@\\,.\"") || strings.TrimSpace(name) != name || strings.Contains(name, "  ") {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + a.Address + ">"
}

// readBody returns the text and HTML of an entity, recursing into
// multiparts.
func readBody(h textproto.MIMEHeader, body io.Reader, depth int) (text, html string, err error) {
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return "", "", fmt.Errorf("type de contenu %q illisible : %w", ctype, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxMultipartDepth {
			return "", "", errors.New("message multipart trop imbriqué")
		}
		if params["boundary"] == "" {
			return "", "", errors.New("message multipart sans séparateur")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart leaves the transfer encoding to decodePart, which
			// handles base64 as well as quoted-printable.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return text, html, nil
			}
			if err != nil {
				return "", "", fmt.Errorf("partie MIME illisible : %w", err)
			}
			t, hm, err := readBody(p.Header, p, depth+1)
			if err != nil {
				return "", "", err
			}
			if text == "" {
				text = t
			}
			if html == "" {
				html = hm
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return "", "", nil // attachments and the like are not shown
	}
	s, err := decodePart(h, params["charset"], body)
	if err != nil {
		return "", "", err
	}
	if mediaType == "text/html" {
		return "", s, nil
	}
	return s, "", nil
}

// decodePart undoes the transfer encoding and the charset of a text part.
func decodePart(h textproto.MIMEHeader, charset string, body io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return "", fmt.Errorf("corps du message illisible : %w", err)
	}
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "iso-8859-15":
		// Latin-1 bytes are the first 256 code points; close enough for
		// Latin-9, which only differs by a few rare signs.
		var b strings.Builder
		b.Grow(len(raw))
		for _, c := range raw {
			b.WriteRune(rune(c))
		}
		return b.String(), nil
	}
	if !utf8.Valid(raw) {
		return strings.ToValidUTF8(string(raw), "\uFFFD"), nil
	}
	return string(raw), nil
}
