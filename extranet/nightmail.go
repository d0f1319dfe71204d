package extranet

// The night run's e-mails, one set a person: who is told what, at which
// address (docs/security.md). An address proves control of that address,
// nothing more: each e-mail lists only the accesses given to the address it
// goes to, and an access that a school gives at another address than the
// account's own is told to the account's address too, with « Ce n'est pas
// moi ».

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/token"
)

// SubjectForeignAccess is the subject of the notice sent to an account's
// address when a school opens an access for its person at another address.
const SubjectForeignAccess = "Un accès a été ouvert à votre nom sur l'extranet SeGEC"

// nightMail collects the e-mails and the « Ce n'est pas moi » notices of a
// batch of the night run.
type nightMail struct {
	from, nightID, portalURL string
	now                      time.Time
	messages                 []OutboxMessage
	disputes                 []GrantNotice
}

func (m *nightMail) add(kind, personID, last, first, to, subject, body string) {
	m.messages = append(m.messages, OutboxMessage{
		ID: NewID(), Kind: kind, PersonID: personID, NightID: m.nightID,
		From: m.from, To: recipient(last, first, to), Subject: subject, Text: body, CreatedAt: m.now,
	})
}

// byAddress groups grants by the address their school gives them (after
// the night), in the order of first appearance.
func byAddress(grants []PendingGrant, keep func(PendingGrant) bool) (order []string, by map[string][]PendingGrant) {
	by = map[string][]PendingGrant{}
	for _, pg := range grants {
		if !keep(pg) {
			continue
		}
		_, email, _, _ := pg.Grant.Target()
		if _, ok := by[email]; !ok {
			order = append(order, email)
		}
		by[email] = append(by[email], pg)
	}
	return order, by
}

func waiting(pg PendingGrant) bool { return pg.Grant.Pending != PendingNone }
func created(pg PendingGrant) bool { return pg.Grant.Pending == PendingCreated }

// namesOf returns the names a school gives with its grant.
func namesOf(pg PendingGrant) (last, first string) {
	_, _, last, first = pg.Grant.Target()
	return last, first
}

// newAccount opens the account of a person who has none: its address is the
// one the first school gives, where the invitation goes.
func newAccount(p Person, grants []PendingGrant, taken map[string]bool, now time.Time) Account {
	base := LoginBase(p)
	login := Login(base, taken)
	taken[login] = true
	_, email, _, _ := grants[0].Grant.Target()
	return Account{ID: NewID(), PersonID: p.ID, Login: login, LoginBase: base, Email: email,
		State: AccountInvited, CreatedAt: now, UpdatedAt: now}
}

// followedEmail returns the account's address after the night: a school
// that gave the account's address and now gives another moves it (a school
// vouches for its own staff's addresses); no other school can.
func followedEmail(current string, grants []PendingGrant) string {
	for _, pg := range grants {
		g := pg.Grant
		if g.Pending == PendingModified && g.Email == current && g.PendingEmail != current {
			return g.PendingEmail
		}
	}
	return current
}

// ownNames returns the person with the names of the latest grant opened or
// changed at one of the account's own addresses, and whether they changed:
// the shared display name comes from the account holder's own grants, never
// from another school's spelling.
func ownNames(p Person, acc Account, linked []string, grants []PendingGrant) (Person, bool) {
	last, first := p.LastName, p.FirstName
	for _, pg := range grants {
		_, email, l, f := pg.Grant.Target()
		if waiting(pg) && (email == acc.Email || slices.Contains(linked, email)) {
			last, first = l, f
		}
	}
	if last == p.LastName && first == p.FirstName {
		return p, false
	}
	p.LastName, p.FirstName = last, first
	p.IdentityKey = IdentityKey(last, first, p.BirthDate)
	return p, true
}

// invitations writes a new account's invitations: one to each address its
// schools give, listing the accesses given to that address.
func (m *nightMail) invitations(personID string, acc Account, grants []PendingGrant, _ []string, c *batchCounts) {
	order, by := byAddress(grants, waiting)
	for _, email := range order {
		last, first := namesOf(by[email][0])
		text := mailText{name: frtext.FormatName(last, first), login: acc.Login, grants: by[email], portalURL: m.portalURL, link: true}
		subject, body := text.invitation()
		m.add(MailInvitation, personID, last, first, email, subject, body)
		c.invitations++
	}
}

// notices tells an open account of the accesses that open at its own
// addresses; a modification alone sends nothing.
func (m *nightMail) notices(personID string, acc Account, grants []PendingGrant, own []string, c *batchCounts) {
	opened := filter(grants, func(pg PendingGrant) bool { return created(pg) && ownGrant(pg, own) })
	if len(opened) == 0 {
		return
	}
	last, first := namesOf(opened[len(opened)-1])
	text := mailText{name: frtext.FormatName(last, first), login: acc.Login, grants: opened, portalURL: m.portalURL}
	subject, body := text.notice()
	m.add(MailNotice, personID, last, first, acc.Email, subject, body)
	c.notices++
}

// reactivated tells an account the night run had disabled that it opens
// again, for the accesses at its own addresses.
func (m *nightMail) reactivated(personID string, acc Account, grants []PendingGrant, own []string, c *batchCounts) {
	mine := filter(grants, func(pg PendingGrant) bool { return waiting(pg) && ownGrant(pg, own) })
	if len(mine) == 0 {
		return
	}
	last, first := namesOf(mine[len(mine)-1])
	text := mailText{name: frtext.FormatName(last, first), login: acc.Login, grants: mine, portalURL: m.portalURL}
	subject, body := text.reactivated()
	m.add(MailNotice, personID, last, first, acc.Email, subject, body)
	c.notices++
}

// foreign handles the accesses a school opens for the person at another
// address than the account's own: the account's address is told, with a
// « Ce n'est pas moi » link, and the new address gets an invitation to its
// school's access only.
func (m *nightMail) foreign(p Person, acc Account, grants []PendingGrant, own []string, c *batchCounts) {
	order, by := byAddress(grants, func(pg PendingGrant) bool { return created(pg) && !ownGrant(pg, own) })
	for _, email := range order {
		for _, pg := range by[email] {
			tok := token.New(tokenBytes)
			last, first := namesOf(pg)
			g := pg.Grant
			m.disputes = append(m.disputes, GrantNotice{
				TokenHash: token.Hash(tok), GrantID: g.ID, PersonID: p.ID, AccountID: acc.ID,
				FASE: g.FASE, SchoolName: pg.SchoolName, SchoolYear: g.SchoolYear, Role: g.Role,
				NotifiedEmail: acc.Email, GrantEmail: email, LastName: last, FirstName: first, CreatedAt: m.now,
			})
			body := foreignNotice(frtext.FormatName(p.LastName, p.FirstName), pg, email, m.disputeURL(tok))
			m.add(MailNotice, p.ID, p.LastName, p.FirstName, acc.Email, SubjectForeignAccess, body)
			c.notices++
		}
		last, first := namesOf(by[email][0])
		text := mailText{name: frtext.FormatName(last, first), login: acc.Login, grants: by[email], portalURL: m.portalURL, link: true}
		subject, body := text.invitation()
		m.add(MailInvitation, p.ID, last, first, email, subject, body)
		c.invitations++
	}
}

func (m *nightMail) disputeURL(tok string) string {
	return strings.TrimSuffix(m.portalURL, "/") + "/pas-moi?jeton=" + tok
}

func ownGrant(pg PendingGrant, own []string) bool {
	_, email, _, _ := pg.Grant.Target()
	return slices.Contains(own, email)
}

func filter(grants []PendingGrant, keep func(PendingGrant) bool) []PendingGrant {
	var out []PendingGrant
	for _, pg := range grants {
		if keep(pg) {
			out = append(out, pg)
		}
	}
	return out
}

// foreignNotice is the text told to an account's address about an access
// opened at another address.
func foreignNotice(name string, pg PendingGrant, email, disputeURL string) string {
	g := pg.Grant
	return "Bonjour " + name + ",\n\n" +
		"L'école " + schoolName(pg.SchoolName) + " (FASE " + strconv.Itoa(g.FASE) + ") a ouvert à votre nom un accès " +
		g.Role + " à l'extranet SeGEC, pour l'année scolaire " + g.SchoolYear + ", avec une autre adresse e-mail que la vôtre :\n\n" +
		"  " + email + "\n\n" +
		"Si c'est bien vous (votre adresse dans cette école, par exemple), vous n'avez rien à faire : connectez-vous au portail " +
		"avec cette adresse-là, puis, si vous le souhaitez, reliez vos deux adresses depuis « Mes accès ».\n\n" +
		"Si ce n'est pas vous, signalez-le en suivant ce lien « Ce n'est pas moi » : cet accès sera aussitôt séparé de votre compte " +
		"et l'équipe de l'extranet vérifiera avec l'école.\n\n" +
		"  " + disputeURL + "\n\n" +
		"Cet accès ne donne rien à votre compte : ni la personne qui utilise cette adresse ni l'école ne voient vos autres accès.\n\n" +
		"L'équipe de l'extranet SeGEC\n" +
		"Ce message est envoyé automatiquement : merci de ne pas y répondre.\n"
}
