package frtext

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of RFC 5321: longer addresses are refused by mail servers anyway, so
// catching them here saves a bounced invitation.
const (
	maxLocalLen  = 64
	maxDomainLen = 253
	maxLabelLen  = 63
)

// localSpecials lists the characters besides ASCII letters and digits that
// RFC 5322 allows unquoted in the local part (dot-atom form).
const localSpecials = "!#$%&'*+/=?^_`{|}~.-"

// NormalizeEmail trims s, lower-cases it and checks that it is an e-mail
// address an invitation can be sent to. The check is practical rather than a
// full RFC 5322 parser: ASCII only, one @, a dot-atom local part of at most
// 64 characters, and a domain of dot-separated labels ending with an
// extension of at least two letters. Quoted local parts, IP-address domains
// and internationalised addresses are refused, since school addresses never
// use them and a typo is far more likely. Errors are in French and say what
// is wrong.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("adresse e-mail vide")
	}
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("adresse e-mail « %s » invalide : %s", s, fmt.Sprintf(format, args...))
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return fail("espace interdit")
	}
	if !utf8.ValidString(s) {
		return fail("caractères illisibles")
	}
	addr := strings.ToLower(s)
	switch strings.Count(addr, "@") {
	case 0:
		return fail("il manque le @")
	case 1:
	default:
		return fail("un seul @ est permis")
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" {
		return fail("il manque la partie avant le @")
	}
	if domain == "" {
		return fail("il manque le domaine après le @ (ex. ecole.be)")
	}
	for _, r := range addr {
		if r == '@' {
			continue
		}
		if r >= utf8.RuneSelf || unicode.IsControl(r) {
			return fail("caractère « %c » interdit : lettres sans accent, chiffres et . - _ + seulement", r)
		}
	}
	if len(local) > maxLocalLen {
		return fail("la partie avant le @ dépasse %d caractères", maxLocalLen)
	}
	for _, c := range []byte(local) {
		if !isASCIIAlnum(c) && !strings.ContainsRune(localSpecials, rune(c)) {
			return fail("caractère « %c » interdit avant le @", c)
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' {
		return fail("la partie avant le @ ne peut ni commencer ni finir par un point")
	}
	if strings.Contains(addr, "..") {
		return fail("deux points se suivent")
	}
	for _, c := range []byte(domain) {
		if !isASCIIAlnum(c) && c != '-' && c != '.' {
			return fail("caractère « %c » interdit dans le domaine (lettres, chiffres, - et . seulement)", c)
		}
	}
	if !strings.Contains(domain, ".") {
		return fail("le domaine doit contenir un point (ex. ecole.be)")
	}
	if domain[0] == '.' || domain[len(domain)-1] == '.' {
		return fail("le domaine ne peut ni commencer ni finir par un point")
	}
	if len(domain) > maxDomainLen {
		return fail("le domaine dépasse %d caractères", maxDomainLen)
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if len(l) > maxLabelLen {
			return fail("la partie « %s » du domaine dépasse %d caractères", l, maxLabelLen)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fail("la partie « %s » du domaine ne peut ni commencer ni finir par un tiret", l)
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.IndexFunc(tld, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return fail("l'extension « %s » doit compter au moins deux lettres (ex. .be)", tld)
	}
	return addr, nil
}

func isASCIIAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
}
