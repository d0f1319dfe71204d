package extranet

import (
	netmail "net/mail"
	"strconv"
	"strings"

	"passerelle/frtext"
)

// Subjects of the night run's e-mails.
const (
	SubjectInvitation  = "Votre accès à l'extranet SeGEC"
	SubjectNotice      = "Nouvel accès à l'extranet SeGEC"
	SubjectReactivated = "Votre accès à l'extranet SeGEC est rétabli"
	SubjectRoleChange  = "Votre rôle sur l'extranet SeGEC change"
)

// mailText holds what the e-mails of one person need.
type mailText struct {
	name   string // "Jean Dupont"
	login  string
	grants []PendingGrant
	// changed holds the accesses that continue those of the previous
	// school year with another role (the rentrée).
	changed   []PendingGrant
	portalURL string
	// link: the e-mail carries a sign-in link, written at delivery in
	// place of SignInLinkSlot (welcome.go).
	link bool
}

// accessLines lists the accesses that open, one a line:
// "- École Saint-Joseph (FASE 4242) : Enseignant, année scolaire 2026-2027".
func (m mailText) accessLines(b *strings.Builder) {
	for _, pg := range m.grants {
		g := pg.Grant
		role := g.Target().Role
		school := pg.SchoolName
		if school == "" {
			school = "École"
		}
		b.WriteString("- ")
		b.WriteString(school)
		b.WriteString(" (FASE ")
		b.WriteString(strconv.Itoa(g.FASE))
		b.WriteString(") : ")
		b.WriteString(role)
		b.WriteString(", année scolaire ")
		b.WriteString(g.SchoolYear)
		b.WriteString("\n")
	}
}

// signIn tells how to sign in. The URL stands on a line of its own, since
// mail programs would take a following dot or comma for part of the link.
func (m mailText) signIn(b *strings.Builder) {
	b.WriteString("Pour vous connecter, rendez-vous sur le portail de l'extranet SeGEC")
	if m.portalURL != "" {
		b.WriteString(" :\n\n  " + m.portalURL + "\n\n")
	} else {
		b.WriteString(". ")
	}
	b.WriteString("Indiquez-y votre identifiant, " + m.login + ", ou cette adresse e-mail : le portail vous enverra un lien de connexion.\n")
}

// signInLink gives the invitation's own sign-in link, and the way to get
// another one.
func (m mailText) signInLink(b *strings.Builder) {
	b.WriteString("Pour vous connecter, suivez ce lien personnel, puis cliquez sur « Me connecter » :\n\n  " + SignInLinkSlot + "\n\n")
	b.WriteString("Ce lien vaut 7 jours et ne sert qu'une seule fois. Ensuite, rendez-vous sur le portail de l'extranet SeGEC")
	if m.portalURL != "" {
		b.WriteString(" :\n\n  " + m.portalURL + "\n\n")
	} else {
		b.WriteString(". ")
	}
	b.WriteString("Indiquez-y votre identifiant, " + m.login + ", ou cette adresse e-mail : le portail vous enverra un nouveau lien de connexion.\n")
}

const mailFooter = "\nSi vous ne travaillez pas dans cette école, ne tenez pas compte de ce message et prévenez sa direction.\n\n" +
	"L'équipe de l'extranet SeGEC\n" +
	"Ce message est envoyé automatiquement : merci de ne pas y répondre.\n"

// invitation is the e-mail that opens a new account.
func (m mailText) invitation() (subject, text string) {
	var b strings.Builder
	b.WriteString("Bonjour " + m.name + ",\n\n")
	if len(m.grants) > 1 {
		b.WriteString("Vos écoles vous donnent accès à l'extranet SeGEC :\n\n")
	} else {
		b.WriteString("Votre école vous donne accès à l'extranet SeGEC :\n\n")
	}
	m.accessLines(&b)
	b.WriteString("\nVotre identifiant : " + m.login + "\n\n")
	b.WriteString("Votre compte est prêt : vous pouvez l'utiliser dès maintenant.\n")
	if m.link {
		m.signInLink(&b)
	} else {
		m.signIn(&b)
	}
	b.WriteString(mailFooter)
	return SubjectInvitation, b.String()
}

// notice tells a person with an account which new access opens.
func (m mailText) notice() (subject, text string) {
	var b strings.Builder
	b.WriteString("Bonjour " + m.name + ",\n\n")
	if len(m.grants) > 1 {
		b.WriteString("De nouveaux accès s'ouvrent pour vous sur l'extranet SeGEC :\n\n")
	} else {
		b.WriteString("Un nouvel accès s'ouvre pour vous sur l'extranet SeGEC :\n\n")
	}
	m.accessLines(&b)
	b.WriteString("\nIl s'ajoute à votre compte habituel.\n")
	if len(m.changed) > 0 {
		b.WriteString("\nPour la nouvelle année scolaire, votre rôle change :\n\n")
		mailText{grants: m.changed}.accessLines(&b)
		b.WriteString("\n")
	}
	m.signIn(&b)
	b.WriteString(mailFooter)
	return SubjectNotice, b.String()
}

// roleChange tells a person whose access continues in the new school year
// that their role changes; nothing else does.
func (m mailText) roleChange() (subject, text string) {
	var b strings.Builder
	b.WriteString("Bonjour " + m.name + ",\n\n")
	b.WriteString("Pour la nouvelle année scolaire, votre rôle sur l'extranet SeGEC change :\n\n")
	mailText{grants: m.changed}.accessLines(&b)
	b.WriteString("\nVotre compte et votre identifiant ne changent pas.\n")
	m.signIn(&b)
	b.WriteString(mailFooter)
	return SubjectRoleChange, b.String()
}

// reactivated tells a person whose account was disabled that it opens again.
func (m mailText) reactivated() (subject, text string) {
	var b strings.Builder
	b.WriteString("Bonjour " + m.name + ",\n\n")
	b.WriteString("Votre compte de l'extranet SeGEC est de nouveau ouvert, pour :\n\n")
	m.accessLines(&b)
	b.WriteString("\nVotre identifiant ne change pas.\n")
	m.signIn(&b)
	b.WriteString(mailFooter)
	return SubjectReactivated, b.String()
}

// recipient writes "Jean Dupont <jean.dupont@ecole.be>", quoting or
// encoding the name as needed.
func recipient(last, first, email string) string {
	return (&netmail.Address{Name: frtext.FormatName(last, first), Address: email}).String()
}

// ReadableRecipient writes an e-mail's recipient as a person reads it,
// « Rémy Milord <remy.milord@ecole.be> », rather than in its encoded form
// (« =?utf-8?q?R=C3=A9my_Milord?= <…> »); what it cannot read it returns
// as is.
func ReadableRecipient(to string) string {
	a, err := netmail.ParseAddress(to)
	if err != nil {
		return to
	}
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}
