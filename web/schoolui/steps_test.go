package schoolui

import (
	"slices"
	"testing"
	"time"

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

func TestFormDays(t *testing.T) {
	for _, test := range []struct {
		values []string
		want   []time.Weekday
		ok     bool
	}{
		{nil, nil, true},
		{[]string{"1", "3"}, []time.Weekday{time.Monday, time.Wednesday}, true},
		{[]string{"5", "1", "5"}, []time.Weekday{time.Friday, time.Monday}, true},
		{[]string{"0", "6"}, []time.Weekday{time.Sunday, time.Saturday}, true},
		{[]string{"7"}, nil, false},
		{[]string{"1", "lundi"}, nil, false},
		{[]string{"-1"}, nil, false},
	} {
		got, ok := formDays(test.values)
		if !slices.Equal(got, test.want) || ok != test.ok {
			t.Errorf("formDays(%q) = %v, %v; want %v, %v", test.values, got, ok, test.want, test.ok)
		}
	}
}
