package school

import (
	"slices"
)

// ImportPlan is what an import would write.
type ImportPlan struct {
	// Rows holds only the new or changed rows, ready for Store.SaveRows:
	// ID 0 for what is new, the stored IDs for what is updated.
	Rows []Row
	// Created counts new situations (most often of new members), Updated
	// changed ones and Unchanged the lines that change nothing.
	Created, Updated, Unchanged int
}

// PlanImport matches the rows read from a file with the school's stored rows
// (existing) and returns what to save. A line is the member already stored
// when its matricule matches, else its national number, else its folded last
// name, first name and birth date (the extranet's own rule). That member's
// situation in the school (the latest one when several) is updated with the
// fields the file gives (ImportRow.Given); a member without a situation in
// the school gets a new one. Importing the same file twice plans nothing the
// second time.
func PlanImport(existing []Row, in []ImportRow, fase int) ImportPlan {
	stored := indexStored(existing, fase)
	var entries []*entry
	// byMember finds the entry of a member that an earlier line already
	// matched, so that two lines for one person make one update.
	byMember := map[int64]*entry{}
	// newByKey does the same for people not stored yet, by identityKeys.
	newByKey := map[string]*entry{}
	for _, ir := range in {
		id, ok := stored.find(ir.Row.Member)
		if !ok {
			keys := identityKeys(ir.Row.Member)
			if e := firstEntry(newByKey, keys); e != nil {
				e.after = merge(e.after, ir)
				continue
			}
			e := newMemberEntry(ir, fase)
			for _, k := range keys {
				newByKey[k] = e
			}
			entries = append(entries, e)
			continue
		}
		if e, seen := byMember[id]; seen {
			e.after = merge(e.after, ir)
			continue
		}
		e := stored.entry(id, ir, fase)
		byMember[id] = e
		entries = append(entries, e)
	}
	return planOf(entries)
}

// storedMembers indexes the school's stored members by matricule, national
// number and person key.
type storedMembers struct {
	byMatricule map[string]int64
	byNISS      map[string]int64
	byPerson    map[string]int64
	members     map[int64]Member
	// current is each member's situation in the school that an import
	// updates: the latest start, then the highest ID.
	current map[int64]Situation
}

// indexStored indexes the members of existing who have a situation in
// school fase.
func indexStored(existing []Row, fase int) storedMembers {
	st := storedMembers{
		byMatricule: map[string]int64{}, byNISS: map[string]int64{}, byPerson: map[string]int64{},
		members: map[int64]Member{}, current: map[int64]Situation{},
	}
	for _, r := range existing {
		m := r.Member
		if m.ID == 0 || r.Situation.FASE != fase {
			continue
		}
		if _, ok := st.members[m.ID]; !ok {
			st.members[m.ID] = m
			if m.Matricule != "" {
				st.byMatricule[m.Matricule] = m.ID
			}
			if m.NISS != "" {
				st.byNISS[m.NISS] = m.ID
			}
			st.byPerson[personKey(m)] = m.ID
		}
		s := r.Situation
		if c, ok := st.current[m.ID]; !ok || s.Start.After(c.Start) || (s.Start.Equal(c.Start) && s.ID > c.ID) {
			st.current[m.ID] = s
		}
	}
	return st
}

// find returns the stored member m is: by matricule, else national number,
// else person key.
func (st storedMembers) find(m Member) (int64, bool) {
	id, ok := int64(0), false
	if m.Matricule != "" {
		id, ok = st.byMatricule[m.Matricule]
	}
	if !ok && m.NISS != "" {
		id, ok = st.byNISS[m.NISS]
	}
	if !ok {
		id, ok = st.byPerson[personKey(m)]
	}
	return id, ok
}

// newMemberEntry is the entry of a line for a person not stored yet.
func newMemberEntry(ir ImportRow, fase int) *entry {
	r := ir.Row
	r.Member.ID, r.Situation.ID, r.Situation.MemberID = 0, 0, 0
	r.Situation.FASE = fase
	return &entry{after: r, isNew: true}
}

// entry is the entry of a line for stored member id: their current
// situation updated with the fields the line gives, or a new situation.
func (st storedMembers) entry(id int64, ir ImportRow, fase int) *entry {
	before := Row{Member: st.members[id]}
	s, has := st.current[id]
	e := &entry{isNew: !has}
	if has {
		before.Situation = s
		e.before = before
		e.after = merge(before, ir)
		return e
	}
	// A known member without a situation here: the new situation
	// takes the file's values (with their defaults) in full.
	after := ir.Row
	after.Member = merge(before, ir).Member
	after.Situation.ID, after.Situation.MemberID, after.Situation.FASE = 0, id, fase
	e.after = after
	return e
}

// planOf counts the entries and keeps the rows to save: the new and the
// changed ones.
func planOf(entries []*entry) ImportPlan {
	var plan ImportPlan
	for _, e := range entries {
		switch {
		case e.isNew:
			plan.Created++
		case sameRow(e.before, e.after):
			plan.Unchanged++
			continue
		default:
			plan.Updated++
		}
		plan.Rows = append(plan.Rows, e.after)
	}
	return plan
}

// entry is one row of a plan: the stored row and what it becomes.
type entry struct {
	before Row
	after  Row
	isNew  bool
}

// identityKeys returns the keys that recognise a person, strongest first.
func identityKeys(m Member) []string {
	var keys []string
	if m.Matricule != "" {
		keys = append(keys, "m:"+m.Matricule)
	}
	if m.NISS != "" {
		keys = append(keys, "n:"+m.NISS)
	}
	return append(keys, "p:"+personKey(m))
}

func firstEntry(index map[string]*entry, keys []string) *entry {
	for _, k := range keys {
		if e, ok := index[k]; ok {
			return e
		}
	}
	return nil
}

// merge returns base with the fields that ir gives.
func merge(base Row, ir ImportRow) Row {
	m, s := &base.Member, &base.Situation
	im, is := ir.Row.Member, ir.Row.Situation
	for f := range ir.Given {
		switch f {
		case FieldLastName:
			m.LastName = im.LastName
		case FieldFirstName:
			m.FirstName = im.FirstName
		case FieldBirthDate:
			m.BirthDate = im.BirthDate
		case FieldSex:
			m.Sex = im.Sex
		case FieldNISS:
			m.NISS = im.NISS
		case FieldMatricule:
			m.Matricule = im.Matricule
		case FieldSchoolEmail:
			m.SchoolEmail = im.SchoolEmail
		case FieldPrivateEmail:
			m.PrivateEmail = im.PrivateEmail
		case FieldFunction:
			s.Function = is.Function
		case FieldPromotion:
			s.Promotion = is.Promotion
		case FieldStatus:
			s.Status = is.Status
		case FieldCharge:
			s.Charge = slices.Clone(is.Charge)
		case FieldPresent:
			s.Present = is.Present
		case FieldActive:
			s.Active = is.Active
		case FieldStart:
			s.Start = is.Start
		case FieldEnd:
			s.End = is.End
		case FieldRole:
			s.Role = is.Role
		}
	}
	return base
}

// sameRow reports whether two rows hold the same values (IDs included).
func sameRow(a, b Row) bool {
	am, bm := a.Member, b.Member
	as, bs := a.Situation, b.Situation
	return am.ID == bm.ID && am.LastName == bm.LastName && am.FirstName == bm.FirstName &&
		am.BirthDate.Equal(bm.BirthDate) && am.Sex == bm.Sex && am.NISS == bm.NISS &&
		am.Matricule == bm.Matricule && am.SchoolEmail == bm.SchoolEmail && am.PrivateEmail == bm.PrivateEmail &&
		as.ID == bs.ID && as.MemberID == bs.MemberID && as.FASE == bs.FASE &&
		as.Start.Equal(bs.Start) && as.End.Equal(bs.End) && as.Present == bs.Present && as.Active == bs.Active &&
		as.Status == bs.Status && as.Function == bs.Function && as.Promotion == bs.Promotion &&
		slices.Equal(as.Charge, bs.Charge) && as.Role == bs.Role
}
