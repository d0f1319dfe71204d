package main

import (
	"errors"
	"fmt"
	"net"

	"passerelle/mail"
	"passerelle/mail/smtp"
)

// mailSender builds the sender chosen on the command line: SMTP to
// smtpAddr (host:port) when it is set, with optional AUTH PLAIN credentials
// and a STARTTLS mode ("auto" when empty, "always" or "never"); otherwise a
// folder of .eml files in mailDir.
func mailSender(mailDir, smtpAddr, user, pass, startTLS, helo string) (mail.Sender, error) {
	if smtpAddr != "" {
		if _, _, err := net.SplitHostPort(smtpAddr); err != nil {
			return nil, fmt.Errorf("adresse SMTP %q invalide, attendu HOTE:PORT : %w", smtpAddr, err)
		}
		mode, err := smtp.ParseStartTLS(startTLS)
		if err != nil {
			return nil, err
		}
		if pass != "" && user == "" {
			return nil, errors.New("mot de passe SMTP donné sans identifiant")
		}
		return smtp.New(smtp.Config{Addr: smtpAddr, Username: user, Password: pass, StartTLS: mode, HelloName: helo}), nil
	}
	if mailDir == "" {
		return nil, errors.New("aucune destination pour les e-mails : indiquez un dossier (--mail-dir) ou un serveur SMTP (--smtp)")
	}
	if user != "" || pass != "" {
		return nil, errors.New("identifiants SMTP donnés sans serveur SMTP (--smtp)")
	}
	return mail.NewDirSender(mailDir)
}
