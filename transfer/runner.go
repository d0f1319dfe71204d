package transfer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"passerelle/apiclient"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/wire"
)

// ByAutomatic is the author recorded for a transfer the schedule ran.
const ByAutomatic = "automatique"

// Extranet is the extranet as a transfer sees it: apiclient.Client satisfies it.
// The key is the Idempotency-Key: a request sent again with the same key
// (after a lost answer) is applied once.
type Extranet interface {
	PutStaff(ctx context.Context, fase int, snap wire.Snapshot, dryRun bool, key string) (wire.TransferResult, error)
}

// Runner runs transfers for the schools of one school store.
type Runner struct {
	Store  school.Store
	Tables *fwb.Tables
	// Now is the clock; it decides the situations that count and the school
	// year. Nil means time.Now.
	Now func() time.Time
	// NewClient returns the extranet at url with the school's token. Nil
	// means apiclient.NewClient, logging its retries to Log.
	NewClient func(url, token string) Extranet
	Log       *slog.Logger // nil means slog.Default()
	// PrepareFrom is the day from which « Préparer la rentrée » sends the
	// next school year (RentreeAt); zero: DefaultPrepareFrom.
	PrepareFrom fwb.MonthDay
}

// Options are the choices of one transfer.
type Options struct {
	// DryRun asks the extranet what it would do, without applying it nor
	// completing any role.
	DryRun bool
	// ConfirmDeactivations confirms a mass deactivation the extranet held:
	// it must equal the count the extranet gave.
	ConfirmDeactivations int
	// By is the user's name, or ByAutomatic.
	By string
	// URL and Token replace the school's settings when not empty.
	URL, Token string
	// HeldHint adds "(--confirm-deactivations K)" to the suspension line, for
	// the command line.
	HeldHint bool
	// Rentree is « Préparer la rentrée »: the next school year's staff as
	// they will be on its first day (RentreeAt), with its own messages.
	Rentree bool
}

// Outcome is what a transfer did.
type Outcome struct {
	// Record is the history entry, as stored (with its ID).
	Record   school.TransferRecord
	Messages []string
	// Held is true when the extranet held the transfer because of the number
	// of deactivations; HeldChanges are the people it would deactivate and
	// HeldCount the number to confirm.
	Held        bool
	HeldChanges []wire.Change
	HeldCount   int
	// Selection is who was sent.
	Selection Selection
}

// Error is a transfer that did not happen, with the French message a person
// reads. The history holds the same message.
type Error struct {
	Msg string
	Err error // the underlying error, for logs; never shown as is
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Messages the user reads when a transfer fails, each saying what to do.
// docs/transfer.md ("Failures and retries") quotes them; MsgTokenRefused is
// the exact wording a school reads for a refused token.
const (
	MsgTokenRefused = "jeton refusé par l'extranet : vérifiez le jeton dans les paramètres"
	MsgNoURL        = "adresse de l'extranet manquante : indiquez-la dans les paramètres de l'école (passerelle school settings --extranet URL)"
	MsgNoToken      = "jeton de l'extranet manquant : indiquez-le dans les paramètres de l'école (passerelle school settings --token-file FICHIER)"
)

// Run makes one transfer of the school fase: it selects who is sent, sends
// the snapshot with a fresh Idempotency-Key, builds the messages and records
// the transfer in the history. Roles are completed on the school's side only
// when the extranet applied a real transfer, in the transaction that records
// it; a failure records a failed entry and changes nothing else.
//
// The error is an *Error when the transfer failed (its message is French and
// the Outcome holds the failed record), or a storage error. A held transfer
// is not an error: Outcome.Held is set.
func (r *Runner) Run(ctx context.Context, fase int, opt Options) (Outcome, error) {
	now := r.now()
	log := r.log().With("fase", fase, "by", opt.By, "dryRun", opt.DryRun)
	rec := school.TransferRecord{FASE: fase, At: now, By: opt.By, DryRun: opt.DryRun}
	if rec.By == "" {
		rec.By = "inconnu"
	}

	settings, rows, err := r.readSchool(ctx, fase)
	if err != nil {
		return Outcome{}, err
	}
	at, rt, err := r.selectionAt(now, opt.Rentree)
	if err != nil {
		return Outcome{}, err
	}
	sel := Select(rows, at, r.Tables)
	sel.Snapshot.ConfirmDeactivations = opt.ConfirmDeactivations
	rec.SchoolYear = sel.Snapshot.SchoolYear
	rec.Counts.Errors = len(sel.HeldBack)
	out := Outcome{Selection: sel}

	target, token, e := destination(settings, opt)
	if e != nil {
		return r.fail(ctx, log, out, rec, e)
	}
	rec.IdempotencyKey = newKey()
	client := r.client(target, token, log)
	log.Info("transfer sent", "staff", len(sel.Snapshot.Staff), "keep", len(sel.Snapshot.Keep), "key", rec.IdempotencyKey)
	res, err := client.PutStaff(ctx, fase, sel.Snapshot, opt.DryRun, rec.IdempotencyKey)
	if err != nil {
		if count, changes, ok := heldInfo(err); ok {
			return r.held(ctx, log, out, rec, opt, rt, count, changes)
		}
		if ctx.Err() != nil {
			rec.Outcome = school.OutcomeCancelled
			e := &Error{Msg: "transfert interrompu avant la réponse de l'extranet : relancez-le ; un nouvel envoi n'applique rien deux fois", Err: err}
			return r.record(ctx, log, out, rec, e)
		}
		return r.fail(ctx, log, out, rec, failure(err, fase))
	}
	return r.applied(ctx, log, out, rec, opt, rt, res)
}

// readSchool reads the school's settings (zero when it has none yet) and
// rows. An unknown school is an *Error.
func (r *Runner) readSchool(ctx context.Context, fase int) (school.Settings, []school.Row, error) {
	if _, err := r.Store.School(ctx, fase); err != nil {
		if errors.Is(err, school.ErrNotFound) {
			return school.Settings{}, nil, &Error{Msg: fmt.Sprintf("école FASE %d inconnue dans cette base", fase), Err: err}
		}
		return school.Settings{}, nil, fmt.Errorf("lecture de l'école %d : %w", fase, err)
	}
	settings, err := r.Store.Settings(ctx, fase)
	if err != nil && !errors.Is(err, school.ErrNotFound) {
		return school.Settings{}, nil, fmt.Errorf("lecture des paramètres de l'école %d : %w", fase, err)
	}
	rows, err := r.Store.Rows(ctx, fase)
	if err != nil {
		return school.Settings{}, nil, fmt.Errorf("lecture des situations de l'école %d : %w", fase, err)
	}
	return settings, rows, nil
}

// selectionAt returns the date whose staff a transfer made now sends: the
// selection date, or at the rentrée the first day of the coming school year,
// with the rentrée itself.
func (r *Runner) selectionAt(now time.Time, rentree bool) (time.Time, Rentree, error) {
	if !rentree {
		return SelectionDate(now), Rentree{}, nil
	}
	rt, err := RentreeAt(now, r.PrepareFrom)
	if err != nil {
		return time.Time{}, Rentree{}, &Error{Msg: err.Error()}
	}
	return RentreeSelectionDate(rt), rt, nil
}

// destination returns the extranet's address and token, the options'
// before the settings', or the *Error that tells the school what to set.
func destination(settings school.Settings, opt Options) (target, token string, e *Error) {
	target, token = settings.ExtranetURL, settings.Token
	if opt.URL != "" {
		target = opt.URL
	}
	if opt.Token != "" {
		token = opt.Token
	}
	switch {
	case strings.TrimSpace(target) == "":
		return "", "", &Error{Msg: MsgNoURL}
	case strings.TrimSpace(token) == "":
		return "", "", &Error{Msg: MsgNoToken}
	}
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", &Error{Msg: fmt.Sprintf("adresse de l'extranet « %s » invalide : écrivez-la sous la forme https://extranet.exemple.be", target)}
	}
	return target, token, nil
}

// held records a transfer the extranet's guard held: it would have
// deactivated count accesses, the changes it lists.
func (r *Runner) held(ctx context.Context, log *slog.Logger, out Outcome, rec school.TransferRecord, opt Options, rt Rentree, count int, changes []wire.Change) (Outcome, error) {
	out.Held, out.HeldChanges, out.HeldCount = true, changes, count
	out.Messages = HeldMessages(changes, count, opt.HeldHint)
	if opt.Rentree {
		out.Messages = rentreeMessages(out.Messages, rt)
	}
	rec.Outcome = school.OutcomeHeld
	rec.Messages = out.Messages
	rec.Counts.Deactivated = count
	stored, err := r.Store.RecordTransfer(context.WithoutCancel(ctx), rec, nil)
	if err != nil {
		return out, fmt.Errorf("enregistrement du transfert suspendu : %w", err)
	}
	out.Record = stored
	log.Warn("transfer held", "deactivations", count)
	return out, nil
}

// applied records a transfer the extranet answered, with the roles it
// completed unless it was a dry run.
func (r *Runner) applied(ctx context.Context, log *slog.Logger, out Outcome, rec school.TransferRecord, opt Options, rt Rentree, res wire.TransferResult) (Outcome, error) {
	sel := out.Selection
	rec.ExtranetID = res.TransferID
	if res.SchoolYear != "" {
		rec.SchoolYear = res.SchoolYear
	}
	rec.Counts.Created = res.Counts.Created
	rec.Counts.Modified = res.Counts.Modified
	rec.Counts.Deactivated = res.Counts.Deactivated
	rec.Counts.Unchanged = res.Counts.Unchanged
	rec.Counts.Rejected = res.Counts.Rejected
	rec.Counts.Completed = len(sel.Completions)
	rec.Counts.Errors = len(sel.HeldBack) + res.Counts.Rejected
	out.Messages = Messages(sel, res, opt.DryRun)
	if opt.Rentree {
		out.Messages = rentreeMessages(out.Messages, rt)
	}
	rec.Messages = out.Messages
	rec.Outcome = school.OutcomeDone
	if len(sel.Completions)+res.Counts.Created+res.Counts.Modified+res.Counts.Deactivated == 0 {
		rec.Outcome = school.OutcomeNoChange
	}
	var completions []school.RoleCompletion
	if !opt.DryRun {
		completions = sel.RoleCompletions()
	}
	// The extranet has applied the transfer: the record and the completions
	// are written even if the caller gave up meanwhile.
	stored, err := r.Store.RecordTransfer(context.WithoutCancel(ctx), rec, completions)
	if err != nil {
		return out, fmt.Errorf("enregistrement du transfert (appliqué par l'extranet, %s) : %w", res.TransferID, err)
	}
	out.Record = stored
	log.Info("transfer done", "transferId", res.TransferID, "created", res.Counts.Created,
		"modified", res.Counts.Modified, "deactivated", res.Counts.Deactivated, "rejected", res.Counts.Rejected,
		"completed", len(completions))
	return out, nil
}

// fail records a failed transfer and returns its error.
func (r *Runner) fail(ctx context.Context, log *slog.Logger, out Outcome, rec school.TransferRecord, e *Error) (Outcome, error) {
	rec.Outcome = school.OutcomeFailed
	return r.record(ctx, log, out, rec, e)
}

// record stores a transfer that did not apply, with no role completion.
func (r *Runner) record(ctx context.Context, log *slog.Logger, out Outcome, rec school.TransferRecord, e *Error) (Outcome, error) {
	rec.Error = e.Msg
	rec.Messages = []string{"Erreur : " + e.Msg}
	out.Messages = rec.Messages
	stored, err := r.Store.RecordTransfer(context.WithoutCancel(ctx), rec, nil)
	if err != nil {
		return out, fmt.Errorf("%s (et l'échec n'a pas pu être enregistré : %v)", e.Msg, err)
	}
	out.Record = stored
	// The underlying error may quote the URL but never the token: the
	// client does not put it in its errors.
	log.Warn("transfer failed", "outcome", rec.Outcome, "message", e.Msg, "err", e.Err)
	return out, e
}

// heldInfo recognises the guard's answer: the 409 that the API client
// turns into an *apiclient.Error with Held set.
func heldInfo(err error) (count int, changes []wire.Change, ok bool) {
	var ae *apiclient.Error
	if errors.As(err, &ae) && ae.Held != nil {
		return ae.Held.Deactivations, ae.Held.Changes, true
	}
	return 0, nil, false
}

// failure turns an error of the extranet client into the French message the
// school reads, saying what to do.
func failure(err error, fase int) *Error {
	var ae *apiclient.Error
	switch {
	case apiclient.IsTimeout(err):
		return &Error{Err: err, Msg: "l'extranet n'a pas répondu à temps : réessayez plus tard ; si le transfert a été appliqué entre-temps, le relancer ne change rien de plus"}
	case apiclient.IsConnectionLost(err):
		return &Error{Err: err, Msg: "connexion à l'extranet interrompue avant sa réponse : relancez le transfert ; s'il a été appliqué entre-temps, le relancer ne change rien de plus"}
	case apiclient.IsUnreachable(err):
		return &Error{Err: err, Msg: "extranet injoignable : vérifiez l'adresse de l'extranet dans les paramètres et la connexion au réseau, puis réessayez ; rien n'a été transféré"}
	case errors.Is(err, apiclient.ErrMalformedAnswer):
		return &Error{Err: err, Msg: "réponse illisible de l'extranet : réessayez plus tard et, si cela persiste, prévenez le support de l'extranet ; aucun rôle n'a été complété"}
	case errors.As(err, &ae):
		detail := strings.TrimSpace(ae.Problem.Detail)
		if detail == "" {
			detail = strings.TrimSpace(ae.Problem.Title)
		}
		switch {
		case ae.Status == 401:
			return &Error{Err: err, Msg: MsgTokenRefused}
		case ae.Status == 403:
			return &Error{Err: err, Msg: fmt.Sprintf("jeton refusé pour l'école FASE %d : vérifiez le jeton dans les paramètres", fase)}
		case ae.Status == 404:
			return &Error{Err: err, Msg: fmt.Sprintf("école FASE %d inconnue de l'extranet : demandez à l'extranet de l'inscrire, puis réessayez", fase)}
		case ae.Problem.Type == wire.TypeIdempotencyKeyReused:
			// Cannot happen with a fresh key per transfer; relaunching
			// draws a new one.
			return &Error{Err: err, Msg: "l'extranet a refusé le transfert (clé d'envoi déjà utilisée) : relancez-le"}
		case ae.Status == 409:
			return &Error{Err: err, Msg: withDetail("l'extranet a refusé le transfert (conflit) : relancez-le", detail)}
		case ae.Status == 429:
			return &Error{Err: err, Msg: "l'extranet est surchargé : réessayez dans quelques minutes ; rien n'a été transféré"}
		case ae.Status >= 500:
			return &Error{Err: err, Msg: fmt.Sprintf("erreur de l'extranet (HTTP %d) : réessayez plus tard ; rien n'a été transféré", ae.Status)}
		default:
			return &Error{Err: err, Msg: withDetail(fmt.Sprintf("l'extranet a refusé le transfert (HTTP %d) : corrigez les données puis réessayez", ae.Status), problemText(ae.Problem, detail))}
		}
	}
	return &Error{Err: err, Msg: "transfert impossible : réessayez plus tard ; rien n'a été transféré"}
}

// problemText is the extranet's detail followed by the first faults it
// listed, which name the entries to correct.
func problemText(p wire.Problem, detail string) string {
	parts := []string{}
	if detail != "" {
		parts = append(parts, strings.TrimSuffix(detail, "."))
	}
	for i, fe := range p.Errors {
		if i == 3 {
			parts = append(parts, "et "+frtext.Plural(len(p.Errors)-i, "autre", "autres"))
			break
		}
		if fe.Field != "" {
			parts = append(parts, fe.Field+" : "+fe.Message)
		} else {
			parts = append(parts, fe.Message)
		}
	}
	return strings.Join(parts, " ; ")
}

func withDetail(msg, detail string) string {
	if detail == "" {
		return msg
	}
	return msg + " (" + detail + ")"
}

// newKey returns a random Idempotency-Key: a new one for every transfer, so
// that only the client's own retries share it.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// now is the runner's clock in Brussels time, so that the civil date the
// transfer goes by is the school's, whatever the server's time zone.
func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().In(frtext.Brussels)
	}
	return time.Now().In(frtext.Brussels)
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// client returns the extranet at url; the API client logs its retries to
// log.
func (r *Runner) client(url, token string, log *slog.Logger) Extranet {
	if r.NewClient != nil {
		return r.NewClient(url, token)
	}
	return apiclient.NewClient(url, token, apiclient.WithLogger(log))
}
