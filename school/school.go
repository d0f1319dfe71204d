// Package school is the school side's domain: staff members (membres du
// personnel), their situations in the school (situation école), the checks a
// school runs before a transfer, the import and export of its staff, and the
// Store interface that the storage packages implement.
//
// It imports no storage, HTTP or template package.
package school

import (
	"context"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/internal/errs"
)

// ErrNotFound is returned, wrapped, when a school, row, user or transfer does
// not exist (errs.ErrNotFound, the same value on both sides).
var ErrNotFound = errs.ErrNotFound

// ErrLoginTaken is returned, wrapped, when a new user's login is already
// used.
var ErrLoginTaken = errs.New("identifiant déjà utilisé")

// ErrLastDirection is returned, wrapped, when a change of the users would
// leave the school without a direction user; its text is the French
// sentence the pages show.
var ErrLastDirection = errs.New("l'école doit garder au moins un utilisateur de la direction : donnez d'abord ce droit à quelqu'un d'autre")

// School is an établissement, known by its FASE number.
type School struct {
	FASE int
	Name string
}

// Member is a staff member (membre du personnel): who the person is, whatever
// their situations.
type Member struct {
	ID        int64
	LastName  string
	FirstName string
	BirthDate time.Time // civil date at UTC midnight; zero when unknown
	Sex       fwb.Sex
	NISS      string // numéro national, digits only, as the school encoded it
	Matricule string // matricule ministériel, digits only
	// SchoolEmail is "E-mail (École)", the only address sent to the extranet.
	SchoolEmail string
	// PrivateEmail is kept for the school and never sent.
	PrivateEmail string
}

// Situation is a member's "situation école": what they are in one school over
// a period.
type Situation struct {
	ID       int64
	MemberID int64
	FASE     int
	Start    time.Time // civil date
	End      time.Time // civil date; zero when open-ended
	// Present is "Présent (physiquement)": actually working in the school now.
	Present bool
	// Active is "Actif (présent administrativement)": decides whether the
	// extranet access stays open.
	Active bool
	// Status is the "Situation principale" code (D, V, I, …) or "-".
	Status string
	// Function is the "Fonction principale" code (IP, IM, D, …).
	Function string
	// Promotion is the "fonction de promotion" flag (a director's function).
	Promotion bool
	Charge    []fwb.ChargeLine
	// Role is the "Rôle extranet" encoded on the situation (may be empty).
	Role fwb.Role
}

// Covers reports whether the situation is current on the civil date of d,
// read in d's own location (fwb.Date). For the school's today, pass the
// instant in Brussels time, d.In(frtext.Brussels), as Check and
// transfer.Select do: a server on UTC is still on the day before until 01:00
// or 02:00 in Brussels.
func (s Situation) Covers(d time.Time) bool {
	d = fwb.Date(d)
	if !s.Start.IsZero() && s.Start.After(d) {
		return false
	}
	return s.End.IsZero() || !s.End.Before(d)
}

// Resume is the "Résumé" column: "IP 24/24, avec -24/24".
func (s Situation) Resume() string { return fwb.FormatResume(s.Charge) }

// Row is one line of the Situation école list: a situation with its member.
type Row struct {
	Member    Member
	Situation Situation
}

// ID identifies a row by its situation.
func (r Row) ID() int64 { return r.Situation.ID }

// ListName is the list's "Nom" column: "Brocar Pascale" (frtext.ListName).
func (r Row) ListName() string { return frtext.ListName(r.Member.LastName, r.Member.FirstName) }

// DisplayName is the messages' form: "Pascale Brocar" (frtext.FormatName).
func (r Row) DisplayName() string { return frtext.FormatName(r.Member.LastName, r.Member.FirstName) }

// Settings are a school's extranet settings.
type Settings struct {
	FASE        int
	ExtranetURL string
	// Token is the school's API token for the extranet. The school must
	// present it, so it is stored as given; it is never printed or logged.
	Token string
	// Auto enables the automatic transfer, after the direction's consent.
	Auto          bool
	AutoConsentBy string
	AutoConsentAt time.Time
	// AutoDays are the weekdays of the automatic transfer (default Monday,
	// Wednesday, Friday) and AutoHour its hour, Europe/Brussels (default 19).
	AutoDays []time.Weekday
	AutoHour int
}

// DefaultAutoDays are the days of the automatic transfer when none are set.
var DefaultAutoDays = []time.Weekday{time.Monday, time.Wednesday, time.Friday}

// DefaultAutoHour is the hour of the automatic transfer when none is set.
const DefaultAutoHour = 19

// TransferOutcome says how a transfer ended.
type TransferOutcome string

const (
	OutcomeDone      TransferOutcome = "done"      // applied (or previewed) by the extranet
	OutcomeNoChange  TransferOutcome = "unchanged" // applied, nothing changed
	OutcomeHeld      TransferOutcome = "held"      // held by the mass-deactivation guard
	OutcomeFailed    TransferOutcome = "failed"    // not applied: see Error
	OutcomeCancelled TransferOutcome = "cancelled"
)

// TransferCounts are the extranet's counts for one transfer.
type TransferCounts struct {
	Completed, Errors, Created, Modified, Deactivated, Unchanged, Rejected int
}

// TransferRecord is one entry of the transfer history.
type TransferRecord struct {
	ID         int64
	FASE       int
	At         time.Time
	By         string // the user's name, or "automatique"
	DryRun     bool
	Outcome    TransferOutcome
	SchoolYear string
	Counts     TransferCounts
	Messages   []string // the lines shown to the user, in order
	Error      string   // French error when Outcome is failed
	// ExtranetID is the extranet's transferId, when it answered.
	ExtranetID string
	// IdempotencyKey is the key sent with the request, so a retry after a
	// lost answer reuses it.
	IdempotencyKey string
	// SeenBy and SeenAt say who first opened the transfer's messages, and
	// when: a failed or held automatic transfer nobody has opened yet is
	// announced on the list (NeedsAttention).
	SeenBy string
	SeenAt time.Time
}

// NeedsAttention reports an automatic transfer that failed or was held and
// that nobody has opened yet: the list announces it to every user.
func (r TransferRecord) NeedsAttention(automaticBy string) bool {
	if r.DryRun || r.By != automaticBy || !r.SeenAt.IsZero() {
		return false
	}
	return r.Outcome == OutcomeFailed || r.Outcome == OutcomeHeld || r.Outcome == OutcomeCancelled
}

// ResultLabel is the transfer's result as the history shows it: « Fait »,
// « Aucun changement », « Suspendu », « Échec », « Interrompu », or
// « Aperçu » when ShownAsPreview. The command line writes it in lower case.
func (r TransferRecord) ResultLabel() string {
	if r.ShownAsPreview() {
		return "Aperçu"
	}
	switch r.Outcome {
	case OutcomeDone:
		return "Fait"
	case OutcomeNoChange:
		return "Aucun changement"
	case OutcomeHeld:
		return "Suspendu"
	case OutcomeFailed:
		return "Échec"
	case OutcomeCancelled:
		return "Interrompu"
	}
	return string(r.Outcome)
}

// ShownAsPreview reports whether the result reads « Aperçu »: a preview that
// found changes, or that the extranet would hold. It applied nothing; its
// messages tell what a transfer would do.
func (r TransferRecord) ShownAsPreview() bool {
	return r.DryRun && (r.Outcome == OutcomeDone || r.Outcome == OutcomeHeld)
}

// RoleCompletion writes a completed extranet role on a situation.
type RoleCompletion struct {
	SituationID int64
	Role        fwb.Role
}

// User is a person who signs in to the school pages.
type User struct {
	ID           int64
	Login        string
	Name         string
	PasswordHash string
	// Direction users may change the extranet settings and consent to the
	// automatic transfer; secretariat users may not.
	Direction bool
	Created   time.Time
}

// Store keeps the school side's data. Every method that writes does so in one
// transaction.
type Store interface {
	SaveSchool(ctx context.Context, s School) error
	School(ctx context.Context, fase int) (School, error)
	Schools(ctx context.Context) ([]School, error)

	// Rows returns every situation of the school with its member, in no
	// particular order.
	Rows(ctx context.Context, fase int) ([]Row, error)
	// Row returns one situation of the school with its member.
	Row(ctx context.Context, fase int, situationID int64) (Row, error)
	// SaveRows inserts (ID 0) or updates each row's member and situation,
	// all in one transaction, and returns the rows with their IDs. A new
	// situation of a new member gets that member's new ID.
	SaveRows(ctx context.Context, fase int, rows []Row) ([]Row, error)

	Settings(ctx context.Context, fase int) (Settings, error)
	SaveSettings(ctx context.Context, s Settings) error

	// RecordTransfer stores a history entry and, in the same transaction,
	// writes the completed roles (only for a transfer the extranet applied).
	RecordTransfer(ctx context.Context, rec TransferRecord, completions []RoleCompletion) (TransferRecord, error)
	Transfers(ctx context.Context, fase int, limit int) ([]TransferRecord, error)
	Transfer(ctx context.Context, fase int, id int64) (TransferRecord, error)
	// MarkTransferSeen records that by opened the transfer's messages; only
	// the first opening counts. A missing transfer is ErrNotFound.
	MarkTransferSeen(ctx context.Context, fase int, id int64, by string) error

	CreateUser(ctx context.Context, u User) (User, error)
	UserByLogin(ctx context.Context, login string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	// SetPassword replaces a user's password hash and, in the same
	// transaction, ends every session of that user, so that a changed
	// password shuts out whoever had the old one. A missing user is
	// ErrNotFound.
	SetPassword(ctx context.Context, id int64, hash string) error
	// Users lists the users by login.
	Users(ctx context.Context) ([]User, error)
	// UpdateUser changes a user's name and direction right; taking the
	// right from the last direction user is refused.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes a user with their sessions and preferences;
	// removing the last direction user is refused.
	DeleteUser(ctx context.Context, id int64) error

	// DeleteSituation removes a situation of the school, and its member
	// when no situation of theirs is left. A missing situation is
	// ErrNotFound.
	DeleteSituation(ctx context.Context, fase int, situationID int64) error

	Close() error
}
