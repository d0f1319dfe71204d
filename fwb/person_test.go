package fwb

import "testing"

func TestParseSex(t *testing.T) {
	for _, test := range []struct {
		in      string
		want    Sex
		wantErr bool
	}{
		{"M", SexMale, false}, {"m", SexMale, false}, {"H", SexMale, false}, {" h ", SexMale, false},
		{"Homme", SexMale, false}, {"F", SexFemale, false}, {"f", SexFemale, false}, {"femme", SexFemale, false},
		{"", SexUnknown, false}, {"X", SexUnknown, true}, {"MF", SexUnknown, true},
	} {
		t.Run(test.in, func(t *testing.T) {
			got, err := ParseSex(test.in)
			if (err != nil) != test.wantErr || got != test.want {
				t.Errorf("ParseSex(%q) = %v, %v; want %v, error %v", test.in, got, err, test.want, test.wantErr)
			}
		})
	}
	_, err := ParseSex(" x ")
	if want := "sexe inconnu « x » : écrivez M (ou H) pour un homme, F pour une femme, ou laissez vide"; err == nil || err.Error() != want {
		t.Errorf("ParseSex(x) error %v, want %q", err, want)
	}
}

func TestSexString(t *testing.T) {
	for _, test := range []struct {
		in   Sex
		want string
	}{{SexMale, "M"}, {SexFemale, "F"}, {SexUnknown, ""}, {Sex(9), ""}} {
		t.Run(test.want, func(t *testing.T) {
			if got := test.in.String(); got != test.want {
				t.Errorf("%d.String() = %q, want %q", test.in, got, test.want)
			}
			if back, err := ParseSex(test.in.String()); err != nil || (test.in <= SexFemale && back != test.in) {
				t.Errorf("ParseSex(%q) = %v, %v", test.in.String(), back, err)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	for _, test := range []struct {
		in      string
		want    Role
		wantErr string
	}{
		{in: "Enseignant", want: RoleEnseignant},
		{in: " enseignant ", want: RoleEnseignant},
		{in: "ENSEIGNANTE", want: RoleEnseignant},
		{in: "Directeur", want: RoleDirecteur},
		{in: "directrice", want: RoleDirecteur},
		{in: "DIRECTEUR", want: RoleDirecteur},
		{in: "Dîrecteur", want: RoleDirecteur},
		{in: "", want: RoleNone},
		{in: "  ", want: RoleNone},
		{in: "Éducateur", wantErr: "rôle extranet inconnu « Éducateur » : Enseignant, Directeur ou vide"},
		{in: " prof ", wantErr: "rôle extranet inconnu « prof » : Enseignant, Directeur ou vide"},
	} {
		t.Run(test.in, func(t *testing.T) {
			got, err := ParseRole(test.in)
			if test.wantErr != "" {
				if err == nil || err.Error() != test.wantErr {
					t.Fatalf("ParseRole(%q) = %q, %v; want error %q", test.in, got, err, test.wantErr)
				}
				return
			}
			if err != nil || got != test.want {
				t.Errorf("ParseRole(%q) = %q, %v; want %q", test.in, got, err, test.want)
			}
		})
	}
}

func TestRoleValid(t *testing.T) {
	for _, test := range []struct {
		in   Role
		want bool
	}{
		{RoleNone, true}, {RoleEnseignant, true}, {RoleDirecteur, true},
		{"enseignant", false}, {"Educateur", false},
	} {
		t.Run(string(test.in), func(t *testing.T) {
			if got := test.in.Valid(); got != test.want {
				t.Errorf("Role(%q).Valid() = %v, want %v", test.in, got, test.want)
			}
		})
	}
}
