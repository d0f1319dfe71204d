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
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/internal/errs"
	"passerelle/mail"
	"passerelle/token"
)

// Audit actions of the trust rules.
const (
	AuditIdentityMatch   = "identity.match"
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

// IdentityMatch records a school's entry joined to a person other schools
// give access to, by matricule (strong) or by names and birth date only
// (weak): the console lists them (« Rapprochements à vérifier ») until an
// operator has looked.
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
	ID            string
	TokenHash     string // "" until the notice is handed to the mail server
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
	ExpiresAt     time.Time // « Ce n'est pas moi » is refused after it
	DisputedAt    time.Time // zero until « Ce n'est pas moi »
	// Suspended: the dispute keeps the grant away from the account's
	// sessions, from « Ce n'est pas moi » until an operator restores it.
	Suspended bool
	DecidedAt time.Time
	DecidedBy string
	Decision  string // DisputeRestored, DisputeKept or ""
}

// NoticeTTL is how long « Ce n'est pas moi » can be said: long enough for
// holidays, short enough that an old mailbox, reassigned since, cannot act
// on an old notice.
const NoticeTTL = 30 * 24 * time.Hour

// Sign-in link purposes.
const (
	LinkSignIn = "signin" // opens a session scoped to the address
	LinkJoin   = "link"   // links the address to FromEmail, then opens a session
)

// Errors of the trust rules, in French since they reach people.
var (
	// ErrNoticeInvalid: a « Ce n'est pas moi » link unknown, used or expired.
	ErrNoticeInvalid = errs.New("ce lien n'est plus valable : l'accès a déjà été signalé, le lien a plus de 30 jours, ou il est incomplet. Écrivez à l'équipe de l'extranet si le doute demeure")
	// ErrScopeClosed: the account is open, but the address the session was
	// opened through reaches no active access any more.
	ErrScopeClosed = errs.New("l'adresse avec laquelle vous vous êtes connecté n'ouvre plus aucun accès actif : connectez-vous avec l'adresse d'école d'un autre de vos accès")
	// ErrLinkFromOwnAddress: linking asked from a session that is not
	// opened through the account's own address.
	ErrLinkFromOwnAddress = errs.New("pour relier deux adresses, connectez-vous d'abord avec l'adresse de votre compte (celle de votre première invitation), puis demandez le lien depuis « Mes accès »")
)

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
	// OpenSignInLink returns a sign-in link that can still be used at now;
	// ok is false when none can.
	OpenSignInLink(ctx context.Context, tokenHash string, now time.Time) (l SignInLink, ok bool, err error)
	// OpenMatches lists the matches not reviewed yet, weak ones first,
	// newest first.
	OpenMatches(ctx context.Context, limit int) ([]IdentityMatch, error)
}

// TrustTx is the trust rules' part of a write transaction.
type TrustTx interface {
	// Now is the transaction's instant.
	Now() time.Time
	// OtherSchools returns, for each person that school fase did not know
	// in another school year, the other schools where a live grant gives
	// them access: a school's staff renewed at the rentrée is no new match.
	OtherSchools(ctx context.Context, personIDs []string, fase int, schoolYear string) (map[string][]int, error)
	// InsertMatches records identity matches.
	InsertMatches(ctx context.Context, ms []IdentityMatch) error
	// LinkedAddresses returns, for each account, the addresses linked to
	// its own address (its own included).
	LinkedAddresses(ctx context.Context, accountIDs []string) (map[string][]string, error)
	// InsertGrantNotices records notices.
	InsertGrantNotices(ctx context.Context, ns []GrantNotice) error
	// LinkAddresses puts two addresses of an account in one circle.
	LinkAddresses(ctx context.Context, accountID, a, b string) error
	// MarkProven records that a sign-in link sent to email was followed.
	MarkProven(ctx context.Context, accountID, email string) error
	// RehomeAccounts gives the accounts whose own grant ended another live
	// or pending grant of their person (one at the same address first, then
	// one at an address linked to it, else the oldest) with its address,
	// and returns how many moved. Accounts an operator disabled are left as
	// they are.
	RehomeAccounts(ctx context.Context) (int, error)
	// DisputeGrant marks a notice disputed and its grant suspended, takes
	// the grant's address out of the account's circle, and returns it; or
	// returns ErrNoticeInvalid when it is unknown, disputed already or
	// expired.
	DisputeGrant(ctx context.Context, tokenHash string) (GrantNotice, error)
	// DecideDispute records an operator's decision on a disputed notice,
	// or returns ErrNotFound when none waits under that id.
	DecideDispute(ctx context.Context, id, decision, actor string) (GrantNotice, error)
	// SetNoticeToken stores the hash of the token of a notice's « Ce n'est
	// pas moi » link, made as the notice is sent (the latest one counts).
	SetNoticeToken(ctx context.Context, id, tokenHash string) error
	// ReviewMatch marks a weak match reviewed, or returns ErrNotFound.
	ReviewMatch(ctx context.Context, id, actor string) (IdentityMatch, error)
}

// identityMatches returns the matches a plan records: the grants it opens
// for persons already known, strongly or weakly, who have access in other
// schools.
func identityMatches(ctx context.Context, tx TrustTx, fase int, year string, p plan) ([]IdentityMatch, error) {
	if len(p.matched) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(p.matched))
	for _, m := range p.matched {
		ids = append(ids, m.grant.PersonID)
	}
	others, err := tx.OtherSchools(ctx, ids, fase, year)
	if err != nil {
		return nil, err
	}
	var out []IdentityMatch
	for _, m := range p.matched {
		g := m.grant
		if len(others[g.PersonID]) == 0 {
			continue
		}
		out = append(out, IdentityMatch{
			ID: NewID(), FASE: fase, SchoolYear: year, PersonID: g.PersonID, GrantID: g.ID,
			Strength: m.strength, LastName: g.LastName, FirstName: g.FirstName,
			OtherFASEs: others[g.PersonID], CreatedAt: tx.Now(),
		})
	}
	return out, nil
}

// saveMatches stores a transfer's identity matches and returns their audit
// entries, for the caller to write with its own.
func saveMatches(ctx context.Context, tx TrustTx, fase int, year, actor string, p plan) ([]AuditEntry, error) {
	ms, err := identityMatches(ctx, tx, fase, year, p)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	if err := tx.InsertMatches(ctx, ms); err != nil {
		return nil, err
	}
	return matchAudits(ms, fase, year, actor, tx.Now())
}

// matchAudits are the audit entries of identity matches.
func matchAudits(ms []IdentityMatch, fase int, year, actor string, now time.Time) ([]AuditEntry, error) {
	out := make([]AuditEntry, 0, len(ms))
	for _, m := range ms {
		detail, err := json.Marshal(map[string]any{
			"match": m.ID, "strength": m.Strength, "person": m.PersonID, "grant": m.GrantID, "schoolYear": year,
			"name": frtext.FormatName(m.LastName, m.FirstName), "otherSchools": m.OtherFASEs,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, AuditEntry{ID: NewID(), At: now, Actor: actor, Action: AuditIdentityMatch, FASE: fase, Detail: string(detail)})
	}
	return out, nil
}

// CanLink reports whether the session may ask to link another address: only
// through the account's own address, so that an access another school
// opened at another address never pulls the account's own grants towards
// itself.
func (a StaffAccess) CanLink() bool { return slices.Contains(a.Scope, a.Account.Email) }

// inScope reports whether a grant is reached by a session whose addresses
// are scope: the grant's current address is one of them.
func inScope(g Grant, scope []string) bool {
	return slices.Contains(scope, g.Email)
}

// MaskEmail writes an address so that its owner recognises it and another
// reader learns only its domain: « j•••@ecole.be ».
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "•••"
	}
	return string([]rune(email[:at])[0]) + "•••" + email[at:]
}

// RequestAddressLink prepares the e-mail that links another address of the
// signed-in person to the session's: a one-time link sent to that address,
// which must belong to one of the account's active grants. ok is false when
// nothing is sent (the caller answers the same either way, so that a
// session learns nothing of the account's other addresses).
func (p *Portal) RequestAddressLink(ctx context.Context, acc StaffAccess, other string, linkURL func(string) string) (mail.Message, bool, error) {
	if !acc.CanLink() {
		return mail.Message{}, false, ErrLinkFromOwnAddress
	}
	email, err := frtext.NormalizeEmail(other)
	if err != nil || slices.Contains(acc.Scope, email) {
		return mail.Message{}, false, nil
	}
	all, err := p.Access(ctx, acc.Account.ID, email)
	if errors.Is(err, ErrNoAccess) || errors.Is(err, ErrScopeClosed) {
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
		"Depuis une session ouverte avec l'adresse " + acc.Email + " (l'adresse du compte " + acc.Account.Login + "), " +
		"quelqu'un demande à relier à ce compte les accès que vos écoles ont donnés à cette adresse-ci (" + email + ") :\n\n" +
		schoolLines(all.Active) + "\n" +
		"Si c'est vous, et seulement si l'adresse " + acc.Email + " est bien la vôtre, suivez ce lien : " +
		"les sessions ouvertes avec l'une ou l'autre adresse verront les accès des deux.\n\n" +
		linkURL(tok) + "\n\n" +
		"Ce lien vaut 15 minutes et ne sert qu'une seule fois.\n\n" +
		"Si vous ne reconnaissez pas l'adresse " + acc.Email + ", ne suivez pas le lien : rien ne sera relié.\n" + portalFooter
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

// JoinLink returns, for the page a link opens, the link when it joins two
// addresses (so that the page says what the click does, and for whom), or
// ok false for a sign-in link or one that cannot be used.
func (p *Portal) JoinLink(ctx context.Context, tok string) (SignInLink, bool, error) {
	if !token.Plausible(tok, tokenBytes) {
		return SignInLink{}, false, nil
	}
	l, ok, err := p.Store.OpenSignInLink(ctx, token.Hash(tok), p.now())
	if err != nil || !ok || l.Purpose != LinkJoin {
		return SignInLink{}, false, err
	}
	return l, true, nil
}

// NoticeForToken returns the notice of a « Ce n'est pas moi » link, without
// using it: the page the e-mail opens asks for a click first.
func (p *Portal) NoticeForToken(ctx context.Context, tok string) (GrantNotice, error) {
	if !token.Plausible(tok, tokenBytes) {
		return GrantNotice{}, ErrNoticeInvalid
	}
	n, err := p.Store.GrantNotice(ctx, token.Hash(tok))
	if errors.Is(err, ErrNotFound) || (err == nil && (!n.DisputedAt.IsZero() || !p.now().Before(n.ExpiresAt))) {
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
		return p.audit(ctx, tx, "email:"+n.NotifiedEmail, AuditGrantDisputed, n.FASE, map[string]any{
			"grant": n.GrantID, "account": n.AccountID, "role": n.Role, "schoolYear": n.SchoolYear,
			"grantEmail": n.GrantEmail, "name": frtext.FormatName(n.LastName, n.FirstName), "suspended": n.Suspended,
		})
	})
	return n, err
}

// DecideDispute records an operator's decision on a disputed access.
func (p *Portal) DecideDispute(ctx context.Context, id, decision, actor string) error {
	if decision != DisputeRestored && decision != DisputeKept {
		return refused("décision inconnue : choisissez « Rétablir le lien » ou « Maintenir la suspension »")
	}
	return p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		n, err := tx.DecideDispute(ctx, id, decision, actor)
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
