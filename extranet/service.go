package extranet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/token"
	"passerelle/wire"
)

// Service is the extranet: what the API, the command line and the portal
// call. Its zero value is not usable: Store is required; Now and Log default
// to time.Now and slog.Default.
type Service struct {
	Store Store
	Now   func() time.Time
	Log   *slog.Logger

	// MailFrom is the sender of the night run's e-mails; DefaultMailFrom
	// when empty.
	MailFrom string
	// PortalURL is the portal's address written in the e-mails; when empty
	// they only name the portal.
	PortalURL string
	// NextNight returns the first night run after an instant, which
	// transfers announce as their effectiveAt; nil: the package's
	// NextNight (02:00, Brussels time).
	NextNight func(time.Time) time.Time
	// Grace is the network's last day of the carry-over of an ended school
	// year's accesses (see GraceDeadline); zero: DefaultGraceDeadline.
	Grace fwb.MonthDay
	// GraceWarning is how long before the grace deadline the directors of
	// a school that has not sent the new year are told (portal and
	// e-mail); zero: DefaultGraceWarning.
	GraceWarning time.Duration
	// NightObserver, when set, is told of every night run's outcome,
	// whoever started it (the schedule, the command line, « Simuler la
	// nuit »): the API server's metrics count them so.
	NightObserver func(NightReport, error)
	// NightWorkers is the number of partitions of persons the night run
	// opens side by side (docs/extranet.md, « The night run »); zero:
	// DefaultNightWorkers. The logins do not depend on it.
	NightWorkers int
	// SCIMCheck, when set, makes every SCIM write decide twice in its
	// transaction, from the grants it can touch (what it applies) and
	// from the school's whole set of grants, and calls SCIMCheck with both
	// decisions written out: tests compare them (docs/scim.md).
	SCIMCheck func(subset, full string)
}

// nextNight is the first night run after t.
func (s *Service) nextNight(t time.Time) time.Time {
	if s.NextNight != nil {
		return s.NextNight(t)
	}
	return NextNight(t)
}

// DefaultMailFrom is the sender of the e-mails when Service.MailFrom is
// empty.
const DefaultMailFrom = "Extranet SeGEC <ne-pas-repondre@extranet-segec.be>"

// TransferOptions are the options of one transfer.
type TransferOptions struct {
	// DryRun computes the result and writes nothing.
	DryRun bool
	// IdempotencyKey, when set, makes a retried request safe: the same key
	// with the same body (BodyHash) gets the first answer again, and nothing
	// is applied twice. Dry runs ignore it.
	IdempotencyKey string
	// BodyHash identifies the request body, for the idempotency key; when
	// empty, SnapshotHash is used.
	BodyHash string
	// Actor is who sent it, for the audit log ("school:4242" when empty).
	Actor string
}

// Clock returns the service's time now (Now, or time.Now).
func (s *Service) Clock() time.Time { return s.now() }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// Transfer reconciles a school's snapshot for a school year: it returns what
// was created, modified, deactivated, left unchanged and rejected, and
// applies it in one transaction, or nothing at all. Errors: *ValidationError
// for an invalid snapshot, *HeldError when the guard holds it,
// ErrIdempotencyConflict, ErrUnknownSchool.
func (s *Service) Transfer(ctx context.Context, fase int, snap wire.Snapshot, opt TransferOptions) (wire.TransferResult, error) {
	now := s.now()
	t, err := newSchoolTransfer(fase, snap, opt, now)
	if err != nil {
		return wire.TransferResult{}, err
	}
	var out transferOutcome
	err = s.Store.Update(ctx, now, func(tx Tx) error {
		// Update may run this function again: start from scratch.
		out = transferOutcome{}
		return s.transferTx(ctx, tx, t, &out)
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return wire.TransferResult{}, err
	}
	if out.held != nil {
		s.log().Info("transfer held", "fase", fase, "schoolYear", t.snap.SchoolYear, "deactivations", out.held.Deactivations, "dryRun", opt.DryRun)
		return wire.TransferResult{}, out.held
	}
	if !out.replayed {
		r := out.result
		s.log().Info("transfer", "fase", fase, "schoolYear", t.snap.SchoolYear, "dryRun", opt.DryRun,
			"created", r.Counts.Created, "modified", r.Counts.Modified,
			"deactivated", r.Counts.Deactivated, "unchanged", r.Counts.Unchanged,
			"rejected", r.Counts.Rejected)
	}
	return out.result, nil
}

// schoolTransfer is a validated snapshot with what Transfer derives from it
// before its transaction: who sends it, its hash, and what to look up.
type schoolTransfer struct {
	fase     int
	snap     wire.Snapshot // cleaned of its faulty entries
	opt      TransferOptions
	now      time.Time
	actor    string
	bodyHash string
	faults   entryFaults
	look     lookups
}

// transferOutcome is what Transfer's transaction answers.
type transferOutcome struct {
	result   wire.TransferResult
	held     *HeldError
	replayed bool
}

// newSchoolTransfer validates snap and prepares its transfer. The error is a
// *ValidationError when the snapshot is invalid or its school year closed.
func newSchoolTransfer(fase int, snap wire.Snapshot, opt TransferOptions, now time.Time) (*schoolTransfer, error) {
	problems, faults := splitProblems(ValidateSnapshot(snap))
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	if p, ok := checkYearOpen(snap.SchoolYear, now); !ok {
		return nil, &ValidationError{Problems: []Problem{p}}
	}
	t := &schoolTransfer{fase: fase, opt: opt, now: now, actor: opt.Actor, bodyHash: opt.BodyHash, faults: faults}
	if t.actor == "" {
		t.actor = "school:" + strconv.Itoa(fase)
	}
	if t.bodyHash == "" && !opt.DryRun {
		t.bodyHash = SnapshotHash(snap)
	}
	t.snap = faults.clean(snap)
	t.look = snapshotLookups(t.snap)
	return t, nil
}

// transferTx is Transfer's transaction: replay an idempotent request, or
// read, reconcile, and hold or apply the plan. A dry run returns errDryRun
// so that nothing is written.
func (s *Service) transferTx(ctx context.Context, tx Tx, t *schoolTransfer, out *transferOutcome) error {
	if done, err := t.lockAndReplay(ctx, tx, out); err != nil || done {
		return err
	}
	in, err := t.read(ctx, tx)
	if err != nil {
		return err
	}
	p := reconcile(in)
	renewed, err := rentreeTransfer(ctx, tx, t.fase, t.snap, in.Grants, t.now, &p)
	if err != nil {
		return err
	}
	result := p.Result
	result.Counts.Renewed = renewed
	result.TransferID = NewID()
	result.DryRun = t.opt.DryRun
	result.EffectiveAt = s.nextNight(t.now)
	out.result = result
	if p.Held {
		out.held = &HeldError{Deactivations: p.Deactivations, Result: result}
		if t.opt.DryRun {
			return errDryRun
		}
		return t.recordHeld(ctx, tx, result, p)
	}
	if t.opt.DryRun {
		return errDryRun
	}
	return t.apply(ctx, tx, result, p)
}

// lockAndReplay locks the school, then answers a request already applied
// under the same idempotency key with its recorded result, and reports
// whether it did. ErrIdempotencyConflict if the key came with another
// body.
func (t *schoolTransfer) lockAndReplay(ctx context.Context, tx SchoolTx, out *transferOutcome) (bool, error) {
	key := t.opt.IdempotencyKey
	if t.opt.DryRun {
		key = ""
	}
	_, rec, ok, err := tx.LockSchoolAnswer(ctx, t.fase, key)
	if err != nil || !ok {
		return false, err
	}
	if rec.BodyHash != t.bodyHash {
		return false, ErrIdempotencyConflict
	}
	out.result, out.replayed = rec.Result, true
	return true, nil
}

// read locks and reads what reconcile decides from: the school's grants for
// the year, then, with the addresses the snapshot gives anew locked, the
// persons the snapshot may name and who else holds its e-mails.
func (t *schoolTransfer) read(ctx context.Context, tx GrantTx) (reconcileInput, error) {
	year := t.snap.SchoolYear
	grants, err := tx.LockYearGrants(ctx, t.fase, year)
	if err != nil {
		return reconcileInput{}, err
	}
	if err := tx.LockEmails(ctx, newEmails(t.look.emails, grants)); err != nil {
		return reconcileInput{}, err
	}
	matricules, keys, known := candidateLookups(t.snap, t.look, grants)
	persons, holders, err := tx.FindCandidates(ctx, matricules, keys, t.look.emails, t.fase, year)
	if err != nil {
		return reconcileInput{}, err
	}
	if len(known) > 0 {
		found := make(map[string]bool, len(persons))
		for _, p := range persons {
			found[p.ID] = true
		}
		for _, p := range known {
			if !found[p.ID] {
				found[p.ID] = true
				persons = append(persons, p)
			}
		}
	}
	return reconcileInput{
		Now: t.now, FASE: t.fase, SchoolYear: year, Snapshot: t.snap,
		Grants: grants, Persons: persons, Holders: holders, NewID: NewID, Keys: t.look.entryKeys,
		Faults: t.faults,
	}, nil
}

// candidateLookups returns what a transfer must look up beyond the school's
// grants for the year: the snapshot's matricules and identity keys that
// those grants do not settle, and the grants' persons that the snapshot
// names by matricule (known).
//
// A matricule is one person's (unique index): the grants' persons need no
// second look-up by theirs. An entry that names such a person by matricule
// is that person (resolve), and its identity key matters only when its
// birth date differs from the person's, to designate the namesakes
// it may mean: other entries' keys are looked up for their own sake.
// So a re-sync of staff known by matricule reads no person by name; the
// answer is the same as with every key looked up
// (TestCandidateLookupsChangeNoAnswer).
func candidateLookups(snap wire.Snapshot, look lookups, grants []GrantRecord) (matricules, keys []string, known []Person) {
	if len(grants) == 0 {
		return look.matricules, look.keys, nil
	}
	held := make(map[string]*Person, len(grants))
	for i := range grants {
		if m := grants[i].Person.Matricule; m != "" {
			held[m] = &grants[i].Person
		}
	}
	matricules = make([]string, 0, len(look.matricules))
	for _, m := range look.matricules {
		if p := held[m]; p != nil {
			known = append(known, *p)
		} else {
			matricules = append(matricules, m)
		}
	}
	settled := func(matricule, birth string) bool {
		p := held[strings.TrimSpace(matricule)]
		birth = strings.TrimSpace(birth)
		return p != nil && (birth == "" || p.BirthDate == "" || birth == p.BirthDate)
	}
	seen := make(map[string]bool, len(look.keys))
	keys = make([]string, 0, len(look.keys))
	add := func(i int, matricule, birth string) {
		if k := look.entryKeys[i]; k != "" && !seen[k] && !settled(matricule, birth) {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for i, e := range snap.Staff {
		add(i, e.Matricule, e.BirthDate)
	}
	for i, e := range snap.Keep {
		add(len(snap.Staff)+i, e.Matricule, e.BirthDate)
	}
	return matricules, keys, known
}

// recordHeld records a held transfer. Nothing of the snapshot is applied,
// but the attempt is recorded: an operator must be able to see a school that
// nearly lost its staff's access.
func (t *schoolTransfer) recordHeld(ctx context.Context, tx JournalTx, result wire.TransferResult, p plan) error {
	if err := tx.AddAudit(ctx, transferAudit(result, AuditTransferHeld, t.actor, t.fase, t.now, p)); err != nil {
		return err
	}
	return tx.SaveTransferRecord(ctx, journalRecord(result, OutcomeHeld, t.actor, t.fase, t.now, p))
}

// apply writes plan p's persons and grants, the identity matches to check,
// then in one go the records of an applied transfer: its rejections, the
// year's first sending, the idempotency answer, the audit entries and the
// journal.
func (t *schoolTransfer) apply(ctx context.Context, tx Tx, result wire.TransferResult, p plan) error {
	year := t.snap.SchoolYear
	if err := applyPlanGrants(ctx, tx, p); err != nil {
		return err
	}
	matches, err := saveMatches(ctx, tx, t.fase, year, t.actor, p)
	if err != nil {
		return err
	}
	rec := appliedRecords(t.fase, t.opt.IdempotencyKey, t.bodyHash, t.actor, t.now, result, p)
	rec.Audit = append(matches, rec.Audit...)
	rec.SaveRejections, rec.MarkSent, rec.TransferID = true, true, result.TransferID
	rec.Rejections = make([]Rejection, len(p.Rejections))
	for i, r := range p.Rejections {
		r.TransferID = result.TransferID
		rec.Rejections[i] = r
	}
	return tx.RecordTransfer(ctx, rec)
}

// newEmails returns the addresses of emails that no live grant of grants
// holds (now or after the night): the ones a transfer gives anew.
func newEmails(emails []string, grants []GrantRecord) []string {
	held := make(map[string]bool, len(grants))
	for _, g := range grants {
		if g.Grant.Live() {
			email := g.Grant.Target().Email
			held[email] = true
		}
	}
	var out []string
	for _, e := range emails {
		if !held[e] {
			out = append(out, e)
		}
	}
	return out
}

// recordApplied records an applied transfer in its transaction: the answer
// for its idempotency key (when given), the audit entry and the journal.
func recordApplied(ctx context.Context, tx JournalTx, fase int, key, bodyHash, actor string, now time.Time, result wire.TransferResult, p plan) error {
	return tx.RecordTransfer(ctx, appliedRecords(fase, key, bodyHash, actor, now, result, p))
}

// appliedRecords are recordApplied's records.
func appliedRecords(fase int, key, bodyHash, actor string, now time.Time, result wire.TransferResult, p plan) TransferRecords {
	journal := journalRecord(result, OutcomeApplied, actor, fase, now, p)
	rec := TransferRecords{FASE: fase, SchoolYear: result.SchoolYear,
		Audit:   []AuditEntry{transferAudit(result, AuditTransferApplied, actor, fase, now, p)},
		Journal: &journal}
	if key != "" {
		rec.Idempotency = Idempotency{Key: key, BodyHash: bodyHash, Result: result, CreatedAt: now}
	}
	return rec
}

// applyPlanGrants writes a plan's persons and grants, as a transfer and a
// SCIM write both do: persons first, since grants refer to them.
func applyPlanGrants(ctx context.Context, tx GrantTx, p plan) error {
	if err := tx.InsertPersons(ctx, p.NewPersons); err != nil {
		return err
	}
	if err := tx.UpdatePersons(ctx, p.FillPersons); err != nil {
		return err
	}
	if err := tx.InsertGrants(ctx, p.NewGrants); err != nil {
		return err
	}
	if err := tx.UpdateGrants(ctx, p.UpdGrants); err != nil {
		return err
	}
	// Deactivations take effect at once: a person who left the school must
	// not keep its access for one more night (docs/extranet.md).
	return tx.DeactivateGrants(ctx, p.Deactivate, EndRemoved)
}

// transferAudit is the audit entry of a transfer: counts, not people, whom
// the grants and rejections tables already hold.
func transferAudit(r wire.TransferResult, action, actor string, fase int, now time.Time, p plan) AuditEntry {
	detail, _ := json.Marshal(struct {
		TransferID    string      `json:"transferId"`
		SchoolYear    string      `json:"schoolYear"`
		Counts        wire.Counts `json:"counts"`
		Deactivations int         `json:"deactivations"`
		LiveGrants    int         `json:"liveGrants"`
	}{r.TransferID, r.SchoolYear, r.Counts, p.Deactivations, p.Live})
	return AuditEntry{ID: r.TransferID, At: now, Actor: actor, Action: action, FASE: fase, Detail: string(detail)}
}

// journalRecord is a transfer's entry in the journal: its changes, less the
// people left unchanged, who are only counted; a held transfer changed
// nobody, and keeps the deactivations it would have made, so that an
// operator knows whom to ask the school about.
func journalRecord(r wire.TransferResult, outcome, actor string, fase int, now time.Time, p plan) TransferRecord {
	rec := TransferRecord{ID: r.TransferID, FASE: fase, SchoolYear: r.SchoolYear, At: now, Actor: actor,
		Outcome: outcome, Counts: r.Counts, Deactivations: p.Deactivations, LiveGrants: p.Live}
	for _, c := range r.Changes {
		if (outcome == OutcomeApplied && c.Action != wire.ActionUnchanged) || c.Action == wire.ActionDeactivated {
			rec.Changes = append(rec.Changes, c)
		}
	}
	return rec
}

// checkYearOpen refuses a school year that ended (its grants would expire at
// the next night) or that starts more than a year from now.
func checkYearOpen(year string, now time.Time) (Problem, bool) {
	y, err := fwb.ParseSchoolYear(year)
	if err != nil {
		return Problem{Index: -1, Field: "schoolYear", Message: err.Error()}, false
	}
	today := fwb.Date(now.In(frtext.Brussels))
	current := fwb.SchoolYearAt(today)
	switch {
	case today.After(y.LastDay()):
		return Problem{Index: -1, Field: "schoolYear", Message: fmt.Sprintf(
			"l'année scolaire %s est terminée : envoyez l'année en cours (%s)", y, current)}, false
	case y.Start > current.Start+1:
		return Problem{Index: -1, Field: "schoolYear", Message: fmt.Sprintf(
			"l'année scolaire %s est trop lointaine : envoyez l'année en cours (%s) ou la suivante", y, current)}, false
	}
	return Problem{}, true
}

// SnapshotHash identifies a snapshot when the caller gave no body hash.
func SnapshotHash(s wire.Snapshot) string {
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Grants returns a school's grants for a school year ("" for the current
// one), sorted by name. A grant whose modification waits for the night shows
// the new values with state pending: what the school sent is what it sees,
// and only that (the birth date and matricule are the ones it sent).
func (s *Service) Grants(ctx context.Context, fase int, schoolYear string) (wire.SchoolGrants, error) {
	if schoolYear == "" {
		schoolYear = fwb.SchoolYearAt(s.now().In(frtext.Brussels)).String()
	} else if msg := checkSchoolYear(schoolYear); msg != "" {
		return wire.SchoolGrants{}, &ValidationError{Problems: []Problem{{Index: -1, Field: "schoolYear", Message: msg}}}
	}
	if _, err := s.Store.School(ctx, fase); err != nil {
		return wire.SchoolGrants{}, err
	}
	recs, err := s.Store.YearGrants(ctx, fase, schoolYear)
	if err != nil {
		return wire.SchoolGrants{}, err
	}
	out := wire.SchoolGrants{FASE: strconv.Itoa(fase), SchoolYear: schoolYear, Staff: make([]wire.GrantEntry, 0, len(recs))}
	for _, r := range recs {
		g := r.Grant
		t := g.Target()
		state, since := g.State, g.Since
		if g.Pending == PendingModified {
			state, since = GrantPending, g.PendingSince
		}
		out.Staff = append(out.Staff, wire.GrantEntry{
			Login: r.Login, LastName: t.LastName, FirstName: t.FirstName,
			// What this school sent, not the shared person's identity,
			// which may hold what another school sent.
			BirthDate: g.SentBirthDate, Matricule: g.SentMatricule,
			Email: t.Email, Role: t.Role, State: state, Since: since.In(frtext.Brussels),
		})
	}
	sortEntries(out.Staff)
	return out, nil
}

func sortEntries(es []wire.GrantEntry) {
	slices.SortFunc(es, func(a, b wire.GrantEntry) int {
		if c := frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName); c != 0 {
			return c
		}
		return strings.Compare(a.Role, b.Role)
	})
}

// AuthenticateSchool returns the school of an API token, or ErrBadToken when
// the token is unknown or revoked.
func (s *Service) AuthenticateSchool(ctx context.Context, tok string) (int, error) {
	if !plausibleToken(tok) {
		return 0, ErrBadToken
	}
	fase, err := s.Store.TokenSchool(ctx, token.Hash(tok))
	if errors.Is(err, ErrNotFound) {
		return 0, ErrBadToken
	}
	return fase, err
}

// AddSchool registers a school and returns its API token, shown once: only
// its SHA-256 hash is stored.
func (s *Service) AddSchool(ctx context.Context, fase int, name, actor string) (string, error) {
	name = CleanName(name)
	if fase <= 0 {
		return "", fmt.Errorf("numéro FASE %d invalide : c'est un nombre entier positif", fase)
	}
	if name == "" || !printable(name) {
		return "", errors.New("nom de l'école manquant ou illisible")
	}
	tok := newToken()
	now := s.now()
	err := s.Store.Update(ctx, now, func(tx Tx) error {
		if err := tx.InsertSchool(ctx, School{FASE: fase, Name: name, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.InsertToken(ctx, fase, token.Hash(tok), actor); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]string{"name": name})
		return tx.AddAudit(ctx, AuditEntry{ID: NewID(), At: now, Actor: actor, Action: AuditSchoolAdded, FASE: fase, Detail: string(detail)})
	})
	if err != nil {
		return "", err
	}
	s.log().Info("school added", "fase", fase, "actor", actor)
	return tok, nil
}

// RotateToken gives a school a new API token and revokes the old ones at
// once.
func (s *Service) RotateToken(ctx context.Context, fase int, actor string) (string, error) {
	tok := newToken()
	now := s.now()
	err := s.Store.Update(ctx, now, func(tx Tx) error {
		if _, err := tx.LockSchool(ctx, fase); err != nil {
			return err
		}
		n, err := tx.RevokeTokens(ctx, fase)
		if err != nil {
			return err
		}
		if err := tx.InsertToken(ctx, fase, token.Hash(tok), actor); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]int{"revoked": n})
		return tx.AddAudit(ctx, AuditEntry{ID: NewID(), At: now, Actor: actor, Action: AuditTokenRotated, FASE: fase, Detail: string(detail)})
	})
	if err != nil {
		return "", err
	}
	s.log().Info("token rotated", "fase", fase, "actor", actor)
	return tok, nil
}

// RevokeTokens revokes every token of a school: it can no longer transfer
// until it gets a new one (RotateToken).
func (s *Service) RevokeTokens(ctx context.Context, fase int, actor string) error {
	now := s.now()
	err := s.Store.Update(ctx, now, func(tx Tx) error {
		if _, err := tx.LockSchool(ctx, fase); err != nil {
			return err
		}
		n, err := tx.RevokeTokens(ctx, fase)
		if err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]int{"revoked": n})
		return tx.AddAudit(ctx, AuditEntry{ID: NewID(), At: now, Actor: actor, Action: AuditTokensRevoked, FASE: fase, Detail: string(detail)})
	})
	if err == nil {
		s.log().Info("tokens revoked", "fase", fase, "actor", actor)
	}
	return err
}

// Ready returns nil when the store answers and its migrations are current.
func (s *Service) Ready(ctx context.Context) error { return s.Store.Ready(ctx) }
