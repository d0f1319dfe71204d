package fwb

import (
	"fmt"
	"strings"

	"passerelle/frtext"
)

// Sex is a person's sex as the FWB forms record it.
type Sex int

// The zero Sex is unknown, as for a BIS number issued without it.
const (
	SexUnknown Sex = iota
	SexMale
	SexFemale
)

// ParseSex reads a sex as typed in a spreadsheet: M or H (homme) for a man, F
// for a woman, in any case; the full words homme and femme are accepted too.
// An empty string is SexUnknown.
func ParseSex(s string) (Sex, error) {
	switch frtext.Fold(s) {
	case "":
		return SexUnknown, nil
	case "m", "h", "homme", "masculin":
		return SexMale, nil
	case "f", "femme", "feminin":
		return SexFemale, nil
	}
	return SexUnknown, fmt.Errorf("sexe inconnu « %s » : écrivez M (ou H) pour un homme, F pour une femme, ou laissez vide", strings.TrimSpace(s))
}

// String returns "M", "F", or "" when unknown: the form written back to CSV.
func (s Sex) String() string {
	switch s {
	case SexMale:
		return "M"
	case SexFemale:
		return "F"
	}
	return ""
}

// word names the sex in messages.
func (s Sex) word() string {
	switch s {
	case SexMale:
		return "homme"
	case SexFemale:
		return "femme"
	}
	return "inconnu"
}

// Role is a staff member's role on the SeGEC extranet. Only these values
// exist there; RoleNone means the person is not sent.
type Role string

// Extranet roles, spelled as the extranet and the school software show them.
const (
	RoleNone       Role = ""
	RoleEnseignant Role = "Enseignant"
	RoleDirecteur  Role = "Directeur"
)

// ParseRole reads an extranet role regardless of case, accents and
// surrounding spaces; the feminine forms (Enseignante, Directrice) are
// accepted. An empty string is RoleNone.
func ParseRole(s string) (Role, error) {
	switch frtext.Fold(s) {
	case "":
		return RoleNone, nil
	case "enseignant", "enseignante":
		return RoleEnseignant, nil
	case "directeur", "directrice":
		return RoleDirecteur, nil
	}
	return RoleNone, fmt.Errorf("rôle extranet inconnu « %s » : Enseignant, Directeur ou vide", strings.TrimSpace(s))
}

// Valid reports whether r is one of the three roles, so that values read
// from storage or JSON can be checked.
func (r Role) Valid() bool {
	switch r {
	case RoleNone, RoleEnseignant, RoleDirecteur:
		return true
	}
	return false
}
