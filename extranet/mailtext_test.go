package extranet

import (
	"strings"
	"testing"
	"time"

	"passerelle/fwb"
)

// The night's e-mails, each told by its subject and what it must and must
// not say.
func TestMailTexts(t *testing.T) {
	grant := func(fase int, school, role, pendingRole string) PendingGrant {
		g := Grant{FASE: fase, GrantValues: GrantValues{Role: role}, SchoolYear: "2026-2027"}
		if pendingRole != "" {
			g.Pending, g.Next.Role = PendingModified, pendingRole
		}
		return PendingGrant{Grant: g, SchoolName: school}
	}
	a := grant(4242, "Athénée", "Enseignant", "")
	b := grant(7, "", "Directeur", "")
	moved := grant(5, "Lycée", "Enseignant", "Directeur")
	base := mailText{name: "Jean Dupont", login: "jean.dupont.040580", portalURL: "https://extranet.test/"}
	for _, test := range []struct {
		name    string
		write   func(m mailText) (string, string)
		m       mailText
		subject string
		want    []string
		not     []string
	}{
		{"invitation, one school", mailText.invitation, withGrants(base, a), SubjectInvitation,
			[]string{"Bonjour Jean Dupont,", "Votre école vous donne accès", "- Athénée (FASE 4242) : Enseignant, année scolaire 2026-2027",
				"Votre identifiant : jean.dupont.040580", "\n\n  https://extranet.test/\n\n", "Si vous ne travaillez pas dans cette école"},
			[]string{"Vos écoles", SignInLinkSlot}},
		{"invitation, two schools, no portal address", mailText.invitation, noPortal(withGrants(base, a, b)), SubjectInvitation,
			[]string{"Vos écoles vous donnent accès", "- École (FASE 7) : Directeur", "rendez-vous sur le portail de l'extranet SeGEC. Indiquez-y"},
			[]string{"https://"}},
		{"notice, one access", mailText.notice, withGrants(base, a), SubjectNotice,
			[]string{"Un nouvel accès s'ouvre pour vous", "Il s'ajoute à votre compte habituel."},
			[]string{"votre rôle change"}},
		{"notice, two accesses and a role that changes", mailText.notice, withChanged(withGrants(base, a, b), moved), SubjectNotice,
			[]string{"De nouveaux accès s'ouvrent pour vous", "Pour la nouvelle année scolaire, votre rôle change :\n\n- Lycée (FASE 5) : Directeur"},
			nil},
		{"role change", mailText.roleChange, withChanged(base, moved), SubjectRoleChange,
			[]string{"votre rôle sur l'extranet SeGEC change :\n\n- Lycée (FASE 5) : Directeur, année scolaire 2026-2027", "Votre compte et votre identifiant ne changent pas."},
			[]string{"Enseignant"}},
		{"reactivated", mailText.reactivated, withGrants(base, a), SubjectReactivated,
			[]string{"Votre compte de l'extranet SeGEC est de nouveau ouvert, pour :\n\n- Athénée (FASE 4242)", "Votre identifiant ne change pas."},
			nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			subject, text := test.write(test.m)
			if subject != test.subject {
				t.Errorf("subject %q, want %q", subject, test.subject)
			}
			for _, w := range test.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, n := range test.not {
				if strings.Contains(text, n) {
					t.Errorf("says %q:\n%s", n, text)
				}
			}
		})
	}
}

func withGrants(m mailText, gs ...PendingGrant) mailText { m.grants = gs; return m }
func withChanged(m mailText, gs ...PendingGrant) mailText {
	m.changed = gs
	return m
}
func noPortal(m mailText) mailText { m.portalURL = ""; return m }

// The directors' warning names the schools that have not sent, the year
// and the deadline.
func TestGraceWarningText(t *testing.T) {
	s := &Service{PortalURL: "https://extranet.test/"}
	ended := fwb.SchoolYear{Start: 2026}
	one := []CarriedDirector{{PersonID: "p", LastName: "Roi", FirstName: "Carl", Login: "carl.roi.060665", FASE: 1003, SchoolName: "École C"}}
	subject, text := s.graceWarningText(one, ended)
	for _, w := range []string{"Bonjour Carl Roi,", "Votre école n'a pas encore envoyé à l'extranet SeGEC son personnel de l'année scolaire 2027-2028",
		"- École C (FASE 1003)\n", "Les accès de l'année 2026-2027 restent ouverts jusqu'au 30/09/2027 inclus", "carl.roi.060665"} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
	if subject != SubjectGraceWarning {
		t.Errorf("subject %q", subject)
	}
	two := append(one, CarriedDirector{PersonID: "p", LastName: "Roi", FirstName: "Carl", FASE: 1004, SchoolName: "École D"})
	s.Grace = fwb.MonthDay{Month: time.September, Day: 15}
	_, text = s.graceWarningText(two, ended)
	for _, w := range []string{"Ces écoles n'ont pas encore envoyé", "- École D (FASE 1004)", "jusqu'au 15/09/2027 inclus"} {
		if !strings.Contains(text, w) {
			t.Errorf("two schools: lacks %q:\n%s", w, text)
		}
	}
}

// The warning starts GraceWarning before the deadline, 14 days by default.
func TestGraceWarningFrom(t *testing.T) {
	ended := fwb.SchoolYear{Start: 2026}
	for _, test := range []struct {
		s    *Service
		want time.Time
	}{
		{&Service{}, time.Date(2027, time.September, 16, 0, 0, 0, 0, time.UTC)},
		{&Service{GraceWarning: 7 * 24 * time.Hour}, time.Date(2027, time.September, 23, 0, 0, 0, 0, time.UTC)},
		{&Service{Grace: fwb.MonthDay{Month: time.September, Day: 15}}, time.Date(2027, time.September, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if got := test.s.GraceWarningFrom(ended); !got.Equal(test.want) {
			t.Errorf("GraceWarningFrom with %+v = %v, want %v", test.s, got, test.want)
		}
	}
}

// NightDate writes the night as French says it, across months and years.
func TestNightDateAcrossMonths(t *testing.T) {
	for _, test := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, time.December, 1, 1, 0, 0, 0, time.UTC), "30/11/2026 au 01/12/2026"},
		{time.Date(2027, time.January, 1, 1, 0, 0, 0, time.UTC), "31/12/2026 au 01/01/2027"},
		{time.Date(2027, time.March, 28, 1, 0, 0, 0, time.UTC), "27/03/2027 au 28/03/2027"},
	} {
		if got := NightDate(test.at); got != test.want {
			t.Errorf("NightDate(%v) = %q, want %q", test.at, got, test.want)
		}
	}
}
