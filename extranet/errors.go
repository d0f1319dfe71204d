package extranet

import (
	"fmt"
	"strings"

	"passerelle/frtext"
	"passerelle/internal/errs"
	"passerelle/wire"
)

// Errors of the Service. Messages are French since they reach people; the api
// package maps them to HTTP statuses (see each comment).
var (
	// ErrBadToken: the token is unknown or revoked (401).
	ErrBadToken = errs.New("jeton d'accès inconnu ou révoqué : demandez un nouveau jeton à l'extranet SeGEC")
	// ErrUnknownSchool: no school has this FASE number (404).
	ErrUnknownSchool = errs.New("école inconnue de l'extranet : vérifiez le numéro FASE")
	// ErrSchoolExists: AddSchool for a FASE already known (409).
	ErrSchoolExists = errs.New("cette école est déjà inscrite à l'extranet : faites plutôt une rotation de son jeton")
	// ErrIdempotencyConflict: an idempotency key reused with another body (422).
	ErrIdempotencyConflict = errs.New("cette clé d'idempotence a déjà servi pour un autre envoi : utilisez une nouvelle clé pour un envoi différent")
	// ErrNightRunning: another night run holds the lock.
	ErrNightRunning = errs.New("un traitement de nuit est déjà en cours : attendez qu'il se termine")
	// ErrNotFound is returned, wrapped, when a looked-up row does not exist
	// (errs.ErrNotFound, the same value on both sides).
	ErrNotFound = errs.ErrNotFound
)

// Problem is one reason why a snapshot is invalid. Index is the position of
// the staff or keep entry, or -1 for a field of the snapshot itself; Field
// names the field as in the JSON, e.g. "staff[3].email".
type Problem struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError tells that a snapshot is invalid (422): nothing was
// applied.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("envoi invalide, rien n'a été appliqué")
	for i, p := range e.Problems {
		if i == 5 {
			b.WriteString(" ; et " + frtext.Plural(len(e.Problems)-i, "autre problème", "autres problèmes"))
			break
		}
		sep := " : "
		if i > 0 {
			sep = " ; "
		}
		fmt.Fprintf(&b, "%s%s : %s", sep, p.Field, p.Message)
	}
	return b.String()
}

// HeldError tells that the guard held a transfer (409): it would deactivate
// Deactivations grants, more than the school may lose without confirming.
// Nothing was applied; the same snapshot with ConfirmDeactivations equal to
// Deactivations is. Result lists every change the transfer would make.
type HeldError struct {
	Deactivations int
	Result        wire.TransferResult
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("transfert suspendu : %d désactivations à confirmer (renvoyez le même envoi avec confirmDeactivations = %d)", e.Deactivations, e.Deactivations)
}
