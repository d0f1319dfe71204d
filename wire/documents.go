package wire

import (
	"encoding/json"
	"time"
)

// The types of this file are the API's JSON documents (see
// docs/openapi.yaml). They are the extranet domain's input and output as
// well, so the api package only moves them over HTTP.

// Snapshot is what a school sends: every staff member it gives access to for
// a school year, and the members it holds back but whose access must stay as
// it is (Keep).
type Snapshot struct {
	SchoolYear           string       `json:"schoolYear"`
	ConfirmDeactivations int          `json:"confirmDeactivations"`
	Staff                []StaffEntry `json:"staff"`
	Keep                 []KeepEntry  `json:"keep"`
}

// StaffEntry is one person the school sends.
type StaffEntry struct {
	LastName  string `json:"lastName"`
	FirstName string `json:"firstName"`
	BirthDate string `json:"birthDate"` // YYYY-MM-DD, may be empty when Matricule is given
	Matricule string `json:"matricule"`
	Email     string `json:"email"`
	Role      string `json:"role"` // Enseignant or Directeur
}

// KeepEntry names a member the school held back (a blocking finding): the
// extranet neither changes nor deactivates that person's grant.
type KeepEntry struct {
	LastName  string `json:"lastName"`
	FirstName string `json:"firstName"`
	BirthDate string `json:"birthDate"`
	Matricule string `json:"matricule"`
}

// Actions of a Change.
const (
	ActionCreated     = "created"
	ActionModified    = "modified"
	ActionDeactivated = "deactivated"
	ActionUnchanged   = "unchanged"
	ActionRejected    = "rejected"
)

// TransferResult is the extranet's answer to a snapshot.
type TransferResult struct {
	TransferID  string    `json:"transferId"`
	DryRun      bool      `json:"dryRun"`
	SchoolYear  string    `json:"schoolYear"`
	EffectiveAt time.Time `json:"effectiveAt"`
	Counts      Counts    `json:"counts"`
	Changes     []Change  `json:"changes"`
}

// AppendJSON appends the result in JSON to b.
func (r TransferResult) AppendJSON(b []byte) ([]byte, error) {
	out, err := json.Marshal(r)
	return append(b, out...), err
}

// Counts counts the changes of a transfer by action.
type Counts struct {
	Created     int `json:"created"`
	Modified    int `json:"modified"`
	Deactivated int `json:"deactivated"`
	Unchanged   int `json:"unchanged"`
	Rejected    int `json:"rejected"`
	// Renewed counts, among the created, the accesses that continue one of
	// the previous school year at the school (the rentrée): the school reads
	// « Créé Rôle » for each, since roles are per school year, and one line
	// « N accès renouvelés ».
	Renewed int `json:"renewed,omitempty"`
}

// Change is what happened to one person.
type Change struct {
	Action        string `json:"action"`
	LastName      string `json:"lastName"`
	FirstName     string `json:"firstName"`
	Role          string `json:"role"`
	PreviousRole  string `json:"previousRole"`
	Email         string `json:"email"`
	PreviousEmail string `json:"previousEmail"`
	Reason        string `json:"reason"`
}

// SchoolGrants is the answer to GET /api/v1/schools/{fase}/staff.
type SchoolGrants struct {
	FASE       string       `json:"fase"`
	SchoolYear string       `json:"schoolYear"`
	Staff      []GrantEntry `json:"staff"`
}

// GrantEntry is one grant of a school as the school may see it: the birth
// date and matricule are those the school itself sent (Grant.SentBirthDate,
// Grant.SentMatricule), never what another school gave for the person.
type GrantEntry struct {
	Login     string    `json:"login"`
	LastName  string    `json:"lastName"`
	FirstName string    `json:"firstName"`
	BirthDate string    `json:"birthDate"`
	Matricule string    `json:"matricule"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	State     string    `json:"state"` // pending, active, deactivated
	Since     time.Time `json:"since"`
}
