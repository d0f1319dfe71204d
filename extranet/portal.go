package extranet

// This file holds what the portal (web/portal) needs from the domain: staff
// sign-in by one-time link, the per-request check of a person's access, the
// operators' accounts and their decisions (rejected entries, held transfers,
// accounts), and the journal of transfers that the direction's space and the
// console show. The SQL is in store/extranetstore/portal*.go.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/internal/errs"
	"passerelle/mail"
	"passerelle/token"
	"passerelle/wire"
)

// Audit actions of the portal and the console. Every operator action is
// audited with the actor "operator:LOGIN"; staff sign-ins with "staff:LOGIN".
const (
	AuditOperatorAdded        = "operator.added"
	AuditOperatorSignIn       = "operator.signin"
	AuditOperatorSignInFailed = "operator.signin_failed"
	AuditStaffSignIn          = "staff.signin"
	AuditAccountDisabled      = "account.disabled"
	AuditAccountEnabled       = "account.enabled"
	AuditInvitationResent     = "account.invitation_resent"
	AuditRejectionLinked      = "rejection.linked"
	AuditRejectionNewPerson   = "rejection.new_person"
	AuditHeldDismissed        = "transfer.held_dismissed"
	AuditNightRequested       = "night.requested"
)

// Errors of the portal, in French since they reach people.
var (
	// ErrLinkInvalid: a sign-in link that is unknown, used or expired.
	ErrLinkInvalid = errs.New("ce lien de connexion n'est plus valable : il a déjà servi ou il a expiré (un lien demandé sur le portail vaut 15 minutes, celui d'une invitation 7 jours). Demandez-en un nouveau")
	// ErrNoAccess: the account is disabled or has no active grant.
	ErrNoAccess = errs.New("votre compte n'a plus d'accès actif à l'extranet : si vous travaillez dans une école du réseau, demandez à sa direction de refaire le transfert")
	// ErrOperatorExists: an operator already has this login.
	ErrOperatorExists = errs.New("un opérateur porte déjà cet identifiant : choisissez-en un autre")
	// ErrAlreadyResolved: a rejected entry that is no longer waiting.
	ErrAlreadyResolved = errs.New("cette entrée rejetée n'attend plus de décision : un transfert ou un autre opérateur l'a déjà réglée")
)

// RefusedError is an operator's action that the rules refuse; Message (French)
// says why and what to do instead.
type RefusedError struct{ Message string }

func (e *RefusedError) Error() string { return e.Message }

func refused(format string, args ...any) error {
	return &RefusedError{Message: fmt.Sprintf(format, args...)}
}

// SignInLinkTTL is how long a sign-in link is valid: long enough to switch to
// the mailbox and back, short enough that a forgotten message is worth
// nothing.
const SignInLinkTTL = 15 * time.Minute

// Operator is a member of the extranet's team, who signs in to the console
// with a password.
type Operator struct {
	ID           string
	Login        string
	Name         string
	PasswordHash string // bcrypt
	CreatedAt    time.Time
}

// Actor returns how the audit log names the operator.
func (o Operator) Actor() string { return "operator:" + o.Login }

// SignInLink is a one-time link of the portal. Only the SHA-256 of its token
// is stored, so a copy of the database opens no session.
type SignInLink struct {
	TokenHash string
	AccountID string
	Email     string // the address it was sent to, which the session is scoped to
	Purpose   string // LinkSignIn ("" reads so) or LinkJoin
	FromEmail string // LinkJoin: the address of the session that asked
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// SchoolToken describes one of a school's API tokens, never the token itself.
type SchoolToken struct {
	HashPrefix string // the first characters of the hash, to tell tokens apart
	CreatedAt  time.Time
	CreatedBy  string
	RevokedAt  time.Time // zero while the token is valid
}

// AccountRecord is an account with its person, as the console lists them.
type AccountRecord struct {
	Account      Account
	Person       Person
	ActiveGrants int
}

// AccountFilter selects accounts: Query matches the login, the e-mail or the
// names (case and accents folded); State one of the Account* states.
type AccountFilter struct {
	// Query holds at most MaxSearchWords words; the store ignores the
	// others.
	Query string
	State string
	Limit int // 0: 100
}

// MaxSearchWords bounds the words of an account search that the store
// looks for (web.MaxSearchWords are typed at most): each word is one more
// condition on every account.
const MaxSearchWords = 8

// Transfer outcomes in the journal.
const (
	OutcomeApplied = "applied"
	OutcomeHeld    = "held"
)

// TransferRecord is one transfer as the journal keeps it: its counts and,
// for an applied transfer, the people it created, modified, deactivated or
// rejected (those left unchanged are only counted).
type TransferRecord struct {
	ID            string
	FASE          int
	SchoolYear    string
	At            time.Time
	Actor         string
	Outcome       string // OutcomeApplied or OutcomeHeld
	Counts        wire.Counts
	Deactivations int // what the guard counted
	LiveGrants    int // the school's live grants before the transfer
	Changes       []wire.Change
	DismissedAt   time.Time // a held transfer an operator has dealt with
	DismissedBy   string
}

// TransferFilter selects journal entries, newest first.
type TransferFilter struct {
	FASE     int       // 0: every school
	From, To time.Time // zero: no bound; To is exclusive
	Outcome  string    // "": both
	OpenHeld bool      // only held transfers not dismissed and not followed by an applied one
	Limit    int       // 0: 100
}

// Rejection decisions.
const (
	DecisionLinked    = "linked"     // the entry is an existing person
	DecisionNewPerson = "new_person" // the entry is someone new
)

// RejectionDecision is an operator's decision on a rejected entry.
type RejectionDecision struct {
	RejectionID string
	Decision    string // DecisionLinked or DecisionNewPerson
	PersonID    string
	Actor       string
	At          time.Time
}

// Candidate is a known person that a rejected entry may designate.
type Candidate struct {
	Person Person
	Login  string
	Grants []PersonGrant
	// Why says in French what they share with the entry: "même matricule",
	// "même nom et date de naissance", "même adresse e-mail".
	Why []string
}

// PortalStore is what the portal reads and writes: Store and Directory,
// and more. It is implemented by store/extranetstore.
type PortalStore interface {
	Store
	Directory
	TrustStore
	WelcomeStore
	PeopleStore
	ContentStore
	// Account returns an account by id, or ErrNotFound.
	Account(ctx context.Context, id string) (Account, error)
	// SignInAccount returns the account of an address: the account's own
	// address or that of one of the person's active grants, preferring an
	// account that is not disabled; ErrNotFound otherwise.
	SignInAccount(ctx context.Context, email string) (Account, error)
	// SearchAccounts lists accounts by login.
	SearchAccounts(ctx context.Context, f AccountFilter) ([]AccountRecord, error)
	// Operator and OperatorByLogin return an operator, or ErrNotFound.
	Operator(ctx context.Context, id string) (Operator, error)
	OperatorByLogin(ctx context.Context, login string) (Operator, error)
	// SchoolTokens lists a school's tokens, newest first.
	SchoolTokens(ctx context.Context, fase int) ([]SchoolToken, error)
	// Transfers lists the journal; TransferRecord returns one entry or
	// ErrNotFound.
	Transfers(ctx context.Context, f TransferFilter) ([]TransferRecord, error)
	TransferRecord(ctx context.Context, id string) (TransferRecord, error)
	// Rejection returns a rejected entry, or ErrNotFound; its decisions,
	// oldest first; and the persons it may designate.
	Rejection(ctx context.Context, id string) (Rejection, error)
	RejectionDecisions(ctx context.Context, id string) ([]RejectionDecision, error)
	Candidates(ctx context.Context, r Rejection) ([]Candidate, error)
	// SignInLinkOpen reports whether a link can still be used at now.
	SignInLinkOpen(ctx context.Context, tokenHash string, now time.Time) (bool, error)
	// UpdatePortal runs fn in one write transaction, as Store.Update.
	UpdatePortal(ctx context.Context, now time.Time, fn func(tx PortalTx) error) error
}

// PortalTx is one write transaction of a PortalStore.
type PortalTx interface {
	Tx
	ContentTx
	// InsertOperator adds an operator, or returns ErrOperatorExists.
	InsertOperator(ctx context.Context, o Operator) error
	// InsertSignInLink stores a link (and forgets long-expired ones).
	InsertSignInLink(ctx context.Context, l SignInLink) error
	// UseSignInLink marks a link used and returns it, or returns
	// ErrLinkInvalid when it is unknown, used or expired; the other open
	// links of its account are closed with it.
	UseSignInLink(ctx context.Context, tokenHash string) (SignInLink, error)
	// MarkSignedIn records a sign-in: an invited account becomes active.
	MarkSignedIn(ctx context.Context, accountID string) error
	// LockAccount, LockPerson and LockRejection read a row for update, or
	// return ErrNotFound.
	LockAccount(ctx context.Context, id string) (Account, error)
	LockPerson(ctx context.Context, id string) (Person, error)
	LockRejection(ctx context.Context, id string) (Rejection, error)
	// ResolveRejection marks an entry resolved and records the decision.
	ResolveRejection(ctx context.Context, d RejectionDecision) error
	// DismissHeld records that an operator dealt with a held transfer, or
	// returns ErrNotFound when id is no held transfer.
	DismissHeld(ctx context.Context, id, actor string) error
}

// --- The portal's use cases --------------------------------------------------

// Portal holds the use cases of the portal and the operators' console. Store
// is the extranet's store; Service gives the clock,
// the logger, the sender's address and the operations the API shares
// (AddSchool, RotateToken, RevokeTokens, Night).
type Portal struct {
	Store   PortalStore
	Service *Service
}

func (p *Portal) now() time.Time { return p.Service.now() }

func (p *Portal) audit(ctx context.Context, tx JournalTx, actor, action string, fase int, detail any) error {
	return auditJSON(ctx, tx, actor, action, fase, detail)
}

// auditJSON appends an audit entry whose detail is detail in JSON.
func auditJSON(ctx context.Context, tx JournalTx, actor, action string, fase int, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return tx.AddAudit(ctx, AuditEntry{ID: NewID(), At: tx.Now(), Actor: actor, Action: action, FASE: fase, Detail: string(b)})
}

func (p *Portal) mailFrom() string {
	if p.Service.MailFrom == "" {
		return DefaultMailFrom
	}
	return p.Service.MailFrom
}

// Audit appends one entry to the audit log, for actions recorded outside any
// other change (an operator's sign-in).
func (p *Portal) Audit(ctx context.Context, actor, action string, fase int, detail any) error {
	return p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		return p.audit(ctx, tx, actor, action, fase, detail)
	})
}

// operatorLogin is the form of an operator's login.
var operatorLogin = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// AddOperator creates an operator account with a password hash made by the
// caller (web.HashPassword), and audits it.
func (p *Portal) AddOperator(ctx context.Context, login, name, passwordHash, actor string) (Operator, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	name = CleanName(name)
	if !operatorLogin.MatchString(login) {
		return Operator{}, refused("identifiant %q invalide : 2 à 64 caractères, lettres minuscules sans accent, chiffres, points, tirets", login)
	}
	if name == "" || !printable(name) {
		return Operator{}, refused("nom de l'opérateur manquant ou illisible")
	}
	if passwordHash == "" {
		return Operator{}, refused("mot de passe manquant")
	}
	o := Operator{ID: NewID(), Login: login, Name: name, PasswordHash: passwordHash, CreatedAt: p.now()}
	err := p.Store.UpdatePortal(ctx, o.CreatedAt, func(tx PortalTx) error {
		if err := tx.InsertOperator(ctx, o); err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, AuditOperatorAdded, 0, map[string]string{"login": login, "name": name})
	})
	if err != nil {
		return Operator{}, err
	}
	return o, nil
}

// StaffAccess is what a signed-in person may reach now: the grants whose
// address, as their school sent it, is one of Scope (docs/security.md).
type StaffAccess struct {
	Account Account
	Person  Person
	Email   string        // the address the session was opened through
	Scope   []string      // Email and the addresses linked to it
	Active  []PersonGrant // grants open now
	Pending []PersonGrant // grants that open at the next night run
}

// Directs reports whether the person directs the school now.
func (a StaffAccess) Directs(fase int) (PersonGrant, bool) {
	for _, g := range a.Active {
		if g.Grant.FASE == fase && g.Grant.Role == string(fwb.RoleDirecteur) {
			return g, true
		}
	}
	return PersonGrant{}, false
}

// Directed returns the active grants that make the person a director.
func (a StaffAccess) Directed() []PersonGrant {
	var out []PersonGrant
	for _, g := range a.Active {
		if g.Grant.Role == string(fwb.RoleDirecteur) {
			out = append(out, g)
		}
	}
	return out
}

// Access returns what a session opened through the address email may reach
// now (email "": the account's own address). It returns ErrNoAccess when the
// account is disabled, gone, or left without any active grant, and
// ErrScopeClosed when the account still has one but none at the session's
// addresses. The portal calls it on every request, so that a deactivation
// ends the sessions concerned at once.
func (p *Portal) Access(ctx context.Context, accountID, email string) (StaffAccess, error) {
	a, err := p.Store.Account(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return StaffAccess{}, ErrNoAccess
	}
	if err != nil {
		return StaffAccess{}, err
	}
	if a.State == AccountDisabled {
		return StaffAccess{}, ErrNoAccess
	}
	if email == "" {
		email = a.Email
	}
	acc := StaffAccess{Account: a, Email: email}
	if acc.Scope, err = p.Store.AddressCircle(ctx, a.ID, email); err != nil {
		return StaffAccess{}, err
	}
	grants, err := p.Store.PersonGrants(ctx, a.PersonID)
	if err != nil {
		return StaffAccess{}, err
	}
	suspended, err := p.Store.SuspendedGrants(ctx, a.PersonID)
	if err != nil {
		return StaffAccess{}, err
	}
	open := false
	for _, g := range grants {
		if slices.Contains(suspended, g.Grant.ID) {
			continue
		}
		open = open || g.Grant.State == GrantActive
		if !inScope(g.Grant, acc.Scope) {
			continue
		}
		switch g.Grant.State {
		case GrantActive:
			acc.Active = append(acc.Active, g)
		case GrantPending:
			acc.Pending = append(acc.Pending, g)
		}
	}
	switch {
	case !open:
		return StaffAccess{}, ErrNoAccess
	case len(acc.Active) == 0:
		return StaffAccess{}, ErrScopeClosed
	}
	if acc.Person, err = p.Store.Person(ctx, a.PersonID); err != nil {
		return StaffAccess{}, err
	}
	if !slices.Contains(acc.Scope, a.Email) {
		// The shared names are the account holder's; a session through
		// another school's address shows that school's spelling.
		g := acc.Active[0].Grant
		acc.Person.LastName, acc.Person.FirstName = g.LastName, g.FirstName
	}
	return acc, nil
}

// Subjects of the portal's e-mails.
const (
	SubjectSignInLink = "Votre lien de connexion à l'extranet SeGEC"
	SubjectNoAccess   = "Demande de connexion à l'extranet SeGEC"
)

// RequestSignIn prepares the e-mails that answer a sign-in request for
// identifier (an e-mail address or a login). For an address: a one-time
// link to it, valid SignInLinkTTL, whose session reaches the grants given
// to that address, or a notice that it reaches none. For a login: one such
// link to each address of the account's active grants, each scoped to its
// address (docs/security.md). linkURL turns a link's token into the address
// written in the message. It returns ErrNotFound when no account matches:
// the caller must answer the same in every case, so as not to tell which
// addresses exist.
func (p *Portal) RequestSignIn(ctx context.Context, identifier string, linkURL func(token string) string) ([]mail.Message, error) {
	identifier = strings.TrimSpace(identifier)
	if !strings.Contains(identifier, "@") {
		return p.requestByLogin(ctx, strings.ToLower(identifier), linkURL)
	}
	email, err := frtext.NormalizeEmail(identifier)
	if err != nil {
		return nil, fmt.Errorf("adresse %q : %w", identifier, ErrNotFound)
	}
	a, err := p.Store.SignInAccount(ctx, email)
	if errors.Is(err, ErrNotFound) {
		// Sent, but not opened yet: the person is told when.
		m, err := p.pendingMail(ctx, email)
		if err != nil {
			return nil, err
		}
		return []mail.Message{m}, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := p.signInMail(ctx, a, email, linkURL)
	if err != nil {
		return nil, err
	}
	return []mail.Message{m}, nil
}

// requestByLogin sends a link to each address of the account's grants.
func (p *Portal) requestByLogin(ctx context.Context, login string, linkURL func(string) string) ([]mail.Message, error) {
	a, err := p.Store.AccountByLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	grants, err := p.Store.PersonGrants(ctx, a.PersonID)
	if err != nil {
		return nil, err
	}
	addresses := []string{}
	for _, g := range grants {
		if g.Grant.State == GrantActive && !slices.Contains(addresses, g.Grant.Email) {
			addresses = append(addresses, g.Grant.Email)
		}
	}
	if len(addresses) == 0 {
		addresses = []string{a.Email} // it tells that the account reaches nothing
	}
	var out []mail.Message
	for _, email := range addresses {
		m, err := p.signInMail(ctx, a, email, linkURL)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// signInMail writes the answer sent to one address: a link scoped to it, or
// a notice that it reaches no access.
func (p *Portal) signInMail(ctx context.Context, a Account, email string, linkURL func(string) string) (mail.Message, error) {
	person, err := p.Store.Person(ctx, a.PersonID)
	if err != nil {
		return mail.Message{}, err
	}
	now := p.now()
	acc, err := p.Access(ctx, a.ID, email)
	if err == nil {
		person = acc.Person // the spelling of the school that gave this address
	}
	name := frtext.FormatName(person.LastName, person.FirstName)
	msg := mail.Message{ID: NewID(), From: p.mailFrom(), To: recipient(person.LastName, person.FirstName, email), Date: now}

	if errors.Is(err, ErrNoAccess) || errors.Is(err, ErrScopeClosed) {
		msg.Subject = SubjectNoAccess
		msg.Text = "Bonjour " + name + ",\n\n" +
			"Une connexion au portail de l'extranet SeGEC a été demandée pour votre compte (identifiant " + a.Login + "), " +
			"mais cette adresse n'ouvre aucun accès actif : aucune école ne vous donne accès à cette adresse pour le moment.\n\n" +
			"Si vous travaillez dans une école du réseau, demandez à sa direction de vérifier votre situation école, " +
			"votre adresse e-mail d'école et votre rôle extranet, puis de refaire le transfert vers l'extranet. Votre accès s'ouvrira la nuit suivante.\n\n" +
			"Si vous n'avez rien demandé, ne tenez pas compte de ce message.\n" + portalFooter
		if a.State == AccountDisabled && a.DisabledBy != "" {
			return msg, nil // closed by an operator: no night opens it
		}
		return p.orPending(ctx, email, msg)
	} else if err != nil {
		return mail.Message{}, err
	}

	tok := token.New(tokenBytes)
	link := SignInLink{TokenHash: token.Hash(tok), AccountID: a.ID, Email: email, Purpose: LinkSignIn, CreatedAt: now, ExpiresAt: now.Add(SignInLinkTTL)}
	if err := p.Store.UpdatePortal(ctx, now, func(tx PortalTx) error { return tx.InsertSignInLink(ctx, link) }); err != nil {
		return mail.Message{}, err
	}
	msg.Subject = SubjectSignInLink
	msg.Text = "Bonjour " + name + ",\n\n" +
		"Voici votre lien pour vous connecter au portail de l'extranet SeGEC :\n\n" +
		linkURL(tok) + "\n\n" +
		"Ce lien vaut 15 minutes et ne sert qu'une seule fois. Il ouvre les accès que vos écoles ont donnés à cette adresse :\n\n" +
		schoolLines(acc.Active) + "\n" +
		"Votre identifiant : " + a.Login + "\n\n" +
		"Si vous n'avez pas demandé ce lien, ne tenez pas compte de ce message : sans lui, personne ne peut se connecter à votre compte.\n" +
		portalFooter
	return msg, nil
}

const portalFooter = "\nL'équipe de l'extranet SeGEC\n" +
	"Ce message est envoyé automatiquement : merci de ne pas y répondre.\n"

// LinkOpen reports whether a sign-in link can still be used, without using
// it: the page the e-mail opens asks for a click first, because mail
// scanners open links on their own.
func (p *Portal) LinkOpen(ctx context.Context, tok string) (bool, error) {
	if !token.Plausible(tok, tokenBytes) {
		return false, nil
	}
	return p.Store.SignInLinkOpen(ctx, token.Hash(tok), p.now())
}

// SignIn uses a sign-in link and returns what its session may reach: the
// grants given to the address it was sent to, and to the addresses linked
// to it. A link that joins two addresses (RequestAddressLink) links them
// first. The link is spent even when the access turns out to be closed: it
// never serves twice. Errors: ErrLinkInvalid, ErrNoAccess.
func (p *Portal) SignIn(ctx context.Context, tok string) (StaffAccess, error) {
	if !token.Plausible(tok, tokenBytes) {
		return StaffAccess{}, ErrLinkInvalid
	}
	now := p.now()
	var link SignInLink
	err := p.Store.UpdatePortal(ctx, now, func(tx PortalTx) error {
		var err error
		if link, err = tx.UseSignInLink(ctx, token.Hash(tok)); err != nil {
			return err
		}
		// Whoever followed it controls the address it went to.
		if err := tx.MarkProven(ctx, link.AccountID, link.Email); err != nil || link.Purpose != LinkJoin {
			return err
		}
		if err := tx.LinkAddresses(ctx, link.AccountID, link.FromEmail, link.Email); err != nil {
			return err
		}
		return p.audit(ctx, tx, "email:"+link.Email, AuditAddressesLinked, 0, map[string]string{
			"account": link.AccountID, "from": link.FromEmail, "to": link.Email,
		})
	})
	if err != nil {
		return StaffAccess{}, err
	}
	acc, err := p.Access(ctx, link.AccountID, link.Email)
	if err != nil {
		return StaffAccess{}, err
	}
	err = p.Store.UpdatePortal(ctx, now, func(tx PortalTx) error {
		if err := tx.MarkSignedIn(ctx, acc.Account.ID); err != nil {
			return err
		}
		return p.audit(ctx, tx, "staff:"+acc.Account.Login, AuditStaffSignIn, 0, map[string]string{"account": acc.Account.ID, "email": link.Email})
	})
	if err != nil {
		return StaffAccess{}, err
	}
	if acc.Account.State == AccountInvited {
		acc.Account.State = AccountActive
		acc.Account.ActivatedAt = now
	}
	return acc, nil
}

// SetAccountDisabled disables an account (its person can no longer sign in,
// and their sessions end at their next request) or enables it again. An
// account an operator disabled stays so whatever access the schools open,
// until an operator enables it; one the night run disabled for want of
// access (DisabledBy empty) opens again with a new access, and may be
// enabled here too.
func (p *Portal) SetAccountDisabled(ctx context.Context, accountID string, disabled bool, actor string) (Account, error) {
	var a Account
	err := p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		var err error
		if a, err = tx.LockAccount(ctx, accountID); err != nil {
			return err
		}
		action := AuditAccountEnabled
		switch {
		case disabled && a.State == AccountDisabled:
			return refused("ce compte est déjà désactivé")
		case !disabled && a.State != AccountDisabled:
			return refused("ce compte n'est pas désactivé")
		case disabled:
			action = AuditAccountDisabled
			by := actor
			if by == "" {
				by = "operator"
			}
			a.State, a.DisabledAt, a.DisabledBy = AccountDisabled, tx.Now(), by
		default:
			a.State, a.DisabledAt, a.DisabledBy = AccountInvited, time.Time{}, ""
			if !a.ActivatedAt.IsZero() {
				a.State = AccountActive
			}
		}
		if err := tx.UpdateAccounts(ctx, []Account{a}); err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, action, 0, map[string]string{"account": a.ID, "login": a.Login})
	})
	return a, err
}

// ResendInvitation writes the invitation of an account again, listing its
// active grants, puts it in the outbox and delivers it through sender at
// once.
func (p *Portal) ResendInvitation(ctx context.Context, accountID, actor string, sender mail.Sender) error {
	acc, err := p.Access(ctx, accountID, "")
	if errors.Is(err, ErrNoAccess) || errors.Is(err, ErrScopeClosed) {
		return refused("ce compte n'a pas d'accès actif : une invitation ne lui ouvrirait rien")
	}
	if err != nil {
		return err
	}
	from := p.Service.MailFrom
	if from == "" {
		from = DefaultMailFrom
	}
	text := mailText{
		name:      frtext.FormatName(acc.Person.LastName, acc.Person.FirstName),
		login:     acc.Account.Login,
		portalURL: p.Service.PortalURL,
		link:      true,
	}
	for _, g := range acc.Active {
		text.grants = append(text.grants, PendingGrant{Grant: g.Grant, SchoolName: g.SchoolName})
	}
	subject, body := text.invitation()
	now := p.now()
	m := OutboxMessage{
		ID: NewID(), Kind: MailInvitation, PersonID: acc.Person.ID, NightID: "",
		From: from, To: recipient(acc.Person.LastName, acc.Person.FirstName, acc.Account.Email),
		Subject: subject, Text: body, CreatedAt: now,
	}
	err = p.Store.UpdatePortal(ctx, now, func(tx PortalTx) error {
		if err := tx.Enqueue(ctx, []OutboxMessage{m}); err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, AuditInvitationResent, 0, map[string]string{"account": accountID, "login": acc.Account.Login, "message": m.ID})
	})
	if err != nil {
		return err
	}
	if sender == nil {
		return nil // the next night run delivers it
	}
	msg, sendErr := p.Service.outgoing(ctx, m)
	if sendErr == nil {
		sendErr = sender.Send(ctx, msg)
	}
	if sendErr == nil {
		return p.Service.Store.MarkSent(ctx, m.ID, p.now())
	}
	if err := p.Service.Store.MarkAttempt(ctx, m.ID, p.now(), sendErr.Error(), mail.IsPermanent(sendErr)); err != nil {
		return err
	}
	return fmt.Errorf("invitation enregistrée mais non envoyée (elle sera renvoyée par le traitement de nuit) : %w", sendErr)
}

// DismissHeld records that an operator has dealt with a held transfer (called
// the school, say): it leaves the list of transfers waiting for a decision.
// Only the school can apply it, by sending it again with the confirmation.
func (p *Portal) DismissHeld(ctx context.Context, transferID, actor string) error {
	return p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		if err := tx.DismissHeld(ctx, transferID, actor); err != nil {
			return err
		}
		return p.audit(ctx, tx, actor, AuditHeldDismissed, 0, map[string]string{"transfer": transferID})
	})
}

// RunNight runs the night now at an operator's request, and audits who asked.
func (p *Portal) RunNight(ctx context.Context, actor string, sender mail.Sender) (NightReport, error) {
	if err := p.Audit(ctx, actor, AuditNightRequested, 0, struct{}{}); err != nil {
		return NightReport{}, err
	}
	return p.Service.Night(ctx, time.Time{}, sender)
}

// ResolveRejection settles a rejected entry: it is the existing person
// personID, or someone new when personID is "". The person's identity
// learns what the entry adds (a matricule, the birth date the school gives),
// so that the school's next snapshot recognises them; their grant at the
// entry's school opens at the next night, as a transfer's would. The person
// is returned.
func (p *Portal) ResolveRejection(ctx context.Context, rejectionID, personID, actor string) (Person, error) {
	var person Person
	err := p.Store.UpdatePortal(ctx, p.now(), func(tx PortalTx) error {
		var err error
		person, err = p.resolve(ctx, tx, rejectionID, personID, actor)
		return err
	})
	return person, err
}

func (p *Portal) resolve(ctx context.Context, tx PortalTx, rejectionID, personID, actor string) (Person, error) {
	now := tx.Now()
	r, err := tx.LockRejection(ctx, rejectionID)
	if err != nil {
		return Person{}, err
	}
	role, err := resolvable(r)
	if err != nil {
		return Person{}, err
	}
	// Lock the school as a transfer does, so that the two never interleave.
	if _, err := tx.LockSchool(ctx, r.FASE); err != nil {
		return Person{}, err
	}
	var person Person
	decision, action := DecisionLinked, AuditRejectionLinked
	if personID != "" {
		person, err = linkRejected(ctx, tx, r, personID, now)
	} else {
		decision, action = DecisionNewPerson, AuditRejectionNewPerson
		person, err = newRejectedPerson(ctx, tx, r, now)
	}
	if err != nil {
		return Person{}, err
	}
	grants, err := lockOwnEmail(ctx, tx, r, person.ID)
	if err != nil {
		return Person{}, err
	}
	if err := p.openGrant(ctx, tx, r, string(role), person.ID, grants); err != nil {
		return Person{}, err
	}
	if err := tx.ResolveRejection(ctx, RejectionDecision{RejectionID: r.ID, Decision: decision, PersonID: person.ID, Actor: actor, At: now}); err != nil {
		return Person{}, err
	}
	err = p.audit(ctx, tx, actor, action, r.FASE, map[string]string{
		"rejection": r.ID, "person": person.ID, "schoolYear": r.SchoolYear,
		"name": frtext.FormatName(r.LastName, r.FirstName), "role": string(role),
	})
	return person, err
}

// resolvable returns the role of a rejected entry an operator may resolve:
// one not resolved yet, whose role and e-mail the extranet can use (only
// the school can correct those).
func resolvable(r Rejection) (fwb.Role, error) {
	if !r.ResolvedAt.IsZero() {
		return fwb.RoleNone, ErrAlreadyResolved
	}
	role, err := fwb.ParseRole(r.Role)
	if err != nil || role == fwb.RoleNone {
		return fwb.RoleNone, refused("le rôle « %s » n'existe pas sur l'extranet : seule l'école peut corriger cette ligne", r.Role)
	}
	if r.Email == "" {
		return fwb.RoleNone, refused("l'entrée n'a pas d'adresse e-mail utilisable : seule l'école peut la corriger")
	}
	return role, nil
}

// linkRejected links rejected entry r to the person personID, whose identity
// learns what the entry adds (a matricule, the birth date the school gives),
// so that the school's next snapshot recognises them. It refuses a person
// with another matricule, and a matricule or identity another person has.
func linkRejected(ctx context.Context, tx PortalTx, r Rejection, personID string, now time.Time) (Person, error) {
	person, err := tx.LockPerson(ctx, personID)
	if err != nil {
		return Person{}, err
	}
	fill := person
	if r.Matricule != "" && person.Matricule != "" && person.Matricule != r.Matricule {
		return Person{}, refused("%s a un autre matricule (%s) que l'entrée (%s) : ce n'est pas la même personne",
			frtext.FormatName(person.LastName, person.FirstName), person.Matricule, r.Matricule)
	}
	if r.Matricule != "" && person.Matricule == "" {
		if err := matriculeFree(ctx, tx, r.Matricule, person.ID); err != nil {
			return Person{}, err
		}
		fill.Matricule = r.Matricule
	}
	if r.BirthDate != "" && r.BirthDate != person.BirthDate {
		// The operator confirmed that the entry is this person: the
		// birth date the school gives is taken, as the latest school
		// gives the spelling of the names.
		fill.BirthDate = r.BirthDate
		fill.IdentityKey = IdentityKey(fill.LastName, fill.FirstName, fill.BirthDate)
		if fill.Matricule == "" {
			if err := noTwin(ctx, tx, fill.IdentityKey, fill.ID); err != nil {
				return Person{}, err
			}
		}
	}
	if fill == person {
		return person, nil
	}
	fill.UpdatedAt = now
	if err := tx.UpdatePersons(ctx, []Person{fill}); err != nil {
		return Person{}, err
	}
	return fill, nil
}

// matriculeFree refuses a matricule that is already another person's than
// except ("" for none).
func matriculeFree(ctx context.Context, tx PortalTx, matricule, except string) error {
	found, err := tx.FindPersons(ctx, []string{matricule}, nil)
	if err != nil {
		return err
	}
	for _, o := range found {
		if o.ID != except && o.Matricule == matricule {
			return refused("le matricule %s est déjà celui de %s : rattachez plutôt l'entrée à cette personne",
				matricule, frtext.FormatName(o.LastName, o.FirstName))
		}
	}
	return nil
}

// newRejectedPerson creates the person rejected entry r names, once no one
// has their matricule or, without one, their identity: an entry with
// neither could never be recognised.
func newRejectedPerson(ctx context.Context, tx PortalTx, r Rejection, now time.Time) (Person, error) {
	key := IdentityKey(r.LastName, r.FirstName, r.BirthDate)
	switch {
	case r.Matricule != "":
		if err := matriculeFree(ctx, tx, r.Matricule, ""); err != nil {
			return Person{}, err
		}
	case key != "":
		if err := noTwin(ctx, tx, key, ""); err != nil {
			return Person{}, err
		}
	default:
		return Person{}, refused("l'entrée n'a ni matricule ni date de naissance : l'extranet ne pourrait jamais la reconnaître. Demandez à l'école de les compléter")
	}
	person := Person{ID: NewID(), LastName: r.LastName, FirstName: r.FirstName, BirthDate: r.BirthDate,
		Matricule: r.Matricule, IdentityKey: key, CreatedAt: now, UpdatedAt: now}
	if err := tx.InsertPersons(ctx, []Person{person}); err != nil {
		return Person{}, err
	}
	return person, nil
}

// lockOwnEmail locks rejected entry r's e-mail and refuses it if another
// person holds it, on the extranet or in a live grant of the school: one
// address, one person, so the invitation reaches the right one. It returns
// the school's grants for the year, locked.
func lockOwnEmail(ctx context.Context, tx PortalTx, r Rejection, personID string) ([]GrantRecord, error) {
	if err := tx.LockEmails(ctx, []string{r.Email}); err != nil {
		return nil, err
	}
	holders, err := tx.EmailHolders(ctx, []string{r.Email}, r.FASE, r.SchoolYear)
	if err != nil {
		return nil, err
	}
	grants, err := tx.LockYearGrants(ctx, r.FASE, r.SchoolYear)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		if g.Grant.Live() && g.Grant.PersonID != personID {
			if email := g.Grant.Target().Email; email == r.Email {
				holders = append(holders, EmailHolder{Email: r.Email, PersonID: g.Grant.PersonID})
			}
		}
	}
	for _, h := range holders {
		if h.PersonID != personID {
			return nil, refused("l'adresse %s est déjà celle d'une autre personne sur l'extranet : rattachez l'entrée à cette personne, ou demandez à l'école de corriger l'adresse", r.Email)
		}
	}
	return grants, nil
}

// noTwin refuses a person without matricule whose identity key another
// person without matricule already has: nothing could ever tell them apart.
func noTwin(ctx context.Context, tx GrantTx, key, except string) error {
	found, err := tx.FindPersons(ctx, nil, []string{key})
	if err != nil {
		return err
	}
	for _, o := range found {
		if o.ID != except && o.Matricule == "" && o.IdentityKey == key {
			return refused("%s, sans matricule, porte déjà ce nom et cette date de naissance : rattachez l'entrée à cette personne, ou demandez le matricule à l'école",
				frtext.FormatName(o.LastName, o.FirstName))
		}
	}
	return nil
}

// openGrant gives the person the entry's access, as reconcile would for a
// recognised entry: a new grant, one deactivated earlier opened again, or
// the values of a live one replaced (at the next night for an active one).
func (p *Portal) openGrant(ctx context.Context, tx GrantTx, r Rejection, role, personID string, grants []GrantRecord) error {
	now := tx.Now()
	v := GrantValues{Role: role, Email: r.Email, LastName: r.LastName, FirstName: r.FirstName}
	for _, rec := range grants {
		if rec.Grant.PersonID != personID {
			continue
		}
		g := rec.Grant
		sameIdentity := g.SentBirthDate == r.BirthDate && g.SentMatricule == r.Matricule
		g.SentBirthDate, g.SentMatricule = r.BirthDate, r.Matricule
		switch {
		case !g.Live():
			g.GrantValues = v
			g.State, g.Since, g.Pending, g.EndReason = GrantPending, now, PendingCreated, ""
			clearPending(&g)
		case g.State == GrantPending:
			g.GrantValues = v
		default:
			if g.Target() == v {
				if sameIdentity {
					return nil
				}
				break // only the identity the school sent changes
			}
			g.Pending = PendingModified
			g.Next = v
			g.PendingSince = now
		}
		g.UpdatedAt = now
		return tx.UpdateGrants(ctx, []Grant{g})
	}
	return tx.InsertGrants(ctx, []Grant{{
		ID: NewID(), PersonID: personID, FASE: r.FASE, SchoolYear: r.SchoolYear,
		GrantValues: v, SentBirthDate: r.BirthDate, SentMatricule: r.Matricule,
		State: GrantPending, Since: now, Pending: PendingCreated, CreatedAt: now, UpdatedAt: now,
	}})
}
