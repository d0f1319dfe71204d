package schoolui

import (
	"net/http"
	"strings"

	"passerelle/fwb"
	"passerelle/school"
)

// rolePlan is what a function gives on the fiche: its usual extranet role
// and whether it is a fonction de promotion (the direction's).
type rolePlan struct {
	Role      fwb.Role
	Promotion bool
}

// functionRole is the role and promotion flag the function code usually
// goes with; ok is false for a code the table does not know.
func functionRole(t *fwb.Tables, code string) (rolePlan, bool) {
	f, ok := t.Function(code)
	if !ok {
		return rolePlan{}, false
	}
	if f.Director {
		return rolePlan{fwb.RoleDirecteur, true}, true
	}
	return rolePlan{f.Role, false}, true
}

// proposal is the fiche's suggestion after a change of function whose usual
// role differs from the one encoded (IP → DC: Directeur and the promotion
// box). Nothing is saved until the person has seen it.
type proposal struct {
	Function string // "DC (Directeur avec classe)"
	Role     fwb.Role
	// Promotion is the box the function calls for.
	Promotion bool
}

// proposeRole returns the proposal for row, typed over stored, or nil when
// the function did not change, the person already saw the proposal
// (field "proposition-vue", set by the page or its script), or the role
// and the box already fit. An empty role is left to the transfer, which
// completes it from the function.
func (s *server) proposeRole(r *http.Request, stored, row school.Row) *proposal {
	if r.PostFormValue("proposition-vue") != "" || strings.EqualFold(stored.Situation.Function, row.Situation.Function) {
		return nil
	}
	plan, ok := functionRole(s.tables, row.Situation.Function)
	if !ok {
		return nil
	}
	st := row.Situation
	roleFits := st.Role == fwb.RoleNone || st.Role == plan.Role || plan.Role == fwb.RoleNone
	if roleFits && st.Promotion == plan.Promotion {
		return nil
	}
	p := &proposal{Function: st.Function, Role: st.Role, Promotion: plan.Promotion}
	if !roleFits {
		p.Role = plan.Role
	}
	if f, ok := s.tables.Function(st.Function); ok {
		p.Function = f.Display()
	}
	return p
}

// apply writes the proposal into the form shown again.
func (p *proposal) apply(f ficheForm) ficheForm {
	f.Role, f.Promotion = string(p.Role), p.Promotion
	return f
}
