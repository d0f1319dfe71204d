package extranet

import (
	"time"

	"passerelle/wire"
)

// Person is someone the extranet knows, whatever the schools that give them
// access. A person is recognised by matricule when one is known, otherwise by
// IdentityKey (folded names and birth date); see docs/extranet.md.
type Person struct {
	ID        string
	LastName  string
	FirstName string
	BirthDate string // YYYY-MM-DD; empty when only the matricule was given
	Matricule string // 11 digits; empty when unknown
	// IdentityKey is IdentityKey(LastName, FirstName, BirthDate), stored
	// and indexed so that a snapshot's people are looked up in one query.
	IdentityKey string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Account states.
const (
	// AccountInvited: the account exists and its invitation was sent; the
	// person has not signed in yet.
	AccountInvited = "invited"
	// AccountActive: the person has signed in at least once.
	AccountActive = "active"
	// AccountDisabled: the person has no active grant left; sign-in is refused.
	AccountDisabled = "disabled"
)

// Account is a person's sign-in to the portal: one per person, whatever the
// number of schools.
type Account struct {
	ID       string
	PersonID string
	// Login is "prenom.nom.JJMMAA", with ".2", ".3"… when taken (see Login).
	Login string
	// LoginBase is Login without its suffix; the night run looks up the
	// logins taken for a base in one indexed query.
	LoginBase string
	// Email is the account's address: the one its invitation went to, given
	// by the school of its own grant (OwnGrantID), which alone moves it
	// (docs/security.md).
	Email string
	// OwnGrantID is the account's own grant: the one whose address is the
	// account's and whose names are the person's. When it ends, the night
	// gives the account another live grant of the person.
	OwnGrantID   string
	State        string
	PasswordHash string // set by the portal; empty until the first sign-in
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ActivatedAt  time.Time // first sign-in; zero before
	DisabledAt   time.Time // zero unless disabled
	// DisabledBy is the operator who disabled the account from the
	// console ("operator:login"): it then stays disabled, whatever access
	// the schools open, until an operator enables it. Empty when the night
	// run disabled it for want of access, or when it is not disabled.
	DisabledBy string
}

// Grant states.
const (
	// GrantPending: created by a transfer, waiting for the night run.
	GrantPending = "pending"
	// GrantActive: opened by a night run.
	GrantActive = "active"
	// GrantDeactivated: removed by a transfer, or expired with its school year.
	GrantDeactivated = "deactivated"
)

// Pending change kinds of a grant: what the next night run will do.
const (
	PendingNone     = ""
	PendingCreated  = "created"  // the grant opens (its state is pending)
	PendingModified = "modified" // the Next values replace the current ones
)

// End reasons of a deactivated grant.
const (
	EndRemoved = "removed" // the school's snapshot no longer held the person
	EndExpired = "expired" // its school year ended
)

// GrantValues are what a grant gives: a role, at an address, under the
// names its school sent.
type GrantValues struct {
	Role      string
	Email     string
	LastName  string
	FirstName string
}

// Grant is a person's access to one school for one school year, with one
// role: what a school gives through its snapshot.
type Grant struct {
	ID         string
	PersonID   string
	FASE       int
	SchoolYear string
	// GrantValues are what the grant holds now. For a pending grant, they
	// are what it will open with.
	GrantValues
	// SentBirthDate and SentMatricule are the identity the grant's school
	// sent in its latest snapshot that named the person ("" when it sent
	// none). The Person's are shared by every school; what a school sees of
	// its own staff comes from here, so that it never learns what another
	// school sent. Unlike the values above, they take effect at once: they
	// give no access.
	SentBirthDate string
	SentMatricule string
	State         string
	// Since is when the grant entered its state.
	Since time.Time
	// Pending tells what the next night run does: PendingCreated for a
	// pending grant, PendingModified for an active grant whose new values
	// wait in Next, since PendingSince.
	Pending      string
	Next         GrantValues
	PendingSince time.Time
	EndReason    string // EndRemoved or EndExpired once deactivated
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Live reports whether g gives access now or after the next night.
func (g Grant) Live() bool { return g.State == GrantPending || g.State == GrantActive }

// Target returns the values the grant will hold after the next night run:
// the pending ones when a modification waits, the current ones otherwise. A
// snapshot is compared with these, so that re-sending it changes nothing.
func (g Grant) Target() GrantValues {
	if g.Pending == PendingModified {
		return g.Next
	}
	return g.GrantValues
}

// GrantRecord is a grant with its person and, once the night run opened it,
// the person's login (read by Store.YearGrants, not by Tx.LockYearGrants).
type GrantRecord struct {
	Grant  Grant
	Person Person
	Login  string
}

// PersonGrant is a grant with the name of its school, as the portal lists a
// person's accesses.
type PersonGrant struct {
	Grant      Grant
	SchoolName string
}

// School is an établissement that sends snapshots, known by its FASE number.
type School struct {
	FASE      int
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AuditEntry records who did what and when: every transfer (applied or
// held), token change and night run.
type AuditEntry struct {
	ID     string
	At     time.Time
	Actor  string // "school:4242", "operator:login", "night"…
	Action string // one of the Audit* constants
	FASE   int    // 0 when no school is concerned
	Detail string // JSON, for operators
}

// Audit actions.
const (
	AuditTransferApplied = "transfer.applied"
	AuditTransferHeld    = "transfer.held"
	AuditSchoolAdded     = "school.added"
	AuditTokenRotated    = "token.rotated"
	AuditTokensRevoked   = "token.revoked"
	AuditNightRun        = "night.run"
)

// Outbox message kinds.
const (
	MailInvitation = "invitation" // a new account
	MailNotice     = "notice"     // a new access on an existing account
	// MailGraceWarning tells a director that the school has not sent the
	// new school year and that its carried-over accesses end soon.
	MailGraceWarning = "rentree"
)

// OutboxMessage is an e-mail written by the night run in the same
// transaction as the grant changes it announces, and delivered afterwards.
// Its ID is the mail.Message ID, so that delivering it twice (after a crash
// between the send and its mark) yields the same Message-ID and file name.
type OutboxMessage struct {
	ID        string
	Kind      string
	PersonID  string
	NightID   string
	From      string
	To        string
	Subject   string
	Text      string
	CreatedAt time.Time
	SentAt    time.Time // zero until delivered
	FailedAt  time.Time // set when delivery failed for good
	Attempts  int
	LastError string
}

// OutboxFilter selects outbox messages.
type OutboxFilter struct {
	Unsent   bool   // only messages neither sent nor failed for good
	PersonID string // only this person's messages
	Limit    int    // 0: 100
}

// Rejection is a snapshot entry the extranet refused to guess about, kept for
// operators until a later snapshot of the school no longer rejects it.
type Rejection struct {
	ID         string
	FASE       int
	SchoolYear string
	// Key identifies the entry across snapshots (identity, e-mail, role).
	Key        string
	LastName   string
	FirstName  string
	BirthDate  string
	Matricule  string
	Email      string
	Role       string
	Reason     string
	TransferID string
	FirstSeen  time.Time
	LastSeen   time.Time
	ResolvedAt time.Time // zero while waiting for an operator
}

// RejectionFilter selects rejections.
type RejectionFilter struct {
	FASE     int  // 0: every school
	OpenOnly bool // only those waiting for an operator
	Limit    int  // 0: 100
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	FASE   int    // 0: every school
	Action string // "": every action
	// Actor: "" every actor; ending with ":" (such as "operator:") every
	// actor of that kind; otherwise that actor only.
	Actor    string
	From, To time.Time // zero: no bound; To is exclusive
	Limit    int       // 0: 100
}

// EmailHolder tells that an e-mail address is in use by a person: their
// account's address, or the address of a live grant of theirs.
type EmailHolder struct {
	Email    string
	PersonID string
}

// TransferRecords are the rows that record an applied transfer, beside its
// grants: what Tx.RecordTransfer writes at once.
type TransferRecords struct {
	FASE       int
	SchoolYear string
	// SaveRejections: record Rejections as the school year's rejected
	// entries of transfer TransferID: new ones are added, those seen again
	// are updated, and the school-year's open rejections that are not in
	// Rejections are resolved.
	SaveRejections bool
	TransferID     string
	Rejections     []Rejection
	// MarkSent: the school applied a transfer for the school year (the
	// first one counts; later ones change nothing). The rentrée carries
	// over the accesses of the schools that have not.
	MarkSent bool
	// Idempotency, when its Key is set, is the answer to store for the
	// request's key.
	Idempotency Idempotency
	// Audit are audit entries, in order (Tx.AddAudit).
	Audit []AuditEntry
	// Journal, when set, is the transfer's journal entry
	// (Tx.SaveTransferRecord).
	Journal *TransferRecord
}

// Idempotency is the stored answer to a transfer sent with an idempotency
// key.
type Idempotency struct {
	Key       string
	BodyHash  string
	Result    wire.TransferResult
	CreatedAt time.Time
}

// PendingGrant is one grant the night run has to open or change, with what
// it needs to write the e-mails.
type PendingGrant struct {
	Grant      Grant
	Person     Person
	Account    *Account // nil when the person has no account yet
	SchoolName string
}

// NightReport is what one night run did.
type NightReport struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"` // the run's clock (--at), which decides expiry
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Activated counts pending grants opened.
	Activated int `json:"activated"`
	// Modified counts waiting modifications applied.
	Modified        int `json:"modified"`
	CreatedAccounts int `json:"createdAccounts"`
	Reactivated     int `json:"reactivated"`
	// KeptDisabled counts the persons who got an access while their
	// account stays disabled by an operator.
	KeptDisabled int `json:"keptDisabled"`
	Invitations  int `json:"invitations"`
	Notices      int `json:"notices"`
	// Renewed counts the grants opened that continue an access of the
	// previous school year at the same school (Continuation): no e-mail,
	// or one plain notice when the role changed (RoleChanges).
	Renewed     int `json:"renewed"`
	RoleChanges int `json:"roleChanges"`
	// CarriedOver counts, after the run, the active grants of the ended
	// school year carried over at CarriedSchools schools that have not
	// sent the new year, until CarryDeadline (YYYY-MM-DD; empty when none).
	CarriedOver    int    `json:"carriedOver"`
	CarriedSchools int    `json:"carriedSchools"`
	CarryDeadline  string `json:"carryDeadline,omitempty"`
	// SCIMSchoolsRenewed counts the schools fed by SCIM whose users the
	// run carried into the school year that began (renewSCIMSchools).
	SCIMSchoolsRenewed int `json:"scimSchoolsRenewed"`
	// GraceWarnings counts the e-mails written to the directors of the
	// schools that have not sent the new year, as the deadline nears.
	GraceWarnings int      `json:"graceWarnings"`
	Expired       int      `json:"expired"`
	Disabled      int      `json:"disabled"`
	Sent          int      `json:"sent"`
	Failed        int      `json:"failed"`
	Errors        []string `json:"errors"`
}
