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
}

// SCIMStore is what SCIM reads outside a transaction; store/extranetstore
// implements it.
type SCIMStore interface {
	// SCIMMeta returns the SCIM data of a school's grants, by grant ID.
	SCIMMeta(ctx context.Context, fase int) (map[string]SCIMMeta, error)
}

// SCIMTx is SCIM's part of a write transaction.
type SCIMTx interface {
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
	if !m.DeletedAt.IsZero() && !g.Live() {
		return SCIMUser{}, false
	}
	t := g.Target()
	userName := m.UserName
	if userName == "" {
		userName = t.Email
	}
	return SCIMUser{
		ID: g.ID, ExternalID: m.ExternalID, UserName: userName, DisplayName: m.DisplayName, LastName: t.LastName, FirstName: t.FirstName,
		BirthDate: g.SentBirthDate, Matricule: g.SentMatricule, Email: t.Email, Role: t.Role,
		Active: g.Live(), State: g.State, Created: g.CreatedAt, Modified: g.UpdatedAt,
	}, true
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
		w, err := loadSCIMWrite(ctx, tx, fase, year, id)
		if err != nil {
			return err
		}
		in, err := modify(w.cur)
		if err != nil {
			return err
		}
		w.in, w.del, w.actor, w.opt, w.now = cleanInput(in), del, actor, opt, now
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
	fase   int
	year   string
	grants []GrantRecord
	meta   map[string]SCIMMeta
	rec    *GrantRecord // the user's grant; nil for a creation
	cur    *SCIMUser
	in     SCIMUserInput
	del    bool
	actor  string
	opt    SCIMOptions
	now    time.Time
}

func loadSCIMWrite(ctx context.Context, tx Tx, fase int, year, id string) (*scimWriteState, error) {
	if _, err := tx.LockSchool(ctx, fase); err != nil {
		return nil, err
	}
	grants, err := tx.LockYearGrants(ctx, fase, year)
	if err != nil {
		return nil, err
	}
	meta, err := tx.SCIMMeta(ctx, fase)
	if err != nil {
		return nil, err
	}
	w := &scimWriteState{fase: fase, year: year, grants: grants, meta: meta}
	if id == "" {
		return w, nil
	}
	for i := range grants {
		if grants[i].Grant.ID != id {
			continue
		}
		u, ok := scimUserOf(grants[i].Grant, meta[id])
		if !ok {
			break
		}
		w.rec, w.cur = &grants[i], &u
		return w, nil
	}
	return nil, ErrSCIMNotFound
}

func cleanInput(in SCIMUserInput) SCIMUserInput {
	in.LastName, in.FirstName = CleanName(in.LastName), CleanName(in.FirstName)
	in.BirthDate, in.Matricule = strings.TrimSpace(in.BirthDate), strings.TrimSpace(in.Matricule)
	in.Role = strings.TrimSpace(in.Role)
	in.ExternalID, in.UserName = strings.TrimSpace(in.ExternalID), strings.TrimSpace(in.UserName)
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
	problems := ValidateSnapshot(wire.Snapshot{SchoolYear: "2000-2001", Staff: []wire.StaffEntry{e}})
	if len(problems) == 0 {
		switch {
		case len(in.DisplayName) > 255 || (in.DisplayName != "" && !printable(in.DisplayName)):
			return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "displayName illisible ou trop long (au plus 255 caractères)"}
		case len(in.ExternalID) > 255:
			return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "externalId : au plus 255 caractères"}
		case in.UserName == "":
			return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "userName manquant : donnez l'identifiant de la personne chez le fournisseur d'identité, par exemple son adresse e-mail école"}
		case len(in.UserName) > 255 || !printable(in.UserName):
			return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: "userName illisible ou trop long (au plus 255 caractères)"}
		}
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

// guardSCIM holds a deactivation that makes the school's deactivations of
// the last 24 hours exceed max(GuardMin, GuardShare × live), live counting
// the grants live before them; it returns the count to confirm, or 0.
func guardSCIM(ctx context.Context, tx Tx, w *scimWriteState) (int, int, error) {
	recent, err := tx.RecentDeactivations(ctx, w.fase, w.year, w.now.Add(-24*time.Hour))
	if err != nil {
		return 0, 0, err
	}
	live := 0
	for _, g := range w.grants {
		if g.Grant.Live() {
			live++
		}
	}
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
