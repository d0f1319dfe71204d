package extranet

// One e-mail to get in: the invitation carries a sign-in link of its own,
// scoped to the address it goes to (docs/security.md), and a person whose
// access waits for the night is told when it opens (docs/portal.md).
//
// The outbox keeps its messages in the database, delivered or not, so no
// usable token is ever written there: an invitation is stored with
// SignInLinkSlot where its link goes, and the link, with its token, is made
// when the message is handed to the mail server; only the token's hash is
// stored.

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/mail"
	"passerelle/token"
)

// InvitationLinkTTL is how long the sign-in link of an invitation is valid.
// The night run writes invitations at 02:00; a teacher reads school mail on
// school days, and may first open it after a weekend or a week of holidays.
// Beyond that, a mailbox left unread is a risk rather than a help, and the
// portal sends a fresh link on demand. Like any sign-in link, it serves
// once and asks for the « Me connecter » click.
const InvitationLinkTTL = 7 * 24 * time.Hour

// SignInLinkSlot stands, in a stored invitation, where its sign-in link is
// written at delivery; it reads as French wherever the stored text shows.
const SignInLinkSlot = "[lien de connexion personnel, créé à l'envoi]"

// SubjectPending is the subject of the answer to a sign-in request for an
// address whose access waits for the night run.
const SubjectPending = "Votre accès à l'extranet SeGEC s'ouvre après la nuit"

// WelcomeStore is what the invitation's link and the pending person's
// answer read; part of PortalStore.
type WelcomeStore interface {
	// PersonAccount returns the account of a person, or ErrNotFound.
	PersonAccount(ctx context.Context, personID string) (Account, error)
	// PendingAt returns the grants that open at the next night run at
	// address email: pending grants given to it, and active grants whose
	// waiting modification moves them to it. Each grant's names are those
	// it will open with.
	PendingAt(ctx context.Context, email string) ([]PersonGrant, error)
}

// linkMaker is the store the Service needs to make an invitation's link.
type linkMaker interface {
	WelcomeStore
	UpdatePortal(ctx context.Context, now time.Time, fn func(tx PortalTx) error) error
}

// signInURL is the address of a sign-in link in the portal.
func signInURL(portalURL, tok string) string {
	return strings.TrimSuffix(portalURL, "/") + "/connexion/lien?jeton=" + tok
}

// outgoing returns the message handed to the mail server for an outbox
// row: an invitation gets its sign-in link here, made now and valid
// InvitationLinkTTL, scoped to the address the invitation goes to. Without
// a portal address or a store that keeps links, the slot gives way to the
// usual way to ask for a link.
func (s *Service) outgoing(ctx context.Context, m OutboxMessage) (mail.Message, error) {
	msg := mail.Message{ID: m.ID, From: m.From, To: m.To, Subject: m.Subject, Text: m.Text,
		// The creation date, not the sending one: a message sent again
		// after a crash is then the same message (with another link).
		Date: m.CreatedAt}
	if strings.Contains(m.Text, disputeSlotPrefix) {
		return s.withDisputeLink(ctx, m, msg)
	}
	if !strings.Contains(m.Text, SignInLinkSlot) {
		return msg, nil
	}
	st, ok := s.Store.(linkMaker)
	to, err := netmail.ParseAddress(m.To)
	if !ok || s.PortalURL == "" || err != nil {
		msg.Text = strings.Replace(m.Text, SignInLinkSlot, "(demandez votre lien sur le portail de l'extranet SeGEC)", 1)
		return msg, nil
	}
	acc, err := st.PersonAccount(ctx, m.PersonID)
	if err != nil {
		return msg, fmt.Errorf("lien de l'invitation %s : %w", m.ID, err)
	}
	now := s.now()
	tok := token.New(tokenBytes)
	link := SignInLink{TokenHash: token.Hash(tok), AccountID: acc.ID, Email: strings.ToLower(to.Address),
		Purpose: LinkSignIn, CreatedAt: now, ExpiresAt: now.Add(InvitationLinkTTL)}
	if err := st.UpdatePortal(ctx, now, func(tx PortalTx) error { return tx.InsertSignInLink(ctx, link) }); err != nil {
		return msg, fmt.Errorf("lien de l'invitation %s : %w", m.ID, err)
	}
	msg.Text = strings.Replace(m.Text, SignInLinkSlot, signInURL(s.PortalURL, tok), 1)
	return msg, nil
}

// pendingMail answers a sign-in request for an address whose access opens
// at the next night run: it says so, with the date. It returns ErrNotFound
// when nothing waits at the address.
func (p *Portal) pendingMail(ctx context.Context, email string) (mail.Message, error) {
	grants, err := p.Store.PendingAt(ctx, email)
	if err != nil {
		return mail.Message{}, err
	}
	if len(grants) == 0 {
		return mail.Message{}, fmt.Errorf("adresse %q : rien en attente : %w", email, ErrNotFound)
	}
	now := p.now()
	last, first := grants[0].Grant.LastName, grants[0].Grant.FirstName
	text := mailText{}
	for _, g := range grants {
		text.grants = append(text.grants, PendingGrant{Grant: g.Grant, SchoolName: g.SchoolName})
	}
	var b strings.Builder
	b.WriteString("Bonjour " + frtext.FormatName(last, first) + ",\n\n")
	b.WriteString("Vous avez demandé un lien de connexion au portail de l'extranet SeGEC. ")
	if len(grants) > 1 {
		b.WriteString("Vos écoles vous ont donné ces accès, qui ne sont pas encore ouverts :\n\n")
	} else {
		b.WriteString("Votre école vous a donné cet accès, qui n'est pas encore ouvert :\n\n")
	}
	text.accessLines(&b)
	night := p.Service.nextNight(now).In(frtext.Brussels)
	b.WriteString("\nLes accès s'ouvrent chaque nuit, à " + fmt.Sprint(night.Hour()) + " h. Le vôtre s'ouvrira dans la nuit du " +
		nightDate(night) + ". ")
	b.WriteString("Vous recevrez alors à cette adresse un e-mail avec votre lien de connexion : vous n'aurez rien d'autre à demander.\n\n")
	b.WriteString("Si vous n'avez rien demandé, ne tenez pas compte de ce message.\n" + portalFooter)
	return mail.Message{ID: NewID(), From: p.mailFrom(), To: recipient(last, first, email), Date: now,
		Subject: SubjectPending, Text: b.String()}, nil
}

// orPending returns the pending answer for email when something waits
// there, and fallback otherwise.
func (p *Portal) orPending(ctx context.Context, email string, fallback mail.Message) (mail.Message, error) {
	m, err := p.pendingMail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return fallback, nil
	}
	return m, err
}

// nightDate writes the night of a night run's instant as French says it:
// « 26/11/2026 au 27/11/2026 ».
func nightDate(night time.Time) string {
	n := night.In(frtext.Brussels)
	return frtext.FormatDate(n.AddDate(0, 0, -1)) + " au " + frtext.FormatDate(n)
}

// NextNightRun is the next night run after the service's now.
func (s *Service) NextNightRun() time.Time { return s.nextNight(s.now()) }

// NightDate writes the night of a night run's instant as French says it:
// « 26/11/2026 au 27/11/2026 ».
func NightDate(night time.Time) string { return nightDate(night) }

// withDisputeLink writes the « Ce n'est pas moi » link of a notice into the
// message handed to the mail server: its token is made now and only its
// hash stored; a notice sent again after a crash gets a new link, and the
// older one stops working.
func (s *Service) withDisputeLink(ctx context.Context, m OutboxMessage, msg mail.Message) (mail.Message, error) {
	start := strings.Index(m.Text, disputeSlotPrefix)
	end := strings.Index(m.Text[start:], "]")
	if end < 0 {
		return msg, fmt.Errorf("avis %s : lien « Ce n'est pas moi » illisible", m.ID)
	}
	slot := m.Text[start : start+end+1]
	id := strings.TrimSuffix(strings.TrimPrefix(slot, disputeSlotPrefix), "]")
	st, ok := s.Store.(linkMaker)
	if !ok {
		return msg, fmt.Errorf("avis %s : le stockage ne garde pas les liens", m.ID)
	}
	tok := token.New(tokenBytes)
	if err := st.UpdatePortal(ctx, s.now(), func(tx PortalTx) error { return tx.SetNoticeToken(ctx, id, token.Hash(tok)) }); err != nil {
		return msg, fmt.Errorf("lien de l'avis %s : %w", m.ID, err)
	}
	msg.Text = strings.Replace(m.Text, slot, disputeURL(s.PortalURL, tok), 1)
	return msg, nil
}
