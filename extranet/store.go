package extranet

import (
	"context"
	"time"
)

// Store is what the extranet needs from storage. store/extranetstore
// implements it on SQLite and PostgreSQL; one contract test suite runs on
// both.
//
// Writes go through Update, so that the Service composes the steps of a
// transfer or of a night-run batch in one transaction; reads that need no
// transaction are plain methods.
type Store interface {
	// Update runs fn in one write transaction, committed when fn returns nil
	// and rolled back otherwise (fn's error is returned). fn may run more
	// than once: when the database reports a conflict between concurrent
	// transactions (a deadlock, or two schools creating the same person at
	// once), the transaction is retried from the start, so fn must derive
	// everything from what it reads through tx.
	Update(ctx context.Context, now time.Time, fn func(tx Tx) error) error

	// TokenSchool returns the school of a token hash that is not revoked, or
	// ErrNotFound.
	TokenSchool(ctx context.Context, tokenHash string) (fase int, err error)
	// School returns a school, or ErrUnknownSchool.
	School(ctx context.Context, fase int) (School, error)
	// Schools lists the schools by FASE.
	Schools(ctx context.Context) ([]School, error)
	// YearGrants returns every grant of a school for a school year, with
	// its sent identity, persons and logins, in one query.
	YearGrants(ctx context.Context, fase int, schoolYear string) ([]GrantRecord, error)

	// PendingPersons calls fn with each person who has a grant waiting for
	// the night run, of a school year up to upTo ("YYYY-YYYY"; the grants of
	// a school year not begun wait for it), in the order of their IDs, with
	// what their login is made of (ID, names, birth date, matricule; the
	// other fields empty). fn must not keep p's address: the store reuses it.
	PendingPersons(ctx context.Context, upTo string, fn func(p *Person)) error
	// Outbox lists outbox messages, oldest first.
	Outbox(ctx context.Context, f OutboxFilter) ([]OutboxMessage, error)
	// UnsentAfter returns up to limit messages neither sent nor failed for
	// good whose ID sorts after afterID, in ID order.
	UnsentAfter(ctx context.Context, afterID string, limit int) ([]OutboxMessage, error)
	// MarkSent records the delivery of a message.
	MarkSent(ctx context.Context, id string, at time.Time) error
	// MarkAttempt records a failed delivery; permanent ones are not tried
	// again.
	MarkAttempt(ctx context.Context, id string, at time.Time, errText string, permanent bool) error
	// SaveNightReport stores (or replaces) a night run's report.
	SaveNightReport(ctx context.Context, r NightReport) error
	// NightReports lists the latest night reports, newest first.
	NightReports(ctx context.Context, limit int) ([]NightReport, error)
	// CarriedOver returns, by school (fase 0: every school), the active
	// grants of the ended school year at the schools that have not sent the
	// next one (TransferRecords.MarkSent): the accesses carried over.
	CarriedOver(ctx context.Context, ended, next string, fase int) ([]CarriedSchool, error)
	// LockNight takes the night-run lock, shared by every process on the
	// database, or returns ErrNightRunning. release gives it back.
	LockNight(ctx context.Context) (release func(), err error)

	// Audit lists audit entries, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// Rejections lists rejected entries, newest first.
	Rejections(ctx context.Context, f RejectionFilter) ([]Rejection, error)

	// Ready returns nil when the database answers and its migrations are
	// current.
	Ready(ctx context.Context) error
}

// Tx is one write transaction of a Store. It is made of the parts that
// the domain's steps name: a step takes the narrowest part that has what
// it calls (a transfer's reads and writes of persons and grants take a
// GrantTx, its records a JournalTx, the rentrée a RentreeTx …), so that a
// reader sees from a signature what a step may touch.
type Tx interface {
	SchoolTx
	GrantTx
	JournalTx
	NightTx
	RentreeTx
	TrustTx
	SCIMTx
}

// SchoolTx is a transaction's part about schools and their tokens.
type SchoolTx interface {
	// LockSchool locks the school's row until the end of the transaction, so
	// that two transfers of one school never interleave, and returns it; it
	// returns ErrUnknownSchool when there is no such school.
	LockSchool(ctx context.Context, fase int) (School, error)
	// LockSchoolAnswer locks the school's row as LockSchool does and
	// returns the stored answer for an idempotency key ("" for none), if
	// any, in one statement. Where transactions run side by side, it may
	// miss an answer stored by a transaction that committed while this one
	// waited for the lock: storing the same key again then fails, and
	// Update runs the function again, which finds it.
	LockSchoolAnswer(ctx context.Context, fase int, idemKey string) (School, Idempotency, bool, error)
	// InsertSchool adds a school, or returns ErrSchoolExists.
	InsertSchool(ctx context.Context, s School) error
	// InsertToken stores the hash of a new token of a school.
	InsertToken(ctx context.Context, fase int, tokenHash, actor string) error
	// RevokeTokens revokes every live token of a school and returns how many.
	RevokeTokens(ctx context.Context, fase int) (int, error)
}

// GrantTx is a transaction's part about persons and their grants: what a
// transfer, a SCIM write or an operator's decision reads and writes.
type GrantTx interface {
	// Now is the transaction's instant.
	Now() time.Time
	// LockYearGrants returns every grant of a school for a school year, in
	// any state, with its sent identity and person (not the login: no
	// writer needs it, GrantRecord.Login is ""), and locks them against the
	// night run until the end of the transaction.
	LockYearGrants(ctx context.Context, fase int, schoolYear string) ([]GrantRecord, error)
	// FindPersons returns the persons whose matricule is in matricules or
	// whose identity key is in keys.
	FindPersons(ctx context.Context, matricules, keys []string) ([]Person, error)
	// LockEmails makes the transactions that give the same addresses to
	// people take turns, until the end of the transaction (a no-op where
	// writers are serialised already): a transfer locks the addresses it
	// gives that the school-year's grants do not hold yet, then looks up
	// their holders, which then include those of a transaction it waited
	// for.
	LockEmails(ctx context.Context, emails []string) error
	// FindCandidates returns, in one round trip where it can, what
	// FindPersons(matricules, keys) and EmailHolders(emails, fase,
	// schoolYear) return: the persons a snapshot may name and who uses its
	// addresses. Call it after LockEmails.
	FindCandidates(ctx context.Context, matricules, keys, emails []string, fase int, schoolYear string) ([]Person, []EmailHolder, error)
	// EmailHolders returns who uses the given addresses: the persons whose
	// account (invited or active) has one, and those with a live grant that
	// holds one (current or pending address), except the grants of school
	// fase for schoolYear, which the calling transfer reconciles itself.
	EmailHolders(ctx context.Context, emails []string, fase int, schoolYear string) ([]EmailHolder, error)
	// InsertPersons adds persons.
	InsertPersons(ctx context.Context, ps []Person) error
	// UpdatePersons rewrites the names, birth date, matricule and identity
	// key of persons.
	UpdatePersons(ctx context.Context, ps []Person) error
	// InsertGrants adds grants.
	InsertGrants(ctx context.Context, gs []Grant) error
	// UpdateGrants rewrites grants as given (every column but the keys,
	// the sent identity included: give it grants LockYearGrants read).
	UpdateGrants(ctx context.Context, gs []Grant) error
	// DeactivateGrants deactivates grants now, for a reason.
	DeactivateGrants(ctx context.Context, ids []string, reason string) error
}

// JournalTx is a transaction's part that records what happened: the
// audit log, the transfers' journal, a transfer's records.
type JournalTx interface {
	// Now is the transaction's instant.
	Now() time.Time
	// AddAudit appends to the audit log.
	AddAudit(ctx context.Context, e AuditEntry) error
	// SaveTransferRecord adds a transfer, with its changes, to the journal
	// that the direction's space and the operators' console show.
	SaveTransferRecord(ctx context.Context, r TransferRecord) error
	// RecordTransfer writes the records of a transfer (TransferRecords
	// says which: the rejections of the school year, the year sent, the
	// idempotency answer, audit entries, the journal); on PostgreSQL in
	// one statement.
	RecordTransfer(ctx context.Context, r TransferRecords) error
}

// NightTx is a transaction's part that the night run uses to open
// accesses: accounts, logins and the outbox.
type NightTx interface {
	// Now is the transaction's instant.
	Now() time.Time
	// OpenPendingGrants opens the created grants of the given persons, of a
	// school year up to upTo, and returns them as they were before, with the
	// persons' other grants of those years that wait for the night (modified
	// ones, locked until the end of the transaction, which ApplyModifications
	// then applies), their persons, accounts and school names, ordered by
	// person then school. The grants of a school year after upTo are left
	// as they are.
	OpenPendingGrants(ctx context.Context, personIDs []string, upTo string) ([]PendingGrant, error)
	// TakenLogins returns the logins whose base is one of bases.
	TakenLogins(ctx context.Context, bases []string) ([]string, error)
	// InsertAccounts adds accounts.
	InsertAccounts(ctx context.Context, as []Account) error
	// UpdateAccounts rewrites the e-mail, state, disabled date, DisabledBy
	// and own grant of accounts.
	UpdateAccounts(ctx context.Context, as []Account) error
	// ApplyModifications moves the pending values of grants into their
	// current ones.
	ApplyModifications(ctx context.Context, ids []string) error
	// DisableOrphanAccounts disables the accounts left with no active grant
	// and returns how many.
	DisableOrphanAccounts(ctx context.Context) (int, error)
	// Enqueue adds messages to the outbox.
	Enqueue(ctx context.Context, ms []OutboxMessage) error
	// PurgeIdempotency forgets the idempotency answers stored before t.
	PurgeIdempotency(ctx context.Context, before time.Time) (int, error)
}

// RentreeTx is a transaction's part about school years: their end, the
// carry-over of accesses and what a new access continues.
type RentreeTx interface {
	// Now is the transaction's instant.
	Now() time.Time
	// LiveSchoolYears returns the school years that have a live grant.
	LiveSchoolYears(ctx context.Context) ([]string, error)
	// ExpireGrants deactivates (EndExpired) the live grants of the given
	// school years and returns how many.
	ExpireGrants(ctx context.Context, schoolYears []string) (int, error)
	// ExpireSentOver expires (EndExpired) the grants of the ended school
	// year at the schools that sent the next one, and its pending grants
	// everywhere, and returns how many grants expired. The other active
	// grants of that year are carried over.
	ExpireSentOver(ctx context.Context, ended, next string) (int, error)
	// SCIMFedSchools returns, in order, the schools (school fase alone,
	// unless 0) whose latest applied write of the ended school year
	// (operators' aside) came through SCIM or the rentrée's carry
	// (ActorRentree), that applied no snapshot of the next year, and that
	// have a live grant of the ended year with a user written through SCIM
	// and not deleted: the schools fed by SCIM, whose users the rentrée
	// carries.
	SCIMFedSchools(ctx context.Context, ended, next string, fase int) ([]int, error)
	// PriorGrants returns the grants of the given persons, in the given
	// school years, that are active or expired with their year (not those
	// a school removed): what a new access may continue (Continuation).
	PriorGrants(ctx context.Context, personIDs, schoolYears []string) ([]Grant, error)
	// CarriedDirectors returns the Directeur grants carried over (active,
	// of the ended school year, at a school that has not sent the next one)
	// of the persons whose account is open and who got no
	// MailGraceWarning since the instant since, by person then school.
	CarriedDirectors(ctx context.Context, ended, next string, since time.Time) ([]CarriedDirector, error)
	// Enqueue adds messages to the outbox.
	Enqueue(ctx context.Context, ms []OutboxMessage) error
}

// Directory is what the portal reads about people: accounts by login or
// e-mail, and a person's grants with the names of their schools.
// store/extranetstore implements it beside Store.
type Directory interface {
	// AccountByLogin returns the account with this login, or ErrNotFound.
	AccountByLogin(ctx context.Context, login string) (Account, error)
	// AccountByEmail returns the account with this address, preferring one
	// that is not disabled, or ErrNotFound.
	AccountByEmail(ctx context.Context, email string) (Account, error)
	// Person returns a person, or ErrNotFound.
	Person(ctx context.Context, id string) (Person, error)
	// PersonGrants returns every grant of a person, newest school year
	// first, with the school names.
	PersonGrants(ctx context.Context, personID string) ([]PersonGrant, error)
}
