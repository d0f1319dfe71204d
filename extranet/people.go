package extranet

import (
	"context"
	"time"
)

// NoAccount is the AccountFilter.State that selects the persons the
// extranet knows who have no account yet.
const NoAccount = "none"

// PersonRecord is a person the extranet knows, with or without an account,
// as the console's « Comptes » lists them.
type PersonRecord struct {
	Person  Person
	Account Account // zero (ID "") when the person has no account yet
	// The person's grants by state, and an address a school gave them
	// (for a person without account).
	Active, Pending, Deactivated int
	Email                        string
}

// PeopleStore searches the persons the extranet knows.
type PeopleStore interface {
	// SearchPeople lists the persons matching f, with their account if
	// any: Query matches the login, an address (the account's or one a
	// school gave), the matricule or the names (case and accents folded);
	// State is an account state or NoAccount. In French order of names.
	SearchPeople(ctx context.Context, f AccountFilter) ([]PersonRecord, error)
	// Operators lists the operators by name.
	Operators(ctx context.Context) ([]Operator, error)
}

// WhyNoAccount says in French why a person has no account yet, for the
// console; next is the next night run. It returns "" when there is an
// account.
func (r PersonRecord) WhyNoAccount(next time.Time) string {
	switch {
	case r.Account.ID != "":
		return ""
	case r.Pending > 0:
		return "accès en attente : le compte sera créé par le traitement de nuit du " + nightDate(next)
	case r.Active > 0:
		return "accès ouvert sans compte : le compte sera créé au prochain changement de ses accès"
	case r.Deactivated > 0:
		return "ses accès ont été désactivés avant qu'un traitement de nuit les ouvre : aucun compte n'a été créé"
	}
	return "aucun accès : aucune école ne lui en a donné"
}
