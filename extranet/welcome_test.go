package extranet

import (
	"strings"
	"testing"
	"time"
)

func TestReadableRecipient(t *testing.T) {
	enc := recipient("Milord", "Rémy", "remy.milord@ecole.be")
	if !strings.Contains(enc, "=?utf-8?") {
		t.Fatalf("recipient = %q, want the encoded form", enc)
	}
	for in, want := range map[string]string{
		enc:                           "Rémy Milord <remy.milord@ecole.be>",
		"remy.milord@ecole.be":        "remy.milord@ecole.be",
		"Jean Dupont <jean@ecole.be>": "Jean Dupont <jean@ecole.be>",
		"pas une adresse":             "pas une adresse",
	} {
		if got := ReadableRecipient(in); got != want {
			t.Errorf("ReadableRecipient(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInvitationTextCarriesTheSlot(t *testing.T) {
	m := mailText{name: "Jean Dupont", login: "jean.dupont.040580", portalURL: "https://extranet.test/", link: true}
	_, body := m.invitation()
	if strings.Count(body, SignInLinkSlot) != 1 || !strings.Contains(body, "Ce lien vaut 7 jours") || !strings.Contains(body, "« Me connecter »") {
		t.Errorf("invitation:\n%s", body)
	}
	m.link = false
	if _, body := m.invitation(); strings.Contains(body, SignInLinkSlot) {
		t.Errorf("an invitation without link carries the slot:\n%s", body)
	}
	if InvitationLinkTTL != 7*24*time.Hour {
		t.Errorf("InvitationLinkTTL = %s, but the text says 7 jours", InvitationLinkTTL)
	}
}

func TestNightDate(t *testing.T) {
	n := NextNight(time.Date(2026, 11, 26, 18, 3, 0, 0, time.UTC))
	if got := nightDate(n); got != "26/11/2026 au 27/11/2026" {
		t.Errorf("nightDate = %q", got)
	}
}
