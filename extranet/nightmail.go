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
		email := pg.Grant.Target().Email
		if _, ok := by[email]; !ok {
			order = append(order, email)
		}
		by[email] = append(by[email], pg)
	}
	return order, by
}

func waiting(pg PendingGrant) bool  { return pg.Grant.Pending != PendingNone }
func created(pg PendingGrant) bool  { return pg.Grant.Pending == PendingCreated }
func modified(pg PendingGrant) bool { return pg.Grant.Pending == PendingModified }

// namesOf returns the names a school gives with its grant.
func namesOf(pg PendingGrant) (last, first string) {
	t := pg.Grant.Target()
	return t.LastName, t.FirstName
}

// newAccount opens the account of a person who has none: its own grant is
// the first one opened, whose address is the account's, where the
// invitation goes.
func newAccount(p Person, grants []PendingGrant, taken map[string]bool, now time.Time) Account {
	base := LoginBase(p)
	login := Login(base, taken)
	taken[login] = true
	email := grants[0].Grant.Target().Email
	return Account{ID: NewID(), PersonID: p.ID, Login: login, LoginBase: base, Email: email,
		OwnGrantID: grants[0].Grant.ID, State: AccountInvited, CreatedAt: now, UpdatedAt: now}
}

// followedEmail returns the account's address after the night: the school
// of the account's own grant moves it by changing that grant's address (a
// school vouches for its own staff's addresses); no other school can, even
// one that gives the same address.
func followedEmail(acc Account, grants []PendingGrant) string {
	for _, pg := range grants {
		g := pg.Grant
		if g.ID == acc.OwnGrantID && g.Pending == PendingModified && g.Next.Email != acc.Email {
			return g.Next.Email
		}
	}
	return acc.Email
}

// ownNames returns the person with the names of the account's own grant
// when it opens or changes, and whether they changed: the shared display
// name comes from the account holder's own grant, never from another
// school's spelling, even at the same address.
func ownNames(p Person, acc Account, grants []PendingGrant) (Person, bool) {
	last, first := p.LastName, p.FirstName
	for _, pg := range grants {
		if waiting(pg) && pg.Grant.ID == acc.OwnGrantID {
			t := pg.Grant.Target()
			last, first = t.LastName, t.FirstName
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
// addresses (fresh ones: not a continuation of the year before), or, when
// none does, of its roles that change with the new year; a modification
// alone, or an access that continues, sends nothing.
func (m *nightMail) notices(personID string, acc Account, fresh, changed []PendingGrant, own []string, c *batchCounts) {
	isOwn := func(pg PendingGrant) bool { return ownGrant(pg, own) }
	text := mailText{login: acc.Login, grants: filter(fresh, isOwn), changed: filter(changed, isOwn), portalURL: m.portalURL}
	var subject, body string
	var named PendingGrant
	switch {
	case len(text.grants) > 0:
		named = text.grants[len(text.grants)-1]
		text.name = frtext.FormatName(namesOf(named))
		subject, body = text.notice()
	case len(text.changed) > 0:
		named = text.changed[len(text.changed)-1]
		text.name = frtext.FormatName(namesOf(named))
		subject, body = text.roleChange()
	default:
		return
	}
	last, first := namesOf(named)
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
// address than the account's own, or moves there from one of them: the
// account's address is told, with a « Ce n'est pas moi » link, and the
// other address gets an invitation to its school's access only (none when
// invite is false: an account an operator disabled).
func (m *nightMail) foreign(p Person, acc Account, grants []PendingGrant, own []string, invite bool, c *batchCounts) {
	order, by := byAddress(grants, func(pg PendingGrant) bool { return isForeign(pg, own) })
	for _, email := range order {
		for _, pg := range by[email] {
			last, first := namesOf(pg)
			g := pg.Grant
			role := g.Target().Role
			m.disputes = append(m.disputes, GrantNotice{
				ID: NewID(), GrantID: g.ID, PersonID: p.ID, AccountID: acc.ID,
				FASE: g.FASE, SchoolName: pg.SchoolName, SchoolYear: g.SchoolYear, Role: role,
				NotifiedEmail: acc.Email, GrantEmail: email, LastName: last, FirstName: first,
				CreatedAt: m.now, ExpiresAt: m.now.Add(NoticeTTL),
			})
			body := foreignNotice(frtext.FormatName(p.LastName, p.FirstName), pg, email, disputeSlot(m.disputes[len(m.disputes)-1].ID))
			m.add(MailNotice, p.ID, p.LastName, p.FirstName, acc.Email, SubjectForeignAccess, body)
			c.notices++
		}
		if !invite {
			continue
		}
		last, first := namesOf(by[email][0])
		text := mailText{name: frtext.FormatName(last, first), login: acc.Login, grants: by[email], portalURL: m.portalURL, link: true}
		subject, body := text.invitation()
		m.add(MailInvitation, p.ID, last, first, email, subject, body)
		c.invitations++
	}
}

// disputeSlot stands, in a stored notice, where its « Ce n'est pas moi »
// link is written at delivery (Service.outgoing), so that the outbox never
// holds the token; it names the notice, which is no secret.
func disputeSlot(noticeID string) string { return disputeSlotPrefix + noticeID + "]" }

const disputeSlotPrefix = "[lien « Ce n'est pas moi », créé à l'envoi · "

// disputeURL is the address of a « Ce n'est pas moi » link in the portal.
func disputeURL(portalURL, tok string) string {
	return strings.TrimSuffix(portalURL, "/") + "/pas-moi?jeton=" + tok
}

func ownGrant(pg PendingGrant, own []string) bool {
	email := pg.Grant.Target().Email
	return slices.Contains(own, email)
}

// isForeign: an access that opens at another address than the account's
// own ones, or that moves there from one of them.
func isForeign(pg PendingGrant, own []string) bool {
	g := pg.Grant
	switch {
	case ownGrant(pg, own):
		return false
	case g.Pending == PendingCreated:
		return true
	default:
		return g.Pending == PendingModified && slices.Contains(own, g.Email)
	}
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
	role := g.Target().Role
	return "Bonjour " + name + ",\n\n" +
		schoolName(pg.SchoolName) + " (FASE " + strconv.Itoa(g.FASE) + ") a ouvert à votre nom un accès " +
		role + " à l'extranet SeGEC, pour l'année scolaire " + g.SchoolYear + ", avec une autre adresse e-mail que la vôtre :\n\n" +
		"  " + MaskEmail(email) + "\n\n" +
		"Si c'est bien vous (votre adresse dans cette école, par exemple), vous n'avez rien à faire : connectez-vous au portail " +
		"avec cette adresse-là, puis, si vous le souhaitez, reliez vos deux adresses depuis « Mes accès ».\n\n" +
		"Si ce n'est pas vous, signalez-le en suivant ce lien « Ce n'est pas moi » (valable 30 jours) : cet accès sera séparé de votre compte " +
		"et l'équipe de l'extranet vérifiera avec l'école.\n\n" +
		"  " + disputeURL + "\n\n" +
		"Cet accès ne donne rien à votre compte : ni la personne qui utilise cette adresse ni l'école ne voient vos autres accès.\n\n" +
		"L'équipe de l'extranet SeGEC\n" +
		"Ce message est envoyé automatiquement : merci de ne pas y répondre.\n"
}
