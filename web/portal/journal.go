package portal

// The console's Journal, read as French sentences: « Ana Dubois a révoqué
// les jetons de l'école École Saint-Joseph (FASE 4242) », the actors by
// name, the schools by name and FASE, the details as labelled fields.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"passerelle/extranet"
	"passerelle/frtext"
)

// journalLine is one audit entry as the Journal shows it.
type journalLine struct {
	Entry    extranet.AuditEntry
	Actor    string // by name
	Sentence string
	Fields   []journalField
}

// journalField is one labelled piece of an entry's detail; Link, when set,
// is the console page it points to.
type journalField struct {
	Label, Value, Link string
}

// journalNames resolves the names an entry speaks of, with a cache for one
// page.
type journalNames struct {
	s         *server
	ctx       context.Context
	schools   map[int]string
	operators map[string]string // login → name
	staff     map[string]string // login → name
}

func (s *server) newJournalNames(ctx context.Context) (*journalNames, error) {
	n := &journalNames{s: s, ctx: ctx, schools: map[int]string{}, operators: map[string]string{}, staff: map[string]string{}}
	all, err := s.cfg.Store.Schools(ctx)
	if err != nil {
		return nil, err
	}
	for _, sc := range all {
		n.schools[sc.FASE] = sc.Name
	}
	ops, err := s.cfg.Store.Operators(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range ops {
		n.operators[o.Login] = o.Name
	}
	return n, nil
}

// school names a school: « École Saint-Joseph (FASE 4242) ».
func (n *journalNames) school(fase int) string {
	if name := n.schools[fase]; name != "" {
		return name + " (FASE " + strconv.Itoa(fase) + ")"
	}
	return "école FASE " + strconv.Itoa(fase)
}

// withArticle returns the article a school's name takes: « l'École
// Saint-Joseph », « le Collège Saint-Pierre », « l'Institut… »; none for
// other names (« Athénée royal » aside, a name is its own article).
func withArticle(name, elided, masculine string) string {
	first, _ := utf8.DecodeRuneInString(name)
	switch {
	case strings.ContainsRune("AEIOUYHÉÈÂÎÔaeiouyhéèâîô", first):
		return elided
	case strings.HasPrefix(name, "Collège"), strings.HasPrefix(name, "Lycée"), strings.HasPrefix(name, "Centre"):
		return masculine
	}
	return ""
}

// person names a member of staff by login, from their account.
func (n *journalNames) person(login string) string {
	if name, ok := n.staff[login]; ok {
		return name
	}
	name := login
	if a, err := n.s.cfg.Store.AccountByLogin(n.ctx, login); err == nil {
		if p, err := n.s.cfg.Store.Person(n.ctx, a.PersonID); err == nil {
			name = frtext.FormatName(p.LastName, p.FirstName) + " (" + login + ")"
		}
	}
	n.staff[login] = name
	return name
}

// actor names who did it.
func (n *journalNames) actor(actor string) string {
	kind, who, _ := strings.Cut(actor, ":")
	switch kind {
	case "operator":
		if name := n.operators[who]; name != "" {
			return name
		}
		return "L'opérateur " + who
	case "staff":
		return n.person(who)
	case "school", "api":
		if fase, err := strconv.Atoi(who); err == nil {
			return n.school(fase)
		}
	case "scim":
		// A school's identity provider, with the school's token.
		if fase, err := strconv.Atoi(who); err == nil {
			return n.school(fase) + ", par SCIM,"
		}
	case "email":
		return "Le titulaire de l'adresse " + who
	case "ip":
		return "Quelqu'un, depuis " + who + ","
	case "cli":
		if who == "" {
			// The command line names its user by $USER, which a
			// container or a scheduled job may leave unset.
			return "Quelqu'un, en ligne de commande,"
		}
		return who + ", en ligne de commande,"
	case "night":
		return "Le traitement de nuit"
	case "demo", "démo":
		return "La démonstration"
	}
	return actor
}

// journalLines writes entries as the Journal shows them.
func (s *server) journalLines(ctx context.Context, entries []extranet.AuditEntry) ([]journalLine, error) {
	names, err := s.newJournalNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]journalLine, 0, len(entries))
	for _, e := range entries {
		var detail map[string]any
		_ = json.Unmarshal([]byte(e.Detail), &detail) // an unreadable detail shows no fields
		l := journalLine{Entry: e, Actor: names.actor(e.Actor)}
		l.Sentence = frtext.Sentence(names.sentence(e, l.Actor, detail))
		l.Fields = detailFields(detail)
		out = append(out, l)
	}
	return out, nil
}

// str returns a detail's text field.
func str(d map[string]any, key string) string {
	switch v := d[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func num(d map[string]any, key string) int {
	v, _ := d[key].(float64)
	return int(v)
}

// sentence says what an entry records.
func (n *journalNames) sentence(e extranet.AuditEntry, who string, d map[string]any) string {
	school := n.school(e.FASE)
	de, le := "de "+withArticle(school, "l'", "le ")+school, withArticle(school, "l'", "le ")+school
	name := str(d, "name")
	switch e.Action {
	case extranet.AuditTransferApplied:
		return who + " a fait un transfert pour l'année scolaire " + str(d, "schoolYear") + " : " + countsText(d["counts"])
	case extranet.AuditTransferHeld:
		return who + " a envoyé un transfert pour l'année scolaire " + str(d, "schoolYear") + ", suspendu par la garde : il aurait désactivé " +
			frtext.Plural(num(d, "deactivations"), "accès", "accès") + " sur " + strconv.Itoa(num(d, "liveGrants"))
	case extranet.AuditHeldDismissed:
		return who + " a classé un transfert suspendu"
	case extranet.AuditSchoolAdded:
		return who + " a inscrit " + le
	case extranet.AuditTokenRotated:
		return who + " a créé un nouveau jeton pour " + le + " : " + frtext.Plural(num(d, "revoked"), "ancien jeton révoqué", "anciens jetons révoqués")
	case extranet.AuditTokensRevoked:
		return who + " a révoqué les jetons " + de + " : " + frtext.Plural(num(d, "revoked"), "jeton révoqué", "jetons révoqués")
	case extranet.AuditNightRun:
		return who + " a tourné : " + frtext.Plural(num(d, "activated"), "accès ouvert", "accès ouverts") + ", " +
			frtext.Plural(num(d, "createdAccounts"), "compte créé", "comptes créés") + ", " +
			frtext.Plural(num(d, "sent"), "e-mail envoyé", "e-mails envoyés")
	case extranet.AuditNightRequested:
		return who + " a lancé le traitement de nuit"
	case extranet.AuditRejectionLinked:
		return who + " a rattaché l'entrée rejetée de " + name + " (" + school + ") à une personne connue"
	case extranet.AuditRejectionNewPerson:
		return who + " a enregistré l'entrée rejetée de " + name + " (" + school + ") comme une nouvelle personne"
	case extranet.AuditAccountDisabled:
		return who + " a désactivé le compte " + str(d, "login")
	case extranet.AuditAccountEnabled:
		return who + " a réactivé le compte " + str(d, "login")
	case extranet.AuditInvitationResent:
		return who + " a renvoyé l'invitation du compte " + str(d, "login")
	case extranet.AuditIdentityMatch:
		if str(d, "strength") == extranet.MatchStrong {
			return who + " a envoyé " + name + ", reconnu par son matricule comme une personne que d'autres écoles connaissent"
		}
		return who + " a envoyé " + name + ", reconnu par nom et date de naissance seulement comme une personne que d'autres écoles connaissent"
	case extranet.AuditMatchReviewed:
		return who + " a vérifié un rapprochement par nom et date de naissance (" + school + ")"
	case extranet.AuditAddressesLinked:
		return who + " a relié l'adresse " + str(d, "to") + " à l'adresse " + str(d, "from")
	case extranet.AuditGrantDisputed:
		return who + " a signalé « Ce n'est pas moi » pour l'accès " + str(d, "role") + " de " + name + " (" + school + ")"
	case extranet.AuditDisputeDecided:
		if str(d, "decision") == extranet.DisputeRestored {
			return who + " a rétabli le lien d'un accès contesté (" + school + ")"
		}
		return who + " a maintenu la suspension d'un accès contesté (" + school + ")"
	case extranet.AuditStaffSignIn:
		return who + " a ouvert une session sur le portail"
	case extranet.AuditOperatorSignIn:
		return who + " a ouvert une session sur la console"
	case extranet.AuditOperatorSignInFailed:
		return who + " a échoué à se connecter à la console avec l'identifiant « " + str(d, "login") + " »"
	case extranet.AuditOperatorAdded:
		return who + " a créé l'opérateur " + str(d, "name") + " (" + str(d, "login") + ")"
	case extranet.AuditSCIMHeld:
		return who + " a demandé une désactivation, suspendue par la garde : ce serait la " + strconv.Itoa(num(d, "deactivations24h")) +
			"e en 24 heures, sur " + frtext.Plural(num(d, "liveGrants"), "accès ouvert", "accès ouverts")
	case extranet.AuditSCIMConfirmed:
		return who + " a permis " + withArticle(school, "à l'", "au ") + school + " jusqu'à " +
			frtext.Plural(num(d, "maxCount"), "désactivation", "désactivations") + " par SCIM en 24 heures"
	}
	// An actor named with a comma (« …, en ligne de commande, ») ends
	// where the label begins.
	return strings.TrimSuffix(who, ",") + " : " + auditActionLabel(e.Action)
}

// countsText writes a transfer's counts: « 1 créé, 0 modifié, … ».
func countsText(v any) string {
	c, _ := v.(map[string]any)
	var parts []string
	for _, k := range []struct{ key, one, many string }{
		{"created", "créé", "créés"}, {"modified", "modifié", "modifiés"}, {"deactivated", "désactivé", "désactivés"},
		{"unchanged", "inchangé", "inchangés"}, {"rejected", "rejeté", "rejetés"},
	} {
		parts = append(parts, frtext.Plural(num(c, k.key), k.one, k.many))
	}
	return strings.Join(parts, ", ")
}

// fieldLabels are the French labels of the details' fields, in the order
// they are shown; ids point to the console's pages.
var fieldLabels = []struct{ key, label, link string }{
	{"name", "Nom", ""},
	{"login", "Identifiant", ""},
	{"schoolYear", "Année scolaire", ""},
	{"role", "Rôle", ""},
	{"email", "Adresse e-mail", ""},
	{"grantEmail", "Adresse donnée par l'école", ""},
	{"from", "Adresse de la session", ""},
	{"to", "Adresse reliée", ""},
	{"decision", "Décision", ""},
	{"ip", "Adresse IP", ""},
	{"transfer", "Transfert", "/console/transferts/"},
	{"transferId", "Transfert", "/console/transferts/"},
	{"account", "Compte", "/console/comptes/"},
	{"person", "Personne", "/console/personnes/"},
	{"rejection", "Entrée rejetée", "/console/rejets/"},
	{"otherSchools", "Autres écoles (FASE)", ""},
}

// detailFields lists an entry's detail as labelled fields; fields already
// said in the sentence (counts, figures) and unknown ones are left out,
// except unknown texts, shown under their own key.
func detailFields(d map[string]any) []journalField {
	var out []journalField
	seen := map[string]bool{}
	for _, f := range fieldLabels {
		seen[f.key] = true
		v, ok := d[f.key]
		if !ok {
			continue
		}
		val := fieldValue(v)
		if val == "" {
			continue
		}
		jf := journalField{Label: f.label, Value: val}
		if f.link != "" {
			jf.Value, jf.Link = "voir", f.link+val
		}
		if f.key == "decision" {
			jf.Value = map[string]string{extranet.DisputeRestored: "lien rétabli", extranet.DisputeKept: "suspension maintenue"}[val]
		}
		out = append(out, jf)
	}
	var rest []string
	for k, v := range d {
		if _, isText := v.(string); isText && !seen[k] && !unshown[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, journalField{Label: k, Value: fieldValue(d[k])})
	}
	return out
}

// unshown are the details' fields the Journal leaves out: internal
// identifiers, the night's times, which the entry's date says, and a
// match's strength, which its sentence says.
var unshown = map[string]bool{"id": true, "match": true, "grant": true, "message": true,
	"at": true, "started": true, "finished": true, "strength": true}

func fieldValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.Itoa(int(x)) // identifiers and FASE numbers, never grouped
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, fieldValue(e))
		}
		return strings.Join(parts, ", ")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// auditData is the Journal page.
type auditData struct {
	chrome
	FASE, Action, Actor, From, To string
	Actions                       []struct{ Action, Label string }
	Actors                        []journalField // Value: the filter; Label: who
	Lines                         []journalLine
	Error                         string
}

// actorKinds are the Journal's filters by kind of actor.
var actorKinds = []journalField{
	{Value: "operator:", Label: "Tous les opérateurs"},
	{Value: "api:", Label: "Les écoles (transferts)"},
	{Value: "night", Label: "Le traitement de nuit"},
	{Value: "staff:", Label: "Le personnel (portail)"},
	{Value: "email:", Label: "Les titulaires d'adresses (« Ce n'est pas moi », adresses reliées)"},
}

func (s *server) auditPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := &auditData{chrome: s.chromeFor(r, "journal"), FASE: strings.TrimSpace(q.Get("fase")), Action: q.Get("action"),
		Actor: q.Get("qui"), From: q.Get("du"), To: q.Get("au"), Actions: auditActions}
	d.Actors = append(d.Actors, actorKinds...)
	ops, err := s.cfg.Store.Operators(ctx)
	if err != nil {
		return err
	}
	for _, o := range ops {
		d.Actors = append(d.Actors, journalField{Value: o.Actor(), Label: o.Name})
	}
	f := extranet.AuditFilter{Action: d.Action, Actor: d.Actor, Limit: 200}
	var problems []string
	if d.FASE != "" {
		n, err := strconv.Atoi(d.FASE)
		if err != nil || n <= 0 {
			problems = append(problems, "le numéro FASE est un nombre entier positif")
		}
		f.FASE = n
	}
	if d.From != "" {
		if f.From, err = parseDay(d.From); err != nil {
			problems = append(problems, "la date « du » est illisible")
		}
	}
	if d.To != "" {
		t, err := parseDay(d.To)
		if err != nil {
			problems = append(problems, "la date « au » est illisible")
		}
		f.To = t.AddDate(0, 0, 1) // the whole last day
	}
	if len(problems) > 0 {
		d.Error = frtext.Sentence(strings.Join(problems, " ; "))
		return s.render(w, r, http.StatusBadRequest, "console/audit", "Journal", d)
	}
	entries, err := s.cfg.Store.Audit(ctx, f)
	if err != nil {
		return err
	}
	if d.Lines, err = s.journalLines(ctx, entries); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/audit", "Journal", d)
}

// senderLabel says who sent a transfer, for the tables of transfers: the
// school itself (through its software, "api:N", or the service's default,
// "school:N"), its identity provider ("scim:N"), the demonstration, or
// another actor as the journal names it.
func senderLabel(actor string) string {
	kind, who, _ := strings.Cut(actor, ":")
	switch kind {
	case "api", "school":
		return "l'école"
	case "scim":
		return "l'école, par SCIM"
	case "demo", "démo":
		return "la démonstration"
	case "operator":
		return "l'opérateur " + who
	case "night":
		// The rentrée of a school fed by SCIM (extranet.ActorRentree).
		return "le traitement de nuit (rentrée SCIM)"
	}
	return actor
}
