package extranet

import (
	"errors"
	"testing"
	"time"

	"passerelle/fwb"
)

func TestResolvable(t *testing.T) {
	for _, test := range []struct {
		name    string
		r       Rejection
		want    fwb.Role
		refused bool
		err     error
	}{
		{"teacher", Rejection{Role: "Enseignant", Email: "a@ecole.be"}, fwb.RoleEnseignant, false, nil},
		{"director", Rejection{Role: "Directrice", Email: "a@ecole.be"}, fwb.RoleDirecteur, false, nil},
		{"resolved already", Rejection{Role: "Enseignant", Email: "a@ecole.be", ResolvedAt: time.Unix(1, 0)}, fwb.RoleNone, false, ErrAlreadyResolved},
		{"unknown role", Rejection{Role: "Concierge", Email: "a@ecole.be"}, fwb.RoleNone, true, nil},
		{"no role", Rejection{Email: "a@ecole.be"}, fwb.RoleNone, true, nil},
		{"no e-mail", Rejection{Role: "Enseignant"}, fwb.RoleNone, true, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			role, err := resolvable(test.r)
			if role != test.want {
				t.Errorf("role = %q, want %q", role, test.want)
			}
			var refusal *RefusedError
			if got := errors.As(err, &refusal); got != test.refused {
				t.Errorf("err = %v, want refused %v", err, test.refused)
			}
			if test.err != nil && !errors.Is(err, test.err) {
				t.Errorf("err = %v, want %v", err, test.err)
			}
			if !test.refused && test.err == nil && err != nil {
				t.Errorf("err = %v, want nil", err)
			}
		})
	}
}
