package transfer

import (
	"fmt"
	"slices"
	"strings"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// Closing lines of a transfer the extranet applied, and the line that ends a
// dry run instead. docs/transfer.md gives their wording.
const (
	LineDone     = "Le transfert est fait."
	LineNotNow   = "Attention ! Les accès à l'extranet SeGEC ne sont pas immédiats. Il faut attendre une nuit avant d'avoir accès au portail."
	LineDryRun   = "Aperçu : rien n'a été transféré."
	LineNoChange = "Information : Aucun changement."
)

// dash separates a name from a role or a reason (wire.Dash).
const dash = wire.Dash

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
// answered, in the order of docs/transfer.md: Complété, Erreur (members held back by the
// school and entries the extranet rejected), Modifié, Créé, Désactivé, each
// kind sorted by name; "Aucun changement." when no role was completed and
// nothing changed on the extranet; then the two closing lines, or the
// preview line for a dry run. The extranet's changes are worded by
// wire.ChangeLine, as the portal words them.
func Messages(sel Selection, res wire.TransferResult, dryRun bool) []string {
	var completed, errs []line
	var changes []wire.Change
	for _, c := range sel.Completions {
		completed = append(completed, line{c.LastName, c.FirstName,
			"Information : Complété Rôle Extranet \"" + string(c.Role) + "\" chez " + frtext.FormatName(c.LastName, c.FirstName)})
	}
	for _, h := range sel.HeldBack {
		errs = append(errs, line{h.LastName, h.FirstName, heldBackLine(h)})
	}
	for _, ch := range res.Changes {
		if ch.Action != wire.ActionRejected {
			changes = append(changes, ch)
			continue
		}
		// Rejected entries sort among the members the school held back.
		if text, ok := wire.ChangeLine(ch); ok {
			errs = append(errs, line{ch.LastName, ch.FirstName, text})
		}
	}
	// Modifié, Créé, Désactivé, each sorted by name; a Modifié line is
	// followed by what changed.
	changed := withDetails(wire.ChangeLines(changes), changes)
	var out []string
	for _, kind := range [][]line{completed, errs} {
		sortLines(kind)
		for _, l := range kind {
			out = append(out, l.text)
		}
	}
	out = append(out, changed...)
	if line, ok := RenewedLine(res); ok {
		out = append(out, line)
	}
	if len(completed)+len(changed) == 0 {
		out = append(out, LineNoChange)
	}
	if dryRun {
		return append(out, LineDryRun)
	}
	return append(out, LineDone, LineNotNow)
}

// RenewedLine is the summary line of the accesses a transfer of a new
// school year renews (wire.Counts.Renewed): each stays a « Créé Rôle »
// line, since roles are per school year, and this line says that the people
// keep working as before, without an e-mail. ok is false when none.
func RenewedLine(res wire.TransferResult) (string, bool) {
	n := res.Counts.Renewed
	if n == 0 {
		return "", false
	}
	return "Information : " + frtext.Plural(n, "accès renouvelé", "accès renouvelés") + " pour l'année scolaire " +
		res.SchoolYear + dash + "ces personnes gardent leur accès, sans nouveau courriel.", true
}

// heldBackLine is the Erreur line of a member the school holds back, in
// the extranet's words (wire.NotTransferredLine) agreed with the person:
// « Non transférée » for a woman. The extranet's own rejections name no sex
// and keep the masculine.
func heldBackLine(h HeldBack) string {
	l := wire.NotTransferredLine(h.LastName, h.FirstName, h.Reason)
	if h.Sex == fwb.SexFemale {
		l = strings.Replace(l, notTransferred, notTransferred+"e", 1)
	}
	return l
}

// notTransferred is the words of an Erreur line before the name.
const notTransferred = "Non transféré"

// DetailPrefix starts the line that follows a « Modifié » line and says what
// changed: "↳ e-mail : a@ecole.be → b@ecole.be ; rôle : Enseignant →
// Directeur". The help page's line stays as it is, above it.
const DetailPrefix = "↳ "

// withDetails puts after each « Modifié » line of lines the line that says
// what changed, found among changes by the line's text.
func withDetails(lines []string, changes []wire.Change) []string {
	details := map[string]string{}
	for _, ch := range changes {
		if ch.Action != wire.ActionModified {
			continue
		}
		if text, ok := wire.ChangeLine(ch); ok {
			if d := ChangeDetail(ch); d != "" {
				details[text] = d
			}
		}
	}
	out := make([]string, 0, len(lines)+len(details))
	for _, l := range lines {
		out = append(out, l)
		if d, ok := details[l]; ok {
			out = append(out, d)
		}
	}
	return out
}

// ChangeDetail words what a modification changed, before → after; "" when
// neither the e-mail nor the role did (a name corrected).
func ChangeDetail(ch wire.Change) string {
	var parts []string
	if ch.PreviousEmail != "" && ch.PreviousEmail != ch.Email {
		parts = append(parts, "e-mail : "+ch.PreviousEmail+" → "+ch.Email)
	}
	if ch.PreviousRole != "" && ch.PreviousRole != ch.Role {
		parts = append(parts, "rôle : "+ch.PreviousRole+" → "+ch.Role)
	}
	if len(parts) == 0 {
		return ""
	}
	return DetailPrefix + strings.Join(parts, " ; ")
}

// HeldMessages returns the lines of a transfer the extranet held because it
// would deactivate too many people: the deactivations it would make, sorted
// by name, then the suspension line with the count to confirm. withFlag adds
// the command-line hint "(--confirm-deactivations K)"; the web page phrases
// its own confirmation and leaves it out.
func HeldMessages(changes []wire.Change, count int, withFlag bool) []string {
	var deactivated []wire.Change
	for _, ch := range changes {
		if ch.Action == wire.ActionDeactivated {
			deactivated = append(deactivated, ch)
		}
	}
	return append(wire.ChangeLines(deactivated), HeldLine(count, withFlag))
}

// HeldLine is the suspension line of a held transfer.
func HeldLine(count int, withFlag bool) string {
	s := fmt.Sprintf("Avertissement : Transfert suspendu%s%d désactivations à confirmer", dash, count)
	if withFlag {
		s += fmt.Sprintf(" (--confirm-deactivations %d)", count)
	}
	return s + "."
}
