package schoolui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"passerelle/fwb"
	"passerelle/school"
)

var messageLine = regexp.MustCompile(`<li class="(msg-[a-z]+)">([^<]*)</li>`)

// messages returns the transfer messages of a page as "class|text".
func messages(page string) []string {
	i := strings.Index(page, `<ul class="messages transfer-messages">`)
	if i < 0 {
		return nil
	}
	page = page[i:]
	page = page[:strings.Index(page, "</ul>")]
	var out []string
	for _, m := range messageLine.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1]+"|"+unescape(m[2]))
	}
	return out
}

// pendingLines reads the deactivations a held transfer lists to confirm.
func pendingLines(page string) []string {
	i := strings.Index(page, `<ul class="pending-list">`)
	if i < 0 {
		return nil
	}
	page = page[i:]
	page = page[:strings.Index(page, "</ul>")]
	var out []string
	for _, m := range regexp.MustCompile(`<li>([^<]*)</li>`).FindAllStringSubmatch(page, -1) {
		out = append(out, unescape(m[1]))
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
}

// transfer runs the transfer as the page does and returns the list page
// that shows its messages.
func transferFromPage(t *testing.T, c *client, form url.Values) response {
	t.Helper()
	res := c.post("/transfert", form)
	if res.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/\?transfert=\d+#messages$`).MatchString(res.Header.Get("Location")) {
		t.Fatalf("transfer: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	return c.follow(res)
}

func TestTransferFromPage(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true})
	c := e.signedIn("secretariat")

	confirm := c.get("/transfert")
	for _, want := range []string{"<strong>6</strong> membres du personnel seront envoyés.", "1 rôle extranet sera complété",
		"1 membre ne sera pas transféré", `<a href="/situations/` + itoa(e.rows["Gensen"].Situation.ID) + `#f-SchoolEmail">Talia Gensen</a>`,
		`id="confirmer-transfert"`} {
		if !strings.Contains(confirm.body, want) {
			t.Errorf("confirmation page lacks %q", want)
		}
	}
	if strings.Contains(confirm.body, "le transfert échouera") {
		t.Error("the settings are there, yet the page warns")
	}

	page := transferFromPage(t, c, nil)
	got := messages(page.body)
	want := []string{
		`msg-information|Information : Complété Rôle Extranet "Enseignant" chez Anne Fabre`,
		"msg-erreur|Erreur : Non transférée Talia Gensen – adresse e-mail école manquante",
		"msg-avertissement|Avertissement : Créé Rôle Marc Abel – Enseignant",
		"msg-avertissement|Avertissement : Créé Rôle Jean Dupont – Enseignant",
		"msg-avertissement|Avertissement : Créé Rôle Émile Écrivain – Enseignant",
		"msg-avertissement|Avertissement : Créé Rôle Anne Fabre – Enseignant",
		"msg-avertissement|Avertissement : Créé Rôle Rémy Milord – Directeur",
		"msg-avertissement|Avertissement : Créé Rôle Anne Zimmer – Enseignant",
		"msg-fait|Le transfert est fait.",
		"msg-attention|Attention ! Les accès à l'extranet SeGEC ne sont pas immédiats. Il faut attendre une nuit avant d'avoir accès au portail.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The messages are in the lower part of the list page, after the
	// table, and name who made the transfer.
	if i, j := strings.Index(page.body, "</table>"), strings.Index(page.body, `id="messages"`); i < 0 || j < i {
		t.Error("the messages are not under the list")
	}
	if !strings.Contains(page.body, "par Sophie Secrétaire") {
		t.Error("the transfer does not name its author")
	}
	// The completed role is written on the fiche.
	fabre, err := e.st.Row(context.Background(), fase, e.rows["Fabre"].Situation.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fabre.Situation.Role != fwb.RoleEnseignant {
		t.Errorf("Fabre's role = %q, want Enseignant", fabre.Situation.Role)
	}

	// The history lists it, and its page shows the messages again.
	hist := c.get("/transferts")
	if !strings.Contains(hist.body, "Sophie Secrétaire") || !strings.Contains(hist.body, ">Fait</span>") {
		t.Errorf("history:\n%s", hist.body)
	}
	recs, err := e.st.Transfers(context.Background(), fase, 0)
	if err != nil || len(recs) != 1 {
		t.Fatalf("history in the store: %v, %v", recs, err)
	}
	entry := c.get("/transferts/" + itoa(recs[0].ID))
	if entry.StatusCode != http.StatusOK || len(messages(entry.body)) != len(want) {
		t.Errorf("history entry: status %d, %d messages", entry.StatusCode, len(messages(entry.body)))
	}
	if res := c.get("/transferts/99999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("missing entry: status %d", res.StatusCode)
	}

	// Sent again, nothing changes.
	got = messages(transferFromPage(t, c, nil).body)
	if len(got) != 4 || got[1] != "msg-information|Information : Aucun changement." {
		t.Errorf("second transfer:\n%s", strings.Join(got, "\n"))
	}
}

func TestTransferPreview(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true})
	c := e.signedIn("secretariat")
	res := c.post("/apercu", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("preview: status %d", res.StatusCode)
	}
	page := c.follow(res)
	got := messages(page.body)
	if len(got) == 0 || got[len(got)-1] != "msg-apercu|Aperçu : rien n'a été transféré." {
		t.Fatalf("preview messages:\n%s", strings.Join(got, "\n"))
	}
	if strings.Contains(page.body, "Le transfert est fait.") {
		t.Error("a preview says the transfer is done")
	}
	if !strings.Contains(page.body, "Aperçu du ") {
		t.Error("the result is not labelled as a preview")
	}
	fabre, _ := e.st.Row(context.Background(), fase, e.rows["Fabre"].Situation.ID)
	if fabre.Situation.Role != fwb.RoleNone {
		t.Error("a preview completed a role")
	}
	grants, err := e.extranet.Grants(context.Background(), fase, "2026-2027")
	if err != nil || len(grants.Staff) != 0 {
		t.Errorf("a preview created grants: %d, %v", len(grants.Staff), err)
	}
}

func TestTransferFailure(t *testing.T) {
	e := newEnv(t, envOptions{}) // no extranet address nor token
	c := e.signedIn("direction")
	if confirm := c.get("/transfert"); !strings.Contains(confirm.body, "le transfert échouera") || !strings.Contains(confirm.body, `href="/parametres"`) {
		t.Error("the confirmation page does not warn about the missing settings")
	}
	got := messages(transferFromPage(t, c, nil).body)
	if len(got) != 1 || !strings.HasPrefix(got[0], "msg-erreur|Erreur : adresse de l'extranet manquante") {
		t.Fatalf("failure messages: %q", got)
	}
	fabre, _ := e.st.Row(context.Background(), fase, e.rows["Fabre"].Situation.ID)
	if fabre.Situation.Role != fwb.RoleNone {
		t.Error("a failed transfer completed a role")
	}
}

func TestTransferHeldThenConfirmed(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true})
	c := e.signedIn("direction")
	transferFromPage(t, c, nil)

	// Five teachers leave at once: more than the extranet deactivates
	// without a confirmation.
	ctx := context.Background()
	var leaving []school.Row
	for _, last := range []string{"Abel", "Dupont", "Écrivain", "Fabre", "Zimmer"} {
		r, err := e.st.Row(ctx, fase, e.rows[last].Situation.ID)
		if err != nil {
			t.Fatal(err)
		}
		r.Situation.Active = false
		leaving = append(leaving, r)
	}
	if _, err := e.st.SaveRows(ctx, fase, leaving); err != nil {
		t.Fatal(err)
	}
	page := transferFromPage(t, c, nil)
	got := messages(page.body)
	// A held transfer did nothing: its only message line is the
	// suspension; the deactivations it would make are listed apart, as to
	// confirm, never as « Désactivé » lines.
	if len(got) != 1 || got[0] != "msg-avertissement|Avertissement : Transfert suspendu – 5 désactivations à confirmer." {
		t.Fatalf("held messages:\n%s", strings.Join(got, "\n"))
	}
	if pending := pendingLines(page.body); len(pending) != 5 || pending[0] != "À confirmer : Marc Abel – Enseignant" {
		t.Fatalf("deactivations to confirm: %q", pending)
	}
	if strings.Contains(page.body, "Désactivé Rôle") {
		t.Error("a held transfer shows a « Désactivé » line")
	}
	for _, want := range []string{`name="confirmer" value="5"`, "Je confirme ces 5 désactivations.", `id="confirmer-desactivations"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("no confirmation form: lacks %q", want)
		}
	}
	heldID := regexp.MustCompile(`name="transfert" value="(\d+)"`).FindStringSubmatch(page.body)[1]

	// A preview made after the held transfer applies nothing: the held
	// transfer stays the one to confirm, and the preview reads as one.
	if res := c.post("/apercu", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("preview: status %d", res.StatusCode)
	}
	if held := c.get("/?transfert=" + heldID); !strings.Contains(held.body, `id="confirmer-desactivations"`) {
		t.Error("a preview made after the held transfer blocks its confirmation")
	}
	if entry := c.get("/transferts/" + heldID); !strings.Contains(entry.body, `id="confirmer-desactivations"`) {
		t.Error("the held transfer's history page no longer offers its confirmation after a preview")
	}
	history := c.get("/transferts").body
	if !strings.Contains(history, `<span class="badge result-preview">Aperçu</span>`) {
		t.Errorf("the preview's result does not read « Aperçu » in the history:\n%s", history)
	}

	// Without the box ticked, nothing is sent.
	res := c.post("/transfert", url.Values{"confirmer": {"5"}, "transfert": {heldID}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?transfert="+heldID+"#messages" {
		t.Fatalf("confirmation without consent: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if back := c.follow(res); !strings.Contains(back.body, "Cochez la case « Je confirme ces désactivations »") {
		t.Error("no message asking to tick the box")
	}
	grants, _ := e.extranet.Grants(ctx, fase, "2026-2027")
	active := 0
	for _, g := range grants.Staff {
		if g.State != "deactivated" {
			active++
		}
	}
	if active != 6 {
		t.Fatalf("grants still active = %d, want 6", active)
	}

	got = messages(transferFromPage(t, c, url.Values{"confirmer": {"5"}, "accord": {"oui"}, "transfert": {heldID}}).body)
	if len(got) != 8 || got[5] != "msg-avertissement|Avertissement : Désactivé Rôle Anne Zimmer – Enseignant" || got[6] != "msg-fait|Le transfert est fait." {
		t.Fatalf("confirmed messages:\n%s", strings.Join(got, "\n"))
	}
	// The old held transfer can no longer be confirmed from its page.
	if old := c.get("/?transfert=" + heldID); strings.Contains(old.body, `id="confirmer-desactivations"`) {
		t.Error("an old held transfer still offers its confirmation")
	}
}
