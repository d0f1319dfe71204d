package schoolui

import (
	"slices"
	"testing"

	"passerelle/school"
)

func TestShownFindings(t *testing.T) {
	findings := []school.Finding{
		{Code: "a", Field: school.FieldSchoolEmail},
		{Code: "b", Field: school.FieldRole},
		{Code: "c", Field: school.FieldRole},
	}
	for _, test := range []struct {
		name    string
		fe      school.FieldErrors
		want    []string
		byField map[string]int
	}{
		{"no error", nil, []string{"a", "b", "c"}, map[string]int{school.FieldSchoolEmail: 1, school.FieldRole: 2}},
		{"refused e-mail", school.FieldErrors{school.FieldSchoolEmail: "adresse invalide"}, []string{"b", "c"}, map[string]int{school.FieldRole: 2}},
		{"refused role", school.FieldErrors{school.FieldRole: "rôle inconnu"}, []string{"a"}, map[string]int{school.FieldSchoolEmail: 1}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, byField := shownFindings(findings, test.fe)
			var codes []string
			for _, f := range got {
				codes = append(codes, f.Code)
			}
			if !slices.Equal(codes, test.want) {
				t.Errorf("findings = %q, want %q", codes, test.want)
			}
			if len(byField) != len(test.byField) {
				t.Errorf("byField has %d fields, want %d", len(byField), len(test.byField))
			}
			for field, n := range test.byField {
				if len(byField[field]) != n {
					t.Errorf("byField[%q] has %d findings, want %d", field, len(byField[field]), n)
				}
			}
		})
	}
}

func TestRoleOptions(t *testing.T) {
	for _, role := range []string{"", "Enseignant", "Directeur", "Autre"} {
		var selected []string
		for _, o := range roleOptions(role) {
			if o.Selected {
				selected = append(selected, o.Value)
			}
		}
		want := []string{role}
		if role == "Autre" {
			want = nil
		}
		if !slices.Equal(selected, want) {
			t.Errorf("roleOptions(%q) selects %q, want %q", role, selected, want)
		}
	}
}
