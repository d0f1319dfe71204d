package portal

import (
	"net/http"
	"strconv"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/web"
	"passerelle/wire"
)

// accessData is « Mes accès ».
type accessData struct {
	chrome
	Access *extranet.StaffAccess
	Opens  string // the night the pending accesses open: « 26/11/2026 au 27/11/2026 »
}

func (s *server) accessPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "access", "Mes accès",
		&accessData{chrome: s.chromeFor(r, "acces"), Access: accessFrom(r.Context()),
			Opens: extranet.NightDate(s.cfg.Service.NextNightRun())})
}

// teachersData is the « Espace enseignants ».
type teachersData struct {
	chrome
	Access *extranet.StaffAccess
	Items  []extranet.SpaceItem // what the network publishes there (console, « Contenus »)
}

func (s *server) teachersPage(w http.ResponseWriter, r *http.Request) error {
	acc := accessFrom(r.Context())
	items, err := s.spaceItems(r, extranet.SpaceTeachers, acc.Active...)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "teachers", "Espace enseignants",
		&teachersData{chrome: s.chromeFor(r, "enseignants"), Access: acc, Items: items})
}

// directionIndex lists the schools the person directs, or opens the only one.
func (s *server) directionIndex(w http.ResponseWriter, r *http.Request) error {
	directed := accessFrom(r.Context()).Directed()
	switch len(directed) {
	case 0:
		// Not a director anywhere: the space does not exist for them.
		return &web.Error{Status: http.StatusNotFound}
	case 1:
		http.Redirect(w, r, "/direction/"+strconv.Itoa(directed[0].Grant.FASE), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "direction_index", "Espace direction",
		&accessData{chrome: s.chromeFor(r, "direction"), Access: accessFrom(r.Context())})
}

// directionData is a school's « Espace direction ».
type directionData struct {
	chrome
	School    extranet.School
	Year      string
	Staff     []wire.GrantEntry
	Counts    map[string]int
	Transfers []extranet.TransferRecord
	// Carried is set while the school's accesses of the ended year are
	// carried over (the rentrée), until Deadline; Soon when the deadline
	// is near.
	Carried  *extranet.CarriedSchool
	Deadline time.Time
	Soon     bool
	Items    []extranet.SpaceItem // what the network publishes for directors
}

// directionPage shows a school's staff and last transfers to its director,
// and to nobody else: any other person gets the same 404 as for a school
// that does not exist, so the page does not even tell which FASE numbers
// are known.
func (s *server) directionPage(w http.ResponseWriter, r *http.Request) error {
	fase, err := strconv.Atoi(r.PathValue("fase"))
	if err != nil {
		return &web.Error{Status: http.StatusNotFound}
	}
	grant, ok := accessFrom(r.Context()).Directs(fase)
	if !ok {
		return &web.Error{Status: http.StatusNotFound}
	}
	ctx := r.Context()
	school, err := s.cfg.Store.School(ctx, fase)
	if err != nil {
		return domainError(err)
	}
	staff, err := s.cfg.Service.Grants(ctx, fase, grant.Grant.SchoolYear)
	if err != nil {
		return domainError(err)
	}
	transfers, err := s.cfg.Store.Transfers(ctx, extranet.TransferFilter{FASE: fase, Limit: 10})
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, g := range staff.Staff {
		counts[g.State]++
	}
	items, err := s.spaceItems(r, extranet.SpaceDirection, grant)
	if err != nil {
		return err
	}
	d := &directionData{
		chrome: s.chromeFor(r, "direction"), School: school, Year: grant.Grant.SchoolYear,
		Staff: staff.Staff, Counts: counts, Transfers: transfers, Items: items,
	}
	if err := s.rentreeNotice(r, d); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "direction", "Espace direction – "+school.Name, d)
}

// rentreeNotice tells the direction, during the rentrée's carry-over, that
// the school has not sent the new year and until when its accesses last.
func (s *server) rentreeNotice(r *http.Request, d *directionData) error {
	carried, deadline, err := s.cfg.Service.Carried(r.Context(), d.School.FASE)
	if err != nil || len(carried) == 0 {
		return err
	}
	d.Carried, d.Deadline = &carried[0], deadline
	ended, err := fwb.ParseSchoolYear(carried[0].SchoolYear)
	if err != nil {
		return err
	}
	d.Soon = !fwb.Date(s.cfg.Service.Clock().In(frtext.Brussels)).Before(s.cfg.Service.GraceWarningFrom(ended))
	return nil
}
