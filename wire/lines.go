package wire

import (
	"slices"

	"passerelle/frtext"
)

// The message lines of a transfer's changes, in the forms of docs/transfer.md
// ("Messages"). The school (package transfer) and the extranet's portal both
// write a change with these functions, so that the two sides can never word
// one differently.

// Dash separates a person's name from a role or a reason: an en dash
// (U+2013) with a space on each side, as the school software writes it.
const Dash = " \u2013 "

// ChangeLine returns the message line of one change:
//
//	Information : Modifié Rôle Jean Dupont – Enseignant
//	Avertissement : Créé Rôle Jean Dupont – Enseignant
//	Avertissement : Désactivé Rôle Jean Dupont – Enseignant
//	Erreur : Non transféré Jean Dupont – <reason>
//
// Modifié names the new role, Désactivé the role deactivated (the previous
// one when the change leaves Role empty). ok is false for a change that has
// no line: an unchanged entry, or an unknown action.
func ChangeLine(c Change) (line string, ok bool) {
	name := frtext.FormatName(c.LastName, c.FirstName)
	switch c.Action {
	case ActionModified:
		return "Information : Modifié Rôle " + name + Dash + c.Role, true
	case ActionCreated:
		return "Avertissement : Créé Rôle " + name + Dash + c.Role, true
	case ActionDeactivated:
		role := c.Role
		if role == "" {
			role = c.PreviousRole
		}
		return "Avertissement : Désactivé Rôle " + name + Dash + role, true
	case ActionRejected:
		return NotTransferredLine(c.LastName, c.FirstName, c.Reason), true
	}
	return "", false
}

// NotTransferredLine is the line of someone not transferred: an entry the
// extranet rejected, or a member the school held back, with the reason.
func NotTransferredLine(last, first, reason string) string {
	return "Erreur : Non transféré " + frtext.FormatName(last, first) + Dash + reason
}

// lineOrder is the order of the kinds of lines: Erreur, Modifié, Créé,
// Désactivé.
var lineOrder = map[string]int{
	ActionRejected: 0, ActionModified: 1, ActionCreated: 2, ActionDeactivated: 3,
}

// ChangeLines returns the lines of changes (ChangeLine) in docs/transfer.md's
// order: Erreur, Modifié, Créé, Désactivé; within one kind by last name then
// first name in French collation (frtext.CompareNames), then by text.
// Changes without a line are left out.
func ChangeLines(changes []Change) []string {
	type line struct {
		order       int
		last, first string
		text        string
	}
	ls := make([]line, 0, len(changes))
	for _, c := range changes {
		if text, ok := ChangeLine(c); ok {
			ls = append(ls, line{lineOrder[c.Action], c.LastName, c.FirstName, text})
		}
	}
	slices.SortStableFunc(ls, func(a, b line) int {
		if d := a.order - b.order; d != 0 {
			return d
		}
		if c := frtext.CompareNames(a.last, a.first, b.last, b.first); c != 0 {
			return c
		}
		return frtext.Compare(a.text, b.text)
	})
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}
