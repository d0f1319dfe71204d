package extranet

// Service.SCIMCheck: a SCIM write decided again from the school's whole set
// of grants, for tests to compare with the decision it applies.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"passerelle/wire"
)

// scimCheck holds what a write was before deciding, to decide it again.
type scimCheck struct {
	w   scimWriteState // a copy, before the write read or decided anything
	ids []string       // the IDs the write's decision made
}

func newSCIMCheck(w *scimWriteState) *scimCheck {
	c := &scimCheck{w: *w}
	c.w.meta = maps.Clone(w.meta)
	w.newID = func() string {
		id := NewID()
		c.ids = append(c.ids, id)
		return id
	}
	return c
}

// compare decides the write again on the full path and hands both
// decisions, written out, to Service.SCIMCheck.
func (c *scimCheck) compare(ctx context.Context, s *Service, tx Tx, d scimDecision) error {
	w := c.w
	var ids []string
	w.newID = func() string {
		id := NewID()
		ids = append(ids, id)
		return id
	}
	if err := w.readFull(ctx, tx); err != nil {
		return err
	}
	full, err := s.decideSCIM(ctx, tx, &w)
	if err != nil {
		return err
	}
	s.SCIMCheck(d.String(c.ids), full.String(ids))
	return nil
}

// String writes a decision out, the IDs it made (ids, in order) named by
// their rank, so that two decisions compare as text.
func (d scimDecision) String(ids []string) string {
	var b strings.Builder
	switch e := d.refusal; {
	case e == nil:
		b.WriteString("accepted\n")
	default:
		var se *SCIMError
		if errors.As(e, &se) {
			fmt.Fprintf(&b, "refused %d %q %s\n", se.Status, se.ScimType, se.Detail)
		} else {
			fmt.Fprintf(&b, "refused %v\n", e)
		}
	}
	fmt.Fprintf(&b, "metaOnly %v held %d live %d deactivate %v\n", d.metaOnly, d.held, d.live, d.deactivate)
	if d.rejection != nil {
		fmt.Fprintf(&b, "rejection %+v\n", *d.rejection)
	}
	if d.refusal == nil || d.rejection != nil {
		p := d.p
		fmt.Fprintf(&b, "live %d deactivations %d\n", p.Live, p.Deactivations)
		fmt.Fprintf(&b, "new persons %+v\nfilled %+v\n", p.NewPersons, p.FillPersons)
		fmt.Fprintf(&b, "new grants %+v\nupdated %+v\n", p.NewGrants, p.UpdGrants)
		fmt.Fprintf(&b, "deactivated %v\n", slices.Sorted(slices.Values(p.Deactivate)))
		for _, m := range p.matched {
			fmt.Fprintf(&b, "matched %s %s\n", m.grant.ID, m.strength)
		}
		for _, ch := range p.Result.Changes {
			if ch.Action != wire.ActionUnchanged && ch.Action != wire.ActionRejected {
				fmt.Fprintf(&b, "change %+v\n", ch)
			}
		}
	}
	if d.refusal == nil {
		fmt.Fprintf(&b, "grant %+v\n", d.grant)
	}
	out := b.String()
	for i, id := range ids {
		out = strings.ReplaceAll(out, id, "new#"+strconv.Itoa(i+1))
	}
	return out
}
