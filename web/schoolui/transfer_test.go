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
	"slices"
)

// messages returns the transfer messages of a page as "class|text".
func messages(t testing.TB, page string) []string {
	t.Helper()
	var out []string
	for _, li := range doc(t, page).All("ul.messages.transfer-messages > li") {
		out = append(out, li.Attr("class")+"|"+li.Text())
	}
	return out
}

// pendingLines reads the deactivations a held transfer lists to confirm.
func pendingLines(t testing.TB, page string) []string {
	t.Helper()
	return doc(t, page).Texts("ul.pending-list > li")
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
	cp := doc(t, confirm.body)
	summary := cp.Texts("main ul:not(#previsions):not(.messages) > li")
	for _, want := range []string{"6 membres du personnel seront envoyés.", "1 rôle extranet sera complété d'après la fonction.",
		"1 membre ne sera pas transféré (points bloquants ci-dessous)."} {
		if !slices.Contains(summary, want) {
			t.Errorf("confirmation summary %q lacks %q", summary, want)
		}
	}
	if got := cp.OneWithText("main li strong", "6").Text(); got != "6" {
		t.Errorf("the number sent is not in bold: %q", got)
	}
	if got := cp.Link("Talia Gensen").Attr("href"); got != "/situations/"+itoa(e.rows["Gensen"].Situation.ID)+"#f-SchoolEmail" {
		t.Errorf("Gensen's blocking point links to %q", got)
	}
	cp.One("button#confirmer-transfert")
	if has(t, confirm.body, "le transfert échouera") {
		t.Error("the settings are there, yet the page warns")
	}

	page := transferFromPage(t, c, nil)
	got := messages(t, page.body)
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
	if !strings.Contains(doc(t, page.body).One("#messages").Text(), "par Sophie Secrétaire") {
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
	if rows := doc(t, hist.body).Rows("table.history"); len(rows) != 1 || rows[0][2] != "Sophie Secrétaire" || rows[0][3] != "Fait" {
		t.Errorf("history:\n%s", hist.body)
	}
	recs, err := e.st.Transfers(context.Background(), fase, 0)
	if err != nil || len(recs) != 1 {
		t.Fatalf("history in the store: %v, %v", recs, err)
	}
	entry := c.get("/transferts/" + itoa(recs[0].ID))
	if entry.StatusCode != http.StatusOK || len(messages(t, entry.body)) != len(want) {
		t.Errorf("history entry: status %d, %d messages", entry.StatusCode, len(messages(t, entry.body)))
	}
	if res := c.get("/transferts/99999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("missing entry: status %d", res.StatusCode)
	}

	// Sent again, nothing changes.
	got = messages(t, transferFromPage(t, c, nil).body)
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
	got := messages(t, page.body)
	if len(got) == 0 || got[len(got)-1] != "msg-apercu|Aperçu : rien n'a été transféré." {
		t.Fatalf("preview messages:\n%s", strings.Join(got, "\n"))
	}
	if has(t, page.body, "Le transfert est fait.") {
		t.Error("a preview says the transfer is done")
	}
	if !strings.HasPrefix(doc(t, page.body).One("#messages p.muted").Text(), "Aperçu du ") {
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
	if confirm := c.get("/transfert"); len(doc(t, confirm.body).WithText("main p", "le transfert échouera")) != 1 || !slices.Contains(hrefs(t, confirm.body, "main"), "/parametres") {
		t.Error("the confirmation page does not warn about the missing settings")
	}
	got := messages(t, transferFromPage(t, c, nil).body)
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
	got := messages(t, page.body)
	// A held transfer did nothing: its only message line is the
	// suspension; the deactivations it would make are listed apart, as to
	// confirm, never as « Désactivé » lines.
	if len(got) != 1 || got[0] != "msg-avertissement|Avertissement : Transfert suspendu – 5 désactivations à confirmer." {
		t.Fatalf("held messages:\n%s", strings.Join(got, "\n"))
	}
	if pending := pendingLines(t, page.body); len(pending) != 5 || pending[0] != "À confirmer : Marc Abel – Enseignant" {
		t.Fatalf("deactivations to confirm: %q", pending)
	}
	if has(t, page.body, "Désactivé Rôle") {
		t.Error("a held transfer shows a « Désactivé » line")
	}
	confirmForm := doc(t, page.body).Form("/transfert")
	if confirmForm.One("input[name=confirmer]").Attr("value") != "5" || !strings.Contains(confirmForm.Text(), "Je confirme ces 5 désactivations.") ||
		!confirmForm.Has("#confirmer-desactivations") {
		t.Errorf("no confirmation form: %s", confirmForm.HTML())
	}
	heldID := confirmForm.One("input[type=hidden][name=transfert]").Attr("value")

	// A preview made after the held transfer applies nothing: the held
	// transfer stays the one to confirm, and the preview reads as one.
	if res := c.post("/apercu", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("preview: status %d", res.StatusCode)
	}
	if held := c.get("/?transfert=" + heldID); !doc(t, held.body).Has("#confirmer-desactivations") {
		t.Error("a preview made after the held transfer blocks its confirmation")
	}
	if entry := c.get("/transferts/" + heldID); !doc(t, entry.body).Has("#confirmer-desactivations") {
		t.Error("the held transfer's history page no longer offers its confirmation after a preview")
	}
	history := c.get("/transferts").body
	if len(doc(t, history).WithText("table.history span.badge.result-preview", "Aperçu")) == 0 {
		t.Errorf("the preview's result does not read « Aperçu » in the history:\n%s", history)
	}

	// Without the box ticked, nothing is sent.
	res := c.post("/transfert", url.Values{"confirmer": {"5"}, "transfert": {heldID}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?transfert="+heldID+"#messages" {
		t.Fatalf("confirmation without consent: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if back := c.follow(res); !flashed(t, back.body, "Cochez la case « Je confirme ces désactivations »") {
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

	got = messages(t, transferFromPage(t, c, url.Values{"confirmer": {"5"}, "accord": {"oui"}, "transfert": {heldID}}).body)
	if len(got) != 8 || got[5] != "msg-avertissement|Avertissement : Désactivé Rôle Anne Zimmer – Enseignant" || got[6] != "msg-fait|Le transfert est fait." {
		t.Fatalf("confirmed messages:\n%s", strings.Join(got, "\n"))
	}
	// The old held transfer can no longer be confirmed from its page.
	if old := c.get("/?transfert=" + heldID); doc(t, old.body).Has("#confirmer-desactivations") {
		t.Error("an old held transfer still offers its confirmation")
	}
}
