package scim

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"passerelle/extranet"
)

// MaxResults is the most users one page lists (filter.maxResults).
const MaxResults = 1000

// query is a list or search request.
type query struct {
	filter              filter
	startIndex, count   int
	attributes, exclude []string
}

// collectionConditions evaluates If-Match and If-None-Match on /Users, a
// resource that exists and has no entity tag (RFC 9110 §13.1.1, §13.1.2):
// If-Match holds only as "*", If-None-Match only without "*". When it
// does not hold, a GET or HEAD is not modified (304) and a POST fails
// (412). It reports whether it answered.
func collectionConditions(w http.ResponseWriter, r *http.Request) bool {
	if m := r.Header.Get("If-Match"); m != "" && strings.TrimSpace(m) != "*" {
		writeError(w, &extranet.SCIMError{Status: http.StatusPreconditionFailed,
			Detail: "If-Match ne s'applique qu'à un utilisateur : retirez cet en-tête de la requête sur /Users"})
		return true
	}
	for _, t := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if strings.TrimSpace(t) != "*" {
			continue
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			notModified(w)
			return true
		}
		writeError(w, &extranet.SCIMError{Status: http.StatusPreconditionFailed,
			Detail: "If-None-Match: * : /Users existe ; retirez cet en-tête pour créer un utilisateur"})
		return true
	}
	return false
}

// notModified answers 304 with the headers the 200 would have (RFC 9110
// §15.4.5), as writeJSON sets them.
func notModified(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotModified)
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, fase int) {
	if collectionConditions(w, r) {
		return
	}
	v, qerr := queryValues(r)
	if qerr != nil {
		writeError(w, qerr)
		return
	}
	if err := blankFilter(v.Get("filter"), v.Has("filter")); err != nil {
		writeError(w, err)
		return
	}
	q, err := parseQuery(v.Get("filter"), v.Get("startIndex"), v.Get("count"),
		splitList(v.Get("attributes")), splitList(v.Get("excludedAttributes")))
	if err != nil {
		writeError(w, err)
		return
	}
	h.list(w, r, fase, q)
}

// searchUsers is POST /Users/.search (RFC 7644 §3.4.3).
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, fase int) {
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := checkSchemas(body, searchSchema); err != nil {
		writeError(w, err)
		return
	}
	q, err := searchQuery(body)
	if err != nil {
		writeError(w, err)
		return
	}
	h.list(w, r, fase, q)
}

// searchQuery reads a SearchRequest: filter is a string, attributes and
// excludedAttributes are lists of strings (RFC 7644 §3.4.3); another JSON
// type is refused rather than ignored.
func searchQuery(body map[string]any) (query, *extranet.SCIMError) {
	f, _, _ := lookup(body, "filter")
	filter, ok := f.(string)
	if !ok && f != nil {
		return query{}, badSearch(`filter : une chaîne est attendue, par exemple "filter": "userName eq \"prenom.nom@ecole.be\""`)
	}
	if err := blankFilter(filter, ok); err != nil {
		return query{}, err
	}
	attrs, err := searchList(body, "attributes")
	if err != nil {
		return query{}, err
	}
	excl, err := searchList(body, "excludedAttributes")
	if err != nil {
		return query{}, err
	}
	start, err := searchNumber(body, "startIndex")
	if err != nil {
		return query{}, err
	}
	count, err := searchNumber(body, "count")
	if err != nil {
		return query{}, err
	}
	return parseQuery(filter, start, count, attrs, excl)
}

// searchNumber is an integer of a SearchRequest, as written ("" when not
// given): a number, or a string of one, which parseQuery reads; another
// JSON type is refused.
func searchNumber(body map[string]any, key string) (string, *extranet.SCIMError) {
	v, _, _ := lookup(body, key)
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		if strings.TrimSpace(x) != "" {
			return x, nil
		}
	case interface{ String() string }:
		return x.String(), nil
	}
	return "", badSearch(key + " : un nombre entier est attendu, par exemple \"" + key + "\": 10")
}

// searchList is a list of attribute names of a SearchRequest.
func searchList(body map[string]any, key string) ([]string, *extranet.SCIMError) {
	v, _, _ := lookup(body, key)
	if v == nil {
		return nil, nil
	}
	bad := badSearch(key + " : une liste de chaînes est attendue, par exemple [\"userName\", \"emails.value\"]")
	items, ok := v.([]any)
	if !ok {
		return nil, bad
	}
	out := make([]string, 0, len(items))
	for _, i := range items {
		s, ok := i.(string)
		if !ok {
			return nil, bad
		}
		out = append(out, s)
	}
	return out, nil
}

// blankFilter refuses a filter given but blank: it must hold an expression
// (RFC 7644 §3.4.2.2), and an empty one must not list the whole school.
func blankFilter(f string, given bool) *extranet.SCIMError {
	if given && strings.TrimSpace(f) == "" {
		return badFilter("filtre vide : donnez une condition, par exemple userName eq \"prenom.nom@ecole.be\", ou retirez le paramètre filter")
	}
	return nil
}

func badSearch(detail string) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 400, ScimType: "invalidSyntax", Detail: "requête de recherche invalide : " + detail}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseQuery(f, start, count string, attrs, excl []string) (query, *extranet.SCIMError) {
	q := query{startIndex: 1, count: MaxResults, attributes: attrs, exclude: excl}
	if strings.TrimSpace(f) != "" {
		var err *extranet.SCIMError
		if q.filter, err = parseUserFilter(f); err != nil {
			return q, err
		}
	}
	if start != "" {
		n, err := integer(start, "startIndex")
		if err != nil {
			return q, err
		}
		q.startIndex = max(n, 1)
	}
	if count != "" {
		n, err := integer(count, "count")
		if err != nil {
			return q, err
		}
		q.count = min(max(n, 0), MaxResults)
	}
	return q, nil
}

// integer reads a pagination parameter, within the range of a 32-bit
// integer: one beyond it is its bound, which the callers then clamp (RFC 7644 §3.4.2.4: a count
// over maxResults gives maxResults), and a startIndex echoed in a list
// stays a number any JSON client holds exactly.
func integer(s, name string) (int, *extranet.SCIMError) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, invalid("%s : un nombre entier est attendu", name)
	}
	return int(n), nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, fase int, q query) {
	users, err := h.svc.SCIMUsers(r.Context(), fase)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := h.baseURL(r)
	var found []map[string]any
	for _, u := range users {
		res := withMeta(u, base)
		if q.filter == nil || q.filter.match(res) {
			found = append(found, res)
		}
	}
	page := []any{}
	for i := q.startIndex - 1; i < len(found) && len(page) < q.count; i++ {
		page = append(page, project(found[i], q.attributes, q.exclude))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas": []string{listSchema}, "totalResults": len(found), "startIndex": q.startIndex,
		"itemsPerPage": len(page), "Resources": page,
	})
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, fase int) {
	u, err := h.svc.SCIMUser(r.Context(), fase, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := version(u)
	w.Header().Set("ETag", v)
	if err := checkIfMatch(r.Header.Get("If-Match"), u); err != nil {
		writeError(w, err)
		return
	}
	q, perr := projection(r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	// The resource's own address, meta.location (RFC 7643 §3.1), on its
	// representation (200) and on a 304, not on an error.
	w.Header().Set("Content-Location", h.baseURL(r)+"/Users/"+u.ID)
	if matchesETag(r.Header.Get("If-None-Match"), v) {
		notModified(w)
		return
	}
	writeJSON(w, http.StatusOK, project(withMeta(u, h.baseURL(r)), q.attributes, q.exclude))
}

// projection reads the attributes and excludedAttributes of a request,
// which any operation that answers a resource takes (RFC 7644 §3.9).
func projection(r *http.Request) (query, *extranet.SCIMError) {
	v, err := queryValues(r)
	if err != nil {
		return query{}, err
	}
	return parseQuery("", "", "", splitList(v.Get("attributes")), splitList(v.Get("excludedAttributes")))
}

// queryValues reads a request's query. A pair it cannot decode (a "%" not
// followed by two hexadecimal digits, an unescaped ";") is refused, never
// left out as url.URL.Query leaves it: a filter left out is no filter, and
// the answer would be every user (RFC 7644 §3.4.2.2: only the resources
// that match).
// With the error, it returns the pairs it could decode; the error is
// invalidFilter when the query names a filter, decoded or not.
func queryValues(r *http.Request) (url.Values, *extranet.SCIMError) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err == nil {
		return v, nil
	}
	scimType := "invalidValue"
	if v.Has("filter") || namesFilter(r.URL.RawQuery) {
		scimType = "invalidFilter"
	}
	return v, &extranet.SCIMError{Status: 400, ScimType: scimType, Detail: "paramètres de l'adresse illisibles : encodez chaque valeur " +
		"(« ; » en %3B, « % » en %25, l'espace en %20 ; curl le fait avec -G --data-urlencode)"}
}

// namesFilter tells whether a raw query has a key that is "filter", as
// written or once decoded ("%66ilter"), whatever its value.
func namesFilter(raw string) bool {
	for _, pair := range strings.FieldsFunc(raw, func(c rune) bool { return c == '&' || c == ';' }) {
		key, _, _ := strings.Cut(pair, "=")
		if dec, err := url.QueryUnescape(key); err == nil {
			key = dec
		}
		if key == "filter" {
			return true
		}
	}
	return false
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, fase int) {
	if collectionConditions(w, r) {
		return
	}
	body, perr := readBody(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if err := checkSchemas(body, coreUser); err != nil {
		writeError(w, err)
		return
	}
	in, perr := parseUser(body, extranet.SCIMUserInput{Role: DefaultRole, Active: true})
	if perr != nil {
		writeError(w, perr)
		return
	}
	q, perr := projection(r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	u, err := h.svc.SCIMCreate(r.Context(), fase, in, h.options(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", h.baseURL(r)+"/Users/"+u.ID)
	w.Header().Set("Content-Location", h.baseURL(r)+"/Users/"+u.ID)
	w.Header().Set("ETag", version(u))
	writeJSON(w, http.StatusCreated, project(withMeta(u, h.baseURL(r)), q.attributes, q.exclude))
}

func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request, fase int) {
	body, perr := readBody(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if err := checkSchemas(body, coreUser); err != nil {
		writeError(w, err)
		return
	}
	h.write(w, r, fase, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		def := extranet.SCIMUserInput{ExternalID: cur.ExternalID, DisplayName: cur.DisplayName, Email: cur.Email, BirthDate: cur.BirthDate, Matricule: cur.Matricule,
			Role: cur.Role, Active: cur.Active}
		in, err := parseUser(body, def)
		if err != nil {
			return in, err
		}
		return in, nil
	}, true)
}

func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, fase int) {
	body, perr := readBody(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	h.write(w, r, fase, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		res := resource(cur)
		if err := applyPatch(res, body); err != nil {
			return extranet.SCIMUserInput{}, err
		}
		// A role removed is unassigned: the default one, as at creation
		// (RFC 7644 §3.5.2.2).
		in, err := parseUser(res, extranet.SCIMUserInput{Role: DefaultRole, Active: cur.Active})
		if err != nil {
			return in, err
		}
		// Required attributes (RFC 7643 §4.1.1, /Schemas): a PATCH may
		// change them, not take them away or blank them, whatever the
		// user's state (RFC 7644 §3.5.2.2: mutability).
		for _, req := range []struct{ value, name, what string }{
			{in.UserName, "userName", "un userName"},
			{in.LastName, "name.familyName", "un nom de famille"},
			{in.FirstName, "name.givenName", "un prénom"},
		} {
			if strings.TrimSpace(req.value) == "" {
				return in, &extranet.SCIMError{Status: 400, ScimType: "mutability", Detail: req.name +
					" est requis : un utilisateur garde " + req.what + ", remplacez-le plutôt que de le retirer"}
			}
		}
		return in, nil
	}, false)
}

// write runs a PUT (whole) or a PATCH: modify makes the new user of the
// current one, read in the write's transaction, after If-Match is checked.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, fase int, modify func(extranet.SCIMUser) (extranet.SCIMUserInput, error), whole bool) {
	cond := conditionsOf(r)
	q, perr := projection(r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	u, err := h.svc.SCIMReplace(r.Context(), fase, r.PathValue("id"), func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		if err := cond.check(cur); err != nil {
			return extranet.SCIMUserInput{}, err
		}
		return modify(cur)
	}, h.writeOptions(r, whole))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Location", h.baseURL(r)+"/Users/"+u.ID)
	w.Header().Set("ETag", version(u))
	writeJSON(w, http.StatusOK, project(withMeta(u, h.baseURL(r)), q.attributes, q.exclude))
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, fase int) {
	cond := conditionsOf(r)
	err := h.svc.SCIMDelete(r.Context(), fase, r.PathValue("id"), func(cur extranet.SCIMUser) error {
		if err := cond.check(cur); err != nil {
			return err
		}
		return nil
	}, h.options(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// options are the write options of a request: the confirmation of a held
// burst of deactivations, when the school's administrator sends it.
// writeOptions are options, and whether the request gives the whole user.
func (h *Handler) writeOptions(r *http.Request, whole bool) extranet.SCIMOptions {
	opt := h.options(r)
	opt.Whole = whole
	return opt
}

func (h *Handler) options(r *http.Request) extranet.SCIMOptions {
	n, _ := strconv.Atoi(strings.TrimSpace(r.Header.Get(extranet.ConfirmHeader)))
	return extranet.SCIMOptions{ConfirmDeactivations: n}
}

func checkIfMatch(header string, cur extranet.SCIMUser) *extranet.SCIMError {
	if header == "" || matchesETag(header, version(cur)) {
		return nil
	}
	return &extranet.SCIMError{Status: http.StatusPreconditionFailed,
		Detail: "l'utilisateur a changé depuis votre lecture (If-Match) : relisez-le, puis renvoyez la modification"}
}

// conditions are the preconditions of a write (RFC 9110 §13.2.2): If-Match
// first, then If-None-Match, which a PUT, PATCH or DELETE fails when it
// names the user's version or is "*" (412; a GET answers 304 instead).
type conditions struct{ ifMatch, ifNoneMatch string }

func conditionsOf(r *http.Request) conditions {
	return conditions{r.Header.Get("If-Match"), r.Header.Get("If-None-Match")}
}

func (c conditions) check(cur extranet.SCIMUser) *extranet.SCIMError {
	if err := checkIfMatch(c.ifMatch, cur); err != nil {
		return err
	}
	if c.ifNoneMatch != "" && matchesETag(c.ifNoneMatch, version(cur)) {
		return &extranet.SCIMError{Status: http.StatusPreconditionFailed,
			Detail: "l'utilisateur est dans la version que nomme If-None-Match : rien n'est modifié ; retirez cet en-tête pour modifier l'utilisateur"}
	}
	return nil
}

// matchesETag reports whether an If-Match or If-None-Match header names v
// (weak comparison, RFC 9110 §8.8.3.2).
func matchesETag(header, v string) bool {
	weak := strings.TrimPrefix(v, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == weak {
			return true
		}
	}
	return false
}

// project keeps the attributes asked for, or drops those excluded (RFC
// 7644 §3.9): names and sub-attributes, of every value of a multi-valued
// attribute, or a whole extension by its URN. id and schemas are always
// returned (returned: always); schemas lists the core schema and the
// extensions the answer holds (RFC 7643 §3: the schemas of the attributes
// present). An object left empty is left out.
func project(res map[string]any, attrs, exclude []string) map[string]any {
	if len(attrs) == 0 && len(exclude) == 0 {
		return res
	}
	var out map[string]any
	if len(attrs) > 0 {
		out, _ = keep(res, selectionOf(attrs)).(map[string]any)
	} else {
		out, _ = drop(res, selectionOf(exclude)).(map[string]any)
	}
	if out == nil {
		out = map[string]any{}
	}
	out["id"] = res["id"]
	out["schemas"] = presentSchemas(res["schemas"], out)
	return out
}

// selection is a tree of attribute names, lower case: the whole of an
// attribute, or some of its sub-attributes.
type selection struct {
	all bool
	sub map[string]*selection
}

// selectionOf reads the names of attributes or excludedAttributes; those
// that do not read are ignored, as unknown ones are.
func selectionOf(names []string) *selection {
	root := &selection{}
	for _, a := range names {
		path, ok := extensionPath(a)
		if !ok {
			var err *extranet.SCIMError
			if path, err = attrPath(a); err != nil {
				continue
			}
		}
		s := root
		for _, name := range path {
			if s.sub == nil {
				s.sub = map[string]*selection{}
			}
			if s.sub[name] == nil {
				s.sub[name] = &selection{}
			}
			s = s.sub[name]
		}
		s.all = true
	}
	return root
}

// keep is what s selects of v, each value of a list alike; nil when
// nothing is left.
func keep(v any, s *selection) any {
	if s.all {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if c := s.sub[strings.ToLower(k)]; c != nil {
				if kept := keep(val, c); kept != nil {
					out[k] = kept
				}
			}
		}
		return nonEmpty(out)
	case []any:
		return eachOf(x, func(el any) any { return keep(el, s) })
	}
	return nil
}

// drop is v without what s selects, each value of a list alike; nil
// when nothing is left.
func drop(v any, s *selection) any {
	if s.all {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			c := s.sub[strings.ToLower(k)]
			if c == nil {
				out[k] = val
			} else if left := drop(val, c); left != nil {
				out[k] = left
			}
		}
		return nonEmpty(out)
	case []any:
		return eachOf(x, func(el any) any { return drop(el, s) })
	}
	return v
}

// eachOf maps the values of a multi-valued attribute, leaving out those
// that become nil; nil when none is left.
func eachOf(list []any, f func(any) any) any {
	var out []any
	for _, el := range list {
		if v := f(el); v != nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func nonEmpty(m map[string]any) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// presentSchemas are the URNs of schemas that out holds: the core one,
// and each extension whose object it has.
func presentSchemas(schemas any, out map[string]any) []any {
	list, _ := schemas.([]any)
	kept := []any{}
	for _, s := range list {
		urn, _ := s.(string)
		if _, _, has := lookup(out, urn); has || strings.EqualFold(urn, coreUser) {
			kept = append(kept, s)
		}
	}
	return kept
}
