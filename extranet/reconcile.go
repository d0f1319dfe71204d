package extranet

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// Guard thresholds: a snapshot may deactivate at most max(GuardMin,
// GuardShare × live grants) of a school's grants, and never all of them,
// without confirmation.
const (
	GuardMin   = 4
	GuardShare = 0.20
)

// Reasons of rejected entries, in French: the school shows them after the
// person's name ("Erreur : Non transféré Jean Dupont – <reason>"), so they
// start in lower case and say what to do, in the school's words (a
// secretary knows the fiche, not the API's fields). They never quote what
// the extranet holds from another school: a reason must not tell a school
// what it did not send.
const (
	reasonMatriculeBirth = "le matricule %s est déjà connu de l'extranet avec une autre date de naissance : vérifiez la date de naissance et le matricule " + inFiche
	reasonAmbiguous      = "plusieurs personnes connues de l'extranet portent ce nom et cette date de naissance : ajoutez le matricule pour les distinguer"
	reasonDuplicate      = "cette personne figure plusieurs fois dans l'envoi : gardez une seule ligne"
	reasonSharedEmail    = "l'adresse e-mail %s est donnée à plusieurs personnes de l'envoi : chaque personne doit avoir sa propre adresse"
	reasonEmailTaken     = "l'adresse e-mail %s est déjà celle d'une autre personne sur l'extranet : chaque personne doit avoir sa propre adresse"
	reasonUnknownRole    = "rôle « %s » inconnu de l'extranet : choisissez Enseignant ou Directeur " + inFiche
	reasonAlsoKept       = "cette personne a aussi une autre fiche à son nom, non transférée à cause d'une erreur : son accès est laissé tel quel ; corrigez l'erreur de l'autre fiche, ou décochez Actif sur celle qui est en trop"
	reasonAlsoRejected   = "une autre ligne rejetée de l'envoi peut désigner cette personne : son accès est laissé tel quel jusqu'à ce que l'envoi soit corrigé"
)

// inFiche is where a secretary corrects what a message asks for.
const inFiche = "dans la fiche de situation école"

// entry is a staff or keep entry, cleaned, with what its identity resolved to.
type entry struct {
	index                 int
	keep                  bool
	last, first           string
	birth, matricule, key string
	email, role, rawRole  string
	personID              string // existing person recognised, or ""
	isNew                 bool   // no person recognised: one will be created
	designated            []string
	reason                string
	// filled is the recognised person with what this entry adds to
	// their identity (a matricule or birth date not known before);
	// filledFrom is the person's identity key before.
	filled     *Person
	filledFrom string
	// weak: recognised by names and birth date only, not by matricule.
	weak bool
}

// values are the values the entry gives its grant.
func (e *entry) values() GrantValues {
	return GrantValues{Role: e.role, Email: e.email, LastName: e.last, FirstName: e.first}
}

// reconcileInput is what a transfer reads before deciding.
type reconcileInput struct {
	Now        time.Time
	FASE       int
	SchoolYear string
	Snapshot   wire.Snapshot
	Grants     []GrantRecord // the school's grants for the year, any state
	Persons    []Person      // candidates found by matricule or identity key
	Holders    []EmailHolder // who else uses the snapshot's e-mails
	NewID      func() string
	// Keys, if not nil, are lookups.entryKeys of the same snapshot: the
	// identity keys snapshotLookups computed, reused where the names are
	// the same (entryKey).
	Keys []string
	// Faults are the entries that failed validation (entryFaults.clean has
	// made them safe): rejected, with their problem as the reason.
	Faults entryFaults
}

// plan is what a transfer decided: its answer and the writes that carry it
// out.
type plan struct {
	Result        wire.TransferResult
	Deactivations int
	Live          int
	Held          bool

	NewPersons  []Person
	FillPersons []Person
	NewGrants   []Grant
	UpdGrants   []Grant
	// Created holds the persons of the created entries, whose accesses
	// may continue those of the previous school year (rentreeTransfer).
	Created []string
	// Protected holds the persons whose grant the snapshot leaves as it is
	// (kept, or designated by a rejected entry); at the rentrée their
	// access of the year before is carried into the new one
	// (rentreeTransfer).
	Protected  map[string]bool
	Deactivate []string
	Rejections []Rejection
	// matched are the grants opened (new or reopened) for persons already
	// known, with the strength of the match: candidates for the identity
	// matches operators check (recordMatches).
	matched []matchedGrant
}

// lookups lists what a transfer must read about a snapshot's people: their
// matricules, identity keys and e-mails.
type lookups struct {
	matricules, keys, emails []string
	// entryKeys is the identity key of each staff entry, then of each keep
	// entry, from the names as sent (reconcileInput.Keys).
	entryKeys []string
}

// snapshotLookups returns the distinct matricules, identity keys and e-mails
// of a validated snapshot.
func snapshotLookups(s wire.Snapshot) lookups {
	var l lookups
	n := len(s.Staff) + len(s.Keep)
	seen := map[byte]map[string]bool{'m': make(map[string]bool, n), 'k': make(map[string]bool, n), 'e': make(map[string]bool, n)}
	l.matricules, l.keys, l.emails = make([]string, 0, n), make([]string, 0, n), make([]string, 0, len(s.Staff))
	addTo := func(list *[]string, prefix, v string) {
		set := seen[prefix[0]]
		if v == "" || set[v] {
			return
		}
		set[v] = true
		*list = append(*list, v)
	}
	l.entryKeys = make([]string, 0, len(s.Staff)+len(s.Keep))
	for _, e := range s.Staff {
		addTo(&l.matricules, "m", strings.TrimSpace(e.Matricule))
		birth := strings.TrimSpace(e.BirthDate)
		key := IdentityKey(e.LastName, e.FirstName, birth)
		l.entryKeys = append(l.entryKeys, key)
		addTo(&l.keys, "k", key)
		if em, err := frtext.NormalizeEmail(e.Email); err == nil {
			addTo(&l.emails, "e", em)
		}
	}
	for _, e := range s.Keep {
		addTo(&l.matricules, "m", strings.TrimSpace(e.Matricule))
		key := IdentityKey(e.LastName, e.FirstName, strings.TrimSpace(e.BirthDate))
		l.entryKeys = append(l.entryKeys, key)
		addTo(&l.keys, "k", key)
	}
	return l
}

// entryKey is the identity key of entry e, the i-th of the snapshot (staff,
// then keep) sent with the names last and first: the one snapshotLookups
// computed when the names needed no cleaning (the same arguments give the
// same key), IdentityKey otherwise.
func entryKey(keys []string, i int, last, first string, e *entry) string {
	if i < len(keys) && last == e.last && first == e.first {
		return keys[i]
	}
	return IdentityKey(e.last, e.first, e.birth)
}

// matchedGrant is a grant opened for a person already known.
type matchedGrant struct {
	grant    Grant
	strength string // MatchStrong or MatchWeak
}

// strength says how the entry was joined to the person it names.
func (e *entry) strength() string {
	if e.weak {
		return MatchWeak
	}
	return MatchStrong
}

// reconcile decides what a validated snapshot changes. It is pure: the same
// input gives the same plan, which is why a dry run answers exactly what the
// real transfer would do.
func reconcile(in reconcileInput) plan {
	var p plan
	byMat, byKey := indexPersons(in.Persons, in.Grants)
	entries := snapshotEntries(in.Snapshot, in.Keys)
	resolveEntries(entries, byMat, byKey, in.Faults)
	designateByBirth(entries, in.Grants, in.Faults)
	staff := entries[:len(in.Snapshot.Staff)]
	keep := entries[len(in.Snapshot.Staff):]

	p.Protected = rejectUndecidable(staff, keep, in.Holders)

	grantOf := grantsByPerson(in.Grants)
	p.Live = liveGrants(in.Grants)

	handled := make(map[string]bool, len(staff))
	changes := make([]wire.Change, 0, len(staff)+len(in.Grants))
	for _, e := range staff {
		if e.reason != "" {
			changes = append(changes, p.reject(in, e))
			continue
		}
		personID := p.person(in, e)
		handled[personID] = true
		changes = append(changes, p.grant(in, e, personID, grantOf[personID]))
	}
	changes = append(changes, p.deactivateRest(in.Grants, handled)...)

	p.Deactivations = len(p.Deactivate)
	p.Held = guardHolds(p.Deactivations, p.Live, in.Snapshot.ConfirmDeactivations)
	p.Result = answer(in.SchoolYear, in.Now, changes)
	return p
}

// indexPersons indexes the candidate persons by matricule and by identity
// key. The school's own grants add the names and birth date it sent each
// person with, so the people it named before are recognised even when the
// shared person now holds another school's spelling (the night run gives a
// person the names sent by the latest school to open or change an access).
func indexPersons(persons []Person, grants []GrantRecord) (map[string]*Person, map[string][]*Person) {
	byMat := map[string]*Person{}
	byKey := map[string][]*Person{}
	seenPerson := map[string]bool{}
	for i := range persons {
		p := &persons[i]
		if seenPerson[p.ID] {
			continue
		}
		seenPerson[p.ID] = true
		if p.Matricule != "" {
			byMat[p.Matricule] = p
		}
		if p.IdentityKey != "" {
			byKey[p.IdentityKey] = append(byKey[p.IdentityKey], p)
		}
	}
	for i := range grants {
		rec := &grants[i]
		t := rec.Grant.Target()
		if p := &rec.Person; p.LastName == t.LastName && p.FirstName == t.FirstName && p.BirthDate == rec.Grant.SentBirthDate {
			continue // the person's own key
		}
		k := IdentityKey(t.LastName, t.FirstName, rec.Grant.SentBirthDate)
		if k == "" || k == rec.Person.IdentityKey {
			continue
		}
		if !slices.ContainsFunc(byKey[k], func(q *Person) bool { return q.ID == rec.Person.ID }) {
			byKey[k] = append(byKey[k], &rec.Person)
		}
	}
	return byMat, byKey
}

// snapshotEntries cleans the snapshot's staff entries, then its keep
// entries, in that order: reconcile cuts the list in two at the number of
// staff entries.
func snapshotEntries(s wire.Snapshot, keys []string) []*entry {
	entries := make([]*entry, 0, len(s.Staff)+len(s.Keep))
	for i, st := range s.Staff {
		e := &entry{
			index: i, last: CleanName(st.LastName), first: CleanName(st.FirstName),
			birth: strings.TrimSpace(st.BirthDate), matricule: strings.TrimSpace(st.Matricule),
			rawRole: strings.TrimSpace(st.Role),
		}
		e.email, _ = frtext.NormalizeEmail(st.Email)
		if r, err := fwb.ParseRole(st.Role); err == nil && r != fwb.RoleNone {
			e.role = string(r)
		}
		e.key = entryKey(keys, len(entries), st.LastName, st.FirstName, e)
		entries = append(entries, e)
	}
	for i, k := range s.Keep {
		e := &entry{
			index: i, keep: true, last: CleanName(k.LastName), first: CleanName(k.FirstName),
			birth: strings.TrimSpace(k.BirthDate), matricule: strings.TrimSpace(k.Matricule),
		}
		e.key = entryKey(keys, len(entries), k.LastName, k.FirstName, e)
		entries = append(entries, e)
	}
	return entries
}

// resolveEntries recognises the person each entry names, then gives the
// entries that failed validation their fault as the reason.
func resolveEntries(entries []*entry, byMat map[string]*Person, byKey map[string][]*Person, f entryFaults) {
	for _, e := range entries {
		resolve(e, byMat, byKey)
		faults := f.staff
		if e.keep {
			faults = f.keep
		}
		if reason, ok := faults[e.index]; ok {
			e.reason = reason
		}
	}
}

// rejectUndecidable rejects the staff entries the snapshot cannot decide
// (duplicates, people also kept, shared or taken e-mails, unknown roles,
// people a rejected entry may designate) and returns the persons whose grant
// stays as it is: those kept, and those a rejected entry names or may
// designate.
func rejectUndecidable(staff, keep []*entry, holders []EmailHolder) map[string]bool {
	protected := map[string]bool{}
	// Kept people: their grants stay whatever the staff entries say.
	for _, e := range keep {
		protect(protected, e)
	}
	rejectDuplicates(staff)
	rejectProtected(staff, protected, reasonAlsoKept)
	rejectSharedEmails(staff)
	rejectTakenEmailsAndUnknownRoles(staff, holders)
	for _, e := range staff {
		if e.reason != "" {
			protect(protected, e)
		}
	}
	// A rejected entry may designate the person another entry names (an
	// ambiguous line beside a clear one): that person's grant stays as it
	// is, so the clear line cannot change it either.
	rejectProtected(staff, protected, reasonAlsoRejected)
	return protected
}

// protect adds to protected the person entry e names and every person it may
// designate.
func protect(protected map[string]bool, e *entry) {
	if e.personID != "" {
		protected[e.personID] = true
	}
	for _, id := range e.designated {
		protected[id] = true
	}
}

// rejectProtected rejects, with reason, the staff entries not rejected yet
// that name a protected person: their grant must stay as it is.
func rejectProtected(staff []*entry, protected map[string]bool, reason string) {
	for _, e := range staff {
		if e.reason == "" && e.personID != "" && protected[e.personID] {
			e.reason = reason
		}
	}
}

// rejectTakenEmailsAndUnknownRoles rejects the staff entries not rejected yet
// whose e-mail is another person's on the extranet, or whose role the
// extranet does not know.
func rejectTakenEmailsAndUnknownRoles(staff []*entry, holders []EmailHolder) {
	holderIDs := map[string][]string{}
	for _, h := range holders {
		holderIDs[h.Email] = append(holderIDs[h.Email], h.PersonID)
	}
	for _, e := range staff {
		if e.reason != "" {
			continue
		}
		for _, pid := range holderIDs[e.email] {
			if pid != e.personID {
				e.reason = fmt.Sprintf(reasonEmailTaken, e.email)
				break
			}
		}
		if e.reason == "" && e.role == "" {
			e.reason = fmt.Sprintf(reasonUnknownRole, clip(e.rawRole))
		}
	}
}

// grantsByPerson indexes the school's grants by person. Pointers: a
// GrantRecord is large, and a re-sync looks up every one.
func grantsByPerson(grants []GrantRecord) map[string]*GrantRecord {
	grantOf := make(map[string]*GrantRecord, len(grants))
	for i := range grants {
		grantOf[grants[i].Grant.PersonID] = &grants[i]
	}
	return grantOf
}

// liveGrants counts the grants that give or will give access: the guard's
// base.
func liveGrants(grants []GrantRecord) int {
	n := 0
	for i := range grants {
		if grants[i].Grant.Live() {
			n++
		}
	}
	return n
}

// reject records a rejected staff entry: the school reads its reason, and
// the rejection is kept for the console.
func (p *plan) reject(in reconcileInput, e *entry) wire.Change {
	p.Rejections = append(p.Rejections, Rejection{
		FASE: in.FASE, SchoolYear: in.SchoolYear, Key: rejectionKey(e),
		LastName: e.last, FirstName: e.first, BirthDate: e.birth, Matricule: e.matricule,
		Email: e.email, Role: e.rawRole, Reason: e.reason,
	})
	return wire.Change{
		Action: wire.ActionRejected, LastName: e.last, FirstName: e.first,
		Role: e.rawRole, Email: e.email, Reason: e.reason,
	}
}

// person returns the person a decided staff entry gives access to: a new
// one, created, or the one recognised, filled with
// what the entry adds to their identity.
func (p *plan) person(in reconcileInput, e *entry) string {
	if e.isNew {
		np := Person{
			ID: in.NewID(), LastName: e.last, FirstName: e.first, BirthDate: e.birth,
			Matricule: e.matricule, IdentityKey: e.key, CreatedAt: in.Now, UpdatedAt: in.Now,
		}
		p.NewPersons = append(p.NewPersons, np)
		return np.ID
	}
	if e.filled != nil {
		p.FillPersons = append(p.FillPersons, *e.filled)
	}
	return e.personID
}

// grant decides the grant of a decided staff entry for personID, whose
// grant at the school is rec (nil if none): opened, reopened, or updated.
func (p *plan) grant(in reconcileInput, e *entry, personID string, rec *GrantRecord) wire.Change {
	switch {
	case rec == nil:
		p.openGrant(in, e, personID)
	case !rec.Grant.Live():
		p.reopenGrant(in.Now, e, rec.Grant)
	default:
		return p.updateGrant(in.Now, e, rec.Grant)
	}
	return wire.Change{Action: wire.ActionCreated, LastName: e.last, FirstName: e.first, Role: e.role, Email: e.email}
}

// openGrant opens a new grant for personID, pending until the next night.
func (p *plan) openGrant(in reconcileInput, e *entry, personID string) {
	now := in.Now
	p.NewGrants = append(p.NewGrants, Grant{
		ID: in.NewID(), PersonID: personID, FASE: in.FASE, SchoolYear: in.SchoolYear,
		GrantValues: e.values(), SentBirthDate: e.birth, SentMatricule: e.matricule,
		State: GrantPending, Since: now, Pending: PendingCreated, CreatedAt: now, UpdatedAt: now,
	})
	if !e.isNew {
		p.matched = append(p.matched, matchedGrant{p.NewGrants[len(p.NewGrants)-1], e.strength()})
	}
	p.Created = append(p.Created, personID)
}

// reopenGrant reopens g, deactivated earlier and back now: the grant opens
// again at the next night, as a new one.
func (p *plan) reopenGrant(now time.Time, e *entry, g Grant) {
	g.GrantValues = e.values()
	g.SentBirthDate, g.SentMatricule = e.birth, e.matricule
	g.State, g.Since, g.Pending, g.EndReason, g.UpdatedAt = GrantPending, now, PendingCreated, "", now
	clearPending(&g)
	p.UpdGrants = append(p.UpdGrants, g)
	p.matched = append(p.matched, matchedGrant{g, e.strength()})
	p.Created = append(p.Created, g.PersonID)
}

// updateGrant brings live grant g to what entry e says: unchanged, changed
// at once while pending, or with a modification waiting for the night.
func (p *plan) updateGrant(now time.Time, e *entry, g Grant) wire.Change {
	was, v := g.Target(), e.values()
	sameIdentity := g.SentBirthDate == e.birth && g.SentMatricule == e.matricule
	g.SentBirthDate, g.SentMatricule = e.birth, e.matricule
	if was == v {
		if !sameIdentity {
			// The school now sends another birth date or matricule
			// for the same person (one it learnt, say): recorded at
			// once, without a change to report, since it gives no
			// access.
			g.UpdatedAt = now
			p.UpdGrants = append(p.UpdGrants, g)
		}
		return wire.Change{Action: wire.ActionUnchanged, LastName: e.last, FirstName: e.first, Role: e.role, Email: e.email}
	}
	switch {
	case g.State == GrantPending:
		// Not opened yet: it will open with the new values.
		g.GrantValues = v
	case g.GrantValues == v:
		// Back to what is active: the waiting modification is void.
		g.Pending = PendingNone
		clearPending(&g)
	default:
		g.Pending = PendingModified
		g.Next = v
		g.PendingSince = now
	}
	g.UpdatedAt = now
	p.UpdGrants = append(p.UpdGrants, g)
	return wire.Change{
		Action: wire.ActionModified, LastName: e.last, FirstName: e.first,
		Role: e.role, PreviousRole: was.Role, Email: e.email, PreviousEmail: was.Email,
	}
}

// deactivateRest deactivates the live grants the snapshot neither handled
// nor protected: the people the school no longer sends.
func (p *plan) deactivateRest(grants []GrantRecord, handled map[string]bool) []wire.Change {
	var changes []wire.Change
	for _, rec := range grants {
		g := rec.Grant
		if !g.Live() || handled[g.PersonID] || p.Protected[g.PersonID] {
			continue
		}
		p.Deactivate = append(p.Deactivate, g.ID)
		changes = append(changes, wire.Change{
			Action: wire.ActionDeactivated, LastName: g.LastName, FirstName: g.FirstName,
			Role: g.Role, Email: g.Email,
		})
	}
	return changes
}

// guardHolds reports whether a transfer that deactivates deactivations of
// live grants is held: more than max(GuardMin, GuardShare × live), or all of
// them, unless the school confirmed exactly that number.
func guardHolds(deactivations, live, confirmed int) bool {
	limit := math.Max(GuardMin, GuardShare*float64(live))
	exceeds := float64(deactivations) > limit || (deactivations > 0 && deactivations == live)
	return exceeds && confirmed != deactivations
}

// answer is what the school reads: the changes in the order of its
// messages, counted, effective at the next night.
func answer(schoolYear string, now time.Time, changes []wire.Change) wire.TransferResult {
	if len(changes) == 0 {
		changes = nil // as before the capacity was reserved: the answer says null
	}
	sortChanges(changes)
	return wire.TransferResult{
		SchoolYear:  schoolYear,
		EffectiveAt: NextNight(now),
		Counts:      countChanges(changes),
		Changes:     changes,
	}
}

// countChanges counts changes by action.
func countChanges(changes []wire.Change) wire.Counts {
	var c wire.Counts
	for _, ch := range changes {
		switch ch.Action {
		case wire.ActionCreated:
			c.Created++
		case wire.ActionModified:
			c.Modified++
		case wire.ActionDeactivated:
			c.Deactivated++
		case wire.ActionUnchanged:
			c.Unchanged++
		case wire.ActionRejected:
			c.Rejected++
		}
	}
	return c
}

// resolve recognises the person an entry names: by matricule when given,
// else by identity key. A conflict or an ambiguity sets e.reason and lists in
// e.designated every person the entry may mean, whose grants must then stay
// as they are.
func resolve(e *entry, byMat map[string]*Person, byKey map[string][]*Person) {
	candidates := func(withoutMatricule bool) []*Person {
		var out []*Person
		for _, p := range byKey[e.key] {
			if !withoutMatricule || p.Matricule == "" {
				out = append(out, p)
			}
		}
		return out
	}
	designate := func(ps []*Person) {
		for _, p := range ps {
			if !slices.Contains(e.designated, p.ID) {
				e.designated = append(e.designated, p.ID)
			}
		}
	}
	if e.matricule != "" {
		if p := byMat[e.matricule]; p != nil {
			if e.birth != "" && p.BirthDate != "" && e.birth != p.BirthDate {
				// The matricule is the school's own; the birth date the
				// extranet holds is not said, or a school could look up
				// anyone's by sending their matricule.
				e.reason = fmt.Sprintf(reasonMatriculeBirth, e.matricule)
				designate([]*Person{p})
				if e.key != "" {
					designate(byKey[e.key])
				}
				return
			}
			e.personID = p.ID
			if p.BirthDate == "" && e.birth != "" && !e.keep {
				// Learnt from this school: later snapshots without the
				// matricule will recognise the person by name and birth date.
				filled := *p
				filled.BirthDate = e.birth
				filled.IdentityKey = IdentityKey(p.LastName, p.FirstName, e.birth)
				e.filled, e.filledFrom = &filled, p.IdentityKey
			}
			return
		}
		// An unknown matricule may still belong to a person first sent
		// without one; a person known with another matricule is someone
		// else.
		if e.key != "" {
			switch c := candidates(true); len(c) {
			case 0:
			case 1:
				e.personID, e.weak = c[0].ID, true
				if !e.keep {
					filled := *c[0]
					filled.Matricule = e.matricule
					e.filled, e.filledFrom = &filled, c[0].IdentityKey
				}
				return
			default:
				e.reason = reasonAmbiguous
				designate(c)
				return
			}
		}
		e.isNew = true
		return
	}
	switch c := candidates(false); len(c) {
	case 0:
		e.isNew = true
	case 1:
		e.personID, e.weak = c[0].ID, true
	default:
		e.reason = reasonAmbiguous
		designate(c)
	}
}

// rejectDuplicates rejects the staff entries that name the same person as
// another entry: the same known person, or, for people not known yet, the
// same matricule, or the same names and birth date when one of the two has
// no matricule (it would be recognised as the other).
func rejectDuplicates(staff []*entry) {
	byPerson := map[string][]*entry{}
	byMat := map[string][]*entry{}
	byKey := map[string][]*entry{}
	for _, e := range staff {
		if e.reason != "" && len(e.designated) > 0 {
			// Ambiguous or conflicting already: its reason says more.
			continue
		}
		switch {
		case e.personID != "":
			byPerson[e.personID] = append(byPerson[e.personID], e)
			if e.filled != nil && e.filled.IdentityKey != "" && e.filled.IdentityKey != e.filledFrom {
				// The person takes a key here: a new entry with that key
				// and no matricule would be recognised as them next time.
				byKey[e.filled.IdentityKey] = append(byKey[e.filled.IdentityKey], e)
			}
		case e.isNew:
			if e.matricule != "" {
				byMat[e.matricule] = append(byMat[e.matricule], e)
			}
			if e.key != "" {
				byKey[e.key] = append(byKey[e.key], e)
			}
		}
	}
	mark := func(group []*entry) {
		if len(group) < 2 {
			return
		}
		for _, e := range group {
			if e.reason == "" {
				e.reason = reasonDuplicate
			}
		}
	}
	for _, g := range byPerson {
		mark(g)
	}
	for _, g := range byMat {
		mark(g)
	}
	for _, g := range byKey {
		// Entries with two different matricules are two people even with
		// the same names and birth date.
		var dup []*entry
		for _, e := range g {
			for _, o := range g {
				if e != o && (e.matricule == "" || o.matricule == "" || e.matricule == o.matricule) {
					dup = append(dup, e)
					break
				}
			}
		}
		mark(dup)
	}
}

// rejectSharedEmails rejects the staff entries that share an e-mail with
// another entry: one invitation address cannot serve two people.
func rejectSharedEmails(staff []*entry) {
	byEmail := map[string][]*entry{}
	for _, e := range staff {
		if e.email != "" {
			byEmail[e.email] = append(byEmail[e.email], e)
		}
	}
	for email, g := range byEmail {
		if len(g) < 2 {
			continue
		}
		for _, e := range g {
			if e.reason == "" {
				e.reason = fmt.Sprintf(reasonSharedEmail, email)
			}
		}
	}
}

// rejectionKey identifies a rejected entry across snapshots.
func rejectionKey(e *entry) string {
	id := "k:" + e.key
	if e.matricule != "" {
		id = "m:" + e.matricule
	} else if e.key == "" {
		id = "n:" + frtext.Fold(e.last) + "|" + frtext.Fold(e.first)
	}
	return id + "|" + e.email + "|" + frtext.Fold(e.rawRole)
}

func clearPending(g *Grant) {
	g.Next = GrantValues{}
	g.PendingSince = time.Time{}
}

// actionOrder is the order of the school's messages: errors first, then
// Modifié, Créé, Désactivé, and the unchanged ones last.
var actionOrder = map[string]int{
	wire.ActionRejected: 0, wire.ActionModified: 1, wire.ActionCreated: 2, wire.ActionDeactivated: 3, wire.ActionUnchanged: 4,
}

// sortChanges orders changes by action, then by name in French order, so
// that a result is the same whatever the order of the snapshot.
func sortChanges(cs []wire.Change) {
	if len(cs) < 2 {
		return
	}
	// The names' collation keys are computed once each, not at each of
	// the n·log n comparisons, and the sort moves small indexes, not the
	// changes: the position breaks the last tie, as a stable sort would.
	orders := make([]int, len(cs))
	keys := make([]frtext.NameKey, len(cs))
	idx := make([]int, len(cs))
	for i, c := range cs {
		orders[i], keys[i], idx[i] = actionOrder[c.Action], frtext.MakeNameKey(c.LastName, c.FirstName), i
	}
	slices.SortFunc(idx, func(i, j int) int {
		if d := orders[i] - orders[j]; d != 0 {
			return d
		}
		if c := keys[i].Compare(keys[j]); c != 0 {
			return c
		}
		if c := strings.Compare(cs[i].Email, cs[j].Email); c != 0 {
			return c
		}
		if c := strings.Compare(cs[i].Role, cs[j].Role); c != 0 {
			return c
		}
		return i - j
	})
	sorted := make([]wire.Change, len(cs))
	for k, i := range idx {
		sorted[k] = cs[i]
	}
	copy(cs, sorted)
}
