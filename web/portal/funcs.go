package portal

import (
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/wire"
)

// staticPrefix is where the portal's own static files are served, beside the
// shared ones of web.StaticHandler. The template function "portalStatic"
// gives a file's versioned address.
const staticPrefix = "/static/portail/"

func (s *server) funcs() template.FuncMap {
	return template.FuncMap{
		"chrome": func(data any) *chrome {
			if c, ok := data.(hasChrome); ok {
				return c.base()
			}
			return nil
		},
		"portalStatic": s.static.URL,
		"name":         frtext.FormatName,
		"listName":     frtext.ListName,
		"maskEmail":    extranet.MaskEmail,
		"isoDate":      isoDate,
		"grantState":   grantStateLabel,
		"grantBadge":   grantStateBadge,
		"accountState": accountStateLabel,
		"accountBadge": accountStateBadge,
		"auditAction":  auditActionLabel,
		"outcome":      outcomeLabel,
		"messages":     changeMessages,
		"segments":     linkSegments,
		"join":         strings.Join,
		"itoa":         strconv.Itoa,
		"duration":     frtext.FormatDuration,
		"heldNames":    heldNames,
		"sender":       senderLabel,
		"recipient":    extranet.ReadableRecipient,
		"plural":       frtext.Plural,
		"word": func(n int, one, many string) string {
			if n <= 1 {
				return one
			}
			return many
		},
		"inputDate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(frtext.Brussels).Format("2006-01-02")
		},
	}
}

// isoDate writes "1980-05-04" as "04/05/1980".
func isoDate(s string) string {
	if len(s) != 10 {
		return s
	}
	return s[8:10] + "/" + s[5:7] + "/" + s[0:4]
}

func grantStateLabel(state string) string {
	switch state {
	case extranet.GrantPending:
		return "en attente jusqu'à la nuit"
	case extranet.GrantActive:
		return "actif"
	case extranet.GrantDeactivated:
		return "désactivé"
	}
	return state
}

func grantStateBadge(state string) string {
	switch state {
	case extranet.GrantPending:
		return "badge-warning"
	case extranet.GrantActive:
		return "badge-success"
	case extranet.GrantDeactivated:
		return "badge-error"
	}
	return ""
}

func accountStateLabel(state string) string {
	switch state {
	case extranet.AccountInvited:
		return "invité"
	case extranet.AccountActive:
		return "actif"
	case extranet.AccountDisabled:
		return "désactivé"
	}
	return state
}

func accountStateBadge(state string) string {
	switch state {
	case extranet.AccountInvited:
		return "badge-warning"
	case extranet.AccountActive:
		return "badge-success"
	case extranet.AccountDisabled:
		return "badge-error"
	}
	return ""
}

// auditActions are the audit log's actions in French, in the order of the
// journal's filter.
var auditActions = []struct{ Action, Label string }{
	{extranet.AuditTransferApplied, "Transfert fait"},
	{extranet.AuditTransferHeld, "Transfert suspendu"},
	{extranet.AuditHeldDismissed, "Transfert suspendu classé"},
	{extranet.AuditSchoolAdded, "École inscrite"},
	{extranet.AuditTokenRotated, "Nouveau jeton"},
	{extranet.AuditTokensRevoked, "Jetons révoqués"},
	{extranet.AuditNightRun, "Traitement de nuit"},
	{extranet.AuditNightRequested, "Nuit lancée par un opérateur"},
	{extranet.AuditRejectionLinked, "Entrée rattachée à une personne"},
	{extranet.AuditRejectionNewPerson, "Entrée : nouvelle personne"},
	{extranet.AuditAccountDisabled, "Compte désactivé"},
	{extranet.AuditAccountEnabled, "Compte réactivé"},
	{extranet.AuditInvitationResent, "Invitation renvoyée"},
	{extranet.AuditIdentityMatch, "Rapprochement d'identité"},
	{extranet.AuditMatchReviewed, "Rapprochement vérifié"},
	{extranet.AuditAddressesLinked, "Adresses reliées"},
	{extranet.AuditGrantDisputed, "« Ce n'est pas moi »"},
	{extranet.AuditDisputeDecided, "Accès contesté : décision"},
	{extranet.AuditStaffSignIn, "Connexion au portail"},
	{extranet.AuditOperatorSignIn, "Connexion d'un opérateur"},
	{extranet.AuditOperatorSignInFailed, "Échec de connexion d'un opérateur"},
	{extranet.AuditOperatorAdded, "Opérateur créé"},
	{extranet.AuditContentSaved, "Contenu publié"},
	{extranet.AuditContentDeleted, "Contenu retiré"},
	{extranet.AuditSCIMHeld, "Désactivations SCIM suspendues"},
	{extranet.AuditSCIMConfirmed, "Désactivations SCIM confirmées"},
}

func auditActionLabel(action string) string {
	for _, a := range auditActions {
		if a.Action == action {
			return a.Label
		}
	}
	return action
}

func outcomeLabel(o string) string {
	switch o {
	case extranet.OutcomeApplied:
		return "fait"
	case extranet.OutcomeHeld:
		return "suspendu"
	}
	return o
}

// message is one line of a transfer as the school's module shows it.
type message struct {
	Kind string // information, avertissement, erreur: the CSS class msg-<kind>
	Text string
}

// changeMessages writes a transfer's changes as the school's messages, with
// the school's own wording and order (wire.ChangeLines): Non transféré
// for the rejected entries, then Modifié, Créé, Désactivé, each by name.
func changeMessages(changes []wire.Change) []message {
	lines := wire.ChangeLines(changes)
	out := make([]message, 0, len(lines))
	for _, l := range lines {
		out = append(out, message{Kind: messageKind(l), Text: l})
	}
	return out
}

// messageKind is the severity a line starts with ("Erreur : …" → erreur),
// so that its colour can never disagree with its text.
func messageKind(line string) string {
	kind, _, _ := strings.Cut(line, " : ")
	return strings.ToLower(kind)
}

// segment is a piece of an e-mail's text: plain, or a link.
type segment struct {
	Text string
	URL  string
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"']+`)

// linkSegments cuts a text into plain pieces and http(s) links, so that the
// template escapes the text and makes the links clickable without any
// template.HTML.
func linkSegments(text string) []segment {
	var out []segment
	last := 0
	for _, m := range urlPattern.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		// A sentence's final punctuation is not part of the address.
		for end > start && strings.ContainsRune(".,;:!?)", rune(text[end-1])) {
			end--
		}
		if start > last {
			out = append(out, segment{Text: text[last:start]})
		}
		out = append(out, segment{Text: text[start:end], URL: text[start:end]})
		last = end
	}
	if last < len(text) {
		out = append(out, segment{Text: text[last:]})
	}
	return out
}
