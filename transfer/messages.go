package transfer

import (
	"fmt"
	"slices"

	"passerelle/extranet"
	"passerelle/frtext"
)

// Closing lines of a transfer the extranet applied, and the line that ends a
// dry run instead. design.md fixes their wording.
const (
	LineDone     = "Le transfert est fait."
	LineNotNow   = "Attention ! Les accès à l'extranet SeGEC ne sont pas immédiats. Il faut attendre une nuit avant d'avoir accès au portail."
	LineDryRun   = "Aperçu : rien n'a été transféré."
	LineNoChange = "Information : Aucun changement."
)

// dash separates a name from a role or a reason: an en dash with a space on
// each side, as the school software writes it.
const dash = " \u2013 "

// line is one message with the name it sorts by.
type line struct {
	last, first string
	text        string
}

// sortLines orders lines of one kind by last name then first name, in French
// collation, so that "Élodie Écrivain" sorts among the E's.
func sortLines(ls []line) {
	slices.SortStableFunc(ls, func(a, b line) int {
		if c := frtext.CompareNames(a.last, a.first, b.last, b.first); c != 0 {
			return c
		}
		return frtext.Compare(a.text, b.text)
	})
}

// Messages returns the lines a user reads after a transfer the extranet
// answered, in design.md's order: Complété, Erreur (members held back by the
// school and entries the extranet rejected), Modifié, Créé, Désactivé, each
// kind sorted by name; "Aucun changement." when no role was completed and
// nothing changed on the extranet; then the two closing lines, or the
// preview line for a dry run.
func Messages(sel Selection, res extranet.TransferResult, dryRun bool) []string {
	var completed, errs, modified, created, deactivated []line
	for _, c := range sel.Completions {
		completed = append(completed, line{c.LastName, c.FirstName,
			"Information : Complété Rôle Extranet \"" + string(c.Role) + "\" chez " + frtext.FormatName(c.LastName, c.FirstName)})
	}
	for _, h := range sel.HeldBack {
		errs = append(errs, errorLine(h.LastName, h.FirstName, h.Reason))
	}
	for _, ch := range res.Changes {
		name := frtext.FormatName(ch.LastName, ch.FirstName)
		switch ch.Action {
		case extranet.ActionRejected:
			errs = append(errs, errorLine(ch.LastName, ch.FirstName, ch.Reason))
		case extranet.ActionModified:
			modified = append(modified, line{ch.LastName, ch.FirstName, "Information : Modifié Rôle " + name + dash + ch.Role})
		case extranet.ActionCreated:
			created = append(created, line{ch.LastName, ch.FirstName, "Avertissement : Créé Rôle " + name + dash + ch.Role})
		case extranet.ActionDeactivated:
			deactivated = append(deactivated, deactivatedLine(ch))
		}
	}
	var out []string
	for _, kind := range [][]line{completed, errs, modified, created, deactivated} {
		sortLines(kind)
		for _, l := range kind {
			out = append(out, l.text)
		}
	}
	if len(completed)+len(modified)+len(created)+len(deactivated) == 0 {
		out = append(out, LineNoChange)
	}
	if dryRun {
		return append(out, LineDryRun)
	}
	return append(out, LineDone, LineNotNow)
}

// HeldMessages returns the lines of a transfer the extranet held because it
// would deactivate too many people: the deactivations it would make, sorted
// by name, then the suspension line with the count to confirm. withFlag adds
// the command-line hint "(--confirm-deactivations K)"; the web page phrases
// its own confirmation and leaves it out.
func HeldMessages(changes []extranet.Change, count int, withFlag bool) []string {
	var ls []line
	for _, ch := range changes {
		if ch.Action == extranet.ActionDeactivated {
			ls = append(ls, deactivatedLine(ch))
		}
	}
	sortLines(ls)
	out := make([]string, 0, len(ls)+1)
	for _, l := range ls {
		out = append(out, l.text)
	}
	return append(out, HeldLine(count, withFlag))
}

// HeldLine is the suspension line of a held transfer.
func HeldLine(count int, withFlag bool) string {
	s := fmt.Sprintf("Avertissement : Transfert suspendu%s%d désactivations à confirmer", dash, count)
	if withFlag {
		s += fmt.Sprintf(" (--confirm-deactivations %d)", count)
	}
	return s + "."
}

func errorLine(last, first, reason string) line {
	return line{last, first, "Erreur : Non transféré " + frtext.FormatName(last, first) + dash + reason}
}

// deactivatedLine names the role that was deactivated; the extranet gives it
// as the change's role, or as its previous role when it leaves the role empty.
func deactivatedLine(ch extranet.Change) line {
	role := ch.Role
	if role == "" {
		role = ch.PreviousRole
	}
	return line{ch.LastName, ch.FirstName, "Avertissement : Désactivé Rôle " + frtext.FormatName(ch.LastName, ch.FirstName) + dash + role}
}
