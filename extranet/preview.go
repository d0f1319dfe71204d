package extranet

import (
	"context"
	"errors"
	"time"

	"passerelle/fwb"
)

// FieldChange is one field of a person's identity that a decision changes.
type FieldChange struct {
	Field, Before, After string // French label; values as shown ("" reads « aucun »)
}

// RejectionPreview is what deciding a rejected entry would do, for the
// operator to confirm: the identity change and the access given.
type RejectionPreview struct {
	Rejection Rejection
	NewPerson bool
	Person    Person        // after the decision
	Changes   []FieldChange // the identity's fields that change (a new person: all)
	Role      string        // the access given, pending until OpensAt
	OpensAt   time.Time
}

// errPreview rolls the preview's transaction back.
var errPreview = errors.New("aperçu : rien n'est enregistré")

// PreviewRejection returns what ResolveRejection would do with the same
// arguments, or the error it would return, and writes nothing: the decision
// runs in a transaction that is rolled back.
func (p *Portal) PreviewRejection(ctx context.Context, rejectionID, personID string) (RejectionPreview, error) {
	var pv RejectionPreview
	err := p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		pv = RejectionPreview{NewPerson: personID == ""}
		var before Person
		if personID != "" {
			var err error
			if before, err = tx.LockPerson(ctx, personID); err != nil {
				return err
			}
		}
		after, err := p.resolve(ctx, tx, rejectionID, personID, "preview")
		if err != nil {
			return err
		}
		if pv.Rejection, err = tx.LockRejection(ctx, rejectionID); err != nil {
			return err
		}
		pv.Person, pv.Changes = after, identityChanges(before, after)
		return errPreview
	})
	if !errors.Is(err, errPreview) {
		return RejectionPreview{}, err
	}
	if role, err := fwb.ParseRole(pv.Rejection.Role); err == nil {
		pv.Role = string(role)
	}
	pv.OpensAt = p.Service.NextNightRun()
	return pv, nil
}

// identityChanges lists the fields of a person that differ.
func identityChanges(before, after Person) []FieldChange {
	var out []FieldChange
	add := func(field, b, a string) {
		if b != a {
			out = append(out, FieldChange{Field: field, Before: b, After: a})
		}
	}
	add("Nom", before.LastName, after.LastName)
	add("Prénom", before.FirstName, after.FirstName)
	add("Date de naissance", isoToFrench(before.BirthDate), isoToFrench(after.BirthDate))
	add("Matricule", before.Matricule, after.Matricule)
	return out
}

// isoToFrench writes "1980-05-04" as "04/05/1980".
func isoToFrench(s string) string {
	if len(s) != 10 {
		return s
	}
	return s[8:10] + "/" + s[5:7] + "/" + s[0:4]
}
