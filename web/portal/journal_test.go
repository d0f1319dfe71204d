package portal

import (
	"testing"

	"passerelle/extranet"
	"passerelle/frtext"
)

// TestJournalActors checks how the Journal names who did what, for the
// actors whose names it does not look up.
func TestJournalActors(t *testing.T) {
	n := &journalNames{schools: map[int]string{9999: "Athénée de démonstration SCIM"}}
	for _, c := range []struct{ actor, want string }{
		{"scim:9999", "Athénée de démonstration SCIM (FASE 9999), par SCIM,"},
		{"api:9999", "Athénée de démonstration SCIM (FASE 9999)"},
		{"cli:marie", "marie, en ligne de commande,"},
		{"cli", "Quelqu'un, en ligne de commande,"},
		{"night", "Le traitement de nuit"},
	} {
		if got := n.actor(c.actor); got != c.want {
			t.Errorf("actor(%q) = %q, want %q", c.actor, got, c.want)
		}
	}
	e := extranet.AuditEntry{Action: extranet.AuditSchoolAdded, FASE: 9999}
	if got, want := frtext.Sentence(n.sentence(e, n.actor("cli"), nil)),
		"Quelqu'un, en ligne de commande, a inscrit l'Athénée de démonstration SCIM (FASE 9999)."; got != want {
		t.Errorf("sentence = %q, want %q", got, want)
	}
	for actor, want := range map[string]string{"scim:9999": "l'école, par SCIM", "api:9999": "l'école", extranet.ActorRentree: "le traitement de nuit (rentrée SCIM)"} {
		if got := senderLabel(actor); got != want {
			t.Errorf("senderLabel(%q) = %q, want %q", actor, got, want)
		}
	}
}

// TestJournalDetailInFrench checks that a detail's fields the sentence
// already says are not shown under their English key.
func TestJournalDetailInFrench(t *testing.T) {
	fields := detailFields(map[string]any{"name": "Michèle Coremans", "strength": "weak", "otherSchools": []any{5342.0}})
	for _, f := range fields {
		if f.Label == "strength" || f.Value == "weak" {
			t.Errorf("field %+v shown", f)
		}
	}
	if len(fields) != 2 {
		t.Errorf("fields %+v, want the name and the other schools", fields)
	}
}

// TestJournalSCIMSentences checks the sentences of the guard's entries
// for SCIM, and that no sentence reads « , : ».
func TestJournalSCIMSentences(t *testing.T) {
	n := &journalNames{schools: map[int]string{9999: "Athénée de démonstration SCIM"}}
	for _, c := range []struct {
		actor, action string
		detail        map[string]any
		want          string
	}{
		{"scim:9999", extranet.AuditSCIMHeld, map[string]any{"deactivations24h": 5.0, "liveGrants": 16.0},
			"Athénée de démonstration SCIM (FASE 9999), par SCIM, a demandé une désactivation, suspendue par la garde : ce serait la 5e en 24 heures, sur 16 accès ouverts."},
		{"cli", extranet.AuditSCIMConfirmed, map[string]any{"maxCount": 12.0},
			"Quelqu'un, en ligne de commande, a permis à l'Athénée de démonstration SCIM (FASE 9999) jusqu'à 12 désactivations par SCIM en 24 heures."},
		{"cli", "action.inconnue", nil, "Quelqu'un, en ligne de commande : action.inconnue."},
	} {
		e := extranet.AuditEntry{Action: c.action, FASE: 9999}
		got := frtext.Sentence(n.sentence(e, n.actor(c.actor), c.detail))
		if got != c.want {
			t.Errorf("%s by %s:\n got %q\nwant %q", c.action, c.actor, got, c.want)
		}
	}
}
