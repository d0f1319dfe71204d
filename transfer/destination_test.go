package transfer

import (
	"strings"
	"testing"

	"passerelle/school"
)

func TestDestination(t *testing.T) {
	set := school.Settings{ExtranetURL: "https://extranet.exemple.be", Token: "secret"}
	for _, test := range []struct {
		name                string
		settings            school.Settings
		opt                 Options
		wantTarget, wantTok string
		wantMsg             string // the start of the *Error's message, "" for none
	}{
		{"settings", set, Options{}, "https://extranet.exemple.be", "secret", ""},
		{"options first", set, Options{URL: "http://localhost:8080", Token: "other"}, "http://localhost:8080", "other", ""},
		{"no address", school.Settings{Token: "secret"}, Options{}, "", "", MsgNoURL},
		{"blank address", school.Settings{ExtranetURL: "  ", Token: "secret"}, Options{}, "", "", MsgNoURL},
		{"no token", school.Settings{ExtranetURL: "https://extranet.exemple.be"}, Options{}, "", "", MsgNoToken},
		{"no scheme", school.Settings{ExtranetURL: "extranet.exemple.be", Token: "secret"}, Options{}, "", "", "adresse de l'extranet « extranet.exemple.be » invalide"},
		{"another scheme", school.Settings{ExtranetURL: "ftp://extranet.exemple.be", Token: "secret"}, Options{}, "", "", "adresse de l'extranet « ftp://extranet.exemple.be » invalide"},
	} {
		t.Run(test.name, func(t *testing.T) {
			target, token, e := destination(test.settings, test.opt)
			if target != test.wantTarget || token != test.wantTok {
				t.Errorf("destination = %q, %q; want %q, %q", target, token, test.wantTarget, test.wantTok)
			}
			switch {
			case test.wantMsg == "" && e != nil:
				t.Errorf("error %q, want none", e.Msg)
			case test.wantMsg != "" && (e == nil || !strings.HasPrefix(e.Msg, test.wantMsg)):
				t.Errorf("error %v, want one starting %q", e, test.wantMsg)
			}
		})
	}
}
