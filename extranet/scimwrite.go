package extranet

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// applySCIMWrite decides and applies one SCIM write in tx. It returns the
// user after the write, or a refusal to commit with its record (a rejected
// entry, a held deactivation), or an error that rolls everything back.
func (s *Service) applySCIMWrite(ctx context.Context, tx Tx, w *scimWriteState) (SCIMUser, error, error) {
	var check *scimCheck
	if s.SCIMCheck != nil {
		check = newSCIMCheck(w)
	}
	d, err := s.decideSCIM(ctx, tx, w)
	if err != nil {
		return SCIMUser{}, nil, err
	}
	if check != nil {
		if err := check.compare(ctx, s, tx, d); err != nil {
			return SCIMUser{}, nil, err
		}
	}
	switch {
	case d.metaOnly:
		m, err := saveSCIMMeta(ctx, tx, w, w.rec.Grant.ID)
		if err != nil {
			return SCIMUser{}, nil, err
		}
		g, err := keepInactiveValues(ctx, tx, w, w.rec.Grant)
		if err != nil {
			return SCIMUser{}, nil, err
		}
		u, _ := scimUserOf(g, m)
		return u, nil, nil
	case d.held > 0:
		return SCIMUser{}, d.refusal, s.holdSCIM(ctx, tx, w, d.held, d.live)
	case d.rejection != nil:
		return SCIMUser{}, d.refusal, s.recordSCIMRejection(ctx, tx, w, d.p, *d.rejection)
	case d.refusal != nil:
		return SCIMUser{}, d.refusal, nil
	}
	m, err := s.applySCIMPlan(ctx, tx, w, d.p, d.deactivate, d.grant.ID)
	if err != nil {
		return SCIMUser{}, nil, err
	}
	g := d.grant
	if d.deactivate {
		if g, err = keepInactiveValues(ctx, tx, w, g); err != nil {
			return SCIMUser{}, nil, err
		}
	}
	u, _ := scimUserOf(g, m)
	return u, nil, nil
}

// keepInactiveValues gives the deactivated grant g of an inactive user
// the address and role the write sent (RFC 7644 §3.5.1: the values a PUT
// gives replace the attribute's; §3.5.2.3 for a PATCH), and returns it:
// they open no access, and are the user's when it is reactivated. The
// names stay: on a grant, they are the school's spelling of its person,
// which reconcile reads to recognise the school's entries, so they change
// only on an active user, through the identity rules (validateInactive
// refuses them on an inactive one). A DELETE sends none.
func keepInactiveValues(ctx context.Context, tx SCIMTx, w *scimWriteState, g Grant) (Grant, error) {
	if w.del {
		return g, nil
	}
	role, email := inactiveValues(w.in, g)
	if role == g.Role && email == g.Email {
		return g, nil
	}
	g.Role, g.Email, g.UpdatedAt = role, email, w.now
	return g, tx.ApplySCIMWrite(ctx, SCIMWrite{FASE: w.fase, SchoolYear: w.year, UpdGrants: []Grant{g}})
}

// inactiveValues are the role and address in gives that the deactivated
// grant g takes (takenValues).
func inactiveValues(in SCIMUserInput, g Grant) (role, email string) {
	return takenValues(in, wire.StaffEntry{LastName: g.LastName, FirstName: g.FirstName, BirthDate: g.SentBirthDate,
		Matricule: g.SentMatricule, Email: g.Email, Role: g.Role})
}

// takenValues are the role and address in gives that an active user would
// take, read as a snapshot entry's are; base's where in leaves them empty,
// or gives what would be refused (in a deactivation, which never fails on
// them, or a PUT repeating one).
func takenValues(in SCIMUserInput, base wire.StaffEntry) (role, email string) {
	role, email = base.Role, base.Email
	withEmail := base
	withEmail.Email = in.Email
	if e, err := frtext.NormalizeEmail(in.Email); err == nil && e != "" && len(entryProblems(withEmail)) == 0 {
		email = e
	}
	if r, err := fwb.ParseRole(in.Role); err == nil && r != fwb.RoleNone {
		role = string(r)
	}
	return role, email
}

// keptEntry is an inactive user as the entry it stands for.
func keptEntry(kept SCIMUser) wire.StaffEntry {
	return wire.StaffEntry{LastName: kept.LastName, FirstName: kept.FirstName, BirthDate: kept.BirthDate,
		Matricule: kept.Matricule, Email: kept.Email, Role: kept.Role}
}

// keptWhole is what a PUT to an inactive user keeps: the user's names and
// identity, and its role and address when those sent would be refused, so
// that the same PUT sent again (after a lost answer, or at every cycle)
// gets the same answer as the deactivation it repeats.
func keptWhole(in SCIMUserInput, kept SCIMUser) SCIMUserInput {
	in.LastName, in.FirstName, in.BirthDate, in.Matricule = kept.LastName, kept.FirstName, kept.BirthDate, kept.Matricule
	in.Role, in.Email = takenValues(in, keptEntry(kept))
	return in
}

// validateInactive checks what a write to an inactive user gives besides
// what SCIM keeps: its address and role as an active user's, which
// keepInactiveValues writes; other names, birth date or matricule are
// refused, as they change only on an active user (reactivate it with
// them). What it leaves empty stays. A write that deactivates the user
// (closing) is not refused for what it gives besides active: closing an
// access comes first; the address and role apply when readable, the
// names and identity stay.
func validateInactive(in SCIMUserInput, kept SCIMUser, closing bool) error {
	if closing {
		return nil
	}
	changed := func(v, old string) bool { v = strings.TrimSpace(v); return v != old }
	if changed(in.BirthDate, kept.BirthDate) || changed(in.Matricule, kept.Matricule) {
		return &SCIMError{Status: 400, ScimType: "mutability", Detail: "un utilisateur inactif garde la date de naissance et le matricule " +
			"de son accès : réactivez-le (\"active\": true) en les donnant, et l'extranet vérifiera s'ils désignent bien la même personne"}
	}
	named := func(v, old string) bool { v = CleanName(v); return v != "" && v != old }
	if named(in.LastName, kept.LastName) || named(in.FirstName, kept.FirstName) {
		return &SCIMError{Status: 400, ScimType: "mutability", Detail: "un utilisateur inactif garde ses nom et prénom : réactivez-le " +
			"(\"active\": true) en donnant les nouveaux, et l'extranet vérifiera qu'ils désignent bien la même personne"}
	}
	or := func(v, old string) string {
		if strings.TrimSpace(v) == "" {
			return old
		}
		return v
	}
	e := keptEntry(kept)
	e.Email, e.Role = or(in.Email, kept.Email), or(in.Role, kept.Role)
	if err := scimProblems(entryProblems(e)); err != nil {
		return err
	}
	if r, err := fwb.ParseRole(e.Role); err != nil || r == fwb.RoleNone {
		return &SCIMError{Status: 400, ScimType: "invalidValue", Detail: fmt.Sprintf(reasonUnknownRole, clip(e.Role))}
	}
	return nil
}

// scimDecision is what a SCIM write decided, before it writes anything.
type scimDecision struct {
	// refusal is the write's answer when refused.
	refusal error
	// metaOnly: a deactivation of a user inactive already, which changes
	// only what SCIM keeps and the values of the deactivated grant
	// (keepInactiveValues).
	metaOnly bool
	// held is the count of deactivations to confirm when the guard holds
	// the write, live the school's live grants.
	held, live int
	// rejection is the user's entry, rejected: recorded with the refusal.
	rejection  *Rejection
	p          plan
	deactivate bool
	// grant is the user's grant after the write.
	grant Grant
}

// decideSCIM decides one SCIM write from what it reads in tx: a user as a
// snapshot entry must be, with a userName of its own, then reconciled.
func (s *Service) decideSCIM(ctx context.Context, tx Tx, w *scimWriteState) (scimDecision, error) {
	d := scimDecision{deactivate: w.rec != nil && !w.in.Active}
	var invalid error
	if d.deactivate {
		if w.in.UserName == "" {
			// A deactivation that leaves the userName out (a PUT of
			// active: false alone, and the same PUT again) keeps it:
			// closing an access must not fail on what it does not
			// change. A PATCH that blanks it is refused before
			// (scim.patchUser).
			w.in.UserName = w.cur.UserName
		}
		var kept SCIMUser
		if w.cur != nil {
			kept = *w.cur
		}
		if w.opt.Whole && !w.rec.Grant.Live() {
			w.in = keptWhole(w.in, kept)
		}
		invalid = validateSCIMText(w.in, kept)
		if invalid == nil && !w.del {
			invalid = validateInactive(w.in, kept, w.rec.Grant.Live())
		}
	} else {
		invalid = validateSCIM(w.in)
	}
	if invalid != nil {
		d.refusal = invalid
		return d, nil
	}
	if err := w.readRelated(ctx, tx, d.deactivate); err != nil {
		return d, err
	}
	if err := uniqueUserName(w); err != nil {
		d.refusal = err
		return d, nil
	}
	if d.deactivate && !w.rec.Grant.Live() {
		d.metaOnly = true
		return d, nil
	}
	var expect []string
	if d.deactivate {
		expect = []string{w.rec.Grant.ID}
		n, live, err := guardSCIM(ctx, tx, w)
		if err != nil {
			return d, err
		}
		if n > 0 {
			d.held, d.live, d.refusal = n, live, heldSCIM(n, live)
			return d, nil
		}
	}
	p, err := s.reconcileSCIM(ctx, tx, w, d.deactivate)
	if err != nil {
		return d, err
	}
	d.p = p
	e := scimEntry(w.in)
	eKey := rejectionKey(&e)
	if !d.deactivate {
		for _, r := range p.Rejections {
			if r.Key == eKey {
				d.rejection, d.refusal = &r, rejectedSCIM(r.Reason)
				return d, nil
			}
		}
	}
	d.grant, d.refusal = scimOutcome(w, p, expect)
	return d, nil
}

// scimEntry is the entry of a user as reconcile cleans it, for its
// rejection key.
func scimEntry(in SCIMUserInput) entry {
	e := entry{last: in.LastName, first: in.FirstName, birth: in.BirthDate, matricule: in.Matricule,
		email: in.Email, rawRole: in.Role}
	e.key = IdentityKey(e.last, e.first, e.birth)
	return e
}

// reconcileSCIM reconciles the grants the write read (those it can touch,
// or the school's whole set) with the write's change: the user's entry
// first, then every other live grant as its school sent it. The persons
// looked up are the user's candidates (by matricule and identity key, as
// for a snapshot) and the persons of those grants, which recognise the
// other entries.
func (s *Service) reconcileSCIM(ctx context.Context, tx GrantTx, w *scimWriteState, deactivate bool) (plan, error) {
	snap := wire.Snapshot{SchoolYear: w.year, Staff: make([]wire.StaffEntry, 0, len(w.grants)+1)}
	if !deactivate {
		snap.Staff = append(snap.Staff, wire.StaffEntry{LastName: w.in.LastName, FirstName: w.in.FirstName,
			BirthDate: w.in.BirthDate, Matricule: w.in.Matricule, Email: w.in.Email, Role: w.in.Role})
	} else {
		snap.ConfirmDeactivations = 1
	}
	persons := make([]Person, 0, len(w.grants)+2)
	for _, g := range w.grants {
		if !g.Grant.Live() || (w.rec != nil && g.Grant.ID == w.rec.Grant.ID) {
			continue
		}
		snap.Staff = append(snap.Staff, entryOf(g.Grant))
		persons = append(persons, g.Person)
	}
	var look lookups
	var holders []EmailHolder
	if !deactivate {
		look = snapshotLookups(wire.Snapshot{Staff: snap.Staff[:1]})
		var found []Person
		if w.related != nil {
			found, holders = w.related.Persons, w.related.Holders
		} else {
			var err error
			if found, err = tx.FindPersons(ctx, look.matricules, look.keys); err != nil {
				return plan{}, err
			}
		}
		persons = append(found, persons...)
		if w.rec != nil {
			persons = append(persons, w.rec.Person)
		}
		if w.related == nil {
			if err := tx.LockEmails(ctx, newEmails(look.emails, w.grants)); err != nil {
				return plan{}, err
			}
		}
	}
	if len(look.emails) > 0 && w.related == nil {
		var err error
		if holders, err = tx.EmailHolders(ctx, look.emails, w.fase, w.year); err != nil {
			return plan{}, err
		}
	}
	p := reconcile(reconcileInput{Now: w.now, FASE: w.fase, SchoolYear: w.year, Snapshot: snap,
		Grants: renamed(w, deactivate), Persons: persons, Holders: holders, NewID: w.newID})
	// The guard's base is the school's live grants, not those read.
	p.Live = w.live
	return p, nil
}

// renamed returns the school's grants as reconcile reads them. A user's
// new names, written on its own grant, are the school's word about the
// same person, as the names a school sent are (docs/extranet.md, « Shared
// names »): reconcile recognises the grant's person by them, with the
// birth date the school sent before, through a deactivated record of that
// person, put first so that the grant itself stays the person's
// (reconcile keeps the last record of a person). A new birth date or
// matricule is not a rename: it goes through the identity rules.
func renamed(w *scimWriteState, deactivate bool) []GrantRecord {
	if w.rec == nil || deactivate {
		return w.grants
	}
	t := w.rec.Grant.Target()
	if CleanName(t.LastName) == w.in.LastName && CleanName(t.FirstName) == w.in.FirstName {
		return w.grants
	}
	alias := *w.rec
	alias.Grant = Grant{PersonID: w.rec.Grant.PersonID, FASE: w.fase, SchoolYear: w.year, State: GrantDeactivated,
		GrantValues: GrantValues{LastName: w.in.LastName, FirstName: w.in.FirstName}, SentBirthDate: w.rec.Grant.SentBirthDate}
	return append([]GrantRecord{alias}, w.grants...)
}

// scimOutcome checks that the plan changes the user's grant only, as the
// write asks, and returns that grant as it will be. A plan that would
// touch another access (the entry designates another person than the
// user's, say) is refused: the extranet does not guess.
func scimOutcome(w *scimWriteState, p plan, expect []string) (Grant, error) {
	touched := append(slices.Clip(p.NewGrants), p.UpdGrants...)
	ok := slices.Equal(p.Deactivate, expect) && len(touched) <= 1
	switch {
	case !ok:
	case len(expect) == 1:
		if len(touched) == 0 {
			g := w.rec.Grant
			g.State, g.Since, g.EndReason, g.UpdatedAt = GrantDeactivated, w.now, EndRemoved, w.now
			g.Pending = PendingNone
			clearPending(&g)
			return g, nil
		}
	case w.rec == nil:
		if len(touched) == 1 {
			if len(p.UpdGrants) == 1 {
				if err := userOfGrant(w, p.UpdGrants[0].ID); err != nil {
					return Grant{}, err
				}
			}
			return touched[0], nil
		}
	case len(touched) == 0:
		return w.rec.Grant, nil
	case touched[0].ID == w.rec.Grant.ID:
		return touched[0], nil
	}
	if w.rec != nil && !w.del && w.in.Active {
		return Grant{}, &SCIMError{Status: 400, ScimType: "mutability", Detail: "le nom, la date de naissance ou le matricule envoyés désignent " +
			"pour l'extranet une autre personne que cet utilisateur : l'identité d'un accès ne change pas. Donnez le matricule " +
			"(employeeNumber) s'il manquait, ou supprimez cet utilisateur et créez-en un nouveau"}
	}
	return Grant{}, &SCIMError{Status: 409, Detail: "ce changement toucherait d'autres accès de l'école que celui de cet utilisateur : " +
		"l'extranet ne devine pas ; demandez à l'équipe de l'extranet de vérifier les accès de l'école dans la console"}
}

// userOfGrant refuses a creation that would give access again through a
// grant whose user is still shown, inactive: that user is the person's,
// with its id (RFC 7643 §3.1), and a creation is a new resource (RFC 7644
// §3.3), never another name for one that exists. The client reactivates
// it. A grant whose user was deleted, or that no SCIM write ever named,
// has no user to conflict with: its access is given again, as a new
// user (SCIMUserID).
func userOfGrant(w *scimWriteState, grantID string) error {
	for _, r := range w.grants {
		if r.Grant.ID != grantID {
			continue
		}
		m := w.meta[grantID]
		u, shown := scimUserOf(r.Grant, m)
		if !shown {
			return nil
		}
		how := "modifiez-le"
		if !u.Active {
			how = "réactivez-le (\"active\": true) et modifiez-le si besoin"
		}
		return &SCIMError{Status: 409, ScimType: "uniqueness", Detail: fmt.Sprintf("cette personne a déjà un utilisateur dans l'école, « %s » (id %s) : %s au lieu d'en créer un autre",
			u.UserName, u.ID, how)}
	}
	return nil
}

// rejectedSCIM is the refusal of a rejected entry: the reason reconcile
// gave, with RFC 7644's status and error type.
func rejectedSCIM(reason string) error {
	e := &SCIMError{Status: 400, ScimType: "invalidValue", Detail: reason}
	switch {
	case reason == reasonDuplicate:
		e.Status, e.ScimType, e.Detail = 409, "uniqueness", "cette personne a déjà un accès dans l'école : modifiez l'utilisateur existant au lieu d'en créer un autre"
	case reason == reasonAlsoRejected:
		e.Status, e.ScimType = 409, "uniqueness"
	case strings.HasPrefix(reason, prefixOf(reasonSharedEmail)), strings.HasPrefix(reason, prefixOf(reasonEmailTaken)):
		e.Status, e.ScimType = 409, "uniqueness"
	case strings.HasPrefix(reason, prefixOf(reasonMatriculeBirth)):
		e.Status, e.ScimType = 409, "uniqueness"
	case reason == reasonAmbiguous:
		e.Detail = reason + " (employeeNumber de l'extension entreprise)"
	}
	return e
}

func prefixOf(format string) string {
	p, _, _ := strings.Cut(format, "%")
	return p
}

// recordSCIMRejection keeps a rejected user for the operators, as a
// transfer keeps its rejected entries, and journals it.
func (s *Service) recordSCIMRejection(ctx context.Context, tx Tx, w *scimWriteState, p plan, r Rejection) error {
	res := s.scimResult(w, []wire.Change{{Action: wire.ActionRejected, LastName: r.LastName, FirstName: r.FirstName,
		Role: r.Role, Email: r.Email, Reason: r.Reason}})
	r.TransferID = res.TransferID
	if err := tx.SaveEntryRejection(ctx, w.fase, w.year, res.TransferID, r.Email, &r); err != nil {
		return err
	}
	return recordApplied(ctx, tx, w.fase, "", "", w.actor, w.now, res, p)
}

// scimResult is the transfer result of one SCIM write, for the journal and
// the audit log.
func (s *Service) scimResult(w *scimWriteState, changes []wire.Change) wire.TransferResult {
	res := wire.TransferResult{TransferID: NewID(), SchoolYear: w.year, EffectiveAt: s.nextNight(w.now), Changes: changes}
	for _, c := range changes {
		switch c.Action {
		case wire.ActionCreated:
			res.Counts.Created++
		case wire.ActionModified:
			res.Counts.Modified++
		case wire.ActionDeactivated:
			res.Counts.Deactivated++
		case wire.ActionUnchanged:
			res.Counts.Unchanged++
		case wire.ActionRejected:
			res.Counts.Rejected++
		}
	}
	return res
}

// applySCIMPlan writes a plan as applyPlan does, except that the school's
// other rejections stay open: one user's write resolves only its own. It
// writes the user's SCIM data with it, and returns them.
func (s *Service) applySCIMPlan(ctx context.Context, tx Tx, w *scimWriteState, p plan, deactivate bool, grantID string) (SCIMMeta, error) {
	sw := SCIMWrite{FASE: w.fase, SchoolYear: w.year, NewPersons: p.NewPersons, FillPersons: p.FillPersons,
		NewGrants: p.NewGrants, UpdGrants: p.UpdGrants, Deactivate: p.Deactivate}
	var changes []wire.Change
	for _, c := range p.Result.Changes {
		if c.Action != wire.ActionUnchanged && c.Action != wire.ActionRejected {
			changes = append(changes, c)
		}
	}
	res := s.scimResult(w, changes)
	if !deactivate && (w.related == nil || w.related.OpenRejection) {
		// A write that goes through resolves its address's open
		// rejection, when there is one.
		sw.ResolveEmail = w.in.Email
	}
	ms, err := identityMatches(ctx, tx, w.fase, w.year, p)
	if err != nil {
		return SCIMMeta{}, err
	}
	audits, err := matchAudits(ms, w.fase, w.year, w.actor, tx.Now())
	if err != nil {
		return SCIMMeta{}, err
	}
	sw.Matches = ms
	sw.Records = TransferRecords{FASE: w.fase, SchoolYear: w.year, Audit: audits}
	if len(changes) > 0 {
		// Nothing changed: nothing to journal.
		rec := appliedRecords(w.fase, "", "", w.actor, w.now, res, p)
		rec.Audit = append(audits, rec.Audit...)
		sw.Records = rec
	}
	m, changed := scimMeta(w, grantID)
	if changed {
		sw.MetaGrant, sw.Meta = grantID, m
	}
	return m, tx.ApplySCIMWrite(ctx, sw)
}

// scimMeta is what SCIM keeps of the user after the write, and whether it
// changes.
func scimMeta(w *scimWriteState, grantID string) (SCIMMeta, bool) {
	old := w.meta[grantID]
	m := SCIMMeta{ExternalID: w.in.ExternalID, UserName: w.in.UserName, DisplayName: w.in.DisplayName,
		UpdatedAt: old.UpdatedAt, Generation: old.Generation, RecreatedAt: old.RecreatedAt, UserID: old.UserID}
	if w.del {
		// The user is gone (a DELETE reaches only a user shown); if the
		// grant opens again, it is another user (SCIMUserID), the id a
		// rentrée carried included.
		m.DeletedAt = w.now
		m.Generation++
		m.UserID = ""
	} else if !old.DeletedAt.IsZero() {
		// The deleted user's grant has access again: a new user,
		// created by this write, or, when a snapshot gave the access
		// back already, no earlier than the deletion, as it showed.
		m.RecreatedAt = w.now
		if w.rec != nil && w.rec.Grant.Live() {
			m.RecreatedAt = old.DeletedAt
		}
	}
	if m == old {
		return m, false
	}
	m.UpdatedAt = w.now
	return m, true
}

// saveSCIMMeta stores the user's externalId and deletion mark when they
// change, and returns them.
func saveSCIMMeta(ctx context.Context, tx SCIMTx, w *scimWriteState, grantID string) (SCIMMeta, error) {
	m, changed := scimMeta(w, grantID)
	if !changed {
		return m, nil
	}
	return m, tx.SaveSCIMMeta(ctx, w.fase, grantID, m)
}

// holdSCIM records a deactivation the guard held: audit entry and journal,
// so that operators see a school about to lose its staff's access.
func (s *Service) holdSCIM(ctx context.Context, tx JournalTx, w *scimWriteState, n, live int) error {
	g := w.rec.Grant
	res := s.scimResult(w, []wire.Change{{Action: wire.ActionDeactivated, LastName: g.LastName, FirstName: g.FirstName, Role: g.Role, Email: g.Email}})
	p := plan{Deactivations: n, Live: live}
	detail, _ := json.Marshal(map[string]any{"transferId": res.TransferID, "schoolYear": w.year,
		"grant": g.ID, "deactivations24h": n, "liveGrants": live})
	if err := tx.AddAudit(ctx, AuditEntry{ID: NewID(), At: w.now, Actor: w.actor, Action: AuditSCIMHeld, FASE: w.fase, Detail: string(detail)}); err != nil {
		return err
	}
	return tx.SaveTransferRecord(ctx, journalRecord(res, OutcomeHeld, w.actor, w.fase, w.now, p))
}

// heldSCIM is the refusal of a held deactivation.
func heldSCIM(n, live int) error {
	return &SCIMError{Status: 409, Detail: heldDetail(n, live)}
}

// ConfirmHeader is the request header by which a school's administrator
// confirms a burst of deactivations (docs/scim.md).
const ConfirmHeader = "Passerelle-Confirm-Deactivations"

func heldDetail(n, live int) string {
	return "désactivation suspendue : ce serait la " + strconv.Itoa(n) + "e désactivation de l'école en 24 heures, pour " + strconv.Itoa(live) +
		" accès ouverts ; au-delà de max(4, 20 %), rien n'est désactivé sans confirmation. Si ces départs sont réels, la direction " +
		"renvoie la demande avec l'en-tête « " + ConfirmHeader + ": " + strconv.Itoa(n) + " » (ou plus), ou demande à l'équipe de l'extranet " +
		"de confirmer (passerelle extranet school scim-confirm) ; sinon, vérifiez la configuration du fournisseur d'identité"
}

// uniqueUserName refuses a userName another user of the school has
// (RFC 7643: userName is unique, case ignored).
func uniqueUserName(w *scimWriteState) error {
	for _, g := range w.named {
		if w.rec != nil && g.Grant.ID == w.rec.Grant.ID {
			continue
		}
		u, ok := scimUserOf(g.Grant, w.meta[g.Grant.ID])
		// Case and the spelling of accented letters ignored: a userName
		// kept decomposed before SCIM kept them composed is the same.
		if ok && strings.EqualFold(norm.NFC.String(u.UserName), norm.NFC.String(w.in.UserName)) {
			detail := "userName : « " + w.in.UserName + " » est déjà celui de l'utilisateur " + u.ID +
				" de l'école : modifiez cet utilisateur au lieu d'en créer un autre"
			if w.rec != nil {
				detail = "userName : « " + w.in.UserName + " » est déjà celui d'un autre utilisateur de l'école (id " + u.ID +
					") : donnez-en un autre à celui-ci"
			}
			return &SCIMError{Status: 409, ScimType: "uniqueness", Detail: detail}
		}
	}
	return nil
}
