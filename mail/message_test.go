package mail

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

var brussels = time.FixedZone("CET", 3600)

func sampleMessage() Message {
	return Message{
		ID:      "outbox-42",
		From:    "Extranet SeGEC <noreply@segec.be>",
		To:      "Élève Dupont <eleve.dupont@ecole.be>",
		Subject: "Votre accès à l'extranet SeGEC",
		Text: "Bonjour Élève,\n\nVotre accès à l'extranet SeGEC est prêt : " +
			"cliquez sur le lien ci-dessous pour choisir votre mot de passe, il reste valable 72 heures.\n" +
			".Une ligne qui commence par un point\n" +
			"Des espaces en fin de ligne   \n" +
			"Égalité = 100 %\n",
		Date: time.Date(2026, 11, 27, 2, 0, 5, 0, brussels),
	}
}

func TestBuildParseRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Message)
		expect func(*Message) // how Parse differs from the input, if at all
	}{
		{name: "plain French text", edit: func(*Message) {}},
		{name: "with HTML alternative", edit: func(m *Message) {
			m.HTML = "<p>Bonjour <b>Élève</b>,</p>\n<p>Votre accès est prêt.</p>\n"
		}},
		{name: "long accented subject is folded", edit: func(m *Message) {
			m.Subject = strings.Repeat("Élève à l'école, accès réservé — ", 6)
		}},
		{name: "ASCII subject that looks encoded", edit: func(m *Message) {
			m.Subject = "=?utf-8?q?pas_un_mot?=  deux espaces "
		}},
		{name: "long ASCII subject", edit: func(m *Message) {
			m.Subject = strings.Repeat("Invitation to the extranet ", 8) + "end"
		}},
		{name: "several recipients and extra headers", edit: func(m *Message) {
			m.To = "Jean Dupont <jean.dupont@ecole.be>, \"Martin, Luc\" <luc.martin@ecole.be>, direction@ecole.be"
			m.Headers = map[string]string{
				"X-Passerelle-Kind": "invitation",
				"Reply-To":          "Secrétariat <secretariat@ecole.be>",
				"X-Note":            "réponse attendue",
			}
		}},
		{name: "text without final newline", edit: func(m *Message) { m.Text = "Élève" },
			expect: func(m *Message) { m.Text = "Élève\n" }},
		{name: "CRLF text", edit: func(m *Message) { m.Text = "un\r\ndeux\r\n" },
			expect: func(m *Message) { m.Text = "un\ndeux\n" }},
		{name: "HTML only", edit: func(m *Message) { m.Text = ""; m.HTML = "<p>Élève</p>\n" },
			expect: func(m *Message) { m.Text = "\n" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleMessage()
			tt.edit(&m)
			data, err := Build(m)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			got, err := Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, data)
			}
			want := m
			if tt.expect != nil {
				tt.expect(&want)
			}
			if !got.Date.Equal(want.Date) {
				t.Errorf("Date = %v, want %v", got.Date, want.Date)
			}
			got.Date, want.Date = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip differs\n got: %#v\nwant: %#v\n%s", got, want, data)
			}
		})
	}
}

func TestBuildWireFormat(t *testing.T) {
	m := sampleMessage()
	m.HTML = "<p>Élève</p>"
	m.Subject = strings.Repeat("Votre accès à l'extranet SeGEC ", 4)
	data, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Build(m)
	if !bytes.Equal(data, again) {
		t.Error("Build is not deterministic")
	}
	if !bytes.Contains(data, []byte("\r\nAuto-Submitted: auto-generated\r\n")) {
		t.Errorf("no Auto-Submitted header:\n%s", data)
	}
	for i, c := range data {
		if c >= 0x80 {
			t.Fatalf("byte %d is not 7-bit: %q", i, c)
		}
		if c == '\n' && (i == 0 || data[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d", i)
		}
		if c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			t.Fatalf("bare CR at byte %d", i)
		}
	}
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Error("message does not end with CRLF")
	}
	for _, line := range strings.Split(string(data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78: %q", line)
		}
	}
	head, _, _ := strings.Cut(string(data), "\r\n\r\n")
	for _, want := range []string{
		"Date: Fri, 27 Nov 2026 02:00:05 +0100\r\n",
		"From: \"Extranet SeGEC\" <noreply@segec.be>\r\n",
		"To: =?utf-8?q?=C3=89l=C3=A8ve_Dupont?= <eleve.dupont@ecole.be>\r\n",
		"Subject:\r\n =?utf-8?q?Votre_acc=C3=A8s_", // a full encoded-word needs its own line
		"Message-ID: <outbox-42@segec.be>\r\n",
		"MIME-Version: 1.0\r\n",
		"Content-Type: multipart/alternative;\r\n boundary=\"=_passerelle_",
	} {
		if !strings.Contains(head+"\r\n", want) {
			t.Errorf("header %q missing in\n%s", want, head)
		}
	}
	for _, want := range []string{
		"Content-Type: text/plain; charset=utf-8\r\n",
		"Content-Type: text/html; charset=utf-8\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n",
		"Bonjour =C3=89l=C3=A8ve,",
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("%q missing in body", want)
		}
	}
}

func TestBuildSinglePartHeaders(t *testing.T) {
	data, err := Build(sampleMessage())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
		// Trailing spaces are encoded, so no transport can strip them.
		"Des espaces en fin de ligne  =20\r\n",
		"=C3=89galit=C3=A9 =3D 100 %\r\n",
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("%q missing in\n%s", want, data)
		}
	}
}

func TestMessageIDDomain(t *testing.T) {
	tests := []struct{ from, want string }{
		{"noreply@segec.be", "<outbox-42@segec.be>"},
		{"Extranet <noreply@Extranet.SeGEC.be>", "<outbox-42@Extranet.SeGEC.be>"},
		{"noreply@[127.0.0.1]", "<outbox-42@passerelle>"},
	}
	for _, tt := range tests {
		m := sampleMessage()
		m.From = tt.from
		data, err := Build(m)
		if err != nil {
			t.Fatalf("%s: %v", tt.from, err)
		}
		if !bytes.Contains(data, []byte("\r\nMessage-ID: "+tt.want+"\r\n")) {
			t.Errorf("%s: Message-ID %s missing", tt.from, tt.want)
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Message)
		want string // part of the error message
	}{
		{"CRLF in subject", func(m *Message) { m.Subject = "Accès\r\nBcc: pirate@example.com" }, "retour à la ligne"},
		{"LF in subject", func(m *Message) { m.Subject = "Accès\nBcc: pirate@example.com" }, "retour à la ligne"},
		{"CR in From", func(m *Message) { m.From = "noreply@segec.be\rBcc: pirate@example.com" }, "retour à la ligne"},
		{"LF in To", func(m *Message) { m.To = "a@ecole.be\nBcc: pirate@example.com" }, "retour à la ligne"},
		{"LF in extra header", func(m *Message) { m.Headers = map[string]string{"X-Kind": "a\nBcc: pirate@example.com"} }, "retour à la ligne"},
		{"NUL in subject", func(m *Message) { m.Subject = "a\x00b" }, "caractère de contrôle"},
		{"colon in header name", func(m *Message) { m.Headers = map[string]string{"X-A: b\r\nBcc": "c"} }, "invalide"},
		{"reserved header", func(m *Message) { m.Headers = map[string]string{"content-type": "text/html"} }, "Content-Type"},
		{"Bcc header", func(m *Message) { m.Headers = map[string]string{"bcc": "pirate@example.com"} }, "Bcc"},
		{"duplicate header", func(m *Message) { m.Headers = map[string]string{"X-A": "1", "x-a": "2"} }, "double"},
		{"bad Reply-To", func(m *Message) { m.Headers = map[string]string{"Reply-To": "pas une adresse"} }, "Reply-To"},
		{"empty ID", func(m *Message) { m.ID = "" }, "identifiant"},
		{"path in ID", func(m *Message) { m.ID = "../../etc/passwd" }, "identifiant"},
		{"at sign in ID", func(m *Message) { m.ID = "a@b" }, "identifiant"},
		{"long ID", func(m *Message) { m.ID = strings.Repeat("a", 200) }, "trop long"},
		{"no recipient", func(m *Message) { m.To = " " }, "destinataire"},
		{"bad recipient", func(m *Message) { m.To = "jean.dupont" }, "destinataire"},
		{"bad sender", func(m *Message) { m.From = "" }, "expéditeur"},
		{"non-ASCII address", func(m *Message) { m.To = "élève@école.be" }, "non ASCII"},
		{"invalid UTF-8 body", func(m *Message) { m.Text = "\xff" }, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleMessage()
			tt.edit(&m)
			data, err := Build(m)
			if err == nil {
				t.Fatalf("Build succeeded:\n%s", data)
			}
			if data != nil {
				t.Error("Build returned bytes with its error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestParseOtherEncodings(t *testing.T) {
	tests := []struct {
		name, raw          string
		wantText, wantHTML string
		wantSubject        string
	}{
		{
			name: "base64 body and B-encoded subject",
			raw: "From: a@b.be\r\nTo: c@d.be\r\nSubject: =?UTF-8?B?w4lsw6h2ZQ==?=\r\n" +
				"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				"w4lsw6h2ZQ0KZGV1eA0K\r\n",
			wantText: "Élève\ndeux\n", wantSubject: "Élève",
		},
		{
			name: "latin-1 quoted-printable",
			raw: "From: a@b.be\r\nTo: c@d.be\r\nSubject: =?iso-8859-1?q?=C9l=E8ve?=\r\n" +
				"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
				"=C9l=E8ve\r\n",
			wantText: "Élève\n", wantSubject: "Élève",
		},
		{
			name: "nested multipart with attachment",
			raw: "From: a@b.be\r\nTo: c@d.be\r\nSubject: x\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
				"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
				"--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ntexte\r\n" +
				"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n" +
				"--inner--\r\n" +
				"--outer\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n" +
				"--outer--\r\n",
			wantText: "texte", wantHTML: "<p>html</p>", wantSubject: "x",
		},
		{
			name:     "no MIME at all",
			raw:      "From: a@b.be\nTo: c@d.be\nSubject: old\n\nbody\n",
			wantText: "body\n", wantSubject: "old",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != tt.wantText || m.HTML != tt.wantHTML || m.Subject != tt.wantSubject {
				t.Errorf("got text %q html %q subject %q", m.Text, m.HTML, m.Subject)
			}
		})
	}
}

func TestParseRefusesGarbage(t *testing.T) {
	for _, raw := range []string{
		"not a message at all",
		"From: a@b.be\r\nContent-Type: multipart/alternative\r\n\r\nno boundary\r\n",
		"From: a@b.be\r\nContent-Type: ;;;\r\n\r\nbody\r\n",
	} {
		if _, err := Parse(strings.NewReader(raw)); err == nil {
			t.Errorf("Parse(%q) succeeded", raw)
		}
	}
}
