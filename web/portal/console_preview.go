package portal

import (
	"net/http"

	"passerelle/extranet"
)

// previewData is what deciding a rejected entry would change, for the
// operator to confirm.
type previewData struct {
	chrome
	Preview  extranet.RejectionPreview
	School   string
	PersonID string // the form's value: an ID or "nouvelle"
}

// previewRejection shows what the decision would do, with the button that
// confirms it; a decision the rules refuse goes back to the entry with the
// reason.
func (s *server) previewRejection(w http.ResponseWriter, r *http.Request, id, personID string) error {
	pv, err := s.portal.PreviewRejection(r.Context(), id, personID)
	if err != nil {
		return flashOrFail(w, r, err, "/console/rejets/"+id)
	}
	d := &previewData{chrome: s.chromeFor(r, "rejets"), Preview: pv, PersonID: personID}
	if personID == "" {
		d.PersonID = "nouvelle"
	}
	if sc, err := s.cfg.Store.School(r.Context(), pv.Rejection.FASE); err == nil {
		d.School = sc.Name
	}
	return s.render(w, r, http.StatusOK, "console/rejection_preview", "Confirmer la décision", d)
}
