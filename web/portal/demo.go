package portal

import (
	"net/http"
	"strings"

	"passerelle/mail"
	"passerelle/web"
)

// mailsData is « E-mails envoyés »: the demo's mail folder.
type mailsData struct {
	chrome
	Dir     string
	Entries []mail.Entry
}

// mailList lists the e-mails of the demo's folder, newest first. It is open
// without signing in: in the demo it is the mailbox of every fictitious
// person, the way a newcomer reads their invitation and sign-in link.
func (s *server) mailList(w http.ResponseWriter, r *http.Request) error {
	entries, err := mail.ListDir(s.cfg.MailDir)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "mails", "E-mails envoyés",
		&mailsData{chrome: s.chromeFor(r, "courriels"), Dir: s.cfg.MailDir, Entries: entries})
}

// mailData is one e-mail.
type mailData struct {
	chrome
	Entry    mail.Entry
	Segments []segment
}

func (s *server) mailShow(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	// Only a name of the listing is opened: no path ever reaches the disk
	// from the URL.
	if name == "" || strings.ContainsAny(name, `/\`) || !strings.HasSuffix(name, ".eml") {
		return &web.Error{Status: http.StatusNotFound}
	}
	entries, err := mail.ListDir(s.cfg.MailDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name == name {
			return s.render(w, r, http.StatusOK, "mail", e.Message.Subject, &mailData{
				chrome: s.chromeFor(r, "courriels"), Entry: e, Segments: linkSegments(e.Message.Text),
			})
		}
	}
	return &web.Error{Status: http.StatusNotFound}
}
