package extranet

// SCIM 2.0 provisioning (docs/scim.md): a SCIM User is a person's grant at
// the token's school for the current school year. Each write is a change
// to the school's current set of entries — its live grants as the school
// sent them, with one user added, replaced or removed — reconciled by
// reconcile, exactly as a snapshot, in one transaction: the same identity
// matching, rejections, weak matches, journal and audit.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// SCIMMeta is what SCIM keeps about a grant beyond the grant itself.
type SCIMMeta struct {
	ExternalID string
	// UserName is the user's unique name at the identity provider; ""
	// for a grant no SCIM client wrote: its e-mail then.
	UserName string
	// DisplayName is the name the identity provider shows; "" when it
	// sent none.
	DisplayName string
	// DeletedAt is when a DELETE deactivated the grant; while the grant
	// stays deactivated, the user is gone (404).
	DeletedAt time.Time
	// UpdatedAt is when these data last changed: the user's lastModified
	// when later than the grant's.
	UpdatedAt time.Time
	// Generation counts the grant's deletions through SCIM: a user given
	// access again after a DELETE is a new resource, with a new id
	// (SCIMUserID).
	Generation int
	// RecreatedAt is when the user was created, when not with its grant:
	// after a deletion (Generation > 0), when a SCIM write gave the grant
	// access again; for a user carried into a new school year (UserID),
	// the creation of the user it continues.
	RecreatedAt time.Time
	// UserID is the id of a user carried into a new school year at the
	// rentrée: the id it had, which it keeps (RFC 7643 §3.1); "" when the
	// id is the grant's (SCIMUserID).
	UserID string
}

// SCIMUserID is the id of the user that grant grantID is after generation
// deletions through SCIM: the grant's ID at first, then followed by a dot
// and the generation, so that an id is never given to a new resource
// (RFC 7643 §3.1) and a deleted one stays unknown (RFC 7644 §3.6).
func SCIMUserID(grantID string, generation int) string {
	if generation == 0 {
		return grantID
	}
	return grantID + "." + strconv.Itoa(generation)
}

// scimGrantID is the grant of a user's id: its part before a dot.
func scimGrantID(id string) string {
	g, _, _ := strings.Cut(id, ".")
	return g
}

// SCIMStore is what SCIM reads outside a transaction; store/extranetstore
// implements it.
type SCIMStore interface {
	// SCIMMeta returns the SCIM data of a school's grants, by grant ID.
	SCIMMeta(ctx context.Context, fase int) (map[string]SCIMMeta, error)
}

// SCIMTx is SCIM's part of a write transaction.
type SCIMTx interface {
	// LockSCIMGrant locks the school's row as LockSchool does, then, in the
	// same statement, returns its grant of a school year by ID, with its
	// sent identity and person, and its SCIM data, locked as LockYearGrants
	// locks it. Errors: ErrUnknownSchool, or ErrNotFound when the school
	// has no such grant that year.
	LockSCIMGrant(ctx context.Context, fase int, schoolYear, id string) (GrantRecord, SCIMMeta, error)
	// SCIMUserGrant returns the ID of the school's grant of a school year
	// whose SCIM data name userID as the user it continues
	// (SCIMMeta.UserID), or ErrNotFound.
	SCIMUserGrant(ctx context.Context, fase int, schoolYear, userID string) (string, error)
	// SCIMRelated reads, in one statement, what one SCIM write needs
	// beside its user's grant (SCIMLookup, SCIMRelated): the persons the
	// user may be, who else holds its address, the school-year's grants the
	// write can touch, and the few counts it checks. On PostgreSQL it first
	// takes the locks that LockEmails and FindPersons would take, after the
	// school's row when SCIMLookup.LockSchool asks for it.
	SCIMRelated(ctx context.Context, q SCIMLookup) (SCIMRelated, error)
	// SCIMKeyHolders returns the persons whose identity key is one of keys
	// and who have a live grant of the school for the school year.
	SCIMKeyHolders(ctx context.Context, fase int, schoolYear string, keys []string) ([]string, error)
	// ApplySCIMWrite writes the rows of one SCIM write (SCIMWrite), as
	// the methods it names would one after the other; on PostgreSQL in one
	// statement.
	ApplySCIMWrite(ctx context.Context, w SCIMWrite) error
	// SCIMMeta returns the SCIM data of a school's grants, by grant ID.
	SCIMMeta(ctx context.Context, fase int) (map[string]SCIMMeta, error)
	// SaveSCIMMeta stores (or replaces) the SCIM data of a grant.
	SaveSCIMMeta(ctx context.Context, fase int, grantID string, m SCIMMeta) error
	// RecentDeactivations counts the school-year's grants a school removed
	// (EndRemoved) after since.
	RecentDeactivations(ctx context.Context, fase int, schoolYear string, since time.Time) (int, error)
	// SaveEntryRejection resolves the school-year's open rejections of an
	// e-mail address, then records r, if not nil: a user's latest write
	// decides. Unlike SaveRejections, it leaves the school's other
	// rejections as they are.
	SaveEntryRejection(ctx context.Context, fase int, schoolYear, transferID, email string, r *Rejection) error
	// ConfirmDeactivations records an operator's confirmation that a
	// school may deactivate up to maxCount grants in 24 hours.
	ConfirmDeactivations(ctx context.Context, fase, maxCount int, actor string) error
	// ConfirmedDeactivations returns the largest count confirmed for a
	// school after since, 0 when none.
	ConfirmedDeactivations(ctx context.Context, fase int, since time.Time) (int, error)
}

// SCIMLookup is what one SCIM write looks up (Tx.SCIMRelated).
type SCIMLookup struct {
	FASE       int
	SchoolYear string
	// GrantID is the user's grant; "" for a creation.
	GrantID string
	// Matricule, Key and Birth are the user's matricule, identity key and
	// birth date ("" when none, or for a deactivation, which looks no one
	// up): the persons found are those FindPersons finds by them.
	Matricule, Key, Birth string
	// Email is the user's address; "" for a deactivation.
	Email string
	// UserName is the user's userName, for the uniqueness check.
	UserName string
	// LockEmail and LockPersons take, before reading, the locks that
	// LockEmails(Email) and FindPersons(Matricule, Key) take on
	// PostgreSQL: a write that gives an address anew, or may create a
	// person, waits for another transaction doing the same, then reads
	// what it wrote.
	LockEmail, LockPersons bool
	// LockSchool locks the school's row first, as LockSchool does, for a
	// write that has not locked it yet (a creation).
	LockSchool bool
}

// SCIMRelated is what Tx.SCIMRelated reads for one SCIM write.
type SCIMRelated struct {
	// Persons are those found by the lookup's matricule or identity key.
	Persons []Person
	// Holders are the users of the lookup's Email, as EmailHolders
	// returns them.
	Holders []EmailHolder
	// Grants are the school-year's grants, in any state, with their sent
	// identity and persons, that the user's entry, or the entries of these
	// grants, can meet in reconcile: the user's grant; the grants of the
	// persons found; those whose address (current or pending) is Email;
	// those sent with Matricule, a found person's or the user's person's;
	// those without a sent birth date; those whose sent birth date is
	// Birth, a found person's, the user's grant's or its person's; then
	// those whose sent birth date is one of those of the grants so chosen.
	// An identity key ends with its birth date: two entries or persons
	// whose birth dates differ never share a key.
	Grants []GrantRecord
	// Named are the school-year's grants, other than the user's, whose
	// userName may equal UserName, case ignored: a superset, which the
	// caller narrows with strings.EqualFold.
	Named []GrantRecord
	// Meta is the SCIM data of Grants and Named.
	Meta map[string]SCIMMeta
	// Live counts the school-year's live grants (the guard's base).
	Live int
	// OpenRejection: the school-year has an open rejection of Email.
	OpenRejection bool
}

// SCIMWrite are the rows one SCIM write writes (Tx.ApplySCIMWrite), in
// this order.
type SCIMWrite struct {
	FASE       int
	SchoolYear string
	// NewPersons, FillPersons, NewGrants, UpdGrants and Deactivate are
	// written as InsertPersons, UpdatePersons, InsertGrants, UpdateGrants
	// and DeactivateGrants (EndRemoved) write them.
	NewPersons, FillPersons []Person
	NewGrants, UpdGrants    []Grant
	Deactivate              []string
	// ResolveEmail, when set, resolves the school-year's open rejections
	// of that address, as SaveEntryRejection(…, nil) does.
	ResolveEmail string
	// Matches are identity matches to record (InsertMatches).
	Matches []IdentityMatch
	// MetaGrant, when set, is the grant whose SCIM data becomes Meta
	// (SaveSCIMMeta).
	MetaGrant string
	Meta      SCIMMeta
	// Records are the write's audit entries and journal (RecordTransfer).
	Records TransferRecords
}

// SCIMUser is a grant as SCIM shows it: the values it holds after the next
// night, and the identity its school sent.
type SCIMUser struct {
	ID          string // the grant's ID
	ExternalID  string
	UserName    string
	DisplayName string // "" when the client sent none
	LastName    string
	FirstName   string
	BirthDate   string
	Matricule   string
	Email       string
	Role        string
	Active      bool
	// State is the grant's: pending, active or deactivated.
	State    string
	Created  time.Time
	Modified time.Time
}

// SCIMUserInput is what a client asks a user to be.
type SCIMUserInput struct {
	ExternalID  string
	UserName    string
	DisplayName string
	LastName    string
	FirstName   string
	BirthDate   string
	Matricule   string
	Email       string
	Role        string
	Active      bool
}

// SCIMOptions are the options of one SCIM write.
type SCIMOptions struct {
	// Actor is who writes, for the audit log and the journal ("scim:4242"
	// when empty).
	Actor string
	// ConfirmDeactivations confirms a burst of deactivations held by the
	// guard: the write goes through when it is at least the count the
	// refusal gave.
	ConfirmDeactivations int
	// Whole: the write gives the whole user (a PUT), which an identity
	// provider sends again as it is; an inactive user keeps then what it
	// may not take (validateInactive) instead of refusing it.
	Whole bool
}

// SCIMError is a SCIM write refused: Status is the HTTP status, ScimType
// RFC 7644's error type (may be empty), Detail a French sentence saying
// what to fix.
type SCIMError struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *SCIMError) Error() string { return e.Detail }

// ErrSCIMNotFound: no such user at the school (404).
var ErrSCIMNotFound = &SCIMError{Status: 404, Detail: "utilisateur inconnu pour cette école : il n'existe pas, a été supprimé, ou appartient à une autre année scolaire"}

// AuditSCIMHeld is the audit action of a deactivation the guard held.
const AuditSCIMHeld = "scim.held"

// CurrentSchoolYear is the school year SCIM users belong to at t.
func CurrentSchoolYear(t time.Time) string {
	return fwb.SchoolYearAt(fwb.Date(t.In(frtext.Brussels))).String()
}

// SCIMUsers returns a school's users: its grants of the current school
// year, less those deleted through SCIM, in the order of their IDs
// (creation order).
func (s *Service) SCIMUsers(ctx context.Context, fase int) ([]SCIMUser, error) {
	st, ok := s.Store.(SCIMStore)
	if !ok {
		return nil, errors.New("this store does not keep SCIM data")
	}
	year := CurrentSchoolYear(s.now())
	recs, err := s.Store.YearGrants(ctx, fase, year)
	if err != nil {
		return nil, err
	}
	meta, err := st.SCIMMeta(ctx, fase)
	if err != nil {
		return nil, err
	}
	out := make([]SCIMUser, 0, len(recs))
	for _, r := range recs {
		if u, ok := scimUserOf(r.Grant, meta[r.Grant.ID]); ok {
			out = append(out, u)
		}
	}
	sortSCIMUsers(out)
	return out, nil
}

func sortSCIMUsers(us []SCIMUser) {
	slices.SortFunc(us, func(a, b SCIMUser) int { return strings.Compare(a.ID, b.ID) })
}

// SCIMUser returns one user of a school, or ErrSCIMNotFound.
func (s *Service) SCIMUser(ctx context.Context, fase int, id string) (SCIMUser, error) {
	us, err := s.SCIMUsers(ctx, fase)
	if err != nil {
		return SCIMUser{}, err
	}
	for _, u := range us {
		if u.ID == id {
			return u, nil
		}
	}
	return SCIMUser{}, ErrSCIMNotFound
}

// scimUserOf shows a grant as a user; false for a user deleted through SCIM.
func scimUserOf(g Grant, m SCIMMeta) (SCIMUser, bool) {
	if !m.DeletedAt.IsZero() && !g.Live() && !g.Since.After(m.DeletedAt) {
		// Deactivated by the DELETE, and not given access since: gone.
		// Deactivated later (a snapshot gave access back, then took it
		// away), the user of the new generation shows, inactive.
		return SCIMUser{}, false
	}
	t := g.Target()
	created := g.CreatedAt
	switch {
	case m.Generation > 0:
		// A user after a deletion: created when a SCIM write gave the
		// access again, else (a snapshot did) no earlier than the
		// deletion.
		created = later(m.DeletedAt, m.RecreatedAt)
	case !m.RecreatedAt.IsZero():
		// Carried into this school year: created with the user it
		// continues.
		created = m.RecreatedAt
	}
	id := SCIMUserID(g.ID, m.Generation)
	if m.UserID != "" {
		id = m.UserID
	}
	userName := m.UserName
	if userName == "" {
		userName = t.Email
	}
	return SCIMUser{
		ID: id, ExternalID: m.ExternalID, UserName: userName, DisplayName: m.DisplayName, LastName: t.LastName, FirstName: t.FirstName,
		BirthDate: g.SentBirthDate, Matricule: g.SentMatricule, Email: t.Email, Role: t.Role,
		Active: g.Live(), State: g.State, Created: created, Modified: later(g.UpdatedAt, m.UpdatedAt),
	}, true
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// SCIMCreate gives a person access to the school for the current school
// year, as a snapshot that adds them would.
func (s *Service) SCIMCreate(ctx context.Context, fase int, in SCIMUserInput, opt SCIMOptions) (SCIMUser, error) {
	if !in.Active {
		return SCIMUser{}, &SCIMError{Status: 400, ScimType: "invalidValue",
			Detail: "active : un utilisateur est créé actif ; pour retirer un accès, désactivez ou supprimez l'utilisateur existant"}
	}
	return s.scimWrite(ctx, fase, "", func(*SCIMUser) (SCIMUserInput, error) { return in, nil }, false, opt)
}

// SCIMReplace rewrites a user: modify receives the current user (read in
// the transaction) and returns what it must become. An inactive result
// deactivates the grant at once; an active one for a deactivated grant
// opens it again at the next night.
func (s *Service) SCIMReplace(ctx context.Context, fase int, id string, modify func(cur SCIMUser) (SCIMUserInput, error), opt SCIMOptions) (SCIMUser, error) {
	return s.scimWrite(ctx, fase, id, func(cur *SCIMUser) (SCIMUserInput, error) { return modify(*cur) }, false, opt)
}

// SCIMDelete deactivates a user's grant at once; the user is then gone.
// check, when not nil, may refuse the write after reading the current user.
func (s *Service) SCIMDelete(ctx context.Context, fase int, id string, check func(cur SCIMUser) error, opt SCIMOptions) error {
	_, err := s.scimWrite(ctx, fase, id, func(cur *SCIMUser) (SCIMUserInput, error) {
		if check != nil {
			if err := check(*cur); err != nil {
				return SCIMUserInput{}, err
			}
		}
		in := inputOf(*cur)
		in.Active = false
		return in, nil
	}, true, opt)
	return err
}

func inputOf(u SCIMUser) SCIMUserInput {
	return SCIMUserInput{ExternalID: u.ExternalID, UserName: u.UserName, DisplayName: u.DisplayName, LastName: u.LastName, FirstName: u.FirstName,
		BirthDate: u.BirthDate, Matricule: u.Matricule, Email: u.Email, Role: u.Role, Active: u.Active}
}

// scimWrite runs one SCIM write in one transaction. A refused write that
// the operators must see (a rejected entry, a held deactivation) is
// committed with its record, and its error returned after.
func (s *Service) scimWrite(ctx context.Context, fase int, id string, modify func(*SCIMUser) (SCIMUserInput, error), del bool, opt SCIMOptions) (SCIMUser, error) {
	now := s.now()
	year := CurrentSchoolYear(now)
	if p, ok := checkYearOpen(year, now); !ok {
		return SCIMUser{}, &SCIMError{Status: 409, Detail: p.Message}
	}
	actor := opt.Actor
	if actor == "" {
		actor = "scim:" + strconv.Itoa(fase)
	}
	var (
		out     SCIMUser
		refusal error
	)
	err := s.Store.Update(ctx, now, func(tx Tx) error {
		out, refusal = SCIMUser{}, nil
		w, err := loadSCIMUser(ctx, tx, fase, year, id)
		if err != nil {
			return err
		}
		in, err := modify(w.cur)
		if err != nil {
			return err
		}
		if w.year != year && in.Active && !del {
			// A user of the ended year, carried over: only its
			// deactivation reaches it (loadSCIMUser).
			return ErrSCIMNotFound
		}
		w.in, w.del, w.actor, w.opt, w.now, w.newID = cleanInput(in), del, actor, opt, now, NewID
		out, refusal, err = s.applySCIMWrite(ctx, tx, w)
		return err
	})
	if err != nil {
		return SCIMUser{}, err
	}
	if refusal != nil {
		return SCIMUser{}, refusal
	}
	s.log().Info("scim write", "fase", fase, "id", out.ID, "state", out.State, "delete", del)
	return out, nil
}

// scimWriteState is what one SCIM write read and was asked.
type scimWriteState struct {
	fase int
	year string
	// grants are the school-year's grants the write reconciles: those it
	// can touch (SCIMRelated.Grants), or, when full is set, all of them.
	grants []GrantRecord
	// named are the grants whose userName may be the user's.
	named []GrantRecord
	meta  map[string]SCIMMeta
	// live counts the school-year's live grants.
	live int
	// related is what SCIMRelated read; nil until read, and on the full
	// path.
	related *SCIMRelated
	full    bool
	rec     *GrantRecord // the user's grant; nil for a creation
	cur     *SCIMUser
	in      SCIMUserInput
	del     bool
	actor   string
	opt     SCIMOptions
	now     time.Time
	newID   func() string
}

// loadSCIMUser reads the user's grant, locked, with the school's row: what
// the write's modify function is shown. A creation locks the school's row
// with what it reads next (SCIMLookup.LockSchool).
func loadSCIMUser(ctx context.Context, tx Tx, fase int, year, id string) (*scimWriteState, error) {
	w := &scimWriteState{fase: fase, year: year, meta: map[string]SCIMMeta{}}
	if id == "" {
		return w, nil
	}
	rec, m, err := lockUser(ctx, tx, fase, year, id)
	if errors.Is(err, ErrNotFound) {
		// An access of the ended school year, carried over (before the
		// night's run carries a school fed by SCIM into the new year, or
		// while its renewal waits): a deactivation must reach it, or an
		// identity provider would take its 404 for done and the access
		// would go on (scimWrite lets only a deactivation through).
		if r, pm, ok := carriedUser(ctx, tx, fase, year, id); ok {
			if err := notSentAlready(ctx, tx, fase, year, r); err != nil {
				return nil, err
			}
			rec, m, err = r, pm, nil
			w.year = r.Grant.SchoolYear
		}
	}
	if errors.Is(err, ErrNotFound) {
		return nil, ErrSCIMNotFound
	}
	if err != nil {
		return nil, err
	}
	u, ok := scimUserOf(rec.Grant, m)
	if !ok || u.ID != id {
		// Deleted, or a resource deleted before this one.
		return nil, ErrSCIMNotFound
	}
	w.rec, w.cur, w.meta[rec.Grant.ID] = &rec, &u, m
	return w, nil
}

// lockUser locks and reads the school's grant of a school year that user
// id stands for: the grant its id names, or, for a user carried into that
// year, which keeps the id it had, the grant whose SCIM data name it
// (SCIMMeta.UserID). ErrNotFound when there is none.
func lockUser(ctx context.Context, tx SCIMTx, fase int, year, id string) (GrantRecord, SCIMMeta, error) {
	rec, m, err := tx.LockSCIMGrant(ctx, fase, year, scimGrantID(id))
	if errors.Is(err, ErrNotFound) {
		var gid string
		if gid, err = tx.SCIMUserGrant(ctx, fase, year, id); err == nil {
			rec, m, err = tx.LockSCIMGrant(ctx, fase, year, gid)
		}
	}
	return rec, m, err
}

// carriedUser finds user id among the school's live grants of the school
// year before year, locked: an access carried over.
func carriedUser(ctx context.Context, tx SCIMTx, fase int, year, id string) (GrantRecord, SCIMMeta, bool) {
	y, err := fwb.ParseSchoolYear(year)
	if err != nil {
		return GrantRecord{}, SCIMMeta{}, false
	}
	rec, m, err := lockUser(ctx, tx, fase, y.Previous().String(), id)
	return rec, m, err == nil && rec.Grant.Live()
}

// notSentAlready refuses to reach a carried access whose person the
// school's own snapshot of year gave an access already: ending the access
// of the ended year would answer that the user left while that one opens.
// The school's snapshot decides (docs/scim.md: one or the other).
func notSentAlready(ctx context.Context, tx GrantTx, fase int, year string, r GrantRecord) error {
	grants, err := tx.LockYearGrants(ctx, fase, year)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.Person.ID == r.Person.ID && g.Grant.Live() {
			return &SCIMError{Status: 409, Detail: fmt.Sprintf("cette personne a déjà un accès de l'année scolaire %s à l'école, "+
				"envoyé par son logiciel : c'est cet envoi qui en décide ; retirez-la de la situation école et renvoyez-la", year)}
		}
	}
	return nil
}

// readRelated reads what the write needs beside the user's grant: the
// grants it can touch and the rest (Tx.SCIMRelated), or the school's
// whole set when the subset cannot decide (fullNeeded).
func (w *scimWriteState) readRelated(ctx context.Context, tx Tx, deactivate bool) error {
	if w.full || w.related != nil {
		return nil
	}
	q := SCIMLookup{FASE: w.fase, SchoolYear: w.year, UserName: w.in.UserName, LockSchool: w.rec == nil}
	if w.rec != nil {
		q.GrantID = w.rec.Grant.ID
	}
	if !deactivate {
		look := snapshotLookups(wire.Snapshot{Staff: []wire.StaffEntry{userEntry(w.in)}})
		q.Matricule, q.Key, q.Birth = first(look.matricules), first(look.keys), strings.TrimSpace(w.in.BirthDate)
		q.Email = first(look.emails)
		q.LockEmail, q.LockPersons = true, true
		if w.rec != nil {
			q.LockEmail = !w.rec.Grant.Live() || w.rec.Grant.Target().Email != q.Email
			p := w.rec.Person
			q.LockPersons = (q.Matricule != "" && q.Matricule != p.Matricule) || (q.Key != "" && q.Key != p.IdentityKey)
		}
	}
	rel, err := tx.SCIMRelated(ctx, q)
	if err != nil {
		return err
	}
	full := fullNeeded(w.rec, rel.Grants)
	if !full {
		if full, err = otherKeyHolders(ctx, tx, w, q.Key, &rel); err != nil {
			return err
		}
	}
	if full {
		return w.readFull(ctx, tx)
	}
	w.related, w.grants, w.named, w.live = &rel, rel.Grants, rel.Named, rel.Live
	for id, m := range rel.Meta {
		w.meta[id] = m
	}
	return nil
}

// fullNeeded reports whether the grants a write can touch may not decide
// it as the school's whole set would: when one of them, live, does not
// hold what its school sent (a person whose birth date or matricule
// differs from the one sent with the grant — an operator corrected it —
// or a grant sent with neither, which reconcile takes for a new person).
// The grants a write reads are chosen by birth date, in two rounds,
// because reconcile joins an entry only to persons and entries of the same
// birth date; such a grant may lead, in a third round, to others, and the
// write then reads them all. otherKeyHolders checks the persons.
func fullNeeded(rec *GrantRecord, grants []GrantRecord) bool {
	for i := range grants {
		g := &grants[i].Grant
		if !g.Live() || (rec != nil && g.ID == rec.Grant.ID) {
			continue
		}
		p := &grants[i].Person
		if (g.SentBirthDate == "" && g.SentMatricule == "") ||
			(g.SentBirthDate != "" && g.SentBirthDate != p.BirthDate) ||
			(g.SentMatricule != "" && g.SentMatricule != p.Matricule) {
			return true
		}
	}
	return false
}

// otherKeyHolders reports whether a person of the school's live grants
// that the write did not read bears the identity key of one of the
// entries it reconciles: reconcile would count them among that entry's
// candidates. A person's key ends with their birth date, which is the one
// their grants were sent with, unless an operator corrected it (linking a
// rejected entry to them): only then can this find someone. The user's
// own key needs no look: the persons found bear it, wherever they work.
func otherKeyHolders(ctx context.Context, tx SCIMTx, w *scimWriteState, userKey string, rel *SCIMRelated) (bool, error) {
	read := map[string]bool{}
	for _, p := range rel.Persons {
		read[p.ID] = true
	}
	if w.rec != nil {
		read[w.rec.Person.ID] = true
	}
	var keys []string
	for i := range rel.Grants {
		g := &rel.Grants[i].Grant
		if !g.Live() || (w.rec != nil && g.ID == w.rec.Grant.ID) {
			continue
		}
		read[g.PersonID] = true
		t := g.Target()
		if k := IdentityKey(CleanName(t.LastName), CleanName(t.FirstName), g.SentBirthDate); k != "" && k != userKey && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return false, nil
	}
	holders, err := tx.SCIMKeyHolders(ctx, w.fase, w.year, keys)
	if err != nil {
		return false, err
	}
	for _, id := range holders {
		if !read[id] {
			return true, nil
		}
	}
	return false, nil
}

// readFull reads the school's whole set of grants for the year, locked,
// with their SCIM data.
func (w *scimWriteState) readFull(ctx context.Context, tx interface {
	GrantTx
	SCIMTx
}) error {
	grants, err := tx.LockYearGrants(ctx, w.fase, w.year)
	if err != nil {
		return err
	}
	meta, err := tx.SCIMMeta(ctx, w.fase)
	if err != nil {
		return err
	}
	w.full, w.related, w.grants, w.named, w.meta = true, nil, grants, grants, meta
	w.live = liveGrants(grants)
	return nil
}

func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

// userEntry is the snapshot entry a user stands for.
func userEntry(in SCIMUserInput) wire.StaffEntry {
	return wire.StaffEntry{LastName: in.LastName, FirstName: in.FirstName, BirthDate: in.BirthDate,
		Matricule: in.Matricule, Email: in.Email, Role: in.Role}
}

func cleanInput(in SCIMUserInput) SCIMUserInput {
	in.LastName, in.FirstName = CleanName(in.LastName), CleanName(in.FirstName)
	in.BirthDate, in.Matricule = strings.TrimSpace(in.BirthDate), strings.TrimSpace(in.Matricule)
	in.Role = strings.TrimSpace(in.Role)
	// externalId is the client's identifier, compared exactly: kept as
	// sent, its spaces included. The names a person reads are tidied.
	in.UserName = strings.TrimSpace(in.UserName)
	in.DisplayName = CleanName(in.DisplayName)
	if e, err := frtext.NormalizeEmail(in.Email); err == nil {
		in.Email = e
	}
	return in
}

// entryOf is the snapshot entry a grant stands for: what its school sent.
func entryOf(g Grant) wire.StaffEntry {
	t := g.Target()
	return wire.StaffEntry{LastName: t.LastName, FirstName: t.FirstName, BirthDate: g.SentBirthDate,
		Matricule: g.SentMatricule, Email: t.Email, Role: t.Role}
}

// scimFields names a snapshot entry's fields as SCIM does.
var scimFields = map[string]string{
	"lastName": "name.familyName", "firstName": "name.givenName", "birthDate": "birthDate",
	"matricule": "employeeNumber", "email": "userName", "role": "role",
}

// validateSCIM checks a user as ValidateSnapshot checks an entry.
func validateSCIM(in SCIMUserInput) error {
	e := wire.StaffEntry{LastName: in.LastName, FirstName: in.FirstName, BirthDate: in.BirthDate,
		Matricule: in.Matricule, Email: in.Email, Role: in.Role}
	if err := scimProblems(entryProblems(e)); err != nil {
		return err
	}
	return validateSCIMText(in, SCIMUser{})
}

// entryProblems are the problems of one entry on its own: in a snapshot of
// a school year any entry fits, so that only the entry's fields count.
func entryProblems(e wire.StaffEntry) []Problem {
	return ValidateSnapshot(wire.Snapshot{SchoolYear: "2000-2001", Staff: []wire.StaffEntry{e}})
}

// scimProblems is a snapshot entry's problems as a SCIM refusal, each
// field named by its SCIM attribute; nil for none.
func scimProblems(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	for i, p := range problems {
		if i > 0 {
			b.WriteString(" ; ")
		}
		field := p.Field
		if _, f, ok := strings.Cut(field, "."); ok {
			if name, ok := scimFields[f]; ok {
				field = name
			}
		}
		fmt.Fprintf(&b, "%s : %s", field, p.Message)
	}
	return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: b.String()}
}

// validateSCIMText checks what SCIM keeps beside the entry: userName,
// displayName and externalId, except those the same as kept's. A
// deactivation, which does not check the entry, checks them against the
// user's own: an inactive user takes no value a live one would be refused,
// and a DELETE is never held back by what an earlier write kept.
func validateSCIMText(in SCIMUserInput, kept SCIMUser) error {
	switch {
	case in.DisplayName != kept.DisplayName && (tooLong(in.DisplayName) || (in.DisplayName != "" && !printable(in.DisplayName))):
		return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "displayName illisible ou trop long (au plus 255 caractères)"}
	case in.ExternalID != kept.ExternalID && (tooLong(in.ExternalID) || !printable(in.ExternalID)):
		return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "externalId illisible ou trop long (au plus 255 caractères, sans caractère de contrôle)"}
	case in.UserName == "":
		return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "userName manquant : donnez l'identifiant de la personne chez le fournisseur d'identité, par exemple son adresse e-mail école"}
	case in.UserName != kept.UserName && (tooLong(in.UserName) || !printable(in.UserName)):
		return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "userName illisible ou trop long (au plus 255 caractères)"}
	}
	return nil
}

// tooLong tells whether a text SCIM keeps has more than 255 characters
// (characters, not bytes: RFC 7643 §2.3.1 strings are Unicode).
func tooLong(s string) bool { return utf8.RuneCountInString(s) > 255 }

// guardSCIM holds a deactivation that makes the school's deactivations of
// the last 24 hours exceed max(GuardMin, GuardShare × live), live counting
// the grants live before them; it returns the count to confirm, or 0.
func guardSCIM(ctx context.Context, tx SCIMTx, w *scimWriteState) (int, int, error) {
	recent, err := tx.RecentDeactivations(ctx, w.fase, w.year, w.now.Add(-24*time.Hour))
	if err != nil {
		return 0, 0, err
	}
	live := w.live
	n := recent + 1
	limit := int(math.Max(GuardMin, math.Floor(GuardShare*float64(live+recent))))
	if n <= limit || w.opt.ConfirmDeactivations >= n {
		return 0, live, nil
	}
	confirmed, err := tx.ConfirmedDeactivations(ctx, w.fase, w.now.Add(-24*time.Hour))
	if err != nil || confirmed >= n {
		return 0, live, err
	}
	return n, live, nil
}

// AuditSCIMConfirmed is the audit action of an operator's confirmation.
const AuditSCIMConfirmed = "scim.deactivations_confirmed"

// ConfirmSCIMDeactivations lets a school deactivate through SCIM up to
// maxCount grants in the next 24 hours, past the guard: what an operator
// does when a held burst is real (a school closing a section, say).
func (s *Service) ConfirmSCIMDeactivations(ctx context.Context, fase, maxCount int, actor string) error {
	if maxCount <= 0 {
		return fmt.Errorf("nombre de désactivations %d invalide : donnez un nombre positif", maxCount)
	}
	return s.Store.Update(ctx, s.now(), func(tx Tx) error {
		if _, err := tx.LockSchool(ctx, fase); err != nil {
			return err
		}
		if err := tx.ConfirmDeactivations(ctx, fase, maxCount, actor); err != nil {
			return err
		}
		return auditJSON(ctx, tx, actor, AuditSCIMConfirmed, fase, map[string]int{"maxCount": maxCount})
	})
}
