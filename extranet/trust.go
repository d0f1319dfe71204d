package extranet

// This file holds the trust rules across schools (docs/security.md): what a
// school sends proves only what that school knows, and an e-mail address
// proves control of that address, nothing more.
//
//   - A portal session carries the grants whose address, as their school
//     sent it, is the address its sign-in link went to, or an address linked
//     to it from inside a session (AddressScope).
//   - When a school opens an access for a person whose account already has
//     an address, that address is told, with « Ce n'est pas moi »
//     (GrantNotice); the disputed grant is suspended for operators.
//   - An entry joined to a person known elsewhere by names and birth date
//     only is a weak match, listed for operators (IdentityMatch).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/mail"
	"passerelle/token"
)

// Audit actions of the trust rules.
const (
	AuditWeakMatch       = "identity.weak_match"
	AuditMatchReviewed   = "identity.match_reviewed"
	AuditAddressesLinked = "account.addresses_linked"
	AuditGrantDisputed   = "grant.disputed"
	AuditDisputeDecided  = "grant.dispute_decided"
)

// Match strengths: how a school's entry was joined to a person the
// extranet already knew.
const (
	MatchStrong = "strong" // by matricule
	MatchWeak   = "weak"   // by names and birth date only
)

// IdentityMatch records a school's entry joined, by names and birth date
// only, to a person other schools give access to: the console lists them
// (« Rapprochements à vérifier ») until an operator has looked.
type IdentityMatch struct {
	ID         string
	FASE       int
	SchoolYear string
	PersonID   string
	GrantID    string
	Strength   string
	LastName   string // as the school sent them
	FirstName  string
	OtherFASEs []int // the schools that knew the person already
	CreatedAt  time.Time
	ReviewedAt time.Time
	ReviewedBy string
}

// Dispute decisions of an operator on « Ce n'est pas moi ».
const (
	DisputeRestored = "restored" // it was the person after all: the link is back
	DisputeKept     = "kept"     // the grant stays apart from the account
)

// GrantNotice is the notice sent to an account's own address when a school
// opens an access for its person at another address. Only the SHA-256 of
// the token of its « Ce n'est pas moi » link is stored. A disputed notice
// suspends its grant's link to the account (no session reaches the grant)
// until an operator restores it.
type GrantNotice struct {
	TokenHash     string
	GrantID       string
	PersonID      string
	AccountID     string
	FASE          int
	SchoolName    string
	SchoolYear    string
	Role          string
	NotifiedEmail string // the account's address, told
	GrantEmail    string // the address the school gave
	LastName      string // as the school sent them
	FirstName     string
	CreatedAt     time.Time
	DisputedAt    time.Time // zero until « Ce n'est pas moi »
	DecidedAt     time.Time
	DecidedBy     string
	Decision      string // DisputeRestored, DisputeKept or ""
}

// Suspended reports whether the notice keeps its grant away from the
// account's sessions.
func (n GrantNotice) Suspended() bool {
	return !n.DisputedAt.IsZero() && n.Decision != DisputeRestored
}

// Sign-in link purposes.
const (
	LinkSignIn = "signin" // opens a session scoped to the address
	LinkJoin   = "link"   // links the address to FromEmail, then opens a session
)

// ErrNoticeInvalid: a « Ce n'est pas moi » link that is unknown or already used.
var ErrNoticeInvalid = errors.New("ce lien n'est plus valable : l'accès a déjà été signalé, ou le lien est incomplet. Écrivez à l'équipe de l'extranet si le doute demeure")

// TrustStore is what the trust rules read; store/extranetstore implements it.
type TrustStore interface {
	// AddressCircle returns the addresses linked to email for an account,
	// email included; just email when it is linked to nothing.
	AddressCircle(ctx context.Context, accountID, email string) ([]string, error)
	// SuspendedGrants returns the ids of a person's grants whose link to
	// the account is suspended by a « Ce n'est pas moi ».
	SuspendedGrants(ctx context.Context, personID string) ([]string, error)
	// GrantNotice returns a notice by the hash of its token, or ErrNotFound.
	GrantNotice(ctx context.Context, tokenHash string) (GrantNotice, error)
	// Disputes lists the disputed notices, those waiting for a decision
	// first, newest first.
	Disputes(ctx context.Context, limit int) ([]GrantNotice, error)
	// WeakMatches lists the weak matches not reviewed yet, newest first.
	WeakMatches(ctx context.Context, limit int) ([]IdentityMatch, error)
}

// TrustTx is the trust rules' part of a write transaction.
type TrustTx interface {
	// OtherSchools returns, for each person, the schools other than fase
	// where a live grant gives them access.
	OtherSchools(ctx context.Context, personIDs []string, fase int) (map[string][]int, error)
	// InsertMatches records identity matches.
	InsertMatches(ctx context.Context, ms []IdentityMatch) error
	// LinkedAddresses returns, for each account, the addresses linked to
	// its own address (its own included).
	LinkedAddresses(ctx context.Context, accountIDs []string) (map[string][]string, error)
	// InsertGrantNotices records notices.
	InsertGrantNotices(ctx context.Context, ns []GrantNotice) error
	// LinkAddresses puts two addresses of an account in one circle.
	LinkAddresses(ctx context.Context, accountID, a, b string) error
	// DisputeGrant marks a notice disputed and returns it, or returns
	// ErrNoticeInvalid when it is unknown or disputed already.
	DisputeGrant(ctx context.Context, tokenHash string) (GrantNotice, error)
	// DecideDispute records an operator's decision on a disputed notice,
	// or returns ErrNotFound when none waits under that hash.
	DecideDispute(ctx context.Context, tokenHash, decision, actor string) (GrantNotice, error)
	// ReviewMatch marks a weak match reviewed, or returns ErrNotFound.
	ReviewMatch(ctx context.Context, id, actor string) (IdentityMatch, error)
}

// weakMatches returns the matches a plan records: the grants it opens for
// persons recognised by names and birth date only who have access in other
// schools.
func weakMatches(ctx context.Context, tx Tx, fase int, year string, p plan) ([]IdentityMatch, error) {
	if len(p.weak) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(p.weak))
	for _, g := range p.weak {
		ids = append(ids, g.PersonID)
	}
	others, err := tx.OtherSchools(ctx, ids, fase)
	if err != nil {
		return nil, err
	}
	var out []IdentityMatch
	for _, g := range p.weak {
		if len(others[g.PersonID]) == 0 {
			continue
		}
		out = append(out, IdentityMatch{
			ID: NewID(), FASE: fase, SchoolYear: year, PersonID: g.PersonID, GrantID: g.ID,
			Strength: MatchWeak, LastName: g.LastName, FirstName: g.FirstName,
			OtherFASEs: others[g.PersonID], CreatedAt: tx.Now(),
		})
	}
	return out, nil
}

// recordWeakMatches stores and audits a transfer's weak matches.
func recordWeakMatches(ctx context.Context, tx Tx, fase int, year, actor string, p plan) error {
	ms, err := weakMatches(ctx, tx, fase, year, p)
	if err != nil || len(ms) == 0 {
		return err
	}
	if err := tx.InsertMatches(ctx, ms); err != nil {
		return err
	}
	for _, m := range ms {
		err := auditJSON(ctx, tx, actor, AuditWeakMatch, fase, map[string]any{
			"match": m.ID, "person": m.PersonID, "grant": m.GrantID, "schoolYear": year,
			"name": frtext.FormatName(m.LastName, m.FirstName), "otherSchools": m.OtherFASEs,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// inScope reports whether a grant is reached by a session whose addresses
// are scope: the grant's current address is one of them.
func inScope(g Grant, scope []string) bool {
	return slices.Contains(scope, g.Email)
}

// RequestAddressLink prepares the e-mail that links another address of the
// signed-in person to the session's: a one-time link sent to that address,
// which must belong to one of the account's active grants. ok is false when
// nothing is sent (the caller answers the same either way, so that a
// session learns nothing of the account's other addresses).
func (p *Portal) RequestAddressLink(ctx context.Context, acc StaffAccess, other string, linkURL func(string) string) (mail.Message, bool, error) {
	email, err := frtext.NormalizeEmail(other)
	if err != nil || slices.Contains(acc.Scope, email) {
		return mail.Message{}, false, nil
	}
	all, err := p.Access(ctx, acc.Account.ID, email)
	if errors.Is(err, ErrNoAccess) {
		return mail.Message{}, false, nil
	}
	if err != nil {
		return mail.Message{}, false, err
	}
	now := p.now()
	tok := token.New(tokenBytes)
	link := SignInLink{TokenHash: token.Hash(tok), AccountID: acc.Account.ID, Email: email,
		Purpose: LinkJoin, FromEmail: acc.Email, CreatedAt: now, ExpiresAt: now.Add(SignInLinkTTL)}
	if err := p.Store.UpdatePortal(ctx, now, func(tx PortalTx) error { return tx.InsertSignInLink(ctx, link) }); err != nil {
		return mail.Message{}, false, err
	}
	g := all.Active[0].Grant
	msg := mail.Message{ID: NewID(), From: p.mailFrom(), To: recipient(g.LastName, g.FirstName, email), Date: now,
		Subject: SubjectLinkAddresses}
	msg.Text = "Bonjour " + frtext.FormatName(g.LastName, g.FirstName) + ",\n\n" +
		"Une personne connectée au portail de l'extranet SeGEC avec l'adresse " + acc.Email + " demande à relier " +
		"vos accès donnés à cette adresse-ci (" + email + ") à son compte :\n\n" +
		schoolLines(all.Active) + "\n" +
		"Si c'est vous, suivez ce lien pour relier les deux adresses : vos sessions verront alors les accès des deux.\n\n" +
		linkURL(tok) + "\n\n" +
		"Ce lien vaut 15 minutes et ne sert qu'une seule fois.\n\n" +
		"Si vous n'êtes pas à l'origine de cette demande, ne suivez pas le lien : rien ne sera relié.\n" + portalFooter
	return msg, true, nil
}

// schoolLines lists grants as « - École (FASE n) : Rôle ».
func schoolLines(gs []PersonGrant) string {
	var b strings.Builder
	for _, g := range gs {
		fmt.Fprintf(&b, "- %s (FASE %d) : %s, année scolaire %s\n", schoolName(g.SchoolName), g.Grant.FASE, g.Grant.Role, g.Grant.SchoolYear)
	}
	return b.String()
}

func schoolName(n string) string {
	if n == "" {
		return "École"
	}
	return n
}

// SubjectLinkAddresses is the subject of the e-mail that links an address.
const SubjectLinkAddresses = "Relier vos accès sur l'extranet SeGEC"

// NoticeForToken returns the notice of a « Ce n'est pas moi » link, without
// using it: the page the e-mail opens asks for a click first.
func (p *Portal) NoticeForToken(ctx context.Context, tok string) (GrantNotice, error) {
	if !token.Plausible(tok, tokenBytes) {
		return GrantNotice{}, ErrNoticeInvalid
	}
	n, err := p.Store.GrantNotice(ctx, token.Hash(tok))
	if errors.Is(err, ErrNotFound) || (err == nil && !n.DisputedAt.IsZero()) {
		return GrantNotice{}, ErrNoticeInvalid
	}
	return n, err
}

// Dispute answers « Ce n'est pas moi »: the grant's link to the account is
// suspended (the account's sessions no longer reach it, the address the
// school gave neither), it waits in the operators' queue, and it is audited.
func (p *Portal) Dispute(ctx context.Context, tok string) (GrantNotice, error) {
	if !token.Plausible(tok, tokenBytes) {
		return GrantNotice{}, ErrNoticeInvalid
	}
	var n GrantNotice
	err := p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		var err error
		if n, err = tx.DisputeGrant(ctx, token.Hash(tok)); err != nil {
			return err
		}
		return p.audit(ctx, tx, "email:"+n.NotifiedEmail, AuditGrantDisputed, n.FASE, map[string]string{
			"grant": n.GrantID, "account": n.AccountID, "role": n.Role, "schoolYear": n.SchoolYear,
			"grantEmail": n.GrantEmail, "name": frtext.FormatName(n.LastName, n.FirstName),
		})
	})
	return n, err
}

// DecideDispute records an operator's decision on a disputed access.
func (p *Portal) DecideDispute(ctx context.Context, tokenHash, decision, actor string) error {
	if decision != DisputeRestored && decision != DisputeKept {
		return refused("décision inconnue : choisissez « Rétablir le lien » ou « Maintenir la suspension »")
	}
	return p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		n, err := tx.DecideDispute(ctx, tokenHash, decision, actor)
		if err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, AuditDisputeDecided, n.FASE, map[string]string{
			"grant": n.GrantID, "account": n.AccountID, "decision": decision,
		})
	})
}

// ReviewMatch records that an operator checked a weak match.
func (p *Portal) ReviewMatch(ctx context.Context, id, actor string) error {
	return p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		m, err := tx.ReviewMatch(ctx, id, actor)
		if err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, AuditMatchReviewed, m.FASE, map[string]string{"match": id, "person": m.PersonID})
	})
}
